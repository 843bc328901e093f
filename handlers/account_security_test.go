package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/internal/websession"
	"github.com/rustok/rustok-admin/models"
)

// Regression test; the defect the security review of issue 15 found was: the enrolment secret stays in the session when the session signs in as someone else.
func TestSigningInAsAnotherUserForgetsTheEnrolment(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	a := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	b := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	c := testkit.Client(t, app).LoginAs(a)
	secretA := strings.ReplaceAll(c.Get("/account/two-factor").Text("totp-secret"), " ", "")
	// Still signed in as a, the browser posts b's credentials.
	res := c.PostForm("/login", url.Values{"email": {b.Email}, "password": {b.Password}})
	t.Logf("POST /login while signed in: %d %s", res.StatusCode, res.Header.Get("Location"))
	secretB := strings.ReplaceAll(c.Get("/account/two-factor").Text("totp-secret"), " ", "")
	if secretA == secretB {
		t.Errorf("b's enrolment shows the secret a saw: %s", secretB)
	}
}

// Regression test; the defect the security review of issue 15 found was: a session without a handle (signed in before the upgrade) survives "sign out everywhere".
func TestSessionFromBeforeSessionRowsEnds(t *testing.T) {
	t.Parallel()
	mem := websession.Memory()
	app := testkit.NewApp(t, testkit.WithStorage(mem))
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	legacy := testkit.Client(t, app).LoginAs(u)
	// Make it a pre-upgrade session: drop its handle and its row.
	id := legacy.Cookie(handlers.SessionCookie).Value
	raw, _ := mem.Get("sess:" + id)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "sid")
	raw, _ = json.Marshal(m)
	_ = mem.Set("sess:"+id, raw, time.Hour)
	app.Store.DB().Where("user_id = ?", u.ID).Delete(&models.UserSession{})
	app.Deps.Users.Forget(u.ID)

	// The admin signs the user out everywhere before the legacy session's next request.
	admin.PostForm("/t/"+tn.Slug+"/users/"+u.ID.String()+"/sessions/end", nil).ExpectStatus(http.StatusSeeOther)
	t.Logf("flash: %q", admin.Get("/t/"+tn.Slug+"/users/"+u.ID.String()).Text("flash"))
	if !signedOut(legacy) {
		t.Errorf("the legacy session is still signed in after 'sign out everywhere'")
	}
}

// Regression test; the defect the security review of issue 15 found was: the code step completes after the password was changed between the two steps.
func TestCodeStepEndsWhenThePasswordChanges(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	secret, _ := testkit.TwoFactor(t, app.Store, u.ID)
	c := testkit.Client(t, app)
	c.Get("/login")
	c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
	if err := app.Store.ChangePassword(context.Background(), u.ID, "a brand new password 123"); err != nil {
		t.Fatal(err)
	}
	app.Deps.Users.Forget(u.ID)
	c.PostForm("/login/code", url.Values{"code": {testkit.UnusedTOTPCode(t, app.Store, u.ID, secret)}})
	if !signedOut(c) {
		t.Errorf("the old password plus a code signed in after the password was changed")
	}
}

// Regression test; the defect the security review of issue 15 found was: "sign out this one session" with the nil UUID ends every session, this one included.
func TestEndingTheNilSessionEndsNothing(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	other := testkit.Client(t, app).LoginAs(u)
	c := testkit.Client(t, app).LoginAs(u)
	res := c.PostForm("/account/sessions/00000000-0000-0000-0000-000000000000/end", nil)
	t.Logf("status %d → %s", res.StatusCode, res.Header.Get("Location"))
	if signedOut(other) || signedOut(c) {
		t.Errorf("ending 'session 0000…' signed out other=%v this=%v", signedOut(other), signedOut(c))
	}
}

// Regression test; the defect the security review of issue 15 found was: in memory mode (no Redis) every route gets its own limiter store, so the per-user
// account budget is per form, not per user.
func TestAccountFormsShareOneLimitInMemory(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, testkit.WithLimits(handlers.LoginLimits{PerIP: 100, PerEmail: 3, Window: time.Hour}))
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	c := testkit.Client(t, app).LoginAs(u)
	for i := 0; i < 3; i++ {
		c.PostForm("/account/email", url.Values{"email": {"x@example.com"}, "current_password": {"wrong guess " + string(rune('a'+i))}}).ExpectStatus(http.StatusUnprocessableEntity)
	}
	c.PostForm("/account/email", url.Values{"email": {"x@example.com"}, "current_password": {"wrong"}}).ExpectStatus(http.StatusTooManyRequests)
	res := c.PostForm("/account/password", url.Values{"current_password": {"another wrong guess"}, "new_password": {"xxxxxxxxxxxxxxx"}, "confirm_password": {"xxxxxxxxxxxxxxx"}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after the account limit, another form still checks the password: %d", res.StatusCode)
	}
}

