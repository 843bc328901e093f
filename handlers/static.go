package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/rustok/rustok-admin/static"
)

// staticHandler serves the embedded assets. URLs carry a content hash (static.Path), so the
// files may be cached for a year.
func staticHandler() fiber.Handler {
	fs := filesystem.New(filesystem.Config{
		Root:       http.FS(static.FS),
		PathPrefix: "",
		MaxAge:     365 * 24 * 3600,
	})
	return func(c *fiber.Ctx) error {
		c.Path(c.Params("*"))
		if err := fs(c); err != nil {
			return err
		}
		if c.Response().StatusCode() == fiber.StatusNotFound {
			c.Locals(localUnmatched, nil)
			return fiber.ErrNotFound
		}
		return nil
	}
}
