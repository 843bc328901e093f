package tenancy_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	redisstore "github.com/gofiber/storage/redis/v3"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// countingLoader counts the queries that reach the database.
type countingLoader struct {
	*models.Store
	n atomic.Int64
}

func (l *countingLoader) TenantBySlug(ctx context.Context, slug string) (*models.Tenant, error) {
	l.n.Add(1)
	return l.Store.TenantBySlug(ctx, slug)
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func newCache(t *testing.T, store *models.Store, cfg tenancy.Config) (*tenancy.Cache, *countingLoader, *tenancy.Metrics, *clock) {
	t.Helper()
	loader := &countingLoader{Store: store}
	clk := &clock{now: time.Now()}
	m := tenancy.NewMetrics(prometheus.NewRegistry())
	cfg.Metrics, cfg.Now = m, clk.Now
	return tenancy.New(loader, cfg), loader, m, clk
}

func TestCacheHitsMissesAndExpiry(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Slug("cached").Domain("shop.example.com").Create()
	cache, loader, m, clk := newCache(t, store, tenancy.Config{})
	ctx := context.Background()

	for i := 0; i < 3; i++ {
		got, err := cache.Resolve(ctx, tenancy.BySlug, "Cached")
		if err != nil || got.ID != tn.ID {
			t.Fatalf("resolve: %v %v", got, err)
		}
	}
	if loader.n.Load() != 1 || m.Snapshot()["hits"] != 2 || m.Snapshot()["misses"] != 1 {
		t.Fatalf("loads %d, metrics %v", loader.n.Load(), m.Snapshot())
	}
	if got, err := cache.Resolve(ctx, tenancy.ByHost, "SHOP.example.com:8443"); err != nil || got.ID != tn.ID {
		t.Fatalf("by host with port: %v %v", got, err)
	}
	if got, err := cache.Resolve(ctx, tenancy.ByID, tn.ID.String()); err != nil || got.Slug != "cached" {
		t.Fatalf("by id: %v %v", got, err)
	}

	t.Run("an unknown slug is remembered as unknown for the negative TTL", func(t *testing.T) {
		before := loader.n.Load()
		for i := 0; i < 3; i++ {
			if _, err := cache.Resolve(ctx, tenancy.BySlug, "ghost"); !errors.Is(err, tenancy.ErrNotFound) {
				t.Fatalf("ghost: %v", err)
			}
		}
		if loader.n.Load() != before+1 || m.Snapshot()["negative_hits"] < 2 {
			t.Fatalf("loads %d→%d, metrics %v", before, loader.n.Load(), m.Snapshot())
		}
		clk.Advance(61 * time.Second)
		cache.Resolve(ctx, tenancy.BySlug, "ghost")
		if loader.n.Load() != before+2 {
			t.Fatal("the negative entry outlived its 60 s TTL")
		}
	})

	t.Run("a positive entry is reloaded after five minutes", func(t *testing.T) {
		before := loader.n.Load()
		clk.Advance(5*time.Minute + time.Second)
		cache.Resolve(ctx, tenancy.BySlug, "cached")
		if loader.n.Load() != before+1 {
			t.Fatal("the positive entry outlived its TTL")
		}
	})
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	cache, loader, m, _ := newCache(t, store, tenancy.Config{Size: 10})
	ctx := context.Background()
	var slugs []string
	for i := 0; i < 25; i++ {
		slugs = append(slugs, testkit.Tenant(t, store).Create().Slug)
		cache.Resolve(ctx, tenancy.BySlug, slugs[i])
	}
	if cache.Len() != 10 || m.Snapshot()["evictions"] != 15 {
		t.Fatalf("entries %d, evictions %v; want 10 and 15", cache.Len(), m.Snapshot()["evictions"])
	}

	t.Run("a flood of made-up names does not push real tenants out", func(t *testing.T) {
		last := slugs[len(slugs)-1]
		cache.Resolve(ctx, tenancy.BySlug, last)
		before := loader.n.Load()
		for i := 0; i < 500; i++ {
			cache.Resolve(ctx, tenancy.BySlug, fmt.Sprintf("made-up-%d", i))
		}
		loadsForFlood := loader.n.Load() - before
		cache.Resolve(ctx, tenancy.BySlug, last)
		if loader.n.Load()-before != loadsForFlood {
			t.Fatal("the real tenant was evicted by unknown names")
		}
	})
}

// TestColdKeyStampede sends 10,000 concurrent resolutions of one cold key: one load, and every
// other caller is counted as coalesced.
func TestColdKeyStampede(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	testkit.Tenant(t, store).Slug("stampede").Create()
	for _, slug := range []string{"stampede", "no-such-tenant"} {
		cache, loader, m, _ := newCache(t, store, tenancy.Config{})
		const n = 10000
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				cache.Resolve(context.Background(), tenancy.BySlug, slug)
			}()
		}
		close(start)
		wg.Wait()
		s := m.Snapshot()
		if loader.n.Load() != 1 || s["loads"] != 1 {
			t.Fatalf("%s: %d loads for %d concurrent requests, want 1", slug, loader.n.Load(), n)
		}
		if s["hits"]+s["negative_hits"]+s["coalesced_requests"] != n-1 {
			t.Fatalf("%s: hits %v + negative hits %v + coalesced %v != %d", slug, s["hits"], s["negative_hits"], s["coalesced_requests"], n-1)
		}
	}
}

