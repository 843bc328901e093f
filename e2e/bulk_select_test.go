package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestBulkButtonsFollowTheSelection checks static/app.js's part of the bulk mechanism in a real
// browser: the bulk buttons are disabled until something is selected, and an action is offered
// only while at least one selected row can take it.
func TestBulkButtonsFollowTheSelection(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	manager := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	draft := testkit.Node(t, app.Store, tn).Translation("en", "Draft", "").Create()
	live := testkit.Node(t, app.Store, tn).Translation("en", "Live", "").Published().Create()
	baseURL := app.Serve(t)

	ctx := newBrowser(t)
	signIn(t, ctx, baseURL, manager.Email, manager.Password)
	run(t, ctx, "wait for the dashboard", chromedp.WaitVisible(tenantName))
	run(t, ctx, "open the content list",
		chromedp.Navigate(baseURL+"/t/"+tn.Slug+"/nodes"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="nodes-bulk"]`)),
	)
	// enabled says which of publish, archive and delete can be clicked, as "1 0 1".
	const enabled = `["bulk-publish","bulk-archive","bulk-delete"].map(function (id) {
		return document.querySelector('[data-testid="' + id + '"]').disabled ? "0" : "1"; }).join(" ")`
	box := func(id string) chromedp.CSS { return chromedp.CSS(`input[name="ids"][value="` + id + `"]`) }
	steps := []struct {
		what  string
		click chromedp.CSS
		want  string
	}{
		{"nothing selected: every button is disabled", "", "0 0 0"},
		{"a draft selected: publish and delete", box(draft.ID.String()), "1 0 1"},
		{"a published node added: archive too", box(live.ID.String()), "1 1 1"},
		{"only the published node: archive and delete", box(draft.ID.String()), "0 1 1"},
		{"nothing selected again: disabled again", box(live.ID.String()), "0 0 0"},
		{"select all: every action some row can take", `[data-testid="select-all"]`, "1 1 1"},
	}
	for _, s := range steps {
		if s.click != "" {
			run(t, ctx, "click for: "+s.what, chromedp.Click(s.click))
		}
		waitFor(t, ctx, s.what, enabled+` === "`+s.want+`"`, enabled)
	}
	if got := text(t, ctx, `[data-testid="selected-count"]`); got != "2 items selected:" {
		t.Errorf("selected count %q", got)
	}
}
