package models

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/migrations"
)

// Guardrail errors: changes refused because they would lock people out. They match ErrInvalid.
var (
	// ErrLastRoleManager: the change would leave the tenant with nobody able to manage roles.
	ErrLastRoleManager = &ValidationError{Fields: map[string]string{"guard": "This change would leave nobody in this tenant able to manage roles."}}
	// ErrOwnRoleManagement: a user may not take away their own last way to manage roles.
	ErrOwnRoleManagement = &ValidationError{Fields: map[string]string{"guard": "You cannot remove your own permission to manage roles; ask another role manager."}}
	// ErrLastAdmin: the tenant's last admin cannot lose the admin role.
	ErrLastAdmin = &ValidationError{Fields: map[string]string{"guard": "This is the tenant's last admin; give someone else the admin role first."}}
)

// roleManagingActions are the actions on "roles" that let a user change roles and permissions.
var roleManagingActions = []string{"manage", "update"}

// RoleManagers returns the active users who may manage roles in the tenant (platform super
// admins are not counted: a tenant must be able to govern itself).
func (s *Store) RoleManagers(ctx context.Context, tenantID uuid.UUID) ([]uuid.UUID, error) {
	var ids []string
	err := s.Conn(ctx).Raw(`SELECT DISTINCT g.v0 FROM casbin_rule g
		JOIN casbin_rule p ON p.ptype = 'p' AND p.v0 = g.v1 AND p.v1 = g.v2 AND p.v2 = 'roles' AND p.v3 IN ?
		JOIN users u ON CAST(u.id AS TEXT) = g.v0 AND u.status = 'active'
		WHERE g.ptype = 'g' AND g.v2 = ?`, roleManagingActions, tenantID.String()).Scan(&ids).Error
	if err != nil {
		return nil, translate(err, "role managers")
	}
	return parseUUIDs(ids), nil
}

// MembersOf returns the users holding the role in the tenant.
func (s *Store) MembersOf(ctx context.Context, tenantID uuid.UUID, role string) ([]uuid.UUID, error) {
	var ids []string
	err := s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'g' AND v1 = ? AND v2 = ?", role, tenantID.String()).Pluck("v0", &ids).Error
	if err != nil {
		return nil, translate(err, "members of "+role)
	}
	return parseUUIDs(ids), nil
}

// guardState is what the guardrails compare before and after a change, in one tenant.
type guardState struct {
	tenantID     uuid.UUID
	managers     int  // users able to manage roles
	admins       int  // holders of the admin role
	actorManages bool // whether the context's actor can manage roles
}

// guardrailsBefore starts a guarded change: it locks the tenants' roles until the transaction
// in ctx ends (lockTenantRoles) and only then reads the state of each, which the change passes
// to checkGuardrails afterwards. Every guarded change calls it before it reads or writes
// anything else, so two changes that are each fine alone — two admins revoking each other —
// run one after the other, and the second sees what the first did.
func (s *Store) guardrailsBefore(ctx context.Context, tenantIDs ...uuid.UUID) ([]guardState, error) {
	if err := s.lockTenantRoles(ctx, tenantIDs); err != nil {
		return nil, err
	}
	states := make([]guardState, len(tenantIDs))
	for i, id := range tenantIDs {
		var err error
		if states[i], err = s.guardrailState(ctx, id); err != nil {
			return nil, err
		}
	}
	return states, nil
}

// lockTenantRoles serialises the guarded changes of the tenants. On PostgreSQL it takes a
// transaction-scoped advisory lock per tenant, in sorted order, so changes locking several
// tenants queue instead of deadlocking; taking one again in the same transaction is free.
// SQLite needs none: Open gives it one connection and BEGIN IMMEDIATE, so its write
// transactions already run one at a time, each starting after the previous one committed.
func (s *Store) lockTenantRoles(ctx context.Context, tenantIDs []uuid.UUID) error {
	if !InTx(ctx) {
		return errors.New("models: guardrails must run inside WithTx")
	}
	if s.dialect != migrations.Postgres {
		return nil
	}
	keys := make([]string, len(tenantIDs))
	for i, id := range tenantIDs {
		keys[i] = "tenant-roles:" + id.String()
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if err := s.Conn(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", k).Error; err != nil {
			return translate(err, "lock "+k)
		}
	}
	return nil
}

