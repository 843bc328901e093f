package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestAccountPageOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	here, there := testkit.Client(t, app).LoginAs(u), testkit.Client(t, app).LoginAs(u)
	ctx := context.Background()

	if testkit.Client(t, app).Get("/account").StatusCode != http.StatusSeeOther {
		t.Fatal("the account page answers signed out")
	}
	page := here.Get("/account").ExpectStatus(http.StatusOK)
	if page.TestID("account-form").Length() != 1 || here.Get("/t/"+tn.Slug+"/").TestID("account-link").Length() != 1 {
		t.Fatal("no account page or no link to it")
	}

	// Profile: an empty name is refused; a new one is saved.
	here.PostForm("/account", url.Values{"name": {"  "}}).ExpectStatus(http.StatusUnprocessableEntity)
	here.PostForm("/account", url.Values{"name": {"Mia Renamed"}}).ExpectStatus(http.StatusSeeOther)
	got, err := app.Store.UserByID(ctx, u.ID)
	if err != nil || got.Name != "Mia Renamed" {
		t.Fatalf("saved %+v (%v)", got, err)
	}

	// Password: the current one must be right, the new one long enough and typed twice alike.
	rec := testkit.Events(t, app.Store)
	next := "a brand new long password"
	for name, form := range map[string]url.Values{
		"wrong current": {"current_password": {"not it at all"}, "new_password": {next}, "confirm_password": {next}},
		"mismatch":      {"current_password": {u.Password}, "new_password": {next}, "confirm_password": {next + "!"}},
		"too short":     {"current_password": {u.Password}, "new_password": {"short"}, "confirm_password": {"short"}},
	} {
		if res := here.PostForm("/account/password", form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d", name, res.StatusCode)
		}
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("refused changes wrote %v", got)
	}
	here.PostForm("/account/password", url.Values{"current_password": {u.Password}, "new_password": {next}, "confirm_password": {next}}).
		ExpectStatus(http.StatusSeeOther)
	if len(rec.Emitted(t, "user.password_changed")) != 1 {
		t.Fatalf("events %v", rec.Types(t))
	}
	// This session goes on; the other one has ended; the new password signs in, the old one not.
	here.Get("/account").ExpectStatus(http.StatusOK)
	if res := there.Get("/account"); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/login") {
		t.Fatalf("the other session still answers %d", res.StatusCode)
	}
	if _, err := app.Store.Authenticate(ctx, u.Email, u.Password, models.Client{}); err == nil {
		t.Fatal("the old password still signs in")
	}
	if _, err := app.Store.Authenticate(ctx, u.Email, next, models.Client{}); err != nil {
		t.Fatalf("the new password: %v", err)
	}
}

// A password changed on process A ends the user's session on process B within a second.
func TestPasswordChangeEndsSessionsOnAnotherProcess(t *testing.T) {
	t.Parallel()
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0], c.Processes[1]
	tn := testkit.Tenant(t, a.Store).Create()
	u := testkit.User(t, a.Store).WithRole(tn, "customer").Create()
	onA, onB := testkit.Client(t, a.TestApp).LoginAs(u), testkit.Client(t, b.TestApp).LoginAs(u)
	onB.Get("/account").ExpectStatus(http.StatusOK) // B has the user cached
	next := "a brand new long password"
	onA.PostForm("/account/password", url.Values{"current_password": {u.Password}, "new_password": {next}, "confirm_password": {next}}).
		ExpectStatus(http.StatusSeeOther)
	testkit.Eventually(t, time.Second, "B ends the session", func() bool { return onB.Get("/account").StatusCode == http.StatusSeeOther })
	onA.Get("/account").ExpectStatus(http.StatusOK)
}

