package models

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/events"
)

// Limits and rules of role names and descriptions.
const (
	MaxRoleName        = 50
	MaxRoleDescription = 500
)

var roleNamePattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// reservedRoleNames cannot name a tenant role: the platform role, and "new", which would be
// shadowed by the create page at /t/{slug}/roles/new.
var reservedRoleNames = []string{RoleSuperAdmin, "new"}

// AllPermissions is the wildcard of the permission grid's row and column toggles: resource "*"
// means every resource (a column), action "*" every action (a row).
const AllPermissions = "*"

// RoleSummary is a role and how many users hold it.
type RoleSummary struct {
	Role
	Members int
}

// RolesWithCounts returns the tenant's roles, system roles first, each with its member count.
func (s *Store) RolesWithCounts(ctx context.Context, tenantID uuid.UUID) ([]RoleSummary, error) {
	roles, err := s.RolesOf(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var counts []struct {
		V1 string
		N  int
	}
	err = s.Conn(ctx).Model(&CasbinRule{}).Select("v1, COUNT(*) AS n").
		Where("ptype = 'g' AND v2 = ?", tenantID.String()).Group("v1").Scan(&counts).Error
	if err != nil {
		return nil, translate(err, "count role members")
	}
	members := make(map[string]int, len(counts))
	for _, c := range counts {
		members[c.V1] = c.N
	}
	out := make([]RoleSummary, len(roles))
	for i, r := range roles {
		out[i] = RoleSummary{Role: r, Members: members[r.Name]}
	}
	return out, nil
}

// validateRoleName returns what is wrong with a new role name, or "".
func validateRoleName(name string) string {
	switch {
	case name == "":
		return "Enter a name for the role."
	case utf8.RuneCountInString(name) > MaxRoleName:
		return "Role names are at most 50 characters."
	case !roleNamePattern.MatchString(name) || name[0] < 'a' || name[0] > 'z':
		return "Start with a letter; then use lowercase letters, digits, hyphens and underscores, such as content-editor."
	case slices.Contains(reservedRoleNames, name):
		return "“" + name + "” is reserved. Choose another name."
	}
	return ""
}

// roleNameTaken is the field error for a name another role of the tenant already has.
func roleNameTaken(name string) error {
	return &ValidationError{Fields: map[string]string{"name": "A role named “" + name + "” already exists in this tenant."}}
}

// CreateRole creates a custom role with no permissions, with role.created. A bad or taken name
// is a ValidationError on "name".
func (s *Store) CreateRole(ctx context.Context, tenantID uuid.UUID, name, description string) (*Role, error) {
	var r *Role
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		r, err = s.createRole(ctx, tenantID, name, description, nil)
		return err
	})
	return r, err
}

// CloneRole creates a custom role with the permissions of the tenant's role from, with
// role.created listing them. An unknown source, or one that allows what the actor may not do
// (the grant rule), is a ValidationError on "from".
func (s *Store) CloneRole(ctx context.Context, tenantID uuid.UUID, from, name, description string) (*Role, error) {
	var r *Role
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.RoleByName(ctx, tenantID, from); errors.Is(err, ErrNotFound) {
			return &ValidationError{Fields: map[string]string{"from": "There is no role “" + from + "” in this tenant to copy."}}
		} else if err != nil {
			return err
		}
		perms, err := s.PermissionsOf(ctx, tenantID, from)
		if err != nil {
			return err
		}
		if err := s.checkGrantRule(ctx, tenantID, roleChange{what: "copy the role “" + from + "”", field: "from", perms: perms}); err != nil {
			return err
		}
		r, err = s.createRole(ctx, tenantID, name, description, perms)
		return err
	})
	return r, err
}

