package handlers

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/internal/websession"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/auth"
	"github.com/rustok/rustok-admin/views/components"
)

const localIsSuper = "is_super"

// loadUser puts the signed-in user in the request, ending the session first when it has been
// idle too long, is older than the absolute limit, or its user can no longer sign in.
func (a *App) loadUser(c *fiber.Ctx) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	raw := s.UserID
	if raw == "" {
		return c.Next()
	}
	now := a.now()
	authAt, seenAt := s.AuthAt, s.SeenAt
	expired := now.Sub(time.Unix(seenAt, 0)) > a.cfg.SessionIdleTimeout ||
		now.Sub(time.Unix(authAt, 0)) > a.cfg.SessionMaxAge
	id, perr := uuid.Parse(raw)
	var u *models.User
	if !expired && perr == nil {
		p, err := a.users.Get(ctx(c), id)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if p != nil {
			u = p.User
			c.Locals(localPrincipal, p)
		}
	}
	changed := u != nil && s.Epoch != u.SessionEpoch // the password changed after this sign-in
	if u == nil || u.Status != models.UserActive || changed {
		msg := ""
		if expired {
			msg = "Your session has ended. Please sign in again."
		}
		if changed {
			msg = "Your password was changed, so this session has ended. Please sign in again."
		}
		if err := a.endSession(c, "info", msg); err != nil {
			return err
		}
		return c.Next()
	}
	// The session's row (the account page's list) must not have been ended from another
	// session. The principal lists the rows active when it was loaded, and every process drops
	// it when sessions end (user.updated), so this costs no statement; a session newer than the
	// principal is looked up once.
	p := currentPrincipal(c)
	sid, err := uuid.Parse(s.SessionID)
	switch {
	case err != nil:
		// Signed in before sessions had rows: it ends, once. Given a row now, it would outlive
		// every "sign out everywhere" made before its next request.
		return a.sessionEnded(c, "Please sign in again.")
	case !p.HasSession(sid):
		ok, err := a.store.SessionActive(ctx(c), u.ID, sid)
		if err != nil {
			return err
		}
		if !ok {
			return a.sessionEnded(c, endedElsewhere)
		}
		a.users.Forget(u.ID) // loaded before this session began
	}
	if now.Sub(time.Unix(seenAt, 0)) >= seenAtResolution {
		s.SeenAt = now.Unix()
		if err := s.Save(); err != nil {
			return err
		}
		// Saved first, then checked: a session ended in between is signed out here either way.
		ok, err := a.store.TouchSession(ctx(c), sid, c.IP())
		if err != nil {
			return err
		}
		if !ok {
			return a.sessionEnded(c, endedElsewhere)
		}
	}
	c.Locals(localUser, u)
	// Every component rendered for the request shows times in the user's zone (UTC while none is stored).
	c.SetUserContext(components.WithZone(events.WithActor(c.UserContext(), u.ID), u.Location()))
	return c.Next()
}

const endedElsewhere = "This session was signed out from another session. Please sign in again."

// sessionEnded signs out a session that may not go on (ended from another one: the account
// page, an admin) with the message, and goes on signed out.
func (a *App) sessionEnded(c *fiber.Ctx, msg string) error {
	c.Locals(localPrincipal, nil)
	if err := a.endSession(c, "info", msg); err != nil {
		return err
	}
	return c.Next()
}

func (a *App) client(c *fiber.Ctx) models.Client {
	return models.Client{IP: c.IP(), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent))}
}

// endSession signs the user out: the session gets a new id (the old one is deleted from the
// store) and loses the user and its CSRF token, so nothing of it can be replayed. A non-empty
// flash message is shown on the next page.
func (a *App) endSession(c *fiber.Ctx, flashKind, flashMsg string) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	s.Data = websession.Data{} // nothing of the signed-in session is kept
	c.Locals(localCSRF, nil)
	if flashMsg != "" {
		setFlash(s, flashKind, flashMsg)
	}
	if err := s.Regenerate(); err != nil {
		return err
	}
	return s.Save()
}

