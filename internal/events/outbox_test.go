package events_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// outboxRows returns every row of sys_events in commit (seq) order.
func outboxRows(t *testing.T, store *models.Store) []events.Row {
	t.Helper()
	var rows []events.Row
	if err := store.DB().Model(&events.Row{}).Order("seq").Find(&rows).Error; err != nil {
		t.Fatalf("read sys_events: %v", err)
	}
	return rows
}

func countOutbox(t *testing.T, store *models.Store) int64 {
	t.Helper()
	var n int64
	if err := store.DB().Model(&events.Row{}).Count(&n).Error; err != nil {
		t.Fatalf("count sys_events: %v", err)
	}
	return n
}

func decodeRow(t *testing.T, row events.Row) events.Event {
	t.Helper()
	ev, err := row.Envelope().Decode()
	if err != nil {
		t.Fatalf("decode %s row %d: %v (payload %s)", row.EventType, row.Seq, err, row.Payload)
	}
	return ev
}

func TestOutboxTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("an error after Append rolls back the domain rows and the events together", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		boom := errors.New("boom")
		err := store.WithTx(ctx, func(ctx context.Context) error {
			tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "rolled-back", Name: "Gone"})
			if err != nil {
				return err
			}
			if err := store.Append(ctx, &events.TenantDeactivated{TenantRef: events.TenantRef{TenantID: tn.ID}}); err != nil {
				return err
			}
			var inside int64
			if err := store.Conn(ctx).Model(&events.Row{}).Count(&inside).Error; err != nil {
				return err
			}
			// tenant.created, role.created for each of the three system roles, tenant.deactivated;
			// PostgreSQL writes them with the COMMIT (events.Deferred), SQLite at Append.
			want := int64(5)
			if testkit.Dialect() == migrations.Postgres {
				want = 0
			}
			if inside != want {
				t.Errorf("inside the transaction it sees %d events, want %d", inside, want)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx returned %v, want boom", err)
		}
		if n := countOutbox(t, store); n != 0 {
			t.Fatalf("%d rows in sys_events after the rollback, want 0", n)
		}
		var roles int64
		if err := store.DB().Model(&models.Role{}).Count(&roles).Error; err != nil {
			t.Fatal(err)
		}
		if roles != 0 {
			t.Fatalf("%d seeded roles survived the rollback, want 0", roles)
		}
		if _, err := store.TenantBySlug(ctx, "rolled-back"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the tenant survived the rollback: %v", err)
		}
	})

	t.Run("a commit stores one event per change with the envelope taken from the context", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		actor, scope, cause, target := uuid.New(), uuid.New(), uuid.New(), uuid.New()
		rctx := events.WithCorrelation(ctx, "req-1")
		rctx = events.WithActor(rctx, actor)
		rctx = events.WithTenant(rctx, scope)
		rctx = events.WithCausation(rctx, cause)

		before := time.Now().UTC()
		var tn *models.Tenant
		err := store.WithTx(rctx, func(ctx context.Context) error {
			var err error
			if tn, err = store.CreateTenant(ctx, models.TenantInput{Slug: "acme", Name: "Acme"}); err != nil {
				return err
			}
			return store.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: target},
				Changes: events.Changes{"name": {Old: "Ann", New: "Anna"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		after := time.Now().UTC()

		rows := outboxRows(t, store)
		if len(rows) != 5 {
			t.Fatalf("%d events committed, want 5 (tenant.created, three role.created, user.updated)", len(rows))
		}
		wantCreated := &events.TenantCreated{TenantRef: events.TenantRef{TenantID: tn.ID}, Slug: "acme", Name: "Acme",
			DefaultLocale: "en", Locales: []string{"en"}}
		wantUpdated := &events.UserUpdated{UserRef: events.UserRef{UserID: target},
			Changes: events.Changes{"name": {Old: "Ann", New: "Anna"}}}
		type rowCase struct {
			name          string
			row           events.Row
			want          events.Event
			tenant        uuid.UUID
			aggregateType string
			aggregateID   uuid.UUID
		}
		cases := []rowCase{
			{"tenant.created names the new tenant, not the tenant of the context", rows[0], wantCreated, tn.ID, "tenant", tn.ID},
		}
		// CreateTenant seeds the system roles in the same transaction, right after tenant.created.
		for i, name := range models.SystemRoles {
			role, err := store.RoleByName(ctx, tn.ID, name)
			if err != nil {
				t.Fatalf("system role %s: %v", name, err)
			}
			var perms []string
			for _, p := range models.DefaultMatrix[name] {
				perms = append(perms, p.Resource+":"+p.Action)
			}
			cases = append(cases, rowCase{"role.created of " + name + " belongs to the new tenant, not the tenant of the context",
				rows[1+i], &events.RoleCreated{RoleRef: events.RoleRef{RoleID: role.ID}, Name: name, System: true, Permissions: perms},
				tn.ID, "role", role.ID})
		}
		cases = append(cases, rowCase{"user.updated takes its tenant from the context", rows[4], wantUpdated, scope, "user", target})
		ids := map[uuid.UUID]bool{}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.row
				if r.EventType != tc.want.EventType() {
					t.Fatalf("event_type %q, want %q", r.EventType, tc.want.EventType())
				}
				if v, _ := events.CurrentVersion(r.EventType); r.SchemaVersion != v || v == 0 {
					t.Errorf("schema_version %d, want the catalog's %d", r.SchemaVersion, v)
				}
				if r.TenantID == nil || *r.TenantID != tc.tenant {
					t.Errorf("tenant_id %v, want %s", r.TenantID, tc.tenant)
				}
				if r.AggregateType != tc.aggregateType || r.AggregateID != tc.aggregateID {
					t.Errorf("aggregate %s/%s, want %s/%s", r.AggregateType, r.AggregateID, tc.aggregateType, tc.aggregateID)
				}
				if r.CorrelationID != "req-1" {
					t.Errorf("correlation_id %q, want req-1", r.CorrelationID)
				}
				if r.ActorID == nil || *r.ActorID != actor {
					t.Errorf("actor_id %v, want %s", r.ActorID, actor)
				}
				if r.CausationID == nil || *r.CausationID != cause {
					t.Errorf("causation_id %v, want %s", r.CausationID, cause)
				}
				if r.Status != events.StatusPending || r.Attempts != 0 || r.LastError != "" {
					t.Errorf("status %q attempts %d last_error %q, want pending, 0, empty", r.Status, r.Attempts, r.LastError)
				}
				if r.ClaimedBy != nil || r.ClaimedAt != nil || r.DispatchedAt != nil {
					t.Errorf("a new event is already claimed or dispatched: %v %v %v", r.ClaimedBy, r.ClaimedAt, r.DispatchedAt)
				}
				slack := time.Millisecond // PostgreSQL keeps microseconds
				if r.OccurredAt.Before(before.Add(-slack)) || r.OccurredAt.After(after.Add(slack)) {
					t.Errorf("occurred_at %s is not between %s and %s", r.OccurredAt, before, after)
				}
				if r.NextAttemptAt.IsZero() || r.NextAttemptAt.After(after.Add(slack)) {
					t.Errorf("next_attempt_at %s, want due now", r.NextAttemptAt)
				}
				if r.ID == uuid.Nil || r.ID.Version() != 7 {
					t.Errorf("id %s is not a UUIDv7", r.ID)
				}
				if ids[r.ID] {
					t.Errorf("id %s is used twice", r.ID)
				}
				ids[r.ID] = true
				if got := decodeRow(t, r); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("payload decodes to %#v, want %#v", got, tc.want)
				}
			})
		}
	})

	t.Run("without metadata in the context the optional envelope columns stay empty", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		user := uuid.New()
		err := store.WithTx(ctx, func(ctx context.Context) error {
			return store.Append(ctx, &events.UserDeleted{UserRef: events.UserRef{UserID: user}})
		})
		if err != nil {
			t.Fatal(err)
		}
		rows := outboxRows(t, store)
		if len(rows) != 1 {
			t.Fatalf("%d rows, want 1", len(rows))
		}
		r := rows[0]
		if r.TenantID != nil || r.ActorID != nil || r.CausationID != nil || r.CorrelationID != "" {
			t.Fatalf("tenant %v actor %v causation %v correlation %q, want all empty", r.TenantID, r.ActorID, r.CausationID, r.CorrelationID)
		}
	})

	t.Run("Append outside a transaction is refused and writes nothing", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		err := store.Append(ctx, &events.UserDeleted{UserRef: events.UserRef{UserID: uuid.New()}})
		if err == nil {
			t.Fatal("Append outside WithTx succeeded")
		}
		if n := countOutbox(t, store); n != 0 {
			t.Fatalf("%d rows written, want 0", n)
		}
	})

	t.Run("an invalid event fails Append and none of the batch is written, even if the caller commits", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		err := store.WithTx(ctx, func(ctx context.Context) error {
			err := store.Append(ctx,
				&events.UserDeleted{UserRef: events.UserRef{UserID: uuid.New()}},
				&events.PriceUpdated{VariantRef: events.VariantRef{ProductRef: events.ProductRef{ProductID: uuid.New()}, VariantID: uuid.New()},
					Currency: "EURO", Amount: 100})
			if !errors.Is(err, events.ErrInvalid) {
				t.Errorf("Append with a bad currency returned %v, want ErrInvalid", err)
			}
			return nil // commit anyway
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := countOutbox(t, store); n != 0 {
			t.Fatalf("%d rows written, want 0", n)
		}
	})

	t.Run("an invalid event returned as an error rolls back the domain change", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		err := store.WithTx(ctx, func(ctx context.Context) error {
			tn, err := store.CreateTenant(ctx, models.TenantInput{Slug: "half-done", Name: "Half"})
			if err != nil {
				return err
			}
			return store.Append(ctx, &events.TenantUpdated{TenantRef: events.TenantRef{TenantID: tn.ID}})
		})
		if !errors.Is(err, events.ErrInvalid) {
			t.Fatalf("WithTx returned %v, want ErrInvalid", err)
		}
		if n := countOutbox(t, store); n != 0 {
			t.Fatalf("%d rows written, want 0", n)
		}
		if _, err := store.TenantBySlug(ctx, "half-done"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("the tenant survived: %v", err)
		}
	})

	t.Run("appending no events is a no-op", func(t *testing.T) {
		t.Parallel()
		store := testkit.NewDB(t)
		if err := store.WithTx(ctx, func(ctx context.Context) error { return store.Append(ctx) }); err != nil {
			t.Fatal(err)
		}
		if n := countOutbox(t, store); n != 0 {
			t.Fatalf("%d rows written, want 0", n)
		}
	})
}

