package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
)

func TestTenantSettingsOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de", "fr").Currencies("EUR").Create()
	author := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	testkit.Node(t, app.Store, tn).Author(author.ID).Translation("en", "Hello", "b").Translation("de", "Hallo", "b").Create()
	testkit.Product(t, app.Store, tn).Title("en", "Mug").Title("de", "Becher").Create()
	admin, adminUser := testkit.ClientAs(t, app, tn, "admin")
	manager, _ := testkit.ClientAs(t, app, tn, "manager")
	path := "/t/" + tn.Slug + "/settings"

	// A manager may not read them (settings are not in their role); an admin sees the form.
	manager.Get(path).ExpectStatus(http.StatusForbidden)
	page := admin.Get(path).ExpectStatus(http.StatusOK)
	if page.TestID("tenant-form").Length() != 1 || page.TestID("nav-settings").Length() != 1 || strings.Contains(string(page.Body), `name="domain"`) {
		t.Fatalf("settings page: form %d, nav %d", page.TestID("tenant-form").Length(), page.TestID("nav-settings").Length())
	}
	form := func(edit func(url.Values)) url.Values {
		v := url.Values{"version": {versionOf(app, "tenants", "id = ?", tn.ID)}, "name": {tn.Name}, "default_locale": {"en"},
			"locale": {"en", "de", "fr"}, "default_currency": {"EUR"}, "currencies": {"EUR"}, "low_stock_threshold": {"5"}, "time_zone": {"UTC"}}
		edit(v)
		return v
	}

	// Bad values: 422 with the field's message, nothing saved.
	res := admin.PostForm(path, form(func(v url.Values) { v.Set("time_zone", "Mars/Olympus") })).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("tenant-time_zone-error"), "time zone") {
		t.Fatalf("bad zone: %q", res.Text("tenant-time_zone-error"))
	}

	// Disabling de, which a node and a product are translated into: refused, saying how many.
	res = admin.PostForm(path, form(func(v url.Values) { v["locale"] = []string{"en", "fr"} })).ExpectStatus(http.StatusUnprocessableEntity)
	if msg := res.Text("tenant-locales-error"); !strings.Contains(msg, "2 translations") || !strings.Contains(msg, "de (2)") || res.TestID("confirm-locales").Length() != 1 {
		t.Fatalf("disabling de: %q", msg)
	}
	// Disabling fr, which nothing uses, needs no confirmation; de with it confirmed goes through.
	rec := testkit.Events(t, app.Store)
	admin.PostForm(path, form(func(v url.Values) {
		v["locale"] = []string{"en"}
		v.Set("confirm_locales", "1")
		v.Set("time_zone", "Europe/Berlin")
		v.Set("require_two_factor", "1")
		v.Set("name", "Renamed GmbH")
	})).ExpectStatus(http.StatusSeeOther)
	got, err := app.Store.TenantByID(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed GmbH" || got.Zone() != "Europe/Berlin" || !got.RequireTwoFactor || strings.Join(got.Locales, ",") != "en" {
		t.Fatalf("saved %+v", got)
	}
	up := rec.Emitted(t, "tenant.updated")
	if len(up) != 1 || len(rec.Emitted(t, "tenant.locale_disabled")) != 2 {
		t.Fatalf("events %v", rec.Types(t))
	}
	c := up[0].(*events.TenantUpdated).Changes
	for _, k := range []string{"name", "time_zone", "require_two_factor"} {
		if _, ok := c[k]; !ok {
			t.Fatalf("tenant.updated %v lacks %s", c, k)
		}
	}
	// The tenant now requires two-factor sign-in, which the admin does not have: every tenant
	// page sends them to set it up first, naming the tenant (so its cache was dropped).
	res = admin.Get(path).ExpectStatus(http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/account/two-factor?next="+url.QueryEscape(path) {
		t.Fatalf("a member without two-factor sign-in was sent to %q", loc)
	}
	if got := admin.Get("/account/two-factor").Text("flash"); !strings.Contains(got, "Renamed GmbH requires two-factor sign-in") {
		t.Fatalf("enrolment says %q", got)
	}
	// Turned on elsewhere, it still does not open the tenant to this session, which signed in with
	// the password alone: it ends and asks to sign in again, with the code.
	secret, _ := testkit.TwoFactor(t, app.Store, adminUser.ID)
	if res := admin.Get(path).ExpectStatus(http.StatusSeeOther); res.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
		t.Fatalf("a session without the second factor was sent to %q", res.Header.Get("Location"))
	}
	admin.LoginWithCode(adminUser, testkit.UnusedTOTPCode(t, app.Store, adminUser.ID, secret))
	// With it, the next page, on this process, shows the new name.
	if !strings.Contains(admin.Get(path).Text("page-title")+admin.Get(path).Text("current-tenant"), "Renamed GmbH") {
		t.Fatal("the new name is not shown after saving")
	}
	// A form loaded before that save: 409.
	admin.PostForm(path, form(func(v url.Values) { v.Set("version", "1"); v["locale"] = []string{"en"} })).ExpectStatus(http.StatusConflict)
}

// A settings change saved on process A shows on process B within a second: the tenant's
// cache entry goes with the tenant.updated event, as for every tenant change.
func TestTenantSettingsChangeShowsOnAnotherProcess(t *testing.T) {
	t.Parallel()
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0], c.Processes[1]
	tn := testkit.Tenant(t, a.Store).Locales("en").Currencies("EUR").Create()
	u := testkit.User(t, a.Store).WithRole(tn, "admin").Create()
	onA, onB := testkit.Client(t, a.TestApp).LoginAs(u), testkit.Client(t, b.TestApp).LoginAs(u)
	path := "/t/" + tn.Slug + "/settings"
	if got := onB.Get(path).ExpectStatus(http.StatusOK); !strings.Contains(string(got.Body), `value="UTC"`) {
		t.Fatal("B does not show the tenant's zone before the change")
	}
	onA.Get(path)
	onA.PostForm(path, url.Values{"version": {versionOf(a.TestApp, "tenants", "id = ?", tn.ID)}, "name": {"Moved"}, "default_locale": {"en"},
		"locale": {"en"}, "default_currency": {"EUR"}, "currencies": {"EUR"}, "low_stock_threshold": {"5"}, "time_zone": {"Asia/Tokyo"}}).
		ExpectStatus(http.StatusSeeOther)
	testkit.Eventually(t, time.Second, "B shows the new settings", func() bool {
		return strings.Contains(string(onB.Get(path).Body), `value="Asia/Tokyo"`)
	})
}