// require enforces a route's Access (and Perm) after the user is loaded. Denied is a 403 page,
// or a toast for htmx; not signed in is the sign-in page (HX-Redirect for htmx).
func (a *App) require(access Access, perm authz.Perm) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if access == Public {
			return c.Next()
		}
		u := currentUser(c)
		if u == nil {
			target := paths.Login
			if c.Method() == fiber.MethodGet && c.OriginalURL() != "/" {
				target += "?next=" + url.QueryEscape(c.OriginalURL())
			}
			return redirect(c, target)
		}
		switch access {
		case TenantMember:
			return a.requireMember(c, u, authz.Perm{})
		case InTenant:
			return a.requireMember(c, u, perm)
		case OnPlatform:
			if err := a.authorize(c, u, authz.Platform, perm); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

// isSuper reports whether the signed-in user holds the platform role, from the memberships the
// principal cache holds for them (no statement).
func (a *App) isSuper(c *fiber.Ctx) bool {
	if v, ok := c.Locals(localIsSuper).(bool); ok {
		return v
	}
	p := currentPrincipal(c)
	if p == nil {
		return false
	}
	super := p.Super()
	c.Locals(localIsSuper, super)
	return super
}

// authorize asks Casbin whether u may do perm in the domain; no is a 403.
func (a *App) authorize(c *fiber.Ctx, u *models.User, dom string, perm authz.Perm) error {
	ok, err := a.authz.Allowed(ctx(c), u.ID, dom, perm)
	if err != nil {
		return err
	}
	if !ok {
		return &permissionError{platform: dom == authz.Platform, perm: perm}
	}
	return nil
}

// permissionError is the 403 of a permission the user lacks. The error page says it in plain
// words and names the permission only in small print, for whoever is asked to grant it.
type permissionError struct {
	platform bool
	perm     authz.Perm
}

func (e *permissionError) Error() string { return "permission denied: " + e.perm.String() }

// permissionVerbs and permissionNouns turn a permission into words a user understands.
var (
	permissionVerbs = map[string]string{
		"list": "see the list of", "read": "view", "create": "create", "update": "edit",
		"delete": "delete", "publish": "publish", "export": "export", "import": "import", "manage": "manage",
	}
	permissionNouns = map[string]string{
		"tenants": "tenants", "users": "users", "roles": "roles", "settings": "the settings",
		"nodes": "content", "products": "products", "inventory": "inventory", "events": "events",
	}
)

// Sentence says what the user may not do and whom to ask, e.g. "You do not have permission to
// publish content. Ask an admin of this tenant."
func (e *permissionError) Sentence() string {
	verb, ok := permissionVerbs[e.perm.Action]
	if !ok {
		verb = e.perm.Action
	}
	noun, ok := permissionNouns[e.perm.Resource]
	if !ok {
		noun = e.perm.Resource
	}
	who := "Ask an admin of this tenant."
	if e.platform {
		who = "Ask a platform administrator."
	}
	return "You do not have permission to " + verb + " " + noun + ". " + who
}

// requireMember resolves /t/:slug and checks the user holds a role there and, unless perm is
// empty, that the role grants perm. An unknown or inactive tenant is a 404 (super admins may
// open inactive ones); no role or no permission is a 403.
func (a *App) requireMember(c *fiber.Ctx, u *models.User, perm authz.Perm) error {
	t, err := a.openTenant(c, tenancy.BySlug, c.Params("slug"))
	if err != nil {
		return err
	}
	roles := currentPrincipal(c).RolesIn(t.ID)
	if len(roles) == 0 {
		return fiber.NewError(fiber.StatusForbidden, "You do not have a role in this tenant.")
	}
	if perm != (authz.Perm{}) {
		if err := a.authorize(c, u, t.ID.String(), perm); err != nil {
			return err
		}
	}
	if t.RequireTwoFactor {
		if answered, err := a.requireSecondFactor(c, u, t); answered || err != nil {
			return err
		}
	}
	a.setTenant(c, t)
	c.Locals(localRoles, roles)
	// The roles include the platform's, so they answer isSuper without another query.
	c.Locals(localIsSuper, slices.Contains(roles, models.RoleSuperAdmin))
	return c.Next()
}

// loginShow renders the sign-in form; a signed-in user goes straight on.
func (a *App) loginShow(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"))
	if currentUser(c) != nil {
		return redirect(c, orHome(next))
	}
	return render(c, fiber.StatusOK, auth.LoginPage(a.pageFor(c, "Sign in"), auth.LoginForm{Next: next}))
}

// loginPost checks the credentials. Any failure — unknown email, wrong password, inactive
// account — gets the same message and a 422 re-render with the email kept. Success starts a
// fresh session (new id, new CSRF token) and redirects.
func (a *App) loginPost(c *fiber.Ctx) error {
	form := auth.LoginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	password := c.FormValue("password")
	if form.Email == "" {
		form.Fail("email", "Enter your email address.")
	}
	if password == "" {
		form.Fail("password", "Enter your password.")
	}
	if form.Invalid() {
		form.Refuse("Enter your email and password to sign in.")
		return a.loginFailed(c, form)
	}
	u, err := a.store.Authenticate(ctx(c), form.Email, password, a.client(c))
	if errors.Is(err, models.ErrBadCredentials) {
		a.log.WarnContext(ctx(c), "sign-in failed", "email", models.NormalizeEmail(form.Email), "ip", c.IP())
		form.Refuse("Incorrect email or password.")
		return a.loginFailed(c, form)
	} else if err != nil {
		return err
	}
	if u.TwoFactor() {
		return a.askSecondFactor(c, u, form.Next)
	}
	return a.signIn(c, u, "", form.Next)
}

// requireSecondFactor answers a tenant page of a tenant that requires two-factor sign-in for a
// session that did not sign in with one: a member without it is sent to set it up (and back
// afterwards), a member with it signs in again with their code. It answers nothing (false) when
// the session has its second factor.
func (a *App) requireSecondFactor(c *fiber.Ctx, u *models.User, t *models.Tenant) (bool, error) {
	s, err := a.session(c)
	if err != nil {
		return false, err
	}
	if s.Factor != "" && u.TwoFactor() {
		return false, nil
	}
	next := ""
	if c.Method() == fiber.MethodGet {
		next = c.OriginalURL()
	}
	if !u.TwoFactor() {
		return true, a.flashRedirect(c, "info", t.Name+" requires two-factor sign-in. Set it up to continue.", twoFactorURL(next))
	}
	// Two-factor sign-in is on, but this session signed in before it was (or without it).
	if err := a.signOut(c, u, "info", t.Name+" requires two-factor sign-in: sign in again with your code."); err != nil {
		return true, err
	}
	target := paths.URL(paths.Login)
	if next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	return true, redirect(c, target)
}

// endCurrentSession ends the row of the request's signed-in session (signing out, signing in
// as someone else), with user.updated so that every process drops it at once.
func (a *App) endCurrentSession(c *fiber.Ctx, u *models.User) error {
	sid := a.currentSessionID(c)
	if u == nil || sid == uuid.Nil {
		return nil
	}
	if _, err := a.store.EndSessions(ctx(c), u.ID, models.SessionEnd{Only: sid}); err != nil && !errors.Is(err, models.ErrNoSuchSession) {
		return err
	}
	a.users.Forget(u.ID)
	return nil
}

// signOut ends the signed-in session: its row everywhere (endCurrentSession), then the session.
func (a *App) signOut(c *fiber.Ctx, u *models.User, flashKind, flashMsg string) error {
	if err := a.endCurrentSession(c, u); err != nil {
		return err
	}
	return a.endSession(c, flashKind, flashMsg)
}

// fresh starts the session of a sign-in over the request's: a signed-in session's row ends,
// the store forgets its id, and nothing of it is kept but its flash message.
func (a *App) fresh(c *fiber.Ctx) (*websession.Session, error) {
	if err := a.endCurrentSession(c, currentUser(c)); err != nil {
		return nil, err
	}
	s, err := a.session(c)
	if err != nil {
		return nil, err
	}
	if err := s.Regenerate(); err != nil {
		return nil, err
	}
	s.Data = websession.Data{FlashKind: s.FlashKind, FlashMsg: s.FlashMsg}
	a.newCSRFToken(c, s) // a token of the session before is not valid after
	return s, nil
}

// signIn starts the signed-in session of u, whose password (and second factor, if they have
// one: "totp" or "recovery_code") was right: a new id and CSRF token, a user_sessions row and
// user.logged_in, then the page asked for.
func (a *App) signIn(c *fiber.Ctx, u *models.User, secondFactor, next string) error {
	sid, err := a.store.RecordSignIn(ctx(c), u, a.client(c), secondFactor, a.sessionLimits())
	if err != nil {
		return err
	}
	s, err := a.fresh(c)
	if err != nil {
		return err
	}
	now := a.now().Unix()
	s.UserID, s.AuthAt, s.SeenAt, s.Epoch, s.SessionID, s.Factor = u.ID.String(), now, now, u.SessionEpoch, sid.String(), secondFactor
	if err := s.Save(); err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "signed in", "user_id", u.ID.String(), "ip", c.IP(), "second_factor", secondFactor)
	return redirect(c, orHome(next))
}

