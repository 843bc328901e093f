// Package paths declares the path of every route once, by name, and builds URLs from them.
// The route table (handlers/routes.go) takes each route's path from here and the views and
// handlers build their links and redirects with URL, so a path is written in exactly one place.
// It has no dependencies, so views can import it where they cannot import handlers.
package paths

import (
	"net/url"
	"strconv"
	"strings"
)

// The path patterns, in Fiber's syntax: ":name" is one path segment, a final "*" the rest.
// One name per path: a GET and a POST on the same path share it.
const (
	// Sign-in, sign-out and invitations (the token in the path is the credential).
	Login       = "/login"
	LoginCode   = "/login/code" // the second factor, after the password
	Logout      = "/logout"
	SetPassword = "/set-password/:token"

	// Home sends the user to their tenant or shows the picker; Dashboard is a tenant's start page.
	Home      = "/"
	Dashboard = "/t/:slug/"

	// The signed-in user's own settings: the browser reports its time zone here (static/app.js).
	AccountTimeZone = "/account/time-zone"
	Account         = "/account"
	AccountPassword = "/account/password"
	AccountEmail    = "/account/email"
	// The user's sessions: end one, or every one but this.
	AccountSessionEnd    = "/account/sessions/:id/end"
	AccountSessionsOther = "/account/sessions/end-others"
	// Two-factor sign-in: enrol (GET shows the QR code, POST confirms a code), new recovery
	// codes, turning it off.
	AccountTwoFactor        = "/account/two-factor"
	AccountRecoveryCodes    = "/account/two-factor/recovery-codes"
	AccountTwoFactorDisable = "/account/two-factor/disable"

	// The event log of a tenant; EventsAggregate is the history fragment of one aggregate.
	Events          = "/t/:slug/events"
	EventsAggregate = "/t/:slug/events/aggregate/:type/:aid"
	Event           = "/t/:slug/events/:id"
	EventRetry      = "/t/:slug/events/:id/retry"

	// The roles of a tenant and their permission grid.
	Roles           = "/t/:slug/roles"
	RoleNew         = "/t/:slug/roles/new"
	Role            = "/t/:slug/roles/:name"
	RoleDelete      = "/t/:slug/roles/:name/delete"
	RolePermissions = "/t/:slug/roles/:name/permissions"

	// The users of a tenant and their roles there.
	Users             = "/t/:slug/users"
	UserNew           = "/t/:slug/users/new"
	User              = "/t/:slug/users/:id"
	UserRoles         = "/t/:slug/users/:id/roles"
	UserRoleRevoke    = "/t/:slug/users/:id/roles/revoke"
	UserPasswordReset = "/t/:slug/users/:id/password-reset"
	UserSessionsEnd   = "/t/:slug/users/:id/sessions/end"

	// The content of a tenant: posts and pages.
	Nodes           = "/t/:slug/nodes"
	NodeNew         = "/t/:slug/nodes/new"
	NodePreview     = "/t/:slug/nodes/preview"
	NodesBulkStatus = "/t/:slug/nodes/bulk/status"
	NodesBulkDelete = "/t/:slug/nodes/bulk/delete"
	NodesExport     = "/t/:slug/nodes/export"
	Node            = "/t/:slug/nodes/:id"
	NodeStatus      = "/t/:slug/nodes/:id/status"
	NodeDelete      = "/t/:slug/nodes/:id/delete"
	NodeHistory     = "/t/:slug/nodes/:id/history"
	NodeSchedule    = "/t/:slug/nodes/:id/schedule"

	// The catalog of a tenant: products, their variants and prices, and the inventory.
	Products               = "/t/:slug/products"
	ProductNew             = "/t/:slug/products/new"
	ProductsBulkStatus     = "/t/:slug/products/bulk/status"
	ProductsBulkDelete     = "/t/:slug/products/bulk/delete"
	ProductsBulkPrice      = "/t/:slug/products/bulk/price"
	ProductsExport         = "/t/:slug/products/export"
	ProductsImport         = "/t/:slug/products/import"
	ProductsImportTemplate = "/t/:slug/products/import/template"
	ProductsImportExample  = "/t/:slug/products/import/example"
	ProductsImportUpload   = "/t/:slug/products/import/:upload"
	Product                = "/t/:slug/products/:id"
	ProductStatus          = "/t/:slug/products/:id/status"
	ProductDelete          = "/t/:slug/products/:id/delete"
	ProductVariants        = "/t/:slug/products/:id/variants"
	ProductVariantDel      = "/t/:slug/products/:id/variants/:vid/delete"
	ProductHistory         = "/t/:slug/products/:id/history"
	ProductSchedule        = "/t/:slug/products/:id/schedule"
	Inventory              = "/t/:slug/inventory"
	InventoryVariant       = "/t/:slug/inventory/:id"
	InventoryAdjust        = "/t/:slug/inventory/:id/adjust"

	// Background jobs of the tenant: the list, cancel and retry, and a job's output file.
	Jobs      = "/t/:slug/jobs"
	Settings  = "/t/:slug/settings"
	JobCancel = "/t/:slug/jobs/:id/cancel"
	JobRetry  = "/t/:slug/jobs/:id/retry"
	JobFile   = "/t/:slug/jobs/:id/file"

	// The platform: its event log (events of no tenant), the process figures and the tenants.
	PlatformEvents     = "/events"
	PlatformEvent      = "/events/:id"
	PlatformEventRetry = "/events/:id/retry"
	PlatformJobs       = "/jobs"
	System             = "/system"
	Tenants            = "/tenants"
	TenantNew          = "/tenants/new"
	Tenant             = "/tenants/:id"
	TenantDeactivate   = "/tenants/:id/deactivate"
	TenantActivate     = "/tenants/:id/activate"

	// Operational routes, served before sessions: probes, metrics and static files.
	Healthz = "/healthz"
	Readyz  = "/readyz"
	Metrics = "/metrics"
	Static  = "/static/*"
	Favicon = "/favicon.ico"
)

