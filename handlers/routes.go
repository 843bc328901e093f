package handlers

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/paths"
)

// Access says who may call a route; with InTenant and OnPlatform the route's Perm is checked
// by Casbin (internal/authz).
type Access int

const (
	// Public routes need no sign-in.
	Public Access = iota
	// SignedIn routes need a signed-in user.
	SignedIn
	// TenantMember routes need a role — any role — in the tenant of /t/:slug (the dashboard).
	TenantMember
	// InTenant routes need Perm in the tenant of /t/:slug.
	InTenant
	// OnPlatform routes need Perm on the platform ("*"): in effect, super admins.
	OnPlatform
)

func (a Access) String() string {
	return [...]string{"public", "signed-in", "tenant-member", "in-tenant", "on-platform"}[a]
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string // one of the patterns declared in internal/paths, never a literal
	Access  Access
	Perm    authz.Perm // the (resource, action) an InTenant or OnPlatform route requires
	Handler fiber.Handler
	Extra   []fiber.Handler // route-specific middleware that runs before Handler (rate limits)
}

// p is shorthand for a permission in the route table.
func p(resource, action string) authz.Perm { return authz.Perm{Resource: resource, Action: action} }

// Routes is the one place every route is declared with the access it requires. Tests walk it,
// and registerRoutes refuses to register anything that is not listed here. Each path is a
// named pattern of internal/paths, which the views build their links from.
func (a *App) Routes() []Route {
	return []Route{
		{Method: fiber.MethodGet, Path: paths.Login, Access: Public, Handler: a.loginShow},
		{Method: fiber.MethodPost, Path: paths.Login, Access: Public, Handler: a.loginPost, Extra: a.loginLimiters()},
		// The second factor after the password: the session names the user still to confirm.
		{Method: fiber.MethodGet, Path: paths.LoginCode, Access: Public, Handler: a.loginCodeShow},
		{Method: fiber.MethodPost, Path: paths.LoginCode, Access: Public, Handler: a.loginCodePost, Extra: a.codeLimiters()},
		{Method: fiber.MethodPost, Path: paths.Logout, Access: Public, Handler: a.logoutPost},
		// Invitation links: the token in the path is the credential.
		{Method: fiber.MethodGet, Path: paths.SetPassword, Access: Public, Handler: a.setPasswordShow},
		{Method: fiber.MethodPost, Path: paths.SetPassword, Access: Public, Handler: a.setPasswordPost},

		{Method: fiber.MethodGet, Path: paths.Home, Access: SignedIn, Handler: a.homeShow},
		// The browser reports its time zone here (static/app.js); pages then show times in it.
		{Method: fiber.MethodPost, Path: paths.AccountTimeZone, Access: SignedIn, Handler: a.accountTimeZonePost},
		{Method: fiber.MethodGet, Path: paths.Account, Access: SignedIn, Handler: a.accountShow},
		{Method: fiber.MethodPost, Path: paths.Account, Access: SignedIn, Handler: a.accountPost},
		// The forms that check the current password are rate-limited like the sign-in.
		{Method: fiber.MethodPost, Path: paths.AccountPassword, Access: SignedIn, Handler: a.accountPasswordPost, Extra: a.accountLimiters()},
		{Method: fiber.MethodPost, Path: paths.AccountEmail, Access: SignedIn, Handler: a.accountEmailPost, Extra: a.accountLimiters()},
		{Method: fiber.MethodPost, Path: paths.AccountSessionsOther, Access: SignedIn, Handler: a.accountSessionsOtherPost},
		{Method: fiber.MethodPost, Path: paths.AccountSessionEnd, Access: SignedIn, Handler: a.accountSessionEndPost},
		{Method: fiber.MethodGet, Path: paths.AccountTwoFactor, Access: SignedIn, Handler: a.twoFactorShow},
		{Method: fiber.MethodPost, Path: paths.AccountTwoFactor, Access: SignedIn, Handler: a.twoFactorEnablePost, Extra: a.accountLimiters()},
		{Method: fiber.MethodPost, Path: paths.AccountRecoveryCodes, Access: SignedIn, Handler: a.recoveryCodesPost, Extra: a.accountLimiters()},
		{Method: fiber.MethodPost, Path: paths.AccountTwoFactorDisable, Access: SignedIn, Handler: a.twoFactorDisablePost, Extra: a.accountLimiters()},
		{Method: fiber.MethodGet, Path: paths.Dashboard, Access: TenantMember, Handler: a.dashboardShow},
		// Event log of the tenant.
		{Method: fiber.MethodGet, Path: paths.Events, Access: InTenant, Perm: p("events", "list"), Handler: a.eventsList},
		{Method: fiber.MethodGet, Path: paths.EventsAggregate, Access: InTenant, Perm: p("events", "list"), Handler: a.eventsHistory},
		{Method: fiber.MethodGet, Path: paths.Event, Access: InTenant, Perm: p("events", "read"), Handler: a.eventShow},
		{Method: fiber.MethodPost, Path: paths.EventRetry, Access: InTenant, Perm: p("events", "update"), Handler: a.eventRetryPost},
		// Roles of the tenant and their permission grid. /roles/new comes before /roles/:name,
		// which it would match ("new" is a reserved role name).
		{Method: fiber.MethodGet, Path: paths.Roles, Access: InTenant, Perm: p("roles", "list"), Handler: a.rolesList},
		{Method: fiber.MethodGet, Path: paths.RoleNew, Access: InTenant, Perm: p("roles", "create"), Handler: a.roleNew},
		{Method: fiber.MethodPost, Path: paths.Roles, Access: InTenant, Perm: p("roles", "create"), Handler: a.roleCreatePost},
		{Method: fiber.MethodGet, Path: paths.Role, Access: InTenant, Perm: p("roles", "read"), Handler: a.roleShow},
		{Method: fiber.MethodPost, Path: paths.Role, Access: InTenant, Perm: p("roles", "update"), Handler: a.roleUpdatePost},
		{Method: fiber.MethodPost, Path: paths.RoleDelete, Access: InTenant, Perm: p("roles", "delete"), Handler: a.roleDeletePost},
		{Method: fiber.MethodPost, Path: paths.RolePermissions, Access: InTenant, Perm: p("roles", "update"), Handler: a.rolePermissionsPost},
		// Users of the tenant. /users/new comes before /users/:id, which it would match.
		{Method: fiber.MethodGet, Path: paths.Users, Access: InTenant, Perm: p("users", "list"), Handler: a.usersList},
		{Method: fiber.MethodGet, Path: paths.UserNew, Access: InTenant, Perm: p("users", "create"), Handler: a.userNew},
		{Method: fiber.MethodPost, Path: paths.Users, Access: InTenant, Perm: p("users", "create"), Handler: a.userCreatePost},
		{Method: fiber.MethodGet, Path: paths.User, Access: InTenant, Perm: p("users", "read"), Handler: a.userShow},
		{Method: fiber.MethodPost, Path: paths.User, Access: InTenant, Perm: p("users", "update"), Handler: a.userUpdatePost},
		{Method: fiber.MethodPost, Path: paths.UserRoles, Access: InTenant, Perm: p("users", "update"), Handler: a.userRoleAssignPost},
		{Method: fiber.MethodPost, Path: paths.UserRoleRevoke, Access: InTenant, Perm: p("users", "update"), Handler: a.userRoleRevokePost},
		{Method: fiber.MethodPost, Path: paths.UserPasswordReset, Access: InTenant, Perm: p("users", "update"), Handler: a.userPasswordResetPost},
		{Method: fiber.MethodPost, Path: paths.UserSessionsEnd, Access: InTenant, Perm: p("users", "update"), Handler: a.userSessionsEndPost},
		// Content: posts and pages. Fixed paths come before /nodes/:id, which they would match.
		// The preview changes and reveals nothing, so reading content is enough to use it; it is
		// rate-limited per user, as it renders whatever it is sent.
		{Method: fiber.MethodGet, Path: paths.Nodes, Access: InTenant, Perm: p("nodes", "list"), Handler: a.nodesList},
		{Method: fiber.MethodGet, Path: paths.NodeNew, Access: InTenant, Perm: p("nodes", "create"), Handler: a.nodeNew},
		{Method: fiber.MethodPost, Path: paths.Nodes, Access: InTenant, Perm: p("nodes", "create"), Handler: a.nodeCreatePost},
		{Method: fiber.MethodPost, Path: paths.NodePreview, Access: InTenant, Perm: p("nodes", "read"), Handler: a.nodePreviewPost, Extra: []fiber.Handler{a.previewLimiter()}},
		{Method: fiber.MethodPost, Path: paths.NodesBulkStatus, Access: InTenant, Perm: p("nodes", "publish"), Handler: a.nodesBulkStatusPost},
		{Method: fiber.MethodPost, Path: paths.NodesBulkDelete, Access: InTenant, Perm: p("nodes", "delete"), Handler: a.nodesBulkDeletePost},
		{Method: fiber.MethodPost, Path: paths.NodesExport, Access: InTenant, Perm: p("nodes", "export"), Handler: a.nodesExportPost},
		{Method: fiber.MethodGet, Path: paths.Node, Access: InTenant, Perm: p("nodes", "read"), Handler: a.nodeShow},
		{Method: fiber.MethodPost, Path: paths.Node, Access: InTenant, Perm: p("nodes", "update"), Handler: a.nodeUpdatePost},
		{Method: fiber.MethodPost, Path: paths.NodeStatus, Access: InTenant, Perm: p("nodes", "publish"), Handler: a.nodeStatusPost},
		{Method: fiber.MethodPost, Path: paths.NodeSchedule, Access: InTenant, Perm: p("nodes", "publish"), Handler: a.nodeSchedulePost},
		{Method: fiber.MethodPost, Path: paths.NodeDelete, Access: InTenant, Perm: p("nodes", "delete"), Handler: a.nodeDeletePost},
		{Method: fiber.MethodGet, Path: paths.NodeHistory, Access: InTenant, Perm: p("nodes", "read"), Handler: a.nodeHistory, Extra: []fiber.Handler{a.fragmentInShell("History", "← Back to the content")}},
		// The catalog. Fixed paths come before /products/:id, which they would match. The
		// variant grid's prices and SKUs need products:update; its stock cells also need
		// inventory:update (checked in the handler). Stock is changed on the inventory routes,
		// which need inventory permissions only.
		{Method: fiber.MethodGet, Path: paths.Products, Access: InTenant, Perm: p("products", "list"), Handler: a.productsList},
		{Method: fiber.MethodGet, Path: paths.ProductNew, Access: InTenant, Perm: p("products", "create"), Handler: a.productNew},
		{Method: fiber.MethodPost, Path: paths.Products, Access: InTenant, Perm: p("products", "create"), Handler: a.productCreatePost},
		{Method: fiber.MethodPost, Path: paths.ProductsBulkStatus, Access: InTenant, Perm: p("products", "publish"), Handler: a.productsBulkStatusPost},
		{Method: fiber.MethodPost, Path: paths.ProductsBulkPrice, Access: InTenant, Perm: p("products", "update"), Handler: a.productsBulkPricePost},
		{Method: fiber.MethodPost, Path: paths.ProductsBulkDelete, Access: InTenant, Perm: p("products", "delete"), Handler: a.productsBulkDeletePost},
		{Method: fiber.MethodPost, Path: paths.ProductsExport, Access: InTenant, Perm: p("products", "export"), Handler: a.productsExportPost},
		{Method: fiber.MethodGet, Path: paths.ProductsImport, Access: InTenant, Perm: p("products", "import"), Handler: a.productsImport},
		{Method: fiber.MethodPost, Path: paths.ProductsImport, Access: InTenant, Perm: p("products", "import"), Handler: a.productsImportPost},
		{Method: fiber.MethodGet, Path: paths.ProductsImportTemplate, Access: InTenant, Perm: p("products", "import"), Handler: a.productsImportTemplate},
		{Method: fiber.MethodGet, Path: paths.ProductsImportExample, Access: InTenant, Perm: p("products", "import"), Handler: a.productsImportExample},
		{Method: fiber.MethodGet, Path: paths.ProductsImportUpload, Access: InTenant, Perm: p("products", "import"), Handler: a.productsImportShow},
		{Method: fiber.MethodPost, Path: paths.ProductsImportUpload, Access: InTenant, Perm: p("products", "import"), Handler: a.productsImportUpload},
		{Method: fiber.MethodGet, Path: paths.Product, Access: InTenant, Perm: p("products", "read"), Handler: a.productShow},
		{Method: fiber.MethodPost, Path: paths.Product, Access: InTenant, Perm: p("products", "update"), Handler: a.productUpdatePost},
		{Method: fiber.MethodPost, Path: paths.ProductStatus, Access: InTenant, Perm: p("products", "publish"), Handler: a.productStatusPost},
		{Method: fiber.MethodPost, Path: paths.ProductSchedule, Access: InTenant, Perm: p("products", "publish"), Handler: a.productSchedulePost},
		{Method: fiber.MethodPost, Path: paths.ProductDelete, Access: InTenant, Perm: p("products", "delete"), Handler: a.productDeletePost},
		{Method: fiber.MethodPost, Path: paths.ProductVariants, Access: InTenant, Perm: p("products", "update"), Handler: a.productVariantsPost},
		{Method: fiber.MethodPost, Path: paths.ProductVariantDel, Access: InTenant, Perm: p("products", "update"), Handler: a.productVariantDeletePost},
		{Method: fiber.MethodGet, Path: paths.ProductHistory, Access: InTenant, Perm: p("products", "read"), Handler: a.productHistory, Extra: []fiber.Handler{a.fragmentInShell("History", "← Back to the product")}},
		{Method: fiber.MethodGet, Path: paths.Inventory, Access: InTenant, Perm: p("inventory", "list"), Handler: a.inventoryList},
		{Method: fiber.MethodGet, Path: paths.InventoryVariant, Access: InTenant, Perm: p("inventory", "read"), Handler: a.inventoryVariant},
		{Method: fiber.MethodPost, Path: paths.InventoryAdjust, Access: InTenant, Perm: p("inventory", "update"), Handler: a.inventoryAdjustPost},
		// Background jobs: seeing them needs events:list; cancelling, retrying and downloading
		// also need the permission of the job's kind (jobPerms, checked in the handler).
		{Method: fiber.MethodGet, Path: paths.Jobs, Access: InTenant, Perm: p("events", "list"), Handler: a.jobsList},
		{Method: fiber.MethodGet, Path: paths.Settings, Access: InTenant, Perm: p("settings", "read"), Handler: a.settingsShow},
		{Method: fiber.MethodPost, Path: paths.Settings, Access: InTenant, Perm: p("settings", "update"), Handler: a.settingsPost},
		{Method: fiber.MethodPost, Path: paths.JobCancel, Access: InTenant, Perm: p("events", "list"), Handler: a.jobCancelPost},
		{Method: fiber.MethodPost, Path: paths.JobRetry, Access: InTenant, Perm: p("events", "list"), Handler: a.jobRetryPost},
		{Method: fiber.MethodGet, Path: paths.JobFile, Access: InTenant, Perm: p("events", "list"), Handler: a.jobFile},
		// Platform events (no tenant: sign-ins, user accounts, platform roles).
		{Method: fiber.MethodGet, Path: paths.PlatformEvents, Access: OnPlatform, Perm: p("events", "list"), Handler: a.eventsList},
		{Method: fiber.MethodGet, Path: paths.PlatformJobs, Access: OnPlatform, Perm: p("events", "list"), Handler: a.platformJobsList},
		{Method: fiber.MethodGet, Path: paths.PlatformEvent, Access: OnPlatform, Perm: p("events", "read"), Handler: a.eventShow},
		{Method: fiber.MethodPost, Path: paths.PlatformEventRetry, Access: OnPlatform, Perm: p("events", "update"), Handler: a.eventRetryPost},
		{Method: fiber.MethodGet, Path: paths.System, Access: OnPlatform, Perm: p("settings", "read"), Handler: a.systemShow},
		// Tenant management (platform). /tenants/new comes before /tenants/:id, which it would match.
		{Method: fiber.MethodGet, Path: paths.Tenants, Access: OnPlatform, Perm: p("tenants", "list"), Handler: a.tenantsList},
		{Method: fiber.MethodGet, Path: paths.TenantNew, Access: OnPlatform, Perm: p("tenants", "create"), Handler: a.tenantNew},
		{Method: fiber.MethodPost, Path: paths.Tenants, Access: OnPlatform, Perm: p("tenants", "create"), Handler: a.tenantCreatePost},
		{Method: fiber.MethodGet, Path: paths.Tenant, Access: OnPlatform, Perm: p("tenants", "read"), Handler: a.tenantShow},
		{Method: fiber.MethodPost, Path: paths.Tenant, Access: OnPlatform, Perm: p("tenants", "update"), Handler: a.tenantUpdatePost},
		{Method: fiber.MethodPost, Path: paths.TenantDeactivate, Access: OnPlatform, Perm: p("tenants", "update"), Handler: a.tenantDeactivatePost},
		{Method: fiber.MethodPost, Path: paths.TenantActivate, Access: OnPlatform, Perm: p("tenants", "update"), Handler: a.tenantActivatePost},
	}
}

