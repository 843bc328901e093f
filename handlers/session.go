package handlers

import (
	"cmp"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/internal/principal"
	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/internal/websession"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/layouts"
)

// Session cookie name and the CSRF token's cookie, header and form field.
const (
	SessionCookie = "rustok_session"
	CSRFCookie    = "rustok_csrf"
	HeaderCSRF    = "X-CSRF-Token"
	FormCSRF      = "_csrf"
)

// seenAtResolution is how stale seen_at may get before a request writes the session again;
// it keeps most requests from writing to the session store.
const seenAtResolution = time.Minute

// newSessionStore keeps sessions in storage (under "sess:" in Redis) for at most
// cfg.SessionMaxAge; the idle timeout is loadUser's.
func newSessionStore(cfg config.Config, storage fiber.Storage) *websession.Store {
	return websession.New(websession.Config{Storage: storage, Cookie: SessionCookie,
		Expiration: cfg.SessionMaxAge, Secure: cfg.CookieSecure})
}

// errStaleForm refuses a state change without the session's CSRF token.
var errStaleForm = fiber.NewError(fiber.StatusForbidden, "The form was stale or incomplete (missing security token). Reload the page and try again.")

// csrf protects every POST, PUT, PATCH and DELETE with a token kept in the session (the
// synchronizer-token pattern). Forms send it as the _csrf field; htmx sends it as the
// X-CSRF-Token header (set on <body hx-headers>). A safe request only reads the session, so a
// signed-in GET writes nothing: Fiber's own csrf middleware extends its token in the store on
// every request, one write per page, which is why this one is ours (README "Request path").
// The token lives as long as the session; sign-in and sign-out replace it.
func (a *App) csrf() fiber.Handler {
	refuse := errStaleForm
	return func(c *fiber.Ctx) error {
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
			return c.Next()
		}
		if c.Locals(localUpload) == true {
			return c.Next() // the import's upload: its handler checks the token as it reads the body (import.go)
		}
		sent := c.Get(HeaderCSRF)
		if sent == "" {
			sent = c.FormValue(FormCSRF)
		}
		s, err := a.session(c)
		if err != nil {
			return err
		}
		token := s.CSRF
		if sent == "" || token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			return refuse
		}
		c.Locals(localCSRF, token)
		return c.Next()
	}
}

// csrfToken returns the session's CSRF token for a page or fragment to embed, making one (and
// saving the session) the first time a session needs it. It also keeps the token in a cookie
// that scripts cannot read, which tools and the test kit use to learn the current token.
func (a *App) csrfToken(c *fiber.Ctx) string {
	if t, ok := c.Locals(localCSRF).(string); ok && t != "" {
		return t
	}
	s, err := a.session(c)
	if err != nil {
		a.log.WarnContext(ctx(c), "session for the CSRF token", "err", err)
		return ""
	}
	token := s.CSRF
	if token == "" {
		token = a.newCSRFToken(c, s)
		if err := s.Save(); err != nil {
			a.log.WarnContext(ctx(c), "save session", "err", err)
			return ""
		}
	}
	c.Locals(localCSRF, token)
	return token
}

// newCSRFToken puts a fresh token in s (the caller saves it) and in the cookie.
func (a *App) newCSRFToken(c *fiber.Ctx, s *websession.Session) string {
	token := utils.UUIDv4()
	s.CSRF = token
	c.Cookie(&fiber.Cookie{Name: CSRFCookie, Value: token, Path: "/", HTTPOnly: true,
		Secure: a.cfg.CookieSecure, SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: true})
	c.Locals(localCSRF, token)
	return token
}

// session returns the request's session, loaded once per request.
func (a *App) session(c *fiber.Ctx) (*websession.Session, error) {
	if s, ok := c.Locals(localSession).(*websession.Session); ok && s != nil {
		return s, nil
	}
	s, err := a.sessions.Get(c)
	if err != nil {
		return nil, err
	}
	c.Locals(localSession, s)
	return s, nil
}

