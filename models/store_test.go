package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestWithTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("an error rolls back every write of the transaction", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		boom := errors.New("boom")
		err := store.WithTx(ctx, func(ctx context.Context) error {
			if _, err := store.CreateTenant(ctx, models.TenantInput{Slug: "rolled-back", Name: "Gone"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx returned %v, want boom", err)
		}
		if _, err := store.TenantBySlug(ctx, "rolled-back"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("tenant survived the rollback: %v", err)
		}
	})

	t.Run("a nested call joins the outer transaction, so the outer failure undoes it", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		boom := errors.New("boom")
		err := store.WithTx(ctx, func(ctx context.Context) error {
			// CreateUser opens its own WithTx; inside ours it must join, not commit on its own.
			if _, err := store.CreateUser(ctx, models.UserInput{Email: "nested@example.com", Password: "long enough password"}); err != nil {
				return err
			}
			if !models.InTx(ctx) {
				t.Error("context lost its transaction")
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx returned %v", err)
		}
		if _, err := store.UserByEmail(ctx, "nested@example.com"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the nested write committed on its own: %v", err)
		}
	})

	t.Run("a commit keeps every write", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		err := store.WithTx(ctx, func(ctx context.Context) error {
			tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "kept", Name: "Kept"})
			if err != nil {
				return err
			}
			u, err := store.CreateUser(ctx, models.UserInput{Email: "kept@example.com", Password: "long enough password"})
			if err != nil {
				return err
			}
			return store.AssignRole(ctx, u.ID, "admin", tn.ID.String())
		})
		if err != nil {
			t.Fatal(err)
		}
		u, err := store.UserByEmail(ctx, "kept@example.com")
		if err != nil {
			t.Fatal(err)
		}
		tn, err := store.TenantBySlug(ctx, "kept")
		if err != nil {
			t.Fatal(err)
		}
		roles, err := store.RolesIn(ctx, u.ID, tn.ID)
		if err != nil || len(roles) != 1 || roles[0] != "admin" {
			t.Fatalf("roles = %v, %v; want [admin]", roles, err)
		}
	})
}

