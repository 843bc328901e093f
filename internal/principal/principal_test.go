package principal_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/freshness"
	"github.com/rustok/rustok-admin/internal/principal"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// countingLoader counts the loads that reach the store.
type countingLoader struct {
	*models.Store
	mu    sync.Mutex
	users int
}

func (l *countingLoader) UserByID(ctx context.Context, id uuid.UUID) (*models.User, error) {
	l.mu.Lock()
	l.users++
	l.mu.Unlock()
	return l.Store.UserByID(ctx, id)
}

func (l *countingLoader) loads() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.users
}

// setup builds a cache following a watcher that hears the store's own commits (as a process
// hears its own writes), with a clock the test moves.
func setup(t *testing.T) (*models.Store, *countingLoader, *principal.Cache, *freshness.Watcher, *testkit.Clock) {
	t.Helper()
	store := testkit.NewDB(t)
	clk := testkit.NewClock(time.Now())
	w := freshness.New(freshness.Config{Commits: store, Now: clk.Now})
	loader := &countingLoader{Store: store}
	c := principal.New(loader, principal.Config{})
	c.Follow(w)
	stop, err := w.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return store, loader, c, w, clk
}

func TestPrincipalCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a hit reads nothing; the roles are the store's", func(t *testing.T) {
		t.Parallel()
		store, loader, c, _, _ := setup(t)
		tn := testkit.Tenant(t, store).Create()
		u := testkit.User(t, store).WithRole(tn, "manager").WithRole(tn, "admin").Create()
		for range 3 {
			p, err := c.Get(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, err := store.RolesIn(ctx, u.ID, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.RolesIn(tn.ID); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("roles %v, the store says %v", got, want)
			}
			if p.Super() {
				t.Fatal("a tenant admin counts as super admin")
			}
		}
		if n := loader.loads(); n != 1 {
			t.Fatalf("%d loads for three reads, want 1", n)
		}
	})

	t.Run("an unknown user is models.ErrNotFound and is not cached as anyone", func(t *testing.T) {
		t.Parallel()
		_, _, c, _, _ := setup(t)
		if _, err := c.Get(ctx, uuid.New()); err == nil {
			t.Fatal("an unknown user was found")
		}
	})

	t.Run("every change with an event reaches the cache at once", func(t *testing.T) {
		t.Parallel()
		store, _, c, _, _ := setup(t)
		tn := testkit.Tenant(t, store).Create()
		testkit.User(t, store).WithRole(tn, "admin").Create() // someone else still manages roles
		u := testkit.User(t, store).Name("Ann").WithRole(tn, "manager").Create()
		get := func() *principal.Principal {
			t.Helper()
			p, err := c.Get(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		get()
		if err := store.AssignRole(ctx, u.ID, "admin", tn.ID.String()); err != nil {
			t.Fatal(err)
		}
		if roles := get().RolesIn(tn.ID); len(roles) != 2 {
			t.Fatalf("after a role was assigned the cache says %v", roles)
		}
		if err := store.RevokeRole(ctx, u.ID, "manager", tn.ID); err != nil {
			t.Fatal(err)
		}
		if roles := get().RolesIn(tn.ID); len(roles) != 1 || roles[0] != "admin" {
			t.Fatalf("after a role was revoked the cache says %v", roles)
		}
		name, inactive := "Ann B.", models.UserInactive
		if _, err := store.UpdateUser(ctx, u.ID, models.UserUpdate{Name: &name, Status: &inactive}); err != nil {
			t.Fatal(err)
		}
		if p := get(); p.User.Name != name || p.User.Status != models.UserInactive {
			t.Fatalf("after deactivation the cache says %q %s", p.User.Name, p.User.Status)
		}
	})

	t.Run("a change without an event shows after MaxAge, or at once when forgotten", func(t *testing.T) {
		t.Parallel()
		store, loader, c, _, clk := setup(t)
		u := testkit.User(t, store).Create()
		if _, err := c.Get(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SetUserTimeZone(ctx, u.ID, "Asia/Tokyo"); err != nil {
			t.Fatal(err)
		}
		if p, _ := c.Get(ctx, u.ID); p.User.TimeZone != nil {
			t.Fatal("the cache saw a change no event announced: this test no longer tests MaxAge")
		}
		clk.Advance(30 * time.Second)
		if p, _ := c.Get(ctx, u.ID); p.User.TimeZone == nil || *p.User.TimeZone != "Asia/Tokyo" {
			t.Fatal("an entry older than MaxAge was served")
		}
		before := loader.loads()
		c.Forget(u.ID)
		c.Get(ctx, u.ID)
		if loader.loads() != before+1 {
			t.Fatal("Forget did not make the next read load")
		}
	})

	t.Run("with the NATS link reset, everything loaded before is loaded again", func(t *testing.T) {
		t.Parallel()
		store, loader, c, w, clk := setup(t)
		u := testkit.User(t, store).Create()
		c.Get(ctx, u.ID)
		clk.Advance(time.Millisecond)
		w.Reset()
		clk.Advance(time.Millisecond)
		c.Get(ctx, u.ID)
		if n := loader.loads(); n != 2 {
			t.Fatalf("%d loads, want 2: an entry from before the reset was served", n)
		}
	})

	t.Run("a super admin's switcher lists active tenants, and a tenant event drops it", func(t *testing.T) {
		t.Parallel()
		store, _, c, _, _ := setup(t)
		a := testkit.Tenant(t, store).Name("Alpha").Create()
		ts, err := c.ActiveTenants(ctx, 9)
		if err != nil || len(ts) != 1 || ts[0].ID != a.ID {
			t.Fatalf("active tenants %v, %v", ts, err)
		}
		testkit.Tenant(t, store).Name("Beta").Create()
		if ts, _ := c.ActiveTenants(ctx, 9); len(ts) != 2 {
			t.Fatalf("after tenant.created the switcher has %d tenants, want 2", len(ts))
		}
	})

	t.Run("the lists of people follow node, user and role events", func(t *testing.T) {
		t.Parallel()
		store, _, c, _, _ := setup(t)
		tn := testkit.Tenant(t, store).Create()
		ann := testkit.User(t, store).Name("Ann").WithRole(tn, "admin").Create()
		bob := testkit.User(t, store).Name("Bob").Create()
		testkit.Node(t, store, tn).Author(ann.ID).Translation(tn.DefaultLocale, "One", "").Create()
		authors, err := c.Authors(ctx, tn.ID)
		if err != nil || len(authors) != 1 {
			t.Fatalf("authors %v, %v", authors, err)
		}
		members, err := c.Members(ctx, tn.ID)
		if err != nil || len(members) != 1 {
			t.Fatalf("members %v, %v", members, err)
		}
		if err := store.AssignRole(ctx, bob.ID, "manager", tn.ID.String()); err != nil {
			t.Fatal(err)
		}
		if members, _ := c.Members(ctx, tn.ID); len(members) != 2 {
			t.Fatalf("after user.role_assigned the members are %v", members)
		}
		testkit.Node(t, store, tn).Author(bob.ID).Translation(tn.DefaultLocale, "Two", "").Create()
		if authors, _ := c.Authors(ctx, tn.ID); len(authors) != 2 {
			t.Fatalf("after node.created the authors are %v", authors)
		}
	})
}
