package models_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// raceRounds is how often each pair of changes is raced; one lost race is enough to fail.
const raceRounds = 50

// atOnce runs both changes in their own goroutines, released together once both are waiting,
// and returns their errors in order.
func atOnce(first, second func() error) (error, error) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 2)
	for i, change := range []func() error{first, second} {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = change()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs[0], errs[1]
}

// mustNil fails the test on a setup error.
func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGuardrailsUnderConcurrentChanges races two changes that are each allowed alone but
// together would lock the tenant out. The guardrails serialise them per tenant, so in every
// round exactly one goes through, the other is refused with a plain reason (a guardrail, or
// the grant rule once the first has taken the actor's power away), and the tenant keeps an
// admin and an active role manager.
func TestGuardrailsUnderConcurrentChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	type pair struct {
		reset         func(t *testing.T) // restores the starting state before each round
		first, second func() error
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, store *models.Store, tn *models.Tenant) pair
	}{
		{"two admins revoking each other's admin role at once leave one admin", func(t *testing.T, store *models.Store, tn *models.Tenant) pair {
			a := testkit.User(t, store).WithRole(tn, "admin").Create()
			b := testkit.User(t, store).WithRole(tn, "admin").Create()
			return pair{
				reset: func(t *testing.T) {
					mustNil(t, store.AssignRole(ctx, a.ID, "admin", tn.ID.String()))
					mustNil(t, store.AssignRole(ctx, b.ID, "admin", tn.ID.String()))
				},
				first:  func() error { return store.RevokeRole(events.WithActor(ctx, a.ID), b.ID, "admin", tn.ID) },
				second: func() error { return store.RevokeRole(events.WithActor(ctx, b.ID), a.ID, "admin", tn.ID) },
			}
		}},
		{"deactivating an admin while they revoke the other's admin role leaves an active role manager", func(t *testing.T, store *models.Store, tn *models.Tenant) pair {
			a := testkit.User(t, store).WithRole(tn, "admin").Create()
			b := testkit.User(t, store).WithRole(tn, "admin").Create()
			active, inactive := models.UserActive, models.UserInactive
			return pair{
				reset: func(t *testing.T) {
					mustNil(t, store.AssignRole(ctx, a.ID, "admin", tn.ID.String()))
					_, err := store.UpdateUser(ctx, b.ID, models.UserUpdate{Status: &active})
					mustNil(t, err)
				},
				first: func() error {
					_, err := store.UpdateUser(events.WithActor(ctx, a.ID), b.ID, models.UserUpdate{Status: &inactive})
					return err
				},
				second: func() error { return store.RevokeRole(events.WithActor(ctx, b.ID), a.ID, "admin", tn.ID) },
			}
		}},
		{"two role managers revoking roles:update from each other's role at once leave one", func(t *testing.T, store *models.Store, tn *models.Tenant) pair {
			testkit.User(t, store).WithRole(tn, "admin").Create()
			for _, r := range []string{"left", "right"} {
				_, err := store.CreateRole(ctx, tn.ID, r, "")
				mustNil(t, err)
			}
			x := testkit.User(t, store).WithRole(tn, "left").Create()
			y := testkit.User(t, store).WithRole(tn, "right").Create()
			reset := func(t *testing.T) {
				mustNil(t, store.SetPermission(ctx, tn.ID, "left", perm("roles", "update"), true))
				mustNil(t, store.SetPermission(ctx, tn.ID, "right", perm("roles", "update"), true))
			}
			reset(t)
			// The admins hand role management over to left and right.
			mustNil(t, store.SetPermission(ctx, tn.ID, "admin", perm("roles", "manage"), false))
			return pair{
				reset: reset,
				first: func() error {
					return store.SetPermission(events.WithActor(ctx, x.ID), tn.ID, "right", perm("roles", "update"), false)
				},
				second: func() error {
					return store.SetPermission(events.WithActor(ctx, y.ID), tn.ID, "left", perm("roles", "update"), false)
				},
			}
		}},
		{"deleting each other's role-managing role at once keeps one", func(t *testing.T, store *models.Store, tn *models.Tenant) pair {
			testkit.User(t, store).WithRole(tn, "admin").Create()
			x := testkit.User(t, store).WithRole(tn, "customer").Create()
			y := testkit.User(t, store).WithRole(tn, "customer").Create()
			reset := func(t *testing.T) {
				for r, u := range map[string]uuid.UUID{"left": x.ID, "right": y.ID} {
					if _, err := store.RoleByName(ctx, tn.ID, r); errors.Is(err, models.ErrNotFound) {
						_, err = store.CreateRole(ctx, tn.ID, r, "")
						mustNil(t, err)
					}
					mustNil(t, store.SetPermission(ctx, tn.ID, r, perm("roles", "update"), true))
					mustNil(t, store.AssignRole(ctx, u, r, tn.ID.String()))
				}
			}
			reset(t)
			// The admins hand role management over to left and right.
			mustNil(t, store.SetPermission(ctx, tn.ID, "admin", perm("roles", "manage"), false))
			return pair{
				reset:  reset,
				first:  func() error { return store.DeleteRole(events.WithActor(ctx, x.ID), tn.ID, "right") },
				second: func() error { return store.DeleteRole(events.WithActor(ctx, y.ID), tn.ID, "left") },
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := testkit.NewDB(t)
			tn := testkit.Tenant(t, store).Create()
			p := tc.setup(t, store, tn)
			for round := range raceRounds {
				p.reset(t)
				errFirst, errSecond := atOnce(p.first, p.second)
				if (errFirst == nil) == (errSecond == nil) {
					t.Fatalf("round %d: errors %v and %v; want exactly one change refused", round, errFirst, errSecond)
				}
				if err := errors.Join(errFirst, errSecond); !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("round %d: the refusal is %v; want a guardrail or grant refusal", round, err)
				}
				admins, err := store.MembersOf(ctx, tn.ID, "admin")
				mustNil(t, err)
				managers, err := store.RoleManagers(ctx, tn.ID)
				mustNil(t, err)
				if len(admins) == 0 || len(managers) == 0 {
					t.Fatalf("round %d: %d admins and %d role managers left", round, len(admins), len(managers))
				}
			}
		})
	}
}

