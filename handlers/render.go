package handlers

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/views/layouts"
)

// renderBuffers are reused between requests: a list page is about 90 KB, and growing a fresh
// buffer to that size copied it a dozen times (a tenth of the list's server CPU, issue 12).
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 128<<10)) }}

// render writes a templ component with the status. It renders into a buffer first, so a
// template error becomes a clean 500 page instead of half a page.
func render(c *fiber.Ctx, status int, comp templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // an unusually large page is not kept
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := comp.Render(ctx(c), buf); err != nil {
		return err
	}
	c.Status(status)
	c.Type("html", "utf-8")
	c.Response().SetBody(buf.Bytes()) // copies: the buffer goes back to the pool
	return nil
}

// page renders the full page, or the fragment when htmx asked for one. Every handler that has
// a fragment goes through here, so the choice is made in one place.
func page(c *fiber.Ctx, status int, full, fragment templ.Component) error {
	if fragment != nil && wantsFragment(c) {
		return render(c, status, fragment)
	}
	return render(c, status, full)
}

// fragmentInShell serves a fragment route as a page when it is opened directly — a link such as
// "Show the history" followed without JavaScript — so it arrives styled, in the shell, with a
// link back to the page one segment up. htmx requests get the fragment as the handler made it.
func (a *App) fragmentInShell(title, backLabel string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if isHTMX(c) {
			return c.Next()
		}
		if err := c.Next(); err != nil {
			return err
		}
		if c.Response().StatusCode() != fiber.StatusOK {
			return nil
		}
		fragment := slices.Clone(c.Response().Body())
		back := c.Path()[:strings.LastIndexByte(c.Path(), '/')]
		return render(c, fiber.StatusOK, layouts.FragmentPage(a.pageFor(c, title), back, backLabel, templ.Raw(string(fragment))))
	}
}
