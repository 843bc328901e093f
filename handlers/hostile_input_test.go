package handlers_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// poisons are what every field, parameter and route parameter is sent with: the two things
// PostgreSQL refuses to store in text, and an ASCII control character, refused by choice (see
// "Hostile input" in the README).
var poisons = []struct{ name, value string }{
	{"a NUL byte", "a\x00b"},
	{"invalid UTF-8 (%FF)", "a\xffb"},
	{"an escape character", "a\x1bb"},
}

// refusedMessage is part of what a refused request says.
const refusedMessage = "cannot be stored"

// knownFields are the form fields each POST route's handler reads, with a value that would be
// accepted, so a poisoned field is the only thing wrong with a request. Fields found in the
// rendered pages are added to them (discoverFields), and "unread" stands for a field no handler
// reads: it is refused all the same.
func knownFields(tn string) map[string]url.Values {
	node := url.Values{"kind": {"post"}, "parent_id": {""}, "position": {"0"},
		"t.en.title": {"Hello"}, "t.en.slug": {"hello-x"}, "t.en.excerpt": {"Short"}, "t.en.body": {"Some *text*"},
		"t.de.title": {"Hallo"}, "t.de.slug": {"hallo-x"}, "t.de.excerpt": {"Kurz"}, "t.de.body": {"Etwas"}}
	bulk := func(more url.Values) url.Values {
		v := url.Values{"confirm": {"yes"}, "back": {"/t/" + tn + "/nodes"}}
		for k, vs := range more {
			v[k] = vs
		}
		return v
	}
	password := "a long enough password 1"
	return map[string]url.Values{
		"POST /login":                           {"email": {"someone@example.com"}, "password": {password}, "next": {"/"}},
		"POST /logout":                          {},
		"POST /login/code":                      {"code": {"123456"}},
		"POST /account/time-zone":               {"time_zone": {"Europe/Berlin"}},
		"POST /set-password/:token":             {"password": {password}, "password_confirm": {password}},
		"POST /t/:slug/events/:id/retry":        {},
		"POST /t/:slug/roles":                   {"name": {"writers"}, "description": {"They write."}, "from": {""}},
		"POST /t/:slug/roles/:name":             {"name": {"renamed"}},
		"POST /t/:slug/roles/:name/delete":      {},
		"POST /t/:slug/roles/:name/permissions": {"resource": {"nodes"}, "action": {"list"}, "granted": {"true"}},
		"POST /t/:slug/users":                   {"email": {"new@example.com"}, "name": {"New"}, "role": {"customer"}, "mode": {"password"}, "password": {password}},
		"POST /t/:slug/users/:id":               {"name": {"Member"}, "status": {"active"}},
		"POST /t/:slug/users/:id/roles":         {"role": {"manager"}},
		"POST /t/:slug/users/:id/roles/revoke":  {"role": {"customer"}},
		"POST /t/:slug/nodes":                   node,
		"POST /t/:slug/nodes/preview":           {"locale": {"en"}, "body": {"Some *text*"}, "t.en.body": {"Some *text*"}},
		"POST /t/:slug/nodes/bulk/status":       bulk(url.Values{"to": {"published"}}),
		"POST /t/:slug/nodes/bulk/delete":       bulk(nil),
		"POST /t/:slug/nodes/:id":               node,
		"POST /t/:slug/nodes/:id/status":        {"to": {"published"}},
		"POST /t/:slug/nodes/:id/delete":        {},
		"POST /events/:id/retry":                {},
		"POST /t/:slug/products": {"vendor": {"Acme"}, "product_type": {"Shirt"}, "t.en.title": {"Shirt"}, "t.en.handle": {"shirt-x"},
			"t.en.description": {"Soft"}, "t.en.seo_title": {""}, "t.en.seo_description": {""}, "opt.0.name": {"Size"}, "opt.0.values": {"S, M"},
			"opt.1.name": {""}, "opt.1.values": {""}, "opt.2.name": {""}, "opt.2.values": {""}, "confirm_removal": {""}},
		"POST /t/:slug/products/:id": {"vendor": {"Acme"}, "product_type": {"Shirt"}, "t.en.title": {"Shirt"}, "t.en.handle": {"shirt-y"},
			"opt.0.name": {"Size"}, "opt.0.values": {"S, M"}},
		"POST /t/:slug/products/bulk/status":              {"confirm": {"yes"}, "to": {"archived"}},
		"POST /t/:slug/products/bulk/delete":              {"confirm": {"yes"}},
		"POST /t/:slug/products/bulk/price":               {"step": {"apply"}, "currency": {"USD"}, "mode": {"add"}, "value": {"1.00"}},
		"POST /t/:slug/nodes/:id/schedule":                {"publish_at": {"2099-01-01T09:00"}, "unpublish_at": {"2099-02-01T09:00"}},
		"POST /t/:slug/products/:id/schedule":             {"publish_at": {"2099-01-01T09:00"}, "unpublish_at": {"2099-02-01T09:00"}},
		"POST /t/:slug/nodes/export":                      {"q": {"spring"}, "kind": {"post"}, "status": {"published"}, "locale": {"en"}},
		"POST /t/:slug/products/import":                   {},
		"POST /t/:slug/products/import/:upload":           {"action": {"check"}, "map.0": {"Handle"}, "all_or_nothing": {"1"}},
		"POST /t/:slug/products/export":                   {"q": {"tee"}, "status": {"active"}, "vendor": {"Acme"}, "type": {"Shirt"}, "stock": {"low"}},
		"POST /t/:slug/jobs/:id/cancel":                   {},
		"POST /t/:slug/jobs/:id/retry":                    {},
		"POST /t/:slug/products/:id/status":               {"to": {"active"}},
		"POST /t/:slug/products/:id/delete":               {},
		"POST /t/:slug/products/:id/variants":             {},
		"POST /t/:slug/products/:id/variants/:vid/delete": {},
		"POST /t/:slug/inventory/:id/adjust":              {"delta": {"5"}, "reason": {"received"}, "note": {"n"}, "mode": {"adjust"}, "seen": {"0"}, "back": {""}},
		"POST /tenants":                                   {"slug": {"new-tenant"}, "name": {"New"}, "domain": {"new.example.com"}, "default_locale": {"en"}, "locales": {"en, de"}},
		"POST /t/:slug/users/:id/password-reset":          {},
		"POST /t/:slug/users/:id/sessions/end":            {},
		"POST /account/sessions/end-others":               {},
		"POST /account/sessions/:id/end":                  {},
		"POST /account/two-factor":                        {"code": {"123456"}, "current_password": {"x"}, "next": {"/"}},
		"POST /account/two-factor/recovery-codes":         {"current_password": {"x"}},
		"POST /account/two-factor/disable":                {"current_password": {"x"}, "code": {"123456"}},
		"POST /account":                                   {"name": {"Mia"}},
		"POST /account/email":                             {"email": {"a@example.com"}, "current_password": {"x"}},
		"POST /account/password":                          {"current_password": {"x"}, "new_password": {"y"}, "confirm_password": {"y"}},
		"POST /t/:slug/settings":                          {"name": {"Renamed"}, "default_locale": {"en"}, "locales": {"en de"}, "time_zone": {"UTC"}},
		"POST /tenants/:id":                               {"name": {"Renamed"}, "domain": {""}, "default_locale": {"en"}, "locales": {"en de"}},
		"POST /tenants/:id/deactivate":                    {},
		"POST /tenants/:id/activate":                      {},
		"GET /login":                                      {"next": {"/"}},
		"GET /t/:slug/events":                             {"type": {""}, "aggregate_type": {"node"}, "aggregate_id": {""}, "actor_id": {""}, "status": {""}, "from": {""}, "to": {""}, "before": {""}, "limit": {""}},
		"GET /events":                                     {"type": {""}, "aggregate_type": {"node"}, "aggregate_id": {""}, "actor_id": {""}, "status": {""}, "from": {""}, "to": {""}, "before": {""}, "limit": {""}},
		"GET /t/:slug/events/aggregate/:type/:aid":        {"limit": {"20"}},
		"GET /t/:slug/roles/new":                          {"from": {"admin"}},
		"GET /t/:slug/users":                              {"q": {"a"}, "page": {"1"}, "per_page": {"50"}},
		"GET /t/:slug/nodes":                              {"q": {"a"}, "kind": {""}, "status": {""}, "locale": {""}, "author": {""}, "sort": {""}, "dir": {""}, "page": {"1"}, "per_page": {"50"}},
		"GET /t/:slug/nodes/new":                          {"kind": {"page"}},
		"GET /tenants":                                    {"q": {"a"}, "status": {""}, "page": {"1"}, "per_page": {"50"}},
	}
}

