package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
)

const chromeOnMac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

// otherSessionEnds returns the sign-out actions of the rows of other sessions on /account.
func otherSessionEnds(t *testing.T, page *testkit.Response) []string {
	t.Helper()
	var out []string
	page.TestID("session-row").Find(`form[action^="/account/sessions/"]`).Each(func(_ int, f *goquery.Selection) {
		out = append(out, f.AttrOr("action", ""))
	})
	return out
}

// signedOut reports whether the client's next request to /account is sent to sign in.
func signedOut(c *testkit.HTTPClient) bool {
	res := c.Get("/account")
	return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login")
}

// The account page lists the user's sessions (the in-memory store) with the device, this one
// marked; "Sign out" ends one, "Sign out everywhere else" all but this one, and a signed-out
// session leaves the list.
func TestSessionsListAndSignOut(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	here := testkit.Client(t, app)
	here.Header.Set("User-Agent", chromeOnMac)
	here.LoginAs(u)
	there, third, gone := testkit.Client(t, app).LoginAs(u), testkit.Client(t, app).LoginAs(u), testkit.Client(t, app).LoginAs(u)
	gone.PostForm("/logout", nil).ExpectStatus(http.StatusSeeOther) // signed out: not listed

	page := here.Get("/account").ExpectStatus(http.StatusOK)
	rows := page.TestID("session-row")
	if rows.Length() != 3 || page.TestID("session-current").Length() != 1 {
		t.Fatalf("%d rows, %d marked current; want 3 and 1:\n%s", rows.Length(), page.TestID("session-current").Length(), page.Text("sessions"))
	}
	if first := rows.First().Text(); !strings.Contains(first, "Chrome 120 on macOS") || !strings.Contains(first, "This one") {
		t.Fatalf("the first row is not this Chrome session: %q", first)
	}
	ends := otherSessionEnds(t, page)
	if len(ends) != 2 {
		t.Fatalf("sign-out buttons %v, want one per other session", ends)
	}

	// One session: only it ends, with user.updated, which every process hears.
	rec := testkit.Events(t, app.Store)
	here.PostForm(ends[0], nil).ExpectStatus(http.StatusSeeOther)
	up := rec.Emitted(t, "user.updated")
	if len(up) != 1 || fmt.Sprint(up[0].(*events.UserUpdated).Changes["sessions"]) != fmt.Sprint(events.Change{Old: "3 active", New: "2 active"}) {
		t.Fatalf("events %v", up)
	}
	ended, kept := there, third
	if signedOut(third) {
		ended, kept = third, there
	}
	if !signedOut(ended) || signedOut(kept) || signedOut(here) {
		t.Fatal("not exactly the chosen session ended")
	}
	if got := ended.Get("/login").Text("flash"); !strings.Contains(got, "signed out from another session") {
		t.Fatalf("the ended session was told %q", got)
	}
	// Again, or an id that is not the user's: nothing more ends.
	here.PostForm(ends[0], nil).ExpectStatus(http.StatusSeeOther)
	here.PostForm("/account/sessions/"+testkit.MustUUID(t, "01900000-0000-7000-8000-000000000000").String()+"/end", nil).ExpectStatus(http.StatusSeeOther)
	here.PostForm("/account/sessions/not-an-id/end", nil).ExpectStatus(http.StatusNotFound)
	if signedOut(kept) || signedOut(here) {
		t.Fatal("ending an ended or unknown session ended another")
	}

	// Everywhere else: the rest ends, this one stays.
	here.PostForm("/account/sessions/end-others", nil).ExpectStatus(http.StatusSeeOther)
	if !signedOut(kept) || signedOut(here) {
		t.Fatal("sign out everywhere else did not keep exactly this session")
	}
	if page := here.Get("/account"); page.TestID("session-row").Length() != 1 || page.TestID("sessions-end-others").Length() != 0 {
		t.Fatalf("after signing out everywhere else: %d rows", page.TestID("session-row").Length())
	}
	// Another user cannot end this user's sessions by their ids.
	stranger := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).WithRole(tn, "customer").Create())
	mine := mustSessions(t, app, u.ID)[0]
	stranger.PostForm("/account/sessions/"+mine+"/end", nil).ExpectStatus(http.StatusSeeOther)
	if signedOut(here) {
		t.Fatal("another user ended this user's session")
	}
}

func mustSessions(t *testing.T, app *testkit.TestApp, userID uuid.UUID) []string {
	t.Helper()
	ids, err := app.Store.ActiveSessionIDs(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ids))
	for i, s := range ids {
		out[i] = s.String()
	}
	return out
}

