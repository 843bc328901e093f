package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestBrowserStoresItsTimeZoneAndPagesShowLocalTimes: a browser in Adelaide signs in to a
// user with no zone stored. The first page, rendered in UTC, shows its times in Adelaide time
// (the script), and the browser posts its zone; the user row then has it. The next page arrives
// rendered in Adelaide time by the server, with the same text the script writes, UTC in the
// title, and the browser posts nothing more.
func TestBrowserStoresItsTimeZoneAndPagesShowLocalTimes(t *testing.T) {
	t.Parallel()
	const zone = "Australia/Adelaide" // +10:30 in March: a half-hour zone with summer time
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Locales("en").Create()
	manager := testkit.User(t, app.Store).Name("Mia Manager").WithRole(tn, "manager").Create()
	updated := time.Date(2024, 3, 1, 12, 5, 0, 0, time.UTC)
	node := testkit.Node(t, app.Store, tn).Author(manager.ID).Translation("en", "Spring sale", "").UpdatedAt(updated).Create()
	baseURL := app.Serve(t)
	listPath := "/t/" + tn.Slug + "/nodes"
	adelaide, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	wantText, wantTitle := updated.In(adelaide).Format("2006-01-02 15:04"), "2024-03-01 12:05:00 UTC"

	ctx := newBrowser(t)
	run(t, ctx, "set a desktop viewport and the Adelaide time zone", chromedp.EmulateViewport(1280, 900),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
			return err
		}))
	run(t, ctx, "open the content list, which asks to sign in first, and sign in",
		chromedp.Navigate(baseURL+listPath),
		chromedp.SendKeys(emailInput, manager.Email),
		chromedp.SendKeys(passwordInput, manager.Password),
		chromedp.Click(signInButton),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="nodes-table"]`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)
	if got := get(t, ctx, "read the browser's zone", chromedp.Evaluate[string](`Intl.DateTimeFormat().resolvedOptions().timeZone`)); got != zone {
		t.Fatalf("the browser reports %q, want %s", got, zone)
	}
	// read returns the updated time of the node as the page shows it, and as the server sent it.
	updatedTime := `document.querySelector('[data-node-id="` + node.ID.String() + `"] time')`
	read := func(what string) (shown, title, sent string) {
		t.Helper()
		v := get(t, ctx, what, chromedp.Evaluate[[]string](`fetch(location.href).then(r => r.text()).then(html => {
			const served = new DOMParser().parseFromString(html, "text/html").querySelector('[data-node-id="`+node.ID.String()+`"] time');
			const el = `+updatedTime+`;
			return [el.textContent.trim(), el.title, served.textContent.trim()];
		})`, chromedp.EvalAwaitPromise))
		return v[0], v[1], v[2]
	}

	// The first page: nothing was stored when the server rendered it in UTC; the script rewrote it.
	shown := get(t, ctx, "read the updated time", chromedp.Evaluate[[]string](`[`+updatedTime+`.textContent.trim(), `+updatedTime+`.title]`))
	if shown[0] != wantText || shown[1] != wantTitle {
		t.Errorf("before the zone is stored: time %q, title %q; want %s (Adelaide, by the script) and %s", shown[0], shown[1], wantText, wantTitle)
	}
	waitFor(t, ctx, "the page to note that its zone report was taken", `document.body.dataset.timeZone === "`+zone+`"`, `document.body.dataset.timeZone`)
	testkit.Eventually(t, contentWait, "the browser's zone to be stored for the user", func() bool {
		u, err := app.Store.UserByID(context.Background(), manager.ID)
		return err == nil && u.TimeZone != nil && *u.TimeZone == zone
	})

	// The next page: the server renders in the stored zone, and the script changes nothing.
	run(t, ctx, "reload the content list", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid="nodes-table"]`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)))
	if got := get(t, ctx, "read the rendered zone", chromedp.Evaluate[string](`document.body.dataset.timeZone`)); got != zone {
		t.Errorf("the reloaded page says it was rendered in %q, want %s", got, zone)
	}
	text, title, sent := read("read the updated time, shown and sent")
	if sent != wantText || text != wantText || title != wantTitle {
		t.Errorf("after the zone is stored: server's text %q, shown %q, title %q; want %s for both and %s", sent, text, title, wantText, wantTitle)
	}
	// Give a post the time to start, had the script wrongly sent one, before counting.
	time.Sleep(200 * time.Millisecond)
	if n := get(t, ctx, "count the zone reports", chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter(e => e.name.endsWith("/account/time-zone")).length`)); n != 0 {
		t.Errorf("the page rendered in the browser's zone posted it again (%d requests)", n)
	}
}
