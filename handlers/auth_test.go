package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestSignIn(t *testing.T) {
	t.Parallel()

	t.Run("a member signs in and lands on their tenant's dashboard", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Name("Acme Corporation").Locales("en", "de").Create()
		u := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
		c := testkit.Client(t, app)

		page := c.Get("/login").ExpectStatus(http.StatusOK)
		if page.Find(`label[for="email"]`).Length() != 1 || page.Find(`label[for="password"]`).Length() != 1 {
			t.Fatal("the sign-in fields are not labelled")
		}
		res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != "/" {
			t.Fatalf("redirect to %q, want /", res.Location())
		}
		res = c.Get("/").ExpectStatus(http.StatusSeeOther)
		if res.Location() != "/t/"+tn.Slug+"/" {
			t.Fatalf("home redirects to %q, want the only tenant", res.Location())
		}
		dash := c.Get(res.Location()).ExpectStatus(http.StatusOK)
		if got := dash.Text("tenant-name"); got != "Acme Corporation" {
			t.Fatalf("dashboard shows %q", got)
		}
		if got := dash.Text("roles"); got != "manager" {
			t.Fatalf("roles shown %q", got)
		}
		if got := dash.Text("current-user"); got != u.Name {
			t.Fatalf("current user shown %q", got)
		}
	})

	t.Run("unknown email and wrong password get the same message, 422, and keep the email", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		u := testkit.User(t, app.Store).Create()
		c := testkit.Client(t, app)
		var bodies []string
		for _, try := range [][2]string{{"nobody@example.com", u.Password}, {u.Email, "not the password at all"}} {
			res := c.PostForm("/login", url.Values{"email": {try[0]}, "password": {try[1]}}).ExpectStatus(http.StatusUnprocessableEntity)
			if got := res.Text("flash-message"); got != "Incorrect email or password." {
				t.Fatalf("message %q", got)
			}
			if v, _ := res.Find("#email").Attr("value"); v != try[0] {
				t.Fatalf("email field holds %q, want %q", v, try[0])
			}
			if v, _ := res.Find("#password").Attr("value"); v != "" {
				t.Fatal("the password was echoed back")
			}
			bodies = append(bodies, res.Text("flash-message"))
		}
		if bodies[0] != bodies[1] {
			t.Fatalf("messages differ: %q vs %q", bodies[0], bodies[1])
		}
	})

	t.Run("empty fields are named", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		res := testkit.Client(t, app).PostForm("/login", url.Values{"email": {""}, "password": {""}}).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Text("email-error") == "" || res.Text("password-error") == "" {
			t.Fatalf("missing field errors:\n%s", res.Body)
		}
	})

	t.Run("an inactive or banned user cannot sign in", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		for _, status := range []string{models.UserInactive, models.UserBanned} {
			u := testkit.User(t, app.Store).Status(status).Create()
			res := testkit.Client(t, app).PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}})
			res.ExpectStatus(http.StatusUnprocessableEntity)
		}
	})

	t.Run("an htmx sign-in failure gets only the form fragment", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		c := testkit.Client(t, app)
		c.Get("/login")
		c.Header.Set("HX-Request", "true")
		res := c.PostForm("/login", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if strings.Contains(string(res.Body), "<html") || res.Find("#login-form").Length() != 1 {
			t.Fatalf("want the #login-form fragment alone, got:\n%s", res.Body)
		}
		if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
			t.Fatalf("Vary = %q, want HX-Request", res.Header.Get("Vary"))
		}
	})

	t.Run("next sends the user back where they were, but only to a local path", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app)
		res := c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusSeeOther)
		want := "/login?next=" + url.QueryEscape("/t/"+tn.Slug+"/")
		if res.Location() != want {
			t.Fatalf("anonymous dashboard redirects to %q, want %q", res.Location(), want)
		}
		res = c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}, "next": {"/t/" + tn.Slug + "/"}})
		if res.Location() != "/t/"+tn.Slug+"/" {
			t.Fatalf("after sign-in went to %q", res.Location())
		}
		for _, evil := range []string{"//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"} {
			c2 := testkit.Client(t, app)
			res := c2.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}, "next": {evil}})
			if res.Location() != "/" {
				t.Errorf("next=%q led to %q, want /", evil, res.Location())
			}
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()

	t.Run("the session id changes at sign-in and the cookie is HttpOnly and SameSite=Lax", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		u := testkit.User(t, app.Store).Create()
		c := testkit.Client(t, app)
		page := c.Get("/login")
		before := sessionCookie(t, page)
		res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusSeeOther)
		after := sessionCookie(t, res)
		if after.Value == before.Value || after.Value == "" {
			t.Fatalf("session id not regenerated: %q → %q", before.Value, after.Value)
		}
		if !after.HttpOnly || after.SameSite != http.SameSiteLaxMode || after.Secure {
			t.Fatalf("cookie flags: HttpOnly=%v SameSite=%v Secure=%v", after.HttpOnly, after.SameSite, after.Secure)
		}
		// The pre-sign-in id is dead: replaying it does not give the signed-in session.
		replay := testkit.Client(t, app)
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: before.Value})
		if res := replay.Do(req); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
			t.Fatalf("old session id still signed in: %d %s", res.StatusCode, res.Location())
		}
	})

	t.Run("COOKIE_SECURE=true marks the cookies Secure", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) { c.CookieSecure = true }))
		res := testkit.Client(t, app).Get("/login")
		for _, ck := range res.Cookies() {
			if !ck.Secure {
				t.Errorf("cookie %s is not Secure", ck.Name)
			}
		}
	})

	t.Run("an idle session ends", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app).LoginAs(u)
		dash := "/t/" + tn.Slug + "/"
		app.Clock.Advance(app.Deps.Config.SessionIdleTimeout - time.Minute)
		c.Get(dash).ExpectStatus(http.StatusOK) // activity just before the limit keeps it alive
		app.Clock.Advance(app.Deps.Config.SessionIdleTimeout - time.Minute)
		c.Get(dash).ExpectStatus(http.StatusOK)
		app.Clock.Advance(app.Deps.Config.SessionIdleTimeout + time.Second)
		res := c.Get(dash).ExpectStatus(http.StatusSeeOther)
		if !strings.HasPrefix(res.Location(), "/login") {
			t.Fatalf("idle session went to %q", res.Location())
		}
		if got := c.Get("/login").Text("flash-message"); !strings.Contains(got, "session has ended") {
			t.Fatalf("no explanation shown, flash = %q", got)
		}
	})

	t.Run("a session ends at the absolute limit even while in use", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app).LoginAs(u)
		dash := "/t/" + tn.Slug + "/"
		step := app.Deps.Config.SessionIdleTimeout / 2
		for elapsed := time.Duration(0); elapsed+step < app.Deps.Config.SessionMaxAge; elapsed += step {
			app.Clock.Advance(step)
			c.Get(dash).ExpectStatus(http.StatusOK)
		}
		app.Clock.Advance(step)
		if res := c.Get(dash); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("session older than the absolute limit still works: %d", res.StatusCode)
		}
	})

	t.Run("a user deactivated after sign-in loses the session on the next request", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app).LoginAs(u)
		if err := app.Store.DB().Model(u.User).Update("status", models.UserInactive).Error; err != nil {
			t.Fatal(err)
		}
		c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusSeeOther)
	})

	t.Run("sign-out ends the session and says so", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app).LoginAs(u)
		dash := c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
		if dash.TestID("sign-out").Length() != 1 {
			t.Fatal("no sign-out button")
		}
		res := c.PostForm("/logout", nil).ExpectStatus(http.StatusSeeOther)
		if res.Location() != "/login" {
			t.Fatalf("after sign-out went to %q", res.Location())
		}
		if got := c.Get("/login").Text("flash-message"); got != "You have signed out." {
			t.Fatalf("flash %q", got)
		}
		c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusSeeOther)
	})

	t.Run("sessions live in Redis when it is configured", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t, testkit.WithRedis())
		tn := testkit.Tenant(t, app.Store).Create()
		u := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app).LoginAs(u)
		id := c.Cookie(handlers.SessionCookie).Value
		raw, err := app.Deps.Storage.Get("sess:" + id)
		if err != nil || len(raw) == 0 {
			t.Fatalf("no session sess:%s in Redis: %v", id, err)
		}
		// A second app instance sharing Redis (another process behind the load balancer)
		// accepts the same session.
		other := testkit.NewApp(t, testkit.WithStore(app.Store), testkit.WithStorage(app.Deps.Storage))
		req, _ := http.NewRequest(http.MethodGet, "/t/"+tn.Slug+"/", nil)
		req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: id})
		testkit.Client(t, other).Do(req).ExpectStatus(http.StatusOK)
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	u := testkit.User(t, app.Store).Create()

	t.Run("a POST without a token is refused with 403", func(t *testing.T) {
		c := testkit.Client(t, app)
		c.Get("/login")
		c.PostFormRaw("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusForbidden)
	})
	t.Run("a POST with another session's token is refused", func(t *testing.T) {
		victim := testkit.Client(t, app)
		victim.Get("/login")
		attacker := testkit.Client(t, app)
		attacker.Get("/login")
		attacker.PostFormRaw("/login", url.Values{"_csrf": {victim.CSRFToken()}, "email": {u.Email}, "password": {u.Password}}).
			ExpectStatus(http.StatusForbidden)
	})
	t.Run("htmx sends the token as a header", func(t *testing.T) {
		c := testkit.Client(t, app)
		page := c.Get("/login")
		headers, _ := page.Find("body").Attr("hx-headers")
		if !strings.Contains(headers, c.CSRFToken()) {
			t.Fatalf("body hx-headers %q does not carry the token", headers)
		}
		req, _ := http.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {u.Email}, "password": {u.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set(handlers.HeaderCSRF, c.CSRFToken())
		res := c.Do(req)
		if res.StatusCode != http.StatusNoContent || res.Header.Get("HX-Redirect") != "/" {
			t.Fatalf("htmx sign-in: %d HX-Redirect=%q", res.StatusCode, res.Header.Get("HX-Redirect"))
		}
	})
	t.Run("the token changes at sign-in", func(t *testing.T) {
		tn := testkit.Tenant(t, app.Store).Create()
		m := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
		c := testkit.Client(t, app)
		c.Get("/login")
		before := c.CSRFToken()
		c.LoginAs(m)
		c.Get("/t/" + tn.Slug + "/")
		if c.CSRFToken() == before {
			t.Fatal("CSRF token survived sign-in")
		}
	})
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	limits := handlers.LoginLimits{PerIP: 6, PerEmail: 3, Window: time.Minute}

	t.Run("repeated failures for one email get 429 with Retry-After, on memory and on Redis", func(t *testing.T) {
		t.Parallel()
		for _, opts := range [][]testkit.Option{{testkit.WithLimits(limits)}, {testkit.WithLimits(limits), testkit.WithRedis()}} {
			app := testkit.NewApp(t, opts...)
			u := testkit.User(t, app.Store).Create()
			c := testkit.Client(t, app)
			for i := 0; i < limits.PerEmail; i++ {
				c.PostForm("/login", url.Values{"email": {u.Email}, "password": {"wrong password " + string(rune('a'+i))}}).
					ExpectStatus(http.StatusUnprocessableEntity)
			}
			res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {u.Password}}).ExpectStatus(http.StatusTooManyRequests)
			if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("Retry-After = %q", ra)
			}
			if res.Text("error-status") != "429" {
				t.Fatalf("no 429 page:\n%s", res.Body)
			}
		}
	})

	t.Run("successful sign-ins are not counted", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t, testkit.WithLimits(limits))
		u := testkit.User(t, app.Store).Create()
		for i := 0; i < limits.PerEmail+2; i++ {
			testkit.Client(t, app).LoginAs(u)
		}
	})

	t.Run("failures across many emails from one IP hit the per-IP limit", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t, testkit.WithLimits(limits))
		c := testkit.Client(t, app)
		var last int
		for i := 0; i <= limits.PerIP; i++ {
			last = c.PostForm("/login", url.Values{"email": {"spray" + string(rune('a'+i)) + "@example.com"}, "password": {"guess password"}}).StatusCode
		}
		if last != http.StatusTooManyRequests {
			t.Fatalf("attempt %d got %d, want 429", limits.PerIP+1, last)
		}
	})
}

