package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// countingStore is the real store with a count of the slug queries that reach the database.
type countingStore struct {
	*models.Store
	n atomic.Int64
}

func (s *countingStore) TenantBySlug(ctx context.Context, slug string) (*models.Tenant, error) {
	s.n.Add(1)
	return s.Store.TenantBySlug(ctx, slug)
}

// BenchmarkColdKey10k: per iteration, a fresh cache (process memory only) over the real database
// and 10,000 goroutines released together to resolve one cold slug. Goal: exactly 1 load per
// iteration; the benchmark fails otherwise. ns/op is the wall time from the release to the last
// answer (spawning the goroutines is not timed). Run with TEST_DB=postgres.
func BenchmarkColdKey10k(b *testing.B) {
	const n = 10000
	store := testkit.NewDB(b)
	want := testkit.Tenant(b, store).Slug("cold-bench").Create()
	var loads, coalesced, hits float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		loader := &countingStore{Store: store}
		m := tenancy.NewMetrics(prometheus.NewRegistry())
		cache := tenancy.New(loader, tenancy.Config{Metrics: m})
		var wg sync.WaitGroup
		var wrong atomic.Int64
		start := make(chan struct{})
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				t, err := cache.Resolve(context.Background(), tenancy.BySlug, "cold-bench")
				if err != nil || t.ID != want.ID {
					wrong.Add(1)
				}
			}()
		}
		time.Sleep(10 * time.Millisecond) // let every goroutine park on start
		b.StartTimer()
		close(start)
		wg.Wait()
		b.StopTimer()
		if w := wrong.Load(); w != 0 {
			b.Fatalf("iteration %d: %d of %d resolutions failed or returned another tenant", i, w, n)
		}
		if got := loader.n.Load(); got != 1 {
			b.Fatalf("iteration %d: %d database loads for %d concurrent resolutions of one cold key, want 1", i, got, n)
		}
		s := m.Snapshot()
		loads += s["loads"]
		coalesced += s["coalesced_requests"]
		hits += s["hits"]
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(loads/float64(b.N), "loads/op")
	b.ReportMetric(coalesced/float64(b.N), "coalesced/op")
	b.ReportMetric(hits/float64(b.N), "hits/op")
}