func (a *App) loginFailed(c *fiber.Ctx, form auth.LoginForm) error {
	p := a.pageFor(c, "Sign in")
	return page(c, fiber.StatusUnprocessableEntity, auth.LoginPage(p, form), auth.LoginAnswer(p, form))
}

// logoutPost ends the session and returns to the sign-in page.
func (a *App) logoutPost(c *fiber.Ctx) error {
	if err := a.signOut(c, currentUser(c), "success", "You have signed out."); err != nil {
		return err
	}
	return redirect(c, paths.Login)
}

// loginLimiters bound failed sign-ins per client IP and per email address. Successful sign-ins
// are not counted. Over the limit the answer is 429 with Retry-After.
func (a *App) loginLimiters() []fiber.Handler {
	return []fiber.Handler{
		a.failureLimiter(a.limits.PerIP, loginIPKey),
		a.failureLimiter(a.limits.PerEmail, func(c *fiber.Ctx) string {
			return "login:email:" + models.NormalizeEmail(c.FormValue("email"))
		}),
	}
}

// loginIPKey is the client's count of failed passwords and codes alike.
func loginIPKey(c *fiber.Ctx) string { return "login:ip:" + c.IP() }

// codeLimiters bound wrong second-factor codes like passwords: per client IP (the same count
// as the password's) and per user waiting to give their code.
func (a *App) codeLimiters() []fiber.Handler {
	return []fiber.Handler{
		a.failureLimiter(a.limits.PerIP, loginIPKey),
		a.failureLimiter(a.limits.PerEmail, func(c *fiber.Ctx) string {
			if s, err := a.session(c); err == nil {
				return "login:user:" + s.PendingUID
			}
			return "login:user:"
		}),
	}
}

