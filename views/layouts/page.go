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
	Section   string    // which navigation entry is active
	Nav       []NavLink // the open tenant's sections the user may open
}

// NavLink is one entry of the tenant navigation.
type NavLink struct {
	Label   string
	Href    string
	Section string
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
