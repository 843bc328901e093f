package handlers_test

import (
	"net/http"
	"net/url"
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