// hostileFixture is a tenant with one of everything a route parameter can name.
type hostileFixture struct {
	app                                   *testkit.TestApp
	tenant                                string
	paths                                 func(string) string
	super, admin                          *testkit.HTTPClient
	nodeID, memberID, tenantEvent, global string
	productID, variantID                  string
}

func newHostileFixture(t *testing.T) *hostileFixture {
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	node := testkit.Node(t, app.Store, tn).Translation("en", "Hello", "Body").Create()
	member := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	product := testkit.Product(t, app.Store, tn).Option("Size", "S", "M").Price("USD", 1000).Create()
	ctx := t.Context()
	if _, err := app.Store.CreateRole(ctx, tn.ID, "editors", "Edit things."); err != nil {
		t.Fatal(err)
	}
	_, token, err := app.Store.InviteUser(ctx, tn.ID, "invitee@example.com", "Invitee", "customer")
	if err != nil {
		t.Fatal(err)
	}
	super := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	var tenantEvent, platformEvent events.Row
	if err := app.Store.DB().Where("tenant_id = ?", tn.ID).Order("seq").First(&tenantEvent).Error; err != nil {
		t.Fatalf("no event in the tenant's log: %v", err)
	}
	if err := app.Store.DB().Where("tenant_id IS NULL").Order("seq").First(&platformEvent).Error; err != nil {
		t.Fatalf("no platform event: %v", err)
	}
	f := &hostileFixture{app: app, tenant: tn.Slug, super: super, admin: admin, nodeID: node.ID.String(),
		memberID: member.ID.String(), tenantEvent: tenantEvent.ID.String(), global: platformEvent.ID.String(),
		productID: product.ID.String(), variantID: product.Variants[1].ID.String()}
	f.paths = func(pattern string) string {
		id := ""
		switch {
		case strings.HasPrefix(pattern, "/t/:slug/nodes/"):
			id = f.nodeID
		case strings.HasPrefix(pattern, "/t/:slug/products/"):
			id = f.productID
		case strings.HasPrefix(pattern, "/t/:slug/inventory/"):
			id = f.variantID
		case strings.HasPrefix(pattern, "/t/:slug/users/"):
			id = f.memberID
		case strings.HasPrefix(pattern, "/t/:slug/events/"):
			id = f.tenantEvent
		case strings.HasPrefix(pattern, "/events/"):
			id = f.global
		case strings.HasPrefix(pattern, "/tenants/"):
			id = tn.ID.String()
		}
		return strings.NewReplacer(":slug", tn.Slug, ":id", id, ":name", "editors", ":token", token,
			":type", "node", ":aid", f.nodeID, ":vid", f.variantID, "*", "app.css").Replace(pattern)
	}
	return f
}

