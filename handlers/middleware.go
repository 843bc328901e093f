package handlers

import (
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/logging"
	"github.com/rustok/rustok-admin/internal/paths"
)

// Keys of values kept in fiber.Ctx.Locals.
const (
	localRequestID = "requestid"
	localUnmatched = "unmatched"
	localUser      = "user"
	localPrincipal = "principal"
	localSession   = "session"
	localTenant    = "tenant"
	localRoles     = "roles"
	localCSRF      = "csrf"
)

// HeaderRequestID carries the request id on every response.
const HeaderRequestID = "X-Request-ID"

// validRequestID accepts a caller's request id only when it is short and plain, so a client
// cannot inject text into log lines.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID gives every request an id (the caller's X-Request-ID if sane), sets it on the
// response and puts it in the request context, where the logger picks it up.
func (a *App) requestID() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := strings.Clone(c.Get(HeaderRequestID)) // Fiber strings alias reused buffers
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(HeaderRequestID, id)
		c.Locals(localRequestID, id)
		c.SetUserContext(events.WithCorrelation(logging.WithRequestID(c.UserContext(), id), id))
		return c.Next()
	}
}

// recoverPanics turns a panic into a 500 error page and logs the stack with the request id.
func (a *App) recoverPanics() fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			a.log.ErrorContext(ctx(c), "panic", "panic", fmt.Sprint(e), "stack", string(debug.Stack()))
		},
	})
}

// observe times the request, records the duration by route pattern and status, and writes the
// access log line. It runs the error handler itself so the final status is known.
func (a *App) observe(c *fiber.Ctx) error {
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := a.handleError(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	switch {
	case c.Locals(localUnmatched) != nil:
		route = "unmatched"
	case route == "/" && c.Path() != "/":
		// A middleware mounted at / (CSRF, session) answered before any route matched.
		route = "middleware"
	}
	elapsed := time.Since(start)
	// Fiber's strings point into fasthttp's reused buffers; a metric label outlives the request.
	a.metrics.observe(strings.Clone(c.Method()), strings.Clone(route), status, elapsed)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	path := c.OriginalURL()
	if prefix := paths.Prefix(paths.SetPassword); strings.HasPrefix(path, prefix) {
		path = prefix + "…" // the link is a secret: it never reaches the logs, whoever answered
	}
	a.log.Log(ctx(c), level, "request", "method", c.Method(), "path", path, "route", route,
		"status", status, "duration_ms", strconv.FormatFloat(float64(elapsed.Microseconds())/1000, 'f', 2, 64),
		"ip", c.IP())
	return nil
}

// contentSecurityPolicy allows only our own scripts and styles: no inline script, no eval.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets CSP, frame, referrer and content-type headers on every response.
func securityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy:        "same-origin",
		XFrameOptions:         "DENY",
		PermissionPolicy:      "camera=(), microphone=(), geolocation=()",
		HSTSMaxAge:            31536000,
	})
}

// varyHTMX marks every response as varying on HX-Request, since a handler may answer an htmx
// request with a fragment and a normal one with the full page.
func varyHTMX(c *fiber.Ctx) error {
	c.Vary(HeaderHXRequest)
	return c.Next()
}
