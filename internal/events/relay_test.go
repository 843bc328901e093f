package events_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// quiet discards the relay's logs in tests that fail deliveries on purpose.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// appendUpdates commits n user.updated events for one aggregate, each in its own transaction.
func appendUpdates(t *testing.T, store *models.Store, ctx context.Context, user uuid.UUID, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := store.WithTx(ctx, func(ctx context.Context) error {
			return store.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: user},
				Changes: events.Changes{"name": {Old: fmt.Sprint(i), New: fmt.Sprint(i + 1)}}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func statusCounts(t *testing.T, store *models.Store) map[string]int64 {
	t.Helper()
	var rows []struct {
		Status string
		N      int64
	}
	if err := store.DB().Model(&events.Row{}).Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// drain runs the relay until a batch claims nothing.
func drain(t *testing.T, r *events.Relay) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		n, err := r.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("relay never ran dry")
}

func TestRelayDeliversInAggregateOrder(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	appendUpdates(t, store, ctx, a, 3)
	appendUpdates(t, store, ctx, b, 2)
	appendUpdates(t, store, ctx, a, 2)

	bus := events.NewBus()
	var mu sync.Mutex
	seen := map[uuid.UUID][]string{}
	bus.Subscribe("user.*", func(_ context.Context, env events.Envelope) error {
		ev, err := env.Decode()
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		seen[env.AggregateID] = append(seen[env.AggregateID], fmt.Sprint(ev.(*events.UserUpdated).Changes["name"].New))
		return nil
	})
	relay := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{bus}, events.RelayConfig{BatchSize: 50})
	drain(t, relay)
	if got := fmt.Sprint(seen[a]); got != "[1 2 3 1 2]" {
		t.Errorf("aggregate a delivered as %s, want commit order [1 2 3 1 2]", got)
	}
	if got := fmt.Sprint(seen[b]); got != "[1 2]" {
		t.Errorf("aggregate b delivered as %s", got)
	}
	if c := statusCounts(t, store); c[events.StatusDispatched] != 7 || c[events.StatusPending] != 0 {
		t.Fatalf("statuses %v", c)
	}
	var row events.Row
	store.DB().Where("aggregate_id = ?", a).Order("seq").First(&row)
	if row.DispatchedAt == nil || row.Attempts != 1 || row.ClaimedBy != nil {
		t.Fatalf("dispatched row: %+v", row)
	}
}

func TestRelayRetriesWithBackoffThenFails(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	a := uuid.New()
	appendUpdates(t, store, ctx, a, 2)

	var failing atomic.Bool
	failing.Store(true)
	delivered := atomic.Int64{}
	bus := events.NewBus()
	bus.Subscribe("*", func(context.Context, events.Envelope) error {
		if failing.Load() {
			return errors.New("subscriber down")
		}
		delivered.Add(1)
		return nil
	})
	clock := time.Now()
	now := func() time.Time { return clock }
	relay := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{bus},
		events.RelayConfig{MaxAttempts: 3, MinBackoff: time.Second, MaxBackoff: time.Minute, Now: now, Logger: quiet})

	if n, _ := relay.RunOnce(ctx); n != 1 {
		t.Fatalf("claimed %d, want only the head of the aggregate", n)
	}
	var head events.Row
	store.DB().Where("aggregate_id = ?", a).Order("seq").First(&head)
	wait := head.NextAttemptAt.Sub(clock)
	if head.Attempts != 1 || head.Status != events.StatusPending || wait < 800*time.Millisecond || wait > 1200*time.Millisecond ||
		head.LastError == "" {
		t.Fatalf("after one failure: attempts %d status %s retry in %v error %q", head.Attempts, head.Status, wait, head.LastError)
	}
	if n, _ := relay.RunOnce(ctx); n != 0 {
		t.Fatalf("claimed %d before the retry was due (or the later event overtook the failed one)", n)
	}
	clock = clock.Add(2 * time.Second)
	relay.RunOnce(ctx)
	store.DB().Where("seq = ?", head.Seq).First(&head)
	if wait := head.NextAttemptAt.Sub(clock); head.Attempts != 2 || wait < 1600*time.Millisecond || wait > 2400*time.Millisecond {
		t.Fatalf("second failure: attempts %d retry in %v, want about 2 s", head.Attempts, wait)
	}
	clock = clock.Add(3 * time.Second)
	relay.RunOnce(ctx)
	store.DB().Where("seq = ?", head.Seq).First(&head)
	if head.Status != events.StatusFailed || head.Attempts != 3 {
		t.Fatalf("after the last attempt: status %s attempts %d", head.Status, head.Attempts)
	}
	clock = clock.Add(time.Hour)
	if n, _ := relay.RunOnce(ctx); n != 0 {
		t.Fatal("the later event of the aggregate was delivered while the earlier one is failed")
	}

	failing.Store(false)
	if err := events.Retry(ctx, store.DB(), events.PlatformScope, head.ID); err != nil {
		t.Fatal(err)
	}
	if err := events.Retry(ctx, store.DB(), events.PlatformScope, head.ID); !errors.Is(err, events.ErrNotFailed) {
		t.Fatalf("retrying a pending event: %v", err)
	}
	drain(t, relay)
	if delivered.Load() != 2 || statusCounts(t, store)[events.StatusDispatched] != 2 {
		t.Fatalf("after retry: delivered %d, statuses %v", delivered.Load(), statusCounts(t, store))
	}
}

