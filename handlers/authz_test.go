package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// The only routes that may skip a permission check; a new one must be added here on purpose.
var (
	publicAllowlist = []string{"GET /login", "POST /login", "POST /logout", "GET /healthz", "GET /readyz", "GET /metrics", "GET /static/*", "GET /favicon.ico", "GET /set-password/:token", "POST /set-password/:token",
		"GET /login/code", "POST /login/code"} // the second factor, for the session whose password was right
	signedInAllowlist = []string{"GET /", "POST /account/time-zone", "GET /account", "POST /account", "POST /account/password", "POST /account/email",
		"POST /account/sessions/end-others", "POST /account/sessions/:id/end", "GET /account/two-factor", "POST /account/two-factor",
		"POST /account/two-factor/recovery-codes", "POST /account/two-factor/disable"} // the picker; the browser reporting its own time zone; the user's own account
	memberAllowlist = []string{"GET /t/:slug/"} // the dashboard: any role in the tenant
)

// TestEveryRouteDeclaresAPermission fails, naming the route, when a route skips the permission
// check without being on an allowlist above.
func TestEveryRouteDeclaresAPermission(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	for _, r := range handlers.Table(app.Deps) {
		key := r.Method + " " + r.Path
		var list []string
		switch r.Access {
		case handlers.Public:
			list = publicAllowlist
		case handlers.SignedIn:
			list = signedInAllowlist
		case handlers.TenantMember:
			list = memberAllowlist
		default:
			if r.Perm == (authz.Perm{}) {
				t.Errorf("route %s is %s but declares no permission", key, r.Access)
			}
			if r.Access == handlers.InTenant && !strings.HasPrefix(r.Path, "/t/:slug/") {
				t.Errorf("route %s checks a tenant permission but has no /t/:slug/ to name the tenant", key)
			}
			continue
		}
		if !contains(list, key) {
			t.Errorf("route %s is %s without a permission and is not on its allowlist in handlers/authz_test.go", key, r.Access)
		}
	}
}

// TestPermissionMatrix calls every protected route as each system role, a user with no role,
// a member of another tenant, and a super admin: each is allowed exactly when the default matrix
// says so (a refusal is a 403; anything else — 200, 303, 404 for a made-up id — got past the check).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	callers := map[string]testkit.FixtureUser{
		"admin":    testkit.User(t, app.Store).WithRole(tn, "admin").Create(),
		"manager":  testkit.User(t, app.Store).WithRole(tn, "manager").Create(),
		"customer": testkit.User(t, app.Store).WithRole(tn, "customer").Create(),
		"no role":  testkit.User(t, app.Store).Create(),
		"outsider": testkit.User(t, app.Store).WithRole(other, "admin").Create(),
		"super":    testkit.User(t, app.Store).SuperAdmin().Create(),
	}
	clients := map[string]*testkit.HTTPClient{}
	for name, u := range callers {
		clients[name] = testkit.Client(t, app).LoginAs(u)
	}
	checked := 0
	for _, r := range handlers.Table(app.Deps) {
		if r.Access == handlers.Public || r.Access == handlers.SignedIn {
			continue
		}
		path := strings.NewReplacer(":slug", tn.Slug, ":id", uuid.NewString(), ":type", "tenant", ":aid", tn.ID.String()).Replace(r.Path)
		for name, c := range clients {
			want := allowedFor(name, r)
			var res *testkit.Response
			if r.Method == http.MethodGet {
				res = c.Get(path)
			} else {
				res = c.PostForm(path, url.Values{})
			}
			if got := res.StatusCode != http.StatusForbidden; got != want {
				t.Errorf("%s %s as %s: status %d, want allowed=%v", r.Method, r.Path, name, res.StatusCode, want)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d checks ran", checked)
	}
}

// allowedFor is the expected answer of the default matrix.
func allowedFor(caller string, r handlers.Route) bool {
	switch {
	case caller == "super":
		return true
	case r.Access == handlers.OnPlatform:
		return false
	case caller == "no role" || caller == "outsider":
		return false
	case r.Access == handlers.TenantMember:
		return true
	}
	for _, p := range models.DefaultMatrix[caller] {
		if p.Resource == r.Perm.Resource && (p.Action == r.Perm.Action || p.Action == "manage") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestNavigationShowsOnlyWhatTheUserMayOpen: every link in the tenant navigation opens for the
// role that sees it (no link leads to a 403), and a section the role may not open is not shown.
func TestNavigationShowsOnlyWhatTheUserMayOpen(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	for _, role := range models.SystemRoles {
		c, _ := testkit.ClientAs(t, app, tn, role)
		dash := c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
		links := dash.Find(`nav a[data-testid^="nav-"]`)
		if links.Length() == 0 {
			t.Fatalf("%s sees no navigation", role)
		}
		links.Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			if res := c.Get(href); res.StatusCode == http.StatusForbidden {
				t.Errorf("%s sees a link to %s that answers 403", role, href)
			}
		})
		if got, want := dash.TestID("nav-events").Length() == 1, role != "customer"; got != want {
			t.Errorf("%s: Events link shown = %v, want %v", role, got, want)
		}
	}
}

// TestSuperAdminIsKnownOnTenantPages: on tenant pages whether the user is a super admin comes
// from the roles read for the membership check (no query of its own), and it must still be
// right both ways: the platform links show for a super admin and only for one.
func TestSuperAdminIsKnownOnTenantPages(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	super := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	for _, path := range []string{"/t/" + tn.Slug + "/", "/t/" + tn.Slug + "/nodes", "/t/" + tn.Slug + "/users", "/t/" + tn.Slug + "/events"} {
		if res := super.Get(path); res.StatusCode != http.StatusOK || res.TestID("nav-tenants").Length() != 1 {
			t.Errorf("super admin on %s: status %d, Tenants link %d", path, res.StatusCode, res.TestID("nav-tenants").Length())
		}
		if res := admin.Get(path); res.StatusCode >= 400 || res.TestID("nav-tenants").Length() != 0 {
			t.Errorf("tenant admin on %s: status %d, Tenants link %d", path, res.StatusCode, res.TestID("nav-tenants").Length())
		}
	}
}
