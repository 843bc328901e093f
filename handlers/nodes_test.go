package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestNodeCreate(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, mu := nodesClient(t, app, tn, "manager")
	base := nodesBase(tn)

	t.Run("the form has a tab per locale, the default one open, and preselects the kind asked for", func(t *testing.T) {
		res := mgr.Get(base + "/new?kind=page").ExpectStatus(http.StatusOK)
		if got := res.Find("#node-kind option[selected]").AttrOr("value", ""); got != "page" {
			t.Errorf("kind preselected %q, want page", got)
		}
		if res.TestID("tab-en").AttrOr("aria-selected", "") != "true" || res.TestID("tab-de").AttrOr("aria-selected", "") != "false" {
			t.Error("the default locale's tab is not the selected one")
		}
		if _, hidden := res.TestID("panel-de").Attr("hidden"); !hidden {
			t.Error("the de panel is shown although en is the open tab")
		}
		if _, hidden := res.TestID("panel-en").Attr("hidden"); hidden {
			t.Error("the en panel is hidden")
		}
		if res.TestID("save-node").Length() != 1 || res.Find(`form#node-form[action="`+base+`"]`).Length() != 1 {
			t.Error("the form does not post to the list URL with a save button")
		}
	})

	t.Run("two translations are stored as a draft with node.created and a translation event per locale in the same request", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := mgr.PostForm(base, url.Values{"kind": {"post"}, "parent_id": {""}, "position": {"0"},
			"t.en.title": {"Hello world"}, "t.en.slug": {""}, "t.en.excerpt": {"Short"}, "t.en.body": {"# Hi\n\nText"},
			"t.de.title": {"Привет мир"}, "t.de.slug": {""}, "t.de.excerpt": {""}, "t.de.body": {""}}).ExpectStatus(http.StatusSeeOther)
		id, err := uuid.Parse(strings.TrimPrefix(res.Location(), base+"/"))
		if err != nil {
			t.Fatalf("redirect to %q, want the new node's page", res.Location())
		}
		n := reloadNode(t, app, tn, id)
		if n.Kind != models.NodePost || n.Status != models.NodeDraft || n.AuthorID != mu.ID || n.PublishedAt != nil {
			t.Fatalf("stored node %+v", n)
		}
		en, de := n.Translation("en"), n.Translation("de")
		if en == nil || en.Title != "Hello world" || en.Slug != "hello-world" || en.Excerpt != "Short" || en.Body != "# Hi\n\nText" {
			t.Errorf("en translation %+v", en)
		}
		if de == nil || de.Title != "Привет мир" || de.Slug != "privet-mir" {
			t.Errorf("de translation %+v, want the slug transliterated to privet-mir", de)
		}

		rows := rec.Rows(t)
		var types []string
		for _, r := range rows {
			types = append(types, r.EventType)
			if r.AggregateID != id || r.TenantID == nil || *r.TenantID != tn.ID || r.ActorID == nil || *r.ActorID != mu.ID {
				t.Errorf("event %s: aggregate %s, tenant %v, actor %v", r.EventType, r.AggregateID, r.TenantID, r.ActorID)
			}
			if r.CorrelationID == "" || r.CorrelationID != rows[0].CorrelationID {
				t.Errorf("event %s is not in the request's correlation %q: %q", r.EventType, rows[0].CorrelationID, r.CorrelationID)
			}
		}
		if !slices.Equal(types, []string{"node.created", "node.translation_updated", "node.translation_updated"}) {
			t.Fatalf("events %v", types)
		}
		created := rec.Emitted(t, "node.created")[0].(*events.NodeCreated)
		if created.Kind != "post" || created.Status != "draft" || created.AuthorID != mu.ID {
			t.Errorf("node.created %+v", created)
		}
		trs := nodeTranslationEvents(t, rec)
		if c := trs["de"].Changes["slug"]; c.Old != "" || c.New != "privet-mir" {
			t.Errorf("de slug change %+v", c)
		}
		if c := trs["en"].Changes["title"]; c.Old != "" || c.New != "Hello world" {
			t.Errorf("en title change %+v", c)
		}
		if got := nodesFlashAfter(t, mgr, res); got != "Post “Hello world” created as a draft." {
			t.Errorf("flash %q", got)
		}
	})

	t.Run("a page is placed under a page of the tenant at its position", func(t *testing.T) {
		parent := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Translation("en", "About", "").Create()
		rec := testkit.Events(t, app.Store)
		res := mgr.PostForm(base, url.Values{"kind": {"page"}, "parent_id": {parent.ID.String()}, "position": {"2"},
			"t.en.title": {"Team"}}).ExpectStatus(http.StatusSeeOther)
		n := reloadNode(t, app, tn, testkit.MustUUID(t, strings.TrimPrefix(res.Location(), base+"/")))
		if n.Kind != models.NodePage || n.ParentID == nil || *n.ParentID != parent.ID || n.Position != 2 {
			t.Fatalf("stored page %+v", n)
		}
		if ev := rec.Emitted(t, "node.created")[0].(*events.NodeCreated); ev.ParentID == nil || *ev.ParentID != parent.ID {
			t.Errorf("node.created parent %v", ev.ParentID)
		}
		page := mgr.Get(res.Location()).ExpectStatus(http.StatusOK)
		if got := page.Find("#node-parent option[selected]").AttrOr("value", ""); got != parent.ID.String() {
			t.Errorf("the parent select shows %q", got)
		}
	})

	t.Run("the longest title and excerpt are accepted and a long transliterated slug is cut to 100", func(t *testing.T) {
		title := strings.Repeat("ж", models.MaxNodeTitle)
		res := mgr.PostForm(base, url.Values{"kind": {"post"}, "t.en.title": {title},
			"t.en.excerpt": {strings.Repeat("e", models.MaxNodeExcerpt)}}).ExpectStatus(http.StatusSeeOther)
		n := reloadNode(t, app, tn, testkit.MustUUID(t, strings.TrimPrefix(res.Location(), base+"/")))
		if tr := n.Translation("en"); tr == nil || tr.Title != title || len(tr.Slug) != models.MaxNodeSlug || !strings.HasPrefix(tr.Slug, "zhzh") {
			t.Fatalf("stored %+v", tr)
		}
	})

	t.Run("with htmx a successful save redirects with HX-Redirect", func(t *testing.T) {
		res := nodesHX(mgr, http.MethodPost, base, url.Values{"kind": {"post"}, "t.en.title": {"Via htmx"}})
		if res.StatusCode != http.StatusNoContent || res.Header.Get("HX-Redirect") == "" {
			t.Fatalf("status %d, HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
		}
		if !strings.HasPrefix(res.Header.Get("HX-Redirect"), base+"/") {
			t.Errorf("HX-Redirect %q", res.Header.Get("HX-Redirect"))
		}
	})
}

func TestNodeCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	other := testkit.Tenant(t, app.Store).Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	base := nodesBase(tn)
	testkit.Node(t, app.Store, tn).TranslationInput(models.TranslationInput{Locale: "en", Title: "Taken", Slug: "taken-slug"}).
		TranslationInput(models.TranslationInput{Locale: "de", Title: "Vergeben", Slug: "vergeben"}).Create()
	page := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Create()
	foreignPage := testkit.Node(t, app.Store, other).Kind(models.NodePage).Create()

	// typed is what every case types besides its bad value; all of it must come back.
	typed := func() url.Values {
		return url.Values{"kind": {"post"}, "parent_id": {""}, "position": {"7"},
			"t.en.title": {"Typed title"}, "t.en.slug": {""}, "t.en.excerpt": {"Typed excerpt"}, "t.en.body": {"Typed **body** <b>x</b>"},
			"t.de.title": {"Getippter Titel"}, "t.de.slug": {""}, "t.de.excerpt": {""}, "t.de.body": {"Getippter Text"}}
	}
	longTitle := strings.Repeat("ж", models.MaxNodeTitle+1)
	longExcerpt := strings.Repeat("e", models.MaxNodeExcerpt+1)

	for _, tc := range []struct {
		name    string
		set     map[string]string // form values replacing the typed ones
		errorID string            // where the message must be
		message string
		locale  string            // the tab the message is in, "" for node fields
		kept    map[string]string // data-testid → value the re-rendered form must show
	}{
		{"a title of 201 characters", map[string]string{"t.en.title": longTitle},
			"tr-en-title-error", "at most 200 characters", "en", map[string]string{"tr-en-title": longTitle}},
		{"a missing title while other fields of the locale are filled", map[string]string{"t.en.title": ""},
			"tr-en-title-error", "Title is required.", "en", nil},
		{"a slug another post uses in the same locale", map[string]string{"t.en.slug": "taken-slug"},
			"tr-en-slug-error", "This slug is already used by another post in en.", "en", map[string]string{"tr-en-slug": "taken-slug"}},
		{"a slug another post uses in the second locale", map[string]string{"t.de.slug": "vergeben"},
			"tr-de-slug-error", "This slug is already used by another post in de.", "de", map[string]string{"tr-de-slug": "vergeben"}},
		{"a slug with characters a slug cannot have", map[string]string{"t.en.slug": "Hello World!"},
			"tr-en-slug-error", "Use lowercase letters and digits", "en", map[string]string{"tr-en-slug": "Hello World!"}},
		{"a title with nothing to make a slug from", map[string]string{"t.en.title": "!!!"},
			"tr-en-slug-error", "enter a slug", "en", map[string]string{"tr-en-title": "!!!"}},
		{"an excerpt of 501 characters", map[string]string{"t.en.excerpt": longExcerpt},
			"tr-en-excerpt-error", "at most 500 characters", "en", map[string]string{"tr-en-excerpt": longExcerpt}},
		{"a locale the tenant does not have", map[string]string{"t.xx.title": "Fremd"},
			"flash", "“xx” is not one of this tenant's locales.", "", nil},
		{"a negative position", map[string]string{"position": "-1"},
			"node-position-error", "Position cannot be negative.", "", map[string]string{"node-position": "-1"}},
		{"a position that is not a number", map[string]string{"position": "seven"},
			"node-position-error", "whole number", "", map[string]string{"node-position": "seven"}},
		{"a post with a parent", map[string]string{"parent_id": page.ID.String()},
			"node-parent-error", "Only pages can have a parent.", "", nil},
		{"a page under another tenant's page", map[string]string{"kind": "page", "parent_id": foreignPage.ID.String()},
			"node-parent-error", "Choose a page of this tenant as the parent.", "", nil},
		{"a parent that is not an id", map[string]string{"kind": "page", "parent_id": "not-a-uuid"},
			"node-parent-error", "Choose a page of this tenant as the parent.", "", nil},
		{"an unknown kind", map[string]string{"kind": "bogus"},
			"node-kind-error", "Choose post or page.", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := typed()
			for k, v := range tc.set {
				form.Set(k, v)
			}
			before := nodesCount(t, app, tn)
			rec := testkit.Events(t, app.Store)
			res := mgr.PostForm(base, form).ExpectStatus(http.StatusUnprocessableEntity)

			if got := nodesCount(t, app, tn); got != before {
				t.Errorf("saved although refused: %+v, before %+v", got, before)
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("events written: %v", got)
			}
			if !strings.Contains(res.Text(tc.errorID), tc.message) {
				t.Errorf("%s %q, want it to say %q", tc.errorID, res.Text(tc.errorID), tc.message)
			}
			if !strings.Contains(res.Text("flash"), "Nothing was saved") || !strings.Contains(res.Text("flash"), tc.message) {
				t.Errorf("error summary %q", res.Text("flash"))
			}
			if tc.locale != "" {
				panel := res.TestID("panel-" + tc.locale)
				if panel.Find(`[data-testid="`+tc.errorID+`"]`).Length() != 1 {
					t.Errorf("the message is not in the %s tab", tc.locale)
				}
				if _, hidden := panel.Attr("hidden"); hidden || res.TestID("tab-"+tc.locale).AttrOr("aria-selected", "") != "true" {
					t.Errorf("the %s tab with the error is not the open one", tc.locale)
				}
			}
			kept := map[string]string{"tr-en-title": form.Get("t.en.title"), "tr-en-slug": form.Get("t.en.slug"),
				"tr-en-excerpt": form.Get("t.en.excerpt"), "tr-en-body": form.Get("t.en.body"),
				"tr-de-title": form.Get("t.de.title"), "tr-de-body": form.Get("t.de.body"), "node-position": form.Get("position")}
			for id, v := range tc.kept {
				kept[id] = v
			}
			for id, want := range kept {
				el := res.TestID(id)
				got, isInput := el.Attr("value")
				if !isInput {
					got = el.Text()
				}
				if got != want {
					t.Errorf("%s shows %q, want what was typed: %q", id, got, want)
				}
			}
			if tc.set["kind"] == "page" {
				if got := res.Find("#node-kind option[selected]").AttrOr("value", ""); got != "page" {
					t.Errorf("the kind chosen was lost: %q", got)
				}
				if got := res.Find("#node-parent option[selected]").AttrOr("value", ""); got != tc.set["parent_id"] {
					t.Errorf("the parent chosen was lost: %q", got)
				}
			}
		})
	}

	t.Run("the same slug is fine for a page while a post uses it", func(t *testing.T) {
		res := mgr.PostForm(base, url.Values{"kind": {"page"}, "t.en.title": {"Taken page"}, "t.en.slug": {"taken-slug"},
			"t.de.title": {"Vergebene Seite"}, "t.de.slug": {"vergeben"}}).ExpectStatus(http.StatusSeeOther)
		n := reloadNode(t, app, tn, testkit.MustUUID(t, strings.TrimPrefix(res.Location(), base+"/")))
		if n.Translation("en").Slug != "taken-slug" || n.Translation("de").Slug != "vergeben" {
			t.Fatalf("slugs %+v", n.Translations)
		}
	})

	t.Run("garbage field names are never a server error", func(t *testing.T) {
		for _, form := range []url.Values{
			{"kind": {"post"}, "t..title": {"x"}, "t.en.title": {"Garbage one"}},
			{"kind": {"post"}, "t.en.": {"x"}, "t.en. ": {"y"}, "t.": {"z"}, "t.en.title": {"Garbage two"}},
			{"kind": {"post"}, "t.en.title.x": {"y"}},
			{"kind": {"post"}, "t..": {"x"}, "t...": {"y"}, "t. .title": {"z"}},
			{"kind": {"post"}, "t.en.title": {"Garbage three"}, "t.en.nonsense": {"x"}, "position": {"99999999999999999999"}},
		} {
			res := mgr.PostForm(base, form)
			if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%v: status %d, want 303 or 422\n%.500s", form, res.StatusCode, res.Body)
			}
		}
	})

	t.Run("with htmx a refused save answers 422 with only the #node-form fragment", func(t *testing.T) {
		before := nodesCount(t, app, tn)
		rec := testkit.Events(t, app.Store)
		form := typed()
		form.Set("t.en.title", longTitle)
		res := nodesHX(mgr, http.MethodPost, base, form).ExpectStatus(http.StatusUnprocessableEntity)
		if !nodesIsFragment(res) || res.Find("form#node-form").Length() != 1 || res.TestID("workflow").Length() != 0 {
			t.Fatalf("want the #node-form fragment alone:\n%.1000s", res.Body)
		}
		if res.Text("tr-en-title-error") == "" || res.TestID("tr-en-title").AttrOr("value", "") != longTitle ||
			res.TestID("tr-de-title").AttrOr("value", "") != "Getippter Titel" {
			t.Error("the fragment lost the message or what was typed")
		}
		if nodesCount(t, app, tn) != before || len(rec.Types(t)) != 0 {
			t.Error("something was saved")
		}
	})
}

