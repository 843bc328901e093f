package bench

import (
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// BenchmarkProtectedVsUnprotected measures the tenant's event log (an InTenant route needing
// events:list) through the whole chain — session, CSRF, user, tenant resolution through the
// cache, role lookup, Casbin check — against the same handler mounted behind only the common
// middleware (session, CSRF, user) with the tenant set directly, in one run, on the in-process app.
func BenchmarkProtectedVsUnprotected(b *testing.B) {
	var tenant any // set below, before the first request
	app := testkit.NewApp(b, func(_ testing.TB, d *handlers.Deps) {
		deps := d
		d.Mount = func(r fiber.Router) {
			var list fiber.Handler
			for _, route := range handlers.Table(*deps) {
				if route.Method == fiber.MethodGet && route.Path == "/t/:slug/events" {
					list = route.Handler
				}
			}
			r.Get("/bench/:slug/events", func(c *fiber.Ctx) error {
				// The keys the access middleware fills in for the handler (handlers/middleware.go).
				c.Locals("tenant", tenant)
				c.Locals("roles", []string{"manager"})
				return list(c)
			})
		}
	})
	tn := testkit.Tenant(b, app.Store).Slug("bench").Create()
	tenant = tn
	c, _ := testkit.ClientAs(b, app, tn, "manager")
	for _, tc := range []struct{ name, path string }{{"protected", "/t/bench/events"}, {"unprotected", "/bench/bench/events"}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.Get(tc.path).ExpectStatus(http.StatusOK)
			}
		})
	}
}
