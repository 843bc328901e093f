// Package handlers is the HTTP side of RusToK Admin: the Fiber app, its middleware, and one
// file per resource. routes.go lists every route with the access it requires.
package handlers

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/markdown"
	"github.com/rustok/rustok-admin/internal/principal"
	"github.com/rustok/rustok-admin/internal/summary"
	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/internal/websession"
	"github.com/rustok/rustok-admin/models"
)

// LoginLimits bounds failed sign-ins within a window, per client IP and per email address.
type LoginLimits struct {
	PerIP    int
	PerEmail int
	Window   time.Duration
}

// DefaultLoginLimits allows 20 failures per IP and 5 per email in 15 minutes.
var DefaultLoginLimits = LoginLimits{PerIP: 20, PerEmail: 5, Window: 15 * time.Minute}

// PreviewLimits bounds the Markdown previews one user may ask for within a window.
type PreviewLimits struct {
	PerUser int
	Window  time.Duration
}

// DefaultPreviewLimits allows 60 previews per user a minute. The editor asks for one half a
// second after typing stops, so a fast typist pausing often stays under it; a preview renders up
// to 200,000 bytes (at most about 50 ms) and needs only nodes:read, so one user costs at most
// about 5 % of a core.
var DefaultPreviewLimits = PreviewLimits{PerUser: 60, Window: time.Minute}

// Deps is everything the HTTP layer needs; main and the test kit fill it in.
type Deps struct {
	Config   config.Config
	Store    *models.Store
	Storage  fiber.Storage // shared storage (Redis) for sessions and rate limits; nil = memory
	Checks   []backend.Check
	Logger   *slog.Logger
	Registry *prometheus.Registry // nil = a fresh registry with Go and process collectors
	Limits   LoginLimits          // zero = DefaultLoginLimits
	Previews PreviewLimits        // zero = DefaultPreviewLimits
	Bus      *events.Bus          // in-process event subscribers (nil in tests that need none)
	Tenants  *tenancy.Cache       // required: from backend.NewCaches (NewDeps), which keeps it fresh
	Authz    *authz.Engine        // required: from backend.NewCaches (NewDeps), which keeps it fresh
	Users    *principal.Cache     // required: from backend.NewCaches (NewDeps), which keeps it fresh
	Summary  *summary.Cache       // required: from backend.NewCaches (NewDeps), which keeps it fresh
	Jobs     *jobs.Runner         // required: enqueues background jobs (serve also starts it, to work them)
	Now      func() time.Time     // nil = time.Now; tests move the clock to expire sessions
	// Mount adds routes inside the full middleware chain, after the route table. Tests use it
	// for routes that misbehave on purpose (a panic, a slow request); production leaves it nil.
	Mount func(r fiber.Router)
}

// App is the application: dependencies shared by every handler.
type App struct {
	cfg       config.Config
	store     *models.Store
	sessions  *websession.Store
	storage   fiber.Storage
	checks    []backend.Check
	log       *slog.Logger
	registry  *prometheus.Registry
	metrics   *httpMetrics
	limits    LoginLimits
	preview   PreviewLimits
	rendered  *markdown.Cache // bodies rendered lately; the editor shows one on every GET
	now       func() time.Time
	mount     func(r fiber.Router)
	tenants   *tenancy.Cache
	authz     *authz.Engine
	users     *principal.Cache
	summaries *summary.Cache
	jobs      *jobs.Runner

	routesOnce sync.Once
	routes     map[string]Route
}

// New builds the Fiber app with all middleware and routes.
func New(d Deps) *fiber.App {
	a := newApp(d)
	app := fiber.New(fiber.Config{
		AppName:               "rustok",
		ErrorHandler:          a.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		BodyLimit:             bodyLimit,
		// Bodies past BodyLimit are streamed instead of refused, so the import's upload can be
		// read as it arrives; screenInput holds every other request to bodyLimit (form.go).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// X-Forwarded-For and X-Forwarded-Host count only from TRUSTED_PROXIES; the check is
		// always on, because with it off Fiber would believe any client.
		EnableTrustedProxyCheck: true,
		EnableIPValidation:      true, // c.IP() takes only a well-formed address from X-Forwarded-For
		TrustedProxies:          d.Config.TrustedProxies,
		ProxyHeader:             proxyHeader(d.Config.TrustedProxies),
	})
	// c.FormValue reads the form screenInput parsed, in either encoding (form.go).
	app.Server().FormValueFunc = formValue
	a.registerRoutes(app)
	return app
}

// Table returns every declared route, operational ones first: the audit tests and the docs
// walk it.
func Table(d Deps) []Route {
	d.Registry = nil // a throwaway registry: the app's own already holds these metrics
	a := newApp(d)
	return append(a.OperationalRoutes(), a.Routes()...)
}

func newApp(d Deps) *App {
	a := &App{cfg: d.Config, store: d.Store, storage: d.Storage, checks: d.Checks, log: d.Logger,
		registry: d.Registry, limits: d.Limits, preview: d.Previews, now: d.Now, mount: d.Mount}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.storage == nil {
		// One memory store for every rate limit of the process: without it each limiter would
		// count apart, and a user's budget of wrong passwords would be one per form.
		a.storage = websession.Memory()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.limits == (LoginLimits{}) {
		a.limits = DefaultLoginLimits
	}
	if a.preview == (PreviewLimits{}) {
		a.preview = DefaultPreviewLimits
	}
	if a.registry == nil {
		a.registry = NewRegistry()
	}
	a.rendered = markdown.NewCache(markdown.DefaultCacheBytes, a.registry)
	a.metrics = newHTTPMetrics(a.registry)
	a.sessions = newSessionStore(d.Config, backend.Prefixed(d.Storage, "sess:"))
	// A cache built here would hear no invalidation: it would serve stale tenants and
	// policies for ever. Only NewCaches builds them, with the watcher that keeps them fresh.
	if d.Tenants == nil || d.Authz == nil || d.Users == nil || d.Summary == nil {
		panic("handlers: Deps.Tenants, Deps.Authz, Deps.Users and Deps.Summary are required; build Deps with handlers.NewDeps")
	}
	a.tenants, a.authz, a.users, a.summaries, a.jobs = d.Tenants, d.Authz, d.Users, d.Summary, d.Jobs
	return a
}

// NewDeps builds the Deps of a process serving over b: its store, shared storage, readiness
// checks and event bus, and the tenant cache and policy engine that backend.NewCaches builds
// with their invalidation. Start the returned caches before serving (their Start returns the
// stop). serve and the test kit both build their Deps here. A nil reg gets NewRegistry; now may
// be nil (time.Now) and is the caches' clock.
func NewDeps(cfg config.Config, b *backend.Backends, reg *prometheus.Registry, log *slog.Logger, now func() time.Time) (Deps, *backend.Caches, error) {
	if reg == nil {
		reg = NewRegistry()
	}
	if log == nil {
		log = slog.Default()
	}
	caches, err := backend.NewCaches(cfg, b, reg, log, now)
	if err != nil {
		return Deps{}, nil, err
	}
	return Deps{Config: cfg, Store: b.Store, Storage: b.Storage, Checks: b.Checks(), Logger: log, Registry: reg,
		Bus: b.Bus, Tenants: caches.Tenants, Authz: caches.Policies, Users: caches.Principals, Summary: caches.Summaries}, caches, nil
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// ctx returns the request's context (it carries the request id for log lines).
func ctx(c *fiber.Ctx) context.Context { return c.UserContext() }
