package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestNodeFormFitsTheNode(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	post := testkit.Node(t, app.Store, tn).Kind(models.NodePost).Position(3).Translation("en", "A post", "").Create()
	page := testkit.Node(t, app.Store, tn).Kind(models.NodePage).Translation("en", "A page", "").Create()

	t.Run("a post has no parent page or position field, and saving it keeps its position", func(t *testing.T) {
		res := mgr.Get(nodePath(tn, post.ID)).ExpectStatus(http.StatusOK)
		if res.TestID("node-parent").Length() != 0 || res.TestID("node-position").Length() != 0 {
			t.Fatal("a post shows the page-only fields")
		}
		f := url.Values{"version": {versionOf(app, "nodes", "id = ?", post.ID)}, "position": {res.Find(`input[type=hidden][name=position]`).AttrOr("value", "")},
			"t.en.title": {"A post, edited"}, "t.en.slug": {"a-post"}}
		mgr.PostForm(nodePath(tn, post.ID), f).ExpectStatus(http.StatusSeeOther)
		if got := reloadNode(t, app, tn, post.ID).Position; got != 3 {
			t.Errorf("position %d after saving the post, want 3", got)
		}
	})

	t.Run("a page and the create form have both, marked page-only", func(t *testing.T) {
		for _, path := range []string{nodePath(tn, page.ID), nodesBase(tn) + "/new"} {
			res := mgr.Get(path).ExpectStatus(http.StatusOK)
			if res.Find("[data-pages-only] [data-testid=node-parent]").Length() != 1 || res.Find("[data-pages-only] [data-testid=node-position]").Length() != 1 {
				t.Errorf("%s: parent and position are not both there as page-only fields", path)
			}
		}
	})

	t.Run("every translation panel and field says its language", func(t *testing.T) {
		res := mgr.Get(nodePath(tn, page.ID)).ExpectStatus(http.StatusOK)
		for _, loc := range []string{"en", "de"} {
			if got := res.TestID("panel-"+loc).AttrOr("lang", ""); got != loc {
				t.Errorf("panel %s has lang %q", loc, got)
			}
			for _, field := range []string{"title", "slug", "excerpt", "body"} {
				sel := res.Find(`[name="t.` + loc + `.` + field + `"]`)
				if got := sel.AttrOr("lang", ""); got != loc {
					t.Errorf("field t.%s.%s has lang %q", loc, field, got)
				}
			}
		}
	})

	t.Run("the link back to all content is there only for those who may list content", func(t *testing.T) {
		if mgr.Get(nodePath(tn, page.ID)).TestID("back-to-nodes").Length() != 1 {
			t.Error("a manager has no link back to the list")
		}
		nodesCustomRole(t, app, tn, "reader", models.Permission{Resource: "nodes", Action: "read"})
		reader, _ := nodesClient(t, app, tn, "reader")
		if reader.Get(nodePath(tn, page.ID)).ExpectStatus(http.StatusOK).TestID("back-to-nodes").Length() != 0 {
			t.Error("a reader who may not list content is offered the list")
		}
	})
}

// tabState is what a locale tab's marker shows, "filled" or "empty", failing the test unless
// exactly one of the two is shown and data-filled (which static/app.js flips) agrees.
func tabState(t *testing.T, res *testkit.Response, locale string) string {
	t.Helper()
	m := res.TestID("tab-" + locale + "-state")
	_, hideFilled := m.Find("[data-when-filled]").Attr("hidden")
	_, hideEmpty := m.Find("[data-when-empty]").Attr("hidden")
	_, filled := m.Attr("data-filled")
	switch {
	case m.Length() != 1 || hideFilled == hideEmpty || filled == hideFilled:
		t.Fatalf("tab %s: marker %d, filled hidden %v, empty hidden %v, data-filled %v", locale, m.Length(), hideFilled, hideEmpty, filled)
	case filled:
		return "filled"
	}
	return "empty"
}

func TestNodeFormTabsSayWhichLanguagesAreFilledIn(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de", "fr").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	post := testkit.Node(t, app.Store, tn).Translation("en", "A post", "English body").Create()

	t.Run("a language with a title is filled in, one without is empty", func(t *testing.T) {
		res := mgr.Get(nodePath(tn, post.ID)).ExpectStatus(http.StatusOK)
		for loc, want := range map[string]string{"en": "filled", "de": "empty", "fr": "empty"} {
			if got := tabState(t, res, loc); got != want {
				t.Errorf("tab %s is %s, want %s", loc, got, want)
			}
		}
		if got := res.TestID("tab-de-state").AttrOr("data-filled-by", ""); got != "tr-de-title" {
			t.Errorf("the de marker follows %q, want the de title input", got)
		}
	})

	t.Run("the meaning is in words, not colour: a screen reader hears filled in or empty", func(t *testing.T) {
		res := mgr.Get(nodePath(tn, post.ID))
		if got := strings.TrimSpace(res.Find(`[data-testid="tab-en-state"] [data-when-filled] .sr-only`).Text()); got != "filled in" {
			t.Errorf("the filled marker reads %q", got)
		}
		if got := strings.TrimSpace(res.Find(`[data-testid="tab-de-state"] [data-when-empty]`).Text()); got != "empty" {
			t.Errorf("the empty marker reads %q", got)
		}
	})

	t.Run("a refused save marks the tabs by the title as typed, the rule the script uses", func(t *testing.T) {
		f := url.Values{"version": {versionOf(app, "nodes", "id = ?", post.ID)}, "position": {"0"},
			"t.en.title": {"  "}, "t.en.body": {"English body"}, // a stored title cleared: empty
			"t.de.title": {"Ein Beitrag"}, "t.de.slug": {"Not A Slug!"}} // typed, with a bad slug: filled
		res := mgr.PostForm(nodePath(tn, post.ID), f).ExpectStatus(http.StatusUnprocessableEntity)
		for loc, want := range map[string]string{"en": "empty", "de": "filled", "fr": "empty"} {
			if got := tabState(t, res, loc); got != want {
				t.Errorf("after the refused save, tab %s is %s, want %s", loc, got, want)
			}
		}
		if got := res.TestID("tab-de").Find(".sr-only").First().Text(); got != "has errors" {
			t.Errorf("the de tab's error marker reads %q to a screen reader", got)
		}
	})
}
