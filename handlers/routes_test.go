package handlers_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// declared returns the route tables keyed by "METHOD path".
func declared(t *testing.T, app *testkit.TestApp) map[string]handlers.Route {
	t.Helper()
	out := map[string]handlers.Route{}
	for _, r := range handlers.Table(app.Deps) {
		out[r.Method+" "+r.Path] = r
	}
	return out
}

// TestEveryRouteIsDeclared fails, naming the route, when something is registered on the app
// without an entry in the route table (and so without a declared access level).
func TestEveryRouteIsDeclared(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	table := declared(t, app)
	registered := map[string]bool{}
	// GetRoutes(true) leaves out app.Use middleware; what remains are routes.
	for _, r := range app.Fiber.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Method == fiber.MethodConnect || r.Method == fiber.MethodOptions || r.Method == fiber.MethodTrace {
			continue
		}
		registered[r.Method+" "+r.Path] = true
		if _, ok := table[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s is registered but not declared in handlers/routes.go", r.Method, r.Path)
		}
	}
	for key := range table {
		if !registered[key] {
			t.Errorf("route %s is declared but not registered", key)
		}
	}
}

// declaredPatterns reads the named path patterns of internal/paths from its source, by name:
// a Go program cannot list a package's constants, and the test must see every one of them.
func declaredPatterns(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../internal/paths/paths.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("paths.%s is not a string literal", name.Name)
				}
				out[name.Name], _ = strconv.Unquote(lit.Value)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d patterns read from internal/paths", len(out))
	}
	return out
}

// TestEveryRoutePathIsANamedPattern holds the route tables and internal/paths together: every
// route's path is one of the named patterns, and every named pattern is routed, so no name is
// left behind for a route that is gone.
func TestEveryRoutePathIsANamedPattern(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	patterns := declaredPatterns(t)
	named := map[string]string{}
	for name, pattern := range patterns {
		if other, ok := named[pattern]; ok {
			t.Errorf("paths.%s and paths.%s are both %q: one name per path", name, other, pattern)
		}
		named[pattern] = name
	}
	routed := map[string]bool{}
	for _, r := range handlers.Table(app.Deps) {
		if _, ok := named[r.Path]; !ok {
			t.Errorf("route %s %s: its path is not a named pattern of internal/paths", r.Method, r.Path)
		}
		routed[r.Path] = true
	}
	for name, pattern := range patterns {
		if !routed[pattern] {
			t.Errorf("paths.%s (%q) is declared but no route uses it", name, pattern)
		}
	}
}

// TestStateChangingRoutesNeedCSRF posts to every declared POST/PUT/PATCH/DELETE route without a
// token, signed in as a super admin, and expects 403 each time.
func TestStateChangingRoutesNeedCSRF(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).SuperAdmin().Create()
	c := testkit.Client(t, app).LoginAs(admin)
	checked := 0
	for key, r := range declared(t, app) {
		switch r.Method {
		case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		default:
			continue
		}
		path := strings.ReplaceAll(r.Path, ":slug", tn.Slug)
		req, _ := http.NewRequest(r.Method, path, strings.NewReader(url.Values{"email": {admin.Email}, "password": {admin.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res := c.Do(req); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a CSRF token: status %d, want 403", key, res.StatusCode)
		}
		checked++
	}
	if checked < 2 {
		t.Fatalf("only %d state-changing routes checked", checked)
	}
}

// TestProtectedRoutesNeedSignIn sends an anonymous request to every non-public GET route and
// expects a redirect to the sign-in page.
func TestProtectedRoutesNeedSignIn(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	for key, r := range declared(t, app) {
		if r.Access == handlers.Public || r.Method != fiber.MethodGet {
			continue
		}
		res := testkit.Client(t, app).Get(strings.ReplaceAll(r.Path, ":slug", tn.Slug))
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
			t.Errorf("%s anonymous: %d → %q, want 303 to /login", key, res.StatusCode, res.Location())
		}
	}
}

func TestNewRefusesDepsWithoutCaches(t *testing.T) {
	t.Parallel()
	// A tenant cache, policy engine or user cache built behind the caller's back would hear no invalidation.
	app := testkit.NewApp(t)
	for name, edit := range map[string]func(*handlers.Deps){
		"no tenant cache":    func(d *handlers.Deps) { d.Tenants = nil },
		"no policy engine":   func(d *handlers.Deps) { d.Authz = nil },
		"no user cache":      func(d *handlers.Deps) { d.Users = nil },
		"no dashboard cache": func(d *handlers.Deps) { d.Summary = nil },
		"none of them":       func(d *handlers.Deps) { d.Tenants, d.Authz, d.Users, d.Summary = nil, nil, nil, nil },
	} {
		t.Run(name, func(t *testing.T) {
			d := app.Deps
			d.Registry = handlers.NewRegistry()
			edit(&d)
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "handlers.NewDeps") {
					t.Fatalf("handlers.New with %s: recovered %v, want a panic pointing at handlers.NewDeps", name, r)
				}
			}()
			handlers.New(d)
		})
	}
}