func TestNodeEscapesHTML(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	base := nodesBase(tn)
	title := `<script>alert(1)</script> "><img src=x onerror=alert(2)>`
	body := "Intro\n\n<script>alert('body')</script>\n"

	res := mgr.PostForm(base, url.Values{"kind": {"post"}, "t.en.title": {title}, "t.en.body": {body}}).ExpectStatus(http.StatusSeeOther)
	id := testkit.MustUUID(t, strings.TrimPrefix(res.Location(), base+"/"))
	if tr := reloadNode(t, app, tn, id).Translation("en"); tr.Title != title || tr.Body != body {
		t.Fatalf("not stored as typed: %q / %q", tr.Title, tr.Body)
	}
	noRawMarkup := func(t *testing.T, res *testkit.Response) {
		t.Helper()
		for _, raw := range []string{"<script>alert(", "<img src=x", "<img src=\"x\""} {
			if strings.Contains(string(res.Body), raw) {
				t.Errorf("the page contains the raw markup %q", raw)
			}
		}
	}

	t.Run("the node page shows the title and body as text", func(t *testing.T) {
		page := mgr.Get(res.Location()).ExpectStatus(http.StatusOK)
		noRawMarkup(t, page)
		if page.Text("page-title") != title || page.TestID("tr-en-title").AttrOr("value", "") != title {
			t.Errorf("title shown as %q / %q", page.Text("page-title"), page.TestID("tr-en-title").AttrOr("value", ""))
		}
		if page.TestID("tr-en-body").Text() != body {
			t.Errorf("body shown as %q", page.TestID("tr-en-body").Text())
		}
		if !strings.Contains(page.Text("flash-message"), title) {
			t.Errorf("flash %q", page.Text("flash-message"))
		}
	})

	t.Run("the list shows the title as text", func(t *testing.T) {
		list := mgr.Get(base).ExpectStatus(http.StatusOK)
		noRawMarkup(t, list)
		if got := nodeRowTitles(list); !slices.Equal(got, []string{title}) {
			t.Errorf("rows %q", got)
		}
	})

	t.Run("the history shows the title as text", func(t *testing.T) {
		h := mgr.Get(nodePath(tn, id) + "/history").ExpectStatus(http.StatusOK)
		noRawMarkup(t, h)
		if !strings.Contains(h.Text("node-history"), "title: (empty) → "+title) {
			t.Errorf("history %q", h.Text("node-history"))
		}
	})

	t.Run("the preview drops scripts, event handlers, javascript: links and iframes", func(t *testing.T) {
		md := "# Heading\n\n**bold** text\n\n<script>alert(1)</script>\n\n<img src=\"x.png\" onerror=\"alert(2)\">\n\n" +
			"[click](javascript:alert(3)) <a href=\"javascript:alert(4)\">raw</a>\n\n<iframe src=\"https://evil.example/\"></iframe>\n\n" +
			"<p onclick=\"alert(5)\">para</p>"
		p := mgr.PostForm(base+"/preview", url.Values{"locale": {"en"}, "t.en.body": {md}}).ExpectStatus(http.StatusOK)
		out := strings.ToLower(string(p.Body))
		for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "<iframe"} {
			if strings.Contains(out, bad) {
				t.Errorf("the preview contains %q:\n%s", bad, p.Body)
			}
		}
		if !strings.Contains(out, "<h1") || !strings.Contains(out, "<strong>bold</strong>") {
			t.Errorf("the Markdown was not rendered:\n%s", p.Body)
		}
		if !nodesIsFragment(p) {
			t.Error("the preview is a whole page")
		}
	})

	t.Run("a preview for a locale the tenant does not have, or of a huge body, is a 422 with a message", func(t *testing.T) {
		p := mgr.PostForm(base+"/preview", url.Values{"locale": {"xx"}, "t.xx.body": {"# x"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(p.Text("preview-error"), "“xx”") {
			t.Errorf("preview error %q", p.Text("preview-error"))
		}
		p = mgr.PostForm(base+"/preview", url.Values{"locale": {"en"}, "t.en.body": {strings.Repeat("a", 200_001)}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(p.Text("preview-error"), "too long") {
			t.Errorf("preview error %q", p.Text("preview-error"))
		}
	})
}

func TestNodeUpdate(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	n := testkit.Node(t, app.Store, tn).Translation("en", "Original", "English body").
		TranslationInput(models.TranslationInput{Locale: "de", Title: "Ursprung", Slug: "ursprung", Body: "Deutscher Text"}).Create()
	path := nodePath(tn, n.ID)

	// save posts the stored node's form with the changes and returns the response.
	save := func(t *testing.T, id uuid.UUID, set map[string]string) *testkit.Response {
		t.Helper()
		form := nodeForm(reloadNode(t, app, tn, id), tn)
		for k, v := range set {
			form.Set(k, v)
		}
		return mgr.PostForm(nodePath(tn, id), form)
	}
	changedFields := func(c events.Changes) []string {
		var out []string
		for f := range c {
			out = append(out, f)
		}
		slices.Sort(out)
		return out
	}

	t.Run("a new de title keeps its slug, and the event names the title only", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := save(t, n.ID, map[string]string{"t.de.title": "Neu"}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != path {
			t.Errorf("redirect to %q", res.Location())
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"node.translation_updated"}) {
			t.Fatalf("events %v", got)
		}
		ev := nodeTranslationEvents(t, rec)["de"]
		if ev == nil || !slices.Equal(changedFields(ev.Changes), []string{"title"}) || ev.Changes["title"].Old != "Ursprung" || ev.Changes["title"].New != "Neu" {
			t.Fatalf("event %+v", ev)
		}
		got := reloadNode(t, app, tn, n.ID)
		if de := got.Translation("de"); de.Title != "Neu" || de.Slug != "ursprung" || got.Translation("en").Title != "Original" {
			t.Errorf("stored %+v", got.Translations)
		}
		if f := nodesFlashAfter(t, mgr, res); f != "Saved “Original”." {
			t.Errorf("flash %q", f)
		}
	})

	t.Run("a new slug is in the event; an emptied slug is made again from the title", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		save(t, n.ID, map[string]string{"t.de.slug": "neu"}).ExpectStatus(http.StatusSeeOther)
		ev := nodeTranslationEvents(t, rec)["de"]
		if !slices.Equal(changedFields(ev.Changes), []string{"slug"}) || ev.Changes["slug"].Old != "ursprung" || ev.Changes["slug"].New != "neu" {
			t.Fatalf("event %+v", ev.Changes)
		}
		rec = testkit.Events(t, app.Store)
		save(t, n.ID, map[string]string{"t.de.title": "Ganz neu", "t.de.slug": ""}).ExpectStatus(http.StatusSeeOther)
		ev = nodeTranslationEvents(t, rec)["de"]
		if !slices.Equal(changedFields(ev.Changes), []string{"slug", "title"}) || ev.Changes["slug"].New != "ganz-neu" {
			t.Fatalf("event %+v", ev.Changes)
		}
	})

	t.Run("an unchanged form says nothing changed and emits nothing", func(t *testing.T) {
		before := reloadNode(t, app, tn, n.ID)
		rec := testkit.Events(t, app.Store)
		res := save(t, n.ID, nil).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
		if f := nodesFlashAfter(t, mgr, res); !strings.Contains(f, "Nothing changed") {
			t.Errorf("flash %q", f)
		}
		if after := reloadNode(t, app, tn, n.ID); !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("updated_at moved from %v to %v", before.UpdatedAt, after.UpdatedAt)
		}
	})

	t.Run("clearing every field of a locale removes its translation", func(t *testing.T) {
		before := nodesCount(t, app, tn)
		rec := testkit.Events(t, app.Store)
		res := save(t, n.ID, map[string]string{"t.de.title": "", "t.de.slug": "", "t.de.excerpt": "", "t.de.body": ""}).
			ExpectStatus(http.StatusSeeOther)
		if reloadNode(t, app, tn, n.ID).Translation("de") != nil {
			t.Fatal("the de translation is still there")
		}
		if got := nodesCount(t, app, tn); got.translations != before.translations-1 || got.nodes != before.nodes {
			t.Errorf("counts %+v, before %+v", got, before)
		}
		ev := nodeTranslationEvents(t, rec)["de"]
		if c := ev.Changes["title"]; c.Old != "Ganz neu" || c.New != "" {
			t.Errorf("title change %+v", c)
		}
		if c := ev.Changes["body"]; c.Old != "Deutscher Text" || c.New != "" {
			t.Errorf("body change %+v", c)
		}
		if f := nodesFlashAfter(t, mgr, res); !strings.HasPrefix(f, "Saved") {
			t.Errorf("flash %q", f)
		}
		page := mgr.Get(path)
		if page.TestID("tr-de-title").AttrOr("value", "x") != "" || tabState(t, page, "de") != "empty" {
			t.Error("the de tab does not show an empty translation")
		}
	})

	t.Run("moving a page under another page at a new position emits node.updated", func(t *testing.T) {
		parent := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Create()
		child := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Create()
		rec := testkit.Events(t, app.Store)
		save(t, child.ID, map[string]string{"parent_id": parent.ID.String(), "position": "3"}).ExpectStatus(http.StatusSeeOther)
		if got := rec.Types(t); !slices.Equal(got, []string{"node.updated"}) {
			t.Fatalf("events %v", got)
		}
		ev := rec.Emitted(t, "node.updated")[0].(*events.NodeUpdated)
		if c := ev.Changes["parent_id"]; c.Old != "" || c.New != parent.ID.String() {
			t.Errorf("parent change %+v", c)
		}
		if c := ev.Changes["position"]; fmt.Sprint(c.Old) != "0" || fmt.Sprint(c.New) != "3" {
			t.Errorf("position change %+v", c)
		}
		if got := reloadNode(t, app, tn, child.ID); got.ParentID == nil || *got.ParentID != parent.ID || got.Position != 3 {
			t.Errorf("stored %+v", got)
		}
		res := save(t, parent.ID, map[string]string{"parent_id": child.ID.String()}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("node-parent-error"), "under itself or one of its subpages") {
			t.Errorf("a loop is not refused: %q", res.Text("node-parent-error"))
		}
	})

	t.Run("a refused update keeps what was typed and changes nothing", func(t *testing.T) {
		before := reloadNode(t, app, tn, n.ID)
		rec := testkit.Events(t, app.Store)
		long := strings.Repeat("x", models.MaxNodeTitle+1)
		res := save(t, n.ID, map[string]string{"t.en.title": long, "t.de.title": "Neuer Titel", "t.de.body": "Neuer Text"}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("tr-en-title-error"), "at most 200") {
			t.Errorf("message %q", res.Text("tr-en-title-error"))
		}
		if res.TestID("tr-en-title").AttrOr("value", "") != long || res.TestID("tr-de-title").AttrOr("value", "") != "Neuer Titel" ||
			res.TestID("tr-de-body").Text() != "Neuer Text" {
			t.Error("the form lost what was typed")
		}
		if res.TestID("workflow").Length() != 1 || res.Text("page-title") != "Original" {
			t.Error("the refused form is not shown on the node's page")
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events %v", got)
		}
		after := reloadNode(t, app, tn, n.ID)
		if after.Translation("en").Title != "Original" || after.Translation("de") != nil || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("the node changed: %+v", after.Translations)
		}

		hx := nodesHX(mgr, http.MethodPost, path, url.Values{"version": {versionOf(app, "nodes", "id = ?", n.ID)}, "position": {"-4"}, "t.en.title": {"Original"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !nodesIsFragment(hx) || hx.Find("form#node-form").Length() != 1 || hx.Text("node-position-error") == "" {
			t.Errorf("want the #node-form fragment with the message:\n%.1000s", hx.Body)
		}
	})

	t.Run("a slug another post uses is refused on update too", func(t *testing.T) {
		testkit.Node(t, app.Store, tn).TranslationInput(models.TranslationInput{Locale: "en", Title: "Neighbour", Slug: "neighbour"}).Create()
		rec := testkit.Events(t, app.Store)
		res := save(t, n.ID, map[string]string{"t.en.slug": "neighbour"}).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Text("tr-en-slug-error") != "This slug is already used by another post in en." {
			t.Errorf("message %q", res.Text("tr-en-slug-error"))
		}
		if reloadNode(t, app, tn, n.ID).Translation("en").Slug != "original" || len(rec.Types(t)) != 0 {
			t.Error("the clashing slug was saved")
		}
	})

	t.Run("the kind of a node cannot be changed", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := save(t, n.ID, map[string]string{"kind": "page"}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "cannot be changed") {
			t.Errorf("summary %q", res.Text("flash"))
		}
		if reloadNode(t, app, tn, n.ID).Kind != models.NodePost || len(rec.Types(t)) != 0 {
			t.Error("the kind changed")
		}
	})

	t.Run("a published node keeps its title in the default locale", func(t *testing.T) {
		pub := testkit.Node(t, app.Store, tn).Translation("en", "Live", "").Translation("de", "Live de", "").Published().Create()
		rec := testkit.Events(t, app.Store)
		res := save(t, pub.ID, map[string]string{"t.en.title": "", "t.en.slug": "", "t.en.excerpt": "", "t.en.body": ""}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("tr-en-title-error"), "unpublish it first") {
			t.Errorf("message %q", res.Text("tr-en-title-error"))
		}
		if reloadNode(t, app, tn, pub.ID).Translation("en") == nil || len(rec.Types(t)) != 0 {
			t.Error("the default-locale translation of a published node was removed")
		}
	})
}

func TestNodeWorkflow(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	n := testkit.Node(t, app.Store, tn).Translation("en", "Workflow", "").Create()
	path := nodePath(tn, n.ID)

	buttons := func(res *testkit.Response) []string {
		var out []string
		for _, id := range []string{"move-published", "move-draft", "move-archived", "delete-node", "save-node"} {
			if res.TestID(id).Length() > 0 {
				out = append(out, id)
			}
		}
		return out
	}
	move := func(t *testing.T, to string, wantEvent string) {
		t.Helper()
		rec := testkit.Events(t, app.Store)
		res := mgr.PostForm(path+"/status", url.Values{"to": {to}}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != path {
			t.Errorf("redirect to %q", res.Location())
		}
		if got := rec.Types(t); !slices.Equal(got, []string{wantEvent}) {
			t.Fatalf("moving to %s: events %v, want [%s]", to, got, wantEvent)
		}
		if got := reloadNode(t, app, tn, n.ID).Status; got != to {
			t.Fatalf("status %s, want %s", got, to)
		}
		if f := nodesFlashAfter(t, mgr, res); !strings.HasPrefix(f, "“Workflow” ") {
			t.Errorf("flash %q", f)
		}
	}

	t.Run("a draft offers Publish, Delete and Save to a manager", func(t *testing.T) {
		res := mgr.Get(path).ExpectStatus(http.StatusOK)
		if got := buttons(res); !slices.Equal(got, []string{"move-published", "delete-node", "save-node"}) {
			t.Errorf("buttons %v", got)
		}
		if res.Text("published-at") != "—" || res.TestID("read-only").Length() != 0 {
			t.Errorf("published-at %q", res.Text("published-at"))
		}
		if _, ok := res.TestID("delete-node").Closest("form").Attr("data-confirm"); !ok {
			t.Error("delete does not ask first")
		}
	})

	t.Run("publishing sets published_at and emits node.published", func(t *testing.T) {
		move(t, models.NodePublished, "node.published")
		if reloadNode(t, app, tn, n.ID).PublishedAt == nil {
			t.Fatal("published_at is not set")
		}
		res := mgr.Get(path)
		if got := buttons(res); !slices.Equal(got, []string{"move-draft", "move-archived", "delete-node", "save-node"}) {
			t.Errorf("buttons %v", got)
		}
		if res.Text("published-at") == "—" {
			t.Error("the page does not show when it was published")
		}
	})

	t.Run("unpublishing goes back to draft with node.unpublished", func(t *testing.T) {
		move(t, models.NodeDraft, "node.unpublished")
		if reloadNode(t, app, tn, n.ID).PublishedAt != nil {
			t.Error("published_at is still set")
		}
	})

	t.Run("a published node is archived with node.archived and restored as a draft", func(t *testing.T) {
		move(t, models.NodePublished, "node.published")
		move(t, models.NodeArchived, "node.archived")
		if got := buttons(mgr.Get(path)); !slices.Equal(got, []string{"move-draft", "delete-node", "save-node"}) {
			t.Errorf("buttons of an archived node %v", got)
		}
		move(t, models.NodeDraft, "node.updated")
		if reloadNode(t, app, tn, n.ID).PublishedAt != nil {
			t.Error("published_at is still set")
		}
	})

	t.Run("a move the workflow does not allow is a 422 with the reason and changes nothing", func(t *testing.T) {
		for _, to := range []string{models.NodeArchived, models.NodeDraft, "bogus", ""} {
			rec := testkit.Events(t, app.Store)
			res := mgr.PostForm(path+"/status", url.Values{"to": {to}}).ExpectStatus(http.StatusUnprocessableEntity)
			if res.Text("flash") == "" {
				t.Errorf("to %q: no status-error", to)
			}
			if got := reloadNode(t, app, tn, n.ID).Status; got != models.NodeDraft {
				t.Errorf("to %q: status %s", to, got)
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("to %q: events %v", to, got)
			}
		}
		res := mgr.PostForm(path+"/status", url.Values{"to": {models.NodeArchived}})
		if res.Text("flash") != "Cannot move a draft node to archived." {
			t.Errorf("status-error %q", res.Text("flash"))
		}
	})

	t.Run("publishing without a title in the default locale is refused", func(t *testing.T) {
		deOnly := testkit.Node(t, app.Store, tn).Translation("de", "Nur Deutsch", "").Create()
		rec := testkit.Events(t, app.Store)
		res := mgr.PostForm(nodePath(tn, deOnly.ID)+"/status", url.Values{"to": {models.NodePublished}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "Add a title and slug in en before publishing") {
			t.Errorf("status-error %q", res.Text("flash"))
		}
		if res.TestID("panel-en").Find(`[data-testid="tr-en-title-error"]`).Length() != 1 {
			t.Error("the missing en title is not marked in the en tab")
		}
		if got := reloadNode(t, app, tn, deOnly.ID); got.Status != models.NodeDraft || got.PublishedAt != nil {
			t.Errorf("stored %+v", got)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events %v", got)
		}
	})

	t.Run("a customer reads the node without any button", func(t *testing.T) {
		cust, _ := nodesClient(t, app, tn, "customer")
		res := cust.Get(path).ExpectStatus(http.StatusOK)
		if got := buttons(res); len(got) != 0 {
			t.Errorf("a customer is offered %v", got)
		}
		if res.TestID("read-only").Length() != 1 || res.Find("form#node-form fieldset[disabled]").Length() != 1 {
			t.Error("the form is not read-only")
		}
		if res.Find("form#node-form[hx-post]").Length() != 0 {
			t.Error("the read-only form still posts with htmx")
		}
	})

	t.Run("a role that may edit but not publish sees Save without workflow moves", func(t *testing.T) {
		nodesCustomRole(t, app, tn, "editor", models.Permission{Resource: "nodes", Action: "list"},
			models.Permission{Resource: "nodes", Action: "read"}, models.Permission{Resource: "nodes", Action: "update"})
		ed, _ := nodesClient(t, app, tn, "editor")
		res := ed.Get(path).ExpectStatus(http.StatusOK)
		if got := buttons(res); !slices.Equal(got, []string{"save-node"}) {
			t.Errorf("an editor is offered %v", got)
		}
		if res.TestID("read-only").Length() != 0 {
			t.Error("an editor is told the form is read-only")
		}
		ed.PostForm(path+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusForbidden)
		ed.PostForm(path+"/delete", nil).ExpectStatus(http.StatusForbidden)
		if got := reloadNode(t, app, tn, n.ID).Status; got != models.NodeDraft {
			t.Errorf("status %s", got)
		}
		ed.PostForm(path, url.Values{"version": {versionOf(app, "nodes", "id = ?", n.ID)}, "t.en.title": {"Workflow"}, "t.en.slug": {"workflow"}, "t.en.excerpt": {"Edited by an editor"}}).
			ExpectStatus(http.StatusSeeOther)
		if got := reloadNode(t, app, tn, n.ID).Translation("en").Excerpt; got != "Edited by an editor" {
			t.Errorf("the editor's save did not land: %q", got)
		}
	})

	t.Run("deleting removes the node with node.deleted and returns to the list", func(t *testing.T) {
		gone := testkit.Node(t, app.Store, tn).Translation("en", "Doomed", "").Create()
		rec := testkit.Events(t, app.Store)
		res := mgr.PostForm(nodePath(tn, gone.ID)+"/delete", nil).ExpectStatus(http.StatusSeeOther)
		if res.Location() != nodesBase(tn) || !nodeGone(t, app, tn, gone.ID) {
			t.Fatalf("redirect %q, gone %v", res.Location(), nodeGone(t, app, tn, gone.ID))
		}
		if got := nodeEventTypes(t, rec, gone.ID); !slices.Equal(got, []string{"node.deleted"}) {
			t.Errorf("events %v", got)
		}
		if f := nodesFlashAfter(t, mgr, res); f != "Post “Doomed” deleted." {
			t.Errorf("flash %q", f)
		}
		mgr.Get(nodePath(tn, gone.ID)).ExpectStatus(http.StatusNotFound)
	})
}

func TestNodeIsolationAndPermissions(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	cust, _ := nodesClient(t, app, tn, "customer")
	mine := testkit.Node(t, app.Store, tn).Translation("en", "Mine", "").Create()
	foreign := testkit.Node(t, app.Store, other).Translation("en", "Foreign", "").Create()
	base := nodesBase(tn)

	t.Run("another tenant's node is not found here and stays unchanged", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		p := nodePath(tn, foreign.ID)
		mgr.Get(p).ExpectStatus(http.StatusNotFound)
		mgr.Get(p + "/history").ExpectStatus(http.StatusNotFound)
		mgr.PostForm(p, url.Values{"t.en.title": {"Hijacked"}}).ExpectStatus(http.StatusNotFound)
		mgr.PostForm(p+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusNotFound)
		mgr.PostForm(p+"/delete", nil).ExpectStatus(http.StatusNotFound)
		got := reloadNode(t, app, other, foreign.ID)
		if got.Translation("en").Title != "Foreign" || got.Status != models.NodeDraft {
			t.Fatalf("the other tenant's node changed: %+v", got)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Errorf("events %v", types)
		}
	})

	t.Run("a malformed id is not found", func(t *testing.T) {
		p := base + "/not-a-uuid"
		mgr.Get(p).ExpectStatus(http.StatusNotFound)
		mgr.Get(p + "/history").ExpectStatus(http.StatusNotFound)
		mgr.PostForm(p, url.Values{"t.en.title": {"x"}}).ExpectStatus(http.StatusNotFound)
		mgr.PostForm(p+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusNotFound)
		mgr.PostForm(p+"/delete", nil).ExpectStatus(http.StatusNotFound)
	})

	t.Run("a customer may read content but not write it", func(t *testing.T) {
		before := nodesCount(t, app, tn)
		rec := testkit.Events(t, app.Store)
		list := cust.Get(base).ExpectStatus(http.StatusOK)
		if got := nodeRowTitles(list); !slices.Equal(got, []string{"Mine"}) {
			t.Errorf("rows %v", got)
		}
		for _, id := range []string{"new-post", "new-page", "select-node", "select-all", "bulk-publish", "bulk-archive", "bulk-delete"} {
			if list.TestID(id).Length() != 0 {
				t.Errorf("a customer is offered %s", id)
			}
		}
		cust.Get(nodePath(tn, mine.ID)).ExpectStatus(http.StatusOK)
		cust.Get(nodePath(tn, mine.ID) + "/history").ExpectStatus(http.StatusOK)
		cust.Get(base + "/new").ExpectStatus(http.StatusForbidden)
		cust.PostForm(base, url.Values{"kind": {"post"}, "t.en.title": {"By a customer"}}).ExpectStatus(http.StatusForbidden)
		cust.PostForm(nodePath(tn, mine.ID), url.Values{"t.en.title": {"Changed"}}).ExpectStatus(http.StatusForbidden)
		cust.PostForm(nodePath(tn, mine.ID)+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusForbidden)
		cust.PostForm(nodePath(tn, mine.ID)+"/delete", nil).ExpectStatus(http.StatusForbidden)
		cust.PostForm(base+"/bulk/status", url.Values{"ids": {mine.ID.String()}, "to": {models.NodePublished}, "confirm": {"yes"}}).
			ExpectStatus(http.StatusForbidden)
		cust.PostForm(base+"/bulk/delete", url.Values{"ids": {mine.ID.String()}, "confirm": {"yes"}}).ExpectStatus(http.StatusForbidden)
		if got := nodesCount(t, app, tn); got != before {
			t.Errorf("counts %+v, before %+v", got, before)
		}
		if got := reloadNode(t, app, tn, mine.ID); got.Translation("en").Title != "Mine" || got.Status != models.NodeDraft {
			t.Errorf("the node changed: %+v", got)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Errorf("events %v", types)
		}
	})

	t.Run("a customer may preview Markdown", func(t *testing.T) {
		res := cust.PostForm(base+"/preview", url.Values{"locale": {"en"}, "t.en.body": {"*hi*"}}).ExpectStatus(http.StatusOK)
		if !strings.Contains(string(res.Body), "<em>hi</em>") {
			t.Errorf("preview %s", res.Body)
		}
	})

	t.Run("a manager may publish", func(t *testing.T) {
		mgr.PostForm(nodePath(tn, mine.ID)+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusSeeOther)
		if got := reloadNode(t, app, tn, mine.ID).Status; got != models.NodePublished {
			t.Errorf("status %s", got)
		}
	})

	t.Run("without a CSRF token nothing is created or changed", func(t *testing.T) {
		before := nodesCount(t, app, tn)
		mgr.PostFormRaw(base, url.Values{"kind": {"post"}, "t.en.title": {"No token"}}).ExpectStatus(http.StatusForbidden)
		mgr.PostFormRaw(nodePath(tn, mine.ID)+"/delete", url.Values{}).ExpectStatus(http.StatusForbidden)
		if got := nodesCount(t, app, tn); got != before {
			t.Errorf("counts %+v, before %+v", got, before)
		}
	})
}

func TestNodesList(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	alice := testkit.User(t, app.Store).Name("Alice Author").WithRole(tn, "manager").Create()
	bob := testkit.User(t, app.Store).Name("Bob Writer").WithRole(tn, "manager").Create()
	base := nodesBase(tn)
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	apple := testkit.Node(t, app.Store, tn).Author(alice.ID).Translation("en", "Apple pie", "").Translation("de", "Apfelkuchen", "").
		Published().UpdatedAt(at.Add(4 * time.Hour)).Create()
	banana := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Author(bob.ID).Translation("en", "Banana bread", "").
		UpdatedAt(at.Add(3 * time.Hour)).Create()
	berry := testkit.Node(t, app.Store, tn).Author(bob.ID).Translation("de", "Черничный Пирог", "").
		UpdatedAt(at.Add(2 * time.Hour)).Create()
	cherry := testkit.Node(t, app.Store, tn).Author(alice.ID).Translation("en", "Cherry tart", "").Archived().
		UpdatedAt(at.Add(1 * time.Hour)).Create()
	all := []string{"Apple pie", "Banana bread", "Черничный Пирог", "Cherry tart"}

	t.Run("every node is listed, last updated first, with kind, status, languages and author", func(t *testing.T) {
		res := mgr.Get(base).ExpectStatus(http.StatusOK)
		if got := nodeRowTitles(res); !slices.Equal(got, all) {
			t.Fatalf("rows %v, want %v", got, all)
		}
		for _, c := range []struct {
			id         uuid.UUID
			cell, want string
		}{
			{apple.ID, "node-kind", "Post"}, {apple.ID, "node-status", "published"}, {apple.ID, "node-locales", "de, en"},
			{apple.ID, "node-author", "Alice Author"}, {banana.ID, "node-kind", "Page"}, {banana.ID, "node-status", "draft"},
			{berry.ID, "node-locales", "de"}, {berry.ID, "node-author", "Bob Writer"}, {cherry.ID, "node-status", "archived"},
		} {
			if got := nodeRowCell(res, c.id, c.cell); got != c.want {
				t.Errorf("%s of %s: %q, want %q", c.cell, c.id, got, c.want)
			}
		}
		if href := res.Find(`[data-node-id="`+apple.ID.String()+`"] [data-testid="node-title"]`).AttrOr("href", ""); href != nodePath(tn, apple.ID) {
			t.Errorf("the title links to %q", href)
		}
		if got := res.Text("page-info"); got != "Page 1 of 1 · 4 items" {
			t.Errorf("page info %q", got)
		}
		if res.TestID("new-post").AttrOr("href", "") != base+"/new?kind=post" || res.TestID("new-page").AttrOr("href", "") != base+"/new?kind=page" {
			t.Error("the create links are wrong")
		}
		if res.TestID("select-node").Length() != 4 || res.TestID("bulk-publish").Length() != 1 || res.TestID("bulk-delete").Length() != 1 {
			t.Error("a manager is not offered the bulk actions")
		}
		if res.Find(`#nodes-search[hx-get="`+base+`"][hx-target="#nodes-table"][hx-trigger="input changed delay:300ms, search"]`).Length() != 1 {
			t.Error("the search box does not ask htmx for the table as the user types")
		}
		if got := res.Find(`#nodes-author option`).Length(); got != 3 { // anyone, alice, bob
			t.Errorf("the author filter offers %d options", got)
		}
	})

	t.Run("the search finds a title in any locale, in any case, Cyrillic too", func(t *testing.T) {
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"APFEL", []string{"Apple pie"}},
			{"apple", []string{"Apple pie"}},
			{"пирог", []string{"Черничный Пирог"}},
			{"ЧЕРНИЧНЫЙ", []string{"Черничный Пирог"}},
			{"bread", []string{"Banana bread"}},
			{"%", nil},
			{"_", nil},
		} {
			res := mgr.Get(base + "?" + url.Values{"q": {tc.q}}.Encode()).ExpectStatus(http.StatusOK)
			if got := nodeRowTitles(res); !slices.Equal(got, tc.want) {
				t.Errorf("search %q: %v, want %v", tc.q, got, tc.want)
			}
			if got := res.TestID("nodes-search").AttrOr("value", ""); got != tc.q {
				t.Errorf("the search box lost %q: %q", tc.q, got)
			}
		}
	})

	t.Run("each filter narrows the list and stays selected", func(t *testing.T) {
		for _, tc := range []struct {
			query, selectID, value string
			want                   []string
		}{
			{"kind=page", "nodes-kind", "page", []string{"Banana bread"}},
			{"kind=post", "nodes-kind", "post", []string{"Apple pie", "Черничный Пирог", "Cherry tart"}},
			{"status=published", "nodes-status", "published", []string{"Apple pie"}},
			{"status=archived", "nodes-status", "archived", []string{"Cherry tart"}},
			{"status=draft", "nodes-status", "draft", []string{"Banana bread", "Черничный Пирог"}},
			{"locale=de", "nodes-locale", "de", []string{"Apfelkuchen", "Черничный Пирог"}},
			{"author=" + bob.ID.String(), "nodes-author", bob.ID.String(), []string{"Banana bread", "Черничный Пирог"}},
			{"author=" + alice.ID.String() + "&kind=post&status=archived", "nodes-author", alice.ID.String(), []string{"Cherry tart"}},
		} {
			res := mgr.Get(base + "?" + tc.query).ExpectStatus(http.StatusOK)
			if got := nodeRowTitles(res); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			}
			if got := res.Find("#"+tc.selectID+" option[selected]").AttrOr("value", ""); got != tc.value {
				t.Errorf("%s: the %s select shows %q", tc.query, tc.selectID, got)
			}
		}
	})

	t.Run("sorting by title runs both ways, untitled in the display locale last", func(t *testing.T) {
		res := mgr.Get(base + "?sort=title").ExpectStatus(http.StatusOK)
		if got, want := nodeRowTitles(res), []string{"Apple pie", "Banana bread", "Cherry tart", "Черничный Пирог"}; !slices.Equal(got, want) {
			t.Errorf("title ascending: %v, want %v", got, want)
		}
		if got := res.TestID("sort-title").Closest("th").AttrOr("aria-sort", ""); got != "ascending" {
			t.Errorf("aria-sort %q", got)
		}
		flip := res.TestID("sort-title").AttrOr("href", "")
		res = mgr.Get(flip).ExpectStatus(http.StatusOK)
		if got, want := nodeRowTitles(res), []string{"Cherry tart", "Banana bread", "Apple pie", "Черничный Пирог"}; !slices.Equal(got, want) {
			t.Errorf("title descending (%s): %v, want %v", flip, got, want)
		}
		if got := res.TestID("sort-title").Closest("th").AttrOr("aria-sort", ""); got != "descending" {
			t.Errorf("aria-sort %q", got)
		}
		if got := mgr.Get(base).TestID("sort-updated").Closest("th").AttrOr("aria-sort", ""); got != "descending" {
			t.Errorf("the default sort's aria-sort %q", got)
		}
	})

	t.Run("pages of two link to each other", func(t *testing.T) {
		res := mgr.Get(base + "?per_page=2").ExpectStatus(http.StatusOK)
		if got := nodeRowTitles(res); !slices.Equal(got, all[:2]) {
			t.Fatalf("page 1: %v", got)
		}
		if got := res.Text("page-info"); got != "Page 1 of 2 · 4 items" {
			t.Errorf("page info %q", got)
		}
		if res.TestID("prev-page").Length() != 0 {
			t.Error("page 1 links to a previous page")
		}
		// Next follows the keyset cursor of the page's last row, never an OFFSET.
		next := res.TestID("next-page").AttrOr("href", "")
		if !strings.HasPrefix(next, base+"?cursor=") || !strings.HasSuffix(next, "&per_page=2") {
			t.Fatalf("next link %q", next)
		}
		res = mgr.Get(next).ExpectStatus(http.StatusOK)
		if got := nodeRowTitles(res); !slices.Equal(got, all[2:]) || res.TestID("prev-page").Length() != 1 || res.TestID("next-page").Length() != 0 {
			t.Fatalf("page 2: %v", got)
		}
		if got := res.Text("page-info"); got != "Page 2 of 2 · 4 items" {
			t.Errorf("page info %q", got)
		}
		if got := res.TestID("prev-page").AttrOr("href", ""); got != base+"?per_page=2" {
			t.Errorf("page 2 links back to %q", got)
		}
		// An old page=N link still works.
		res = mgr.Get(base + "?page=2&per_page=2").ExpectStatus(http.StatusOK)
		if got := nodeRowTitles(res); !slices.Equal(got, all[2:]) {
			t.Fatalf("page=2: %v", got)
		}
	})

	t.Run("a broken or foreign cursor is a broken page link: 422 and the message, never a 500", func(t *testing.T) {
		a, soon := "a", "soon"
		sorted := models.Cursor{Page: 2, Sort: models.NodeSortTitle, ID: uuid.New(), Key: []*string{&a}}.Encode()
		nullKind := models.Cursor{Page: 2, Sort: models.NodeSortKind, Key: []*string{nil}, ID: uuid.New()}.Encode()
		for _, q := range []string{"cursor=%25%25", "cursor=aGVsbG8", "cursor=" + sorted, "sort=kind&cursor=" + nullKind,
			"cursor=" + models.Cursor{Page: 2, Sort: models.NodeSortUpdated, Desc: true, ID: uuid.New(), Key: []*string{&soon}}.Encode()} {
			res := mgr.Get(base + "?" + q).ExpectStatus(http.StatusUnprocessableEntity)
			if !strings.Contains(res.Text("filter-error"), "page link is broken") || res.TestID("node-row").Length() != 0 {
				t.Errorf("%s: filter-error %q", q, res.Text("filter-error"))
			}
		}
	})

	t.Run("an empty tenant and a search without hits show an empty state", func(t *testing.T) {
		empty := testkit.Tenant(t, app.Store).Create()
		ec, _ := nodesClient(t, app, empty, "manager")
		res := ec.Get(nodesBase(empty)).ExpectStatus(http.StatusOK)
		if !strings.Contains(res.Text("empty-state"), "No posts or pages yet.") || res.TestID("empty-new-post").Length() != 1 {
			t.Errorf("empty state %q", res.Text("empty-state"))
		}
		res = mgr.Get(base + "?q=zzz").ExpectStatus(http.StatusOK)
		if !strings.Contains(res.Text("empty-state"), "Nothing matches “zzz”") || res.TestID("node-row").Length() != 0 {
			t.Errorf("empty state %q", res.Text("empty-state"))
		}
		res = mgr.Get(base + "?page=9").ExpectStatus(http.StatusOK)
		if !strings.Contains(res.Text("empty-state"), "nothing on this page") {
			t.Errorf("a page past the end: %q", res.Text("empty-state"))
		}
		// (page-1)*per_page would overflow int and turn into a negative OFFSET, which PostgreSQL
		// refuses: the page number is capped, so this is an empty page, not a 500.
		res = mgr.Get(base + "?page=1000000000000000000").ExpectStatus(http.StatusOK)
		if !strings.Contains(res.Text("empty-state"), "nothing on this page") {
			t.Errorf("a huge page number: %q", res.Text("empty-state"))
		}
	})

	t.Run("parameters that cannot be used are a 422 with a message", func(t *testing.T) {
		for _, q := range []string{"status=bogus", "sort=bogus", "dir=sideways", "page=0", "page=-1", "page=abc", "per_page=0",
			"per_page=101", "author=not-a-uuid", "locale=xx", "kind=bogus", "q=" + strings.Repeat("x", 201)} {
			res := mgr.Get(base + "?" + q)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", q, res.StatusCode)
				continue
			}
			if res.Text("filter-error") == "" || res.TestID("node-row").Length() != 0 {
				t.Errorf("%s: filter-error %q, %d rows", q, res.Text("filter-error"), res.TestID("node-row").Length())
			}
		}
	})

	t.Run("htmx gets only the table, with the sort state out of band", func(t *testing.T) {
		res := nodesHX(mgr, http.MethodGet, base+"?q=apple&sort=title", nil).ExpectStatus(http.StatusOK)
		if !nodesIsFragment(res) || !strings.Contains(string(res.Body), `id="nodes-table"`) || res.TestID("nodes-filters").Length() != 0 {
			t.Fatalf("want the #nodes-table fragment alone:\n%.1000s", res.Body)
		}
		state := res.Find(`#nodes-sort-state[hx-swap-oob="true"]`)
		if state.Length() != 1 || state.Find(`input[name="sort"]`).AttrOr("value", "") != "title" {
			t.Errorf("the sort state is not swapped out of band:\n%.1000s", res.Body)
		}
		if got := nodeRowTitles(res); !slices.Equal(got, []string{"Apple pie"}) {
			t.Errorf("rows %v", got)
		}
		bad := nodesHX(mgr, http.MethodGet, base+"?status=bogus", nil).ExpectStatus(http.StatusOK)
		if !nodesIsFragment(bad) || bad.Text("filter-error") == "" {
			t.Errorf("a bad filter with htmx:\n%.1000s", bad.Body)
		}
	})
}