// createRole inserts a custom role and its permissions inside the caller's transaction.
func (s *Store) createRole(ctx context.Context, tenantID uuid.UUID, name, description string, perms []Permission) (*Role, error) {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	fields := fieldErrors{}
	if msg := validateRoleName(name); msg != "" {
		fields.add("name", msg)
	}
	if utf8.RuneCountInString(description) > MaxRoleDescription {
		fields.add("description", "Descriptions are at most 500 characters.")
	}
	if err := fields.err(); err != nil {
		return nil, err
	}
	if _, err := s.RoleByName(ctx, tenantID, name); err == nil {
		return nil, roleNameTaken(name)
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	ctx = events.WithTenant(ctx, tenantID)
	r := Role{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Name: name, Description: description, Version: 1}
	if err := s.Conn(ctx).Create(&r).Error; err != nil {
		if err = translate(err, "create role"); errors.Is(err, ErrConflict) {
			return nil, roleNameTaken(name)
		}
		return nil, err
	}
	created := &events.RoleCreated{RoleRef: events.RoleRef{RoleID: r.ID}, Name: name}
	if len(perms) > 0 {
		rules := make([]CasbinRule, len(perms))
		for i, p := range perms {
			rules[i] = CasbinRule{Ptype: "p", V0: name, V1: tenantID.String(), V2: p.Resource, V3: p.Action}
			created.Permissions = append(created.Permissions, p.Resource+":"+p.Action)
		}
		if err := s.Conn(ctx).Create(&rules).Error; err != nil {
			return nil, translate(err, "copy permissions")
		}
	}
	return &r, s.Append(ctx, created)
}

// RoleUpdate is what the role form may change on a custom role; nil fields stay as they are.
type RoleUpdate struct {
	Name        *string
	Description *string
	Version     *int // the version the form was loaded from; nil skips the check (version.go)
	// ID, when set, names the role instead of its name: a form loaded before someone renamed
	// the role still finds it, and is refused as stale rather than as not found.
	ID uuid.UUID
}

// UpdateRole renames a custom role and changes its description, with role.updated (old → new).
// On a rename its permission rules and its members' grouping rules are rewritten in the same
// transaction, so every member keeps exactly the access they had. System roles cannot be
// changed, nor roles whose members may do more than the actor (the grant rule); changing
// nothing changes nothing. A form loaded from another version than
// up.Version is refused with a *StaleError.
func (s *Store) UpdateRole(ctx context.Context, tenantID uuid.UUID, name string, up RoleUpdate) (*Role, error) {
	var r *Role
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if up.ID != uuid.Nil {
			r, err = s.RoleByID(ctx, tenantID, up.ID)
		} else {
			r, err = s.RoleByName(ctx, tenantID, name)
		}
		if err != nil {
			return err
		}
		if r.IsSystem {
			return &ValidationError{Fields: map[string]string{"name": "System roles cannot be renamed."}}
		}
		if err := s.checkVersion(ctx, r, up.Version); err != nil {
			return err
		}
		from, to, description := r.Name, r.Name, r.Description
		if up.Name != nil {
			to = strings.TrimSpace(*up.Name)
		}
		if up.Description != nil {
			description = strings.TrimSpace(*up.Description)
		}
		fields := fieldErrors{}
		if msg := validateRoleName(to); to != from && msg != "" {
			fields.add("name", msg)
		}
		if utf8.RuneCountInString(description) > MaxRoleDescription {
			fields.add("description", "Descriptions are at most 500 characters.")
		}
		if err := fields.err(); err != nil {
			return err
		}
		changes := events.Changes{}.Diff("name", from, to).Diff("description", r.Description, description)
		if len(changes) == 0 {
			return nil
		}
		what := "change the role “" + from + "”"
		if to != from {
			what = "rename the role “" + from + "”"
		}
		if err := s.checkGrantRule(ctx, tenantID, roleChange{what: what, field: "name", members: from}); err != nil {
			return err
		}
		if to != from {
			if _, err := s.RoleByName(ctx, tenantID, to); err == nil {
				return roleNameTaken(to)
			} else if !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		ctx = events.WithTenant(ctx, tenantID)
		r.Name, r.Description = to, description
		if err := s.saveVersioned(ctx, r, "update role", "name", "description"); errors.Is(err, ErrConflict) {
			return roleNameTaken(to)
		} else if err != nil {
			return err
		}
		if to != from {
			tenant := tenantID.String()
			if err := s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'p' AND v0 = ? AND v1 = ?", from, tenant).
				Update("v0", to).Error; err != nil {
				return translate(err, "rename role permissions")
			}
			if err := s.Conn(ctx).Model(&CasbinRule{}).Where("ptype = 'g' AND v1 = ? AND v2 = ?", from, tenant).
				Update("v1", to).Error; err != nil {
				return translate(err, "rename role memberships")
			}
		}
		return s.Append(ctx, &events.RoleUpdated{RoleRef: events.RoleRef{RoleID: r.ID}, Changes: changes})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DeleteRole removes a custom role with its permission rules and memberships: role.deleted,
// and user.role_revoked for each member, so every user's history shows what they lost.
// System roles cannot be deleted; the grant rule (the role allows what the actor may not do,
// or its members may do more) and the guardrails of role changes (nobody left to manage
// roles, your own role management) apply.
func (s *Store) DeleteRole(ctx context.Context, tenantID uuid.UUID, name string) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.guardrailsBefore(ctx, tenantID)
		if err != nil {
			return err
		}
		r, err := s.RoleByName(ctx, tenantID, name)
		if err != nil {
			return err
		}
		if r.IsSystem {
			return &ValidationError{Fields: map[string]string{"role": "System roles cannot be deleted."}}
		}
		perms, err := s.PermissionsOf(ctx, tenantID, name)
		if err != nil {
			return err
		}
		if err := s.checkGrantRule(ctx, tenantID, roleChange{what: "delete the role “" + name + "”", field: "role",
			perms: perms, members: name}); err != nil {
			return err
		}
		members, err := s.MembersOf(ctx, tenantID, name)
		if err != nil {
			return err
		}
		tenant := tenantID.String()
		if err := s.Conn(ctx).Where("ptype = 'p' AND v0 = ? AND v1 = ?", name, tenant).Delete(&CasbinRule{}).Error; err != nil {
			return translate(err, "delete role permissions")
		}
		if err := s.Conn(ctx).Where("ptype = 'g' AND v1 = ? AND v2 = ?", name, tenant).Delete(&CasbinRule{}).Error; err != nil {
			return translate(err, "delete role memberships")
		}
		if err := s.Conn(ctx).Delete(r).Error; err != nil {
			return translate(err, "delete role")
		}
		if err := s.checkGuardrails(ctx, before...); err != nil {
			return err
		}
		ctx = events.WithTenant(ctx, tenantID)
		evts := []events.Event{&events.RoleDeleted{RoleRef: events.RoleRef{RoleID: r.ID}, Name: name}}
		for _, m := range members {
			evts = append(evts, &events.UserRoleRevoked{UserRef: events.UserRef{UserID: m}, Role: name, Tenant: tenant})
		}
		return s.Append(ctx, evts...)
	})
}

// ExpandPermission turns one cell of the permission grid, or a row or column toggle, into the
// permissions it stands for: resource AllPermissions is every resource (a column), action
// AllPermissions every action (a row). Unknown names are a ValidationError.
func ExpandPermission(resource, action string) ([]Permission, error) {
	invalid := func(msg string) error { return &ValidationError{Fields: map[string]string{"permission": msg}} }
	switch {
	case resource == AllPermissions && action == AllPermissions:
		return nil, invalid("Choose one resource or one action; the whole grid cannot be changed at once.")
	case resource != AllPermissions && !slices.Contains(authz.TenantResources, resource):
		return nil, invalid("Unknown resource “" + resource + "”.")
	case action != AllPermissions && !slices.Contains(authz.Actions, action):
		return nil, invalid("Unknown action “" + action + "”.")
	}
	resources, actions := []string{resource}, []string{action}
	if resource == AllPermissions {
		resources = authz.TenantResources
	}
	if action == AllPermissions {
		actions = authz.Actions
	}
	out := make([]Permission, 0, len(resources)*len(actions))
	for _, r := range resources {
		for _, a := range actions {
			out = append(out, Permission{Resource: r, Action: a})
		}
	}
	return out, nil
}
