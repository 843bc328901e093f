package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

func TestPasswordResetLinkOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	manager, _ := testkit.ClientAs(t, app, tn, "manager")
	mia := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	shared := testkit.User(t, app.Store).WithRole(tn, "customer").WithRole(other, "customer").Create()
	boss := testkit.User(t, app.Store).SuperAdmin().WithRole(tn, "customer").Create()
	path := func(id string) string { return "/t/" + tn.Slug + "/users/" + id + "/password-reset" }
	rec := testkit.Events(t, app.Store)

	// A manager may not (users:update is the admin's); an admin gets the link, shown once.
	manager.PostForm(path(mia.ID.String()), nil).ExpectStatus(http.StatusForbidden)
	res := admin.PostForm(path(mia.ID.String()), nil).ExpectStatus(http.StatusSeeOther)
	page := admin.Get(res.Header.Get("Location")).ExpectStatus(http.StatusOK)
	link, _ := page.TestID("invite-link").Attr("value")
	if !strings.Contains(link, "/set-password/") || !strings.Contains(page.Text("invite"), "Password reset link") {
		t.Fatalf("no reset link on the page: %q", page.Text("invite"))
	}
	if admin.Get(res.Header.Get("Location")).TestID("invite-link").Length() != 0 {
		t.Fatal("the link is shown twice")
	}
	if len(rec.Emitted(t, "user.updated")) != 1 {
		t.Fatalf("events %v", rec.Types(t))
	}
	token := link[strings.LastIndex(link, "/")+1:]
	// A second link stops the first; the second works once.
	res = admin.PostForm(path(mia.ID.String()), nil).ExpectStatus(http.StatusSeeOther)
	admin.Get(res.Header.Get("Location")) // shows (and so forgets) the second link
	if _, err := app.Store.SetPasswordWithToken(context.Background(), token, "a brand new long password"); err == nil {
		t.Fatal("the first link still works after a second was made")
	}
	// Someone who also belongs to another tenant or to the platform: refused, no link.
	for _, u := range []testkit.FixtureUser{shared, boss} {
		res := admin.PostForm(path(u.ID.String()), nil).ExpectStatus(http.StatusSeeOther)
		if page := admin.Get(res.Header.Get("Location")); page.TestID("invite-link").Length() != 0 {
			t.Fatalf("%s got a reset link", u.Email)
		}
	}
	if n := len(rec.Emitted(t, "user.updated")); n != 2 {
		t.Fatalf("%d links issued, want 2", n)
	}
	// Not a user of this tenant: 404.
	outsider := testkit.User(t, app.Store).WithRole(other, "customer").Create()
	admin.PostForm(path(outsider.ID.String()), nil).ExpectStatus(http.StatusNotFound)
	// The user list does not call a reset user invited.
	if list := admin.Get("/t/" + tn.Slug + "/users"); strings.Contains(list.Text("user-row-"+mia.ID.String()), "Invited") {
		t.Fatal("a reset user is listed as invited")
	}
}
