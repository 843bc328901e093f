package handlers

import "github.com/gofiber/fiber/v2"

// htmx request and response headers.
const (
	HeaderHXRequest        = "HX-Request"
	HeaderHXBoosted        = "HX-Boosted"
	HeaderHXHistoryRestore = "HX-History-Restore-Request"
	HeaderHXRedirect       = "HX-Redirect"
	HeaderHXRetarget       = "HX-Retarget"
	HeaderHXReswap         = "HX-Reswap"
	HeaderHXTrigger        = "HX-Trigger"
	HeaderHXPushURL        = "HX-Push-Url"
)

// isHTMX reports whether the request came from htmx.
func isHTMX(c *fiber.Ctx) bool { return c.Get(HeaderHXRequest) == "true" }

// wantsFragment reports whether the handler should answer with a fragment rather than a full
// page: an htmx request that is neither a boosted navigation nor a history restore (htmx asks
// for the whole page when the user goes back to a pushed URL it has not cached).
func wantsFragment(c *fiber.Ctx) bool {
	return isHTMX(c) && c.Get(HeaderHXBoosted) != "true" && c.Get(HeaderHXHistoryRestore) != "true"
}

// redirect sends the browser to url: 303 for a normal request, HX-Redirect for htmx (which
// would otherwise follow the redirect itself and swap the whole page into a fragment).
func redirect(c *fiber.Ctx, url string) error {
	if isHTMX(c) {
		c.Set(HeaderHXRedirect, url)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}
