package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/models"
)

// HeaderTenantID names a tenant by UUID or slug, for API clients and tools.
const HeaderTenantID = "X-Tenant-ID"

// resolveTenant notes the tenant a request names by the X-Tenant-ID header or, failing that, by
// the Host (a tenant's custom domain; X-Forwarded-Host only from a trusted proxy). Both go
// through the tenant cache. The named tenant is only a request: GET / sends the user to it, and
// requireMember — which checks the user's role there — is what scopes a request to a tenant.
// /t/:slug names its tenant in the path, which wins. An unknown or inactive tenant named by
// header is a 404; an unknown host is simply the admin's own address and names no tenant.
func (a *App) resolveTenant(c *fiber.Ctx) error {
	// Only signed-in users may name a tenant by header: for anyone else it would be a way to
	// probe which slugs exist.
	if raw := strings.TrimSpace(c.Get(HeaderTenantID)); raw != "" && currentUser(c) != nil {
		kind := tenancy.BySlug
		if _, err := uuid.Parse(raw); err == nil {
			kind = tenancy.ByID
		}
		t, err := a.openTenant(c, kind, raw)
		if err != nil {
			return err
		}
		c.Locals(localRequestedTenant, t)
		return c.Next()
	}
	t, err := a.openTenant(c, tenancy.ByHost, c.Hostname())
	switch {
	case err == nil:
		c.Locals(localRequestedTenant, t)
	case !errors.Is(err, fiber.ErrNotFound):
		return err
	}
	return c.Next()
}

// openTenant resolves a tenant the current user may open: 404 when it is unknown, or inactive
// and the user is not a super admin.
func (a *App) openTenant(c *fiber.Ctx, kind tenancy.Kind, value string) (*models.Tenant, error) {
	t, err := a.tenants.Resolve(ctx(c), kind, value)
	if errors.Is(err, tenancy.ErrNotFound) {
		return nil, fiber.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	if !t.IsActive && !a.isSuper(c) {
		return nil, fiber.ErrNotFound
	}
	return t, nil
}

// localRequestedTenant holds the tenant named by header or host, before any membership check.
const localRequestedTenant = "requested_tenant"

// requestedTenant returns the tenant the request named by X-Tenant-ID or Host, or nil.
func requestedTenant(c *fiber.Ctx) *models.Tenant {
	t, _ := c.Locals(localRequestedTenant).(*models.Tenant)
	return t
}

// setTenant scopes the rest of the request to t once membership is checked: handlers read it
// with currentTenant, and events appended under the request's context carry its id. The tenant
// is shared with the cache and other requests: never modify it.
func (a *App) setTenant(c *fiber.Ctx, t *models.Tenant) {
	c.Locals(localTenant, t)
	c.SetUserContext(events.WithTenant(c.UserContext(), t.ID))
}
