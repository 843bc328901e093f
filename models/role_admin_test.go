package models_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// perm is shorthand for a permission.
func perm(resource, action string) models.Permission {
	return models.Permission{Resource: resource, Action: action}
}

// permissionsOf returns a role's permissions or fails the test.
func permissionsOf(t *testing.T, store *models.Store, tenantID uuid.UUID, role string) []models.Permission {
	t.Helper()
	perms, err := store.PermissionsOf(context.Background(), tenantID, role)
	if err != nil {
		t.Fatal(err)
	}
	return perms
}

// fieldError returns the message of a ValidationError's field, failing unless err is one.
func fieldError(t *testing.T, err error, field string) string {
	t.Helper()
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a ValidationError on %q", err, field)
	}
	if ve.Fields[field] == "" {
		t.Fatalf("error %v has no message for %q", err, field)
	}
	return ve.Fields[field]
}

func TestRolesWithCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	other := testkit.Tenant(t, store).Create()
	testkit.User(t, store).WithRole(tn, "admin").Create()
	testkit.User(t, store).WithRole(tn, "admin").WithRole(tn, "manager").Create()
	testkit.User(t, store).WithRole(other, "customer").Create()
	if _, err := store.CreateRole(ctx, tn.ID, "auditor", "Reads the event log."); err != nil {
		t.Fatal(err)
	}

	roles, err := store.RolesWithCounts(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range roles {
		got = append(got, r.Name+"="+strconv.Itoa(r.Members))
	}
	// System roles first (by name), then custom ones; members of another tenant do not count.
	if want := []string{"admin=2", "customer=0", "manager=1", "auditor=0"}; !slices.Equal(got, want) {
		t.Fatalf("roles %v, want %v", got, want)
	}
	if !roles[0].IsSystem || roles[3].IsSystem || roles[3].Description != "Reads the event log." {
		t.Fatalf("roles %+v", roles)
	}
}

func TestCreateRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a custom role starts with no permissions and emits role.created", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		actor := testkit.User(t, store).WithRole(tn, "admin").Create()
		rec := testkit.Events(t, store)
		r, err := store.CreateRole(events.WithActor(ctx, actor.ID), tn.ID, " content-editor ", " Writes posts. ")
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "content-editor" || r.Description != "Writes posts." || r.IsSystem || r.TenantID != tn.ID {
			t.Fatalf("role %+v", r)
		}
		if perms := permissionsOf(t, store, tn.ID, r.Name); len(perms) != 0 {
			t.Fatalf("permissions %v, want none", perms)
		}
		ev := rec.Emitted(t, "role.created")[0].(*events.RoleCreated)
		if ev.RoleID != r.ID || ev.Name != "content-editor" || ev.System || len(ev.Permissions) != 0 {
			t.Fatalf("payload %+v", ev)
		}
		row := rec.Rows(t)[0]
		if row.TenantID == nil || *row.TenantID != tn.ID || row.ActorID == nil || *row.ActorID != actor.ID {
			t.Fatalf("row tenant %v actor %v", row.TenantID, row.ActorID)
		}
	})

	t.Run("a name must be short, lowercase, not reserved and not taken; nothing is emitted", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		other := testkit.Tenant(t, store).Create()
		if _, err := store.CreateRole(ctx, other.ID, "editor", ""); err != nil {
			t.Fatal(err)
		}
		rec := testkit.Events(t, store)
		for _, tc := range []struct{ name, want string }{
			{"", "Enter a name"},
			{"   ", "Enter a name"},
			{"Editors", "lowercase"},
			{"content editor", "lowercase"},
			{"rédacteur", "lowercase"},
			{strings.Repeat("a", 51), "at most 50"},
			{"super_admin", "reserved"},
			{"new", "reserved"},
			{"admin", "already exists"},
		} {
			_, err := store.CreateRole(ctx, tn.ID, tc.name, "")
			if msg := fieldError(t, err, "name"); !strings.Contains(msg, tc.want) {
				t.Errorf("name %q: %q, want it to say %q", tc.name, msg, tc.want)
			}
		}
		if _, err := store.CreateRole(ctx, tn.ID, "ok", strings.Repeat("x", 501)); fieldError(t, err, "description") == "" {
			t.Fatal("a long description was accepted")
		}
		// 50 characters of every allowed kind, and a name another tenant uses, are fine.
		for _, name := range []string{strings.Repeat("a", 46) + "_-9z", "editor"} {
			if _, err := store.CreateRole(ctx, tn.ID, name, ""); err != nil {
				t.Errorf("name %q: %v", name, err)
			}
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"role.created", "role.created"}) {
			t.Fatalf("events %v, want only the two successful role.created", got)
		}
	})
}

func TestCloneRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	rec := testkit.Events(t, store)

	r, err := store.CloneRole(ctx, tn.ID, "manager", "senior-manager", "A manager who also exports.")
	if err != nil {
		t.Fatal(err)
	}
	want := permissionsOf(t, store, tn.ID, "manager")
	if got := permissionsOf(t, store, tn.ID, "senior-manager"); len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("clone has %v, want the manager's %v", got, want)
	}
	if r.IsSystem {
		t.Fatal("a clone of a system role is a system role")
	}
	ev := rec.Emitted(t, "role.created")[0].(*events.RoleCreated)
	var wantNames []string
	for _, p := range want {
		wantNames = append(wantNames, p.Resource+":"+p.Action)
	}
	if ev.RoleID != r.ID || ev.System || !slices.Equal(ev.Permissions, wantNames) {
		t.Fatalf("payload %+v, want permissions %v", ev, wantNames)
	}

	// Changing the clone leaves the original alone.
	if err := store.SetPermission(ctx, tn.ID, "senior-manager", perm("products", "export"), true); err != nil {
		t.Fatal(err)
	}
	if got := permissionsOf(t, store, tn.ID, "manager"); !slices.Equal(got, want) {
		t.Fatalf("the original changed: %v", got)
	}

	_, err = store.CloneRole(ctx, tn.ID, "ghost", "copy", "")
	fieldError(t, err, "from")
	_, err = store.CloneRole(ctx, tn.ID, "manager", "manager", "")
	fieldError(t, err, "name")
}

func TestRenameRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	if _, err := store.CreateRole(ctx, tn.ID, "editor", ""); err != nil {
		t.Fatal(err)
	}
	if err := store.SetPermissions(ctx, tn.ID, "editor", []models.Permission{perm("nodes", "update"), perm("events", "list")}, true); err != nil {
		t.Fatal(err)
	}
	member := testkit.User(t, store).WithRole(tn, "editor").Create()
	before := permissionsOf(t, store, tn.ID, "editor")

	t.Run("renaming moves the permissions and the memberships and emits role.updated", func(t *testing.T) {
		rec := testkit.Events(t, store)
		r, err := store.UpdateRole(ctx, tn.ID, "editor", models.RoleUpdate{Name: ptr("writer")})
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "writer" {
			t.Fatalf("role %+v", r)
		}
		if got := permissionsOf(t, store, tn.ID, "writer"); !slices.Equal(got, before) {
			t.Fatalf("writer has %v, want %v", got, before)
		}
		if got := permissionsOf(t, store, tn.ID, "editor"); len(got) != 0 {
			t.Fatalf("rules left under the old name: %v", got)
		}
		if roles, _ := store.RolesIn(ctx, member.ID, tn.ID); !slices.Equal(roles, []string{"writer"}) {
			t.Fatalf("member's roles %v", roles)
		}
		if _, err := store.RoleByName(ctx, tn.ID, "editor"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("old name still found: %v", err)
		}
		ev := rec.Emitted(t, "role.updated")[0].(*events.RoleUpdated)
		if ev.RoleID != r.ID || ev.Changes["name"].Old != "editor" || ev.Changes["name"].New != "writer" || len(ev.Changes) != 1 {
			t.Fatalf("payload %+v", ev)
		}
	})

	t.Run("system roles, bad names, taken names and no change are refused or ignored without events", func(t *testing.T) {
		rec := testkit.Events(t, store)
		_, err := store.UpdateRole(ctx, tn.ID, "admin", models.RoleUpdate{Name: ptr("owners")})
		if msg := fieldError(t, err, "name"); !strings.Contains(msg, "System roles cannot be renamed") {
			t.Fatalf("system role: %q", msg)
		}
		fieldError(t, func() error {
			_, err := store.UpdateRole(ctx, tn.ID, "writer", models.RoleUpdate{Name: ptr("Bad Name")})
			return err
		}(), "name")
		fieldError(t, func() error {
			_, err := store.UpdateRole(ctx, tn.ID, "writer", models.RoleUpdate{Name: ptr("manager")})
			return err
		}(), "name")
		if _, err := store.UpdateRole(ctx, tn.ID, "writer", models.RoleUpdate{Name: ptr("writer")}); err != nil {
			t.Fatalf("same name: %v", err)
		}
		if _, err := store.UpdateRole(ctx, tn.ID, "ghost", models.RoleUpdate{Name: ptr("spirit")}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown role: %v", err)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v, want none", got)
		}
		if _, err := store.RoleByName(ctx, tn.ID, "admin"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDeleteRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("deleting a custom role removes its rules and memberships, with role.deleted and user.role_revoked", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		testkit.User(t, store).WithRole(tn, "admin").Create()
		r, err := store.CreateRole(ctx, tn.ID, "auditor", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SetPermission(ctx, tn.ID, "auditor", perm("events", "list"), true); err != nil {
			t.Fatal(err)
		}
		member := testkit.User(t, store).WithRole(tn, "auditor").WithRole(tn, "customer").Create()
		rec := testkit.Events(t, store)
		if err := store.DeleteRole(ctx, tn.ID, "auditor"); err != nil {
			t.Fatal(err)
		}
		if _, err := store.RoleByName(ctx, tn.ID, "auditor"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("role still there: %v", err)
		}
		if got := permissionsOf(t, store, tn.ID, "auditor"); len(got) != 0 {
			t.Fatalf("rules left: %v", got)
		}
		if roles, _ := store.RolesIn(ctx, member.ID, tn.ID); !slices.Equal(roles, []string{"customer"}) {
			t.Fatalf("member's roles %v, want only customer", roles)
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"role.deleted", "user.role_revoked"}) {
			t.Fatalf("events %v", got)
		}
		del := rec.Emitted(t, "role.deleted")[0].(*events.RoleDeleted)
		rev := rec.Emitted(t, "user.role_revoked")[0].(*events.UserRoleRevoked)
		if del.RoleID != r.ID || del.Name != "auditor" || rev.UserID != member.ID || rev.Role != "auditor" || rev.Tenant != tn.ID.String() {
			t.Fatalf("payloads %+v %+v", del, rev)
		}
		// The name is free again, and a new role of that name starts empty.
		if _, err := store.CreateRole(ctx, tn.ID, "auditor", ""); err != nil {
			t.Fatal(err)
		}
		if got := permissionsOf(t, store, tn.ID, "auditor"); len(got) != 0 {
			t.Fatalf("the new auditor inherited %v", got)
		}
	})

	t.Run("system roles cannot be deleted", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		testkit.User(t, store).WithRole(tn, "admin").Create()
		rec := testkit.Events(t, store)
		for _, name := range models.SystemRoles {
			err := store.DeleteRole(ctx, tn.ID, name)
			if msg := fieldError(t, err, "role"); !strings.Contains(msg, "System roles cannot be deleted") {
				t.Errorf("%s: %q", name, msg)
			}
			if _, err := store.RoleByName(ctx, tn.ID, name); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if err := store.DeleteRole(ctx, tn.ID, "ghost"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown role: %v", err)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})

	t.Run("deleting the only role that manages roles is refused and rolled back", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		testkit.User(t, store).WithRole(tn, "admin").Create()
		if _, err := store.CreateRole(ctx, tn.ID, "keepers", ""); err != nil {
			t.Fatal(err)
		}
		if err := store.SetPermission(ctx, tn.ID, "keepers", perm("roles", "update"), true); err != nil {
			t.Fatal(err)
		}
		keeper := testkit.User(t, store).WithRole(tn, "keepers").Create()
		// The admins hand role management over to the keepers.
		if err := store.SetPermission(ctx, tn.ID, "admin", perm("roles", "manage"), false); err != nil {
			t.Fatal(err)
		}
		rec := testkit.Events(t, store)
		err := store.DeleteRole(ctx, tn.ID, "keepers")
		if !errors.Is(err, models.ErrLastRoleManager) {
			t.Fatalf("deleting the last managing role: %v", err)
		}
		err = store.DeleteRole(events.WithActor(ctx, keeper.ID), tn.ID, "keepers")
		if !models.IsGuardrail(err) {
			t.Fatalf("a keeper deleting their own role: %v", err)
		}
		if roles, _ := store.RolesIn(ctx, keeper.ID, tn.ID); !slices.Equal(roles, []string{"keepers"}) {
			t.Fatalf("keeper's roles %v", roles)
		}
		if got := permissionsOf(t, store, tn.ID, "keepers"); len(got) != 1 {
			t.Fatalf("keepers' rules %v", got)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})
}

func TestSetPermissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a row grants every action of a resource, one event each", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		if _, err := store.CreateRole(ctx, tn.ID, "editor", ""); err != nil {
			t.Fatal(err)
		}
		perms, err := models.ExpandPermission("nodes", models.AllPermissions)
		if err != nil {
			t.Fatal(err)
		}
		rec := testkit.Events(t, store)
		if err := store.SetPermissions(ctx, tn.ID, "editor", perms, true); err != nil {
			t.Fatal(err)
		}
		if got := permissionsOf(t, store, tn.ID, "editor"); len(got) != len(authz.Actions) {
			t.Fatalf("permissions %v", got)
		}
		if n := len(rec.Emitted(t, "role.permission_granted")); n != len(authz.Actions) {
			t.Fatalf("%d role.permission_granted, want %d", n, len(authz.Actions))
		}
	})

	t.Run("a column revoke that hits a guardrail changes nothing at all", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		admin := testkit.User(t, store).WithRole(tn, "admin").Create()
		before := permissionsOf(t, store, tn.ID, "admin")
		perms, err := models.ExpandPermission(models.AllPermissions, "manage")
		if err != nil {
			t.Fatal(err)
		}
		rec := testkit.Events(t, store)
		// users:manage is revoked before roles:manage is refused; both must roll back.
		err = store.SetPermissions(events.WithActor(ctx, admin.ID), tn.ID, "admin", perms, false)
		if !models.IsGuardrail(err) {
			t.Fatalf("revoking manage everywhere from the only managing role: %v", err)
		}
		if got := permissionsOf(t, store, tn.ID, "admin"); !slices.Equal(got, before) {
			t.Fatalf("permissions %v, want %v", got, before)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})
}

func TestExpandPermission(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, resource, action string
		want                   int // -1: refused
	}{
		{"one cell is one permission", "events", "list", 1},
		{"a row is every action of the resource", "events", "*", len(authz.Actions)},
		{"a column is the action on every tenant resource", "*", "list", len(authz.TenantResources)},
		{"tenants is not a tenant resource", "tenants", "list", -1},
		{"the whole grid at once is refused", "*", "*", -1},
		{"an unknown resource is refused", "spaceships", "list", -1},
		{"an unknown action is refused", "events", "fly", -1},
		{"an empty field is refused", "", "list", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			perms, err := models.ExpandPermission(tc.resource, tc.action)
			if tc.want < 0 {
				fieldError(t, err, "permission")
				return
			}
			if err != nil || len(perms) != tc.want {
				t.Fatalf("%v, %v; want %d permissions", perms, err, tc.want)
			}
		})
	}
}
