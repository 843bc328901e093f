package handlers

import (
	"bytes"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
)

// render writes a templ component with the status. It renders into a buffer first, so a
// template error becomes a clean 500 page instead of half a page.
func render(c *fiber.Ctx, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(ctx(c), &buf); err != nil {
		return err
	}
	c.Status(status)
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

// page renders the full page, or the fragment when htmx asked for one. Every handler that has
// a fragment goes through here, so the choice is made in one place.
func page(c *fiber.Ctx, status int, full, fragment templ.Component) error {
	if fragment != nil && wantsFragment(c) {
		return render(c, status, fragment)
	}
	return render(c, status, full)
}
