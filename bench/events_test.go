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

// BenchmarkOutboxCostCreateNode measures the outbox on a real write: models.Store.CreateNode (a
// draft post with one English translation and the Markdown body of BenchmarkCreateNode, with its
// slug check) with its two events, node.created and node.translation_updated, and the identical
// write through a store that drops its events (Store.WithoutOutbox: no lock, no sys_events rows).
// Each iteration runs one of each, in alternating order, on the same database, so both see the
// same machine and table sizes; write_only and write_and_events are the mean ns of each, and
// ratio is their quotient (goal ≤ 1.3, issue 12). One client, as the ratio is about latency.
func BenchmarkOutboxCostCreateNode(b *testing.B) {
	store := testkit.NewDB(b)
	bare := store.WithoutOutbox()
	tenant := testkit.Tenant(b, store).Locales("en", "de").Create()
	author := testkit.User(b, store).WithRole(tenant, "manager").Create()
	ctx := events.WithCorrelation(events.WithActor(context.Background(), author.ID), "5f0c2a8e-3d1b-4c55-9a57-0b6f3e2d9c41")
	create := func(s *models.Store, i int, what string) time.Duration {
		start := time.Now()
		_, err := s.CreateNode(ctx, tenant, author.ID, models.NodeInput{Kind: models.NodePost,
			Translations: []models.TranslationInput{{Locale: "en", Title: fmt.Sprintf("Outbox %s %d", what, i), Body: benchNodeBody}}})
		if err != nil {
			b.Fatalf("create node (%s): %v", what, err)
		}
		return time.Since(start)
	}
	for i := 0; i < 20; i++ { // warm both paths: prepared statements, pool
		create(store, -i-1, "warm-events")
		create(bare, -i-1, "warm-bare")
	}
	var withEvents, without time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			withEvents += create(store, i, "events")
			without += create(bare, i, "bare")
		} else {
			without += create(bare, i, "bare")
			withEvents += create(store, i, "events")
		}
	}
	b.StopTimer()
	var n int64
	if err := store.DB().Raw("SELECT count(*) FROM sys_events WHERE aggregate_type = 'node'").Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
	if want := int64(2 * (b.N + 20)); n != want {
		b.Fatalf("sys_events holds %d node events, want %d: the bare store wrote events or the other lost some", n, want)
	}
	b.ReportMetric(float64(without.Nanoseconds())/float64(b.N), "write_only_ns")
	b.ReportMetric(float64(withEvents.Nanoseconds())/float64(b.N), "write_and_events_ns")
	b.ReportMetric(float64(withEvents)/float64(without), "ratio")
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
