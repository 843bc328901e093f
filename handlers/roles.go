package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	roleviews "github.com/rustok/rustok-admin/views/roles"
)

// rolesList renders the tenant's roles with their member counts.
func (a *App) rolesList(c *fiber.Ctx) error {
	t := currentTenant(c)
	roles, err := a.store.RolesWithCounts(ctx(c), t.ID)
	if err != nil {
		return err
	}
	canCreate, err := a.allowedHere(c, p("roles", "create"))
	if err != nil {
		return err
	}
	pg := a.pageFor(c, "Roles")
	pg.Section = "roles"
	return render(c, fiber.StatusOK, roleviews.ListPage(pg, roleviews.List{Slug: t.Slug, Roles: roles, CanCreate: canCreate}))
}

// roleNew renders the empty create form; ?from=role preselects the role to copy.
func (a *App) roleNew(c *fiber.Ctx) error {
	return a.renderRoleNew(c, fiber.StatusOK, roleviews.Form{From: strings.Clone(c.Query("from"))})
}

// roleCreatePost creates an empty role, or a copy of the role named in "from", and opens it.
// A bad or taken name re-renders the form with 422 and what was typed.
func (a *App) roleCreatePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	v := func(key string) string { return strings.TrimSpace(strings.Clone(c.FormValue(key))) }
	f := roleviews.Form{Name: v("name"), Description: v("description"), From: v("from")}
	var r *models.Role
	var err error
	if f.From == "" {
		r, err = a.store.CreateRole(ctx(c), t.ID, f.Name, f.Description)
	} else {
		r, err = a.store.CloneRole(ctx(c), t.ID, f.From, f.Name, f.Description)
	}
	if st, ok := refusal(err, fields("name", "description", "from")); ok {
		f.FormState = st
		return a.renderRoleNew(c, fiber.StatusUnprocessableEntity, f)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "role created", "tenant_id", t.ID.String(), "role", r.Name, "from", f.From)
	msg := "Role " + r.Name + " created. Tick the permissions it should have."
	if f.From != "" {
		msg = "Role " + r.Name + " created with the permissions of " + f.From + "."
	}
	return a.flashRedirect(c, "success", msg, roleviews.RoleURL(t.Slug, r.Name))
}

func (a *App) renderRoleNew(c *fiber.Ctx, status int, f roleviews.Form) error {
	t := currentTenant(c)
	roles, err := a.store.RolesOf(ctx(c), t.ID)
	if err != nil {
		return err
	}
	for _, r := range roles {
		f.Sources = append(f.Sources, r.Name)
	}
	pg := a.pageFor(c, "Create role")
	pg.Section = "roles"
	return render(c, status, roleviews.NewPage(pg, t.Slug, f))
}

// roleShow renders one role: the permission grid (read-only without roles:update), rename and
// delete for custom roles, and the role's history.
func (a *App) roleShow(c *fiber.Ctx) error {
	r, err := a.roleByParam(c)
	if err != nil {
		return err
	}
	d, err := a.roleDetail(c, r)
	if err != nil {
		return err
	}
	return a.renderRole(c, fiber.StatusOK, d)
}

