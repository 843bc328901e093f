package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// tenantSlugs returns the slugs of the tenant table's rows, top to bottom.
func tenantSlugs(res *testkit.Response) []string {
	var out []string
	res.TestID("tenant-row").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find(`[data-testid="tenant-slug"]`).Text()))
	})
	return out
}

// superAdminClient signs in a new super admin and opens /tenants, so the client holds a
// CSRF token of the signed-in session.
func superAdminClient(t *testing.T, app *testkit.TestApp) (*testkit.HTTPClient, testkit.FixtureUser) {
	t.Helper()
	admin := testkit.User(t, app.Store).SuperAdmin().Create()
	c := testkit.Client(t, app).LoginAs(admin)
	c.Get("/tenants").ExpectStatus(http.StatusOK)
	return c, admin
}

// inputValue returns the value attribute of the element with the id.
func inputValue(res *testkit.Response, id string) string {
	return res.Find("#"+id).AttrOr("value", "")
}

// reload reads the tenant from the database.
func reload(t *testing.T, store *models.Store, id uuid.UUID) *models.Tenant {
	t.Helper()
	tn, err := store.TenantByID(context.Background(), id)
	if err != nil {
		t.Fatalf("reload tenant: %v", err)
	}
	return tn
}

func TestTenantList(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corp").Domain("shop.acme.example").Locales("en", "de").Create()
	testkit.Tenant(t, app.Store).Slug("globex").Name("Globex").Create()
	testkit.Tenant(t, app.Store).Slug("initech").Name("Initech").Domain("initech.example").Inactive().Create()
	c, _ := superAdminClient(t, app)

	t.Run("a super admin sees every tenant by name with its slug, domain, locales, status and creation date", func(t *testing.T) {
		res := c.Get("/tenants").ExpectStatus(http.StatusOK)
		if got := tenantSlugs(res); !slices.Equal(got, []string{"acme", "globex", "initech"}) {
			t.Fatalf("rows %v", got)
		}
		acme := res.TestID("tenant-row").First()
		cell := func(s *goquery.Selection, id string) string {
			return strings.TrimSpace(s.Find(`[data-testid="` + id + `"]`).Text())
		}
		if cell(acme, "tenant-name") != "Acme Corp" || cell(acme, "tenant-domain") != "shop.acme.example" ||
			cell(acme, "tenant-default-locale") != "en" || cell(acme, "tenant-locales") != "en, de" ||
			cell(acme, "tenant-status") != "active" || cell(acme, "tenant-created") == "" {
			t.Errorf("acme row: %q", strings.Join(strings.Fields(acme.Text()), " "))
		}
		if href, _ := acme.Find(`[data-testid="tenant-name"]`).Attr("href"); !strings.HasPrefix(href, "/tenants/") {
			t.Errorf("the name links to %q, want the tenant's page", href)
		}
		if got := cell(res.TestID("tenant-row").Last(), "tenant-status"); got != "inactive" {
			t.Errorf("initech status %q", got)
		}
		if cell(res.TestID("tenant-row").Eq(1), "tenant-domain") != "—" {
			t.Error("a tenant without a domain does not show a dash")
		}
		if !res.TestID("nav-tenants").HasClass("nav-link-active") {
			t.Error("the Tenants navigation link is not marked active")
		}
		if href, _ := res.TestID("new-tenant").Attr("href"); href != "/tenants/new" {
			t.Errorf("Create tenant links to %q", href)
		}
		if res.Text("page-info") != "Page 1 of 1 · 3 tenants" {
			t.Errorf("page info %q", res.Text("page-info"))
		}
	})

	t.Run("the search matches name, slug or domain, case-insensitively", func(t *testing.T) {
		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"corp", []string{"acme"}},
			{"GLOBEX", []string{"globex"}},
			{"initech.example", []string{"initech"}},
			{"acme.example", []string{"acme"}},
			{"%", nil},
		} {
			res := c.Get("/tenants?" + url.Values{"q": {tc.search}}.Encode()).ExpectStatus(http.StatusOK)
			if got := tenantSlugs(res); !slices.Equal(got, tc.want) {
				t.Errorf("search %q: rows %v, want %v", tc.search, got, tc.want)
			}
			if got := inputValue(res, "tenants-search"); got != tc.search {
				t.Errorf("the search box lost %q: %q", tc.search, got)
			}
		}
	})

	t.Run("the status filter narrows to active or inactive tenants", func(t *testing.T) {
		if got := tenantSlugs(c.Get("/tenants?status=inactive")); !slices.Equal(got, []string{"initech"}) {
			t.Errorf("inactive: %v", got)
		}
		res := c.Get("/tenants?status=active&q=e").ExpectStatus(http.StatusOK)
		if got := tenantSlugs(res); !slices.Equal(got, []string{"acme", "globex"}) {
			t.Errorf("active matching e: %v", got)
		}
		if v, _ := res.Find("#tenants-status option[selected]").Attr("value"); v != "active" {
			t.Errorf("the status select lost its value: %q", v)
		}
	})

	t.Run("the search box asks htmx for the table while the user types", func(t *testing.T) {
		res := c.Get("/tenants")
		box := res.Find("#tenants-search")
		for attr, want := range map[string]string{"name": "q", "type": "search", "hx-get": "/tenants",
			"hx-trigger": "input changed delay:300ms, search", "hx-target": "#tenants-table", "hx-push-url": "true"} {
			if got, _ := box.Attr(attr); got != want {
				t.Errorf("search box %s=%q, want %q", attr, got, want)
			}
		}
		form := res.Find("#tenants-filters")
		if form.AttrOr("method", "") != "get" || form.AttrOr("action", "") != "/tenants" {
			t.Error("the filters are not a plain GET form for browsers without JavaScript")
		}
		if res.Find(`label[for="tenants-search"]`).Length() != 1 || res.Find(`label[for="tenants-status"]`).Length() != 1 {
			t.Error("a filter has no label")
		}
	})

	t.Run("an htmx search gets only the #tenants-table fragment", func(t *testing.T) {
		hx := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
		hx.Header.Set("HX-Request", "true")
		res := hx.Get("/tenants?q=glob").ExpectStatus(http.StatusOK)
		if strings.Contains(string(res.Body), "<html") || res.Find("#tenants-table").Length() != 1 || res.Find("#tenants-filters").Length() != 0 {
			t.Fatalf("want the #tenants-table fragment alone, got:\n%s", res.Body)
		}
		if got := tenantSlugs(res); !slices.Equal(got, []string{"globex"}) {
			t.Fatalf("fragment rows %v", got)
		}
		if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
			t.Errorf("Vary = %q", res.Header.Get("Vary"))
		}
	})

	t.Run("nothing matching shows an empty state that offers to create a tenant", func(t *testing.T) {
		res := c.Get("/tenants?q=nothing-like-this").ExpectStatus(http.StatusOK)
		if len(tenantSlugs(res)) != 0 || !strings.Contains(res.Text("empty-state"), "No tenants match") {
			t.Fatalf("want the empty state:\n%s", res.Body)
		}
		if href, _ := res.TestID("empty-create-tenant").Attr("href"); href != "/tenants/new" {
			t.Errorf("the empty state's call to action links to %q", href)
		}
	})

	t.Run("an unknown status or a broken page link is a 422 that says so", func(t *testing.T) {
		for _, q := range []string{"status=deleted", "page=abc", "page=0", "per_page=1000"} {
			res := c.Get("/tenants?" + q).ExpectStatus(http.StatusUnprocessableEntity)
			if res.Text("filter-error") == "" || len(tenantSlugs(res)) != 0 {
				t.Errorf("%s: want a message and no rows", q)
			}
		}
		hx := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
		hx.Header.Set("HX-Request", "true")
		if res := hx.Get("/tenants?status=deleted").ExpectStatus(http.StatusOK); res.Text("filter-error") == "" {
			t.Error("over htmx the fragment does not say what is wrong")
		}
	})
}