func TestTenantValidation(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	testkit.Tenant(t, store).Slug("taken").Domain("taken.example.com").Create()

	cases := []struct {
		name  string
		in    models.TenantInput
		field string // "" = valid; "conflict" = unique clash
	}{
		{"a plain slug and name are accepted", models.TenantInput{Slug: "shop-1", Name: "Shop"}, ""},
		{"the slug is lowercased and trimmed", models.TenantInput{Slug: "  Shop-Two ", Name: "Shop"}, ""},
		{"an empty slug is refused", models.TenantInput{Slug: "", Name: "X"}, "slug"},
		{"a slug starting with a hyphen is refused", models.TenantInput{Slug: "-x", Name: "X"}, "slug"},
		{"a slug with an underscore is refused", models.TenantInput{Slug: "a_b", Name: "X"}, "slug"},
		{"a 64-character slug is refused", models.TenantInput{Slug: strings.Repeat("a", 64), Name: "X"}, "slug"},
		{"a 63-character slug is accepted", models.TenantInput{Slug: strings.Repeat("b", 63), Name: "X"}, ""},
		{"reserved words are refused", models.TenantInput{Slug: "admin", Name: "X"}, "slug"},
		{"www is reserved", models.TenantInput{Slug: "www", Name: "X"}, "slug"},
		{"an empty name is refused", models.TenantInput{Slug: "noname", Name: "  "}, "name"},
		{"a 201-character name is refused", models.TenantInput{Slug: "longname", Name: strings.Repeat("n", 201)}, "name"},
		{"a bad domain is refused", models.TenantInput{Slug: "dom", Name: "X", Domain: "not a host"}, "domain"},
		{"a bad locale is refused", models.TenantInput{Slug: "loc", Name: "X", Locales: []string{"english!"}}, "locales"},
		{"a taken slug is a conflict", models.TenantInput{Slug: "taken", Name: "X"}, "conflict"},
		{"a taken domain is a conflict", models.TenantInput{Slug: "other", Name: "X", Domain: "TAKEN.example.com"}, "conflict"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tn, err := store.CreateTenant(ctx, tc.in)
			var ve *models.ValidationError
			switch tc.field {
			case "":
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tn.DefaultLocale != "en" || len(tn.Locales) == 0 || tn.Locales[0] != "en" || !tn.IsActive {
					t.Fatalf("defaults not applied: %+v", tn)
				}
				got, err := store.TenantBySlug(ctx, tn.Slug)
				if err != nil || got.Name != tn.Name || strings.Join(got.Locales, ",") != strings.Join(tn.Locales, ",") {
					t.Fatalf("read back %+v, %v", got, err)
				}
			case "conflict":
				if !errors.Is(err, models.ErrConflict) {
					t.Fatalf("want ErrConflict, got %v", err)
				}
			default:
				if !errors.As(err, &ve) || ve.Fields[tc.field] == "" || !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("want a message for %q, got %v", tc.field, err)
				}
			}
		})
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("emails are unique without regard to case", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		if _, err := store.CreateUser(ctx, models.UserInput{Email: "Jane@Example.com", Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
		_, err := store.CreateUser(ctx, models.UserInput{Email: "jane@example.COM", Password: "long enough password"})
		if !errors.Is(err, models.ErrConflict) {
			t.Fatalf("second account with the same email: %v, want ErrConflict", err)
		}
		u, err := store.UserByEmail(ctx, "JANE@example.com")
		if err != nil || u.Email != "jane@example.com" {
			t.Fatalf("lookup by other case: %v %v", u, err)
		}
	})

	t.Run("passwords are stored as argon2id hashes, never in clear", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u, err := store.CreateUser(ctx, models.UserInput{Email: "hash@example.com", Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$") || strings.Contains(u.PasswordHash, "long enough") {
			t.Fatalf("hash = %q", u.PasswordHash)
		}
	})

	t.Run("bad input names the field", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		for _, tc := range []struct {
			in    models.UserInput
			field string
		}{
			{models.UserInput{Email: "", Password: "long enough password"}, "email"},
			{models.UserInput{Email: "not-an-email", Password: "long enough password"}, "email"},
			{models.UserInput{Email: "Jane <jane@example.com>", Password: "long enough password"}, "email"},
			{models.UserInput{Email: "short@example.com", Password: "short"}, "password"},
			{models.UserInput{Email: "long@example.com", Password: "long enough password", Name: strings.Repeat("x", 201)}, "name"},
		} {
			_, err := store.CreateUser(ctx, tc.in)
			var ve *models.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Errorf("%+v: want a message for %s, got %v", tc.in, tc.field, err)
			}
		}
	})

	t.Run("authenticate fails the same way for unknown email, wrong password and inactive user", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		active := testkit.User(t, store).Create()
		banned := testkit.User(t, store).Status(models.UserBanned).Create()
		for name, try := range map[string][2]string{
			"unknown email":  {"nobody@example.com", active.Password},
			"wrong password": {active.Email, "wrong password entirely"},
			"banned user":    {banned.Email, banned.Password},
		} {
			if _, err := store.Authenticate(ctx, try[0], try[1], models.Client{}); !errors.Is(err, models.ErrBadCredentials) {
				t.Errorf("%s: got %v, want ErrBadCredentials", name, err)
			}
		}
		u, err := store.Authenticate(ctx, strings.ToUpper(active.Email), active.Password, models.Client{})
		if err != nil || u.ID != active.ID {
			t.Fatalf("good credentials: %v %v", u, err)
		}
		if again, _ := store.UserByID(ctx, active.ID); again.LastLoginAt != nil {
			t.Fatal("the password alone recorded a sign-in: the second factor may still be asked")
		}
		if _, err := store.RecordSignIn(ctx, u, models.Client{}, "", models.SessionLimits{}); err != nil || u.LastLoginAt == nil {
			t.Fatalf("RecordSignIn: %v, last_login_at %v", err, u.LastLoginAt)
		}
		again, _ := store.UserByID(ctx, active.ID)
		if again.LastLoginAt == nil {
			t.Fatal("last_login_at was not stored")
		}
	})

	t.Run("a changed password replaces the old one", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		if err := store.ChangePassword(ctx, u.ID, "short"); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("short password: %v", err)
		}
		if err := store.ChangePassword(ctx, u.ID, "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Authenticate(ctx, u.Email, u.Password, models.Client{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("old password still works: %v", err)
		}
		if _, err := store.Authenticate(ctx, u.Email, "a brand new passphrase", models.Client{}); err != nil {
			t.Fatalf("new password refused: %v", err)
		}
	})
}

func TestTenantsForUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	a := testkit.Tenant(t, store).Name("Alpha").Create()
	b := testkit.Tenant(t, store).Name("Beta").Create()
	testkit.Tenant(t, store).Name("Gamma (inactive)").Inactive().Create()
	member := testkit.User(t, store).WithRole(b, "manager").Create()
	super := testkit.User(t, store).SuperAdmin().Create()
	nobody := testkit.User(t, store).Create()

	names := func(u testkit.FixtureUser) string {
		ts, err := store.TenantsForUser(ctx, u.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, tn := range ts {
			out = append(out, tn.Name)
		}
		return strings.Join(out, ",")
	}
	if got := names(member); got != "Beta" {
		t.Errorf("member sees %q, want Beta", got)
	}
	if got := names(super); got != "Alpha,Beta" {
		t.Errorf("super admin sees %q, want the active tenants Alpha,Beta", got)
	}
	if got := names(nobody); got != "" {
		t.Errorf("user without roles sees %q", got)
	}
	if roles, _ := store.RolesIn(ctx, super.ID, a.ID); len(roles) != 1 || roles[0] != models.RoleSuperAdmin {
		t.Errorf("super admin roles in a tenant = %v", roles)
	}
}
