package summary_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
	"github.com/rustok/rustok-admin/internal/summary"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// bus delivers events to the watcher the way a process's own commits do.
type bus struct{ fns []func([]events.Envelope) }

func (b *bus) OnCommit(fn func([]events.Envelope)) func() {
	b.fns = append(b.fns, fn)
	return func() {}
}
func (b *bus) commit(envs ...events.Envelope) {
	for _, fn := range b.fns {
		fn(envs)
	}
}

func TestSummaryCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testkit.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	commits := &bus{}
	w := freshness.New(freshness.Config{Commits: commits, Now: clk.Now})
	c := summary.New(0, summary.MaxAge)
	c.Follow(w)
	stop, err := w.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	acme, globex := uuid.New(), uuid.New()
	var loads atomic.Int64
	load := func(context.Context) (any, error) { return loads.Add(1), nil }
	get := func(tenant uuid.UUID) int64 {
		t.Helper()
		v, err := c.Get(ctx, tenant, "dashboard:"+clk.Now().Format(time.DateOnly), load)
		if err != nil {
			t.Fatal(err)
		}
		return v.(int64)
	}

	first := get(acme)
	if get(acme) != first {
		t.Fatal("a second view within MaxAge and without an event loaded again")
	}
	commits.commit(events.Envelope{EventType: "node.created", TenantID: &globex})
	if get(acme) != first {
		t.Fatal("another tenant's event dropped this tenant's summary")
	}
	commits.commit(events.Envelope{EventType: "node.created", TenantID: &acme})
	second := get(acme)
	if second == first {
		t.Fatal("the tenant's own event did not drop its summary")
	}
	commits.commit(events.Envelope{EventType: "tenant.created"}) // a platform event, not of a user
	if get(acme) != second {
		t.Fatal("a platform event that is not a user's dropped the tenant's summary")
	}
	commits.commit(events.Envelope{EventType: "user.updated", TenantID: &globex}) // a rename shows in every tenant's lists
	if again := get(acme); again == second {
		t.Fatal("a rename from another tenant's page did not drop this tenant's summary")
	} else {
		second = again
	}
	v, err := c.Refresh(ctx, acme, "dashboard:"+clk.Now().Format(time.DateOnly), load)
	if err != nil || v.(int64) == second {
		t.Fatalf("Refresh served the cached value %v (%v)", v, err)
	}
	if get(acme) != v.(int64) {
		t.Fatal("what Refresh loaded was not kept")
	}
	second = v.(int64)
	clk.Advance(summary.MaxAge)
	if third := get(acme); third == second {
		t.Fatal("a summary older than MaxAge was served")
	}
	clk.Advance(24 * time.Hour / 2) // past midnight: a new day is a new name
	before := get(acme)
	clk.Advance(time.Second)
	if get(acme) != before {
		t.Fatal("a fresh summary of the same day was loaded again")
	}
	w.Reset()
	clk.Advance(time.Millisecond)
	if get(acme) == before {
		t.Fatal("a summary loaded before a reset (the NATS link back) was served")
	}
}

// TestSummaryMaxAgeZeroKeepsNothing: SUMMARY_MAX_AGE=0 makes every view load.
func TestSummaryMaxAgeZeroKeepsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := freshness.New(freshness.Config{Commits: &bus{}})
	c := summary.New(0, 0)
	c.Follow(w)
	stop, err := w.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var loads atomic.Int64
	tenant := uuid.New()
	for range 3 {
		if _, err := c.Get(ctx, tenant, "x", func(context.Context) (any, error) { return loads.Add(1), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if loads.Load() != 3 {
		t.Fatalf("%d loads for 3 views, want 3", loads.Load())
	}
}