func TestTenantListPagination(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	for i := range 7 {
		testkit.Tenant(t, app.Store).Slug(fmt.Sprintf("shop-%d", i)).Name(fmt.Sprintf("Shop %d", i)).Create()
	}
	testkit.Tenant(t, app.Store).Slug("zeta").Name("Zeta").Create()
	c, _ := superAdminClient(t, app)

	t.Run("next-page links walk every matching tenant once, in order, keeping the search", func(t *testing.T) {
		var seen []string
		next, pages := "/tenants?q=shop&per_page=3", 0
		for next != "" {
			res := c.Get(next).ExpectStatus(http.StatusOK)
			pages++
			if got := len(tenantSlugs(res)); got == 0 || got > 3 {
				t.Fatalf("page %d has %d rows", pages, got)
			}
			seen = append(seen, tenantSlugs(res)...)
			if want := fmt.Sprintf("Page %d of 3 · 7 tenants", pages); res.Text("page-info") != want {
				t.Errorf("page info %q, want %q", res.Text("page-info"), want)
			}
			if pages > 1 {
				prev, _ := res.TestID("prev-page").Attr("href")
				if !strings.Contains(prev, "q=shop") {
					t.Errorf("page %d: previous link %q", pages, prev)
				}
			} else if res.TestID("prev-page").Length() != 0 {
				t.Error("the first page links to a previous one")
			}
			next, _ = res.TestID("next-page").Attr("href")
			if next != "" && (!strings.Contains(next, "q=shop") || !strings.Contains(next, "per_page=3")) {
				t.Fatalf("the next-page link %q lost the search or page size", next)
			}
			if link := res.TestID("next-page"); link.Length() == 1 && link.AttrOr("hx-target", "") != "#tenants-table" {
				t.Error("the next-page link does not swap the table over htmx")
			}
		}
		want := []string{"shop-0", "shop-1", "shop-2", "shop-3", "shop-4", "shop-5", "shop-6"}
		if pages != 3 || !slices.Equal(seen, want) {
			t.Fatalf("%d pages: %v, want 3 pages: %v", pages, seen, want)
		}
	})

	t.Run("a page past the end says so and links to the first page", func(t *testing.T) {
		res := c.Get("/tenants?page=9").ExpectStatus(http.StatusOK)
		if len(tenantSlugs(res)) != 0 || res.TestID("empty-state").Length() != 1 || res.TestID("prev-page").Length() != 1 {
			t.Fatalf("want an empty page with a way back:\n%s", res.Body)
		}
		// A page number whose offset would overflow is capped: still an empty page, not a 500.
		c.Get("/tenants?page=1000000000000000000").ExpectStatus(http.StatusOK)
	})
}

