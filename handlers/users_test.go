package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// userEmails returns the emails of the user table's rows, top to bottom.
func userEmails(res *testkit.Response) []string {
	var out []string
	res.TestID("user-row").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find(`[data-testid="user-email"]`).Text()))
	})
	return out
}

// usersClient signs in a new user holding role in the tenant and opens the user list, so the
// client holds the CSRF token of its signed-in session.
func usersClient(t *testing.T, app *testkit.TestApp, tn *models.Tenant, role string) (*testkit.HTTPClient, testkit.FixtureUser) {
	t.Helper()
	c, u := testkit.ClientAs(t, app, tn, role)
	c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	return c, u
}

// usersCustomRole adds a role to the tenant with the permissions, straight through the store.
func usersCustomRole(t *testing.T, app *testkit.TestApp, tn *models.Tenant, name string, perms ...models.Permission) {
	t.Helper()
	ctx := context.Background()
	r := models.Role{ID: uuid.Must(uuid.NewV7()), TenantID: tn.ID, Name: name}
	if err := app.Store.DB().Create(&r).Error; err != nil {
		t.Fatal(err)
	}
	for _, p := range perms {
		if err := app.Store.SetPermission(ctx, tn.ID, name, p, true); err != nil {
			t.Fatal(err)
		}
	}
}

// userURL is the page of a user in the tenant.
func userURL(tn *models.Tenant, id uuid.UUID) string {
	return "/t/" + tn.Slug + "/users/" + id.String()
}