func TestSharedLayer(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	client, err := backend.OpenRedis(context.Background(), testkit.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	shared := backend.Prefixed(redisstore.NewFromConnection(client), "test-"+uuid.NewString()+":")

	a, loadsA, _, _ := newCache(t, store, tenancy.Config{Shared: shared})
	b, loadsB, _, _ := newCache(t, store, tenancy.Config{Shared: shared})
	if _, err := a.Resolve(context.Background(), tenancy.BySlug, tn.Slug); err != nil {
		t.Fatal(err)
	}
	got, err := b.Resolve(context.Background(), tenancy.BySlug, tn.Slug)
	if err != nil || got.ID != tn.ID || loadsA.n.Load() != 1 || loadsB.n.Load() != 0 {
		t.Fatalf("second process: %v %v; loads A %d B %d (want 1, 0: B reads Redis)", got, err, loadsA.n.Load(), loadsB.n.Load())
	}
	raw, _ := shared.Get("tenant:v1:slug:" + tn.Slug)
	if len(raw) == 0 {
		t.Fatal("no tenant:v1:slug key in Redis")
	}
	a.Invalidate(context.Background(), tn.ID)
	if raw, _ := shared.Get("tenant:v1:slug:" + tn.Slug); len(raw) != 0 {
		t.Fatal("invalidation left the Redis key")
	}
}

// TestRedisDown: with Redis gone, resolution carries on from memory and the database, counts
// the failure, and does not wait on Redis for every request.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if testkit.InCI() {
			t.Fatal("CI=true and redis-server is not installed")
		}
		t.Skip("SKIPPED: redis-server not installed")
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command("redis-server", "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	var c redis.UniversalClient
	testkit.Eventually(t, 2*time.Second, "private redis-server answers", func() bool {
		var err error
		c, err = backend.OpenRedis(context.Background(), url)
		return err == nil
	})
	t.Cleanup(func() { c.Close() })
	cache, loader, m, _ := newCache(t, testkit.NewDB(t), tenancy.Config{Shared: redisstore.NewFromConnection(c)})
	store := loader.Store
	tn := testkit.Tenant(t, store).Create()
	srv.Process.Kill()
	srv.Wait()
	start := time.Now()
	for j := 0; j < 20; j++ {
		if got, err := cache.Resolve(context.Background(), tenancy.BySlug, tn.Slug); err != nil || got.ID != tn.ID {
			t.Fatalf("with Redis down: %v %v", got, err)
		}
	}
	if m.Snapshot()["redis_errors"] < 1 {
		t.Fatal("the Redis failure was not counted")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("20 resolutions took %v with Redis down", time.Since(start))
	}
}

// TestDatabaseDown: a cached tenant keeps resolving for the stale period while the database is
// unreachable, then resolution fails.
func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	cache, _, m, clk := newCache(t, store, tenancy.Config{})
	ctx := context.Background()
	if _, err := cache.Resolve(ctx, tenancy.BySlug, tn.Slug); err != nil {
		t.Fatal(err)
	}
	store.Close() // the database is gone
	clk.Advance(6 * time.Minute)
	got, err := cache.Resolve(ctx, tenancy.BySlug, tn.Slug)
	if err != nil || got.ID != tn.ID || m.Snapshot()["stale_served"] != 1 {
		t.Fatalf("within the stale period: %v %v %v", got, err, m.Snapshot())
	}
	clk.Advance(10 * time.Minute)
	if _, err := cache.Resolve(ctx, tenancy.BySlug, tn.Slug); err == nil {
		t.Fatal("a tenant was served past the stale period with the database down")
	}
}

// BenchmarkHit measures a cache hit in process: goal < 300 ns and 0 allocations.
func BenchmarkHit(b *testing.B) {
	store := testkit.NewSQLiteDB(b)
	testkit.Tenant(b, store).Slug("bench").Create()
	cache := tenancy.New(store, tenancy.Config{Metrics: tenancy.NewMetrics(prometheus.NewRegistry())})
	cache.Resolve(context.Background(), tenancy.BySlug, "bench")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cache.Resolve(ctx, tenancy.BySlug, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