func TestTenantListWithoutTenants(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	c, _ := superAdminClient(t, app)
	res := c.Get("/tenants").ExpectStatus(http.StatusOK)
	if !strings.Contains(res.Text("empty-state"), "no tenants yet") {
		t.Fatalf("empty state %q", res.Text("empty-state"))
	}
	if href, _ := res.TestID("empty-create-tenant").Attr("href"); href != "/tenants/new" {
		t.Fatalf("call to action links to %q", href)
	}
}

func TestTenantPagesAreForSuperAdmins(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	member := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	plain := testkit.User(t, app.Store).Create()
	var paths []string
	for key := range declared(t, app) {
		if method, path, _ := strings.Cut(key, " "); strings.HasPrefix(path, "/tenants") {
			paths = append(paths, method+" "+strings.ReplaceAll(path, ":id", tn.ID.String()))
		}
	}
	slices.Sort(paths)
	if len(paths) != 7 {
		t.Fatalf("tenant routes %v, want 7", paths)
	}
	for _, who := range []struct {
		name string
		user testkit.FixtureUser
		home string // a page the user may open, for a CSRF token
	}{
		{"an admin of a tenant", member, "/t/" + tn.Slug + "/"},
		{"a user without a tenant", plain, "/"},
	} {
		t.Run(who.name+" gets 403 on every tenant route", func(t *testing.T) {
			c := testkit.Client(t, app).LoginAs(who.user)
			home := c.Get(who.home).ExpectStatus(http.StatusOK)
			if home.TestID("nav-tenants").Length() != 0 {
				t.Error("the Tenants link is offered")
			}
			rec := testkit.Events(t, app.Store)
			for _, route := range paths {
				method, path, _ := strings.Cut(route, " ")
				var res *testkit.Response
				if method == http.MethodGet {
					res = c.Get(path)
				} else {
					res = c.PostForm(path, url.Values{"slug": {"sneaky"}, "name": {"Sneaky"}, "default_locale": {"en"}, "locales": {"en"}})
				}
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", route, res.StatusCode)
				}
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("refused requests emitted %v", got)
			}
			if !reload(t, app.Store, tn.ID).IsActive {
				t.Error("the tenant was deactivated")
			}
		})
	}
}