// URL fills the parameters of pattern with params, in order, and returns the path. Each
// ":name" takes one param, path-escaped, so a "/" or "?" in it cannot change the route; a
// final "*" takes the rest of the path, each of its segments escaped. A wrong number of params
// is a programming mistake, so URL panics: the first test that renders the link finds it.
func URL(pattern string, params ...string) string {
	var b strings.Builder
	b.Grow(len(pattern) + 48)
	n := 0
	param := func() string {
		if n == len(params) {
			panic("paths: " + pattern + " takes more than " + strconv.Itoa(len(params)) + " params")
		}
		n++
		return params[n-1]
	}
	// One pass over the segments: lists call this for every row, so no Split and no Join.
	for rest, first := pattern, true; ; first = false {
		seg, after, more := strings.Cut(rest, "/")
		if !first {
			b.WriteByte('/')
		}
		switch {
		case seg == "*":
			for i, part := range strings.Split(param(), "/") {
				if i > 0 {
					b.WriteByte('/')
				}
				b.WriteString(url.PathEscape(part))
			}
		case strings.HasPrefix(seg, ":"):
			b.WriteString(url.PathEscape(param()))
		default:
			b.WriteString(seg)
		}
		if !more {
			break
		}
		rest = after
	}
	if n != len(params) {
		panic("paths: " + pattern + " takes " + strconv.Itoa(n) + " params, not " + strconv.Itoa(len(params)))
	}
	return b.String()
}

// Prefix is the fixed start of pattern, up to its first parameter: "/set-password/" of
// SetPassword. Code that matches request paths by prefix (the access log) uses it.
func Prefix(pattern string) string {
	if i := strings.IndexAny(pattern, ":*"); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// Matches reports whether path is pattern with each :param standing for one non-empty segment,
// for the few decisions made before routing (which body to leave to its handler).
func Matches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, ":") {
			if xs[i] == "" {
				return false
			}
		} else if p != xs[i] {
			return false
		}
	}
	return true
}