// rolesHeld returns the roles the user holds in the tenant.
func rolesHeld(t *testing.T, app *testkit.TestApp, tn *models.Tenant, id uuid.UUID) []string {
	t.Helper()
	roles, err := app.Store.RolesIn(context.Background(), id, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	return roles
}

func TestUserList(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	admin, adminUser := usersClient(t, app, tn, "admin")
	testkit.User(t, app.Store).Email("alice@example.com").Name("Alice Able").WithRole(tn, "manager").Create()
	testkit.User(t, app.Store).Email("bob@example.com").Name("Bob Baker").Status(models.UserBanned).WithRole(tn, "customer").Create()
	testkit.User(t, app.Store).Email("olga@example.com").Name("Olga Outsider").WithRole(other, "admin").Create()
	base := "/t/" + tn.Slug + "/users"

	t.Run("an admin sees this tenant's members only, with status, roles and last sign-in", func(t *testing.T) {
		res := admin.Get(base).ExpectStatus(http.StatusOK)
		if got, want := userEmails(res), []string{"alice@example.com", "bob@example.com", adminUser.Email}; !slices.Equal(got, want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
		cell := func(row int, id string) string {
			return strings.TrimSpace(res.TestID("user-row").Eq(row).Find(`[data-testid="` + id + `"]`).Text())
		}
		if cell(0, "user-name") != "Alice Able" || cell(0, "user-status") != "active" || cell(0, "user-roles") != "manager" ||
			cell(0, "user-last-login") != "Never" {
			t.Errorf("alice's row: %q", strings.Join(strings.Fields(res.TestID("user-row").Eq(0).Text()), " "))
		}
		if cell(1, "user-status") != "banned" {
			t.Errorf("bob's status %q", cell(1, "user-status"))
		}
		if cell(2, "user-last-login") == "Never" {
			t.Error("the admin signed in, but the list says never")
		}
		if href, _ := res.TestID("user-row").Eq(0).Find(`[data-testid="user-name"]`).Attr("href"); !strings.HasPrefix(href, base+"/") {
			t.Errorf("the name links to %q", href)
		}
		if !res.TestID("nav-users").HasClass("nav-link-active") {
			t.Error("the Users navigation link is not marked active")
		}
		if href, _ := res.TestID("new-user").Attr("href"); href != base+"/new" {
			t.Errorf("Create user links to %q", href)
		}
		if res.Text("page-info") != "Page 1 of 1 · 3 users" {
			t.Errorf("page info %q", res.Text("page-info"))
		}
	})

	t.Run("the search matches email or name and keeps what was typed", func(t *testing.T) {
		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"ALICE", []string{"alice@example.com"}},
			{"baker", []string{"bob@example.com"}},
			{"olga", nil},
			{"%", nil},
		} {
			res := admin.Get(base + "?" + url.Values{"q": {tc.search}}.Encode()).ExpectStatus(http.StatusOK)
			if got := userEmails(res); !slices.Equal(got, tc.want) {
				t.Errorf("search %q: %v, want %v", tc.search, got, tc.want)
			}
			if got := res.Find("#users-search").AttrOr("value", ""); got != tc.search {
				t.Errorf("the search box lost %q: %q", tc.search, got)
			}
			if tc.want == nil && res.TestID("empty-state").Length() != 1 {
				t.Errorf("search %q: no empty state", tc.search)
			}
		}
	})

	t.Run("the search box asks htmx for the table while the user types", func(t *testing.T) {
		box := admin.Get(base).Find("#users-search")
		for attr, want := range map[string]string{"name": "q", "hx-get": base, "hx-trigger": "input changed delay:300ms, search",
			"hx-target": "#users-table", "hx-push-url": "true"} {
			if got, _ := box.Attr(attr); got != want {
				t.Errorf("search box %s=%q, want %q", attr, got, want)
			}
		}
	})

	t.Run("an htmx search gets only the #users-table fragment", func(t *testing.T) {
		hx := testkit.Client(t, app).LoginAs(adminUser)
		hx.Header.Set("HX-Request", "true")
		res := hx.Get(base + "?q=alice").ExpectStatus(http.StatusOK)
		if strings.Contains(string(res.Body), "<html") || res.Find("nav").Length() > 1 || res.Find("#users-table").Length() != 1 {
			t.Fatalf("want the #users-table fragment alone:\n%s", res.Body)
		}
		if got := userEmails(res); !slices.Equal(got, []string{"alice@example.com"}) {
			t.Fatalf("rows %v", got)
		}
		if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
			t.Error("the response does not vary on HX-Request")
		}
	})

	t.Run("pages of the list link to each other with the same search", func(t *testing.T) {
		res := admin.Get(base + "?per_page=2").ExpectStatus(http.StatusOK)
		if got := userEmails(res); len(got) != 2 || res.Text("page-info") != "Page 1 of 2 · 3 users" {
			t.Fatalf("page 1: %v, %q", got, res.Text("page-info"))
		}
		// Next follows the keyset cursor of the page's last row; page=N links still work.
		next, _ := res.TestID("next-page").Attr("href")
		if !strings.HasPrefix(next, base+"?cursor=") || !strings.HasSuffix(next, "&per_page=2") {
			t.Fatalf("next link %q", next)
		}
		for _, link := range []string{next, base + "?page=2&per_page=2"} {
			res = admin.Get(link).ExpectStatus(http.StatusOK)
			if got := userEmails(res); !slices.Equal(got, []string{adminUser.Email}) || res.TestID("prev-page").Length() != 1 ||
				res.Text("page-info") != "Page 2 of 2 · 3 users" {
				t.Fatalf("%s: %v, %q", link, got, res.Text("page-info"))
			}
		}
		admin.Get(base + "?page=zero").ExpectStatus(http.StatusUnprocessableEntity)
		admin.Get(base + "?cursor=zero").ExpectStatus(http.StatusUnprocessableEntity)
		// A page number whose offset would overflow is capped: an empty page, not a 500.
		admin.Get(base + "?page=1000000000000000000").ExpectStatus(http.StatusOK)
	})

	t.Run("a manager sees the list without the Create button; a customer may not open it", func(t *testing.T) {
		m, _ := usersClient(t, app, tn, "manager")
		res := m.Get(base).ExpectStatus(http.StatusOK)
		if res.TestID("new-user").Length() != 0 {
			t.Error("a manager is offered Create user, which answers 403")
		}
		c, _ := usersClient(t, app, tn, "customer")
		c.Get(base).ExpectStatus(http.StatusForbidden)
		if c.Get("/t/"+tn.Slug+"/").TestID("nav-users").Length() != 0 {
			t.Error("a customer sees the Users link")
		}
	})
}

