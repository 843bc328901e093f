package models

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// Role is a named set of permissions in one tenant. Its rules live in casbin_rule as
// p, <role name>, <tenant id>, <resource>, <action>; members are g, <user id>, <role name>, <tenant id>.
type Role struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	TenantID    uuid.UUID `gorm:"type:uuid;not null"`
	Name        string    `gorm:"not null"`
	Description string    `gorm:"not null"`
	IsSystem    bool      `gorm:"not null"`
	Version     int       `gorm:"not null;default:1"` // bumped by every change of name or description (version.go)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Permission is one (resource, action) pair; action "manage" implies every action.
type Permission struct {
	Resource string
	Action   string
}

// DefaultMatrix is what the system roles of a new tenant may do (DESIGN.md). super_admin, the
// platform role, manages everything everywhere (seeded by migration 00004).
var DefaultMatrix = map[string][]Permission{
	"admin": manageAll("users", "roles", "settings", "nodes", "products", "inventory", "events"),
	"manager": append(append(append(
		actions("nodes", "list", "read", "create", "update", "delete", "publish"),
		actions("products", "list", "read", "create", "update", "delete", "publish")...),
		actions("inventory", "list", "read", "update")...),
		append(actions("events", "list", "read"), actions("users", "list", "read")...)...),
	"customer": append(actions("nodes", "list", "read"), actions("products", "list", "read")...),
}

var systemRoleDescriptions = map[string]string{
	"admin":    "Manages everything in the tenant.",
	"manager":  "Edits and publishes content and products, adjusts inventory, reads users and events.",
	"customer": "Reads content and products.",
}

func manageAll(resources ...string) []Permission {
	out := make([]Permission, len(resources))
	for i, r := range resources {
		out[i] = Permission{r, "manage"}
	}
	return out
}

func actions(resource string, acts ...string) []Permission {
	out := make([]Permission, len(acts))
	for i, a := range acts {
		out[i] = Permission{resource, a}
	}
	return out
}

// seedSystemRoles creates admin, manager and customer with the default matrix in a new tenant,
// inside the caller's transaction: one role.created event per role, naming its starting permissions.
func (s *Store) seedSystemRoles(ctx context.Context, tenantID uuid.UUID) error {
	ctx = events.WithTenant(ctx, tenantID)
	for _, name := range SystemRoles {
		role := Role{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Name: name, Description: systemRoleDescriptions[name], IsSystem: true, Version: 1}
		if err := s.Conn(ctx).Create(&role).Error; err != nil {
			return translate(err, "seed role "+name)
		}
		created := &events.RoleCreated{RoleRef: events.RoleRef{RoleID: role.ID}, Name: name, System: true}
		rules := make([]CasbinRule, 0, len(DefaultMatrix[name]))
		for _, p := range DefaultMatrix[name] {
			rules = append(rules, CasbinRule{Ptype: "p", V0: name, V1: tenantID.String(), V2: p.Resource, V3: p.Action})
			created.Permissions = append(created.Permissions, p.Resource+":"+p.Action)
		}
		if err := s.Conn(ctx).Create(&rules).Error; err != nil {
			return translate(err, "seed permissions of "+name)
		}
		if err := s.Append(ctx, created); err != nil {
			return err
		}
	}
	return nil
}

// RoleByName returns the tenant's role with the name.
func (s *Store) RoleByName(ctx context.Context, tenantID uuid.UUID, name string) (*Role, error) {
	var r Role
	if err := s.Conn(ctx).Where("tenant_id = ? AND name = ?", tenantID, name).Take(&r).Error; err != nil {
		return nil, translate(err, "role "+name)
	}
	return &r, nil
}

// RoleByID returns the tenant's role with the id; another tenant's role is ErrNotFound.
func (s *Store) RoleByID(ctx context.Context, tenantID, id uuid.UUID) (*Role, error) {
	var r Role
	if err := s.Conn(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&r).Error; err != nil {
		return nil, translate(err, "role "+id.String())
	}
	return &r, nil
}

// RolesOf returns the tenant's roles, system roles first.
func (s *Store) RolesOf(ctx context.Context, tenantID uuid.UUID) ([]Role, error) {
	var rs []Role
	err := s.Conn(ctx).Where("tenant_id = ?", tenantID).Order("is_system DESC, name").Find(&rs).Error
	return rs, translate(err, "roles of tenant")
}
