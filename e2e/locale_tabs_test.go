package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestLocaleTabsShowFilledOrEmptyAsYouType: in the editor of a post written in en only, the de
// tab says empty; typing a de title makes it say filled in (a check, and the words for a screen
// reader), and clearing it — or leaving only spaces — makes it say empty again.
func TestLocaleTabsShowFilledOrEmptyAsYouType(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Locales("en", "de").Create()
	manager := testkit.User(t, app.Store).Name("Mia Manager").WithRole(tn, "manager").Create()
	post := testkit.Node(t, app.Store, tn).Author(manager.ID).Translation("en", "Spring sale", "").Create()
	baseURL := app.Serve(t)

	ctx := newBrowser(t)
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1280, 900))
	signIn(t, ctx, baseURL, manager.Email, manager.Password)
	run(t, ctx, "wait for the dashboard", chromedp.WaitVisible(tenantName))
	run(t, ctx, "open the post and let its scripts start",
		chromedp.Navigate(baseURL+"/t/"+tn.Slug+"/nodes/"+post.ID.String()),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="node-form"]`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)

	// tab reports what a locale tab shows: "filled", "empty" or something wrong, and the text a
	// screen reader reads in it (innerText skips what is hidden, keeps the sr-only words).
	tab := func(locale string) (state, words string) {
		t.Helper()
		v := get(t, ctx, "read tab-"+locale, chromedp.Evaluate[[]string](`(() => {
			const m = document.querySelector('[data-testid="tab-`+locale+`-state"]');
			const shown = s => { const e = m.querySelector(s); return e && !e.hidden && e.getClientRects().length > 0; };
			const state = shown("[data-when-filled]") && !shown("[data-when-empty]") && m.hasAttribute("data-filled") ? "filled"
				: shown("[data-when-empty]") && !shown("[data-when-filled]") && !m.hasAttribute("data-filled") ? "empty" : "inconsistent";
			return [state, document.getElementById("tab-`+locale+`").innerText.replace(/\s+/g, " ").trim()];
		})()`))
		return v[0], v[1]
	}
	expect := func(when, locale, want, words string) {
		t.Helper()
		state, got := tab(locale)
		if state != want || !strings.Contains(got, words) {
			t.Errorf("%s: tab %s is %s and reads %q; want %s, reading %q", when, locale, state, got, want, words)
		}
	}
	expect("on load", "en", "filled", "filled in")
	expect("on load", "de", "empty", "empty")

	run(t, ctx, "open the de tab and type a title",
		chromedp.Click(chromedp.ID("tab-de")), chromedp.WaitVisible(chromedp.ID("panel-de")),
		chromedp.SendKeys(chromedp.ID("tr-de-title"), "Frühlingsangebot"))
	expect("after typing a de title", "de", "filled", "filled in")
	if _, words := tab("de"); strings.Contains(words, "empty") {
		t.Errorf("the filled de tab still reads %q", words)
	}

	clear := chromedp.Evaluate[chromedp.Void](`document.getElementById("tr-de-title").select()`)
	run(t, ctx, "clear the de title", clear, chromedp.SendKeys(chromedp.ID("tr-de-title"), kb.Delete))
	expect("after clearing the de title", "de", "empty", "empty")
	if _, words := tab("de"); strings.Contains(words, "filled in") {
		t.Errorf("the empty de tab still reads %q", words)
	}

	run(t, ctx, "type only spaces", chromedp.SendKeys(chromedp.ID("tr-de-title"), "   "))
	expect("with only spaces in the de title", "de", "empty", "empty")
	expect("while de is typed in", "en", "filled", "filled in")
}