// Regression test; the defect the security review of issue 15 found was: a session signed in with the password alone passes a tenant's require-2FA rule once the
// account turns two-factor on elsewhere.
func TestPasswordOnlySessionDoesNotPassTheTenantsRule(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	on := true
	if _, err := app.Store.UpdateTenant(context.Background(), tn.ID, models.TenantUpdate{RequireTwoFactor: &on}); err != nil {
		t.Fatal(err)
	}
	u := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	thief := testkit.Client(t, app).LoginAs(u) // password only
	nodes := "/t/" + tn.Slug + "/nodes"
	thief.Get(nodes).ExpectStatus(http.StatusSeeOther)
	testkit.TwoFactor(t, app.Store, u.ID) // the owner turns it on from their own browser
	app.Deps.Users.Forget(u.ID)
	if res := thief.Get(nodes); res.StatusCode == http.StatusOK {
		t.Errorf("a session that never gave a second factor opens the tenant that requires one")
	}
}

// Regression test; the defect the security review of issue 15 found was: sign-out ends the row without telling the principal cache; a write of the old session
// data after the sign-out (a concurrent request of the same browser saving) brings it back.
func TestSignedOutSessionStaysSignedOut(t *testing.T) {
	t.Parallel()
	mem := websession.Memory()
	app := testkit.NewApp(t, testkit.WithStorage(mem))
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	c := testkit.Client(t, app).LoginAs(u)
	c.Get("/account").ExpectStatus(http.StatusOK) // principal cached, with the session
	id := c.Cookie(handlers.SessionCookie).Value
	raw, _ := mem.Get("sess:" + id)
	stolen := testkit.Client(t, app)
	stolen.Header.Set("Cookie", handlers.SessionCookie+"="+id)
	c.PostForm("/logout", nil).ExpectStatus(http.StatusSeeOther)
	_ = mem.Set("sess:"+id, raw, time.Hour) // the concurrent request's Save
	res := stolen.Get("/account")
	t.Logf("old cookie after sign-out: %d %s", res.StatusCode, res.Header.Get("Location"))
	if res.StatusCode == http.StatusOK {
		t.Errorf("a signed-out session's cookie works again")
	}
}

// Regression test; the defect the security review of issue 15 found was: in memory mode the code step's per-IP count is not the password's.
func TestCodesAndPasswordsShareTheIPCountInMemory(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, testkit.WithLimits(handlers.LoginLimits{PerIP: 3, PerEmail: 100, Window: time.Hour}))
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	testkit.TwoFactor(t, app.Store, u.ID)
	c := testkit.Client(t, app)
	c.Get("/login")
	for i := 0; i < 2; i++ {
		c.PostForm("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong"}}).ExpectStatus(http.StatusUnprocessableEntity)
	}
	c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
	n := 0
	for i := 0; i < 5; i++ {
		if c.PostForm("/login/code", url.Values{"code": {"000000"}}).StatusCode == http.StatusUnprocessableEntity {
			n++
		}
	}
	if n > 1 {
		t.Errorf("%d wrong codes accepted for checking after 2 wrong passwords with PerIP 3", n)
	}
}

// Regression test; the defect the security review of issue 15 found was: hostile input on the new routes.
func TestSessionAndCodeRoutesRefuseHostileInput(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	testkit.TwoFactor(t, app.Store, u.ID)
	c := testkit.Client(t, app)
	c.Get("/login")
	c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	for _, code := range []string{strings.Repeat("9", 100000), "１２３４５６", "ǅǅǅǅǅ", "İİİİİ", "1234567890", "12345-67890", "abcde-fghjk"} {
		res := c.PostForm("/login/code", url.Values{"code": {code}})
		if res.StatusCode >= 500 {
			t.Errorf("code %.20q: %d", code, res.StatusCode)
		}
	}
	v := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	s := testkit.Client(t, app).LoginAs(v)
	for _, id := range []string{"x", "..", "%2e%2e", strings.Repeat("a", 1000), "{00000000-0000-0000-0000-000000000001}", "urn:uuid:00000000-0000-0000-0000-000000000001"} {
		res := s.PostForm("/account/sessions/"+id+"/end", nil)
		if res.StatusCode >= 500 {
			t.Errorf("id %.20q: %d", id, res.StatusCode)
		}
		t.Logf("id %.30q → %d", id, res.StatusCode)
	}
	for _, code := range []string{strings.Repeat("9", 100000), "１２３４５６"} {
		if res := s.PostForm("/account/two-factor", url.Values{"code": {code}}); res.StatusCode >= 500 {
			t.Errorf("enrol code: %d", res.StatusCode)
		}
	}
}

