package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// Enrolment: the page shows a QR code (a PNG the server drew) and the secret; a wrong code is
// a 422 and changes nothing; the right one turns it on and shows 10 recovery codes once.
func TestTwoFactorEnrolment(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	c := testkit.Client(t, app).LoginAs(u)

	if c.Get("/account").TestID("set-up-two-factor").Length() != 1 {
		t.Fatal("the account page offers no set-up")
	}
	page := c.Get("/account/two-factor").ExpectStatus(http.StatusOK)
	qr := page.TestID("totp-qr").AttrOr("src", "")
	secret := strings.ReplaceAll(page.Text("totp-secret"), " ", "")
	if !strings.HasPrefix(qr, "data:image/png;base64,") || len(secret) != 32 || page.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("enrolment: qr %.40q, secret %q, cache %q", qr, secret, page.Header.Get("Cache-Control"))
	}
	if again := c.Get("/account/two-factor"); strings.ReplaceAll(again.Text("totp-secret"), " ", "") != secret {
		t.Fatal("reloading the page changed the secret the app may have scanned already")
	}

	rec := testkit.Events(t, app.Store)
	// The password is asked too: a stolen session alone cannot lock the owner out.
	res := c.PostForm("/account/two-factor", url.Values{"code": {testkit.TOTPCode(t, secret, time.Now())}, "current_password": {"not my password"}}).
		ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("enrol-password-error"), "current password") {
		t.Fatalf("enrolment without the password: %q", res.Text("enrol-password-error"))
	}
	for _, code := range []string{"", "000000", "abc"} {
		res := c.PostForm("/account/two-factor", url.Values{"code": {code}, "current_password": {u.Password}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("enrol-code-error"), "not right") {
			t.Fatalf("code %q: %q", code, res.Text("enrol-code-error"))
		}
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("wrong codes wrote %v", got)
	}
	other := testkit.Client(t, app).LoginAs(u) // signed in with the password alone
	res = c.PostForm("/account/two-factor", url.Values{"code": {testkit.TOTPCode(t, secret, time.Now())}, "current_password": {u.Password}}).ExpectStatus(http.StatusOK)
	codes := res.TestID("recovery-code")
	if codes.Length() != models.RecoveryCodeCount || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d recovery codes shown", codes.Length())
	}
	up := rec.Emitted(t, "user.updated")
	if len(up) != 2 || up[0].(*events.UserUpdated).Changes["two_factor"] != (events.Change{Old: "off", New: "on"}) {
		t.Fatalf("events %v", up)
	}
	// Turning it on ends the sessions that signed in with the password alone; this one goes on.
	if !signedOut(other) || signedOut(c) {
		t.Fatal("after turning on: the other session goes on, or this one ended")
	}
	for _, r := range rec.Rows(t) {
		if strings.Contains(r.Payload, secret) || strings.Contains(r.Payload, codes.First().Text()) {
			t.Fatalf("an event carries the secret or a code: %s", r.Payload)
		}
	}
	stored, err := app.Store.UserByID(context.Background(), u.ID)
	if err != nil || stored.TOTPSecret == nil || *stored.TOTPSecret != secret {
		t.Fatalf("stored %v", err)
	}
	var hashes []models.RecoveryCode
	app.Store.DB().Where("user_id = ?", u.ID).Find(&hashes)
	for _, h := range hashes {
		if strings.Contains(h.CodeHash, strings.ReplaceAll(codes.First().Text(), "-", "")) {
			t.Fatal("a recovery code is stored as it is")
		}
	}
	// Now it is on: the page offers new codes and turning off, no secret, no second enrolment.
	on := c.Get("/account/two-factor")
	if on.TestID("totp-secret").Length() != 0 || on.TestID("disable-form").Length() != 1 || !strings.Contains(on.Text("two-factor"), "10 recovery codes are left") {
		t.Fatalf("the page with two-factor on: %q", on.Text("two-factor"))
	}
	c.PostForm("/account/two-factor", url.Values{"code": {testkit.TOTPCode(t, secret, time.Now())}}).ExpectStatus(http.StatusSeeOther)
	if !strings.Contains(c.Get("/account").Text("two-factor-status"), "On") {
		t.Fatal("the account page does not say it is on")
	}
}