func TestRelayLeaseTakeover(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	appendUpdates(t, store, ctx, uuid.New(), 1)
	clock := time.Now()
	now := func() time.Time { return clock }

	// Relay A claims and dies before marking: its context ends during publish.
	actx, cancel := context.WithCancel(ctx)
	crash := events.NewBus()
	crash.Subscribe("*", func(context.Context, events.Envelope) error { cancel(); return nil })
	a := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{crash}, events.RelayConfig{ID: "relay-a", Now: now})
	if _, err := a.RunOnce(actx); !errors.Is(err, context.Canceled) {
		t.Fatalf("relay A: %v", err)
	}

	// With the default lease, a dead relay's claim is free one lease (3 s) after it was taken.
	var got atomic.Int64
	bus := events.NewBus()
	bus.Subscribe("*", func(context.Context, events.Envelope) error { got.Add(1); return nil })
	b := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{bus}, events.RelayConfig{ID: "relay-b", Now: now})
	clock = clock.Add(events.DefaultLease - time.Millisecond)
	if n, _ := b.RunOnce(ctx); n != 0 {
		t.Fatal("relay B took an event still under relay A's lease")
	}
	clock = clock.Add(2 * time.Millisecond)
	if n, _ := b.RunOnce(ctx); n != 1 || got.Load() != 1 {
		t.Fatalf("after the lease expired relay B claimed %d, delivered %d", n, got.Load())
	}
	if c := statusCounts(t, store); c[events.StatusDispatched] != 1 {
		t.Fatalf("statuses %v", c)
	}
}

// TestRelayRenewsItsLeaseWhileDelivering: a batch whose publish takes longer than the lease stays
// with the relay delivering it, because that relay renews its claim every Lease/3; another relay
// never takes it over, and the event is delivered once. The clock and the renewal timer are the
// test's, so nothing here depends on how fast the machine is.
func TestRelayRenewsItsLeaseWhileDelivering(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	appendUpdates(t, store, ctx, uuid.New(), 1)
	clock := &fakeClock{t: time.Now().UTC()}
	renew := make(chan time.Time)
	var renewEvery atomic.Int64
	slow := &blockingTransport{started: make(chan struct{}), release: make(chan struct{})}
	a := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{slow}, events.RelayConfig{ID: "relay-a", Now: clock.Now,
		After: func(d time.Duration) <-chan time.Time { renewEvery.Store(int64(d)); return renew }})
	result := make(chan error, 1)
	go func() {
		n, err := a.RunOnce(ctx)
		if err == nil && n != 1 {
			err = fmt.Errorf("relay A claimed %d events, want 1", n)
		}
		result <- err
	}()
	release := sync.OnceFunc(func() { close(slow.release) })
	defer release() // lets relay A finish when the test fails half-way
	<-slow.started  // relay A has claimed the event and is publishing it

	var got atomic.Int64
	bus := events.NewBus()
	bus.Subscribe("*", func(context.Context, events.Envelope) error { got.Add(1); return nil })
	b := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{bus}, events.RelayConfig{ID: "relay-b", Now: clock.Now})
	step := events.DefaultLease / 3
	for elapsed := step; elapsed <= 3*events.DefaultLease; elapsed += step {
		clock.Advance(step)
		select { // relay A's renewal timer fires
		case renew <- clock.Now():
		case <-time.After(5 * time.Second):
			t.Fatalf("%v into relay A's publish, relay A is not waiting to renew its lease", elapsed)
		}
		waitForClaim(t, store, "relay-a", clock.Now())
		if n, err := b.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("%v into relay A's publish (lease %v), relay B claimed %d (%v)", elapsed, events.DefaultLease, n, err)
		}
	}
	if d := time.Duration(renewEvery.Load()); d != events.DefaultLease/3 {
		t.Fatalf("relay A renewed every %v, want every %v", d, events.DefaultLease/3)
	}
	release()
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	var row events.Row
	store.DB().First(&row)
	if row.Status != events.StatusDispatched || row.ClaimedBy != nil || slow.delivered.Load() != 1 || got.Load() != 0 {
		t.Fatalf("status %s claimed by %v; relay A delivered %d, relay B %d; want dispatched once, by A",
			row.Status, row.ClaimedBy, slow.delivered.Load(), got.Load())
	}
}

