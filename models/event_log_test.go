package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestEventLogThroughTheStore(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	acme := testkit.Tenant(t, store).Create()
	globex := testkit.Tenant(t, store).Create()
	// publish appends a node.published of the tenant and returns its row, failed when asked.
	publish := func(t *testing.T, tenant uuid.UUID, node uuid.UUID, failed bool) events.Row {
		t.Helper()
		rec := testkit.Events(t, store)
		err := store.WithTx(events.WithTenant(ctx, tenant), func(ctx context.Context) error {
			return store.Append(ctx, &events.NodePublished{NodeRef: events.NodeRef{NodeID: node}})
		})
		if err != nil {
			t.Fatal(err)
		}
		rows := rec.Rows(t)
		if len(rows) != 1 {
			t.Fatalf("%d rows appended, want 1", len(rows))
		}
		if failed {
			if err := store.DB().Model(&rows[0]).Updates(map[string]any{"status": events.StatusFailed, "attempts": 10}).Error; err != nil {
				t.Fatal(err)
			}
		}
		return rows[0]
	}
	status := func(t *testing.T, id uuid.UUID) string {
		t.Helper()
		var row events.Row
		if err := store.DB().Where("id = ?", id).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		return row.Status
	}
	node := uuid.New()
	ours := publish(t, acme.ID, node, true)
	theirs := publish(t, globex.ID, uuid.New(), true)
	acmeLog, globexLog := events.TenantScope(acme.ID), events.TenantScope(globex.ID)

	t.Run("a tenant's retry never retries another tenant's event", func(t *testing.T) {
		if err := store.RetryEvent(ctx, acmeLog, theirs.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("retrying another tenant's event: %v, want ErrNotFound", err)
		}
		if err := store.RetryEvent(ctx, events.PlatformScope, theirs.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("retrying a tenant's event from the platform log: %v, want ErrNotFound", err)
		}
		if got := status(t, theirs.ID); got != events.StatusFailed {
			t.Fatalf("the other tenant's event is %s after the refused retry, want failed", got)
		}
	})

	t.Run("a failed event of the tenant is queued again, once", func(t *testing.T) {
		if err := store.RetryEvent(ctx, acmeLog, ours.ID); err != nil {
			t.Fatal(err)
		}
		if got := status(t, ours.ID); got != events.StatusPending {
			t.Fatalf("status %s after retry, want pending", got)
		}
		if err := store.RetryEvent(ctx, acmeLog, ours.ID); !errors.Is(err, models.ErrNotFailed) {
			t.Fatalf("retrying a pending event: %v, want ErrNotFailed", err)
		}
	})

	t.Run("an unknown id is not found", func(t *testing.T) {
		if err := store.RetryEvent(ctx, acmeLog, uuid.New()); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("retry: %v", err)
		}
		if _, err := store.Event(ctx, acmeLog, uuid.New()); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("event: %v", err)
		}
	})

	t.Run("an event is visible in its tenant's log only", func(t *testing.T) {
		row, err := store.Event(ctx, globexLog, theirs.ID)
		if err != nil || row.ID != theirs.ID {
			t.Fatalf("event %v, %v", row, err)
		}
		if _, err := store.Event(ctx, acmeLog, theirs.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another tenant's event: %v, want ErrNotFound", err)
		}
	})

	t.Run("an unscoped read is refused", func(t *testing.T) {
		if _, _, err := store.Events(ctx, events.Filter{}); !errors.Is(err, events.ErrUnscoped) {
			t.Fatalf("list without a scope: %v", err)
		}
		if err := store.RetryEvent(ctx, events.Scope{}, ours.ID); !errors.Is(err, events.ErrUnscoped) {
			t.Fatalf("retry without a scope: %v", err)
		}
	})

	t.Run("lists, counts, days and history read the tenant's own events", func(t *testing.T) {
		later := publish(t, acme.ID, node, false)
		rows, next, err := store.Events(ctx, events.Filter{Scope: acmeLog, EventType: "node.published"})
		if err != nil || next != 0 || len(rows) != 2 || rows[0].ID != later.ID || rows[1].ID != ours.ID {
			t.Fatalf("list %v next %d err %v, want the two acme events newest first", types(rows), next, err)
		}
		if n, err := store.CountEvents(ctx, events.Filter{Scope: acmeLog, Status: events.StatusFailed}); err != nil || n != 0 {
			t.Fatalf("failed acme events %d, %v; want 0 after the retry", n, err)
		}
		if n, err := store.CountEvents(ctx, events.Filter{Scope: globexLog, Status: events.StatusFailed}); err != nil || n != 1 {
			t.Fatalf("failed globex events %d, %v; want 1", n, err)
		}
		days, err := store.EventsPerDay(ctx, globexLog, time.Now(), 7)
		if err != nil || len(days) != 7 || days[6].Count < 1 {
			t.Fatalf("per day %v, %v", days, err)
		}
		hist, err := store.AggregateHistory(ctx, acmeLog, "node", node, 1)
		if err != nil || len(hist) != 1 || hist[0].ID != later.ID {
			t.Fatalf("history %v, %v; want the newest event only", types(hist), err)
		}
		if hist, err := store.AggregateHistory(ctx, globexLog, "node", node, 0); err != nil || len(hist) != 0 {
			t.Fatalf("another tenant sees %d events of the node, %v", len(hist), err)
		}
	})
}