func TestTenantCreate(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	testkit.Tenant(t, app.Store).Slug("taken").Name("Taken").Domain("taken.example").Create()
	c, admin := superAdminClient(t, app)

	t.Run("the form has a labelled field for each value", func(t *testing.T) {
		res := c.Get("/tenants/new").ExpectStatus(http.StatusOK)
		for _, id := range []string{"tenant-slug", "tenant-name", "tenant-domain", "tenant-default_locale", "tenant-locales"} {
			if res.Find(`label[for="`+id+`"]`).Length() != 1 || res.Find("#"+id).Length() != 1 {
				t.Errorf("no labelled input #%s", id)
			}
		}
		form := res.TestID("tenant-form")
		if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != "/tenants" || form.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" {
			t.Error("the form does not post to /tenants with a CSRF token")
		}
		if inputValue(res, "tenant-default_locale") != "en" {
			t.Error("the default locale is not suggested")
		}
	})

	t.Run("a valid tenant is created with one tenant.created event, then its page opens", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := c.PostForm("/tenants", url.Values{"slug": {"Acme"}, "name": {" Acme Corp "}, "domain": {"Shop.Acme.Example"},
			"default_locale": {"en"}, "locales": {"en, de fr,de"}}).ExpectStatus(http.StatusSeeOther)
		tn, err := app.Store.TenantBySlug(context.Background(), "acme")
		if err != nil {
			t.Fatalf("no tenant acme: %v", err)
		}
		if res.Location() != "/tenants/"+tn.ID.String() {
			t.Fatalf("redirect to %q", res.Location())
		}
		if tn.Name != "Acme Corp" || tn.Domain == nil || *tn.Domain != "shop.acme.example" || !tn.IsActive ||
			tn.DefaultLocale != "en" || !slices.Equal(tn.Locales, []string{"en", "de", "fr"}) {
			t.Errorf("stored %+v (domain %v)", tn, tn.Domain)
		}
		if got := rec.Types(t); len(got) == 0 || got[0] != "tenant.created" || countOf(got, "tenant.created") != 1 || countOf(got, "role.created") != 3 {
			t.Fatalf("events %v, want one tenant.created, then the three system roles", got)
		}
		ev := rec.Emitted(t, "tenant.created")[0].(*events.TenantCreated)
		if ev.TenantID != tn.ID || ev.Slug != "acme" || ev.Name != "Acme Corp" || !slices.Equal(ev.Locales, []string{"en", "de", "fr"}) {
			t.Errorf("payload %+v", ev)
		}
		if row := rec.Rows(t)[0]; row.ActorID == nil || *row.ActorID != admin.ID {
			t.Errorf("actor %v, want the super admin", row.ActorID)
		}
		page := c.Get(res.Location()).ExpectStatus(http.StatusOK)
		if got := page.Text("flash-message"); got != "Tenant Acme Corp created." {
			t.Errorf("flash %q", got)
		}
	})

	t.Run("the default locale is enabled even when the list leaves it out", func(t *testing.T) {
		c.PostForm("/tenants", url.Values{"slug": {"globex"}, "name": {"Globex"}, "default_locale": {"de"}, "locales": {"fr"}}).
			ExpectStatus(http.StatusSeeOther)
		tn, err := app.Store.TenantBySlug(context.Background(), "globex")
		if err != nil || tn.DefaultLocale != "de" || !slices.Equal(tn.Locales, []string{"de", "fr"}) {
			t.Fatalf("tenant %+v, %v", tn, err)
		}
	})

	valid := url.Values{"slug": {"new-shop"}, "name": {"New Shop"}, "domain": {"new.example"}, "default_locale": {"en"}, "locales": {"en, de"}}
	for _, tc := range []struct {
		name  string
		edit  url.Values
		field string
		want  string // part of the message
	}{
		{"a reserved slug", url.Values{"slug": {"admin"}}, "slug", "reserved"},
		{"a slug with capitals and an underscore", url.Values{"slug": {"Bad_Slug"}}, "slug", "lowercase letters"},
		{"an empty slug and a name without letters to make one from", url.Values{"slug": {""}, "name": {"!!!"}}, "slug", "required"},
		{"an empty name", url.Values{"name": {"   "}}, "name", "required"},
		{"a slug another tenant has", url.Values{"slug": {"Taken"}}, "slug", "This slug is already taken."},
		{"a domain another tenant has", url.Values{"domain": {"TAKEN.example"}}, "domain", "already used by another tenant"},
		{"a domain that is not a host name", url.Values{"domain": {"http://x"}}, "domain", "host name"},
		{"a locale that is not a locale code", url.Values{"locales": {"en, Deutsch"}}, "locales", "“Deutsch”"},
	} {
		t.Run(tc.name+" is a 422 with the message on its field and nothing saved", func(t *testing.T) {
			form := url.Values{}
			for k, v := range valid {
				form[k] = v
			}
			for k, v := range tc.edit {
				form[k] = v
			}
			rec := testkit.Events(t, app.Store)
			before, _ := app.Store.Tenants(context.Background())
			res := c.PostForm("/tenants", form).ExpectStatus(http.StatusUnprocessableEntity)
			if got := res.Text("tenant-" + tc.field + "-error"); !strings.Contains(got, tc.want) {
				t.Fatalf("%s message %q, want %q\n%s", tc.field, got, tc.want, res.Body)
			}
			if got, _ := res.Find("#tenant-" + tc.field).Attr("aria-invalid"); got != "true" {
				t.Errorf("%s is not marked invalid", tc.field)
			}
			for field, id := range map[string]string{"slug": "tenant-slug", "name": "tenant-name", "domain": "tenant-domain",
				"default_locale": "tenant-default_locale", "locales": "tenant-locales"} {
				if got := inputValue(res, id); got != form.Get(field) {
					t.Errorf("the typed %s was lost: %q, want %q", field, got, form.Get(field))
				}
			}
			if res.TestID("flash").Length() != 1 {
				t.Error("no summary above the form")
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("a refused form emitted %v", got)
			}
			if after, _ := app.Store.Tenants(context.Background()); len(after) != len(before) {
				t.Errorf("%d tenants before, %d after", len(before), len(after))
			}
		})
	}

	t.Run("a post without the CSRF token is refused", func(t *testing.T) {
		c.PostFormRaw("/tenants", valid).ExpectStatus(http.StatusForbidden)
		if _, err := app.Store.TenantBySlug(context.Background(), "new-shop"); err == nil {
			t.Fatal("the tenant was created")
		}
	})
}