// guardrailState reads the tenant's guard state inside the caller's transaction.
func (s *Store) guardrailState(ctx context.Context, tenantID uuid.UUID) (guardState, error) {
	managers, err := s.RoleManagers(ctx, tenantID)
	if err != nil {
		return guardState{}, err
	}
	admins, err := s.MembersOf(ctx, tenantID, "admin")
	if err != nil {
		return guardState{}, err
	}
	st := guardState{tenantID: tenantID, managers: len(managers), admins: len(admins)}
	if actor := events.ActorFrom(ctx); actor != nil {
		st.actorManages = slices.Contains(managers, *actor)
	}
	return st, nil
}

// checkGuardrails runs after a role, permission or user change, inside its transaction, given
// the states guardrailsBefore read: a tenant that had someone able to manage roles, or an
// admin, must still have one, and the actor must not have taken away their own role management
// (a super admin may). A tenant that had neither — a new one with no members yet — can be set
// up freely.
func (s *Store) checkGuardrails(ctx context.Context, before ...guardState) error {
	for _, b := range before {
		after, err := s.guardrailState(ctx, b.tenantID)
		if err != nil {
			return err
		}
		if b.managers > 0 && after.managers == 0 {
			return ErrLastRoleManager
		}
		if actor := events.ActorFrom(ctx); actor != nil && b.actorManages && !after.actorManages {
			if super, _ := s.IsSuperAdmin(ctx, *actor); !super {
				return ErrOwnRoleManagement
			}
		}
		if b.admins > 0 && after.admins == 0 {
			return ErrLastAdmin
		}
	}
	return nil
}

// RevokeRole takes a role in a tenant away from a user, with user.role_revoked, unless the
// grant rule (the role allows what the actor may not do, or the user may do more than the
// actor) or a guardrail (last admin, nobody left to manage roles, your own role management)
// refuses it.
func (s *Store) RevokeRole(ctx context.Context, userID uuid.UUID, role string, tenantID uuid.UUID) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.guardrailsBefore(ctx, tenantID)
		if err != nil {
			return err
		}
		perms, err := s.PermissionsOf(ctx, tenantID, role)
		if err != nil {
			return err
		}
		if err := s.checkGrantRule(ctx, tenantID, roleChange{what: "take the role “" + role + "” away from this user",
			field: "role", perms: perms, users: []uuid.UUID{userID}}); err != nil {
			return err
		}
		res := s.Conn(ctx).Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", userID.String(), role, tenantID.String()).Delete(&CasbinRule{})
		if res.Error != nil {
			return translate(res.Error, "revoke role")
		}
		if res.RowsAffected == 0 {
			return nil // nothing to revoke
		}
		if err := s.checkGuardrails(ctx, before...); err != nil {
			return err
		}
		return s.Append(events.WithTenant(ctx, tenantID), &events.UserRoleRevoked{UserRef: events.UserRef{UserID: userID}, Role: role, Tenant: tenantID.String()})
	})
}

// SetPermission grants or revokes one permission of a tenant's role; see SetPermissions.
func (s *Store) SetPermission(ctx context.Context, tenantID uuid.UUID, role string, perm Permission, granted bool) error {
	return s.SetPermissions(ctx, tenantID, role, []Permission{perm}, granted)
}

