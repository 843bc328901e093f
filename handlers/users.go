package handlers

import (
	"errors"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/layouts"
	userviews "github.com/rustok/rustok-admin/views/users"
)

// usersList renders one page of the tenant's users matching the search. An htmx search gets
// only #users-table.
func (a *App) usersList(c *fiber.Ctx) error {
	t := currentTenant(c)
	lp := readList("users", userviews.ListURL(t.Slug), query(c))
	q := models.UserQuery{Search: lp.text("q", 0)}
	q.Page, q.PerPage = lp.offset(models.MaxUsersPerPage)
	q.Cursor = lp.cursor(models.UserSortName, false)
	l := userviews.List{Slug: t.Slug, Query: lp.done(), CanCreate: a.may(c, t, p("users", "create"))}
	if !l.Query.Invalid() {
		page, err := a.store.TenantUsers(ctx(c), t.ID, q)
		switch {
		case lp.refused(err, &l.Query):
		case err != nil:
			return err
		default:
			l.Page = page
			atPage(&l.Query, page.Page)
		}
	}
	return renderList(c, fiber.StatusOK, l.Query, userviews.ListPage(a.usersPage(c, "Users"), l), userviews.UsersTable(l, true))
}

// userNew renders the empty create form.
func (a *App) userNew(c *fiber.Ctx) error {
	return a.renderUserNew(c, fiber.StatusOK, userviews.NewForm{Mode: userviews.ModePassword})
}

// userCreatePost creates a user in the tenant with an initial password, or invites them: the
// next page then shows the one-time set-password link. Bad input, a taken email or a role the
// signed-in user may not hand out re-renders the form with 422 and what was typed.
func (a *App) userCreatePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	v := func(key string) string { return strings.Clone(c.FormValue(key)) }
	f := userviews.NewForm{Email: strings.TrimSpace(v("email")), Name: strings.TrimSpace(v("name")),
		Role: strings.TrimSpace(v("role")), Mode: v("mode")}
	if f.Mode != userviews.ModePassword && f.Mode != userviews.ModeInvite {
		f.Fail("mode", "Choose an initial password or an invite.")
		return a.renderUserNew(c, fiber.StatusUnprocessableEntity, f)
	}
	var (
		u     *models.User
		token string
		err   error
	)
	if f.Mode == userviews.ModeInvite {
		u, token, err = a.store.InviteUser(ctx(c), t.ID, f.Email, f.Name, f.Role)
	} else {
		u, err = a.store.CreateTenantUser(ctx(c), t.ID, models.UserInput{Email: f.Email, Name: f.Name, Password: v("password")}, f.Role)
	}
	if st, ok := refusal(err, fields("email", "name", "role", "password", "mode")); ok {
		f.FormState = st
		return a.renderUserNew(c, fiber.StatusUnprocessableEntity, f)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "user created", "user_id", u.ID.String(), "tenant_id", t.ID.String(), "role", f.Role, "invited", token != "")
	back := userviews.UserURL(t.Slug, u.ID.String())
	if token == "" {
		return a.flashRedirect(c, "success", "User "+u.Email+" created with the role "+f.Role+". They can sign in now.", back)
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	s.InviteLink = c.BaseURL() + paths.URL(paths.SetPassword, token)
	return a.flashRedirect(c, "success", "User "+u.Email+" invited with the role "+f.Role+".", back)
}

func (a *App) renderUserNew(c *fiber.Ctx, status int, f userviews.NewForm) error {
	t := currentTenant(c)
	roles, err := a.store.RolesOf(ctx(c), t.ID)
	if err != nil {
		return err
	}
	f.Slug, f.Roles = t.Slug, roles
	return render(c, status, userviews.NewPage(a.usersPage(c, "Create user"), f))
}