func TestTenantEdit(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	testkit.Tenant(t, app.Store).Slug("other").Domain("other.example").Create()
	c, _ := superAdminClient(t, app)
	// fresh makes a tenant with known values (and a domain of its own) for one subtest.
	n := 0
	fresh := func(t *testing.T) *models.Tenant {
		t.Helper()
		n++
		return testkit.Tenant(t, app.Store).Name("Acme").Domain(fmt.Sprintf("acme-%d.example", n)).Locales("en", "de").Create()
	}
	// form is the edit form as the page fills it, with some values changed.
	form := func(tn *models.Tenant, edit url.Values) url.Values {
		f := url.Values{"version": {versionOf(app, "tenants", "id = ?", tn.ID)}, "name": {tn.Name}, "domain": {""}, "default_locale": {tn.DefaultLocale}, "locales": {strings.Join(tn.Locales, ", ")}}
		if tn.Domain != nil {
			f.Set("domain", *tn.Domain)
		}
		for k, v := range edit {
			f[k] = v
		}
		return f
	}
	changes := func(t *testing.T, rec *testkit.Recorder) map[string]string {
		t.Helper()
		out := map[string]string{}
		for field, ch := range rec.Emitted(t, "tenant.updated")[0].(*events.TenantUpdated).Changes {
			out[field] = fmt.Sprintf("%v → %v", ch.Old, ch.New)
		}
		return out
	}

	t.Run("the page shows the form filled in, the slug read-only, activation and the event history", func(t *testing.T) {
		tn := fresh(t)
		res := c.Get("/tenants/" + tn.ID.String()).ExpectStatus(http.StatusOK)
		if inputValue(res, "tenant-name") != "Acme" || inputValue(res, "tenant-domain") != *tn.Domain ||
			inputValue(res, "tenant-default_locale") != "en" || inputValue(res, "tenant-locales") != "" ||
			res.Find(`input[name="locale"]:checked`).Length() != 2 || res.TestID("locale-de").AttrOr("checked", "x") == "x" {
			t.Errorf("form values %q %q %q %q", inputValue(res, "tenant-name"), inputValue(res, "tenant-domain"),
				inputValue(res, "tenant-default_locale"), inputValue(res, "tenant-locales"))
		}
		if res.Find(`input[name="slug"]`).Length() != 0 || res.Text("tenant-slug") != tn.Slug {
			t.Error("the slug is editable or missing")
		}
		if got := res.TestID("tenant-form").AttrOr("action", ""); got != "/tenants/"+tn.ID.String() {
			t.Errorf("the form posts to %q", got)
		}
		deactivate := res.TestID("deactivate-form")
		if deactivate.AttrOr("data-confirm", "") != "Deactivate Acme? Its pages will answer 404 for everyone except super admins." ||
			deactivate.AttrOr("action", "") != "/tenants/"+tn.ID.String()+"/deactivate" || deactivate.Find(`input[name="_csrf"]`).Length() != 1 {
			t.Errorf("deactivate form: %s", goquery.NewDocumentFromNode(deactivate.Nodes[0]).Text())
		}
		history := res.TestID("tenant-history")
		if history.AttrOr("hx-get", "") != "/t/"+tn.Slug+"/events/aggregate/tenant/"+tn.ID.String() || history.AttrOr("hx-trigger", "") != "load" {
			t.Errorf("history loads %q on %q", history.AttrOr("hx-get", ""), history.AttrOr("hx-trigger", ""))
		}
		link := res.TestID("tenant-events-link").AttrOr("href", "")
		if !strings.HasPrefix(link, "/t/"+tn.Slug+"/events?") || !strings.Contains(link, "aggregate_type=tenant") || !strings.Contains(link, "aggregate_id="+tn.ID.String()) {
			t.Errorf("events link %q", link)
		}
		// The history fragment answers the super admin.
		hx := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
		hx.Header.Set("HX-Request", "true")
		frag := hx.Get(history.AttrOr("hx-get", "")).ExpectStatus(http.StatusOK)
		if !strings.Contains(frag.Text("aggregate-history"), "tenant.created") {
			t.Errorf("history fragment:\n%s", frag.Body)
		}
	})

	t.Run("changing name and domain emits one tenant.updated with exactly those changes", func(t *testing.T) {
		tn := fresh(t)
		rec := testkit.Events(t, app.Store)
		res := c.PostForm("/tenants/"+tn.ID.String(), form(tn, url.Values{"name": {"Acme Ltd"}, "domain": {"shop.acme.example"}})).
			ExpectStatus(http.StatusSeeOther)
		if res.Location() != "/tenants/"+tn.ID.String() {
			t.Fatalf("redirect to %q", res.Location())
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"tenant.updated"}) {
			t.Fatalf("events %v", got)
		}
		want := map[string]string{"name": "Acme → Acme Ltd", "domain": *tn.Domain + " → shop.acme.example"}
		if got := changes(t, rec); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("changes %v, want %v", got, want)
		}
		if got := c.Get(res.Location()).Text("flash-message"); got != "Tenant Acme Ltd updated." {
			t.Errorf("flash %q", got)
		}
		if after := reload(t, app.Store, tn.ID); after.Name != "Acme Ltd" || after.Domain == nil || *after.Domain != "shop.acme.example" {
			t.Errorf("stored %+v", after)
		}
	})

	t.Run("an empty domain removes it", func(t *testing.T) {
		tn := fresh(t)
		rec := testkit.Events(t, app.Store)
		c.PostForm("/tenants/"+tn.ID.String(), form(tn, url.Values{"domain": {""}})).ExpectStatus(http.StatusSeeOther)
		if got := changes(t, rec); len(got) != 1 || got["domain"] != *tn.Domain+" → " {
			t.Errorf("changes %v", got)
		}
		if reload(t, app.Store, tn.ID).Domain != nil {
			t.Error("the domain is still set")
		}
	})

	t.Run("adding and removing locales emits locale_enabled and locale_disabled", func(t *testing.T) {
		tn := fresh(t)
		rec := testkit.Events(t, app.Store)
		c.PostForm("/tenants/"+tn.ID.String(), form(tn, url.Values{"locales": {"en de fr"}})).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); !slices.Equal(got, []string{"tenant.locale_enabled"}) {
			t.Fatalf("after adding fr: %v", got)
		}
		if ev := rec.Emitted(t, "tenant.locale_enabled")[0].(*events.TenantLocaleEnabled); ev.Locale != "fr" {
			t.Errorf("enabled %q", ev.Locale)
		}
		rec = testkit.Events(t, app.Store)
		c.PostForm("/tenants/"+tn.ID.String(), form(tn, url.Values{"locales": {"en,fr"}})).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); !slices.Equal(got, []string{"tenant.locale_disabled"}) {
			t.Fatalf("after removing de: %v", got)
		}
		if ev := rec.Emitted(t, "tenant.locale_disabled")[0].(*events.TenantLocaleDisabled); ev.Locale != "de" {
			t.Errorf("disabled %q", ev.Locale)
		}
		if got := reload(t, app.Store, tn.ID).Locales; !slices.Equal(got, []string{"en", "fr"}) {
			t.Errorf("stored locales %v", got)
		}
	})

	t.Run("a new default locale among the enabled ones is a change of default_locale", func(t *testing.T) {
		tn := fresh(t)
		rec := testkit.Events(t, app.Store)
		c.PostForm("/tenants/"+tn.ID.String(), form(tn, url.Values{"default_locale": {"de"}})).ExpectStatus(http.StatusSeeOther)
		if got := changes(t, rec); len(got) != 1 || got["default_locale"] != "en → de" {
			t.Errorf("changes %v", got)
		}
	})

	t.Run("saving the form unchanged changes nothing and says so", func(t *testing.T) {
		tn := fresh(t)
		rec := testkit.Events(t, app.Store)
		res := c.PostForm("/tenants/"+tn.ID.String(), form(tn, url.Values{"locales": {"de en"}})).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
		if got := c.Get(res.Location()).TestID("flash"); !strings.Contains(got.Text(), "Nothing changed") || got.AttrOr("role", "") != "status" {
			t.Errorf("flash %q", got.Text())
		}
	})

	for _, tc := range []struct {
		name  string
		edit  url.Values
		field string
		want  string
	}{
		{"removing the default locale from the enabled ones", url.Values{"locales": {"de"}}, "locales", "“en” is the default locale"},
		{"emptying the enabled locales", url.Values{"locales": {""}}, "locales", "“en” is the default locale"},
		{"a default locale that is not enabled", url.Values{"default_locale": {"fr"}}, "locales", "Enable “fr” too"},
		{"an empty default locale", url.Values{"default_locale": {""}}, "default_locale", "Enter the default locale"},
		{"a locale that is not a locale code", url.Values{"locales": {"en, de, x"}}, "locales", "“x”"},
		{"an empty name", url.Values{"name": {""}}, "name", "required"},
		{"a domain another tenant has", url.Values{"domain": {"other.example"}}, "domain", "already used by another tenant"},
	} {
		t.Run(tc.name+" is a 422 with the message on its field and nothing saved", func(t *testing.T) {
			tn := fresh(t)
			rec := testkit.Events(t, app.Store)
			f := form(tn, tc.edit)
			res := c.PostForm("/tenants/"+tn.ID.String(), f).ExpectStatus(http.StatusUnprocessableEntity)
			if got := res.Text("tenant-" + tc.field + "-error"); !strings.Contains(got, tc.want) {
				t.Fatalf("%s message %q, want %q\n%s", tc.field, got, tc.want, res.Body)
			}
			for field, id := range map[string]string{"name": "tenant-name", "domain": "tenant-domain",
				"default_locale": "tenant-default_locale", "locales": "tenant-locales"} {
				if got := inputValue(res, id); got != f.Get(field) {
					t.Errorf("the typed %s was lost: %q, want %q", field, got, f.Get(field))
				}
			}
			if res.Text("page-title") != "Acme" || res.Text("tenant-slug") != tn.Slug {
				t.Errorf("the page lost the stored name or slug: %q %q", res.Text("page-title"), res.Text("tenant-slug"))
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("a refused form emitted %v", got)
			}
			if after := reload(t, app.Store, tn.ID); after.Name != "Acme" || !slices.Equal(after.Locales, []string{"en", "de"}) {
				t.Errorf("stored %+v", after)
			}
		})
	}

	t.Run("an unknown or malformed id is 404", func(t *testing.T) {
		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			c.Get("/tenants/" + id).ExpectStatus(http.StatusNotFound)
			c.PostForm("/tenants/"+id, url.Values{"name": {"X"}, "default_locale": {"en"}, "locales": {"en"}}).ExpectStatus(http.StatusNotFound)
			c.PostForm("/tenants/"+id+"/deactivate", nil).ExpectStatus(http.StatusNotFound)
			c.PostForm("/tenants/"+id+"/activate", nil).ExpectStatus(http.StatusNotFound)
		}
	})

	t.Run("an edit without the CSRF token is refused", func(t *testing.T) {
		tn := fresh(t)
		c.PostFormRaw("/tenants/"+tn.ID.String(), form(tn, url.Values{"name": {"Hijacked"}})).ExpectStatus(http.StatusForbidden)
		if reload(t, app.Store, tn.ID).Name != "Acme" {
			t.Fatal("the name changed")
		}
	})
}

