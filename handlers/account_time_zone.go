package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/models"
)

// accountTimeZonePost stores the time zone the browser reports (form field time_zone, an IANA
// name), so the next pages render their times in it. static/app.js posts it when it differs
// from the zone the page was rendered in; the answer is 204, or 422 naming what is wrong.
func (a *App) accountTimeZonePost(c *fiber.Ctx) error {
	id := currentUser(c).ID
	_, err := a.store.SetUserTimeZone(ctx(c), id, c.FormValue("time_zone"))
	// The change has no event, so no other process hears of it: this one forgets the user now,
	// the others within the cache's MaxAge (30 s). A browser answered by one of those in the
	// old zone posts again, and then that one forgets the user too (changed or not).
	a.users.Forget(id)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, ve.Fields["time_zone"])
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
