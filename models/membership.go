package models

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// Platform-wide role and domain. A super admin holds RoleSuperAdmin in AllTenants.
const (
	RoleSuperAdmin = "super_admin"
	AllTenants     = "*"
)

// SystemRoles exist in every tenant.
var SystemRoles = []string{"admin", "manager", "customer"}

// CasbinRule is a row of the table the Casbin GORM adapter reads. Membership in a tenant is a
// grouping row: Ptype "g", V0 user id, V1 role, V2 tenant id (or AllTenants).
type CasbinRule struct {
	ID    uint   `gorm:"primaryKey;autoIncrement"`
	Ptype string `gorm:"not null"`
	V0    string `gorm:"not null"`
	V1    string `gorm:"not null"`
	V2    string `gorm:"not null"`
	V3    string `gorm:"not null"`
	V4    string `gorm:"not null"`
	V5    string `gorm:"not null"`
}

// TableName keeps the adapter's table name.
func (CasbinRule) TableName() string { return "casbin_rule" }

// AssignRole makes the user hold role in the tenant (tenant AllTenants for platform roles). The
// role must exist in the tenant, and the grant rule applies: the actor must hold everything the
// role allows, and the user may not do more than the actor; only super admins (and the command
// line) give the platform role. Assigning a role the user already holds is not an error.
func (s *Store) AssignRole(ctx context.Context, userID uuid.UUID, role, tenant string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		if tenant == AllTenants {
			if role != RoleSuperAdmin {
				return &ValidationError{Fields: map[string]string{"role": "The only platform role is super_admin."}}
			}
			if actor := events.ActorFrom(ctx); actor != nil {
				if super, err := s.IsSuperAdmin(ctx, *actor); err != nil {
					return err
				} else if !super {
					return &ValidationError{Fields: map[string]string{"role": "Only a super admin can make someone a super admin."}}
				}
			}
			return s.assignRole(ctx, userID, role, tenant)
		}
		id, err := uuid.Parse(tenant)
		if err != nil {
			return &ValidationError{Fields: map[string]string{"tenant": "Not a tenant id."}}
		}
		if err := s.checkRoleToGive(ctx, id, role, roleChange{what: "give the role “" + role + "” to this user",
			field: "role", users: []uuid.UUID{userID}}); err != nil {
			return err
		}
		return s.assignRole(ctx, userID, role, tenant)
	})
}

// checkRoleToGive refuses a tenant's role that does not exist, or that the grant rule does not
// let the actor hand out (ch names the change; the role's permissions are added to it).
func (s *Store) checkRoleToGive(ctx context.Context, tenantID uuid.UUID, role string, ch roleChange) error {
	if _, err := s.RoleByName(ctx, tenantID, role); errors.Is(err, ErrNotFound) {
		return &ValidationError{Fields: map[string]string{"role": "There is no role “" + role + "” in this tenant."}}
	} else if err != nil {
		return err
	}
	perms, err := s.PermissionsOf(ctx, tenantID, role)
	if err != nil {
		return err
	}
	ch.perms = perms
	return s.checkGrantRule(ctx, tenantID, ch)
}

// assignRole writes the grouping rule and user.role_assigned unless the user holds the role.
func (s *Store) assignRole(ctx context.Context, userID uuid.UUID, role, tenant string) error {
	var n int64
	q := s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", userID.String(), role, tenant)
	if err := q.Count(&n).Error; err != nil || n > 0 {
		return translate(err, "assign role")
	}
	r := CasbinRule{Ptype: "g", V0: userID.String(), V1: role, V2: tenant}
	if err := s.Conn(ctx).Create(&r).Error; err != nil {
		return translate(err, "assign role")
	}
	return s.Append(ctx, &events.UserRoleAssigned{UserRef: events.UserRef{UserID: userID}, Role: role, Tenant: tenant})
}

// IsSuperAdmin reports whether the user holds the platform role.
func (s *Store) IsSuperAdmin(ctx context.Context, userID uuid.UUID) (bool, error) {
	var n int64
	err := s.Conn(ctx).Model(&CasbinRule{}).
		Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", userID.String(), RoleSuperAdmin, AllTenants).
		Count(&n).Error
	return n > 0, translate(err, "is super admin")
}

// RolesIn returns the roles the user holds in the tenant, platform roles included.
func (s *Store) RolesIn(ctx context.Context, userID, tenantID uuid.UUID) ([]string, error) {
	var roles []string
	err := s.Conn(ctx).Model(&CasbinRule{}).
		Where("ptype = 'g' AND v0 = ? AND v2 IN ?", userID.String(), []string{tenantID.String(), AllTenants}).
		Order("v1").Pluck("v1", &roles).Error
	return roles, translate(err, "roles in tenant")
}

// TenantsForUser returns the active tenants the user may open: all of them for a super admin,
// otherwise those where the user holds a role; at most limit of them, unless limit is 0.
func (s *Store) TenantsForUser(ctx context.Context, userID uuid.UUID, limit int) ([]Tenant, error) {
	super, err := s.IsSuperAdmin(ctx, userID)
	if err != nil {
		return nil, err
	}
	if super {
		return s.ActiveTenants(ctx, limit)
	}
	member := s.Conn(ctx).Model(&CasbinRule{}).Select("v2").Where("ptype = 'g' AND v0 = ?", userID.String())
	q := s.Conn(ctx).Where("is_active = ? AND CAST(id AS TEXT) IN (?)", true, member).Order("name, slug")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var ts []Tenant
	return ts, translate(q.Find(&ts).Error, "tenants for user")
}

// Membership is one role a user holds: in a tenant (Domain is its id) or on the platform
// (Domain is AllTenants).
type Membership struct {
	Role   string
	Domain string
}

// MembershipsOf returns every role the user holds, sorted by domain, then role.
func (s *Store) MembershipsOf(ctx context.Context, userID uuid.UUID) ([]Membership, error) {
	var rows []CasbinRule
	err := s.Conn(ctx).Model(&CasbinRule{}).Select("v1", "v2").
		Where("ptype = 'g' AND v0 = ?", userID.String()).Order("v2, v1").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "memberships of user")
	}
	out := make([]Membership, len(rows))
	for i, r := range rows {
		out[i] = Membership{Role: r.V1, Domain: r.V2}
	}
	return out, nil
}

// ActiveTenants returns the active tenants by name, then slug; at most limit unless limit is 0.
func (s *Store) ActiveTenants(ctx context.Context, limit int) ([]Tenant, error) {
	q := s.Conn(ctx).Where("is_active = ?", true).Order("name, slug")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var ts []Tenant
	return ts, translate(q.Find(&ts).Error, "active tenants")
}