// setFlash puts a message in the session to show on the next page; the caller saves.
func setFlash(s *websession.Session, kind, msg string) {
	s.FlashKind, s.FlashMsg = kind, msg
}

// flashRedirect is how a successful form ends: a message for the next page, then a redirect.
func (a *App) flashRedirect(c *fiber.Ctx, kind, msg, url string) error {
	s, err := a.session(c)
	if err != nil {
		return err
	}
	setFlash(s, kind, msg)
	if err := s.Save(); err != nil {
		return err
	}
	return redirect(c, url)
}

// takeFlash returns the flash message and removes it from the session.
func (a *App) takeFlash(c *fiber.Ctx) components.Flash {
	s, err := a.session(c)
	if err != nil {
		return components.Flash{}
	}
	kind, msg := s.FlashKind, s.FlashMsg
	if msg == "" {
		return components.Flash{}
	}
	setFlash(s, "", "")
	if err := s.Save(); err != nil {
		a.log.WarnContext(ctx(c), "save session", "err", err)
	}
	return components.Flash{Kind: kind, Message: msg}
}

// currentUser returns the signed-in user, or nil.
func currentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals(localUser).(*models.User)
	return u
}

// currentPrincipal returns the signed-in user with the roles they hold (from the per-process
// cache, internal/principal), or nil.
func currentPrincipal(c *fiber.Ctx) *principal.Principal {
	p, _ := c.Locals(localPrincipal).(*principal.Principal)
	return p
}

// currentTenant returns the tenant of a /t/:slug route, or nil.
func currentTenant(c *fiber.Ctx) *models.Tenant {
	t, _ := c.Locals(localTenant).(*models.Tenant)
	return t
}

// pageFor builds the shell data of the request: user, tenant, CSRF token, flash.
func (a *App) pageFor(c *fiber.Ctx, title string) layouts.Page {
	p := a.shellFor(c, title)
	p.Flash = a.takeFlash(c)
	return p
}

// switcherTenants is how many tenants the shell's switcher lists; the picker at / has them all.
const switcherTenants = 8

// shellFor is pageFor without taking the flash: error pages use it, so a message meant for
// the next real page is not lost on a 404 or 403 in between.
func (a *App) shellFor(c *fiber.Ctx, title string) layouts.Page {
	p := layouts.Page{Title: title}
	p.CSRFToken = a.csrfToken(c)
	p.RequestID, _ = c.Locals(localRequestID).(string)
	u := currentUser(c)
	if u == nil {
		return p
	}
	p.UserName, p.UserEmail = u.Name, u.Email
	if u.Location() != nil {
		p.TimeZone, p.TimeZoneFixed = *u.TimeZone, u.TimeZoneFixed
	}
	p.IsSuper = a.isSuper(c)
	t := currentTenant(c)
	if t != nil {
		p.Tenant = &layouts.TenantRef{Slug: t.Slug, Name: t.Name}
	}
	p.Nav = a.nav(c, t)
	if _, ok := a.routeIndex()[fiber.MethodGet+" "+paths.Account]; ok {
		p.AccountHref = paths.Account
	}
	ts, err := a.switcher(c)
	if err != nil {
		a.log.WarnContext(ctx(c), "tenants for the switcher", "err", err)
	}
	for i, tn := range ts {
		if i == switcherTenants {
			p.MoreTenants = true
			break
		}
		p.Tenants = append(p.Tenants, layouts.TenantRef{Slug: tn.Slug, Name: tn.Name})
	}
	return p
}