// TestOutboxConcurrentWriters runs N writers of M transactions each. Every transaction creates a
// user (user.registered on its own aggregate) and appends a user.updated to one of a few shared
// aggregates, tagged with the writer and its step. Afterwards every event is there once and, per
// aggregate, seq order agrees with time and with each writer's commit order.
func TestOutboxConcurrentWriters(t *testing.T) {
	t.Parallel()
	const (
		writers = 8
		steps   = 25
	)
	ctx := context.Background()
	store := testkit.NewDB(t)
	shared := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	email := func(g, i int) string { return fmt.Sprintf("writer%d-step%02d@example.com", g, i) }

	var wg sync.WaitGroup
	errs := make(chan error, writers*steps)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range steps {
				err := store.WithTx(ctx, func(ctx context.Context) error {
					if _, err := store.CreateUser(ctx, models.UserInput{Email: email(g, i), Password: "correct horse battery staple"}); err != nil {
						return err
					}
					return store.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: shared[(g+i)%len(shared)]},
						Changes: events.Changes{"name": {Old: "a", New: fmt.Sprintf("%d/%d", g, i)}}})
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d step %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	rows := outboxRows(t, store)
	t.Run("every committed change left exactly one event", func(t *testing.T) {
		if len(rows) != 2*writers*steps {
			t.Fatalf("%d events, want %d", len(rows), 2*writers*steps)
		}
		n, err := store.CountUsers(ctx)
		if err != nil || n != writers*steps {
			t.Fatalf("%d users (%v), want %d", n, err, writers*steps)
		}
	})

	t.Run("event ids are unique UUIDv7s", func(t *testing.T) {
		seen := make(map[uuid.UUID]bool, len(rows))
		for _, r := range rows {
			if r.ID.Version() != 7 {
				t.Errorf("row %d: id %s is not a UUIDv7", r.Seq, r.ID)
			}
			if seen[r.ID] {
				t.Errorf("row %d: id %s is used twice", r.Seq, r.ID)
			}
			seen[r.ID] = true
		}
	})

	type writerStep struct{ writer, step int }
	tag := func(t *testing.T, r events.Row) writerStep {
		t.Helper()
		switch ev := decodeRow(t, r).(type) {
		case *events.UserRegistered:
			var ws writerStep
			if _, err := fmt.Sscanf(ev.Email, "writer%d-step%d@example.com", &ws.writer, &ws.step); err != nil {
				t.Fatalf("row %d: unexpected email %q", r.Seq, ev.Email)
			}
			return ws
		case *events.UserUpdated:
			var ws writerStep
			s, _ := ev.Changes["name"].New.(string)
			if _, err := fmt.Sscanf(s, "%d/%d", &ws.writer, &ws.step); err != nil {
				t.Fatalf("row %d: unexpected change %v", r.Seq, ev.Changes)
			}
			return ws
		default:
			t.Fatalf("row %d: unexpected %T", r.Seq, ev)
			return writerStep{}
		}
	}

	t.Run("per aggregate, seq order never goes back in time", func(t *testing.T) {
		last := map[uuid.UUID]events.Row{}
		for _, r := range rows {
			if prev, ok := last[r.AggregateID]; ok && r.OccurredAt.Before(prev.OccurredAt) {
				t.Errorf("aggregate %s: seq %d occurred at %s, before seq %d at %s",
					r.AggregateID, r.Seq, r.OccurredAt, prev.Seq, prev.OccurredAt)
			}
			last[r.AggregateID] = r
		}
	})

	t.Run("per aggregate and writer, seq order is the writer's commit order", func(t *testing.T) {
		type key struct {
			aggregate uuid.UUID
			writer    int
		}
		lastStep := map[key]int{}
		perShared := map[uuid.UUID]int{}
		for _, r := range rows {
			ws := tag(t, r)
			k := key{r.AggregateID, ws.writer}
			if prev, ok := lastStep[k]; ok && ws.step <= prev {
				t.Errorf("aggregate %s, writer %d: step %d has seq %d after step %d", r.AggregateID, ws.writer, ws.step, r.Seq, prev)
			}
			lastStep[k] = ws.step
			if r.EventType == "user.updated" {
				if want := shared[(ws.writer+ws.step)%len(shared)]; r.AggregateID != want {
					t.Errorf("row %d: aggregate %s, want %s", r.Seq, r.AggregateID, want)
				}
				perShared[r.AggregateID]++
			}
		}
		total := 0
		for _, id := range shared {
			total += perShared[id]
		}
		if total != writers*steps {
			t.Errorf("%d events on the shared aggregates, want %d", total, writers*steps)
		}
	})

	t.Run("across all aggregates, each writer's transactions appear in its commit order", func(t *testing.T) {
		lastStep := map[int]int{}
		for _, r := range rows {
			if r.EventType != "user.registered" {
				continue
			}
			ws := tag(t, r)
			if prev, ok := lastStep[ws.writer]; ok && ws.step != prev+1 {
				t.Errorf("writer %d: step %d follows step %d", ws.writer, ws.step, prev)
			}
			lastStep[ws.writer] = ws.step
		}
		if len(lastStep) != writers {
			t.Errorf("%d writers seen, want %d", len(lastStep), writers)
		}
	})
}