func TestTenantAccess(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	mine := testkit.Tenant(t, app.Store).Name("Mine").Create()
	other := testkit.Tenant(t, app.Store).Name("Other").Create()
	inactive := testkit.Tenant(t, app.Store).Name("Dormant").Inactive().Create()
	member := testkit.User(t, app.Store).WithRole(mine, "customer").WithRole(inactive, "admin").Create()
	super := testkit.User(t, app.Store).SuperAdmin().Create()
	loner := testkit.User(t, app.Store).Create()

	cases := []struct {
		name string
		user testkit.FixtureUser
		path string
		want int
	}{
		{"a member opens their tenant", member, "/t/" + mine.Slug + "/", http.StatusOK},
		{"a member of another tenant is refused", member, "/t/" + other.Slug + "/", http.StatusForbidden},
		{"an inactive tenant is not found for its members", member, "/t/" + inactive.Slug + "/", http.StatusNotFound},
		{"a super admin opens any tenant", super, "/t/" + other.Slug + "/", http.StatusOK},
		{"a super admin opens an inactive tenant", super, "/t/" + inactive.Slug + "/", http.StatusOK},
		{"an unknown tenant is not found", super, "/t/no-such-tenant/", http.StatusNotFound},
		{"a user with no role is refused", loner, "/t/" + mine.Slug + "/", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := testkit.Client(t, app).LoginAs(tc.user).Get(tc.path).ExpectStatus(tc.want)
			if tc.want != http.StatusOK && res.TestID("error-page").Length() != 1 {
				t.Fatalf("no error page:\n%s", res.Body)
			}
		})
	}

	t.Run("a user with several tenants, or none, gets the picker", func(t *testing.T) {
		res := testkit.Client(t, app).LoginAs(super).Get("/").ExpectStatus(http.StatusOK)
		if n := res.TestID("tenant-list").Find("li").Length(); n != 2 {
			t.Fatalf("super admin picker lists %d tenants, want the 2 active ones", n)
		}
		res = testkit.Client(t, app).LoginAs(loner).Get("/").ExpectStatus(http.StatusOK)
		if res.TestID("empty-state").Length() != 1 {
			t.Fatalf("no empty state:\n%s", res.Body)
		}
	})
}

func sessionCookie(t *testing.T, res *testkit.Response) *http.Cookie {
	t.Helper()
	for _, ck := range res.Cookies() {
		if ck.Name == handlers.SessionCookie {
			return ck
		}
	}
	t.Fatalf("response sets no %s cookie", handlers.SessionCookie)
	return nil
}