func TestNodesBulk(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	other := testkit.Tenant(t, app.Store).Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	base := nodesBase(tn)
	foreign := testkit.Node(t, app.Store, other).Translation("en", "Foreign", "").Create()

	// confirm posts the confirmation page's own form, as the button would.
	confirm := func(t *testing.T, page *testkit.Response) *testkit.Response {
		t.Helper()
		form := page.TestID("bulk-confirm").Find("form")
		vals := url.Values{}
		form.Find(`input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
			if name := s.AttrOr("name", ""); name != "_csrf" {
				vals.Add(name, s.AttrOr("value", ""))
			}
		})
		if vals.Get("confirm") != "yes" {
			t.Fatalf("the confirmation form does not confirm: %v", vals)
		}
		return mgr.PostForm(form.AttrOr("action", ""), vals)
	}
	ids := func(ns ...*models.Node) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID.String())
		}
		return out
	}

	t.Run("publishing three asks first, then publishes those it can and names the one it skipped", func(t *testing.T) {
		x := testkit.Node(t, app.Store, tn).Translation("en", "Xylophone", "").Create()
		y := testkit.Node(t, app.Store, tn).Translation("en", "Yacht", "").Create()
		z := testkit.Node(t, app.Store, tn).Translation("de", "Zeppelin", "").Create()
		rec := testkit.Events(t, app.Store)
		page := mgr.PostForm(base+"/bulk/status", url.Values{"ids": ids(x, y, z), "to": {"published"}, "back": {base}}).
			ExpectStatus(http.StatusOK)
		if got := page.Text("page-title"); got != "Publish 3 items?" {
			t.Errorf("question %q", got)
		}
		if got := page.TestID("bulk-items").Find("li").Length(); got != 3 {
			t.Errorf("%d items listed", got)
		}
		if got := page.Text("bulk-confirm-submit"); got != "Publish 3 items" {
			t.Errorf("button %q", got)
		}
		if got := page.TestID("bulk-cancel").AttrOr("href", ""); got != base {
			t.Errorf("cancel goes to %q", got)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("asking changed something: %v", got)
		}

		res := confirm(t, page).ExpectStatus(http.StatusSeeOther)
		if res.Location() != base {
			t.Errorf("back to %q", res.Location())
		}
		for _, n := range []*models.Node{x, y} {
			if got := reloadNode(t, app, tn, n.ID); got.Status != models.NodePublished || got.PublishedAt == nil {
				t.Errorf("%s: %s", got.Translations[0].Title, got.Status)
			}
		}
		if got := reloadNode(t, app, tn, z.ID).Status; got != models.NodeDraft {
			t.Errorf("Zeppelin: %s", got)
		}
		rows := rec.Rows(t)
		var published []uuid.UUID
		for _, r := range rows {
			if r.EventType != "node.published" {
				t.Errorf("unexpected %s", r.EventType)
			}
			published = append(published, r.AggregateID)
		}
		if len(published) != 2 || !slices.Contains(published, x.ID) || !slices.Contains(published, y.ID) {
			t.Errorf("node.published for %v, want exactly Xylophone and Yacht", published)
		}
		f := nodesFlashAfter(t, mgr, res)
		if !strings.Contains(f, "Published 2 items.") || !strings.Contains(f, "Skipped 1 item: “Zeppelin” — Add a title and slug in en before publishing") {
			t.Errorf("flash %q", f)
		}
	})

	t.Run("another tenant's node in the selection is left alone", func(t *testing.T) {
		mine := testkit.Node(t, app.Store, tn).Translation("en", "Mine to publish", "").Create()
		rec := testkit.Events(t, app.Store)
		page := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {mine.ID.String(), foreign.ID.String()}, "to": {"published"}, "back": {base}}).
			ExpectStatus(http.StatusOK)
		if got := page.Text("page-title"); got != "Publish 1 item?" || strings.Contains(page.Text("bulk-items"), "Foreign") {
			t.Errorf("the question names another tenant's node: %q / %q", got, page.Text("bulk-items"))
		}
		// Posted straight, as a forged form would.
		mgr.PostForm(base+"/bulk/status", url.Values{"ids": {mine.ID.String(), foreign.ID.String()}, "to": {"published"},
			"back": {base}, "confirm": {"yes"}}).ExpectStatus(http.StatusSeeOther)
		if got := reloadNode(t, app, other, foreign.ID).Status; got != models.NodeDraft {
			t.Errorf("the other tenant's node is %s", got)
		}
		if got := nodeEventTypes(t, rec, foreign.ID); len(got) != 0 {
			t.Errorf("events for the other tenant's node: %v", got)
		}
		if got := nodeEventTypes(t, rec, mine.ID); !slices.Equal(got, []string{"node.published"}) {
			t.Errorf("events for this tenant's node: %v", got)
		}
	})

	t.Run("an id selected twice counts once", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Twice", "").Create()
		page := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {n.ID.String(), n.ID.String()}, "to": {"published"}, "back": {base}}).
			ExpectStatus(http.StatusOK)
		if got := page.Text("page-title"); got != "Publish 1 item?" {
			t.Errorf("question %q", got)
		}
	})

	t.Run("deleting two asks first, then deletes each with node.deleted", func(t *testing.T) {
		d1 := testkit.Node(t, app.Store, tn).Translation("en", "Delete me", "").Create()
		d2 := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Translation("en", "Delete me too", "").Create()
		rec := testkit.Events(t, app.Store)
		page := mgr.PostForm(base+"/bulk/delete", url.Values{"ids": ids(d1, d2), "back": {base}}).ExpectStatus(http.StatusOK)
		if got := page.Text("page-title"); got != "Delete 2 items?" {
			t.Errorf("question %q", got)
		}
		if nodeGone(t, app, tn, d1.ID) || nodeGone(t, app, tn, d2.ID) {
			t.Fatal("deleted before the confirmation")
		}
		res := confirm(t, page).ExpectStatus(http.StatusSeeOther)
		if !nodeGone(t, app, tn, d1.ID) || !nodeGone(t, app, tn, d2.ID) {
			t.Fatal("not deleted")
		}
		if got := nodeEventTypes(t, rec, d1.ID); !slices.Equal(got, []string{"node.deleted"}) {
			t.Errorf("events of the first: %v", got)
		}
		if got := nodeEventTypes(t, rec, d2.ID); !slices.Equal(got, []string{"node.deleted"}) {
			t.Errorf("events of the second: %v", got)
		}
		if got := rec.Types(t); len(got) != 2 {
			t.Errorf("events %v", got)
		}
		if f := nodesFlashAfter(t, mgr, res); f != "Deleted 2 items." {
			t.Errorf("flash %q", f)
		}
	})

	t.Run("no selection, a damaged one or an unknown action is a 422 above the table", func(t *testing.T) {
		keep := testkit.Node(t, app.Store, tn).Translation("en", "Stays", "").Create()
		tooMany := []string{keep.ID.String()}
		for len(tooMany) <= models.MaxBulkNodes {
			tooMany = append(tooMany, uuid.NewString())
		}
		before := nodesCount(t, app, tn)
		rec := testkit.Events(t, app.Store)
		for _, tc := range []struct {
			path    string
			form    url.Values
			message string
		}{
			{"/bulk/status", url.Values{"to": {"published"}, "back": {base}}, "Select at least one item first."},
			{"/bulk/delete", url.Values{"back": {base}, "confirm": {"yes"}}, "Select at least one item first."},
			{"/bulk/status", url.Values{"ids": {"not-a-uuid"}, "to": {"published"}, "back": {base}}, "damaged"},
			{"/bulk/delete", url.Values{"ids": {keep.ID.String(), "not-a-uuid"}, "back": {base}, "confirm": {"yes"}}, "damaged"},
			{"/bulk/status", url.Values{"ids": {keep.ID.String()}, "to": {"bogus"}, "back": {base}}, "Choose publish, archive or move to draft."},
			{"/bulk/status", url.Values{"ids": {foreign.ID.String()}, "to": {"published"}, "back": {base}}, "None of the selected items exist any more."},
			{"/bulk/delete", url.Values{"ids": tooMany, "back": {base}, "confirm": {"yes"}}, "Select at most 100 items at a time."},
		} {
			res := mgr.PostForm(base+tc.path, tc.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s %v: status %d, want 422", tc.path, tc.form, res.StatusCode)
				continue
			}
			if !strings.Contains(res.Text("bulk-error"), tc.message) {
				t.Errorf("%s %v: bulk-error %q, want %q", tc.path, tc.form, res.Text("bulk-error"), tc.message)
			}
			if res.TestID("node-row").Length() == 0 {
				t.Errorf("%s: the list is not shown again", tc.path)
			}
		}
		if nodesCount(t, app, tn) != before || len(rec.Types(t)) != 0 || nodeGone(t, app, tn, keep.ID) {
			t.Error("a refused bulk action changed something")
		}
	})

	t.Run("the refusal is shown even when the list it returns to is empty", func(t *testing.T) {
		back := base + "?q=nothing-matches-this"
		res := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {foreign.ID.String()}, "to": {"published"}, "back": {back}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("bulk-error"), "None of the selected items exist any more.") {
			t.Errorf("a 422 without a visible reason; bulk-error %q, empty-state %q", res.Text("bulk-error"), res.Text("empty-state"))
		}
	})

	t.Run("the way back stays on this tenant's list", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Translation("en", "Draft to not archive", "").Create()
		for _, tc := range []struct{ back, want string }{
			{"https://evil.example/", base},
			{"//evil.example", base},
			{"/\\evil.example", base},
			{"/t/" + other.Slug + "/nodes", base},
			{base + "evil", base},
			{base + "?status=draft", base + "?status=draft"},
		} {
			page := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {n.ID.String()}, "to": {"archived"}, "back": {tc.back}}).
				ExpectStatus(http.StatusOK)
			if got := page.TestID("bulk-cancel").AttrOr("href", ""); got != tc.want {
				t.Errorf("back %q: cancel goes to %q, want %q", tc.back, got, tc.want)
			}
			res := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {n.ID.String()}, "to": {"archived"}, "back": {tc.back}, "confirm": {"yes"}}).
				ExpectStatus(http.StatusSeeOther)
			if res.Location() != tc.want {
				t.Errorf("back %q: redirected to %q, want %q", tc.back, res.Location(), tc.want)
			}
		}
		if f := nodesFlashAfter(t, mgr, mgr.PostForm(base+"/bulk/status", url.Values{"ids": {n.ID.String()}, "to": {"archived"}, "confirm": {"yes"}})); !strings.Contains(f, "Cannot move a draft node to archived.") {
			t.Errorf("flash %q", f)
		}
		if got := reloadNode(t, app, tn, n.ID).Status; got != models.NodeDraft {
			t.Errorf("status %s", got)
		}
	})
}

func TestNodeHistory(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	base := nodesBase(tn)
	hanna := testkit.User(t, app.Store).Name("Hanna History").WithRole(tn, "manager").Create()
	hc := testkit.Client(t, app).LoginAs(hanna)
	hc.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	cust, _ := nodesClient(t, app, tn, "customer")

	res := hc.PostForm(base, url.Values{"kind": {"post"}, "t.en.title": {"Alpha"}, "t.en.body": {"Hello"}}).ExpectStatus(http.StatusSeeOther)
	id := testkit.MustUUID(t, strings.TrimPrefix(res.Location(), base+"/"))
	path := nodePath(tn, id)
	hc.PostForm(path, url.Values{"version": {versionOf(app, "nodes", "id = ?", id)}, "t.en.title": {"Beta"}, "t.en.slug": {""}, "t.en.body": {"Hello"}}).ExpectStatus(http.StatusSeeOther)
	hc.PostForm(path+"/status", url.Values{"to": {"published"}}).ExpectStatus(http.StatusSeeOther)

	lines := func(res *testkit.Response) []string {
		var out []string
		res.Find(`[data-testid="history-summary"] li`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.TrimSpace(s.Text()))
		})
		return out
	}
	texts := func(res *testkit.Response, id string) []string {
		var out []string
		res.TestID(id).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
		return out
	}

	t.Run("the node page loads the history with htmx", func(t *testing.T) {
		page := hc.Get(path).ExpectStatus(http.StatusOK)
		if got := page.TestID("node-history-slot").AttrOr("hx-get", ""); got != path+"/history" {
			t.Errorf("history hx-get %q", got)
		}
	})

	t.Run("it names who did what, newest first, with the changes in words", func(t *testing.T) {
		h := nodesHX(hc, http.MethodGet, path+"/history", nil).ExpectStatus(http.StatusOK) // as hx-get asks for it
		if !nodesIsFragment(h) || h.TestID("node-history").Length() != 1 {
			t.Fatalf("want the #node-history fragment:\n%.1000s", h.Body)
		}
		types := texts(h, "history-type")
		if len(types) != 4 || types[0] != "node.published" || types[3] != "node.created" {
			t.Fatalf("history %v, want node.published first and node.created last", types)
		}
		for _, want := range []string{"node.translation_updated", "node.created", "node.published"} {
			if !slices.Contains(types, want) {
				t.Errorf("%s missing from %v", want, types)
			}
		}
		if got := texts(h, "history-title"); len(got) != 4 || got[0] != "Published" || got[1] != "Slug and title changed" || got[3] != "Post created" {
			t.Errorf("titles %q, want Published, Slug and title changed, …, Post created", got)
		}
		for _, a := range texts(h, "history-actor") {
			if a != "Hanna History" {
				t.Errorf("actor %q, want Hanna History", a)
			}
		}
		got := lines(h)
		for _, want := range []string{"en · title: Alpha → Beta", "en · slug: alpha → beta", "en · title: (empty) → Alpha", "en · body written (5 characters)"} {
			if !slices.Contains(got, want) {
				t.Errorf("summary %q missing from %q", want, got)
			}
		}
		if href := h.Find(`a[data-testid="history-type"]`).First().AttrOr("href", ""); !strings.HasPrefix(href, "/t/"+tn.Slug+"/events/") {
			t.Errorf("a manager's history links to %q", href)
		}
		if href := h.TestID("history-all").AttrOr("href", ""); !strings.Contains(href, id.String()) {
			t.Errorf("the link to all events is %q", href)
		} else {
			hc.Get(href).ExpectStatus(http.StatusOK)
		}
		hc.Get(h.Find(`a[data-testid="history-type"]`).First().AttrOr("href", "")).ExpectStatus(http.StatusOK)
	})

	t.Run("a customer sees the history without links into the event log", func(t *testing.T) {
		h := cust.Get(path + "/history").ExpectStatus(http.StatusOK)
		if got := h.TestID("history-item").Length(); got != 4 {
			t.Errorf("%d items", got)
		}
		if h.Find(`a[href*="/events"]`).Length() != 0 || h.TestID("history-all").Length() != 0 {
			t.Errorf("a customer gets links into the event log:\n%s", h.Body)
		}
		if !slices.Contains(lines(h), "en · title: Alpha → Beta") {
			t.Errorf("summary %q", lines(h))
		}
	})

	t.Run("a change made without a signed-in user is by system", func(t *testing.T) {
		n := testkit.Node(t, app.Store, tn).Create()
		h := hc.Get(nodePath(tn, n.ID) + "/history").ExpectStatus(http.StatusOK)
		if got := texts(h, "history-actor"); len(got) == 0 || got[0] != "system" {
			t.Errorf("actors %v", got)
		}
	})
}

func TestNodesNavigation(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	cust, _ := nodesClient(t, app, tn, "customer")

	t.Run("a customer sees Content in the navigation, linking to the list", func(t *testing.T) {
		dash := cust.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
		link := dash.TestID("nav-nodes")
		if strings.TrimSpace(link.Text()) != "Content" || link.AttrOr("href", "") != nodesBase(tn) {
			t.Fatalf("nav-nodes %q → %q", link.Text(), link.AttrOr("href", ""))
		}
		list := cust.Get(nodesBase(tn)).ExpectStatus(http.StatusOK)
		if !list.TestID("nav-nodes").HasClass("nav-link-active") || list.Text("page-title") != "Content" {
			t.Error("the list does not mark Content as the open section")
		}
	})

	t.Run("a role without content sees no Content link", func(t *testing.T) {
		nodesCustomRole(t, app, tn, "stockist", models.Permission{Resource: "products", Action: "list"})
		c, _ := nodesClient(t, app, tn, "stockist")
		if c.Get("/t/"+tn.Slug+"/").TestID("nav-nodes").Length() != 0 {
			t.Error("a role without nodes:list sees the Content link")
		}
		c.Get(nodesBase(tn)).ExpectStatus(http.StatusForbidden)
	})
}
