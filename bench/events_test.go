// Package bench holds benchmarks that need the real services; `make bench` runs them (see
// docs/BENCHMARKS.md). `go test ./...` compiles them but runs none.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// write is one domain change: a role row, optionally with its event, in one transaction.
func write(b *testing.B, store *models.Store, withEvent bool, user uuid.UUID, i int) {
	err := store.WithTx(context.Background(), func(ctx context.Context) error {
		r := models.CasbinRule{Ptype: "g", V0: user.String(), V1: fmt.Sprintf("role-%d", i), V2: "bench"}
		if err := store.Conn(ctx).Create(&r).Error; err != nil {
			return err
		}
		if !withEvent {
			return nil
		}
		return store.Append(ctx, &events.UserRoleAssigned{UserRef: events.UserRef{UserID: user}, Role: r.V1, Tenant: "bench"})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOutboxCost compares the same write with and without its outbox event.
func BenchmarkOutboxCost(b *testing.B) {
	for _, withEvent := range []bool{false, true} {
		name := "write_only"
		if withEvent {
			name = "write_and_event"
		}
		b.Run(name, func(b *testing.B) {
			store := testkit.NewDB(b)
			user := uuid.New()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				write(b, store, withEvent, user, i)
			}
		})
	}
}

// BenchmarkRelayToJetStream measures relay throughput: b.N pending events over 10,000
// aggregates, drained by two relays (as two processes would run) publishing to the in-process
// bus and NATS JetStream.
func BenchmarkRelayToJetStream(b *testing.B) {
	store := testkit.NewDB(b)
	transports := transportsFor(b)
	ctx := events.WithTenant(context.Background(), uuid.New())
	aggs := make([]uuid.UUID, 10000)
	for i := range aggs {
		aggs[i] = uuid.New()
	}
	for done := 0; done < b.N; {
		n := min(500, b.N-done)
		err := store.WithTx(ctx, func(ctx context.Context) error {
			evs := make([]events.Event, n)
			for i := range evs {
				evs[i] = &events.UserUpdated{UserRef: events.UserRef{UserID: aggs[(done+i)%len(aggs)]}, Changes: events.Changes{"n": {Old: 0, New: done + i}}}
			}
			return store.Append(ctx, evs...)
		})
		if err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.ResetTimer()
	start := time.Now()
	var delivered atomic.Int64
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		relay := events.NewRelay(store.DB(), string(store.Dialect()), transports, events.RelayConfig{BatchSize: 1000, Logger: quiet})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; delivered.Load() < int64(b.N) && idle < 100; {
				n, err := relay.RunOnce(context.Background())
				if err != nil {
					b.Error(err)
					return
				}
				if n == 0 {
					idle++
					time.Sleep(time.Millisecond)
				}
				delivered.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	if delivered.Load() != int64(b.N) {
		b.Fatalf("delivered %d of %d", delivered.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkDispatchLatency writes 1,000 events/s for 5 s while a relay runs (woken by the
// in-process nudge) and reports the commit → dispatch latency percentiles. Run with -benchtime=1x.
func BenchmarkDispatchLatency(b *testing.B) {
	store := testkit.NewDB(b)
	relay := events.NewRelay(store.DB(), string(store.Dialect()), transportsFor(b), events.RelayConfig{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go relay.Run(ctx)
	const rate, seconds = 1000, 5
	tick := time.NewTicker(time.Second / 100) // 100 commits of 10 events per second
	defer tick.Stop()
	var written atomic.Int64
	wctx := events.WithTenant(context.Background(), uuid.New())
	for i := 0; i < 100*seconds; i++ {
		<-tick.C
		err := store.WithTx(wctx, func(ctx context.Context) error {
			evs := make([]events.Event, rate/100)
			for j := range evs {
				evs[j] = &events.UserUpdated{UserRef: events.UserRef{UserID: uuid.New()}, Changes: events.Changes{"n": {Old: 0, New: j}}}
			}
			return store.Append(ctx, evs...)
		})
		if err != nil {
			b.Fatal(err)
		}
		written.Add(rate / 100)
	}
	deadline := time.Now().Add(10 * time.Second)
	var rows []events.Row
	for time.Now().Before(deadline) {
		store.DB().Where("status = ?", events.StatusDispatched).Find(&rows)
		if int64(len(rows)) == written.Load() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if int64(len(rows)) != written.Load() {
		b.Fatalf("dispatched %d of %d", len(rows), written.Load())
	}
	lat := make([]float64, len(rows))
	for i, r := range rows {
		lat[i] = float64(r.DispatchedAt.Sub(r.OccurredAt).Microseconds()) / 1000
	}
	sort.Float64s(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
}

func transportsFor(b *testing.B) []events.Transport {
	nc, err := nats.Connect(testkit.NATSURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := events.NewJetStream(context.Background(), nc)
	if err != nil {
		b.Fatal(err)
	}
	return []events.Transport{events.NewBus(), js}
}