// SetPermissions grants or revokes permissions of a tenant's role — a cell, a row or a column
// of the grid — in one transaction, with role.permission_granted or role.permission_revoked for
// each one that changes. If the grant rule or a guardrail refuses, none is changed. Granting
// what the role already has, or revoking what it lacks, changes nothing.
func (s *Store) SetPermissions(ctx context.Context, tenantID uuid.UUID, role string, perms []Permission, granted bool) error {
	for _, p := range perms {
		if !slices.Contains(authz.TenantResources, p.Resource) || !slices.Contains(authz.Actions, p.Action) {
			return &ValidationError{Fields: map[string]string{"permission": "Unknown permission " + permName(p) + "."}}
		}
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.guardrailsBefore(ctx, tenantID)
		if err != nil {
			return err
		}
		r, err := s.RoleByName(ctx, tenantID, role)
		if err != nil {
			return err
		}
		if err := s.checkGrantRule(ctx, tenantID, roleChange{what: "change the role “" + role + "”", field: "permission",
			perms: perms, named: true, grant: granted, members: role}); err != nil {
			return err
		}
		ctx = events.WithTenant(ctx, tenantID)
		ref := events.RoleRef{RoleID: r.ID}
		var evts []events.Event
		for _, p := range perms {
			changed, err := s.setPermission(ctx, tenantID, role, p, granted)
			switch {
			case err != nil:
				return err
			case changed && granted:
				evts = append(evts, &events.RolePermissionGranted{RoleRef: ref, Resource: p.Resource, Action: p.Action})
			case changed:
				evts = append(evts, &events.RolePermissionRevoked{RoleRef: ref, Resource: p.Resource, Action: p.Action})
			}
		}
		if !granted {
			if err := s.checkGuardrails(ctx, before...); err != nil {
				return err
			}
		}
		return s.Append(ctx, evts...)
	})
}

// setPermission writes one permission rule of a role, or deletes it, and reports whether that
// changed anything.
func (s *Store) setPermission(ctx context.Context, tenantID uuid.UUID, role string, p Permission, granted bool) (bool, error) {
	rule := CasbinRule{Ptype: "p", V0: role, V1: tenantID.String(), V2: p.Resource, V3: p.Action}
	if granted {
		res := s.Conn(ctx).Where(rule).FirstOrCreate(&CasbinRule{Ptype: rule.Ptype, V0: rule.V0, V1: rule.V1, V2: rule.V2, V3: rule.V3})
		return res.RowsAffected > 0, translate(res.Error, "grant permission")
	}
	res := s.Conn(ctx).Where("ptype = 'p' AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ?", role, rule.V1, p.Resource, p.Action).Delete(&CasbinRule{})
	return res.RowsAffected > 0, translate(res.Error, "revoke permission")
}

// PermissionsOf returns the role's permissions in the tenant.
func (s *Store) PermissionsOf(ctx context.Context, tenantID uuid.UUID, role string) ([]Permission, error) {
	var rules []CasbinRule
	err := s.Conn(ctx).Where("ptype = 'p' AND v0 = ? AND v1 = ?", role, tenantID.String()).Order("v2, v3").Find(&rules).Error
	if err != nil {
		return nil, translate(err, "permissions of "+role)
	}
	out := make([]Permission, len(rules))
	for i, r := range rules {
		out[i] = Permission{Resource: r.V2, Action: r.V3}
	}
	return out, nil
}

// roleChange is a change of what a role allows or of who holds it, as the grant rule judges it.
type roleChange struct {
	what    string       // the change as a refusal names it, after "You cannot ": "copy the role “admin”"
	field   string       // the form field a refusal is reported on
	perms   []Permission // the permissions the change grants or revokes
	named   bool         // perms were picked one by one (the grid), not taken from a role
	grant   bool         // for named perms: granted, else revoked
	members string       // the role whose members' access changes, or ""
	users   []uuid.UUID  // other users whose access changes
}

