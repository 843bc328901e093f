package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// emails returns the emails of a page's users, in order.
func emails(p models.UserPage) []string {
	var out []string
	for _, u := range p.Users {
		out = append(out, u.Email)
	}
	return out
}

// validationFields returns the field messages of a *ValidationError, failing the test for any
// other error.
func validationFields(t *testing.T, err error) map[string]string {
	t.Helper()
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	return ve.Fields
}

func TestTenantUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	other := testkit.Tenant(t, store).Create()
	testkit.User(t, store).Email("alice@example.com").Name("Alice Able").WithRole(tn, "manager").WithRole(tn, "admin").Create()
	testkit.User(t, store).Email("bob@example.com").Name("Bob Baker").WithRole(tn, "customer").Create()
	testkit.User(t, store).Email("percent@example.com").Name("100% Juice").WithRole(tn, "customer").Create()
	testkit.User(t, store).Email("under_score@example.com").Name("Carl").WithRole(tn, "customer").Create()
	testkit.User(t, store).Email("both@example.com").Name("Dora Both").WithRole(tn, "customer").WithRole(other, "admin").Create()
	testkit.User(t, store).Email("outsider@example.com").Name("Olga Outsider").WithRole(other, "admin").Create()
	testkit.User(t, store).Email("super@example.com").Name("Super").SuperAdmin().Create()
	testkit.User(t, store).Email("nobody@example.com").Name("No Role").Create()

	list := func(t *testing.T, q models.UserQuery) models.UserPage {
		t.Helper()
		p, err := store.TenantUsers(ctx, tn.ID, q)
		if err != nil {
			t.Fatalf("TenantUsers(%+v): %v", q, err)
		}
		return p
	}

	t.Run("only users holding a role in the tenant are listed, by name, with their roles there", func(t *testing.T) {
		p := list(t, models.UserQuery{})
		want := []string{"percent@example.com", "alice@example.com", "bob@example.com", "under_score@example.com", "both@example.com"}
		if got := emails(p); !slices.Equal(got, want) {
			t.Fatalf("emails %v, want %v", got, want)
		}
		if p.Total != 5 || p.Page != 1 || p.PerPage != models.DefaultUsersPerPage || p.HasNext() || p.HasPrev() {
			t.Fatalf("page info %+v", p)
		}
		if got := p.Users[1].Roles; !slices.Equal(got, []string{"admin", "manager"}) {
			t.Errorf("alice's roles %v, want admin and manager", got)
		}
		if got := p.Users[4].Roles; !slices.Equal(got, []string{"customer"}) {
			t.Errorf("dora's roles here %v, want only customer (her admin role is in another tenant)", got)
		}
	})

	t.Run("the search matches email or name, whatever the case; % and _ match themselves", func(t *testing.T) {
		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"ALICE", []string{"alice@example.com"}},
			{"baker", []string{"bob@example.com"}},
			{"  dora  ", []string{"both@example.com"}},
			{"%", []string{"percent@example.com"}},
			{"_", []string{"under_score@example.com"}},
			{"olga", nil},  // a member of another tenant only
			{"super", nil}, // super admins are not members of the tenant
		} {
			if got := emails(list(t, models.UserQuery{Search: tc.search})); !slices.Equal(got, tc.want) {
				t.Errorf("search %q: %v, want %v", tc.search, got, tc.want)
			}
		}
	})

	t.Run("pages split the matching users and count them all", func(t *testing.T) {
		p := list(t, models.UserQuery{Page: 2, PerPage: 2})
		if got := emails(p); !slices.Equal(got, []string{"bob@example.com", "under_score@example.com"}) {
			t.Fatalf("page 2: %v", got)
		}
		if p.Total != 5 || p.Pages() != 3 || !p.HasPrev() || !p.HasNext() {
			t.Fatalf("page info %+v, pages %d", p, p.Pages())
		}
		if p := list(t, models.UserQuery{Page: 9, PerPage: 2}); len(p.Users) != 0 || p.Total != 5 {
			t.Fatalf("a page past the end: %+v", p)
		}
		if p := list(t, models.UserQuery{PerPage: 1000}); p.PerPage != models.MaxUsersPerPage {
			t.Fatalf("per page %d, want the cap %d", p.PerPage, models.MaxUsersPerPage)
		}
	})

	t.Run("a user is opened by id only in a tenant where they hold a role", func(t *testing.T) {
		outsider, err := store.UserByEmail(ctx, "outsider@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.TenantUserByID(ctx, tn.ID, outsider.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another tenant's user: %v, want ErrNotFound", err)
		}
		if _, err := store.TenantUserByID(ctx, tn.ID, uuid.New()); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("an unknown user: %v, want ErrNotFound", err)
		}
		tu, err := store.TenantUserByID(ctx, other.ID, outsider.ID)
		if err != nil || !slices.Equal(tu.Roles, []string{"admin"}) {
			t.Fatalf("own tenant: %+v, %v", tu, err)
		}
	})

	t.Run("an account with a role in another tenant or on the platform belongs elsewhere", func(t *testing.T) {
		for email, want := range map[string]bool{"alice@example.com": false, "both@example.com": true} {
			u, _ := store.UserByEmail(ctx, email)
			if got, err := store.BelongsElsewhere(ctx, u.ID, tn.ID); err != nil || got != want {
				t.Errorf("%s: BelongsElsewhere = %v, %v; want %v", email, got, err, want)
			}
		}
	})
}

func TestCreateTenantUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("the user, their role and both events are written together", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		rec := testkit.Events(t, store)
		u, err := store.CreateTenantUser(events.WithTenant(ctx, tn.ID), tn.ID,
			models.UserInput{Email: " Jane@Example.com ", Name: " Jane Doe ", Password: "a long enough password"}, "manager")
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "jane@example.com" || u.Name != "Jane Doe" || u.Status != models.UserActive {
			t.Fatalf("user %+v", u)
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"user.registered", "user.role_assigned"}) {
			t.Fatalf("events %v", got)
		}
		rows := rec.Rows(t)
		if rows[0].CorrelationID != rows[1].CorrelationID || rows[0].TenantID == nil || *rows[0].TenantID != tn.ID {
			t.Errorf("the events do not belong together to the tenant: %+v", rows)
		}
		if roles, _ := store.RolesIn(ctx, u.ID, tn.ID); !slices.Equal(roles, []string{"manager"}) {
			t.Errorf("roles %v", roles)
		}
		if _, err := store.Authenticate(ctx, "jane@example.com", "a long enough password", models.Client{}); err != nil {
			t.Errorf("the new user cannot sign in: %v", err)
		}
	})

	t.Run("every bad field is reported at once and nothing is written", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		rec := testkit.Events(t, store)
		_, err := store.CreateTenantUser(ctx, tn.ID, models.UserInput{Email: "not an email", Password: "short"}, "wizard")
		fields := validationFields(t, err)
		for _, f := range []string{"email", "password", "role"} {
			if fields[f] == "" {
				t.Errorf("no message for %s: %v", f, fields)
			}
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events written: %v", got)
		}
		if n, _ := store.CountUsers(ctx); n != 0 {
			t.Errorf("%d users exist", n)
		}
	})

	t.Run("a taken email, in any case, is a message on the email field and rolls everything back", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		testkit.User(t, store).Email("taken@example.com").Create()
		rec := testkit.Events(t, store)
		_, err := store.CreateTenantUser(ctx, tn.ID, models.UserInput{Email: "TAKEN@example.com", Password: "a long enough password"}, "customer")
		if msg := validationFields(t, err)["email"]; !strings.Contains(msg, "already exists") {
			t.Fatalf("email message %q", msg)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events written: %v", got)
		}
	})

	t.Run("a new user must get a role", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		_, err := store.CreateTenantUser(ctx, tn.ID, models.UserInput{Email: "x@example.com", Password: "a long enough password"}, "")
		if validationFields(t, err)["role"] == "" {
			t.Fatal("no role is not refused")
		}
	})
}