// userShow renders one user of the tenant. Right after an invitation it also shows the
// set-password link, once.
func (a *App) userShow(c *fiber.Ctx) error {
	tu, err := a.tenantUserByParam(c)
	if err != nil {
		return err
	}
	link, err := a.takeInviteLink(c)
	if err != nil {
		return err
	}
	if link != "" {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return a.renderUserEdit(c, fiber.StatusOK, tu, func(e *userviews.Edit) { e.InviteLink = link })
}

// userPasswordResetPost makes a one-time link for the user to set a new password (48 h, single
// use; the server sends no mail) and shows it once on their page. A user who also belongs to
// other tenants or to the platform, or who may do more here than the admin, is refused: the
// link would let the admin in as them.
func (a *App) userPasswordResetPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	tu, err := a.tenantUserByParam(c)
	if err != nil {
		return err
	}
	back := userviews.UserURL(t.Slug, tu.ID.String())
	scope := t.ID
	if a.isSuper(c) {
		scope = uuid.Nil // a super admin may reset anyone's
	}
	token, err := a.store.IssuePasswordReset(ctx(c), scope, tu.ID)
	var ve *models.ValidationError
	switch {
	case errors.Is(err, models.ErrResetNotYours):
		return a.flashRedirect(c, "error", "Only a super admin can reset the password of "+tu.Email+": they also belong to other tenants or to the platform.", back)
	case errors.As(err, &ve):
		return a.flashRedirect(c, "error", firstMessage(ve), back)
	case err != nil:
		return err
	}
	s, err := a.session(c)
	if err != nil {
		return err
	}
	s.InviteLink = c.BaseURL() + paths.URL(paths.SetPassword, token)
	a.log.InfoContext(ctx(c), "password reset link issued", "user_id", tu.ID.String(), "tenant_id", t.ID.String())
	return a.flashRedirect(c, "success", "A password reset link for "+tu.Email+" is below. Copy it now: it is shown once and works once, for 48 hours.", back)
}

// userUpdatePost saves name and status. Deactivating ends the user's sessions on their next
// request. An account that also belongs elsewhere is changed by super admins only (403); a
// user who may do more than the signed-in one is refused by the grant rule (422). A form
// loaded before someone else's save is shown again with 409 and what was typed.
func (a *App) userUpdatePost(c *fiber.Ctx) error {
	tu, err := a.tenantUserByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	if locked, err := a.userLocked(c, tu); err != nil {
		return err
	} else if locked {
		return fiber.NewError(fiber.StatusForbidden, "This account also belongs to other tenants or to the platform; only a super admin can rename it or change its status.")
	}
	form := userviews.EditForm{Name: strings.TrimSpace(strings.Clone(c.FormValue("name"))), Status: strings.TrimSpace(strings.Clone(c.FormValue("status")))}
	version := formVersion(c)
	form.Version = *version
	updated, err := a.store.UpdateTenantUser(ctx(c), t.ID, tu.ID, models.UserUpdate{Name: &form.Name, Status: &form.Status, Version: version})
	if st, ok := refusal(err, fields("name", "status")); ok {
		st.Version = form.Version
		form.FormState = st
		return a.renderUserEdit(c, fiber.StatusUnprocessableEntity, tu, func(e *userviews.Edit) { e.Form = form })
	}
	// The stale check's own error is kept apart, so it can never hide the save's.
	if handled, serr := a.renderStale(c, err, nil, func(st components.Stale) error {
		form.StaleAt(st)
		return a.renderUserEdit(c, fiber.StatusConflict, tu, func(e *userviews.Edit) { e.Form = form })
	}); handled {
		return serr
	}
	if err != nil {
		return err
	}
	back := userviews.UserURL(t.Slug, tu.ID.String())
	switch {
	case updated.Name == tu.Name && updated.Status == tu.Status:
		return a.flashRedirect(c, "info", "Nothing changed, so there was nothing to save.", back)
	case tu.Status == models.UserActive && updated.Status != models.UserActive:
		a.log.InfoContext(ctx(c), "user deactivated", "user_id", tu.ID.String(), "status", updated.Status)
		return a.flashRedirect(c, "success", userviews.DisplayName(updated)+" is "+updated.Status+": they cannot sign in, and their open sessions have ended.", back)
	}
	return a.flashRedirect(c, "success", "User "+userviews.DisplayName(updated)+" updated.", back)
}