// fakeClock is a clock the test moves; relays read it from their own goroutines.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// blockingTransport publishes nothing until release is closed; started is closed when the first
// publish begins.
type blockingTransport struct {
	started, release chan struct{}
	once             sync.Once
	delivered        atomic.Int64
}

func (*blockingTransport) Name() string { return "blocking" }
func (b *blockingTransport) Publish(ctx context.Context, envs []events.Envelope) []error {
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
		b.delivered.Add(int64(len(envs)))
	case <-ctx.Done():
	}
	return make([]error, len(envs))
}

// waitForClaim waits until the outbox's only claimed row is held by relay with claimed_at at (a
// renewal running in the relay's goroutine lands in the database a moment after its timer fires).
func waitForClaim(t *testing.T, store *models.Store, relay string, at time.Time) {
	t.Helper()
	var row events.Row
	var err error
	renewed := false
	defer func() {
		if !renewed {
			t.Logf("the row is claimed by %v at %v (%v)", deref(row.ClaimedBy), row.ClaimedAt, err)
		}
	}()
	testkit.Eventually(t, 5*time.Second, fmt.Sprintf("a renewal by %s at %v", relay, at), func() bool {
		row = events.Row{}
		err = store.DB().Where("claimed_by IS NOT NULL").First(&row).Error
		renewed = err == nil && *row.ClaimedBy == relay && row.ClaimedAt.Sub(at).Abs() < time.Millisecond
		return renewed
	})
}

func deref(s *string) string {
	if s == nil {
		return "nobody"
	}
	return *s
}

