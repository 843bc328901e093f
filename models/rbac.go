package models

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

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
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil {
			out = append(out, u)
		}
	}
	return out, nil
}

// MembersOf returns the users holding the role in the tenant.
func (s *Store) MembersOf(ctx context.Context, tenantID uuid.UUID, role string) ([]uuid.UUID, error) {
	var ids []string
	err := s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'g' AND v1 = ? AND v2 = ?", role, tenantID.String()).Pluck("v0", &ids).Error
	if err != nil {
		return nil, translate(err, "members of "+role)
	}
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil {
			out = append(out, u)
		}
	}
	return out, nil
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

// RevokeRole takes a role in a tenant away from a user, with user.role_revoked, unless a
// guardrail refuses it (last admin, nobody left to manage roles, your own role management).
func (s *Store) RevokeRole(ctx context.Context, userID uuid.UUID, role string, tenantID uuid.UUID) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.guardrailsBefore(ctx, tenantID)
		if err != nil {
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

// SetPermission grants or revokes (resource, action) for a role of the tenant, with
// role.permission_granted or role.permission_revoked, in one transaction; guardrails apply.
// Granting what the role already has, or revoking what it lacks, changes nothing.
func (s *Store) SetPermission(ctx context.Context, tenantID uuid.UUID, role string, perm Permission, granted bool) error {
	if !slices.Contains(TenantResources, perm.Resource) || !slices.Contains(events.Actions, perm.Action) {
		return &ValidationError{Fields: map[string]string{"permission": "Unknown permission " + perm.Resource + ":" + perm.Action + "."}}
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.RoleByName(ctx, tenantID, role)
		if err != nil {
			return err
		}
		ref := events.RoleRef{RoleID: r.ID}
		ctx = events.WithTenant(ctx, tenantID)
		rule := CasbinRule{Ptype: "p", V0: role, V1: tenantID.String(), V2: perm.Resource, V3: perm.Action}
		if granted {
			res := s.Conn(ctx).Where(rule).FirstOrCreate(&CasbinRule{Ptype: rule.Ptype, V0: rule.V0, V1: rule.V1, V2: rule.V2, V3: rule.V3})
			if res.Error != nil || res.RowsAffected == 0 {
				return translate(res.Error, "grant permission")
			}
			return s.Append(ctx, &events.RolePermissionGranted{RoleRef: ref, Resource: perm.Resource, Action: perm.Action})
		}
		before, err := s.guardrailsBefore(ctx, tenantID)
		if err != nil {
			return err
		}
		res := s.Conn(ctx).Where("ptype = 'p' AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ?", role, tenantID.String(), perm.Resource, perm.Action).Delete(&CasbinRule{})
		if res.Error != nil {
			return translate(res.Error, "revoke permission")
		}
		if res.RowsAffected == 0 {
			return nil
		}
		if err := s.checkGuardrails(ctx, before...); err != nil {
			return err
		}
		return s.Append(ctx, &events.RolePermissionRevoked{RoleRef: ref, Resource: perm.Resource, Action: perm.Action})
	})
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

// IsGuardrail reports whether err is one of the guardrail refusals.
func IsGuardrail(err error) bool {
	return errors.Is(err, ErrLastRoleManager) || errors.Is(err, ErrOwnRoleManagement) || errors.Is(err, ErrLastAdmin)
}