// switcher returns the first switcherTenants+1 active tenants the user may open (one more says
// there are more), by name then slug, as models.Store.TenantsForUser would, from the caches: a
// super admin's from the principal cache, anyone else's from their memberships and the tenant
// cache.
func (a *App) switcher(c *fiber.Ctx) ([]models.Tenant, error) {
	p := currentPrincipal(c)
	if p == nil {
		return nil, nil
	}
	if p.Super() {
		return a.users.ActiveTenants(ctx(c), switcherTenants+1)
	}
	var ts []models.Tenant
	for _, id := range p.TenantIDs() {
		t, err := a.tenants.Resolve(ctx(c), tenancy.ByID, id.String())
		switch {
		case errors.Is(err, tenancy.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		case t.IsActive:
			ts = append(ts, *t)
		}
	}
	slices.SortFunc(ts, func(x, y models.Tenant) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Slug, y.Slug))
	})
	return ts[:min(len(ts), switcherTenants+1)], nil
}

// navSection is one entry of the sidebar: its group, label, section, icon and the GET route it
// opens (a pattern of internal/paths). Whether a link shows is decided by that route's own
// declared access, so the navigation can never offer a page that answers 403. An entry with no
// path is a section still to come: it shows as a disabled placeholder. A tenant entry is a
// section of the open tenant; the others are platform pages.
type navSection struct {
	group, label, section, icon, path string
	tenant                            bool
}

var navSections = []navSection{
	{"", "Dashboard", "dashboard", "layout-dashboard", paths.Dashboard, true},
	{"Content", "Content", "nodes", "file-text", paths.Nodes, true},
	{"Catalog", "Products", "products", "package", paths.Products, true},
	{"Catalog", "Inventory", "inventory", "boxes", paths.Inventory, true},
	{"People", "Users", "users", "users", paths.Users, true},
	{"People", "Roles", "roles", "shield-check", paths.Roles, true},
	{"Activity", "Events", "events", "activity", paths.Events, true},
	{"Activity", "Jobs", "jobs", "list-checks", paths.Jobs, true},
	{"Tenant", "Settings", "settings", "settings", paths.Settings, true},
	{"Platform", "Tenants", "tenants", "building-2", paths.Tenants, false},
	{"Platform", "Platform events", "platform-events", "scroll-text", paths.PlatformEvents, false},
	{"Platform", "All jobs", "platform-jobs", "list-checks", paths.PlatformJobs, false},
	{"Platform", "System", "system", "server", paths.System, false},
}

// nav returns the sidebar of the current user: the sections of t (when a tenant is open) and
// the platform pages they may open, grouped in navSections order.
func (a *App) nav(c *fiber.Ctx, t *models.Tenant) []layouts.NavGroup {
	u := currentUser(c)
	if u == nil {
		return nil
	}
	var groups []layouts.NavGroup
	for _, s := range navSections {
		if s.tenant && t == nil {
			continue
		}
		link := layouts.NavLink{Label: s.label, Section: s.section, Icon: s.icon}
		switch r, ok := a.routeIndex()[fiber.MethodGet+" "+s.path]; {
		case s.path == "":
			link.Soon = true
		case !ok, !a.mayOpen(c, u, t, r):
			continue
		case s.tenant:
			link.Href = paths.URL(s.path, t.Slug)
		default:
			link.Href = paths.URL(s.path)
		}
		if n := len(groups); n > 0 && groups[n-1].Label == s.group {
			groups[n-1].Links = append(groups[n-1].Links, link)
		} else {
			groups = append(groups, layouts.NavGroup{Label: s.group, Links: []layouts.NavLink{link}})
		}
	}
	return groups
}

// mayOpen reports whether u passes r's declared access: its permission in the open tenant, or
// on the platform. An error counts as no.
func (a *App) mayOpen(c *fiber.Ctx, u *models.User, t *models.Tenant, r Route) bool {
	dom := authz.Platform
	switch r.Access {
	case InTenant:
		dom = t.ID.String()
	case OnPlatform:
	default:
		return true
	}
	allowed, err := a.authz.Allowed(ctx(c), u.ID, dom, r.Perm)
	return err == nil && allowed
}
