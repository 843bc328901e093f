package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestBulkKit checks the bulk mechanism's rules (handlers/bulk.go, views/components/bulk.templ)
// on the node list, its first user.
func TestBulkKit(t *testing.T) {
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	base := nodesBase(tn)
	draft := testkit.Node(t, app.Store, tn).Translation("en", "Draft", "").Create()
	german := testkit.Node(t, app.Store, tn).Translation("de", "Nur Deutsch", "").Create()
	live := testkit.Node(t, app.Store, tn).Translation("en", "Live", "").Published().Create()

	t.Run("each row names only the actions it can take", func(t *testing.T) {
		res := mgr.Get(base).ExpectStatus(http.StatusOK)
		for id, want := range map[string]string{
			draft.ID.String():  "published delete",
			german.ID.String(): "delete", // no title in the default language: cannot be published
			live.ID.String():   "archived delete",
		} {
			box := res.Find(`input[name="ids"][value="` + id + `"]`)
			if got := box.AttrOr("data-bulk-actions", "?"); got != want {
				t.Errorf("row %s: data-bulk-actions %q, want %q", id, got, want)
			}
		}
	})

	t.Run("the buttons name their action for the script and arrive enabled, so they work without JavaScript", func(t *testing.T) {
		res := mgr.Get(base).ExpectStatus(http.StatusOK)
		form := res.Find("form[data-bulk]#nodes-bulk")
		if form.Length() != 1 {
			t.Fatal("no bulk form")
		}
		for testID, key := range map[string]string{"bulk-publish": "published", "bulk-archive": "archived", "bulk-delete": "delete"} {
			btn := res.TestID(testID)
			if btn.AttrOr("data-bulk-action", "") != key {
				t.Errorf("%s: data-bulk-action %q", testID, btn.AttrOr("data-bulk-action", ""))
			}
			if _, disabled := btn.Attr("disabled"); disabled {
				t.Errorf("%s is disabled in the HTML: without JavaScript it could never be used", testID)
			}
		}
	})

	t.Run("the confirmation names what will move and what will be skipped, and why", func(t *testing.T) {
		page := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {draft.ID.String(), german.ID.String(), live.ID.String()},
			"to": {"published"}, "back": {base}}).ExpectStatus(http.StatusOK)
		if got := page.Text("bulk-summary"); got != "1 item will be published; 2 items will be skipped, as listed." {
			t.Errorf("summary %q", got)
		}
		skips := page.TestID("bulk-skip")
		if skips.Length() != 2 || !strings.Contains(skips.Text(), "Add a title and slug in en") || !strings.Contains(skips.Text(), "Cannot move a published node to published.") {
			t.Errorf("skips %q", skips.Text())
		}
		if page.Find(`[data-bulk-item="`+draft.ID.String()+`"] [data-testid="bulk-skip"]`).Length() != 0 {
			t.Error("the draft that can be published is listed as skipped")
		}
	})

	t.Run("a delete skips nothing in advance", func(t *testing.T) {
		page := mgr.PostForm(base+"/bulk/delete", url.Values{"ids": {draft.ID.String(), live.ID.String()}, "back": {base}}).ExpectStatus(http.StatusOK)
		if got := page.Text("bulk-summary"); got != "2 items will be deleted." || page.TestID("bulk-skip").Length() != 0 {
			t.Errorf("summary %q, %d skips", got, page.TestID("bulk-skip").Length())
		}
	})

	t.Run("the result names what was skipped and why; the others moved in the same request", func(t *testing.T) {
		res := mgr.PostForm(base+"/bulk/status", url.Values{"ids": {draft.ID.String(), german.ID.String()}, "to": {"published"},
			"back": {base}, "confirm": {"yes"}})
		f := nodesFlashAfter(t, mgr, res)
		if !strings.Contains(f, "Published 1 item.") || !strings.Contains(f, "Skipped 1 item: “Nur Deutsch” — Add a title and slug in en before publishing.") {
			t.Errorf("flash %q", f)
		}
	})
}
