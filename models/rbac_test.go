package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestGuardrails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("the last admin cannot lose the admin role", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		admin := testkit.User(t, store).WithRole(tn, "admin").Create()
		rec := testkit.Events(t, store)
		err := store.RevokeRole(ctx, admin.ID, "admin", tn.ID)
		if !errors.Is(err, models.ErrLastRoleManager) && !errors.Is(err, models.ErrLastAdmin) {
			t.Fatalf("revoking the only admin: %v", err)
		}
		if roles, _ := store.RolesIn(ctx, admin.ID, tn.ID); len(roles) != 1 {
			t.Fatalf("roles after a refused revoke: %v", roles)
		}
		rec.NotEmitted(t, "user.role_revoked")
	})

	t.Run("with a second admin, one admin can be removed", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		a := testkit.User(t, store).WithRole(tn, "admin").Create()
		testkit.User(t, store).WithRole(tn, "admin").Create()
		rec := testkit.Events(t, store)
		if err := store.RevokeRole(ctx, a.ID, "admin", tn.ID); err != nil {
			t.Fatal(err)
		}
		ev := rec.Emitted(t, "user.role_revoked")[0].(*events.UserRoleRevoked)
		if ev.UserID != a.ID || ev.Role != "admin" || ev.Tenant != tn.ID.String() {
			t.Fatalf("payload %+v", ev)
		}
	})

	t.Run("no change may leave the tenant without a role manager", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		testkit.User(t, store).WithRole(tn, "admin").Create()
		err := store.SetPermission(ctx, tn.ID, "admin", models.Permission{Resource: "roles", Action: "manage"}, false)
		if !errors.Is(err, models.ErrLastRoleManager) || !models.IsGuardrail(err) {
			t.Fatalf("revoking roles:manage from the only managing role: %v", err)
		}
		perms, _ := store.PermissionsOf(ctx, tn.ID, "admin")
		found := false
		for _, p := range perms {
			found = found || (p == models.Permission{Resource: "roles", Action: "manage"})
		}
		if !found {
			t.Fatal("the refused revoke was not rolled back")
		}
	})

	t.Run("a user cannot strip their own role management while another manager exists", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		me := testkit.User(t, store).WithRole(tn, "admin").Create()
		// Someone else can still manage roles: they hold a copy of admin, so the grant rule
		// (they may do everything admin's members may) lets them change admin.
		if _, err := store.CloneRole(ctx, tn.ID, "admin", "owners", ""); err != nil {
			t.Fatal(err)
		}
		other := testkit.User(t, store).WithRole(tn, "owners").Create()
		asMe := events.WithActor(ctx, me.ID)
		err := store.SetPermission(asMe, tn.ID, "admin", models.Permission{Resource: "roles", Action: "manage"}, false)
		if !errors.Is(err, models.ErrOwnRoleManagement) {
			t.Fatalf("stripping my own role management: %v", err)
		}
		// Someone else may do it.
		asOther := events.WithActor(ctx, other.ID)
		if err := store.SetPermission(asOther, tn.ID, "admin", models.Permission{Resource: "roles", Action: "manage"}, false); err != nil {
			t.Fatalf("another manager revoking it: %v", err)
		}
	})

	t.Run("granting and revoking emit their events with the actor", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		admin := testkit.User(t, store).WithRole(tn, "admin").Create()
		rec := testkit.Events(t, store)
		ctx := events.WithActor(ctx, admin.ID)
		perm := models.Permission{Resource: "events", Action: "list"}
		if err := store.SetPermission(ctx, tn.ID, "customer", perm, true); err != nil {
			t.Fatal(err)
		}
		if err := store.SetPermission(ctx, tn.ID, "customer", perm, true); err != nil { // again: no change
			t.Fatal(err)
		}
		if err := store.SetPermission(ctx, tn.ID, "customer", perm, false); err != nil {
			t.Fatal(err)
		}
		if got := rec.Types(t); len(got) != 2 || got[0] != "role.permission_granted" || got[1] != "role.permission_revoked" {
			t.Fatalf("events %v", got)
		}
		for _, row := range rec.Rows(t) {
			if row.ActorID == nil || *row.ActorID != admin.ID || row.TenantID == nil || *row.TenantID != tn.ID {
				t.Fatalf("row %+v lacks actor or tenant", row)
			}
		}
		if err := store.SetPermission(ctx, tn.ID, "customer", models.Permission{Resource: "spaceships", Action: "list"}, true); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("unknown resource: %v", err)
		}
	})
}

func TestGuardrailsLetANewTenantBeSetUp(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create() // no members yet: nobody manages roles
	err := store.SetPermission(context.Background(), tn.ID, "admin", models.Permission{Resource: "roles", Action: "manage"}, false)
	if err != nil {
		t.Fatalf("a tenant with no members could not be changed: %v", err)
	}
}
