package testkit

import (
	"context"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/migrations"
)

// Cluster is several serving processes over one database, one Redis and one NATS server, wired
// exactly as `rustok serve` wires itself (backend.Open, handlers.NewDeps, backend.StartRelay):
// each has its own connections, caches, policy engine and outbox relay. Each process reaches
// NATS through its own Proxy, so a test can cut one off and let it back.
type Cluster struct {
	DatabaseURL string
	Processes   []*Process
}

// Process is one process of a Cluster.
type Process struct {
	*TestApp
	Backends *backend.Backends
	Caches   *backend.Caches
	Relay    *backend.RunningRelay
	NATS     *Proxy     // this process's way to NATS
	Fresh    *SkewClock // the freshness watcher's clock: Advance ages cached entries

	stopRelay func()
}

// StopRelay stops this process's relay (the rest keeps serving), so that what it hears of other
// processes' changes can only come over NATS.
func (n *Process) StopRelay() { n.stopRelay() }

// NewCluster starts n processes on a fresh database of the test's dialect (a PostgreSQL
// database, or a SQLite file shared by the processes), the real Redis and the real NATS. It
// skips (fails under CI) when a service is missing.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	dbURL := filepath.Join(t.TempDir(), "cluster.db")
	if Dialect() == migrations.Postgres {
		dbURL = PostgresURL(t)
	}
	natsURL, err := url.Parse(NATSURL(t))
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	redisURL := RedisURL(t)
	prefix := "test-" + randomName() + ":" // the processes share keys with each other, not with other tests
	c := &Cluster{DatabaseURL: dbURL}
	for i := 0; i < n; i++ {
		c.Processes = append(c.Processes, c.start(t, natsURL.Host, redisURL, prefix, i == 0))
	}
	return c
}

func (c *Cluster) start(t testing.TB, natsHost, redisURL, prefix string, first bool) *Process {
	t.Helper()
	proxy := NewProxy(t, natsHost)
	cfg := config.Default()
	cfg.DatabaseURL, cfg.RedisURL, cfg.NATSURL = c.DatabaseURL, redisURL, "nats://"+proxy.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := backend.Open(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("testkit: cluster: %v", err)
	}
	t.Cleanup(b.Close)
	t.Cleanup(cancel)
	if first {
		if _, err := b.Store.Migrate(ctx); err != nil {
			t.Fatalf("testkit: cluster: migrate: %v", err)
		}
	}
	b.Storage = backend.Prefixed(b.Storage, prefix)
	reg := handlers.NewRegistry()
	fresh := &SkewClock{}
	deps, caches, err := handlers.NewDeps(cfg, b, reg, quietLogger(), fresh.Now)
	if err != nil {
		t.Fatalf("testkit: cluster: %v", err)
	}
	stop, err := caches.Start(ctx)
	if err != nil {
		t.Fatalf("testkit: cluster: %v", err)
	}
	relayCtx, stopRelay := context.WithCancel(ctx)
	relay, err := backend.StartRelay(relayCtx, b, reg, quietLogger())
	if err != nil {
		t.Fatalf("testkit: cluster: %v", err)
	}
	// Stop in reverse: the relay (cancel), then the watcher, before the connections close.
	t.Cleanup(stop)
	t.Cleanup(func() { cancel(); relay.Wait() })
	t.Cleanup(stopRelay)
	app := NewApp(t, WithStore(b.Store), WithStorage(b.Storage), func(_ testing.TB, d *handlers.Deps) {
		d.Registry, d.Bus, d.Tenants, d.Authz, d.Users, d.Summary, d.Checks = deps.Registry, deps.Bus, deps.Tenants, deps.Authz, deps.Users, deps.Summary, deps.Checks
	})
	return &Process{TestApp: app, Backends: b, Caches: caches, Relay: relay, NATS: proxy, Fresh: fresh,
		stopRelay: func() { stopRelay(); relay.Wait() }}
}

// CutNATS cuts the node off from NATS and waits until it knows (its watcher says the link is
// down), so what the test does next happens during the outage.
func (n *Process) CutNATS(t testing.TB) {
	t.Helper()
	n.NATS.Cut()
	Eventually(t, 5*time.Second, "the node notices its NATS link is down", func() bool { return !n.Caches.Watcher.LinkUp() })
}

// RestoreNATS lets the node reach NATS again and waits until it has reconnected and reset its
// caches; it returns the moment the link was back.
func (n *Process) RestoreNATS(t testing.TB) time.Time {
	t.Helper()
	n.NATS.Restore()
	Eventually(t, 10*time.Second, "the node reconnects to NATS", func() bool { return n.Caches.Watcher.LinkUp() })
	return time.Now()
}

// SkewClock is real time plus an offset that only grows; unlike Clock it keeps moving, so
// entries loaded after a reset are newer than the reset.
type SkewClock struct{ offset atomic.Int64 }

// Now returns the real time plus the offset.
func (c *SkewClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d.
func (c *SkewClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Eventually polls cond every 5 ms until it holds, failing the test with what after within.
// It waits on an observable state; it never stands in for one.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
