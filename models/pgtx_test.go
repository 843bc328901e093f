package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// TestWithTxCommitCarriesTheEvents covers PostgreSQL's WithTx, which sends the transaction's
// events and COMMIT in one round trip (models/pgtx.go): what happens when that last step fails,
// when fn hides a failed statement, or panics — and that no connection is ever left in the pool
// inside a transaction.
func TestWithTxCommitCarriesTheEvents(t *testing.T) {
	t.Parallel()
	if testkit.Dialect() != migrations.Postgres {
		t.Skip("SQLite writes events at Append, through database/sql's Tx")
	}
	ctx := context.Background()
	store := testkit.NewDB(t)
	heard := make(chan []events.Envelope, 10)
	defer store.OnCommit(func(envs []events.Envelope) { heard <- envs })()
	tenants := func(slug string) int64 {
		var n int64
		if err := store.DB().Model(&models.Tenant{}).Where("slug = ?", slug).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The pool must hand out healthy connections afterwards: each subtest ends with a commit.
	healthy := func(t *testing.T) {
		t.Helper()
		slug := "ok-" + uuid.NewString()[:8]
		if _, err := store.CreateTenant(ctx, models.TenantInput{Slug: slug, Name: "OK"}); err != nil {
			t.Fatalf("a transaction after that one: %v", err)
		}
		if tenants(slug) != 1 {
			t.Fatal("the transaction after that one did not commit")
		}
		for len(heard) > 0 {
			<-heard
		}
		sqlDB, _ := store.DB().DB()
		if inUse := sqlDB.Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections still in use", inUse)
		}
	}

	t.Run("events stored with the commit, listeners told with the stored time", func(t *testing.T) {
		before := time.Now().UTC()
		tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "with-events", Name: "With events"})
		if err != nil {
			t.Fatal(err)
		}
		envs := <-heard
		if len(envs) == 0 || envs[0].EventType != "tenant.created" {
			t.Fatalf("listeners heard %v, want tenant.created first", envs)
		}
		var row events.Row
		if err := store.DB().Where("aggregate_id = ? AND event_type = 'tenant.created'", tn.ID).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if !row.OccurredAt.Equal(envs[0].OccurredAt) || envs[0].OccurredAt.Before(before.Add(-time.Second)) {
			t.Fatalf("listener's occurred_at %v, stored %v", envs[0].OccurredAt, row.OccurredAt)
		}
		healthy(t)
	})

	t.Run("a failed event insert at commit rolls back the change", func(t *testing.T) {
		// A trigger refuses one event type, so the pipelined insert fails and the COMMIT after
		// it in the same round trip is skipped by the server.
		for _, q := range []string{
			`CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$
			 BEGIN IF NEW.event_type = 'tenant.deactivated' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER refuse_event BEFORE INSERT ON sys_events FOR EACH ROW EXECUTE FUNCTION refuse_event()`,
		} {
			if err := store.DB().Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		defer store.DB().Exec(`DROP TRIGGER refuse_event ON sys_events`)
		err := store.WithTx(ctx, func(ctx context.Context) error {
			tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "refused", Name: "Refused"})
			if err != nil {
				return err
			}
			return store.Append(ctx, &events.TenantDeactivated{TenantRef: events.TenantRef{TenantID: tn.ID}})
		})
		if err == nil {
			t.Fatal("WithTx succeeded although its events were refused")
		}
		if tenants("refused") != 0 {
			t.Fatal("the tenant was committed without its events")
		}
		select {
		case envs := <-heard:
			t.Fatalf("listeners heard %d events of a rolled-back transaction", len(envs))
		default:
		}
		healthy(t)
	})

	t.Run("a failed statement that fn ignored makes the commit fail", func(t *testing.T) {
		if err := store.DB().Exec("CREATE TABLE probe (v text)").Error; err != nil {
			t.Fatal(err)
		}
		for _, withEvent := range []bool{false, true} {
			err := store.WithTx(ctx, func(ctx context.Context) error {
				if err := store.Conn(ctx).Exec("INSERT INTO probe VALUES ('ignored')").Error; err != nil {
					return err
				}
				_ = store.Conn(ctx).Exec("SELECT * FROM no_such_table").Error // ignored on purpose
				if withEvent {
					_ = store.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: uuid.New()},
						Changes: events.Changes{"name": {Old: "a", New: "b"}}})
				}
				return nil
			})
			if err == nil {
				t.Fatalf("with event %v: WithTx reported a commit of an aborted transaction", withEvent)
			}
			if !withEvent && !errors.Is(err, pgx.ErrTxCommitRollback) {
				t.Fatalf("without events: %v, want pgx.ErrTxCommitRollback", err)
			}
			var n int64
			if err := store.DB().Raw("SELECT count(*) FROM probe").Scan(&n).Error; err != nil || n != 0 {
				t.Fatalf("with event %v: %d rows of the aborted transaction exist (%v)", withEvent, n, err)
			}
		}
		healthy(t)
	})

	t.Run("a panic rolls back and releases the connection", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			_ = store.WithTx(ctx, func(ctx context.Context) error {
				if _, err := store.CreateTenant(ctx, models.TenantInput{Slug: "panicked", Name: "Panicked"}); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if tenants("panicked") != 0 {
			t.Fatal("the tenant of a panicked transaction was committed")
		}
		healthy(t)
	})

	t.Run("a cancelled context rolls back", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		err := store.WithTx(cctx, func(ctx context.Context) error {
			if _, err := store.CreateTenant(ctx, models.TenantInput{Slug: "cancelled", Name: "Cancelled"}); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if err == nil {
			t.Fatal("WithTx committed after its context was cancelled")
		}
		if tenants("cancelled") != 0 {
			t.Fatal("the tenant of a cancelled transaction was committed")
		}
		healthy(t)
	})
}
