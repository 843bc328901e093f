package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/rustok/rustok-admin/internal/backend"
)

// previewLimiter bounds Markdown previews per signed-in user, counted in the shared storage like
// the sign-in limits, so that every process counts the same. A preview renders up to 200,000
// bytes and needs only nodes:read. Over the limit the answer is 429 with Retry-After (an htmx
// request gets the error toast).
func (a *App) previewLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max: a.preview.PerUser, Expiration: a.preview.Window, Storage: backend.Prefixed(a.storage, "rl:"),
		KeyGenerator: func(c *fiber.Ctx) string {
			if u := currentUser(c); u != nil { // always: the route runs after the access check
				return "preview:user:" + u.ID.String()
			}
			return "preview:ip:" + c.IP()
		},
		LimitReached: func(c *fiber.Ctx) error {
			a.log.WarnContext(ctx(c), "preview rate limit reached", "path", c.Path())
			return fiber.NewError(fiber.StatusTooManyRequests, "Too many previews. Wait a minute and try again.")
		},
	})
}
