package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// Access says who may call a route. Later issues add per-resource permissions checked by Casbin;
// until then a tenant page needs a role in that tenant.
type Access int

const (
	// Public routes need no sign-in.
	Public Access = iota
	// SignedIn routes need a signed-in user.
	SignedIn
	// TenantMember routes need a signed-in user with a role in the tenant of /t/:slug.
	TenantMember
	// SuperAdmin routes need a signed-in platform administrator (platform-wide pages).
	SuperAdmin
)

func (a Access) String() string {
	return [...]string{"public", "signed-in", "tenant-member", "super-admin"}[a]
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string
	Access  Access
	Handler fiber.Handler
	Extra   []fiber.Handler // route-specific middleware that runs before Handler (rate limits)
}

// Routes is the one place every route is declared with the access it requires. Tests walk it,
// and registerRoutes refuses to register anything that is not listed here.
func (a *App) Routes() []Route {
	return []Route{
		{Method: fiber.MethodGet, Path: "/login", Access: Public, Handler: a.loginShow},
		{Method: fiber.MethodPost, Path: "/login", Access: Public, Handler: a.loginPost, Extra: a.loginLimiters()},
		{Method: fiber.MethodPost, Path: "/logout", Access: Public, Handler: a.logoutPost},

		{Method: fiber.MethodGet, Path: "/", Access: SignedIn, Handler: a.homeShow},
		{Method: fiber.MethodGet, Path: "/t/:slug/", Access: TenantMember, Handler: a.dashboardShow},
		// Event log. Until the RBAC issue, any member of the tenant may read it and retry failed
		// events; then these become events:list, events:read (list, detail, history) and
		// events:manage (retry).
		{Method: fiber.MethodGet, Path: "/t/:slug/events", Access: TenantMember, Handler: a.eventsList},
		{Method: fiber.MethodGet, Path: "/t/:slug/events/aggregate/:type/:aid", Access: TenantMember, Handler: a.eventsHistory},
		{Method: fiber.MethodGet, Path: "/t/:slug/events/:id", Access: TenantMember, Handler: a.eventShow},
		{Method: fiber.MethodPost, Path: "/t/:slug/events/:id/retry", Access: TenantMember, Handler: a.eventRetryPost},
		// Platform events (no tenant: sign-ins, user accounts, platform roles).
		{Method: fiber.MethodGet, Path: "/events", Access: SuperAdmin, Handler: a.eventsList},
		{Method: fiber.MethodGet, Path: "/events/:id", Access: SuperAdmin, Handler: a.eventShow},
		{Method: fiber.MethodPost, Path: "/events/:id/retry", Access: SuperAdmin, Handler: a.eventRetryPost},
		{Method: fiber.MethodGet, Path: "/system", Access: SuperAdmin, Handler: a.systemShow},
		// Tenant management (platform). /tenants/new comes before /tenants/:id, which it would match.
		{Method: fiber.MethodGet, Path: "/tenants", Access: SuperAdmin, Handler: a.tenantsList},
		{Method: fiber.MethodGet, Path: "/tenants/new", Access: SuperAdmin, Handler: a.tenantNew},
		{Method: fiber.MethodPost, Path: "/tenants", Access: SuperAdmin, Handler: a.tenantCreatePost},
		{Method: fiber.MethodGet, Path: "/tenants/:id", Access: SuperAdmin, Handler: a.tenantShow},
		{Method: fiber.MethodPost, Path: "/tenants/:id", Access: SuperAdmin, Handler: a.tenantUpdatePost},
		{Method: fiber.MethodPost, Path: "/tenants/:id/deactivate", Access: SuperAdmin, Handler: a.tenantDeactivatePost},
		{Method: fiber.MethodPost, Path: "/tenants/:id/activate", Access: SuperAdmin, Handler: a.tenantActivatePost},
	}
}

// OperationalRoutes are served before sessions and CSRF: probes, metrics and static files.
func (a *App) OperationalRoutes() []Route {
	return []Route{
		{Method: fiber.MethodGet, Path: "/healthz", Access: Public, Handler: a.healthz},
		{Method: fiber.MethodGet, Path: "/readyz", Access: Public, Handler: a.readyz},
		{Method: fiber.MethodGet, Path: "/metrics", Access: Public, Handler: a.metricsHandler()},
		{Method: fiber.MethodGet, Path: "/static/*", Access: Public, Handler: staticHandler()},
		{Method: fiber.MethodGet, Path: "/favicon.ico", Access: Public, Handler: func(c *fiber.Ctx) error {
			return c.Redirect("/static/favicon.svg", fiber.StatusMovedPermanently)
		}},
	}
}

// registerRoutes installs the middleware chain and every route of the two tables, in order:
// request id → panic recovery → metrics and access log → security headers → operational
// routes → CSRF (which loads the session) → current user → the route's access check → handler.
// Every GET route also answers HEAD, for load-balancer probes.
func (a *App) registerRoutes(app *fiber.App) {
	app.Use(a.requestID(), a.recoverPanics(), a.observe, securityHeaders(), varyHTMX)
	add := func(method, path string, hs ...fiber.Handler) {
		app.Add(method, path, hs...)
		if method == fiber.MethodGet {
			app.Add(fiber.MethodHead, path, hs...)
		}
	}
	for _, r := range a.OperationalRoutes() {
		add(r.Method, r.Path, r.Handler)
	}
	app.Use(a.csrf(), a.loadUser, a.resolveTenant)
	for _, r := range a.Routes() {
		hs := append([]fiber.Handler{a.require(r.Access)}, r.Extra...)
		add(r.Method, r.Path, append(hs, r.Handler)...)
	}
	if a.mount != nil {
		a.mount(app)
	}
	app.Use(notFound)
}

// notFound ends the chain for a path no route matched.
func notFound(c *fiber.Ctx) error {
	c.Locals(localUnmatched, true)
	return fiber.ErrNotFound
}
