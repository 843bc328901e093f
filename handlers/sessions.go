package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/mileusna/useragent"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	userviews "github.com/rustok/rustok-admin/views/users"
)

// The user's sessions (issue 15 item 3). Each sign-in has a row in user_sessions and the
// session carries its handle; ending a session marks its row and records user.updated, which
// drops the user's principal on every process, so the ended session's next request is signed
// out wherever it lands (loadUser), with Redis or the in-memory store alike.

func (a *App) sessionLimits() models.SessionLimits {
	return models.SessionLimits{Idle: a.cfg.SessionIdleTimeout, MaxAge: a.cfg.SessionMaxAge}
}

// currentSessionID is the handle of the request's session (uuid.Nil when it has none).
func (a *App) currentSessionID(c *fiber.Ctx) uuid.UUID {
	s, err := a.session(c)
	if err != nil {
		return uuid.Nil
	}
	id, _ := uuid.Parse(s.SessionID)
	return id
}

// sessionRows lists the user's sessions for the account page, this one marked.
func (a *App) sessionRows(c *fiber.Ctx, u *models.User) ([]userviews.SessionRow, error) {
	rows, err := a.store.ActiveSessions(ctx(c), u.ID, a.sessionLimits())
	if err != nil {
		return nil, err
	}
	current := a.currentSessionID(c)
	out := make([]userviews.SessionRow, 0, len(rows))
	for _, r := range rows {
		row := userviews.SessionRow{ID: r.ID.String(), Device: deviceOf(r.UserAgent), IP: r.IP, SignedIn: r.SignedInAt,
			LastSeen: r.LastSeenAt, SecondFactor: r.SecondFactor, Current: r.ID == current}
		if row.Current {
			out = append([]userviews.SessionRow{row}, out...)
		} else {
			out = append(out, row)
		}
	}
	return out, nil
}

// deviceOf names a browser for people: "Chrome 120 on macOS", "Firefox on Linux",
// "Unknown browser" for an empty or unreadable user agent.
func deviceOf(ua string) string {
	if ua == "" {
		return "Unknown browser"
	}
	p := useragent.Parse(ua)
	name := p.Name
	if name == "" {
		return "Unknown browser"
	}
	if major, _, _ := strings.Cut(p.Version, "."); major != "" {
		name += " " + major
	}
	if p.OS != "" {
		name += " on " + p.OS
	}
	return name
}

// accountSessionEndPost signs out one of the user's other sessions.
func (a *App) accountSessionEndPost(c *fiber.Ctx) error {
	u := currentUser(c)
	id, err := uuid.Parse(c.Params("id"))
	if err != nil || id == uuid.Nil {
		return fiber.ErrNotFound
	}
	if id == a.currentSessionID(c) {
		return a.flashRedirect(c, "error", "That is this session: use Sign out in the menu to end it.", paths.URL(paths.Account))
	}
	_, err = a.store.EndSessions(ctx(c), u.ID, models.SessionEnd{Only: id})
	if errors.Is(err, models.ErrNoSuchSession) {
		return a.flashRedirect(c, "info", "That session had already ended.", paths.URL(paths.Account))
	} else if err != nil {
		return err
	}
	a.users.Forget(u.ID)
	a.log.InfoContext(ctx(c), "session ended", "user_id", u.ID.String(), "session", id.String())
	return a.flashRedirect(c, "success", "That session is signed out.", paths.URL(paths.Account))
}

// accountSessionsOtherPost signs out every session of the user but this one.
func (a *App) accountSessionsOtherPost(c *fiber.Ctx) error {
	u := currentUser(c)
	current := a.currentSessionID(c)
	if current == uuid.Nil {
		return fiber.ErrConflict
	}
	n, err := a.store.EndSessions(ctx(c), u.ID, models.SessionEnd{All: true, Except: current, Limits: a.sessionLimits()})
	if err != nil {
		return err
	}
	a.users.Forget(u.ID)
	a.log.InfoContext(ctx(c), "other sessions ended", "user_id", u.ID.String(), "count", n)
	if n == 0 {
		return a.flashRedirect(c, "info", "There was no other session to sign out.", paths.URL(paths.Account))
	}
	return a.flashRedirect(c, "success", "Signed out everywhere else ("+sessionCount(n)+").", paths.URL(paths.Account))
}

// userSessionsEndPost is an admin (users:update) signing a user of the tenant out everywhere.
// The rules of a password reset apply: only a super admin may do it to a user who also
// belongs to other tenants or to the platform, and nobody to a user who may do more than they.
func (a *App) userSessionsEndPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	tu, err := a.tenantUserByParam(c)
	if err != nil {
		return err
	}
	back := userviews.UserURL(t.Slug, tu.ID.String())
	end := models.SessionEnd{All: true, Tenant: t.ID, Limits: a.sessionLimits()}
	if a.isSuper(c) {
		end.Tenant = uuid.Nil
	}
	if tu.ID == currentUser(c).ID {
		end.Except = a.currentSessionID(c) // not the admin's own session: the account page does that
	}
	n, err := a.store.EndSessions(ctx(c), tu.ID, end)
	var ve *models.ValidationError
	switch {
	case errors.Is(err, models.ErrResetNotYours):
		return a.flashRedirect(c, "error", "Only a super admin can sign out "+tu.Email+": they also belong to other tenants or to the platform.", back)
	case errors.As(err, &ve):
		return a.flashRedirect(c, "error", firstMessage(ve), back)
	case err != nil:
		return err
	}
	a.users.Forget(tu.ID)
	a.log.InfoContext(ctx(c), "user signed out everywhere", "user_id", tu.ID.String(), "tenant_id", t.ID.String(), "count", n)
	if n == 0 {
		return a.flashRedirect(c, "info", tu.Email+" was not signed in anywhere.", back)
	}
	return a.flashRedirect(c, "success", tu.Email+" is signed out everywhere ("+sessionCount(n)+").", back)
}

func sessionCount(n int) string {
	if n == 1 {
		return "1 session"
	}
	return strconv.Itoa(n) + " sessions"
}