// roleUpdatePost saves the name and description of a custom role; renamed, its members keep it
// under the new name. A bad or taken name, or a system role, re-renders the page with 422; a
// form loaded before someone else's save, with 409 and what was typed.
func (a *App) roleUpdatePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	r, err := a.roleByParam(c)
	if errors.Is(err, fiber.ErrNotFound) {
		// Renamed since the form was loaded: find it by the id the form carries, so that this
		// stale save gets its 409 rather than a 404.
		if id, perr := uuid.Parse(c.FormValue("id")); perr == nil {
			if r, err = a.store.RoleByID(ctx(c), t.ID, id); errors.Is(err, models.ErrNotFound) {
				err = fiber.ErrNotFound
			}
		}
	}
	if err != nil {
		return err
	}
	name := strings.TrimSpace(strings.Clone(c.FormValue("name")))
	description := strings.TrimSpace(strings.Clone(c.FormValue("description")))
	version := formVersion(c)
	// again shows the page with the form as typed, after edit adds why it was refused.
	again := func(status int, edit func(*roleviews.Detail)) error {
		d, err := a.roleDetail(c, r)
		if err != nil {
			return err
		}
		d.NewName, d.NewDescription, d.Version = name, description, *version
		edit(&d)
		return a.renderRole(c, status, d)
	}
	updated, err := a.store.UpdateRole(ctx(c), t.ID, r.Name, models.RoleUpdate{Name: &name, Description: &description, Version: version, ID: r.ID})
	onForm := fields("name", "description")
	if r.IsSystem {
		onForm = nil // a system role has no form to show it at
	}
	if st, ok := refusal(err, onForm); ok {
		return again(fiber.StatusUnprocessableEntity, func(d *roleviews.Detail) {
			st.Version = d.Version
			d.FormState = st
		})
	}
	// The stale check's own error is kept apart, so it can never hide the save's.
	if handled, serr := a.renderStale(c, err, nil, func(st components.Stale) error {
		return again(fiber.StatusConflict, func(d *roleviews.Detail) { d.StaleAt(st) })
	}); handled {
		return serr
	}
	if err != nil {
		return err
	}
	back := roleviews.RoleURL(t.Slug, updated.Name)
	switch {
	case updated.Version == r.Version:
		return a.flashRedirect(c, "info", "Nothing changed, so there was nothing to save.", back)
	case updated.Name != r.Name:
		a.log.InfoContext(ctx(c), "role renamed", "tenant_id", t.ID.String(), "from", r.Name, "to", updated.Name)
		return a.flashRedirect(c, "success", "Role "+r.Name+" renamed to "+updated.Name+".", back)
	}
	return a.flashRedirect(c, "success", "Role "+updated.Name+" updated.", back)
}

// roleDeletePost deletes a custom role and takes it away from its members. System roles, and
// deletions a guardrail refuses, re-render the page with 422 and the reason.
func (a *App) roleDeletePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	r, err := a.roleByParam(c)
	if err != nil {
		return err
	}
	err = a.store.DeleteRole(ctx(c), t.ID, r.Name)
	if st, ok := refusal(err, nil); ok {
		d, derr := a.roleDetail(c, r)
		if derr != nil {
			return derr
		}
		d.Refuse(st.Result.Message)
		return a.renderRole(c, fiber.StatusUnprocessableEntity, d)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "role deleted", "tenant_id", t.ID.String(), "role", r.Name)
	return a.flashRedirect(c, "success", "Role "+r.Name+" deleted.", roleviews.ListURL(t.Slug))
}

// rolePermissionsPost grants or revokes one permission of the grid (fields resource, action,
// granted=true|false), or a whole row (action=*) or column (resource=*) in one transaction. htmx
// gets the #permission-grid fragment back; a refusal — the grant rule or a guardrail — is 422
// with the grid unchanged and the reason above it. Without htmx, success is a flash and a
// redirect.
func (a *App) rolePermissionsPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	r, err := a.roleByParam(c)
	if err != nil {
		return err
	}
	resource, action := strings.Clone(c.FormValue("resource")), strings.Clone(c.FormValue("action"))
	raw := c.FormValue("granted")
	granted := raw == "true"
	var perms []models.Permission
	if cells := strings.Clone(c.FormValue("cells")); cells != "" {
		perms, err = parseCells(cells)
	} else {
		perms, err = models.ExpandPermission(resource, action)
	}
	if err == nil && raw != "true" && raw != "false" {
		err = &models.ValidationError{Fields: map[string]string{"granted": "Say whether to grant or revoke the permission (granted=true or false)."}}
	}
	var changed []models.Permission
	if err == nil {
		// What will change is read before the write, so the notice names exactly those cells and
		// Undo puts back exactly them (not the cells that were already as asked).
		var before []models.Permission
		if before, err = a.store.PermissionsOf(ctx(c), t.ID, r.Name); err == nil {
			changed = roleviews.NewGrid(t.Slug, r.Name, before, true).ChangeOf(perms, granted)
			err = a.store.SetPermissions(ctx(c), t.ID, r.Name, perms, granted)
		}
	}
	status, refused := fiber.StatusOK, ""
	if st, ok := refusal(err, nil); ok {
		status, refused = fiber.StatusUnprocessableEntity, st.Result.Message
	} else if err != nil {
		return err
	}
	if status == fiber.StatusOK {
		a.log.InfoContext(ctx(c), "role permissions changed", "tenant_id", t.ID.String(), "role", r.Name,
			"resource", resource, "action", action, "granted", granted)
	}
	d, err := a.roleDetail(c, r)
	if err != nil {
		return err
	}
	notice := ""
	if status == fiber.StatusOK {
		notice = permissionNotice(d.Grid, changed, resource, action, granted)
		d.Grid.Undo, d.Grid.UndoGrant = changed, !granted
		if !wantsFragment(c) {
			return a.flashRedirect(c, "success", notice, roleviews.RoleURL(t.Slug, r.Name))
		}
	}
	d.Grid.Error, d.Grid.Notice = refused, notice
	pg := a.pageFor(c, "Role "+r.Name)
	pg.Section = "roles"
	return page(c, status, roleviews.RolePage(pg, d), roleviews.GridAnswer(d.Grid))
}