// Regression test; the defect the security review of issue 15 found was: a user manager (users:update only) may not sign out an admin, who may do more.
func TestAnAdminCannotEndTheSessionsOfSomeoneWhoOutranksThem(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	ctx := context.Background()
	tn := testkit.Tenant(t, app.Store).Create()
	if _, err := app.Store.CreateRole(ctx, tn.ID, "usermgr", "Manages users."); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"list", "read", "update"} {
		if err := app.Store.SetPermission(ctx, tn.ID, "usermgr", models.Permission{Resource: "users", Action: a}, true); err != nil {
			t.Fatal(err)
		}
	}
	mgr, _ := testkit.ClientAs(t, app, tn, "usermgr")
	adm := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	victim := testkit.Client(t, app).LoginAs(adm)
	res := mgr.PostForm("/t/"+tn.Slug+"/users/"+adm.ID.String()+"/sessions/end", nil)
	t.Logf("%d flash %q", res.StatusCode, mgr.Get("/t/"+tn.Slug+"/users/"+adm.ID.String()).Text("flash"))
	if signedOut(victim) {
		t.Errorf("a user manager signed an admin out")
	}
}

// Regression test; the defect the security review of issue 15 found was: a hijacked session (no password) turns two-factor on with the attacker's secret.
func TestTurningOnTwoFactorNeedsThePassword(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	hijacked := testkit.Client(t, app).LoginAs(u)
	secret := strings.ReplaceAll(hijacked.Get("/account/two-factor").Text("totp-secret"), " ", "")
	res := hijacked.PostForm("/account/two-factor", url.Values{"code": {testkit.TOTPCode(t, secret, time.Now())}})
	if res.StatusCode == http.StatusOK && res.TestID("recovery-code").Length() == 10 {
		t.Errorf("two-factor turned on without the password; the owner's next sign-in needs the attacker's phone")
	}
}

func TestAccountFormsShareOneLimitInRedis(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, testkit.WithRedis(), testkit.WithLimits(handlers.LoginLimits{PerIP: 100, PerEmail: 3, Window: time.Hour}))
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	c := testkit.Client(t, app).LoginAs(u)
	for i := 0; i < 3; i++ {
		c.PostForm("/account/email", url.Values{"email": {"x@example.com"}, "current_password": {"wrong"}}).ExpectStatus(http.StatusUnprocessableEntity)
	}
	res := c.PostForm("/account/password", url.Values{"current_password": {"another wrong guess"}, "new_password": {"xxxxxxxxxxxxxxx"}, "confirm_password": {"xxxxxxxxxxxxxxx"}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("redis: another form still checks the password: %d", res.StatusCode)
	}
}

// Regression test; the defect the security review of issue 15 found was: expired rows are never ended: they count in the principal's Sessions and in the
// "sign out everywhere" count and event.
func TestTimedOutSessionsAreNotCounted(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
	for i := 0; i < 4; i++ {
		testkit.Client(t, app).LoginAs(u)
	}
	old := time.Now().Add(-30 * 24 * time.Hour)
	app.Store.DB().Model(&models.UserSession{}).Where("user_id = ?", u.ID).Updates(map[string]any{"last_seen_at": old, "signed_in_at": old})
	c := testkit.Client(t, app).LoginAs(u)
	rows := c.Get("/account").TestID("session-row").Length()
	c.PostForm("/account/sessions/end-others", nil)
	flash := c.Get("/account").Text("flash")
	t.Logf("listed %d, flash %q", rows, flash)
	if strings.Contains(flash, "4 sessions") {
		t.Errorf("expired sessions counted as signed out: %q", flash)
	}
}