// clientsFor returns who calls a route: a fresh signed-out client for public routes, the super
// admin for platform routes, and the super admin and the tenant's admin for tenant routes.
func (f *hostileFixture) clientsFor(t *testing.T, r handlers.Route) map[string]*testkit.HTTPClient {
	switch r.Access {
	case handlers.Public:
		c := testkit.Client(t, f.app)
		c.Get("/login")
		return map[string]*testkit.HTTPClient{"signed out": c}
	case handlers.TenantMember, handlers.InTenant:
		return map[string]*testkit.HTTPClient{"super admin": f.super, "tenant admin": f.admin}
	}
	return map[string]*testkit.HTTPClient{"super admin": f.super}
}

// discovered holds the field names the rendered pages submit: form fields (and hx-vals) by the
// path they post to, and query parameters (GET forms and links) by the path they open.
type discovered struct{ post, query map[string][]string }

func (d discovered) add(m map[string][]string, rawURL, name string) {
	if name == "" || name == "_csrf" || rawURL == "" {
		return
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	if !slices.Contains(m[u.Path], name) {
		m[u.Path] = append(m[u.Path], name)
	}
}

// discoverFields opens every GET route as the super admin and reads what its forms, htmx
// attributes and links would send.
func (f *hostileFixture) discoverFields(t *testing.T, table []handlers.Route) discovered {
	d := discovered{post: map[string][]string{}, query: map[string][]string{}}
	for _, r := range table {
		if r.Method != http.MethodGet || strings.Contains(r.Path, "*") || r.Path == "/metrics" {
			continue
		}
		path := f.paths(r.Path)
		res := f.super.Get(path)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		res.Find("form").Each(func(_ int, form *goquery.Selection) {
			target := attrOr(form, "action", path)
			m := d.query
			if strings.EqualFold(attrOr(form, "method", "get"), "post") {
				m = d.post
			}
			if hx, ok := form.Attr("hx-post"); ok {
				target, m = hx, d.post
			}
			form.Find("input[name], select[name], textarea[name], button[name]").Each(func(_ int, in *goquery.Selection) {
				name, _ := in.Attr("name")
				d.add(m, target, name)
				if fa, ok := in.Attr("formaction"); ok {
					d.add(m, fa, name)
				}
			})
			form.Find("button[formaction]").Each(func(_ int, b *goquery.Selection) {
				fa, _ := b.Attr("formaction")
				form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
					name, _ := in.Attr("name")
					d.add(m, fa, name)
				})
			})
		})
		res.Find("[hx-post]").Each(func(_ int, el *goquery.Selection) {
			target, _ := el.Attr("hx-post")
			if name, ok := el.Attr("name"); ok {
				d.add(d.post, target, name)
			}
			for _, k := range jsonKeys(attrOr(el, "hx-vals", "")) {
				d.add(d.post, target, k)
			}
		})
		res.Find("a[href*='?']").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			if u, err := url.Parse(href); err == nil && u.Host == "" {
				for k := range u.Query() {
					d.add(d.query, href, k)
				}
			}
		})
	}
	return d
}