// permissionNotice says which permissions a change of the grid changed, and — when a column
// was revoked — where the action is still allowed through manage.
func permissionNotice(g roleviews.Grid, changed []models.Permission, resource, action string, granted bool) string {
	if len(changed) == 1 && changed[0] == (models.Permission{Resource: resource, Action: action}) {
		verb := "revoked"
		if granted {
			verb = "granted"
		}
		return resource + ": " + action + " " + verb + "."
	}
	msg := roleviews.ChangeText(changed, granted, true)
	if len(changed) == 0 {
		msg = "Nothing changed: every one of these permissions was already as asked."
	}
	if resource == models.AllPermissions && !granted {
		var still []string
		for _, r := range g.Resources() {
			if g.Implied(r, action) {
				still = append(still, r)
			}
		}
		if len(still) > 0 {
			msg += " It is still implied by manage on " + strings.Join(still, ", ") + "."
		}
	}
	return msg
}

// parseCells reads the cells field of an Undo: "resource:action" pairs joined by commas, each
// one cell of the grid (no "*").
func parseCells(cells string) ([]models.Permission, error) {
	var out []models.Permission
	for _, cell := range strings.Split(cells, ",") {
		resource, action, ok := strings.Cut(strings.TrimSpace(cell), ":")
		if !ok || resource == models.AllPermissions || action == models.AllPermissions {
			return nil, &models.ValidationError{Fields: map[string]string{"permission": "Unknown permission “" + cell + "”."}}
		}
		perms, err := models.ExpandPermission(resource, action)
		if err != nil {
			return nil, err
		}
		out = append(out, perms...)
	}
	return out, nil
}

// roleDetail gathers what the page of a role shows and what the user may do on it.
func (a *App) roleDetail(c *fiber.Ctx, r *models.Role) (roleviews.Detail, error) {
	t := currentTenant(c)
	d := roleviews.Detail{Slug: t.Slug, Role: *r, NewName: r.Name, NewDescription: r.Description, FormState: components.FormState{Version: r.Version}}
	perms, err := a.store.PermissionsOf(ctx(c), t.ID, r.Name)
	if err != nil {
		return d, err
	}
	members, err := a.store.MembersOf(ctx(c), t.ID, r.Name)
	if err != nil {
		return d, err
	}
	d.Members = len(members)
	for _, can := range []struct {
		dst  *bool
		perm authz.Perm
	}{
		{&d.CanCreate, p("roles", "create")}, {&d.CanUpdate, p("roles", "update")},
		{&d.CanDelete, p("roles", "delete")}, {&d.CanSeeHistory, p("events", "list")},
	} {
		if *can.dst, err = a.allowedHere(c, can.perm); err != nil {
			return d, err
		}
	}
	d.Grid = roleviews.NewGrid(t.Slug, r.Name, perms, d.CanUpdate)
	return d, nil
}

func (a *App) renderRole(c *fiber.Ctx, status int, d roleviews.Detail) error {
	pg := a.pageFor(c, "Role "+d.Role.Name)
	pg.Section = "roles"
	return render(c, status, roleviews.RolePage(pg, d))
}

// roleByParam returns the open tenant's role named by :name; an unknown name is 404.
func (a *App) roleByParam(c *fiber.Ctx) (*models.Role, error) {
	r, err := a.store.RoleByName(ctx(c), currentTenant(c).ID, strings.Clone(c.Params("name")))
	if errors.Is(err, models.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return r, err
}

// allowedHere reports whether the signed-in user may do perm in the open tenant, for showing
// or hiding what a page offers (the route's own permission is checked by require).
func (a *App) allowedHere(c *fiber.Ctx, perm authz.Perm) (bool, error) {
	u, t := currentUser(c), currentTenant(c)
	if u == nil || t == nil {
		return false, nil
	}
	return a.authz.Allowed(ctx(c), u.ID, t.ID.String(), perm)
}