// routeIndex maps "METHOD path" to its declaration, built once.
func (a *App) routeIndex() map[string]Route {
	a.routesOnce.Do(func() {
		a.routes = map[string]Route{}
		for _, r := range a.Routes() {
			a.routes[r.Method+" "+r.Path] = r
		}
	})
	return a.routes
}

// OperationalRoutes are served before sessions and CSRF: probes, metrics and static files.
func (a *App) OperationalRoutes() []Route {
	routes := []Route{
		{Method: fiber.MethodGet, Path: paths.Healthz, Access: Public, Handler: a.healthz},
		{Method: fiber.MethodGet, Path: paths.Readyz, Access: Public, Handler: a.readyz},
		{Method: fiber.MethodGet, Path: paths.Static, Access: Public, Handler: staticHandler()},
		{Method: fiber.MethodGet, Path: paths.Favicon, Access: Public, Handler: func(c *fiber.Ctx) error {
			return c.Redirect(paths.URL(paths.Static, "favicon.svg"), fiber.StatusMovedPermanently)
		}},
	}
	if a.cfg.MetricsAddr == "" { // else NewMetricsApp serves it on METRICS_ADDR
		routes = slices.Insert(routes, 2, Route{Method: fiber.MethodGet, Path: paths.Metrics, Access: Public, Handler: a.metricsHandler()})
	}
	return routes
}