// TestOutboxSeqIsCommitOrderPerAggregate pins down what the relay relies on: for one aggregate,
// seq order is commit order. Transaction A appends to an aggregate and stays open; transaction
// B then appends to the same aggregate. Either B waits for A (and numbers its event after A's),
// or B commits first — and then its event must not carry the higher seq, or a relay reading
// between the two commits sees only B's event, finds no earlier pending event of the aggregate,
// and delivers it before A's.
func TestOutboxSeqIsCommitOrderPerAggregate(t *testing.T) {
	t.Parallel()
	if testkit.Dialect() != migrations.Postgres {
		t.Skip("SQLite runs one write transaction at a time, so seq order is commit order by construction")
	}
	ctx := context.Background()
	store := testkit.NewDB(t)
	aggregate := uuid.New()
	update := func(tag string) events.Event {
		return &events.UserUpdated{UserRef: events.UserRef{UserID: aggregate}, Changes: events.Changes{"name": {Old: "", New: tag}}}
	}

	appendedA, releaseA := make(chan struct{}), make(chan struct{})
	doneA, doneB := make(chan error, 1), make(chan error, 1)
	go func() {
		doneA <- store.WithTx(ctx, func(ctx context.Context) error {
			err := store.Append(ctx, update("A"))
			close(appendedA)
			if err != nil {
				return err
			}
			<-releaseA
			return nil
		})
	}()
	<-appendedA
	go func() {
		doneB <- store.WithTx(ctx, func(ctx context.Context) error { return store.Append(ctx, update("B")) })
	}()

	// Wait until B has committed, or is waiting on a lock (held by A, the only other writer).
	bCommittedFirst := false
	deadline := time.Now().Add(30 * time.Second)
wait:
	for {
		select {
		case err := <-doneB:
			if err != nil {
				close(releaseA)
				t.Fatalf("transaction B: %v", err)
			}
			bCommittedFirst = true
			break wait
		default:
		}
		var waiting int64
		err := store.DB().Raw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting).Error
		if err != nil || waiting > 0 || time.Now().After(deadline) {
			if err != nil || waiting == 0 {
				close(releaseA)
				t.Fatalf("B neither committed nor waited on a lock (err %v)", err)
			}
			break wait
		}
	}
	close(releaseA)
	if err := <-doneA; err != nil {
		t.Fatalf("transaction A: %v", err)
	}
	if !bCommittedFirst {
		if err := <-doneB; err != nil {
			t.Fatalf("transaction B: %v", err)
		}
	}

	commitOrder := []string{"A", "B"}
	if bCommittedFirst {
		commitOrder = []string{"B", "A"}
	}
	var seqOrder []string
	for _, r := range outboxRows(t, store) {
		ev := decodeRow(t, r).(*events.UserUpdated)
		seqOrder = append(seqOrder, ev.Changes["name"].New.(string))
	}
	if !reflect.DeepEqual(seqOrder, commitOrder) {
		t.Fatalf("events of one aggregate in seq order %v, but they committed in order %v: a relay reading "+
			"between the commits delivers the later-numbered event first", seqOrder, commitOrder)
	}
}

