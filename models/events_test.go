package models_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// outbox reads sys_events in seq order, from the row after seq on.
type outbox struct {
	t     *testing.T
	store *models.Store
	seen  int64
}

func newOutbox(t *testing.T, store *models.Store) *outbox {
	return &outbox{t: t, store: store}
}

// fresh returns the rows written since the previous call.
func (o *outbox) fresh() []events.Row {
	o.t.Helper()
	var rows []events.Row
	if err := o.store.DB().Model(&events.Row{}).Where("seq > ?", o.seen).Order("seq").Find(&rows).Error; err != nil {
		o.t.Fatalf("read sys_events: %v", err)
	}
	if len(rows) > 0 {
		o.seen = rows[len(rows)-1].Seq
	}
	return rows
}

// one returns the only row written since the previous call, failing unless there is exactly one
// and it has the wanted type.
func (o *outbox) one(eventType string) events.Row {
	o.t.Helper()
	rows := o.fresh()
	if len(rows) != 1 || rows[0].EventType != eventType {
		o.t.Fatalf("events written: %v, want exactly one %s", types(rows), eventType)
	}
	return rows[0]
}

// none fails if anything was written since the previous call.
func (o *outbox) none() {
	o.t.Helper()
	if rows := o.fresh(); len(rows) != 0 {
		o.t.Fatalf("events written: %v, want none", types(rows))
	}
}

func types(rows []events.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.EventType
	}
	return out
}

func payloadOf(t *testing.T, r events.Row) events.Event {
	t.Helper()
	ev, err := r.Envelope().Decode()
	if err != nil {
		t.Fatalf("decode %s: %v (payload %s)", r.EventType, err, r.Payload)
	}
	return ev
}