func TestTenantActivation(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Name("Acme").Create()
	member := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	mc := testkit.Client(t, app).LoginAs(member)
	c, _ := superAdminClient(t, app)
	page := "/tenants/" + tn.ID.String()
	mc.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)

	t.Run("deactivating emits tenant.deactivated and hides the tenant from its members", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := c.PostForm(page+"/deactivate", nil).ExpectStatus(http.StatusSeeOther)
		if res.Location() != page {
			t.Fatalf("redirect to %q", res.Location())
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"tenant.deactivated"}) {
			t.Fatalf("events %v", got)
		}
		after := c.Get(page).ExpectStatus(http.StatusOK)
		if !strings.Contains(after.Text("flash-message"), "deactivated") || after.Text("tenant-status") != "inactive" ||
			after.TestID("activate-form").Length() != 1 || after.TestID("deactivate-form").Length() != 0 {
			t.Errorf("after deactivating: flash %q, status %q", after.Text("flash-message"), after.Text("tenant-status"))
		}
		mc.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusNotFound)
		c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK) // super admins still may
	})

	t.Run("deactivating an inactive tenant changes nothing and says so", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := c.PostForm(page+"/deactivate", nil).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
		if got := c.Get(res.Location()).Text("flash-message"); got != "Acme is already inactive." {
			t.Errorf("flash %q", got)
		}
	})

	t.Run("activating emits tenant.activated and lets the members in again", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		c.PostForm(page+"/activate", nil).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); !slices.Equal(got, []string{"tenant.activated"}) {
			t.Fatalf("events %v", got)
		}
		mc.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
		if got := c.Get(page).Text("flash-message"); got != "Acme is active again." {
			t.Errorf("flash %q", got)
		}
	})

	t.Run("a deactivation without the CSRF token is refused", func(t *testing.T) {
		c.PostFormRaw(page+"/deactivate", nil).ExpectStatus(http.StatusForbidden)
		if !reload(t, app.Store, tn.ID).IsActive {
			t.Fatal("the tenant was deactivated")
		}
	})

	t.Run("over htmx the answer is HX-Redirect", func(t *testing.T) {
		c.Header.Set("HX-Request", "true")
		defer c.Header.Del("HX-Request")
		res := c.PostForm(page+"/deactivate", nil).ExpectStatus(http.StatusNoContent)
		if res.Header.Get("HX-Redirect") != page {
			t.Fatalf("HX-Redirect %q", res.Header.Get("HX-Redirect"))
		}
	})
}

// countOf counts the occurrences of v in vs.
func countOf(vs []string, v string) int {
	n := 0
	for _, x := range vs {
		if x == v {
			n++
		}
	}
	return n
}