// TestTwoRelaysNeverDeliverTwice runs two relays at once over the same outbox; every event is
// delivered exactly once.
func TestTwoRelaysNeverDeliverTwice(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	const aggregates, perAggregate = 40, 5
	ids := make([]uuid.UUID, aggregates)
	err := store.WithTx(ctx, func(ctx context.Context) error {
		for round := 0; round < perAggregate; round++ {
			for i := range ids {
				if ids[i] == uuid.Nil {
					ids[i] = uuid.New()
				}
				if err := store.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: ids[i]},
					Changes: events.Changes{"n": {Old: round, New: round + 1}}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	count := map[uuid.UUID]int{}
	bus := events.NewBus()
	bus.Subscribe("*", func(_ context.Context, env events.Envelope) error {
		mu.Lock()
		count[env.ID]++
		mu.Unlock()
		return nil
	})
	var wg sync.WaitGroup
	for _, id := range []string{"relay-1", "relay-2"} {
		r := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{bus}, events.RelayConfig{ID: id, BatchSize: 7})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if n, err := r.RunOnce(ctx); err != nil {
					t.Error(err)
					return
				} else if n == 0 && statusCounts(t, store)[events.StatusPending] == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(count) != aggregates*perAggregate {
		t.Fatalf("delivered %d distinct events, want %d", len(count), aggregates*perAggregate)
	}
	for id, n := range count {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

func TestJetStreamTransport(t *testing.T) {
	t.Parallel()
	nc, js := connectNATS(t)
	transport, err := events.NewJetStream(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	tenant := uuid.New()
	env := events.Envelope{ID: uuid.Must(uuid.NewV7()), EventType: "user.logged_in", SchemaVersion: 2, TenantID: &tenant,
		AggregateType: "user", AggregateID: uuid.New(), OccurredAt: time.Now().UTC(), Payload: []byte(`{"user_id":"x"}`)}
	for i := 0; i < 3; i++ { // the same event three times: JetStream keeps one
		if errs := transport.Publish(context.Background(), []events.Envelope{env}); errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	got := streamMessages(t, js, tenant)
	if len(got) != 1 || got[0] != env.ID.String() {
		t.Fatalf("stream holds %v for the tenant, want one message %s", got, env.ID)
	}
	if events.Subject(env) != "rustok.events."+tenant.String()+".user.logged_in" {
		t.Fatalf("subject %s", events.Subject(env))
	}
}

// TestNothingLostUnderFaults is the outbox's promise under a crashing relay: writers keep
// committing while the relay is killed mid-batch (its context ends after publishing, before it
// marks rows) and restarted several times. At the end every committed change has exactly one
// event row, every row is dispatched, and JetStream holds exactly one message per event id.
func TestNothingLostUnderFaults(t *testing.T) {
	t.Parallel()
	nc, js := connectNATS(t)
	store := testkit.NewDB(t)
	transport, err := events.NewJetStream(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	// The tenant's own tenant.created and role.created events (its system roles) go through the
	// relay too, but the changes counted below are only the writers'.
	tenant := testkit.Tenant(t, store).Create().ID
	ctx := events.WithTenant(context.Background(), tenant)

	// Writers: each change gives a fresh user id one of the tenant's system roles: a casbin_rule
	// row plus its user.role_assigned event, in one transaction. A new user per write makes every
	// write a new row. (AssignRole does not need a users row; registering 120 users would spend
	// seconds on argon2 and slow the writers down without testing anything more here.)
	const writers, writes = 4, 30
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < writes; i++ {
				if err := store.AssignRole(ctx, uuid.New(), models.SystemRoles[i%len(models.SystemRoles)], tenant.String()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()

	// The relay crashes after publishing every other batch it claims, and restarts at once.
	lease := 150 * time.Millisecond
	crashes, claimed := 0, 0
	for round := 0; ; round++ {
		rctx, cancel := context.WithCancel(context.Background())
		transports := []events.Transport{transport}
		if claimed%2 == 0 {
			transports = append(transports, crashAfterPublish{cancel})
		}
		r := events.NewRelay(store.DB(), string(store.Dialect()), transports, events.RelayConfig{Lease: lease, BatchSize: 10, Logger: quiet})
		n, err := r.RunOnce(rctx)
		cancel()
		if n > 0 {
			claimed++
		}
		if errors.Is(err, context.Canceled) {
			crashes++
		} else if err != nil {
			t.Fatal(err)
		}
		select {
		case <-writersDone:
			if n == 0 && statusCounts(t, store)[events.StatusPending] == 0 {
				goto done
			}
		default:
		}
		if n == 0 {
			time.Sleep(lease / 2) // let claimed-but-unmarked rows' leases run out
		}
		if round > 5000 {
			t.Fatal("relay never caught up")
		}
	}
done:
	if crashes < 3 {
		t.Fatalf("only %d crashes happened; the test did not exercise recovery", crashes)
	}
	var changes, rows, tenantRows int64
	store.DB().Model(&models.CasbinRule{}).Where("ptype = 'g' AND v2 = ?", tenant.String()).Count(&changes)
	store.DB().Model(&events.Row{}).Where("tenant_id = ? AND event_type = ?", tenant, "user.role_assigned").Count(&rows)
	if changes != writers*writes || rows != changes {
		t.Fatalf("%d committed changes, %d event rows; want %d of each", changes, rows, writers*writes)
	}
	if c := statusCounts(t, store); c[events.StatusDispatched] != countOutbox(t, store) || c[events.StatusPending] != 0 || c[events.StatusFailed] != 0 {
		t.Fatalf("statuses %v", c)
	}
	// JetStream holds exactly one message per event of the tenant: the writers' and the ones
	// CreateTenant wrote (tenant.created, three role.created).
	var ids []uuid.UUID
	store.DB().Model(&events.Row{}).Where("tenant_id = ?", tenant).Pluck("id", &ids)
	tenantRows = int64(len(ids))
	if want := rows + 4; tenantRows != want {
		t.Fatalf("%d event rows in the tenant, want %d (the writers' %d, tenant.created, three role.created)", tenantRows, want, rows)
	}
	msgs := streamMessages(t, js, tenant)
	unique := map[string]bool{}
	for _, id := range msgs {
		unique[id] = true
	}
	if int64(len(msgs)) != tenantRows || int64(len(unique)) != tenantRows {
		t.Fatalf("JetStream holds %d messages (%d distinct ids) for %d events", len(msgs), len(unique), tenantRows)
	}
	for _, id := range ids {
		if !unique[id.String()] {
			t.Fatalf("event %s is not in JetStream", id)
		}
	}
	t.Logf("%d writer events (%d in the tenant), %d relay crashes, JetStream kept one message per event", rows, tenantRows, crashes)
}

// crashAfterPublish is a transport that ends the relay's context once the real transports have
// published: the relay then stops before marking the rows, as a killed process would.
type crashAfterPublish struct{ cancel context.CancelFunc }

func (crashAfterPublish) Name() string { return "crash" }
func (c crashAfterPublish) Publish(_ context.Context, envs []events.Envelope) []error {
	c.cancel()
	return make([]error, len(envs))
}

func connectNATS(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(testkit.NATSURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// streamMessages returns the Nats-Msg-Id of every message in RUSTOK_EVENTS for the tenant.
func streamMessages(t *testing.T, js jetstream.JetStream, tenant uuid.UUID) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, events.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.SubjectPrefix + tenant.String() + ".>"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := int(info.NumPending)
	var ids []string
	for len(ids) < total {
		batch, err := cons.Fetch(total-len(ids), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for msg := range batch.Messages() {
			ids = append(ids, msg.Headers().Get(nats.MsgIdHdr))
			n++
		}
		if n == 0 {
			break
		}
	}
	return ids
}
