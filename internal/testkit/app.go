package testkit

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	redisstore "github.com/gofiber/storage/redis/v3"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/models"
)

// TestApp is the real application wired to a test database.
type TestApp struct {
	Fiber *fiber.App
	Store *models.Store
	Deps  handlers.Deps
	Clock *Clock
}

// Option changes how NewApp wires the application.
type Option func(t testing.TB, d *handlers.Deps)

// WithRedis backs sessions and rate limits with the real Redis (skips when it is down). Keys
// get a random namespace, so tests sharing the server never see each other's counters.
func WithRedis() Option {
	return func(t testing.TB, d *handlers.Deps) {
		d.Storage = redisStorage(t, d)
	}
}

// RedisStorage is a namespace of the real Redis as the app's shared storage (skips when Redis
// is down): pass it to WithStorage to share it between apps, or wrap it (CountCommands).
func RedisStorage(t testing.TB) fiber.Storage { return redisStorage(t, nil) }

func redisStorage(t testing.TB, d *handlers.Deps) fiber.Storage {
	client, err := backend.OpenRedis(context.Background(), RedisURL(t))
	if err != nil {
		skipOrFail(t, "%v", err)
	}
	t.Cleanup(func() { client.Close() })
	if d != nil {
		d.Checks = append(d.Checks, backend.Check{Name: "redis", Ping: func(ctx context.Context) error { return client.Ping(ctx).Err() }})
	}
	return backend.Prefixed(redisstore.NewFromConnection(client), "test-"+randomName()+":")
}

// WithStorage shares a storage with another app, as two processes share one Redis.
func WithStorage(s fiber.Storage) Option {
	return func(_ testing.TB, d *handlers.Deps) { d.Storage = s }
}

// WithStore uses the given store instead of a fresh one.
func WithStore(s *models.Store) Option {
	return func(_ testing.TB, d *handlers.Deps) { d.Store = s }
}

// WithLimits sets the sign-in rate limits.
func WithLimits(l handlers.LoginLimits) Option {
	return func(_ testing.TB, d *handlers.Deps) { d.Limits = l }
}

// WithPreviewLimits sets the Markdown preview rate limit.
func WithPreviewLimits(l handlers.PreviewLimits) Option {
	return func(_ testing.TB, d *handlers.Deps) { d.Previews = l }
}

// WithChecks replaces the readiness checks.
func WithChecks(cs ...backend.Check) Option {
	return func(_ testing.TB, d *handlers.Deps) { d.Checks = cs }
}

// WithConfig edits the configuration.
func WithConfig(edit func(*config.Config)) Option {
	return func(_ testing.TB, d *handlers.Deps) { edit(&d.Config) }
}

// NewApp builds the application on a fresh test database (see NewDB) with in-memory sessions,
// a controllable clock and a quiet logger, unless options say otherwise.
func NewApp(t testing.TB, opts ...Option) *TestApp {
	t.Helper()
	clock := &Clock{now: time.Now()}
	cfg := config.Default()
	// In-process requests (Fiber's app.Test) come from 0.0.0.0; let them read /metrics as
	// loopback may in production.
	cfg.MetricsAllow = append(cfg.MetricsAllow, "0.0.0.0")
	d := handlers.Deps{Config: cfg, Logger: quietLogger(), Now: clock.Now}
	for _, o := range opts {
		o(t, &d)
	}
	if d.Store == nil {
		d.Store = NewDB(t)
	}
	store := d.Store
	d.Checks = append([]backend.Check{{Name: "database", Ping: store.Ping}}, d.Checks...)
	// Like serve (handlers.NewDeps): the tenant cache and the policies follow this process's
	// commits at once. A Cluster process brings its own, built the same way over real backends.
	if d.Tenants == nil || d.Authz == nil || d.Users == nil || d.Summary == nil {
		b := &backend.Backends{Store: store, Storage: d.Storage, Bus: d.Bus}
		built, caches, err := handlers.NewDeps(d.Config, b, d.Registry, d.Logger, nil)
		if err != nil {
			t.Fatalf("testkit: %v", err)
		}
		stop, err := caches.Start(context.Background())
		if err != nil {
			t.Fatalf("testkit: %v", err)
		}
		t.Cleanup(stop)
		d.Registry, d.Tenants, d.Authz, d.Users, d.Summary = built.Registry, built.Tenants, built.Authz, built.Users, built.Summary
	}
	if d.Jobs == nil {
		// Enqueues only; StartJobs makes it work them too.
		// Exports are stored 100 bytes at a time, so every test file has several chunks.
		r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, ExportChunk: 100,
			Logger: quietLogger(), Allowed: jobs.AllowedBy(d.Authz)})
		if err != nil {
			t.Fatalf("testkit: %v", err)
		}
		d.Jobs = r
	}
	app := handlers.New(d)
	return &TestApp{Fiber: app, Store: store, Deps: d, Clock: clock}
}

// StartJobs makes the app's job runner work jobs (polling every 20 ms) until the test ends.
func (a *TestApp) StartJobs(t testing.TB) {
	t.Helper()
	if err := a.Deps.Jobs.Start(context.Background()); err != nil {
		t.Fatalf("testkit: start jobs: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Deps.Jobs.Stop(ctx)
	})
}

// Serve starts the app on a loopback port for browser and load tests and returns its base URL.
func (a *TestApp) Serve(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testkit: listen: %v", err)
	}
	go func() { _ = a.Fiber.Listener(ln) }()
	t.Cleanup(func() { _ = a.Fiber.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// quietLogger discards log lines; RUSTOK_TEST_LOG=1 sends them to stderr instead.
func quietLogger() *slog.Logger {
	if os.Getenv("RUSTOK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Clock is a test clock: it starts at the real time and moves only when told.
type Clock struct{ now time.Time }

// NewClock returns a test clock standing at at.
func NewClock(at time.Time) *Clock { return &Clock{now: at} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.now = c.now.Add(d) }