func TestUserCreate(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := usersClient(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/users"

	t.Run("the form offers the tenant's roles and both ways to set a password", func(t *testing.T) {
		res := admin.Get(base + "/new").ExpectStatus(http.StatusOK)
		var roles []string
		res.Find("#user-role option").Each(func(_ int, s *goquery.Selection) {
			if v, _ := s.Attr("value"); v != "" {
				roles = append(roles, v)
			}
		})
		if !slices.Equal(roles, []string{"admin", "customer", "manager"}) {
			t.Errorf("roles offered %v", roles)
		}
		if res.TestID("mode-password").Length() != 1 || res.TestID("mode-invite").Length() != 1 {
			t.Error("the form does not offer a password and an invite")
		}
	})

	t.Run("with an initial password: both events in one transaction, and the user can sign in to the tenant", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(base, url.Values{"email": {"New.Person@Example.com"}, "name": {"New Person"}, "role": {"manager"},
			"mode": {"password"}, "password": {"a long enough password"}}).ExpectStatus(http.StatusSeeOther)
		u, err := app.Store.UserByEmail(context.Background(), "new.person@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if res.Location() != userURL(tn, u.ID) {
			t.Fatalf("redirect to %q", res.Location())
		}
		page := admin.Get(res.Location()).ExpectStatus(http.StatusOK)
		if !strings.Contains(page.Text("flash-message"), "created") || page.TestID("invite-link").Length() != 0 {
			t.Errorf("flash %q", page.Text("flash-message"))
		}
		rows := rec.Rows(t)
		if len(rows) != 2 || rows[0].EventType != "user.registered" || rows[1].EventType != "user.role_assigned" ||
			rows[0].CorrelationID == "" || rows[0].CorrelationID != rows[1].CorrelationID || rows[1].TenantID == nil || *rows[1].TenantID != tn.ID {
			t.Fatalf("events %+v", rows)
		}
		c := testkit.Client(t, app).LoginAs(testkit.FixtureUser{User: u, Password: "a long enough password"})
		home := c.Get("/").ExpectStatus(http.StatusSeeOther)
		if home.Location() != "/t/"+tn.Slug+"/" {
			t.Fatalf("the new user is sent to %q", home.Location())
		}
		c.Get(home.Location()).ExpectStatus(http.StatusOK)
		c.Get(base).ExpectStatus(http.StatusOK) // a manager may list users
	})

	t.Run("bad input is a 422 with what was typed kept and nothing written", func(t *testing.T) {
		testkit.User(t, app.Store).Email("taken@example.com").Create()
		for _, tc := range []struct {
			name, email, password, role, field, message string
		}{
			{"a taken email", "Taken@example.com", "a long enough password", "customer", "email", "already exists"},
			{"a bad email", "not-an-email", "a long enough password", "customer", "email", "jane@example.com"},
			{"a short password", "short@example.com", "short", "customer", "password", "12 characters"},
			{"an unknown role", "role@example.com", "a long enough password", "wizard", "role", "no role “wizard”"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec := testkit.Events(t, app.Store)
				res := admin.PostForm(base, url.Values{"email": {tc.email}, "name": {"Typed Name"}, "role": {tc.role},
					"mode": {"password"}, "password": {tc.password}}).ExpectStatus(http.StatusUnprocessableEntity)
				if got := res.Text("user-" + tc.field + "-error"); !strings.Contains(got, tc.message) {
					t.Errorf("%s message %q, want it to mention %q", tc.field, got, tc.message)
				}
				if res.Find("#user-email").AttrOr("value", "") != strings.TrimSpace(tc.email) || res.Find("#user-name").AttrOr("value", "") != "Typed Name" {
					t.Error("the form lost what was typed")
				}
				if tc.role != "wizard" && res.Find("#user-role option[selected]").AttrOr("value", "") != tc.role {
					t.Error("the form lost the chosen role")
				}
				if res.Find("#user-password").AttrOr("value", "") != "" {
					t.Error("the password is sent back to the browser")
				}
				if got := rec.Types(t); len(got) != 0 {
					t.Errorf("events written: %v", got)
				}
			})
		}
		if _, err := app.Store.UserByEmail(context.Background(), "short@example.com"); err == nil {
			t.Error("a refused user was created")
		}
	})

	t.Run("a role that allows more than the creator may do cannot be handed out", func(t *testing.T) {
		usersCustomRole(t, app, tn, "hr", models.Permission{Resource: "users", Action: "manage"})
		hr, _ := usersClient(t, app, tn, "hr")
		rec := testkit.Events(t, app.Store)
		res := hr.PostForm(base, url.Values{"email": {"crony@example.com"}, "role": {"admin"}, "mode": {"password"},
			"password": {"a long enough password"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if got := res.Text("user-role-error"); !strings.Contains(got, "You cannot give the role “admin”") {
			t.Errorf("role message %q", got)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events written: %v", got)
		}
		hr.PostForm(base, url.Values{"email": {"colleague@example.com"}, "role": {"hr"}, "mode": {"password"},
			"password": {"a long enough password"}}).ExpectStatus(http.StatusSeeOther)
	})

	t.Run("a manager may not open the form nor create users", func(t *testing.T) {
		m, _ := usersClient(t, app, tn, "manager")
		m.Get(base + "/new").ExpectStatus(http.StatusForbidden)
		m.PostForm(base, url.Values{"email": {"x@example.com"}, "role": {"customer"}, "mode": {"password"},
			"password": {"a long enough password"}}).ExpectStatus(http.StatusForbidden)
	})

	t.Run("without a CSRF token nothing is created", func(t *testing.T) {
		admin.PostFormRaw(base, url.Values{"email": {"csrf@example.com"}, "role": {"customer"}, "mode": {"password"},
			"password": {"a long enough password"}}).ExpectStatus(http.StatusForbidden)
		if _, err := app.Store.UserByEmail(context.Background(), "csrf@example.com"); err == nil {
			t.Error("created without a CSRF token")
		}
	})
}

func TestUserInvite(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := usersClient(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/users"

	invite := func(t *testing.T, email string) string {
		t.Helper()
		res := admin.PostForm(base, url.Values{"email": {email}, "name": {"Invitee"}, "role": {"customer"}, "mode": {"invite"},
			"password": {"ignored"}}).ExpectStatus(http.StatusSeeOther)
		page := admin.Get(res.Location()).ExpectStatus(http.StatusOK)
		link := page.TestID("invite-link").AttrOr("value", "")
		if !strings.HasPrefix(link, "http://rustok.test/set-password/") {
			t.Fatalf("invite link %q", link)
		}
		if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the page with the link may be cached: Cache-Control %q", cc)
		}
		if admin.Get(res.Location()).TestID("invite-link").Length() != 0 {
			t.Fatal("the invite link is shown a second time")
		}
		return strings.TrimPrefix(link, "http://rustok.test")
	}

	t.Run("an invited user shows as invited, in the list and on their page, until they set a password", func(t *testing.T) {
		path := invite(t, "pending@example.com")
		u, _ := app.Store.UserByEmail(context.Background(), "pending@example.com")
		status := func() (list, page string) {
			for _, row := range admin.Get(base).ExpectStatus(http.StatusOK).Find(`[data-testid="user-row"]`).EachIter() {
				if row.AttrOr("data-user-id", "") == u.ID.String() {
					list = strings.TrimSpace(row.Find(`[data-testid="user-status"]`).Text())
				}
			}
			return list, admin.Get(base + "/" + u.ID.String()).ExpectStatus(http.StatusOK).Text("user-status")
		}
		if list, page := status(); list != "invited" || page != "invited" {
			t.Errorf("before the password: list %q, page %q, want invited", list, page)
		}
		if admin.Get(base+"/"+u.ID.String()).TestID("user-invited").Length() != 1 {
			t.Error("the user page does not say the invitation is pending")
		}
		testkit.Client(t, app).PostForm(path, url.Values{"password": {"my own long password"}, "password_confirm": {"my own long password"}}).
			ExpectStatus(http.StatusSeeOther)
		if list, page := status(); list != "active" || page != "active" {
			t.Errorf("after the password: list %q, page %q, want active", list, page)
		}
	})

	t.Run("the invitation link comes with a Copy button (shown by app.js) and a user with a password is never invited", func(t *testing.T) {
		res := admin.PostForm(base, url.Values{"email": {"copy@example.com"}, "name": {"Copy"}, "role": {"customer"}, "mode": {"invite"}}).
			ExpectStatus(http.StatusSeeOther)
		page := admin.Get(res.Location()).ExpectStatus(http.StatusOK)
		if page.TestID("copy-invite-link").AttrOr("data-copy", "") != "invite-link" || page.Text("user-status") != "invited" {
			t.Errorf("no Copy button for the link:\n%.2000s", page.Body)
		}
		res = admin.PostForm(base, url.Values{"email": {"direct@example.com"}, "name": {"Direct"}, "role": {"customer"}, "mode": {"password"},
			"password": {"a long enough password"}}).ExpectStatus(http.StatusSeeOther)
		if got := admin.Get(res.Location()).Text("user-status"); got != "active" {
			t.Errorf("a user created with a password shows %q", got)
		}
	})

	t.Run("the link is shown once and sets the password once; then the user can sign in", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		path := invite(t, "invitee@example.com")
		if got := rec.Types(t); !slices.Equal(got, []string{"user.registered", "user.role_assigned"}) {
			t.Fatalf("events %v", got)
		}
		visitor := testkit.Client(t, app)
		form := visitor.Get(path).ExpectStatus(http.StatusOK)
		if form.Text("set-password-email") != "invitee@example.com" {
			t.Fatalf("the form is not for the invitee:\n%s", form.Body)
		}
		if rp := form.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("Referrer-Policy %q", rp)
		}
		res := visitor.PostForm(path, url.Values{"password": {"my own long password"}, "password_confirm": {"my own long passwore"}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("password_confirm-error"), "not the same") {
			t.Errorf("mismatch message %q", res.Text("password_confirm-error"))
		}
		res = visitor.PostForm(path, url.Values{"password": {"short"}, "password_confirm": {"short"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Text("password-error") == "" {
			t.Error("a short password gets no message")
		}
		rec = testkit.Events(t, app.Store)
		res = visitor.PostForm(path, url.Values{"password": {"my own long password"}, "password_confirm": {"my own long password"}}).
			ExpectStatus(http.StatusSeeOther)
		if res.Location() != "/login" {
			t.Fatalf("after setting the password: %q", res.Location())
		}
		if !strings.Contains(visitor.Get("/login").Text("flash-message"), "Your password is set") {
			t.Error("no confirmation on the sign-in page")
		}
		rec.Emitted(t, "user.password_changed")
		u, _ := app.Store.UserByEmail(context.Background(), "invitee@example.com")
		c := testkit.Client(t, app).LoginAs(testkit.FixtureUser{User: u, Password: "my own long password"})
		c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)

		again := testkit.Client(t, app).Get(path).ExpectStatus(http.StatusGone)
		if !strings.Contains(again.Text("link-problem"), "already been used") || again.Find(`input[name="password"]`).Length() != 0 {
			t.Fatalf("a used link:\n%s", again.Body)
		}
		other := testkit.Client(t, app)
		other.Get("/login")
		other.PostForm(path, url.Values{"password": {"hijacked password!"}, "password_confirm": {"hijacked password!"}}).
			ExpectStatus(http.StatusGone)
	})

	t.Run("an expired link says so", func(t *testing.T) {
		path := invite(t, "late@example.com")
		sum := sha256.Sum256([]byte(strings.TrimPrefix(path, "/set-password/")))
		app.Store.DB().Model(&models.PasswordToken{}).Where("token_hash = ?", hex.EncodeToString(sum[:])).
			Update("expires_at", time.Now().UTC().Add(-time.Second))
		res := testkit.Client(t, app).Get(path).ExpectStatus(http.StatusGone)
		if !strings.Contains(res.Text("link-problem"), "expired") {
			t.Fatalf("problem %q", res.Text("link-problem"))
		}
	})

	t.Run("an unknown link is 404 with a clear message", func(t *testing.T) {
		res := testkit.Client(t, app).Get("/set-password/not-a-real-token").ExpectStatus(http.StatusNotFound)
		if !strings.Contains(res.Text("link-problem"), "not valid") {
			t.Fatalf("problem %q", res.Text("link-problem"))
		}
	})
}

func TestUserEdit(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	other := testkit.Tenant(t, app.Store).Create()
	admin, _ := usersClient(t, app, tn, "admin")

	t.Run("the page edits name and status, lists roles, and loads the history with htmx", func(t *testing.T) {
		u := testkit.User(t, app.Store).Name("Old Name").WithRole(tn, "customer").Create()
		res := admin.Get(userURL(tn, u.ID)).ExpectStatus(http.StatusOK)
		if res.Text("page-title") != "Old Name" || res.Find("#user-name").AttrOr("value", "") != "Old Name" {
			t.Fatalf("page:\n%s", res.Body)
		}
		if got, _ := res.TestID("user-history").Attr("hx-get"); got != "/t/"+tn.Slug+"/events/aggregate/user/"+u.ID.String() {
			t.Errorf("history hx-get %q", got)
		}
		if res.Find(`[data-testid="role-choice"][data-held]`).AttrOr("data-role", "") != "customer" || res.TestID("assign-admin").Length() != 1 {
			t.Error("the roles card does not show customer held and admin assignable")
		}

		rec := testkit.Events(t, app.Store)
		res = admin.PostForm(userURL(tn, u.ID), url.Values{"version": {versionOf(app, "users", "id = ?", u.ID)}, "name": {"New Name"}, "status": {"active"}}).ExpectStatus(http.StatusSeeOther)
		ev := rec.Emitted(t, "user.updated")[0].(*events.UserUpdated)
		if c := ev.Changes["name"]; c.Old != "Old Name" || c.New != "New Name" {
			t.Fatalf("changes %+v", ev.Changes)
		}
		rec.NotEmitted(t, "user.deactivated")
		if got := admin.Get(res.Location()).Text("flash-message"); !strings.Contains(got, "updated") {
			t.Errorf("flash %q", got)
		}
		hx := admin.Get("/t/" + tn.Slug + "/events/aggregate/user/" + u.ID.String())
		if !strings.Contains(hx.Text("history-summary"), "name: Old Name → New Name") {
			t.Errorf("the history does not show the change: %q", hx.Text("history-summary"))
		}
	})

	t.Run("bad input is a 422 with what was typed kept", func(t *testing.T) {
		u := testkit.User(t, app.Store).Name("Kept").WithRole(tn, "customer").Create()
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(userURL(tn, u.ID), url.Values{"version": {versionOf(app, "users", "id = ?", u.ID)}, "name": {strings.Repeat("x", 201)}, "status": {"asleep"}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if res.Text("user-name-error") == "" || res.Text("user-status-error") == "" {
			t.Fatalf("messages missing:\n%s", res.Body)
		}
		if res.Find("#user-name").AttrOr("value", "") != strings.Repeat("x", 201) {
			t.Error("the name typed was lost")
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events %v", got)
		}
	})

	t.Run("deactivating ends the user's open session at once", func(t *testing.T) {
		victim, vu := usersClient(t, app, tn, "manager")
		victim.Get("/t/" + tn.Slug + "/users").ExpectStatus(http.StatusOK)
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(userURL(tn, vu.ID), url.Values{"version": {versionOf(app, "users", "id = ?", vu.ID)}, "name": {vu.Name}, "status": {"inactive"}}).ExpectStatus(http.StatusSeeOther)
		if ev := rec.Emitted(t, "user.deactivated")[0].(*events.UserDeactivated); ev.UserID != vu.ID || ev.Status != "inactive" {
			t.Fatalf("payload %+v", ev)
		}
		if got := admin.Get(res.Location()).Text("flash-message"); !strings.Contains(got, "sessions have ended") {
			t.Errorf("flash %q", got)
		}
		next := victim.Get("/t/" + tn.Slug + "/users")
		if next.StatusCode != http.StatusSeeOther || !strings.HasPrefix(next.Location(), "/login") {
			t.Fatalf("the deactivated user's next request: %d %q", next.StatusCode, next.Location())
		}
		if victim.Get("/login").Find(`input[name="email"]`).Length() != 1 {
			t.Error("the deactivated user is not shown the sign-in form")
		}
	})

	t.Run("an admin cannot deactivate their own account", func(t *testing.T) {
		self, su := usersClient(t, app, tn, "admin")
		res := self.PostForm(userURL(tn, su.ID), url.Values{"version": {versionOf(app, "users", "id = ?", su.ID)}, "name": {su.Name}, "status": {"banned"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("user-status-error"), "your own account") {
			t.Errorf("message %q", res.Text("user-status-error"))
		}
	})

	t.Run("another tenant's user is not found here", func(t *testing.T) {
		outsider := testkit.User(t, app.Store).WithRole(other, "customer").Create()
		admin.Get(userURL(tn, outsider.ID)).ExpectStatus(http.StatusNotFound)
		admin.PostForm(userURL(tn, outsider.ID), url.Values{"version": {versionOf(app, "users", "id = ?", outsider.ID)}, "name": {"Hijacked"}, "status": {"banned"}}).ExpectStatus(http.StatusNotFound)
		admin.PostForm(userURL(tn, outsider.ID)+"/roles", url.Values{"role": {"admin"}}).ExpectStatus(http.StatusNotFound)
		admin.PostForm(userURL(tn, outsider.ID)+"/roles/revoke", url.Values{"role": {"customer"}}).ExpectStatus(http.StatusNotFound)
		admin.Get("/t/" + tn.Slug + "/users/not-a-uuid").ExpectStatus(http.StatusNotFound)
		if u, _ := app.Store.UserByID(context.Background(), outsider.ID); u.Name == "Hijacked" || u.Status != models.UserActive {
			t.Fatalf("the outsider was changed: %+v", u)
		}
		if got := rolesHeld(t, app, tn, outsider.ID); len(got) != 0 {
			t.Fatal("the outsider got a role here")
		}
	})

	t.Run("an account that also belongs to another tenant is renamed or switched off by super admins only", func(t *testing.T) {
		shared := testkit.User(t, app.Store).Name("Shared").WithRole(tn, "customer").WithRole(other, "admin").Create()
		res := admin.Get(userURL(tn, shared.ID)).ExpectStatus(http.StatusOK)
		if res.TestID("user-locked").Length() != 1 || res.Find("#user-status").Length() != 0 {
			t.Error("the tenant admin is offered a form they may not use")
		}
		admin.PostForm(userURL(tn, shared.ID), url.Values{"version": {versionOf(app, "users", "id = ?", shared.ID)}, "name": {"Renamed"}, "status": {"banned"}}).ExpectStatus(http.StatusForbidden)
		super := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
		super.Get(userURL(tn, shared.ID)).ExpectStatus(http.StatusOK)
		super.PostForm(userURL(tn, shared.ID), url.Values{"version": {versionOf(app, "users", "id = ?", shared.ID)}, "name": {"Renamed"}, "status": {"active"}}).ExpectStatus(http.StatusSeeOther)
	})

	t.Run("a manager may read a user but not change them", func(t *testing.T) {
		u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
		m, _ := usersClient(t, app, tn, "manager")
		res := m.Get(userURL(tn, u.ID)).ExpectStatus(http.StatusOK)
		if res.Find("form#user-form, [data-testid=user-form]").Length() != 0 || res.TestID("assign-admin").Length() != 0 {
			t.Error("a manager is offered forms that answer 403")
		}
		m.PostForm(userURL(tn, u.ID), url.Values{"version": {versionOf(app, "users", "id = ?", u.ID)}, "name": {"x"}, "status": {"active"}}).ExpectStatus(http.StatusForbidden)
		m.PostForm(userURL(tn, u.ID)+"/roles", url.Values{"role": {"manager"}}).ExpectStatus(http.StatusForbidden)
		m.PostForm(userURL(tn, u.ID)+"/roles/revoke", url.Values{"role": {"customer"}}).ExpectStatus(http.StatusForbidden)
	})

	t.Run("without a CSRF token nothing changes", func(t *testing.T) {
		u := testkit.User(t, app.Store).Name("Untouched").WithRole(tn, "customer").Create()
		admin.PostFormRaw(userURL(tn, u.ID), url.Values{"name": {"Changed"}, "status": {"banned"}}).ExpectStatus(http.StatusForbidden)
		admin.PostFormRaw(userURL(tn, u.ID)+"/roles", url.Values{"role": {"admin"}}).ExpectStatus(http.StatusForbidden)
		admin.PostFormRaw(userURL(tn, u.ID)+"/roles/revoke", url.Values{"role": {"customer"}}).ExpectStatus(http.StatusForbidden)
		if got, _ := app.Store.UserByID(context.Background(), u.ID); got.Name != "Untouched" || got.Status != models.UserActive {
			t.Fatalf("changed without a CSRF token: %+v", got)
		}
		if got := rolesHeld(t, app, tn, u.ID); !slices.Equal(got, []string{"customer"}) {
			t.Fatalf("roles %v", got)
		}
	})
}

func TestUserRoles(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, adminUser := usersClient(t, app, tn, "admin")
	member, mu := usersClient(t, app, tn, "customer")
	list := "/t/" + tn.Slug + "/users"

	t.Run("assigning a role emits its event and opens the pages it allows on the next request", func(t *testing.T) {
		member.Get(list).ExpectStatus(http.StatusForbidden)
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(userURL(tn, mu.ID)+"/roles", url.Values{"role": {"manager"}}).ExpectStatus(http.StatusSeeOther)
		ev := rec.Emitted(t, "user.role_assigned")[0].(*events.UserRoleAssigned)
		if ev.UserID != mu.ID || ev.Role != "manager" || ev.Tenant != tn.ID.String() {
			t.Fatalf("payload %+v", ev)
		}
		if got := admin.Get(res.Location()).Text("flash-message"); !strings.Contains(got, "now has the role manager") {
			t.Errorf("flash %q", got)
		}
		member.Get(list).ExpectStatus(http.StatusOK)
	})

	t.Run("revoking a role emits its event and closes the pages on the next request", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		admin.PostForm(userURL(tn, mu.ID)+"/roles/revoke", url.Values{"role": {"manager"}}).ExpectStatus(http.StatusSeeOther)
		ev := rec.Emitted(t, "user.role_revoked")[0].(*events.UserRoleRevoked)
		if ev.UserID != mu.ID || ev.Role != "manager" {
			t.Fatalf("payload %+v", ev)
		}
		member.Get(list).ExpectStatus(http.StatusForbidden)
		if got := rolesHeld(t, app, tn, mu.ID); !slices.Equal(got, []string{"customer"}) {
			t.Fatalf("roles %v", got)
		}
	})

	t.Run("revoking the last admin is refused with the guardrail's message and changes nothing", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(userURL(tn, adminUser.ID)+"/roles/revoke", url.Values{"role": {"admin"}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		msg := res.Text("flash")
		guards := []string{models.ErrLastRoleManager.Fields["guard"], models.ErrOwnRoleManagement.Fields["guard"], models.ErrLastAdmin.Fields["guard"]}
		if !slices.Contains(guards, msg) {
			t.Fatalf("role error %q, want a guardrail message", msg)
		}
		if got := rolesHeld(t, app, tn, adminUser.ID); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("roles %v", got)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
		admin.Get(list).ExpectStatus(http.StatusOK)
	})

	t.Run("a role the user does not hold, or that does not exist, is a 422 on the page", func(t *testing.T) {
		res := admin.PostForm(userURL(tn, mu.ID)+"/roles/revoke", url.Values{"role": {"admin"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "does not have the role") {
			t.Errorf("message %q", res.Text("flash"))
		}
		res = admin.PostForm(userURL(tn, mu.ID)+"/roles", url.Values{"role": {"wizard"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "no role “wizard”") {
			t.Errorf("message %q", res.Text("flash"))
		}
	})

	t.Run("a role that allows more than the assigner may do cannot be handed out", func(t *testing.T) {
		usersCustomRole(t, app, tn, "helpdesk", models.Permission{Resource: "users", Action: "update"}, models.Permission{Resource: "users", Action: "read"})
		hd, hu := usersClient(t, app, tn, "helpdesk")
		hd.Get(userURL(tn, hu.ID)).ExpectStatus(http.StatusOK)
		res := hd.PostForm(userURL(tn, hu.ID)+"/roles", url.Values{"role": {"admin"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "You cannot give the role “admin”") {
			t.Errorf("message %q", res.Text("flash"))
		}
		if got := rolesHeld(t, app, tn, hu.ID); !slices.Equal(got, []string{"helpdesk"}) {
			t.Fatalf("helpdesk gave themselves %v", got)
		}
	})

	t.Run("nobody takes a role away, renames or switches off someone who may do more: 422 and the reason", func(t *testing.T) {
		hd, _ := usersClient(t, app, tn, "helpdesk")
		hd.Get(userURL(tn, adminUser.ID)).ExpectStatus(http.StatusOK)
		rec := testkit.Events(t, app.Store)
		res := hd.PostForm(userURL(tn, adminUser.ID)+"/roles/revoke", url.Values{"role": {"admin"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if got := res.Text("flash"); !strings.HasPrefix(got, "You cannot take the role “admin” away from this user: it allows ") {
			t.Errorf("message %q", got)
		}
		res = hd.PostForm(userURL(tn, adminUser.ID), url.Values{"name": {"Demoted"}, "status": {models.UserBanned}}).ExpectStatus(http.StatusUnprocessableEntity)
		if got := res.Text("flash"); got != "You cannot change this user: they may do more than you." {
			t.Errorf("message %q", got)
		}
		if got := rolesHeld(t, app, tn, adminUser.ID); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("roles %v", got)
		}
		if u, _ := app.Store.UserByID(context.Background(), adminUser.ID); u.Name != adminUser.Name || u.Status != models.UserActive {
			t.Fatalf("the admin was changed: %+v", u)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})

	t.Run("taking away the last role removes the user from the tenant", func(t *testing.T) {
		u := testkit.User(t, app.Store).Email("leaver@example.com").WithRole(tn, "customer").Create()
		res := admin.PostForm(userURL(tn, u.ID)+"/roles/revoke", url.Values{"role": {"customer"}}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != list {
			t.Fatalf("redirect to %q", res.Location())
		}
		page := admin.Get(list)
		if !strings.Contains(page.Text("flash-message"), "has left this tenant") || slices.Contains(userEmails(page), "leaver@example.com") {
			t.Errorf("flash %q, rows %v", page.Text("flash-message"), userEmails(page))
		}
		admin.Get(userURL(tn, u.ID)).ExpectStatus(http.StatusNotFound)
	})
}

// TestUserRolesWhileAnotherProcessWrites runs the app on a SQLite file that a second process
// (a second store on the same file) keeps locked for longer than busy_timeout: the change is a
// 503 that says to try again, never a 500, and nothing is changed.
func TestUserRolesWhileAnotherProcessWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rustok.db")
	store, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	app := testkit.NewApp(t, testkit.WithStore(store))
	tn := testkit.Tenant(t, store).Create()
	admin, _ := usersClient(t, app, tn, "admin")
	target := testkit.User(t, store).WithRole(tn, "admin").Create()
	admin.Get(userURL(tn, target.ID)).ExpectStatus(http.StatusOK)
	// The store keeps its one connection, so the pragma lasts; 50 ms keeps the test fast.
	if err := store.DB().Exec("PRAGMA busy_timeout = 50").Error; err != nil {
		t.Fatal(err)
	}
	rec := testkit.Events(t, store)
	locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		held <- other.WithTx(ctx, func(context.Context) error {
			close(locked) // BEGIN IMMEDIATE holds the write lock from here
			<-release
			return nil
		})
	}()
	<-locked
	res := admin.PostForm(userURL(tn, target.ID)+"/roles/revoke", url.Values{"role": {"admin"}})
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	res.ExpectStatus(http.StatusServiceUnavailable)
	if body := string(res.Body); !strings.Contains(body, "busy") || !strings.Contains(body, "try again") {
		t.Errorf("the page does not say the database is busy:\n%s", body)
	}
	if got := rolesHeld(t, app, tn, target.ID); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("roles %v", got)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("events %v", got)
	}
}
