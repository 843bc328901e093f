package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// oneResult checks the page a refused form answered with: exactly one result banner, of the
// kind asked, saying want; and every control marked invalid points at its message, rendered
// by the one field-error renderer.
func oneResult(t *testing.T, res *testkit.Response, kind, want string) {
	t.Helper()
	banners := res.Find("[data-flash]")
	if banners.Length() != 1 {
		t.Fatalf("%d result banners, want 1:\n%s", banners.Length(), res.Body)
	}
	if banners.AttrOr("role", "") != "alert" || !strings.Contains(banners.AttrOr("class", ""), map[string]string{"error": "red", "warning": "amber"}[kind]) {
		t.Errorf("the banner is not an announced %s (role %q, class %q)", kind, banners.AttrOr("role", ""), banners.AttrOr("class", ""))
	}
	if got := strings.TrimSpace(banners.Text()); !strings.Contains(got, want) {
		t.Errorf("banner %q, want it to say %q", got, want)
	}
	if n := res.Find(`#main [role="alert"]`).Not("[data-flash]").Length(); n != 0 {
		t.Errorf("%d more alerts beside the result banner", n)
	}
	res.Find(`[aria-invalid="true"]`).Each(func(_ int, s *goquery.Selection) {
		ids := strings.Fields(s.AttrOr("aria-describedby", ""))
		var msg *goquery.Selection
		if len(ids) > 0 {
			msg = res.Find("#" + ids[len(ids)-1])
		}
		if msg == nil || msg.Length() != 1 || !msg.HasClass("field-error") || strings.TrimSpace(msg.Text()) == "" {
			t.Errorf("invalid control %s does not point at a field message (aria-describedby %q)", s.AttrOr("id", "?"), ids)
		}
	})
}

func TestEveryRefusedFormShowsOneResultAndMarksItsFields(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := rolesClient(t, app, tn, "admin")
	super, _ := superAdminClient(t, app)
	base := "/t/" + tn.Slug

	cases := []struct {
		name    string
		c       *testkit.HTTPClient
		path    string
		form    url.Values
		invalid []string // the ids of the controls that must be marked
		says    string
	}{
		{"create user", admin, base + "/users", url.Values{"email": {"not-an-email"}, "mode": {"invite"}}, []string{"user-email", "user-role"}, "Nothing was saved"},
		{"create role", admin, base + "/roles", url.Values{"name": {"Bad Name!"}}, []string{"role-name"}, "Nothing was saved"},
		{"create content", admin, base + "/nodes", url.Values{"kind": {"post"}, "t.en.slug": {"x"}, "position": {"-1"}}, []string{"tr-en-title", "node-position"}, "Title (en)"},
		{"create tenant", super, "/tenants", url.Values{"name": {""}, "default_locale": {"en"}}, []string{"tenant-name"}, "Nothing was saved"},
		{"rename a system role", admin, base + "/roles/admin", url.Values{"name": {"boss"}, "version": {"1"}}, nil, "System roles cannot be renamed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.c.PostForm(tc.path, tc.form).ExpectStatus(http.StatusUnprocessableEntity)
			oneResult(t, res, "error", tc.says)
			for _, id := range tc.invalid {
				if res.Find("#"+id).AttrOr("aria-invalid", "") != "true" {
					t.Errorf("#%s is not marked invalid", id)
				}
			}
		})
	}

	t.Run("sign-in", func(t *testing.T) {
		c := testkit.Client(t, app)
		c.Get("/login")
		res := c.PostForm("/login", url.Values{"email": {"nobody@example.com"}}).ExpectStatus(http.StatusUnprocessableEntity)
		oneResult(t, res, "error", "Enter your email and password")
		if res.Find("#password").AttrOr("aria-invalid", "") != "true" {
			t.Error("the empty password is not marked")
		}
	})
}

// A refused save answered to htmx swaps the page's banner slot too: the previous result (a
// "Nothing changed" banner, a "Saved" toast) never stays above the new one.
func TestHTMXRefusalReplacesThePreviousResult(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	c, _ := nodesClient(t, app, tn, "admin")
	n := testkit.Node(t, app.Store, tn).Translation("en", "Hello", "Body").Create()

	// Saving without a change leaves "Nothing changed" in the page's banner slot.
	page := c.PostForm(nodePath(tn, n.ID), nodeForm(n, tn)).ExpectStatus(http.StatusSeeOther)
	if got := c.Get(page.Location()).Text("flash-message"); !strings.Contains(got, "Nothing changed") {
		t.Fatalf("banner after an unchanged save %q", got)
	}

	form := nodeForm(n, tn)
	form.Set("t.en.title", "")
	form.Set("t.en.body", "still here")
	res := nodesHX(c, http.MethodPost, nodePath(tn, n.ID), form).ExpectStatus(http.StatusUnprocessableEntity)
	slot := res.Find(`#flash[hx-swap-oob="true"]`)
	if slot.Length() != 1 || !strings.Contains(slot.Text(), "Nothing was saved") || !strings.Contains(slot.Text(), "Title (en)") {
		t.Fatalf("the answer does not replace the banner slot with the refusal:\n%s", res.Body)
	}
	if toasts := res.Find(`#toasts[hx-swap-oob="true"]`); toasts.Length() != 1 || strings.TrimSpace(toasts.Text()) != "" {
		t.Error("the answer does not clear the toasts")
	}
	if res.Find("#node-form").Length() != 1 || res.Find("#node-form [data-flash]").Length() != 0 {
		t.Error("the form fragment is missing, or carries a banner of its own")
	}

	t.Run("a grid change empties the banner slot; its own notice is the result", func(t *testing.T) {
		customRole(t, app, tn, "reviewer")
		res := htmxPost(c, "/t/"+tn.Slug+"/roles/reviewer/permissions", toggle("nodes", "read", true)).ExpectStatus(http.StatusOK)
		if slot := res.Find(`#flash[hx-swap-oob="true"]`); slot.Length() != 1 || strings.TrimSpace(slot.Text()) != "" {
			t.Errorf("the grid answer does not empty the banner slot:\n%s", res.Body)
		}
		if res.Text("grid-notice") == "" {
			t.Error("no grid notice")
		}
	})
}