// Signing in with two-factor on: the password alone signs nobody in; a wrong code is a 422 and
// user.login_failed; an authenticator code works once; a recovery code works once; the sign-in
// events say which factor was used; the code must follow the password within 5 minutes.
func TestTwoFactorSignIn(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	secret, recovery := testkit.TwoFactor(t, app.Store, u.ID)
	rec := testkit.Events(t, app.Store)

	c := testkit.Client(t, app)
	c.Get("/login")
	res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
	if res.Header.Get("Location") != "/login/code" {
		t.Fatalf("after the password: %q", res.Header.Get("Location"))
	}
	if !signedOut(c) {
		t.Fatal("the password alone signed in")
	}
	c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if got := c.Get("/login/code").Text("code-card"); !strings.Contains(got, u.Email) {
		t.Fatalf("the code page: %q", got)
	}
	res = c.PostForm("/login/code", url.Values{"code": {"123456"}}).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("code-error"), "not right") || len(rec.Emitted(t, "user.login_failed")) != 1 {
		t.Fatalf("a wrong code: %q, events %v", res.Text("code-error"), rec.Types(t))
	}
	rec.NotEmitted(t, "user.logged_in")
	code := testkit.UnusedTOTPCode(t, app.Store, u.ID, secret)
	if res := c.PostForm("/login/code", url.Values{"code": {code}}).ExpectStatus(http.StatusSeeOther); res.Header.Get("Location") != "/" {
		t.Fatalf("the right code went to %q", res.Header.Get("Location"))
	}
	c.Get("/account").ExpectStatus(http.StatusOK)
	in := rec.Emitted(t, "user.logged_in")
	if len(in) != 1 || in[0].(*events.UserLoggedIn).SecondFactor != "totp" {
		t.Fatalf("sign-in events %v", in)
	}
	if got := c.Get("/account").Text("sessions"); !strings.Contains(got, "with an authenticator code") {
		t.Fatalf("the session is not listed as signed in with a code: %q", got)
	}

	// The same code again, on another browser: refused, it was used.
	other := testkit.Client(t, app)
	other.Get("/login")
	other.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	res = other.PostForm("/login/code", url.Values{"code": {code}}).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("code-error"), "used already") {
		t.Fatalf("a reused code: %q", res.Text("code-error"))
	}
	// A recovery code, typed in upper case without its dash: signs in once.
	typed := strings.ToUpper(strings.ReplaceAll(recovery[0], "-", ""))
	other.PostForm("/login/code", url.Values{"code": {typed}}).ExpectStatus(http.StatusSeeOther)
	in = rec.Emitted(t, "user.logged_in")
	if len(in) != 2 || in[1].(*events.UserLoggedIn).SecondFactor != "recovery_code" {
		t.Fatalf("sign-in events %v", in)
	}
	third := testkit.Client(t, app)
	third.Get("/login")
	third.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	third.PostForm("/login/code", url.Values{"code": {recovery[0]}}).ExpectStatus(http.StatusUnprocessableEntity)
	if left, _ := app.Store.RecoveryCodesLeft(context.Background(), u.ID); left != 9 {
		t.Fatalf("%d recovery codes left, want 9", left)
	}

	// Five minutes after the password, the code is not asked any more: sign in again.
	late := testkit.Client(t, app)
	late.Get("/login")
	late.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	app.Clock.Advance(6 * time.Minute)
	res = late.PostForm("/login/code", url.Values{"code": {recovery[1]}}).ExpectStatus(http.StatusSeeOther)
	if res.Header.Get("Location") != "/login" {
		t.Fatalf("a late code went to %q", res.Header.Get("Location"))
	}
	if left, _ := app.Store.RecoveryCodesLeft(context.Background(), u.ID); left != 9 {
		t.Fatal("a late code used up a recovery code")
	}
	// Straight to the code page with no password given: sign in first.
	if res := testkit.Client(t, app).Get("/login/code"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("the code page without a password: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// Wrong codes count like wrong passwords: past the limit the answer is 429, even for the right code.
func TestTwoFactorCodesAreRateLimited(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, testkit.WithLimits(handlers.LoginLimits{PerIP: 100, PerEmail: 3, Window: time.Hour}))
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	secret, _ := testkit.TwoFactor(t, app.Store, u.ID)
	c := testkit.Client(t, app)
	c.Get("/login")
	c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
	for i := 0; i < 3; i++ {
		c.PostForm("/login/code", url.Values{"code": {"000000"}}).ExpectStatus(http.StatusUnprocessableEntity)
	}
	c.PostForm("/login/code", url.Values{"code": {testkit.UnusedTOTPCode(t, app.Store, u.ID, secret)}}).ExpectStatus(http.StatusTooManyRequests)

	// The account forms that check the current password are limited per user too.
	v := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	signed := testkit.Client(t, app).LoginAs(v)
	for i := 0; i < 3; i++ {
		signed.PostForm("/account/email", url.Values{"email": {"x@example.com"}, "current_password": {"a wrong guess, again"}}).ExpectStatus(http.StatusUnprocessableEntity)
	}
	signed.PostForm("/account/email", url.Values{"email": {"x@example.com"}, "current_password": {v.Password}}).ExpectStatus(http.StatusTooManyRequests)
}

// New recovery codes and turning off both need the password; turning off needs a code too.
func TestTwoFactorRecoveryCodesAndTurningOff(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	secret, old := testkit.TwoFactor(t, app.Store, u.ID)
	c := testkit.Client(t, app).LoginWithCode(u, old[0])
	rec := testkit.Events(t, app.Store)

	res := c.PostForm("/account/two-factor/recovery-codes", url.Values{"current_password": {"not my password"}}).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("regen-password-error"), "current password") {
		t.Fatalf("wrong password: %q", res.Text("regen-password-error"))
	}
	res = c.PostForm("/account/two-factor/recovery-codes", url.Values{"current_password": {u.Password}}).ExpectStatus(http.StatusOK)
	if res.TestID("recovery-code").Length() != 10 {
		t.Fatal("no new codes shown")
	}
	fresh := res.TestID("recovery-code").First().Text()
	if _, err := app.Store.VerifySecondFactor(context.Background(), u.ID, old[1]); err != models.ErrBadCode {
		t.Fatalf("an old recovery code after new ones were made: %v", err)
	}
	if up := rec.Emitted(t, "user.updated"); len(up) != 1 || up[0].(*events.UserUpdated).Changes["recovery_codes"].Old != "9 unused" {
		t.Fatalf("events %v", up)
	}

	// Turning off: wrong password, then a wrong code, are refused; password and code turn it off.
	c.PostForm("/account/two-factor/disable", url.Values{"current_password": {"not my password"}, "code": {fresh}}).ExpectStatus(http.StatusUnprocessableEntity)
	res = c.PostForm("/account/two-factor/disable", url.Values{"current_password": {u.Password}, "code": {"000000"}}).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("disable-code-error"), "not right") {
		t.Fatalf("wrong code: %q", res.Text("disable-code-error"))
	}
	c.PostForm("/account/two-factor/disable", url.Values{"current_password": {u.Password}, "code": {testkit.UnusedTOTPCode(t, app.Store, u.ID, secret)}}).
		ExpectStatus(http.StatusSeeOther)
	if up := rec.Emitted(t, "user.updated"); len(up) != 2 || up[1].(*events.UserUpdated).Changes["two_factor"] != (events.Change{Old: "on", New: "off"}) {
		t.Fatalf("events %v", up)
	}
	// The password alone signs in again.
	testkit.Client(t, app).LoginAs(u)
	if left, _ := app.Store.RecoveryCodesLeft(context.Background(), u.ID); left != 0 {
		t.Fatalf("%d recovery codes kept after turning off", left)
	}
}