// checkGrantRule is the one rule of every change to what a tenant's roles allow or to who holds
// them: the actor in ctx may grant or revoke only permissions they hold themselves (manage on a
// resource holds each of its actions), and may not change anything for users who may do more
// than they may — the members of a role being changed, or the user whose roles or account
// change. Super admins are exempt, and so is a context without an actor: the command line and
// the operator's own setup. A refusal is a ValidationError on ch.field with a plain sentence.
func (s *Store) checkGrantRule(ctx context.Context, tenantID uuid.UUID, ch roleChange) error {
	actor := events.ActorFrom(ctx)
	if actor == nil {
		return nil
	}
	affected := slices.Clone(ch.users)
	if ch.members != "" {
		members, err := s.MembersOf(ctx, tenantID, ch.members)
		if err != nil {
			return err
		}
		affected = append(affected, members...)
	}
	held, err := s.holdingsIn(ctx, tenantID, append(affected, *actor))
	if err != nil {
		return err
	}
	mine := held[*actor]
	if mine.super {
		return nil
	}
	refuse := func(msg string) error { return &ValidationError{Fields: map[string]string{ch.field: msg}} }
	for _, p := range ch.perms {
		switch {
		case mine.allows(p):
		case ch.named && ch.grant:
			return refuse("You cannot grant " + permName(p) + ": you do not have it yourself.")
		case ch.named:
			return refuse("You cannot revoke " + permName(p) + ": you do not have it yourself.")
		default:
			return refuse("You cannot " + ch.what + ": it allows " + permName(p) + ", which you do not have yourself.")
		}
	}
	for _, u := range affected {
		if u != *actor && held[u].exceeds(mine) {
			who := "they"
			if ch.members != "" {
				who = "its members"
			}
			return refuse("You cannot " + ch.what + ": " + who + " may do more than you.")
		}
	}
	return nil
}

// holdings is what one user may do in a tenant, as the grant rule compares it.
type holdings struct {
	super bool                // a super admin may do everything everywhere
	perms map[Permission]bool // the permissions of the user's roles in the tenant
}

// allows reports whether the holdings include p: p itself, or manage on its resource.
func (h holdings) allows(p Permission) bool {
	return h.super || h.perms[p] || h.perms[Permission{Resource: p.Resource, Action: "manage"}]
}

// exceeds reports whether h may do something mine may not.
func (h holdings) exceeds(mine holdings) bool {
	switch {
	case mine.super:
		return false
	case h.super:
		return true
	}
	for p := range h.perms {
		if !mine.allows(p) {
			return true
		}
	}
	return false
}

// holdingsIn returns what each of the users may do in the tenant, in two queries.
func (s *Store) holdingsIn(ctx context.Context, tenantID uuid.UUID, users []uuid.UUID) (map[uuid.UUID]holdings, error) {
	out := make(map[uuid.UUID]holdings, len(users))
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.String()
		out[u] = holdings{perms: map[Permission]bool{}}
	}
	var rows []struct{ UserID, Resource, Action string }
	err := s.Conn(ctx).Raw(`SELECT g.v0 AS user_id, p.v2 AS resource, p.v3 AS action FROM casbin_rule g
		JOIN casbin_rule p ON p.ptype = 'p' AND p.v0 = g.v1 AND p.v1 = g.v2
		WHERE g.ptype = 'g' AND g.v2 = ? AND g.v0 IN ?`, tenantID.String(), ids).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "permissions of users")
	}
	for _, r := range rows {
		if id, err := uuid.Parse(r.UserID); err == nil {
			out[id].perms[Permission{Resource: r.Resource, Action: r.Action}] = true
		}
	}
	var supers []string
	err = s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'g' AND v1 = ? AND v2 = ? AND v0 IN ?", RoleSuperAdmin, AllTenants, ids).
		Pluck("v0", &supers).Error
	if err != nil {
		return nil, translate(err, "super admins among users")
	}
	for _, id := range supers {
		if u, err := uuid.Parse(id); err == nil {
			h := out[u]
			h.super = true
			out[u] = h
		}
	}
	return out, nil
}

// permName spells a permission the way pages and messages do: resource:action.
func permName(p Permission) string { return p.Resource + ":" + p.Action }

// IsGuardrail reports whether err is one of the guardrail refusals.
func IsGuardrail(err error) bool {
	return errors.Is(err, ErrLastRoleManager) || errors.Is(err, ErrOwnRoleManagement) || errors.Is(err, ErrLastAdmin)
}

// parseUUIDs turns the text ids casbin_rule holds into UUIDs, leaving out any that are not one
// (role names live in the same columns).
func parseUUIDs(ids []string) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil {
			out = append(out, u)
		}
	}
	return out
}
