package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/views/dashboard"
	"github.com/rustok/rustok-admin/views/tenants"
)

// homeShow sends the user to their only tenant, or shows a picker when they have several or none.
func (a *App) homeShow(c *fiber.Ctx) error {
	if t := requestedTenant(c); t != nil { // named by X-Tenant-ID or the tenant's own domain
		return redirect(c, "/t/"+t.Slug+"/")
	}
	ts, err := a.store.TenantsForUser(ctx(c), currentUser(c).ID)
	if err != nil {
		return err
	}
	if len(ts) == 1 {
		return redirect(c, "/t/"+ts[0].Slug+"/")
	}
	choices := make([]tenants.Choice, len(ts))
	for i, t := range ts {
		choices[i] = tenants.Choice{Slug: t.Slug, Name: t.Name}
	}
	return render(c, fiber.StatusOK, tenants.Picker(a.pageFor(c, "Choose a tenant"), choices))
}

// dashboardShow renders the open tenant's dashboard.
func (a *App) dashboardShow(c *fiber.Ctx) error {
	t := currentTenant(c)
	roles, _ := c.Locals(localRoles).([]string)
	p := a.pageFor(c, t.Name)
	p.Section = "dashboard"
	return render(c, fiber.StatusOK, dashboard.Page(p, dashboard.Data{
		TenantName: t.Name, TenantSlug: t.Slug, DefaultLocale: t.DefaultLocale, Locales: t.Locales, Roles: roles,
	}))
}
