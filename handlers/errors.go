package handlers

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	errorviews "github.com/rustok/rustok-admin/views/errors"
)

// handleError is the one error handler: it maps an error to a status, logs 5xx as errors,
// and renders an error page — or, for an htmx request, a toast fragment.
func (a *App) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	var fe *fiber.Error
	var pe *permissionError
	switch {
	case errors.As(err, &pe):
		status = fiber.StatusForbidden
	case errors.As(err, &fe):
		status = fe.Code
	case errors.Is(err, models.ErrNotFound):
		status = fiber.StatusNotFound
	case errors.Is(err, models.ErrConflict):
		status = fiber.StatusConflict
	case errors.Is(err, models.ErrInvalid):
		status = fiber.StatusUnprocessableEntity
	case errors.Is(err, models.ErrBusy):
		status = fiber.StatusServiceUnavailable
		c.Set(fiber.HeaderRetryAfter, "1")
	}
	if status >= 500 {
		a.log.ErrorContext(ctx(c), "request failed", "err", err.Error(), "path", c.Path())
	}
	problem := problemFor(status, err, fe)
	if pe != nil {
		problem.Message, problem.Detail = pe.Sentence(), pe.perm.String()
	}
	if isHTMX(c) {
		// htmx does not swap 4xx/5xx bodies by default; retarget the toast area and swap it.
		c.Set(HeaderHXRetarget, "#toasts")
		c.Set(HeaderHXReswap, "outerHTML")
		return render(c, status, components.Toast("error", problem.Message))
	}
	return render(c, status, errorviews.Page(a.shellFor(c, problem.Title), problem))
}

// problemFor picks the words an error page shows. Messages of fiber errors raised by our own
// handlers are meant for people; anything else is hidden behind a generic sentence.
func problemFor(status int, err error, fe *fiber.Error) errorviews.Problem {
	p := errorviews.Problem{Status: status, Title: http.StatusText(status)}
	switch status {
	case fiber.StatusNotFound:
		p.Title, p.Message = "Page not found", "There is nothing at this address. It may have moved, or you may not have access to it."
	case fiber.StatusForbidden:
		p.Title, p.Message = "Not allowed", "You do not have permission to do this."
	case fiber.StatusTooManyRequests:
		p.Title, p.Message = "Too many requests", "Slow down and try again in a few minutes."
	case fiber.StatusServiceUnavailable:
		p.Title, p.Message = "Busy", "The database is busy with another change, so nothing was saved. Please try again in a moment."
	case fiber.StatusInternalServerError:
		p.Title, p.Message = "Something went wrong", "The error has been logged. If it keeps happening, send the request id below to your administrator."
	default:
		p.Message = "The request could not be completed."
	}
	if fe != nil && fe.Message != "" && fe.Message != http.StatusText(status) && status < 500 {
		p.Message = fe.Message
	}
	return p
}