func attrOr(s *goquery.Selection, name, def string) string {
	if v, ok := s.Attr(name); ok && v != "" {
		return v
	}
	return def
}

// jsonKeys returns the keys of a flat JSON object such as hx-vals='{"resource":"nodes"}'.
func jsonKeys(raw string) []string {
	var keys []string
	for _, part := range strings.Split(strings.Trim(strings.TrimSpace(raw), "{}"), ",") {
		if k, _, ok := strings.Cut(part, ":"); ok {
			keys = append(keys, strings.Trim(strings.TrimSpace(k), `"`))
		}
	}
	return keys
}

// formRequest builds a POST of the values in the encoding ("urlencoded" or "multipart"), with
// the client's CSRF token as the _csrf field.
func formRequest(c *testkit.HTTPClient, path, encoding string, form url.Values) *http.Request {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.CSRFToken())
	if encoding == "urlencoded" {
		req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range f[k] {
			_ = w.WriteField(k, v)
		}
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

// TestHostileInputIsRefusedEverywhere walks the route table and sends NUL, invalid UTF-8 and a
// control character in every form field a handler reads (both encodings), in every query
// parameter and in every route parameter: each such request is refused with a 422 and a plain
// message before any handler runs — never a 5xx, and nothing is stored.
func TestHostileInputIsRefusedEverywhere(t *testing.T) {
	t.Parallel()
	f := newHostileFixture(t)
	table := handlers.Table(f.app.Deps)
	found := f.discoverFields(t, table)
	known := knownFields(f.tenant)
	for _, must := range []struct{ path, field string }{
		{"/t/" + f.tenant + "/nodes", "t.en.title"}, {"/t/" + f.tenant + "/nodes/bulk/delete", "ids"},
		{"/t/" + f.tenant + "/roles/editors/permissions", "granted"},
	} {
		if !slices.Contains(found.post[must.path], must.field) {
			t.Fatalf("field discovery found no %q posted to %s (found %v): the page parsing is broken", must.field, must.path, found.post[must.path])
		}
	}
	expectRefused := func(t *testing.T, what string, res *testkit.Response) {
		t.Helper()
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), refusedMessage) {
			t.Errorf("%s: status %d, want 422 saying it %s; body: %.300s", what, res.StatusCode, refusedMessage, res.Body)
		}
	}
	requests := 0
	for _, r := range table {
		key := r.Method + " " + r.Path
		t.Run(key, func(t *testing.T) {
			path := f.paths(r.Path)
			clients := f.clientsFor(t, r)
			if r.Method == http.MethodPost {
				base := known[key]
				if base == nil {
					t.Fatalf("no known fields for %s: add the fields its handler reads to knownFields", key)
				}
				fields := append(slices.Sorted(func(yield func(string) bool) {
					for k := range base {
						if !yield(k) {
							return
						}
					}
				}), found.post[path]...)
				fields = append(fields, "unread")
				slices.Sort(fields)
				fields = slices.Compact(fields)
				for who, c := range clients {
					for _, field := range fields {
						for _, p := range poisons {
							for _, enc := range []string{"urlencoded", "multipart"} {
								form := url.Values{}
								for k, v := range base {
									form[k] = v
								}
								form.Set(field, p.value)
								res := c.Do(formRequest(c, path, enc, form))
								expectRefused(t, who+": field "+field+" with "+p.name+" ("+enc+")", res)
								requests++
							}
						}
					}
					for _, p := range poisons {
						form := url.Values{}
						for k, v := range base {
							form[k] = v
						}
						form.Set("name"+p.value, "x")
						expectRefused(t, who+": a field named with "+p.name, c.Do(formRequest(c, path, "urlencoded", form)))
						form.Del("name" + p.value)
						expectRefused(t, who+": query with "+p.name, c.Do(formRequest(c, path+"?unread="+url.QueryEscape(p.value), "urlencoded", form)))
						requests += 2
					}
				}
			} else {
				params := []string{"unread"}
				for k := range known[key] {
					params = append(params, k)
				}
				params = append(params, found.query[path]...)
				slices.Sort(params)
				params = slices.Compact(params)
				for who, c := range clients {
					for _, param := range params {
						for _, p := range poisons {
							q := url.Values{}
							for k, v := range known[key] {
								q[k] = v
							}
							q.Set(param, p.value)
							expectRefused(t, who+": ?"+param+" with "+p.name, c.Get(path+"?"+q.Encode()))
							requests++
						}
					}
				}
			}
			// Route parameters: each one poisoned in turn.
			for _, seg := range strings.Split(r.Path, "/") {
				if !strings.HasPrefix(seg, ":") {
					continue
				}
				for who, c := range clients {
					for _, p := range poisons {
						poisoned := strings.Replace(r.Path, seg, "\x01", 1)
						target := strings.Replace(f.paths(poisoned), "\x01", url.PathEscape(p.value), 1)
						var res *testkit.Response
						if r.Method == http.MethodGet {
							res = c.Get(target)
						} else {
							res = c.Do(formRequest(c, target, "urlencoded", known[key]))
						}
						expectRefused(t, who+": "+seg+" with "+p.name, res)
						requests++
					}
				}
			}
		})
	}
	if requests < 500 {
		t.Fatalf("only %d poisoned requests were sent", requests)
	}
}