// registerRoutes installs the middleware chain and every route of the two tables, in order:
// request id → panic recovery → compression → metrics and access log → security headers → input screening
// (the form is parsed, and hostile text refused) → operational routes → CSRF (which loads the
// session) → current user → the route's access check → handler.
// Every GET route also answers HEAD, for load-balancer probes.
func (a *App) registerRoutes(app *fiber.App) {
	app.Use(a.requestID(), a.recoverPanics(), compressResponses(), a.observe, securityHeaders(), varyHTMX, screenInput)
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
		if (r.Access == InTenant || r.Access == OnPlatform) == (r.Perm == authz.Perm{}) {
			panic("handlers: route " + r.Method + " " + r.Path + ": InTenant and OnPlatform routes, and only they, declare a Perm")
		}
		hs := append([]fiber.Handler{a.require(r.Access, r.Perm)}, r.Extra...)
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

// compressResponses compresses pages, fragments, error pages and static files with brotli or
// gzip, whichever the client accepts (brotli first). It wraps the access log, so error pages
// rendered there are compressed too. Bodies under 200 bytes, images that are compressed already
// and HEAD requests (no body) are left alone, and /metrics is skipped: promhttp gzips it itself.
func compressResponses() fiber.Handler {
	return compress.New(compress.Config{Level: compress.LevelDefault, Next: func(c *fiber.Ctx) bool {
		return c.Method() == fiber.MethodHead || c.Path() == paths.Metrics
	}})
}