func TestInvitation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()

	invite := func(t *testing.T, email string) (*models.User, string) {
		t.Helper()
		u, token, err := store.InviteUser(events.WithTenant(ctx, tn.ID), tn.ID, email, "Invited", "customer")
		if err != nil {
			t.Fatal(err)
		}
		return u, token
	}

	t.Run("an invited user exists with their role but cannot sign in, and only the token's hash is stored", func(t *testing.T) {
		rec := testkit.Events(t, store)
		u, token := invite(t, "invited@example.com")
		if len(token) < 40 {
			t.Fatalf("token %q is too short to be unguessable", token)
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"user.registered", "user.role_assigned"}) {
			t.Fatalf("events %v", got)
		}
		var stored []models.PasswordToken
		store.DB().Where("user_id = ?", u.ID).Find(&stored)
		sum := sha256.Sum256([]byte(token))
		if len(stored) != 1 || stored[0].TokenHash != hex.EncodeToString(sum[:]) || stored[0].UsedAt != nil {
			t.Fatalf("stored tokens %+v", stored)
		}
		if d := time.Until(stored[0].ExpiresAt); d < 47*time.Hour || d > 48*time.Hour {
			t.Errorf("the link expires in %v, want 48 h", d)
		}
		if got, err := store.UserForPasswordToken(ctx, token); err != nil || got.ID != u.ID {
			t.Fatalf("UserForPasswordToken: %v, %v", got, err)
		}
	})

	t.Run("the link sets the password once, as the user, and then it is used up", func(t *testing.T) {
		u, token := invite(t, "once@example.com")
		_, err := store.SetPasswordWithToken(ctx, token, "short")
		if validationFields(t, err)["password"] == "" {
			t.Fatalf("a short password: %v", err)
		}
		rec := testkit.Events(t, store)
		if _, err := store.SetPasswordWithToken(ctx, token, "my own long password"); err != nil {
			t.Fatalf("a short password used the link up: %v", err)
		}
		ev := rec.Rows(t)
		if len(ev) != 1 || ev[0].EventType != "user.password_changed" || ev[0].ActorID == nil || *ev[0].ActorID != u.ID {
			t.Fatalf("events %+v", ev)
		}
		if _, err := store.Authenticate(ctx, "once@example.com", "my own long password", models.Client{}); err != nil {
			t.Fatalf("cannot sign in with the new password: %v", err)
		}
		if _, err := store.SetPasswordWithToken(ctx, token, "another long password"); !errors.Is(err, models.ErrLinkUsed) {
			t.Fatalf("second use: %v, want ErrLinkUsed", err)
		}
		if _, err := store.UserForPasswordToken(ctx, token); !errors.Is(err, models.ErrLinkUsed) {
			t.Fatalf("UserForPasswordToken after use: %v", err)
		}
	})

	t.Run("an expired or unknown link is refused", func(t *testing.T) {
		_, token := invite(t, "late@example.com")
		sum := sha256.Sum256([]byte(token))
		store.DB().Model(&models.PasswordToken{}).Where("token_hash = ?", hex.EncodeToString(sum[:])).
			Update("expires_at", time.Now().UTC().Add(-time.Minute))
		if _, err := store.SetPasswordWithToken(ctx, token, "my own long password"); !errors.Is(err, models.ErrLinkExpired) {
			t.Fatalf("expired: %v", err)
		}
		for _, bad := range []string{"", "no-such-token", token + "x", strings.Repeat("a", 500)} {
			if _, err := store.SetPasswordWithToken(ctx, bad, "my own long password"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("token %q: %v, want ErrNotFound", bad, err)
			}
		}
	})

	t.Run("two requests racing with one link: exactly one sets the password", func(t *testing.T) {
		_, token := invite(t, "race@example.com")
		errs := make(chan error, 2)
		for i := range 2 {
			go func() {
				_, err := store.SetPasswordWithToken(ctx, token, fmt.Sprintf("racing password %d!", i))
				errs <- err
			}()
		}
		ok := 0
		for range 2 {
			if err := <-errs; err == nil {
				ok++
			} else if !errors.Is(err, models.ErrLinkUsed) {
				t.Errorf("the losing request: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d requests set the password", ok)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a new name is user.updated with old and new", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Name("Old Name").Create()
		rec := testkit.Events(t, store)
		updated, err := store.UpdateUser(ctx, u.ID, models.UserUpdate{Name: ptr(" New Name ")})
		if err != nil || updated.Name != "New Name" {
			t.Fatalf("%+v, %v", updated, err)
		}
		ev := rec.Emitted(t, "user.updated")[0].(*events.UserUpdated)
		if c := ev.Changes["name"]; fmt.Sprint(c.Old) != "Old Name" || fmt.Sprint(c.New) != "New Name" || len(ev.Changes) != 1 {
			t.Fatalf("changes %+v", ev.Changes)
		}
		rec.NotEmitted(t, "user.deactivated")
	})

	t.Run("switching an active user off is also user.deactivated; they can no longer sign in", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		rec := testkit.Events(t, store)
		if _, err := store.UpdateUser(ctx, u.ID, models.UserUpdate{Status: ptr(models.UserBanned)}); err != nil {
			t.Fatal(err)
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"user.updated", "user.deactivated"}) {
			t.Fatalf("events %v", got)
		}
		if ev := rec.Emitted(t, "user.deactivated")[0].(*events.UserDeactivated); ev.Status != models.UserBanned {
			t.Errorf("deactivated with status %q", ev.Status)
		}
		if _, err := store.Authenticate(ctx, u.Email, u.Password, models.Client{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Errorf("a banned user signed in: %v", err)
		}

		rec = testkit.Events(t, store)
		if _, err := store.UpdateUser(ctx, u.ID, models.UserUpdate{Status: ptr(models.UserInactive)}); err != nil {
			t.Fatal(err)
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"user.updated"}) {
			t.Errorf("banned → inactive: events %v, want only user.updated", got)
		}
	})

	t.Run("saving what is already there emits nothing", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Name("Same").Create()
		rec := testkit.Events(t, store)
		if _, err := store.UpdateUser(ctx, u.ID, models.UserUpdate{Name: ptr("Same"), Status: ptr(models.UserActive)}); err != nil {
			t.Fatal(err)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})

	t.Run("bad values are refused field by field", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		_, err := store.UpdateUser(ctx, u.ID, models.UserUpdate{Name: ptr(strings.Repeat("n", 201)), Status: ptr("asleep")})
		fields := validationFields(t, err)
		if fields["name"] == "" || fields["status"] == "" {
			t.Fatalf("fields %v", fields)
		}
		if _, err := store.UpdateUser(ctx, uuid.New(), models.UserUpdate{Name: ptr("x")}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})

	t.Run("nobody may switch their own account off", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		_, err := store.UpdateUser(events.WithActor(ctx, u.ID), u.ID, models.UserUpdate{Status: ptr(models.UserInactive)})
		if validationFields(t, err)["status"] == "" {
			t.Fatalf("self-deactivation: %v", err)
		}
	})

	t.Run("the last user able to manage roles in a tenant cannot be switched off", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		admin := testkit.User(t, store).WithRole(tn, "admin").Create()
		super := testkit.User(t, store).SuperAdmin().Create()
		rec := testkit.Events(t, store)
		_, err := store.UpdateUser(events.WithActor(ctx, super.ID), admin.ID, models.UserUpdate{Status: ptr(models.UserInactive)})
		if !errors.Is(err, models.ErrLastRoleManager) || !models.IsGuardrail(err) {
			t.Fatalf("deactivating the only admin: %v", err)
		}
		if u, _ := store.UserByID(ctx, admin.ID); u.Status != models.UserActive {
			t.Fatalf("status changed to %q", u.Status)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
		testkit.User(t, store).WithRole(tn, "admin").Create()
		if _, err := store.UpdateUser(events.WithActor(ctx, super.ID), admin.ID, models.UserUpdate{Status: ptr(models.UserInactive)}); err != nil {
			t.Fatalf("with a second admin: %v", err)
		}
	})
}