// TestHostileInputAnswersHTMXWithAToast: htmx gets the refusal as a toast, like other errors.
func TestHostileInputAnswersHTMXWithAToast(t *testing.T) {
	t.Parallel()
	f := newHostileFixture(t)
	req := formRequest(f.admin, "/t/"+f.tenant+"/nodes", "urlencoded", url.Values{"kind": {"post"}, "t.en.title": {"a\x00b"}})
	req.Header.Set("HX-Request", "true")
	res := f.admin.Do(req).ExpectStatus(http.StatusUnprocessableEntity)
	if res.Header.Get("HX-Retarget") != "#toasts" || !strings.Contains(string(res.Body), refusedMessage) {
		t.Fatalf("htmx refusal: HX-Retarget %q, body %s", res.Header.Get("HX-Retarget"), res.Body)
	}
	var n int64
	if err := f.app.Store.DB().Table("nodes").Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d nodes after the refusal (%v); want only the fixture", n, err)
	}
}

// TestHostileHeadersAreRefused: a header value with a NUL byte or another control character
// (which HTTP does not allow anyway), and a tenant header or host name that is not UTF-8 (both
// are looked up in the database), are a 400 — never a 5xx.
func TestHostileHeadersAreRefused(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	cases := []struct{ header, value string }{
		{"User-Agent", "a\x00b"}, {"User-Agent", "a\x1bb"},
		{"X-Tenant-ID", "a\x00b"}, {"X-Tenant-ID", "a\xffb"},
		{"Host", "a\x00b.example"}, {"Host", "a\xffb.example"},
		{"X-Forwarded-Host", "a\xffb.example"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s: %q", tc.header, tc.value), func(t *testing.T) {
			c := testkit.Client(t, app).LoginAs(u)
			c.Get("/t/" + tn.Slug + "/") // a page with the session's new CSRF token
			form := url.Values{"email": {u.Email}, "password": {u.Password}, "_csrf": {c.CSRFToken()}}
			for _, req := range []*http.Request{
				httptestRequest(http.MethodGet, "/", ""),
				httptestRequest(http.MethodPost, "/login", form.Encode()),
			} {
				if tc.header == "Host" {
					req.Host = tc.value
				} else {
					req.Header.Set(tc.header, tc.value)
				}
				res := c.Do(req)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.Body), "not allowed") {
					t.Errorf("%s %s: status %d, want 400 saying the header is not allowed; body %.300s", req.Method, req.URL.Path, res.StatusCode, res.Body)
				}
			}
		})
	}
}

func httptestRequest(method, path, body string) *http.Request {
	req, _ := http.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}