func TestAccountEmailChangeNeedsThePassword(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	other := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	c := testkit.Client(t, app).LoginAs(u)
	rec := testkit.Events(t, app.Store)
	res := c.PostForm("/account/email", url.Values{"email": {"new@example.com"}, "current_password": {"wrong password here"}}).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("account-email_password-error"), "current password") {
		t.Fatalf("wrong password: %q", res.Text("account-email_password-error"))
	}
	c.PostForm("/account/email", url.Values{"email": {"not an address"}, "current_password": {u.Password}}).ExpectStatus(http.StatusUnprocessableEntity)
	c.PostForm("/account/email", url.Values{"email": {strings.ToUpper(other.Email)}, "current_password": {u.Password}}).ExpectStatus(http.StatusUnprocessableEntity)
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("refused changes wrote %v", got)
	}
	c.PostForm("/account/email", url.Values{"email": {"Mia.New@Example.com"}, "current_password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
	if _, err := app.Store.Authenticate(context.Background(), "mia.new@example.com", u.Password, models.Client{}); err != nil {
		t.Fatalf("the new address does not sign in: %v", err)
	}
	up := rec.Emitted(t, "user.updated")
	if len(up) != 1 || !strings.Contains(fmt.Sprint(up[0].(*events.UserUpdated).Changes), "mia.new@example.com") {
		t.Fatalf("events %v", rec.Types(t))
	}
	if page := c.Get("/account"); !strings.Contains(page.Text("account"), "mia.new@example.com") {
		t.Fatal("the page still shows the old address")
	}
}

// The time zone follows the browser until the user fixes one on the account page; the browser's
// report then changes nothing, and the pages say so to static/app.js. Emptying it follows the
// browser again.
func TestAccountTimeZoneChoice(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").TimeZone("Europe/Berlin").Create()
	c := testkit.Client(t, app).LoginAs(u)
	ctx := context.Background()
	zone := func() (string, bool) {
		got, err := app.Store.UserByID(ctx, u.ID)
		if err != nil || got.TimeZone == nil {
			t.Fatalf("user %v (%v)", got, err)
		}
		return *got.TimeZone, got.TimeZoneFixed
	}
	if page := c.Get("/account"); page.TestID("account-time-zone").Length() != 1 || page.Doc().Find("body[data-time-zone-fixed]").Length() != 0 {
		t.Fatal("a zone that follows the browser is shown as fixed")
	}
	res := c.PostForm("/account", url.Values{"name": {u.Name}, "time_zone": {"Mars/Olympus"}}).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("account-time_zone-error"), "time zone") {
		t.Fatalf("a bad zone: %q", res.Text("account-time_zone-error"))
	}
	rec := testkit.Events(t, app.Store)
	c.PostForm("/account", url.Values{"name": {u.Name}, "time_zone": {"Asia/Tokyo"}}).ExpectStatus(http.StatusSeeOther)
	if up := rec.Emitted(t, "user.updated"); len(up) != 1 || up[0].(*events.UserUpdated).Changes["time_zone"] != (events.Change{Old: "automatic (the browser's)", New: "Asia/Tokyo"}) {
		t.Fatalf("events %v", up)
	}
	c.PostForm("/account/time-zone", url.Values{"time_zone": {"Europe/Paris"}}).ExpectStatus(http.StatusNoContent)
	if z, fixed := zone(); z != "Asia/Tokyo" || !fixed {
		t.Fatalf("the browser's report changed a fixed zone: %s %v", z, fixed)
	}
	if page := c.Get("/account"); page.Doc().Find("body[data-time-zone-fixed]").Length() != 1 {
		t.Fatal("the page does not tell the script the zone is fixed")
	}
	c.PostForm("/account", url.Values{"name": {u.Name}, "time_zone": {""}}).ExpectStatus(http.StatusSeeOther)
	c.PostForm("/account/time-zone", url.Values{"time_zone": {"Europe/Paris"}}).ExpectStatus(http.StatusNoContent)
	if z, fixed := zone(); z != "Europe/Paris" || fixed {
		t.Fatalf("after following the browser again: %s %v", z, fixed)
	}
}
