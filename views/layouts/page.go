// Package layouts holds the page shells every screen renders into.
package layouts

import "github.com/rustok/rustok-admin/views/components"

// Page is what the shell needs to know about the request: who is signed in, which tenant is
// open, the CSRF token for forms and htmx, and the flash message to show once.
type Page struct {
	Title     string
	UserName  string // empty when nobody is signed in
	UserEmail string
	IsSuper   bool
	Tenant    *TenantRef // the open tenant, if any
	CSRFToken string
	Flash     components.Flash
	RequestID string
	Section   string     // which navigation entry is active
	Nav       []NavGroup // the sections the user may open, grouped as the sidebar shows them
	// Tenants are the tenants the switcher offers (at most a handful; the picker at / has all),
	// and MoreTenants says there are more than it lists.
	Tenants     []TenantRef
	MoreTenants bool
	AccountHref string // the user's own account page, when that route exists
	// TimeZone is the viewer's stored time zone, the one times are rendered in; "" while none is
	// stored. static/app.js reports the browser's zone when it differs.
	TimeZone string
	// TimeZoneFixed: the viewer chose TimeZone, so static/app.js neither rewrites the times in
	// the browser's zone nor reports it.
	TimeZoneFixed bool
}

// NavGroup is one titled group of the sidebar; the first group may have no title.
type NavGroup struct {
	Label string
	Links []NavLink
}

// NavLink is one entry of the navigation. A Soon entry is a placeholder for a section whose
// route does not exist yet: it shows, disabled, so the shape of the product is visible.
type NavLink struct {
	Label   string
	Href    string
	Section string
	Icon    string // a name known to views/components/icons
	Soon    bool
}

// TenantRef is the part of a tenant the shell shows.
type TenantRef struct {
	Slug string
	Name string
}

// CSRFHeaders is the hx-headers value that makes every htmx request carry the CSRF token.
func (p Page) CSRFHeaders() string {
	return `{"X-CSRF-Token":"` + p.CSRFToken + `"}`
}

// SignedIn reports whether the page is shown to a signed-in user.
func (p Page) SignedIn() bool { return p.UserName != "" || p.UserEmail != "" }

// groupID is the id of a navigation group's heading, for aria-labelledby.
func groupID(i int) string { return "nav-group-" + string(rune('a'+i)) }

// WithResult is the page with a form's result in its banner slot, replacing the flash: the
// newest result is the only one shown (components.FormState).
func (p Page) WithResult(f components.Flash) Page {
	if f.Message != "" {
		p.Flash = f
	}
	return p
}
