package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

func TestNodeEditorWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	mgr, _ := nodesClient(t, app, tn, "manager")
	n := testkit.Node(t, app.Store, tn).Translation("en", "No script", "Original body").Create()
	path := nodePath(tn, n.ID)

	t.Run("every locale tab is a link that opens the page with that tab shown", func(t *testing.T) {
		res := mgr.Get(path).ExpectStatus(http.StatusOK)
		tab := res.Find(`a[role="tab"][data-testid="tab-de"]`)
		if got, want := tab.AttrOr("href", ""), path+"?tab=de#tab-de"; got != want {
			t.Fatalf("the de tab links to %q, want %q", got, want)
		}
		res = mgr.Get(path + "?tab=de").ExpectStatus(http.StatusOK)
		if _, hidden := res.TestID("panel-de").Attr("hidden"); hidden {
			t.Error("?tab=de leaves the de panel hidden")
		}
		if _, hidden := res.TestID("panel-en").Attr("hidden"); !hidden {
			t.Error("?tab=de still shows the en panel")
		}
		if res.TestID("tab-de").AttrOr("aria-selected", "") != "true" {
			t.Error("the de tab is not selected")
		}
	})

	t.Run("Refresh preview submits the form and the page comes back as typed, previewed and unsaved", func(t *testing.T) {
		page := mgr.Get(path).ExpectStatus(http.StatusOK)
		btn := page.TestID("preview-de-button")
		if btn.AttrOr("type", "") != "submit" || btn.AttrOr("name", "") != "preview" || btn.AttrOr("value", "") != "de" {
			t.Fatal("the preview button does not submit the form")
		}
		f := nodeForm(n, tn)
		f.Set("t.de.title", "Ohne Skript")
		f.Set("t.de.body", "Ein **fetter** Text")
		f.Set("preview", "de")
		res := mgr.PostForm(path, f).ExpectStatus(http.StatusOK)
		if html, _ := res.TestID("preview-de").Html(); !strings.Contains(html, "<strong>fetter</strong>") {
			t.Errorf("preview %q", html)
		}
		if _, hidden := res.TestID("panel-de").Attr("hidden"); hidden || res.TestID("tr-de-title").AttrOr("value", "") != "Ohne Skript" {
			t.Error("the de tab is not open with what was typed")
		}
		if res.TestID("flash").Length() != 0 {
			t.Error("the preview shows errors")
		}
		if reloadNode(t, app, tn, n.ID).Translation("de") != nil {
			t.Error("the preview saved the translation")
		}
	})

	t.Run("the history link opens a styled page; htmx still gets the panel alone", func(t *testing.T) {
		res := mgr.Get(path + "/history").ExpectStatus(http.StatusOK)
		if !strings.Contains(string(res.Body), "<html") || res.TestID("fragment-page").Length() != 1 ||
			res.Find(`link[rel="stylesheet"]`).Length() == 0 || res.TestID("fragment-back").AttrOr("href", "") != path {
			t.Fatalf("not a styled page with a way back:\n%.1500s", res.Body)
		}
		hx := nodesHX(mgr, http.MethodGet, path+"/history", nil).ExpectStatus(http.StatusOK)
		if strings.Contains(string(hx.Body), "<html") {
			t.Error("htmx got a whole page")
		}
		mgr.Get(nodesBase(tn) + "/00000000-0000-0000-0000-000000000000/history").ExpectStatus(http.StatusNotFound)
	})
}
