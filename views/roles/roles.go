// Package roles holds the pages of a tenant's roles: the list, the create form and one role
// with its permission grid.
package roles

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// ListURL is the roles page of the tenant.
func ListURL(slug string) string { return paths.URL(paths.Roles, slug) }

// NewURL is the create form.
func NewURL(slug string) string { return paths.URL(paths.RoleNew, slug) }

// RoleURL is the page of one role; role names are unique in a tenant and URL-safe.
func RoleURL(slug, name string) string { return paths.URL(paths.Role, slug, name) }

// PermissionsURL is where the grid's checkboxes post.
func PermissionsURL(slug, name string) string { return paths.URL(paths.RolePermissions, slug, name) }

// DeleteURL deletes the role.
func DeleteURL(slug, name string) string { return paths.URL(paths.RoleDelete, slug, name) }

// HistoryURL is the fragment with the events of the role aggregate.
func HistoryURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.EventsAggregate, slug, "role", id.String())
}

// EventsURL lists the events of the role, for browsers without JavaScript.
func EventsURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.Events, slug) + "?" + url.Values{"aggregate_type": {"role"}, "aggregate_id": {id.String()}}.Encode()
}

// List is the roles of a tenant with their member counts.
type List struct {
	Slug      string
	Roles     []models.RoleSummary
	CanCreate bool
}

// Form is the create form as typed: a name, a description and, to clone, the role to copy
// ("" starts empty). Sources are the roles that can be copied.
type Form struct {
	Name        string
	Description string
	From        string
	Sources     []string
	components.FormState
}

// Detail is one role's page: its permission grid, the rename form as typed, deletion, history.
type Detail struct {
	Slug    string
	Role    models.Role
	Members int
	Grid    Grid
	// NewName and NewDescription are the role form as typed, and FormState what a refused save
	// — a rename, a deletion or a system role's — said about it.
	NewName        string
	NewDescription string
	components.FormState
	CanCreate     bool
	CanUpdate     bool
	CanDelete     bool
	CanSeeHistory bool
}

// DeleteConfirm is the question asked before a role is deleted.
func (d Detail) DeleteConfirm() string {
	msg := "Delete the role " + d.Role.Name + "?"
	switch d.Members {
	case 0:
	case 1:
		msg += " Its 1 member loses its permissions."
	default:
		msg += " Its " + strconv.Itoa(d.Members) + " members lose its permissions."
	}
	return msg
}

// Grid is the #permission-grid fragment: resources as rows, actions as columns.
type Grid struct {
	Slug     string
	Role     string
	Granted  map[models.Permission]bool
	Editable bool   // the user may change permissions (roles:update)
	Error    string // why the last change was refused
	Notice   string // what the last change did
	// Undo is the change that puts back the cells the last change flipped: the same cells with
	// the opposite state. Empty when nothing changed.
	Undo      []models.Permission
	UndoGrant bool
}

// NewGrid builds the grid of a role from its permissions.
func NewGrid(slug, role string, perms []models.Permission, editable bool) Grid {
	g := Grid{Slug: slug, Role: role, Granted: make(map[models.Permission]bool, len(perms)), Editable: editable}
	for _, p := range perms {
		g.Granted[p] = true
	}
	return g
}

// Resources are the rows of the grid.
func (Grid) Resources() []string { return authz.TenantResources }

// Actions are the columns of the grid.
func (Grid) Actions() []string { return authz.Actions }

// PermissionsURL is where the grid posts.
func (g Grid) PermissionsURL() string { return PermissionsURL(g.Slug, g.Role) }

func (g Grid) has(resource, action string) bool {
	return g.Granted[models.Permission{Resource: resource, Action: action}]
}

// Implied reports whether the cell is granted by the row's manage rather than by itself.
func (g Grid) Implied(resource, action string) bool {
	return action != "manage" && g.has(resource, "manage")
}

// Checked reports whether the role may do action on resource, itself or through manage.
func (g Grid) Checked(resource, action string) bool {
	return g.has(resource, action) || g.Implied(resource, action)
}

// RowChecked reports whether every action of the resource is allowed.
func (g Grid) RowChecked(resource string) bool {
	for _, a := range authz.Actions {
		if !g.Checked(resource, a) {
			return false
		}
	}
	return true
}

// ColumnChecked reports whether the action is allowed on every resource.
func (g Grid) ColumnChecked(action string) bool {
	for _, r := range authz.TenantResources {
		if !g.Checked(r, action) {
			return false
		}
	}
	return true
}

// ManagedRow reports whether the resource's row holds manage, which implies the others.
func (g Grid) ManagedRow(resource string) bool { return g.has(resource, "manage") }

// Change is what a click on the cell, row (action "*") or column (resource "*") asking for
// granted would change: the permissions not held yet for a grant, or held one by one for a
// revoke (a cell implied by manage stays implied). It is what SetPermissions will change.
func (g Grid) Change(resource, action string, granted bool) []models.Permission {
	perms, err := models.ExpandPermission(resource, action)
	if err != nil {
		return nil
	}
	return g.ChangeOf(perms, granted)
}

// ChangeOf is the part of perms that asking for granted would change.
func (g Grid) ChangeOf(perms []models.Permission, granted bool) []models.Permission {
	var out []models.Permission
	for _, p := range perms {
		if g.has(p.Resource, p.Action) != granted {
			out = append(out, p)
		}
	}
	return out
}

// ChangeText says what a change does or did, naming every permission: "Grants 4 permissions:
// nodes:list, nodes:read, nodes:create, nodes:update." A revoke says that the cells were set
// one by one, so turning a column off never clears them silently.
func ChangeText(perms []models.Permission, granted, done bool) string {
	if len(perms) == 0 {
		return "Changes nothing: every one of these permissions is already as asked."
	}
	verb := map[[2]bool]string{{true, false}: "Grants", {true, true}: "Granted", {false, false}: "Revokes", {false, true}: "Revoked"}[[2]bool{granted, done}]
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = p.Resource + ":" + p.Action
	}
	msg := verb + " " + strconv.Itoa(len(perms)) + " " + plural(len(perms), "permission", "permissions")
	if !granted {
		msg += ", " + plural(len(perms), "set by itself", "each set one by one")
	}
	return msg + ": " + strings.Join(names, ", ") + "."
}

// CellsValue is the cells field of a post: "resource:action" pairs joined by commas.
func CellsValue(perms []models.Permission) string {
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = p.Resource + ":" + p.Action
	}
	return strings.Join(names, ",")
}

// undoVals is the hx-vals of the Undo button.
func undoVals(g Grid) string {
	b, _ := json.Marshal(map[string]string{"cells": CellsValue(g.Undo), "granted": strconv.FormatBool(g.UndoGrant)})
	return string(b)
}

// cellID is the id of a checkbox; htmx gives focus back to the element with the same id after
// the grid is swapped, so keyboard users stay where they were.
func cellID(resource, action string) string {
	if resource == models.AllPermissions {
		resource = "all"
	}
	if action == models.AllPermissions {
		action = "all"
	}
	return "perm-" + resource + "-" + action
}

// vals is the hx-vals of a checkbox: the permission and the state it asks for.
func vals(resource, action string, granted bool) string {
	b, _ := json.Marshal(map[string]string{"resource": resource, "action": action, "granted": strconv.FormatBool(granted)})
	return string(b)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
