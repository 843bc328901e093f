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
	_, err := a.store.SetUserTimeZone(ctx(c), currentUser(c).ID, c.FormValue("time_zone"))
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, ve.Fields["time_zone"])
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