// userRoleAssignPost gives the user one of the tenant's roles (form field role); it applies
// from the user's next request. A role the grant rule does not let the signed-in user hand
// out re-renders the page with 422 and the reason.
func (a *App) userRoleAssignPost(c *fiber.Ctx) error {
	tu, err := a.tenantUserByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	role := strings.TrimSpace(strings.Clone(c.FormValue("role")))
	back := userviews.UserURL(t.Slug, tu.ID.String())
	if slices.Contains(tu.Roles, role) {
		return a.flashRedirect(c, "info", userviews.DisplayName(&tu.User)+" already has the role "+role+".", back)
	}
	if role == "" {
		return a.refuseRoleChange(c, tu, "Choose a role to assign.")
	}
	err = a.store.AssignRole(ctx(c), tu.ID, role, t.ID.String())
	if st, ok := refusal(err, nil); ok {
		return a.refuseRoleChange(c, tu, st.Result.Message)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "role assigned", "user_id", tu.ID.String(), "role", role)
	return a.flashRedirect(c, "success", userviews.DisplayName(&tu.User)+" now has the role "+role+".", back)
}

// userRoleRevokePost takes one of the user's roles in the tenant away (form field role). A
// refusal — the grant rule, or a guardrail: the last admin, nobody left to manage roles, your
// own role management — re-renders the page with 422 and the reason; nothing changes. Without any role left the user
// leaves the tenant, so the list is shown next.
func (a *App) userRoleRevokePost(c *fiber.Ctx) error {
	tu, err := a.tenantUserByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	role := strings.TrimSpace(strings.Clone(c.FormValue("role")))
	name := userviews.DisplayName(&tu.User)
	if !slices.Contains(tu.Roles, role) {
		return a.refuseRoleChange(c, tu, name+" does not have the role “"+role+"” in this tenant.")
	}
	err = a.store.RevokeRole(ctx(c), tu.ID, role, t.ID)
	if st, ok := refusal(err, nil); ok {
		return a.refuseRoleChange(c, tu, st.Result.Message)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "role revoked", "user_id", tu.ID.String(), "role", role)
	if len(tu.Roles) == 1 {
		return a.flashRedirect(c, "success", name+" no longer has the role "+role+" and, with no role left, has left this tenant.", userviews.ListURL(t.Slug))
	}
	return a.flashRedirect(c, "success", name+" no longer has the role "+role+".", userviews.UserURL(t.Slug, tu.ID.String()))
}

// refuseRoleChange answers a refused role assignment or revocation: 422 and the user's page
// with the reason as its result; nothing changed.
func (a *App) refuseRoleChange(c *fiber.Ctx, tu *models.TenantUser, why string) error {
	return a.renderUserEdit(c, fiber.StatusUnprocessableEntity, tu, func(e *userviews.Edit) { e.Form.Refuse(why) })
}

// renderUserEdit renders the user's page with the current values; edit adjusts what the
// request adds (typed input, errors, the invitation link).
func (a *App) renderUserEdit(c *fiber.Ctx, status int, tu *models.TenantUser, edit func(*userviews.Edit)) error {
	t := currentTenant(c)
	roles, err := a.store.RolesOf(ctx(c), t.ID)
	if err != nil {
		return err
	}
	locked, err := a.userLocked(c, tu)
	if err != nil {
		return err
	}
	e := userviews.Edit{Slug: t.Slug, User: *tu, Form: userviews.FormFor(&tu.User), Locked: locked,
		CanUpdate: a.may(c, t, p("users", "update")), CanSeeHistory: a.may(c, t, p("events", "list"))}
	for _, r := range roles {
		e.Roles = append(e.Roles, userviews.RoleChoice{Name: r.Name, Description: r.Description, Held: slices.Contains(tu.Roles, r.Name)})
	}
	if e.CanUpdate && !e.Locked {
		sessions, err := a.store.ActiveSessions(ctx(c), tu.ID, a.sessionLimits())
		if err != nil {
			return err
		}
		e.Sessions, e.TwoFactor = len(sessions), tu.TwoFactor()
	}
	if edit != nil {
		edit(&e)
	}
	return render(c, status, userviews.EditPage(a.usersPage(c, userviews.DisplayName(&tu.User)), e))
}

// usersPage is the shell of the user pages, with Users marked in the navigation.
func (a *App) usersPage(c *fiber.Ctx, title string) layouts.Page {
	pg := a.pageFor(c, title)
	pg.Section = "users"
	return pg
}

