package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// listFuzzer calls one list page with fuzzed query strings as a signed-in super admin, on the
// real app and database (TEST_DB): whatever the query, the page answers 200 (the list, or the
// htmx fragment with what is wrong) or 422 (a full page that says what is wrong, or text that
// cannot be stored) — never a 5xx, a 400 or a 404. The filter parsers, the models' queries and
// the templates are all in the loop.
type listFuzzer struct {
	app     *testkit.TestApp
	path    string
	cookies []*http.Cookie
}

func newListFuzzer(f *testing.F, path func(tenantSlug string) string) *listFuzzer {
	app := testkit.NewApp(f)
	tn := testkit.Tenant(f, app.Store).Locales("en", "de").Create()
	author := testkit.User(f, app.Store).Name("Ärger Author").WithRole(tn, "manager").Create()
	testkit.Node(f, app.Store, tn).Author(author.ID).Translation("en", "Hello 100% _done_", "Body").Create()
	testkit.Node(f, app.Store, tn).Kind("page").Translation("en", "About us", "").Translation("de", "Über uns", "").Published().Create()
	super := testkit.User(f, app.Store).SuperAdmin().Create()
	c := testkit.Client(f, app).LoginAs(super)
	return &listFuzzer{app: app, path: path(tn.Slug), cookies: []*http.Cookie{c.Cookie(handlers.SessionCookie)}}
}

// get sends the query as given, percent-encoding only the bytes a request line cannot carry,
// so the fuzzer controls the structure (&, =, %, +) and fasthttp does the decoding.
func (l *listFuzzer) get(t *testing.T, query string, htmx bool) {
	var q strings.Builder
	for i := 0; i < len(query); i++ {
		if b := query[i]; b <= ' ' || b >= 0x7f || b == '#' {
			fmt.Fprintf(&q, "%%%02X", b)
		} else {
			q.WriteByte(b)
		}
	}
	if q.Len() > 3000 {
		return // beyond the server's 4 KB read buffer for the request line and headers: a 431 from fasthttp
	}
	req, err := http.NewRequest(http.MethodGet, "http://rustok.test"+l.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = q.String()
	for _, ck := range l.cookies {
		req.AddCookie(ck)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	res, err := l.app.Fiber.Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s?%s: %v", l.path, req.URL.RawQuery, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("GET %s?%s (htmx %v): status %d, want 200 or 422", l.path, req.URL.RawQuery, htmx, res.StatusCode)
	}
}

func FuzzNodeFilters(f *testing.F) {
	l := newListFuzzer(f, func(slug string) string { return "/t/" + slug + "/nodes" })
	f.Fuzz(func(t *testing.T, query string, htmx bool) { l.get(t, query, htmx) })
}

func FuzzUserFilters(f *testing.F) {
	l := newListFuzzer(f, func(slug string) string { return "/t/" + slug + "/users" })
	f.Fuzz(func(t *testing.T, query string, htmx bool) { l.get(t, query, htmx) })
}

func FuzzTenantFilters(f *testing.F) {
	l := newListFuzzer(f, func(string) string { return "/tenants" })
	f.Fuzz(func(t *testing.T, query string, htmx bool) { l.get(t, query, htmx) })
}

// FuzzEventFilters fuzzes the tenant's event log; the platform log (/events) parses the same
// filters.
func FuzzEventFilters(f *testing.F) {
	l := newListFuzzer(f, func(slug string) string { return "/t/" + slug + "/events" })
	f.Fuzz(func(t *testing.T, query string, htmx bool) { l.get(t, query, htmx) })
}