// accountLimiters bound the account forms that check the current password or a code, per user,
// like sign-ins: a stolen session cannot be used to guess the password.
func (a *App) accountLimiters() []fiber.Handler {
	return []fiber.Handler{a.failureLimiter(a.limits.PerEmail, func(c *fiber.Ctx) string {
		if u := currentUser(c); u != nil {
			return "account:user:" + u.ID.String()
		}
		return "account:user:"
	})}
}

// failureLimiter counts the answers of 400 and above per key, max per window; over it the
// answer is 429 with Retry-After.
func (a *App) failureLimiter(max int, key func(*fiber.Ctx) string) fiber.Handler {
	return limiter.New(limiter.Config{
		Max: max, Expiration: a.limits.Window, Storage: backend.Prefixed(a.storage, "rl:"), SkipSuccessfulRequests: true,
		KeyGenerator: key,
		LimitReached: func(c *fiber.Ctx) error {
			a.log.WarnContext(ctx(c), "rate limit reached", "key", key(c), "ip", c.IP())
			return fiber.NewError(fiber.StatusTooManyRequests, "Too many failed attempts. Wait a few minutes and try again.")
		},
	})
}

// safeNext accepts only a local path as a post-sign-in target, so /login?next= cannot send
// people to another site.
func safeNext(next string) string {
	// Browsers drop tabs and newlines and read a backslash as "/", so "/\t/evil.com" would become
	// "//evil.com": refuse any control character or backslash outright.
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, paths.Login) {
		return ""
	}
	return next
}

func orHome(next string) string {
	if next == "" {
		return "/"
	}
	return next
}
