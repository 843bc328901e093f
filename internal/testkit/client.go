package testkit

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/models"
)

// base is the origin the in-process client pretends to talk to; cookies are scoped to it.
var base, _ = url.Parse("http://rustok.test")

// HTTPClient drives the app in process (no network) like a browser would: it keeps cookies and
// the page's CSRF token, and sends the token with every form and htmx request.
type HTTPClient struct {
	t    testing.TB
	app  *TestApp
	jar  *cookiejar.Jar
	csrf string
	// Header is added to every request (e.g. X-Forwarded-For, HX-Request).
	Header http.Header
}

// Client returns a signed-out client for the app.
func Client(t testing.TB, app *TestApp) *HTTPClient {
	jar, _ := cookiejar.New(nil)
	return &HTTPClient{t: t, app: app, jar: jar, Header: http.Header{}}
}

// On returns the same browser (its cookies and CSRF token, shared from now on) talking to
// another app instance, as a load balancer may send its next request to another process.
func (c *HTTPClient) On(app *TestApp) *HTTPClient {
	return &HTTPClient{t: c.t, app: app, jar: c.jar, csrf: c.csrf, Header: c.Header}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body []byte
	t    testing.TB
	doc  *goquery.Document
}

// Do sends a request and records cookies and any CSRF token on the page.
func (c *HTTPClient) Do(req *http.Request) *Response {
	c.t.Helper()
	if req.URL.Host == "" {
		req.URL = base.ResolveReference(req.URL)
	}
	for _, ck := range c.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := c.app.Fiber.Test(req, -1)
	if err != nil {
		c.t.Fatalf("testkit: %s %s: %v", req.Method, req.URL.Path, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	c.jar.SetCookies(req.URL, res.Cookies())
	r := &Response{Response: res, Body: body, t: c.t}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if tok, ok := r.Doc().Find(`input[name="_csrf"]`).Attr("value"); ok && tok != "" {
			c.csrf = tok
		}
	}
	return r
}

// Get fetches a path.
func (c *HTTPClient) Get(path string) *Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return c.Do(req)
}

// PostForm posts form values with the current CSRF token (fetching /login first if the client
// has none yet).
func (c *HTTPClient) PostForm(path string, form url.Values) *Response {
	c.t.Helper()
	if c.CSRFToken() == "" {
		c.Get("/login")
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.CSRFToken())
	return c.PostFormRaw(path, f)
}

// PostFormRaw posts form values exactly as given: no CSRF token is added.
func (c *HTTPClient) PostFormRaw(path string, form url.Values) *Response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// CSRFToken returns the token the client will send: the session's current token, which the
// server also keeps in the CSRF cookie (so it is right even right after sign-in rotated it),
// else the one last seen on a page.
func (c *HTTPClient) CSRFToken() string {
	if ck := c.Cookie("rustok_csrf"); ck != nil && ck.Value != "" {
		return ck.Value
	}
	return c.csrf
}

// LoginAs signs in as the user and fails the test unless sign-in redirects.
func (c *HTTPClient) LoginAs(u FixtureUser) *HTTPClient {
	c.t.Helper()
	c.Get("/login")
	res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("testkit: sign in as %s: status %d, want 303\n%s", u.Email, res.StatusCode, res.Body)
	}
	if strings.HasPrefix(res.Header.Get("Location"), "/login/code") {
		c.t.Fatalf("testkit: %s has two-factor sign-in: use LoginWithCode", u.Email)
	}
	return c
}

// Cookie returns the named cookie the client holds, or nil.
func (c *HTTPClient) Cookie(name string) *http.Cookie {
	for _, ck := range c.jar.Cookies(base) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// Doc parses the body as HTML.
func (r *Response) Doc() *goquery.Document {
	if r.doc == nil {
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
		if err != nil {
			r.t.Fatalf("testkit: parse HTML: %v", err)
		}
		r.doc = doc
	}
	return r.doc
}

// Find returns the elements matching a CSS selector.
func (r *Response) Find(selector string) *goquery.Selection { return r.Doc().Find(selector) }

// TestID returns the elements with data-testid="id".
func (r *Response) TestID(id string) *goquery.Selection {
	return r.Doc().Find(`[data-testid="` + id + `"]`)
}

// Text returns the trimmed text of the elements with data-testid="id".
func (r *Response) Text(id string) string { return strings.TrimSpace(r.TestID(id).Text()) }

// Location returns the redirect target of a 3xx response, or HX-Redirect for htmx.
func (r *Response) Location() string {
	if l := r.Header.Get("HX-Redirect"); l != "" {
		return l
	}
	return r.Header.Get("Location")
}

// ExpectStatus fails the test unless the status is want, printing the body.
func (r *Response) ExpectStatus(want int) *Response {
	r.t.Helper()
	if r.StatusCode != want {
		r.t.Fatalf("status %d, want %d; body:\n%s", r.StatusCode, want, truncate(r.Body, 2000))
	}
	return r
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// ClientAs returns a client signed in as a new user holding role in the tenant ("admin",
// "manager", "customer" or a custom role), and the user.
func ClientAs(t testing.TB, app *TestApp, tn *models.Tenant, role string) (*HTTPClient, FixtureUser) {
	t.Helper()
	u := User(t, app.Store).WithRole(tn, role).Create()
	return Client(t, app).LoginAs(u), u
}