// Two processes share Redis: a session signed in on B is listed on A and ended from there, and
// B signs it out on its next request, although B had the user cached. With B cut off from
// NATS it still does, within the watcher's bound.
func TestSessionRevocationAcrossProcesses(t *testing.T) {
	t.Parallel()
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0], c.Processes[1]
	tn := testkit.Tenant(t, a.Store).Create()
	u := testkit.User(t, a.Store).WithRole(tn, "customer").Create()
	onA := testkit.Client(t, a.TestApp).LoginAs(u)
	onB := testkit.Client(t, b.TestApp)
	onB.Header.Set("User-Agent", chromeOnMac)
	onB.LoginAs(u)
	onB.Get("/account").ExpectStatus(http.StatusOK) // B has the user cached, with its session

	page := onA.Get("/account").ExpectStatus(http.StatusOK)
	if !strings.Contains(page.Text("sessions"), "Chrome 120 on macOS") {
		t.Fatalf("A does not list the session signed in on B: %q", page.Text("sessions"))
	}
	ends := otherSessionEnds(t, page)
	if len(ends) != 1 {
		t.Fatalf("sign-out buttons %v", ends)
	}
	onA.PostForm(ends[0], nil).ExpectStatus(http.StatusSeeOther)
	testkit.Eventually(t, time.Second, "B signs the ended session out", func() bool { return signedOut(onB) })
	if signedOut(onA) {
		t.Fatal("A's own session ended")
	}

	// B loses NATS: it hears nothing of the next ending, and still signs the session out once its
	// cached principal is older than the watcher's bound.
	again := testkit.Client(t, b.TestApp).LoginAs(u)
	again.Get("/account").ExpectStatus(http.StatusOK)
	b.CutNATS(t)
	onA.PostForm("/account/sessions/end-others", url.Values{}).ExpectStatus(http.StatusSeeOther)
	testkit.Eventually(t, 10*time.Second, "B, cut off from NATS, signs the ended session out", func() bool { return signedOut(again) })
	b.RestoreNATS(t)
}

// An admin with users:update signs a user of the tenant out everywhere from the user's page; a
// manager may not; a user who also belongs elsewhere is left to super admins.
func TestAdminEndsAUsersSessions(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	admin, adminUser := testkit.ClientAs(t, app, tn, "admin")
	manager, _ := testkit.ClientAs(t, app, tn, "manager")
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	both := testkit.User(t, app.Store).WithRole(tn, "customer").WithRole(other, "customer").Create()
	first, second, elsewhere := testkit.Client(t, app).LoginAs(u), testkit.Client(t, app).LoginAs(u), testkit.Client(t, app).LoginAs(both)
	userPath := "/t/" + tn.Slug + "/users/" + u.ID.String()

	if got := admin.Get(userPath).Text("user-sessions-count"); !strings.Contains(got, "signed in on 2 devices") {
		t.Fatalf("the user page says %q", got)
	}
	manager.PostForm(userPath+"/sessions/end", nil).ExpectStatus(http.StatusForbidden)
	if signedOut(first) {
		t.Fatal("a manager ended the sessions")
	}
	admin.PostForm(userPath+"/sessions/end", nil).ExpectStatus(http.StatusSeeOther)
	if !signedOut(first) || !signedOut(second) {
		t.Fatal("the user is still signed in somewhere")
	}
	if got := admin.Get(userPath).Text("user-sessions-count"); !strings.Contains(got, "not signed in anywhere") {
		t.Fatalf("after ending: %q", got)
	}

	admin.PostForm("/t/"+tn.Slug+"/users/"+both.ID.String()+"/sessions/end", nil).ExpectStatus(http.StatusSeeOther)
	if got := admin.Get("/t/" + tn.Slug + "/users/" + both.ID.String()).Text("flash"); !strings.Contains(got, "Only a super admin") {
		t.Fatalf("a user of two tenants: %q", got)
	}
	if signedOut(elsewhere) {
		t.Fatal("an admin of one tenant signed out a user of two")
	}
	// The admin signing themselves out everywhere keeps the session they do it from.
	testkit.Client(t, app).LoginAs(adminUser)
	admin.PostForm("/t/"+tn.Slug+"/users/"+adminUser.ID.String()+"/sessions/end", nil).ExpectStatus(http.StatusSeeOther)
	if signedOut(admin) {
		t.Fatal("the admin's own session ended")
	}
}
