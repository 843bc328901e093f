package testkit

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
)

var seq atomic.Int64

// next returns a number unique within the test process, for slugs and emails.
func next() int64 { return seq.Add(1) }

// TenantBuilder builds a tenant fixture: testkit.Tenant(t, store).Slug("acme").Create().
type TenantBuilder struct {
	t        testing.TB
	store    *models.Store
	in       models.TenantInput
	inactive bool
}

// Tenant starts a tenant fixture with a unique slug, a name and the locale "en".
func Tenant(t testing.TB, store *models.Store) *TenantBuilder {
	n := next()
	return &TenantBuilder{t: t, store: store, in: models.TenantInput{
		Slug: fmt.Sprintf("tenant-%d-%s", n, randomName()[:4]), Name: fmt.Sprintf("Tenant %d", n), DefaultLocale: "en",
	}}
}

// Slug sets the slug.
func (b *TenantBuilder) Slug(s string) *TenantBuilder { b.in.Slug = s; return b }

// Name sets the display name.
func (b *TenantBuilder) Name(s string) *TenantBuilder { b.in.Name = s; return b }

// Domain sets the custom host name.
func (b *TenantBuilder) Domain(s string) *TenantBuilder { b.in.Domain = s; return b }

// Locales sets the default locale (the first) and the enabled locales.
func (b *TenantBuilder) Locales(def string, more ...string) *TenantBuilder {
	b.in.DefaultLocale, b.in.Locales = def, append([]string{def}, more...)
	return b
}

// Currencies sets the default currency (the first) and the enabled currencies.
func (b *TenantBuilder) Currencies(def string, more ...string) *TenantBuilder {
	b.in.DefaultCurrency, b.in.Currencies = def, append([]string{def}, more...)
	return b
}

// Inactive makes the tenant deactivated.
func (b *TenantBuilder) Inactive() *TenantBuilder { b.inactive = true; return b }

// Create inserts the tenant or fails the test.
func (b *TenantBuilder) Create() *models.Tenant {
	b.t.Helper()
	ctx := context.Background()
	tn, err := b.store.CreateTenant(ctx, b.in)
	if err != nil {
		b.t.Fatalf("testkit: create tenant %q: %v", b.in.Slug, err)
	}
	if b.inactive {
		off := false
		if tn, err = b.store.UpdateTenant(ctx, tn.ID, models.TenantUpdate{IsActive: &off}); err != nil {
			b.t.Fatalf("testkit: deactivate tenant: %v", err)
		}
	}
	return tn
}

// FixtureUser is a created user with the plain password the test signs in with.
type FixtureUser struct {
	*models.User
	Password string
}

type grant struct {
	role   string
	tenant string
}

// UserBuilder builds a user fixture: testkit.User(t, store).WithRole(tenant, "manager").Create().
type UserBuilder struct {
	t        testing.TB
	store    *models.Store
	in       models.UserInput
	status   string
	timeZone string
	grants   []grant
}

// User starts a user fixture with a unique email and a valid password.
func User(t testing.TB, store *models.Store) *UserBuilder {
	n := next()
	return &UserBuilder{t: t, store: store, in: models.UserInput{
		Email:    fmt.Sprintf("user%d-%s@example.com", n, randomName()[:6]),
		Name:     fmt.Sprintf("User %d", n),
		Password: "correct horse battery staple",
	}}
}

// Email sets the email address.
func (b *UserBuilder) Email(s string) *UserBuilder { b.in.Email = s; return b }

// Name sets the display name.
func (b *UserBuilder) Name(s string) *UserBuilder { b.in.Name = s; return b }

// Password sets the password.
func (b *UserBuilder) Password(s string) *UserBuilder { b.in.Password = s; return b }

// Status sets active, inactive or banned.
func (b *UserBuilder) Status(s string) *UserBuilder { b.status = s; return b }

// TimeZone stores the time zone the user's browser would report (an IANA name).
func (b *UserBuilder) TimeZone(name string) *UserBuilder { b.timeZone = name; return b }

// SuperAdmin gives the user the platform role in every tenant.
func (b *UserBuilder) SuperAdmin() *UserBuilder {
	b.grants = append(b.grants, grant{models.RoleSuperAdmin, models.AllTenants})
	return b
}

// WithRole gives the user a role in the tenant.
func (b *UserBuilder) WithRole(tn *models.Tenant, role string) *UserBuilder {
	b.grants = append(b.grants, grant{role, tn.ID.String()})
	return b
}

// Create inserts the user and its roles or fails the test.
func (b *UserBuilder) Create() FixtureUser {
	b.t.Helper()
	ctx := context.Background()
	var u *models.User
	err := b.store.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = b.store.CreateUser(ctx, b.in); err != nil {
			return err
		}
		if b.status != "" && b.status != models.UserActive {
			if err := b.store.Conn(ctx).Model(u).Update("status", b.status).Error; err != nil {
				return err
			}
			u.Status = b.status
		}
		if b.timeZone != "" {
			if _, err := b.store.SetUserTimeZone(ctx, u.ID, b.timeZone); err != nil {
				return err
			}
			u.TimeZone = &b.timeZone
		}
		for _, g := range b.grants {
			if err := b.store.AssignRole(ctx, u.ID, g.role, g.tenant); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.t.Fatalf("testkit: create user %q: %v", b.in.Email, err)
	}
	return FixtureUser{User: u, Password: b.in.Password}
}

// MustUUID parses a UUID or fails the test.
func MustUUID(t testing.TB, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatalf("testkit: %q is not a UUID: %v", s, err)
	}
	return id
}