// A tenant that requires two-factor sign-in sends a member without it to enrolment before any
// of its pages (htmx gets HX-Redirect), and back to the page asked for once it is on.
func TestTenantRequiresTwoFactor(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	open := testkit.Tenant(t, app.Store).Create()
	on := true
	if _, err := app.Store.UpdateTenant(context.Background(), tn.ID, models.TenantUpdate{RequireTwoFactor: &on}); err != nil {
		t.Fatal(err)
	}
	u := testkit.User(t, app.Store).WithRole(tn, "manager").WithRole(open, "manager").Create()
	c := testkit.Client(t, app).LoginAs(u)
	nodes := "/t/" + tn.Slug + "/nodes"

	res := c.Get(nodes).ExpectStatus(http.StatusSeeOther)
	if res.Header.Get("Location") != "/account/two-factor?next="+url.QueryEscape(nodes) {
		t.Fatalf("sent to %q", res.Header.Get("Location"))
	}
	c.Get("/t/" + open.Slug + "/nodes").ExpectStatus(http.StatusOK) // a tenant that does not require it
	c.Get("/account").ExpectStatus(http.StatusOK)                   // nor does the account page
	c.Header.Set("HX-Request", "true")
	if res := c.Get(nodes); res.Header.Get("HX-Redirect") == "" {
		t.Fatalf("htmx got %d without HX-Redirect", res.StatusCode)
	}
	c.Header.Del("HX-Request")
	c.PostForm(nodes+"/new", url.Values{"title": {"x"}}).ExpectStatus(http.StatusSeeOther)

	page := c.Get("/account/two-factor?next=" + url.QueryEscape(nodes))
	secret := strings.ReplaceAll(page.Text("totp-secret"), " ", "")
	res = c.PostForm("/account/two-factor", url.Values{"code": {testkit.TOTPCode(t, secret, time.Now())}, "current_password": {u.Password}, "next": {nodes}}).ExpectStatus(http.StatusOK)
	if res.TestID("codes-saved").AttrOr("href", "") != nodes {
		t.Fatalf("after enrolment the page goes on to %q", res.TestID("codes-saved").AttrOr("href", ""))
	}
	c.Get(nodes).ExpectStatus(http.StatusOK) // this session proved the second factor by setting it up
	var n int64
	if err := app.Store.DB().Table("nodes").Where("tenant_id = ?", tn.ID).Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("a form posted before enrolment saved %d nodes (%v)", n, err)
	}
}