// checkRow checks the aggregate, the catalog version and the payload of a row.
func checkRow(t *testing.T, r events.Row, want events.Event) {
	t.Helper()
	if v, _ := events.CurrentVersion(r.EventType); r.SchemaVersion != v {
		t.Errorf("%s: schema_version %d, want %d", r.EventType, r.SchemaVersion, v)
	}
	if r.AggregateType != want.AggregateType() || r.AggregateID != want.AggregateID() {
		t.Errorf("%s: aggregate %s/%s, want %s/%s", r.EventType, r.AggregateType, r.AggregateID, want.AggregateType(), want.AggregateID())
	}
	if r.Status != events.StatusPending {
		t.Errorf("%s: status %q, want pending", r.EventType, r.Status)
	}
	if got := payloadOf(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("%s payload %#v, want %#v", r.EventType, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestTenantWritesEmitEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CreateTenant emits tenant.created naming the new tenant, then role.created for each system role", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		ob := newOutbox(t, store)
		tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "acme", Name: "Acme", Locales: []string{"de"}})
		if err != nil {
			t.Fatal(err)
		}
		rows := ob.fresh()
		want := []string{"tenant.created", "role.created", "role.created", "role.created"}
		if !slices.Equal(types(rows), want) {
			t.Fatalf("events written: %v, want %v", types(rows), want)
		}
		checkRow(t, rows[0], &events.TenantCreated{TenantRef: events.TenantRef{TenantID: tn.ID}, Slug: "acme", Name: "Acme",
			DefaultLocale: "en", Locales: []string{"en", "de"}})
		// One role.created per system role, in order, each naming the stored role and carrying the
		// permissions of the default matrix.
		for i, name := range models.SystemRoles {
			role, err := store.RoleByName(ctx, tn.ID, name)
			if err != nil {
				t.Fatalf("system role %s: %v", name, err)
			}
			if !role.IsSystem {
				t.Errorf("role %s is not marked as a system role", name)
			}
			var perms []string
			for _, p := range models.DefaultMatrix[name] {
				perms = append(perms, p.Resource+":"+p.Action)
			}
			if len(perms) == 0 {
				t.Fatalf("the default matrix gives %s no permissions", name)
			}
			checkRow(t, rows[i+1], &events.RoleCreated{RoleRef: events.RoleRef{RoleID: role.ID}, Name: name, System: true, Permissions: perms})
		}
		for _, r := range rows {
			if r.TenantID == nil || *r.TenantID != tn.ID {
				t.Errorf("%s: tenant_id %v, want %s", r.EventType, r.TenantID, tn.ID)
			}
		}
	})

	t.Run("a CreateTenant that fails validation or conflicts emits nothing", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		testkit.Tenant(t, store).Slug("taken").Create()
		ob := newOutbox(t, store)
		ob.fresh()
		if _, err := store.CreateTenant(ctx, models.TenantInput{Slug: "taken", Name: "Again"}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate slug: %v, want ErrConflict", err)
		}
		if _, err := store.CreateTenant(ctx, models.TenantInput{Slug: "admin", Name: "Reserved"}); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("reserved slug: %v, want ErrInvalid", err)
		}
		ob.none()
	})

	type step struct {
		name   string
		update models.TenantUpdate
		want   func(id uuid.UUID) []events.Event // nil: no event
	}
	ref := func(id uuid.UUID) events.TenantRef { return events.TenantRef{TenantID: id} }
	steps := []step{
		{"changing name and domain emits one tenant.updated with old and new of exactly those fields",
			models.TenantUpdate{Name: ptr("Acme Renamed"), Domain: ptr("shop.example.com")},
			func(id uuid.UUID) []events.Event {
				return []events.Event{&events.TenantUpdated{TenantRef: ref(id), Changes: events.Changes{
					"name":   {Old: "Acme", New: "Acme Renamed"},
					"domain": {Old: "", New: "shop.example.com"},
				}}}
			}},
		{"removing the domain records it going back to empty",
			models.TenantUpdate{Domain: ptr("")},
			func(id uuid.UUID) []events.Event {
				return []events.Event{&events.TenantUpdated{TenantRef: ref(id), Changes: events.Changes{
					"domain": {Old: "shop.example.com", New: ""},
				}}}
			}},
		{"deactivating emits tenant.deactivated",
			models.TenantUpdate{IsActive: ptr(false)},
			func(id uuid.UUID) []events.Event {
				return []events.Event{&events.TenantDeactivated{TenantRef: ref(id)}}
			}},
		{"deactivating an inactive tenant emits nothing",
			models.TenantUpdate{IsActive: ptr(false)}, nil},
		{"re-activating emits tenant.activated",
			models.TenantUpdate{IsActive: ptr(true)},
			func(id uuid.UUID) []events.Event { return []events.Event{&events.TenantActivated{TenantRef: ref(id)}} }},
		{"adding a locale emits tenant.locale_enabled",
			models.TenantUpdate{Locales: []string{"en", "de"}},
			func(id uuid.UUID) []events.Event {
				return []events.Event{&events.TenantLocaleEnabled{TenantRef: ref(id), Locale: "de"}}
			}},
		{"removing a locale emits tenant.locale_disabled",
			models.TenantUpdate{Locales: []string{"en"}},
			func(id uuid.UUID) []events.Event {
				return []events.Event{&events.TenantLocaleDisabled{TenantRef: ref(id), Locale: "de"}}
			}},
		{"an update that sets the current values emits nothing",
			models.TenantUpdate{Name: ptr("Acme Renamed"), Domain: ptr(""), DefaultLocale: ptr("en"), Locales: []string{"en"}, IsActive: ptr(true)},
			nil},
		{"an empty update emits nothing",
			models.TenantUpdate{}, nil},
		{"an invalid update emits nothing",
			models.TenantUpdate{Name: ptr("")}, nil},
		{"several changes at once emit one event each, tenant.updated first",
			models.TenantUpdate{Name: ptr("Acme"), DefaultLocale: ptr("fr"), IsActive: ptr(false)},
			func(id uuid.UUID) []events.Event {
				return []events.Event{
					&events.TenantUpdated{TenantRef: ref(id), Changes: events.Changes{
						"name":           {Old: "Acme Renamed", New: "Acme"},
						"default_locale": {Old: "en", New: "fr"},
					}},
					&events.TenantLocaleEnabled{TenantRef: ref(id), Locale: "fr"},
					&events.TenantDeactivated{TenantRef: ref(id)},
				}
			}},
	}

	// The steps run in order on one tenant: each starts from the state the previous one left.
	t.Run("UpdateTenant emits exactly the events of what changed", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "acme", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		ob := newOutbox(t, store)
		ob.fresh()
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				ob.t = t
				_, err := store.UpdateTenant(ctx, tn.ID, st.update)
				if st.update.Name != nil && *st.update.Name == "" {
					if !errors.Is(err, models.ErrInvalid) {
						t.Fatalf("UpdateTenant: %v, want ErrInvalid", err)
					}
				} else if err != nil {
					t.Fatalf("UpdateTenant: %v", err)
				}
				rows := ob.fresh()
				if st.want == nil {
					if len(rows) != 0 {
						t.Fatalf("events written: %v, want none", types(rows))
					}
					return
				}
				want := st.want(tn.ID)
				if len(rows) != len(want) {
					t.Fatalf("events written: %v, want %d", types(rows), len(want))
				}
				for i, r := range rows {
					if r.EventType != want[i].EventType() {
						t.Fatalf("events written: %v, want %s at %d", types(rows), want[i].EventType(), i)
					}
					checkRow(t, r, want[i])
					if r.TenantID == nil || *r.TenantID != tn.ID {
						t.Errorf("%s: tenant_id %v, want %s", r.EventType, r.TenantID, tn.ID)
					}
					if i > 0 && !r.OccurredAt.Equal(rows[0].OccurredAt) {
						t.Errorf("%s occurred at %s, not with the rest of its transaction (%s)", r.EventType, r.OccurredAt, rows[0].OccurredAt)
					}
				}
			})
		}
	})

	t.Run("a failed UpdateTenant rolls its events back", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		testkit.Tenant(t, store).Domain("taken.example.com").Create()
		tn := testkit.Tenant(t, store).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		// The domain clash fails the UPDATE after the events are computed.
		if _, err := store.UpdateTenant(ctx, tn.ID, models.TenantUpdate{Domain: ptr("taken.example.com"), IsActive: ptr(false)}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("UpdateTenant to a taken domain: %v, want ErrConflict", err)
		}
		ob.none()
	})
}

func TestUserWritesEmitEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const password = "correct horse battery staple"

	t.Run("CreateUser emits user.registered", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		ob := newOutbox(t, store)
		u, err := store.CreateUser(ctx, models.UserInput{Email: " Jane@Example.com ", Name: "Jane", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		r := ob.one("user.registered")
		checkRow(t, r, &events.UserRegistered{UserRef: events.UserRef{UserID: u.ID}, Email: "jane@example.com", Name: "Jane"})
		if strings.Contains(r.Payload, password) || strings.Contains(r.Payload, "argon2") {
			t.Errorf("user.registered carries the password or its hash: %s", r.Payload)
		}
	})

	t.Run("a CreateUser that fails on a duplicate email leaves no event", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		if _, err := store.CreateUser(ctx, models.UserInput{Email: "dup@example.com", Password: password}); err != nil {
			t.Fatal(err)
		}
		ob := newOutbox(t, store)
		ob.fresh()
		if _, err := store.CreateUser(ctx, models.UserInput{Email: "DUP@example.com", Password: password}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate email: %v, want ErrConflict", err)
		}
		ob.none()
	})

	t.Run("a successful Authenticate emits user.logged_in v2 with the client and the user as actor", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		client := models.Client{IP: "203.0.113.7", UserAgent: "test-agent"}
		got, err := store.Authenticate(ctx, u.Email, u.Password, client)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RecordSignIn(ctx, got, client, "", models.SessionLimits{}); err != nil {
			t.Fatal(err)
		}
		r := ob.one("user.logged_in")
		if r.SchemaVersion != 3 {
			t.Errorf("schema_version %d, want 3", r.SchemaVersion)
		}
		checkRow(t, r, &events.UserLoggedIn{UserRef: events.UserRef{UserID: u.ID}, IP: "203.0.113.7", UserAgent: "test-agent", SecondFactor: "none"})
		if r.ActorID == nil || *r.ActorID != u.ID {
			t.Errorf("actor_id %v, want the user %s", r.ActorID, u.ID)
		}
		if strings.Contains(r.Payload, u.Password) {
			t.Errorf("user.logged_in carries the password: %s", r.Payload)
		}
	})

	t.Run("a sign-in keeps the request's correlation id and tenant", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		tenant := uuid.New()
		ob := newOutbox(t, store)
		ob.fresh()
		rctx := events.WithTenant(events.WithCorrelation(ctx, "req-42"), tenant)
		got, err := store.Authenticate(rctx, u.Email, u.Password, models.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.RecordSignIn(rctx, got, models.Client{}, "", models.SessionLimits{}); err != nil {
			t.Fatal(err)
		}
		r := ob.one("user.logged_in")
		if r.CorrelationID != "req-42" || r.TenantID == nil || *r.TenantID != tenant {
			t.Fatalf("correlation %q tenant %v, want req-42 and %s", r.CorrelationID, r.TenantID, tenant)
		}
	})

	failures := []struct {
		name      string
		email     func(u testkit.FixtureUser) string
		password  string
		wantEmail func(u testkit.FixtureUser) string
	}{
		{"a wrong password emits user.login_failed without the attempted password",
			func(u testkit.FixtureUser) string { return u.Email }, "wrong-password-attempt-1",
			func(u testkit.FixtureUser) string { return u.Email }},
		{"an unknown email emits user.login_failed without the attempted password",
			func(testkit.FixtureUser) string { return "  Nobody@Example.com" }, "wrong-password-attempt-2",
			func(testkit.FixtureUser) string { return "nobody@example.com" }},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := testkit.NewDB(t)
			u := testkit.User(t, store).Create()
			ob := newOutbox(t, store)
			ob.fresh()
			client := models.Client{IP: "198.51.100.9", UserAgent: "curl/8"}
			if _, err := store.Authenticate(ctx, tc.email(u), tc.password, client); !errors.Is(err, models.ErrBadCredentials) {
				t.Fatalf("Authenticate: %v, want ErrBadCredentials", err)
			}
			r := ob.one("user.login_failed")
			email := tc.wantEmail(u)
			checkRow(t, r, &events.UserLoginFailed{AttemptID: events.LoginAttemptID(email), Email: email,
				IP: "198.51.100.9", UserAgent: "curl/8"})
			if strings.Contains(r.Payload, tc.password) {
				t.Errorf("user.login_failed carries the attempted password: %s", r.Payload)
			}
			if r.ActorID != nil {
				t.Errorf("a failed sign-in has actor %s", *r.ActorID)
			}
		})
	}

	t.Run("an inactive user's correct password is a failed sign-in too", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Status(models.UserInactive).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		if _, err := store.Authenticate(ctx, u.Email, u.Password, models.Client{}); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatalf("Authenticate: %v, want ErrBadCredentials", err)
		}
		r := ob.one("user.login_failed")
		if strings.Contains(r.Payload, u.Password) {
			t.Errorf("user.login_failed carries the password: %s", r.Payload)
		}
	})

	t.Run("ChangePassword emits user.password_changed without the hash", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		const newPassword = "a brand new passphrase"
		if err := store.ChangePassword(ctx, u.ID, newPassword); err != nil {
			t.Fatal(err)
		}
		r := ob.one("user.password_changed")
		checkRow(t, r, &events.UserPasswordChanged{UserRef: events.UserRef{UserID: u.ID}})
		stored, err := store.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{newPassword, stored.PasswordHash, "argon2"} {
			if strings.Contains(r.Payload, secret) {
				t.Errorf("user.password_changed carries %q: %s", secret, r.Payload)
			}
		}
	})

	t.Run("a refused ChangePassword emits nothing", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		if err := store.ChangePassword(ctx, u.ID, "short"); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("short password: %v, want ErrInvalid", err)
		}
		if err := store.ChangePassword(ctx, uuid.New(), "long enough password"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown user: %v, want ErrNotFound", err)
		}
		ob.none()
	})

	t.Run("AssignRole emits user.role_assigned once", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		u := testkit.User(t, store).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		if err := store.AssignRole(ctx, u.ID, "manager", tn.ID.String()); err != nil {
			t.Fatal(err)
		}
		r := ob.one("user.role_assigned")
		checkRow(t, r, &events.UserRoleAssigned{UserRef: events.UserRef{UserID: u.ID}, Role: "manager", Tenant: tn.ID.String()})
		if err := store.AssignRole(ctx, u.ID, "manager", tn.ID.String()); err != nil {
			t.Fatal(err)
		}
		ob.none()
	})

	t.Run("a platform role is assigned in every tenant", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		u := testkit.User(t, store).Create()
		ob := newOutbox(t, store)
		ob.fresh()
		if err := store.AssignRole(ctx, u.ID, models.RoleSuperAdmin, models.AllTenants); err != nil {
			t.Fatal(err)
		}
		checkRow(t, ob.one("user.role_assigned"),
			&events.UserRoleAssigned{UserRef: events.UserRef{UserID: u.ID}, Role: models.RoleSuperAdmin, Tenant: models.AllTenants})
	})

	t.Run("writes joined into one transaction commit their events together or not at all", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		ob := newOutbox(t, store)
		boom := errors.New("boom")
		err := store.WithTx(ctx, func(ctx context.Context) error {
			u, err := store.CreateUser(ctx, models.UserInput{Email: "gone@example.com", Password: password})
			if err != nil {
				return err
			}
			if err := store.AssignRole(ctx, u.ID, models.RoleSuperAdmin, models.AllTenants); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx: %v, want boom", err)
		}
		ob.none()
		err = store.WithTx(ctx, func(ctx context.Context) error {
			u, err := store.CreateUser(ctx, models.UserInput{Email: "kept@example.com", Password: password})
			if err != nil {
				return err
			}
			return store.AssignRole(ctx, u.ID, models.RoleSuperAdmin, models.AllTenants)
		})
		if err != nil {
			t.Fatal(err)
		}
		if rows := ob.fresh(); !reflect.DeepEqual(types(rows), []string{"user.registered", "user.role_assigned"}) {
			t.Fatalf("events written: %v, want user.registered, user.role_assigned", types(rows))
		}
	})
}