// TestOutboxLocksOnlyAggregatesThatExistedBefore: while another session holds the advisory
// locks of a node and a user, a transaction creating that node (node.created with the node's
// translation event) commits without waiting, since no other transaction can write an aggregate
// before the one creating it commits; a transaction updating the user waits for the user's lock.
func TestOutboxLocksOnlyAggregatesThatExistedBefore(t *testing.T) {
	t.Parallel()
	if testkit.Dialect() != migrations.Postgres {
		t.Skip("the per-aggregate locks are PostgreSQL's; SQLite has one writer at a time")
	}
	ctx := events.WithTenant(context.Background(), uuid.New())
	store := testkit.NewDB(t)
	node, user := uuid.New(), uuid.New()
	sqlDB, err := store.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	holder, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	release := func() {
		if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := holder.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"node:" + node.String(), "user:" + user.String()} {
		if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", k); err != nil {
			t.Fatal(err)
		}
	}

	bounded, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = store.WithTx(bounded, func(ctx context.Context) error {
		return store.Append(ctx,
			&events.NodeCreated{NodeRef: events.NodeRef{NodeID: node}, Kind: "post", Status: "draft", AuthorID: user},
			&events.NodeTranslationUpdated{NodeRef: events.NodeRef{NodeID: node}, Locale: "en",
				Changes: events.Changes{"title": {Old: "", New: "Hello"}}})
	})
	if err != nil {
		release()
		t.Fatalf("creating the node while its lock is held elsewhere: %v (it waited for the lock)", err)
	}

	done := make(chan error, 1)
	go func() {
		done <- store.WithTx(ctx, func(ctx context.Context) error {
			return store.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: user},
				Changes: events.Changes{"name": {Old: "a", New: "b"}}})
		})
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-done:
			release()
			t.Fatalf("user.updated committed (%v) while the user's lock was held elsewhere", err)
		default:
		}
		var waiting int64
		if err := store.DB().Raw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting).Error; err != nil {
			release()
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			release()
			t.Fatal("user.updated neither committed nor waited for the user's lock")
		}
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("user.updated after the lock was released: %v", err)
	}
	if n := countOutbox(t, store); n != 3 {
		t.Fatalf("%d events written, want 3", n)
	}
}
