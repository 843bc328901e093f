package models_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// rbacSnapshot lists every rule, role and user of the store, to show a refused change wrote
// nothing.
func rbacSnapshot(t *testing.T, store *models.Store) []string {
	t.Helper()
	var rules []models.CasbinRule
	var roles []models.Role
	var users []models.User
	mustNil(t, store.DB().Order("ptype, v0, v1, v2, v3").Find(&rules).Error)
	mustNil(t, store.DB().Order("tenant_id, name").Find(&roles).Error)
	mustNil(t, store.DB().Order("email").Find(&users).Error)
	var out []string
	for _, r := range rules {
		out = append(out, strings.Join([]string{r.Ptype, r.V0, r.V1, r.V2, r.V3}, ","))
	}
	for _, r := range roles {
		out = append(out, "role "+r.TenantID.String()+" "+r.Name)
	}
	for _, u := range users {
		out = append(out, "user "+u.Email+" "+u.Name+" "+u.Status)
	}
	return out
}

// TestGrantRule checks the one rule of every change to what a role allows or who holds it: you
// may grant or revoke only permissions you hold yourself (manage on a resource holds each of
// its actions), and you may not change a role, or the roles of a user, when the users it affects
// may do more than you. Super admins and the command line (no actor) are exempt. A refusal is
// a ValidationError with a plain sentence on the form's field, and writes nothing.
func TestGrantRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	role := func(name string, perms ...models.Permission) {
		t.Helper()
		_, err := store.CreateRole(ctx, tn.ID, name, "")
		mustNil(t, err)
		if len(perms) > 0 {
			mustNil(t, store.SetPermissions(ctx, tn.ID, name, perms, true))
		}
	}
	role("roles-editor", perm("roles", "list"), perm("roles", "read"), perm("roles", "update"))
	role("roles-creator", perm("roles", "list"), perm("roles", "read"), perm("roles", "create"), perm("nodes", "manage"), perm("products", "manage"))
	role("helpdesk", perm("users", "read"), perm("users", "update"))
	role("hr", perm("users", "manage"))
	role("peers", perm("roles", "read"))
	role("empty")
	_, err := store.CloneRole(ctx, tn.ID, "admin", "owners", "")
	mustNil(t, err)

	admin := testkit.User(t, store).WithRole(tn, "admin").WithRole(tn, "peers").Create()
	owner := testkit.User(t, store).WithRole(tn, "owners").Create()
	editor := testkit.User(t, store).WithRole(tn, "roles-editor").Create()
	creator := testkit.User(t, store).WithRole(tn, "roles-creator").Create()
	helpdesk := testkit.User(t, store).WithRole(tn, "helpdesk").Create()
	colleague := testkit.User(t, store).WithRole(tn, "helpdesk").Create()
	hr := testkit.User(t, store).WithRole(tn, "hr").Create()
	newcomer := testkit.User(t, store).Create()
	super := testkit.User(t, store).SuperAdmin().Create()

	column := func(action string) []models.Permission {
		perms, err := models.ExpandPermission(models.AllPermissions, action)
		mustNil(t, err)
		return perms
	}
	row := func(resource string) []models.Permission {
		perms, err := models.ExpandPermission(resource, models.AllPermissions)
		mustNil(t, err)
		return perms
	}
	as := func(u testkit.FixtureUser) context.Context { return events.WithActor(ctx, u.ID) }
	str := func(s string) *string { return &s }
	errOf := func(_ any, err error) error { return err }

	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T) // runs as the command line, before the snapshot
		change  func() error
		field   string // "" for a change that goes through
		refusal string // what the refusal says
	}{
		// Copying a role grants the new role everything the source allows.
		{name: "someone with only roles:create cannot copy admin",
			change: func() error { return errOf(store.CloneRole(as(creator), tn.ID, "admin", "pwned", "")) },
			field:  "from", refusal: "You cannot copy the role “admin”: it allows events:manage, which you do not have yourself."},
		{name: "a role whose permissions one holds, through manage too, may be copied",
			change: func() error { return errOf(store.CloneRole(as(creator), tn.ID, "customer", "readers", "")) }},
		{name: "a super admin may copy admin",
			change: func() error { return errOf(store.CloneRole(as(super), tn.ID, "admin", "admins-too", "")) }},
		{name: "the command line may copy admin",
			change: func() error { return errOf(store.CloneRole(ctx, tn.ID, "admin", "operators", "")) }},

		// The permission grid: a cell, a row or a column.
		{name: "someone with only roles:update cannot revoke roles:manage from admin",
			change: func() error {
				return store.SetPermissions(as(editor), tn.ID, "admin", []models.Permission{perm("roles", "manage")}, false)
			},
			field: "permission", refusal: "You cannot revoke roles:manage: you do not have it yourself."},
		{name: "nor strip users:manage from admin with the manage column",
			change: func() error { return store.SetPermissions(as(editor), tn.ID, "admin", column("manage"), false) },
			field:  "permission", refusal: "You cannot revoke users:manage: you do not have it yourself."},
		{name: "nor with the users row",
			change: func() error { return store.SetPermissions(as(editor), tn.ID, "admin", row("users"), false) },
			field:  "permission", refusal: "You cannot revoke users:list: you do not have it yourself."},
		{name: "nor change admin with a permission they hold, because its members may do more",
			change: func() error { return store.SetPermission(as(editor), tn.ID, "admin", perm("roles", "update"), true) },
			field:  "permission", refusal: "You cannot change the role “admin”: its members may do more than you."},
		{name: "a permission one does not hold cannot be granted",
			change: func() error { return store.SetPermission(as(editor), tn.ID, "empty", perm("users", "delete"), true) },
			field:  "permission", refusal: "You cannot grant users:delete: you do not have it yourself."},
		{name: "what one holds may be granted to a role whose members may do no more",
			change: func() error { return store.SetPermission(as(editor), tn.ID, "empty", perm("roles", "read"), true) }},
		{name: "manage on a resource holds each of its actions, but not another resource's",
			change: func() error { return store.SetPermissions(as(creator), tn.ID, "empty", row("products"), true) }},
		{name: "a column needs the action on every resource",
			change: func() error { return store.SetPermissions(as(creator), tn.ID, "empty", column("publish"), true) },
			field:  "permission", refusal: "You cannot grant users:publish: you do not have it yourself."},
		{name: "a super admin may change admin",
			change: func() error { return store.SetPermission(as(super), tn.ID, "admin", perm("settings", "export"), true) }},

		// Renaming and deleting.
		{name: "a role whose members may do more cannot be renamed",
			change: func() error {
				return errOf(store.UpdateRole(as(editor), tn.ID, "peers", models.RoleUpdate{Name: str("colleagues")}))
			},
			field: "name", refusal: "You cannot rename the role “peers”: its members may do more than you."},
		{name: "a role whose members may do no more can be renamed",
			setup: func(t *testing.T) { role("drafts", perm("roles", "read")) },
			change: func() error {
				return errOf(store.UpdateRole(as(editor), tn.ID, "drafts", models.RoleUpdate{Name: str("notes")}))
			}},
		{name: "a role that allows what one does not hold cannot be deleted",
			change: func() error { return store.DeleteRole(as(editor), tn.ID, "owners") },
			field:  "role", refusal: "You cannot delete the role “owners”: it allows events:manage, which you do not have yourself."},
		{name: "a role whose members may do more cannot be deleted",
			change: func() error { return store.DeleteRole(as(editor), tn.ID, "peers") },
			field:  "role", refusal: "You cannot delete the role “peers”: its members may do more than you."},
		{name: "a role within one's own power can be deleted",
			setup:  func(t *testing.T) { role("scratch", perm("roles", "read")) },
			change: func() error { return store.DeleteRole(as(editor), tn.ID, "scratch") }},

		// Who holds a role.
		{name: "a role that allows more than one may do cannot be given",
			change: func() error { return store.AssignRole(as(helpdesk), helpdesk.ID, "admin", tn.ID.String()) },
			field:  "role", refusal: "You cannot give the role “admin” to this user: it allows events:manage, which you do not have yourself."},
		{name: "a role cannot be given to someone who may do more",
			change: func() error { return store.AssignRole(as(helpdesk), admin.ID, "helpdesk", tn.ID.String()) },
			field:  "role", refusal: "You cannot give the role “helpdesk” to this user: they may do more than you."},
		{name: "a role within one's own power can be given",
			change: func() error { return store.AssignRole(as(helpdesk), newcomer.ID, "helpdesk", tn.ID.String()) }},
		{name: "only a super admin may make someone a super admin",
			change: func() error {
				return store.AssignRole(as(admin), newcomer.ID, models.RoleSuperAdmin, models.AllTenants)
			},
			field: "role", refusal: "Only a super admin can make someone a super admin."},
		{name: "a role that allows more than one may do cannot be taken away",
			change: func() error { return store.RevokeRole(as(helpdesk), owner.ID, "owners", tn.ID) },
			field:  "role", refusal: "You cannot take the role “owners” away from this user: it allows events:manage, which you do not have yourself."},
		{name: "a role cannot be taken away from someone who may do more",
			setup:  func(t *testing.T) { mustNil(t, store.AssignRole(ctx, admin.ID, "helpdesk", tn.ID.String())) },
			change: func() error { return store.RevokeRole(as(helpdesk), admin.ID, "helpdesk", tn.ID) },
			field:  "role", refusal: "You cannot take the role “helpdesk” away from this user: they may do more than you."},
		{name: "a role within one's own power can be taken away",
			change: func() error { return store.RevokeRole(as(helpdesk), colleague.ID, "helpdesk", tn.ID) }},
		{name: "a new user cannot be given a role that allows more than one may do",
			change: func() error {
				return errOf(store.CreateTenantUser(as(hr), tn.ID, models.UserInput{Email: "crony@example.com", Password: "a long enough password"}, "admin"))
			},
			field: "role", refusal: "You cannot give the role “admin”: it allows events:manage, which you do not have yourself."},
		{name: "nor be invited with one",
			change: func() error {
				_, _, err := store.InviteUser(as(hr), tn.ID, "crony@example.com", "", "admin")
				return err
			},
			field: "role", refusal: "You cannot give the role “admin”: it allows events:manage, which you do not have yourself."},
		{name: "a new user may be given a role within one's own power",
			change: func() error {
				return errOf(store.CreateTenantUser(as(hr), tn.ID, models.UserInput{Email: "hire@example.com", Password: "a long enough password"}, "helpdesk"))
			}},

		// Changing a user.
		{name: "someone who may do more cannot be renamed or switched off",
			change: func() error {
				return errOf(store.UpdateTenantUser(as(helpdesk), tn.ID, admin.ID, models.UserUpdate{Name: str("Demoted"), Status: str(models.UserBanned)}))
			},
			field: "guard", refusal: "You cannot change this user: they may do more than you."},
		{name: "someone who may do no more can be",
			setup: func(t *testing.T) { mustNil(t, store.AssignRole(ctx, colleague.ID, "helpdesk", tn.ID.String())) },
			change: func() error {
				return errOf(store.UpdateTenantUser(as(helpdesk), tn.ID, colleague.ID, models.UserUpdate{Name: str("Renamed")}))
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			before := rbacSnapshot(t, store)
			rec := testkit.Events(t, store)
			err := tc.change()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if got := fieldError(t, err, tc.field); got != tc.refusal {
				t.Errorf("refusal %q, want %q", got, tc.refusal)
			}
			if after := rbacSnapshot(t, store); !slices.Equal(after, before) {
				t.Errorf("the refused change wrote something:\nbefore %v\nafter  %v", before, after)
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("events %v", got)
			}
		})
	}
}
