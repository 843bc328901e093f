package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestTwoFactorEnrolSignInAndEndAnotherSession is a manager turning on two-factor sign-in in the
// browser: the account page links to the set-up, whose secret (read off the page, as an app
// would scan it) gives the code that turns it on and shows 10 recovery codes once. Signed out
// and in again, the password leads to the code page, and the app's next code signs in. A second
// session of the user, opened elsewhere with one of those recovery codes, is listed on the
// account page beside this one ("This one"); signing it out through the confirmation dialog
// leaves one row, and that other client is signed out. user.logged_in says which second factor
// each sign-in used. The set-up, the codes, the code page and the sessions pass axe at 390 and
// 1440 px, light and dark.
func TestTwoFactorEnrolSignInAndEndAnotherSession(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Locales("en").Create()
	u := testkit.User(t, app.Store).Name("Mia Manager").WithRole(tn, "manager").Create()
	baseURL := app.Serve(t)
	rec := testkit.Events(t, app.Store)
	ctx := newBrowserFor(t, 2*time.Minute)

	// check runs axe at both widths and themes, and leaves the page light at 1440 px.
	check := func(what string) {
		t.Helper()
		for _, w := range []struct {
			name          string
			width, height int64
		}{{"390", 390, 844}, {"1440", 1440, 900}} {
			run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
			for _, dark := range []bool{true, false} {
				setTheme(t, ctx, dark)
				checkPage(t, ctx, what+" "+w.name+theme(dark), w.width < 500)
			}
		}
	}
	count := func(sel string) int {
		t.Helper()
		return get(t, ctx, "count "+sel, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
	}

	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1440, 900))
	signIn(t, ctx, baseURL, u.Email, u.Password)
	run(t, ctx, "wait for the dashboard", chromedp.WaitVisible(tenantName))

	// 1. The set-up, from the account page: the QR code and the secret it holds.
	run(t, ctx, "open the account page and follow Set up two-factor sign-in",
		chromedp.Navigate(baseURL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="two-factor-card"] [data-testid="two-factor-off"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="set-up-two-factor"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="enrol-form"]`)),
	)
	if p := currentPath(t, ctx); p != "/account/two-factor" {
		t.Fatalf("Set up two-factor sign-in went to %s, want /account/two-factor", p)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector('[data-testid="totp-qr"]'); return i.complete && i.naturalWidth > 0 })()`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		src := get(t, ctx, "read the QR code's src", chromedp.Evaluate[string](`document.querySelector('[data-testid="totp-qr"]').getAttribute("src").slice(0, 60)`))
		t.Errorf("the QR code does not show (%v): its src is %q, want a data:image/png URI", err, src)
	}
	secret := strings.ReplaceAll(text(t, ctx, `[data-testid="totp-secret"]`), " ", "")
	if len(secret) < 16 || strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("the page's secret %q is not a base32 key", secret)
	}
	check("two-factor set-up")

	// 2. The app's code turns it on; the 10 recovery codes are shown once.
	run(t, ctx, "enter the app's code",
		chromedp.SendKeys(chromedp.ID("enrol-code"), testkit.TOTPCode(t, secret, time.Now())),
		chromedp.SendKeys(chromedp.ID("enrol-password"), u.Password),
		chromedp.Click(chromedp.CSS(`[data-testid="enrol-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="recovery-codes"]`)),
	)
	codes := get(t, ctx, "read the recovery codes", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="recovery-code"]'), e => e.textContent.trim())`))
	if len(codes) != 10 || slices.Contains(codes, "") || len(slices.Compact(slices.Sorted(slices.Values(codes)))) != 10 {
		t.Fatalf("the page shows the recovery codes %q, want 10 different ones", codes)
	}
	check("recovery codes")
	run(t, ctx, "continue to the account page",
		chromedp.Click(chromedp.CSS(`[data-testid="codes-saved"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="two-factor-card"] [data-testid="two-factor-on"]`)),
	)
	if got := text(t, ctx, `[data-testid="two-factor-status"]`); !strings.Contains(got, "10 recovery codes are left.") {
		t.Errorf("the account page's two-factor status says %q, want it on with 10 recovery codes left", got)
	}

	// 3. Sign out from the user menu, and in again: the password asks for the code.
	run(t, ctx, "sign out from the user menu",
		chromedp.Click(chromedp.CSS(`[data-testid="user-menu"] summary`)),
		chromedp.Click(chromedp.CSS(`[data-testid="sign-out"]`)),
		chromedp.WaitVisible(emailInput),
	)
	signIn(t, ctx, baseURL, u.Email, u.Password)
	run(t, ctx, "wait for the code page", chromedp.WaitVisible(chromedp.CSS(`[data-testid="code-card"]`)))
	if p := currentPath(t, ctx); p != "/login/code" {
		t.Errorf("the password of a user with two-factor sign-in went to %s, want /login/code", p)
	}
	if got := text(t, ctx, `[data-testid="code-card"]`); !strings.Contains(got, u.Email) {
		t.Errorf("the code page does not name %s: %q", u.Email, got)
	}
	check("code page")
	run(t, ctx, "enter the app's next code",
		chromedp.SendKeys(chromedp.ID("code"), testkit.UnusedTOTPCode(t, app.Store, u.ID, secret)),
		chromedp.Click(chromedp.CSS(`[data-testid="verify-code"]`)),
		chromedp.WaitVisible(tenantName),
	)
	run(t, ctx, "open the account page, signed in",
		chromedp.Navigate(baseURL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sessions"]`)),
	)
	if got := get(t, ctx, "read the menu's email", chromedp.Evaluate[string](`document.querySelector('[data-testid="current-user-email"]').textContent.trim()`)); got != u.Email {
		t.Errorf("after the code the account page is of %q, want %s", got, u.Email)
	}
	if n := count(`[data-testid="session-row"]`); n != 1 {
		t.Errorf("after signing out and in again the account lists %d sessions, want 1 (the signed-out one ended)", n)
	}

	// 4. A second session elsewhere, signed in with a recovery code the page showed.
	other := testkit.Client(t, app).LoginWithCode(u, codes[3])
	other.Get("/account").ExpectStatus(http.StatusOK)
	run(t, ctx, "reload the account page",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sessions"]`)),
	)
	rows := get(t, ctx, "read the session rows", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="session-row"]'), r => r.textContent.replace(/\s+/g, " ").trim())`))
	if len(rows) != 2 || count(`[data-testid="session-current"]`) != 1 || count(`[data-testid="session-row"]:first-child [data-testid="session-current"]`) != 1 {
		t.Fatalf("the account lists the sessions %q, want 2 with this one first and the only one marked", rows)
	}
	if !strings.Contains(rows[0], "with an authenticator code") || !strings.Contains(rows[1], "with a recovery code") {
		t.Errorf("the session rows %q do not say this one used an authenticator code and the other a recovery code", rows)
	}
	if n := count(`[data-testid="session-end"]`); n != 1 {
		t.Errorf("%d Sign out buttons on the sessions, want 1 (the other session's)", n)
	}
	if got := text(t, ctx, `[data-testid="two-factor-status"]`); !strings.Contains(got, "9 recovery codes are left.") {
		t.Errorf("after one recovery code was used the status says %q, want 9 left", got)
	}
	check("account with two sessions")

	// 5. Sign the other session out, through the dialog.
	run(t, ctx, "press Sign out on the other session",
		chromedp.Click(chromedp.CSS(`[data-testid="session-row"] [data-testid="session-end"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirm-dialog"]`)),
	)
	if got := text(t, ctx, `[data-testid="confirm-message"]`); !strings.HasPrefix(got, "Sign out ") {
		t.Errorf("the dialog asks %q, want it to name the session to sign out", got)
	}
	run(t, ctx, "confirm",
		chromedp.Click(chromedp.CSS(`[data-testid="confirm-ok"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash-message"]`)),
	)
	if got := text(t, ctx, `[data-testid="flash-message"]`); got != "That session is signed out." {
		t.Errorf("the flash after ending the session says %q", got)
	}
	if p := currentPath(t, ctx); p != "/account" {
		t.Errorf("ending the session went to %s, want /account", p)
	}
	if n, cur := count(`[data-testid="session-row"]`), count(`[data-testid="session-current"]`); n != 1 || cur != 1 {
		t.Errorf("after ending the other session the account lists %d sessions (%d this one), want only this one", n, cur)
	}
	if res := other.Get("/account"); res.StatusCode < 300 || res.StatusCode > 399 || !strings.HasPrefix(res.Location(), "/login") {
		t.Errorf("the ended session's next GET /account: status %d to %q, want a redirect to /login", res.StatusCode, res.Location())
	}

	// The sign-ins: the password alone, then the app's code, then the recovery code.
	var factors []string
	for _, ev := range rec.Emitted(t, "user.logged_in") {
		e := ev.(*events.UserLoggedIn)
		if e.UserID != u.ID {
			t.Errorf("user.logged_in of %s, want %s", e.UserID, u.ID)
		}
		factors = append(factors, e.SecondFactor)
	}
	if want := []string{"none", "totp", "recovery_code"}; !slices.Equal(factors, want) {
		t.Errorf("user.logged_in second factors %q, want %q", factors, want)
	}
	saveScreenshot(t, "two-factor-account.png", get(t, ctx, "screenshot the account page", chromedp.FullScreenshot(100)))
}