// TestSQLiteProcessesOnOneFileTakeTurns opens one database file twice, as two processes of the
// embedded default would (a server and a command, say). Open gives each one connection and
// BEGIN IMMEDIATE, so their write transactions queue on the file's lock instead of both reading
// the state the other is changing.
func TestSQLiteProcessesOnOneFileTakeTurns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rustok.db")
	open := func() *models.Store {
		store, err := models.Open(path)
		mustNil(t, err)
		t.Cleanup(func() { store.Close() })
		return store
	}
	one := open()
	_, err := one.Migrate(ctx)
	mustNil(t, err)
	two := open()
	tn := testkit.Tenant(t, one).Create()
	a := testkit.User(t, one).WithRole(tn, "admin").Create()
	b := testkit.User(t, one).WithRole(tn, "admin").Create()

	t.Run("two admins revoking each other's admin role through two connections leave one admin", func(t *testing.T) {
		for round := range raceRounds {
			mustNil(t, one.AssignRole(ctx, a.ID, "admin", tn.ID.String()))
			mustNil(t, one.AssignRole(ctx, b.ID, "admin", tn.ID.String()))
			errA, errB := atOnce(
				func() error { return one.RevokeRole(events.WithActor(ctx, a.ID), b.ID, "admin", tn.ID) },
				func() error { return two.RevokeRole(events.WithActor(ctx, b.ID), a.ID, "admin", tn.ID) },
			)
			if (errA == nil) == (errB == nil) || !errors.Is(errors.Join(errA, errB), models.ErrInvalid) {
				t.Fatalf("round %d: errors %v and %v; want exactly one refused with a reason", round, errA, errB)
			}
			if admins, _ := one.MembersOf(ctx, tn.ID, "admin"); len(admins) != 1 {
				t.Fatalf("round %d: admins %v", round, admins)
			}
		}
	})

	t.Run("a change that waits longer than busy_timeout is ErrBusy and changes nothing", func(t *testing.T) {
		mustNil(t, one.AssignRole(ctx, a.ID, "admin", tn.ID.String()))
		mustNil(t, one.AssignRole(ctx, b.ID, "admin", tn.ID.String()))
		// Each store keeps its one connection, so the pragma lasts; 50 ms keeps the test fast.
		mustNil(t, two.DB().Exec("PRAGMA busy_timeout = 50").Error)
		defer two.DB().Exec("PRAGMA busy_timeout = 5000")
		rec := testkit.Events(t, one)
		locked, release := make(chan struct{}), make(chan struct{})
		held := make(chan error)
		go func() {
			held <- one.WithTx(ctx, func(context.Context) error {
				close(locked) // BEGIN IMMEDIATE holds the write lock from here
				<-release
				return nil
			})
		}()
		<-locked
		err := two.RevokeRole(events.WithActor(ctx, a.ID), b.ID, "admin", tn.ID)
		close(release)
		mustNil(t, <-held)
		if !errors.Is(err, models.ErrBusy) {
			t.Fatalf("revoking while another process writes: %v, want ErrBusy", err)
		}
		if admins, _ := one.MembersOf(ctx, tn.ID, "admin"); len(admins) != 2 {
			t.Fatalf("admins %v, want both", admins)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})
}