// tenantUserByParam returns the user of the :id route parameter with their roles in the open
// tenant. A malformed id, an unknown user and a user without a role in this tenant are all 404.
func (a *App) tenantUserByParam(c *fiber.Ctx) (*models.TenantUser, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	tu, err := a.store.TenantUserByID(ctx(c), currentTenant(c).ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return tu, err
}

// userLocked reports whether the signed-in user may not rename or switch off tu's account: it
// also belongs to another tenant or to the platform, and only super admins act across tenants.
func (a *App) userLocked(c *fiber.Ctx, tu *models.TenantUser) (bool, error) {
	if a.isSuper(c) {
		return false, nil
	}
	return a.store.BelongsElsewhere(ctx(c), tu.ID, currentTenant(c).ID)
}

// may reports whether the signed-in user has perm in the tenant, for showing only the buttons
// and fragments that lead somewhere the user may go.
func (a *App) may(c *fiber.Ctx, t *models.Tenant, perm authz.Perm) bool {
	u := currentUser(c)
	if u == nil {
		return false
	}
	ok, err := a.authz.Allowed(ctx(c), u.ID, t.ID.String(), perm)
	return err == nil && ok
}

// takeInviteLink returns the invitation link waiting in the session, if any, and removes it.
func (a *App) takeInviteLink(c *fiber.Ctx) (string, error) {
	s, err := a.session(c)
	if err != nil {
		return "", err
	}
	link := s.InviteLink
	if link == "" {
		return "", nil
	}
	s.InviteLink = ""
	return link, s.Save()
}

// setPasswordShow renders the set-password form of an invitation link, or says plainly why the
// link cannot be used: unknown (404), used or expired (410).
func (a *App) setPasswordShow(c *fiber.Ctx) error {
	token := strings.Clone(c.Params("token"))
	u, err := a.store.UserForPasswordToken(ctx(c), token)
	if status, problem := linkProblem(err); problem != "" {
		return a.renderSetPassword(c, status, userviews.SetPassword{Problem: problem})
	} else if err != nil {
		return err
	}
	return a.renderSetPassword(c, fiber.StatusOK, userviews.SetPassword{Token: token, Email: u.Email})
}

// setPasswordPost sets the password and uses the link up; the user then signs in as usual. A
// password that is too short or not typed the same twice is a 422 that leaves the link usable.
func (a *App) setPasswordPost(c *fiber.Ctx) error {
	token := strings.Clone(c.Params("token"))
	u, err := a.store.UserForPasswordToken(ctx(c), token)
	if status, problem := linkProblem(err); problem != "" {
		return a.renderSetPassword(c, status, userviews.SetPassword{Problem: problem})
	} else if err != nil {
		return err
	}
	form := userviews.SetPassword{Token: token, Email: u.Email}
	password := c.FormValue("password")
	if password != c.FormValue("password_confirm") {
		form.Fail("password_confirm", "The two passwords are not the same.")
		return a.renderSetPassword(c, fiber.StatusUnprocessableEntity, form)
	}
	u, err = a.store.SetPasswordWithToken(ctx(c), token, password)
	if st, ok := refusal(err, fields("password", "password_confirm")); ok {
		form.FormState = st
		return a.renderSetPassword(c, fiber.StatusUnprocessableEntity, form)
	} else if status, problem := linkProblem(err); problem != "" {
		return a.renderSetPassword(c, status, userviews.SetPassword{Problem: problem})
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "password set with invitation link", "user_id", u.ID.String())
	return a.flashRedirect(c, "success", "Your password is set. Sign in with "+u.Email+" and your new password.", paths.Login)
}

// linkProblem turns a refused set-password link into a status and a sentence; other errors
// give "".
func linkProblem(err error) (int, string) {
	switch {
	case errors.Is(err, models.ErrNotFound):
		return fiber.StatusNotFound, "This link is not valid. Check that you copied all of it, or ask your administrator for a new invitation."
	case errors.Is(err, models.ErrLinkUsed):
		return fiber.StatusGone, "This link has already been used to set a password. Sign in with that password, or ask your administrator for a new invitation."
	case errors.Is(err, models.ErrLinkExpired):
		return fiber.StatusGone, "This link has expired: invitation links work for 48 hours. Ask your administrator for a new invitation."
	}
	return 0, ""
}

// renderSetPassword renders the page. The token is a credential: the page is not cached and
// sends no Referer anywhere.
func (a *App) renderSetPassword(c *fiber.Ctx, status int, s userviews.SetPassword) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	return render(c, status, userviews.SetPasswordPage(a.pageFor(c, "Choose your password"), s))
}
