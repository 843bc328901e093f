package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Outbox statuses.
const (
	StatusPending    = "pending"
	StatusDispatched = "dispatched"
	StatusFailed     = "failed"
)

// Row is an outbox row of sys_events: the envelope plus its delivery state.
type Row struct {
	Seq           int64      `gorm:"primaryKey;autoIncrement"`
	ID            uuid.UUID  `gorm:"type:uuid;not null"`
	EventType     string     `gorm:"not null"`
	SchemaVersion int        `gorm:"not null"`
	TenantID      *uuid.UUID `gorm:"type:uuid"`
	AggregateType string     `gorm:"not null"`
	AggregateID   uuid.UUID  `gorm:"type:uuid;not null"`
	ActorID       *uuid.UUID `gorm:"type:uuid"`
	CorrelationID string     `gorm:"not null"`
	CausationID   *uuid.UUID `gorm:"type:uuid"`
	OccurredAt    time.Time  `gorm:"not null"`
	Payload       string     `gorm:"type:jsonb;not null"`
	Status        string     `gorm:"not null"`
	Attempts      int        `gorm:"not null"`
	NextAttemptAt time.Time  `gorm:"not null"`
	LastError     string     `gorm:"not null"`
	ClaimedBy     *string
	ClaimedAt     *time.Time
	DispatchedAt  *time.Time
}

// TableName is the outbox table.
func (Row) TableName() string { return "sys_events" }

// Envelope returns the row's envelope (payload as stored, not upcast).
func (r Row) Envelope() Envelope {
	return Envelope{ID: r.ID, EventType: r.EventType, SchemaVersion: r.SchemaVersion, TenantID: r.TenantID,
		AggregateType: r.AggregateType, AggregateID: r.AggregateID, ActorID: r.ActorID, CorrelationID: r.CorrelationID,
		CausationID: r.CausationID, OccurredAt: r.OccurredAt, Payload: json.RawMessage(r.Payload)}
}

// ---- request metadata carried in the context ----

type (
	tenantKey      struct{}
	actorKey       struct{}
	correlationKey struct{}
	causationKey   struct{}
	hooksKey       struct{}
)

// WithTenant scopes events appended under ctx to a tenant.
func WithTenant(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, tenantKey{}, id)
}

// WithActor records who causes the events appended under ctx.
func WithActor(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, actorKey{}, id)
}

// WithCorrelation sets the correlation id (the request id) of events appended under ctx.
func WithCorrelation(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey{}, id)
}

// WithCausation records the event that caused the events appended under ctx.
func WithCausation(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, causationKey{}, id)
}

// ActorFrom returns the actor recorded in ctx by WithActor, or nil.
func ActorFrom(ctx context.Context) *uuid.UUID { return idFrom(ctx, actorKey{}) }

func idFrom(ctx context.Context, key any) *uuid.UUID {
	if id, ok := ctx.Value(key).(uuid.UUID); ok && id != uuid.Nil {
		return &id
	}
	return nil
}

// ---- commit hooks: wake the relay once the events are visible ----

// CommitHooks collects functions to run after the outermost transaction commits.
type CommitHooks struct {
	mu        sync.Mutex
	fns       []func()
	listeners *Listeners
}

// WithCommitHooks returns a context whose Append calls are followed, after commit, by Run, which
// also hands the committed events to listeners (may be nil). models.Store.WithTx installs it
// around every outermost transaction.
func WithCommitHooks(ctx context.Context, listeners *Listeners) (context.Context, *CommitHooks) {
	h := &CommitHooks{listeners: listeners}
	return context.WithValue(ctx, hooksKey{}, h), h
}

// Run calls the collected functions once.
func (h *CommitHooks) Run() {
	h.mu.Lock()
	fns := h.fns
	h.fns = nil
	h.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// afterCommit queues the relay's nudge and the listeners' call with envs() after the commit.
func afterCommit(ctx context.Context, envs func() []Envelope) {
	h, ok := ctx.Value(hooksKey{}).(*CommitHooks)
	if !ok {
		Nudge()
		return
	}
	h.mu.Lock()
	h.fns = append(h.fns, func() {
		Nudge()
		h.listeners.notify(envs())
	})
	h.mu.Unlock()
}

// ---- the writer ----

// Append validates the events and writes them to the outbox through tx, the caller's GORM
// transaction, so they commit or roll back with the change they describe. Tenant, actor,
// correlation and causation come from ctx; a payload that names its tenant overrides ctx.
// All of them go in one statement, which on PostgreSQL also takes the aggregates' locks
// (insertRows).
func Append(ctx context.Context, tx *gorm.DB, evts ...Event) error {
	if len(evts) == 0 {
		return nil
	}
	now := time.Now().UTC()
	rows := make([]Row, 0, len(evts))
	tenantOfCtx := idFrom(ctx, tenantKey{})
	actor, causation := idFrom(ctx, actorKey{}), idFrom(ctx, causationKey{})
	corr, _ := ctx.Value(correlationKey{}).(string)
	var born map[aggregateKey]bool
	for _, ev := range evts {
		if err := ev.Validate(); err != nil {
			return err
		}
		if _, ok := ev.(creation); ok {
			if born == nil {
				born = make(map[aggregateKey]bool, 1)
			}
			born[aggregateKey{ev.AggregateType(), ev.AggregateID()}] = true
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("events: encode %s: %w", ev.EventType(), err)
		}
		tenant := tenantOfCtx
		if tn, ok := ev.(tenantNamer); ok {
			id := tn.EventTenantID()
			tenant = &id
		}
		rows = append(rows, Row{
			ID: uuid.Must(uuid.NewV7()), EventType: ev.EventType(), SchemaVersion: ev.SchemaVersion(),
			TenantID: tenant, AggregateType: ev.AggregateType(), AggregateID: ev.AggregateID(),
			ActorID: actor, CorrelationID: corr, CausationID: causation,
			OccurredAt: now, Payload: string(payload), Status: StatusPending, NextAttemptAt: now,
		})
	}
	if d, ok := ctx.Value(deferredKey{}).(*Deferred); ok {
		first := d.add(rows, born)
		afterCommit(ctx, func() []Envelope { return envelopes(d.rows[first : first+len(rows)]) })
		return nil
	}
	if err := insertRows(ctx, tx, rows, born); err != nil {
		return fmt.Errorf("events: append: %w", err)
	}
	envs := envelopes(rows)
	afterCommit(ctx, func() []Envelope { return envs })
	return nil
}

func envelopes(rows []Row) []Envelope {
	envs := make([]Envelope, len(rows))
	for i, r := range rows {
		envs[i] = r.Envelope()
	}
	return envs
}

// ---- rows written with the commit ----

type deferredKey struct{}

// Deferred holds the rows appended in one PostgreSQL transaction until its commit, which sends
// them and COMMIT in one round trip (models.Store.WithTx pipelines Statement and COMMIT): an
// event then costs no round trip of its own, which was two thirds of its cost on a node create
// (BenchmarkOutboxCostCreateNode). They commit or roll back with the transaction as before;
// what changes is that the rows do not exist inside the transaction (nothing reads its own
// events back) and the aggregates' locks are taken at commit, so they are held for the commit
// only. Not safe for concurrent use, like the transaction.
type Deferred struct {
	rows []Row
	born map[aggregateKey]bool
}

// WithDeferred returns a context whose Append calls add their rows to the returned Deferred
// instead of writing them.
func WithDeferred(ctx context.Context) (context.Context, *Deferred) {
	d := &Deferred{}
	return context.WithValue(ctx, deferredKey{}, d), d
}

// add appends rows and the aggregates they create, and returns the index of the first row.
func (d *Deferred) add(rows []Row, born map[aggregateKey]bool) int {
	first := len(d.rows)
	d.rows = append(d.rows, rows...)
	for k := range born {
		if d.born == nil {
			d.born = make(map[aggregateKey]bool, len(born))
		}
		d.born[k] = true
	}
	return first
}

// Empty reports whether no rows are waiting.
func (d *Deferred) Empty() bool { return len(d.rows) == 0 }

// Statement returns the one PostgreSQL statement that writes the waiting rows (insertRows),
// which returns each row's occurred_at in order.
// Its parameters are numbered ($1 …), for pgx.
func (d *Deferred) Statement() (string, []any) { return pgInsert(d.rows, d.born, true) }

// Written takes the occurred_at values Statement returned, so the envelopes handed to the
// commit listeners carry the stored time.
func (d *Deferred) Written(at []time.Time) error {
	if len(at) != len(d.rows) {
		return fmt.Errorf("events: inserted %d rows, want %d", len(at), len(d.rows))
	}
	for i := range d.rows {
		d.rows[i].OccurredAt, d.rows[i].NextAttemptAt = at[i].UTC(), at[i].UTC()
	}
	return nil
}

// aggregateKey names one aggregate.
type aggregateKey struct {
	typ string
	id  uuid.UUID
}

// insertColumns are the columns Append writes; seq comes from its sequence, and a new row is
// pending with no attempts, no error and no claim. occurred_at and next_attempt_at come last.
const (
	insertColumns = `"id","event_type","schema_version","tenant_id","aggregate_type","aggregate_id","actor_id",` +
		`"correlation_id","causation_id","payload"`
	insertTimes = `"occurred_at","next_attempt_at"`
)

// insertRows writes new pending rows in one multi-row INSERT, without GORM's reflection.
//
// On PostgreSQL the same statement first takes a transaction-scoped advisory lock per aggregate,
// in sorted order, held until commit or rollback. seq is assigned at insert, not at commit, so
// without it transaction A could take seq 7, B seq 8 and commit first, and the relay would
// deliver 8 before 7; with it the later writer of an aggregate waits, so seq order per aggregate
// is commit order. The rows are a join with the lock's one-row aggregate, so no row (and no seq)
// exists before every lock is held, and their occurred_at is read after the locks too (so it
// never goes back in time along seq), and returned into rows. One round trip instead of two:
// the event cost half again as much as the node create it described
// (BenchmarkOutboxCostCreateNode). Aggregates in born, created by one of the rows' events
// (creation), need no lock; a batch of only those takes none. SQLite runs one writer at a time
// and takes the Go clock.
func insertRows(ctx context.Context, tx *gorm.DB, rows []Row, born map[aggregateKey]bool) error {
	tx = tx.WithContext(ctx)
	if tx.Dialector.Name() != "postgres" {
		var b strings.Builder
		args := make([]any, 0, 12*len(rows))
		b.WriteString(`INSERT INTO "sys_events" (` + insertColumns + `,` + insertTimes + `) VALUES `)
		for i, r := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?,?,?,?,?,?,?,?,?,?,?,?)`)
			args = append(args, r.ID, r.EventType, r.SchemaVersion, r.TenantID, r.AggregateType, r.AggregateID,
				r.ActorID, r.CorrelationID, r.CausationID, r.Payload, r.OccurredAt, r.NextAttemptAt)
		}
		return tx.Exec(b.String(), args...).Error
	}
	query, args := pgInsert(rows, born, false)
	res, err := tx.Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer res.Close()
	n := 0
	for ; res.Next(); n++ {
		var at time.Time
		if err := res.Scan(&at); err != nil {
			return err
		}
		if n < len(rows) {
			rows[n].OccurredAt, rows[n].NextAttemptAt = at.UTC(), at.UTC()
		}
	}
	if err := res.Err(); err != nil {
		return err
	}
	if n != len(rows) {
		return fmt.Errorf("inserted %d rows, want %d", n, len(rows))
	}
	return nil
}

// pgInsert is insertRows' PostgreSQL statement for rows: the advisory locks of the aggregates
// not in born, in sorted order, then the rows, stamped after the locks. Its parameters are
// GORM's ? or, numbered, PostgreSQL's own $1, $2 … (for pgx directly).
func pgInsert(rows []Row, born map[aggregateKey]bool, numbered bool) (string, []any) {
	keys := make([]string, 0, len(rows))
	for _, r := range rows {
		if !born[aggregateKey{r.AggregateType, r.AggregateID}] {
			keys = append(keys, r.AggregateType+":"+r.AggregateID.String())
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	args := make([]any, 0, 1+10*len(rows))
	var b strings.Builder
	if len(keys) > 0 {
		args = append(args, pgTextArray(keys))
		b.WriteString(`WITH locked AS (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n ` +
			`FROM (SELECT k FROM unnest(?::text[]) AS k ORDER BY k) AS keys), ` +
			`stamped AS (SELECT clock_timestamp() AS at FROM locked) `)
	} else {
		b.WriteString(`WITH stamped AS (SELECT clock_timestamp() AS at) `)
	}
	b.WriteString(`INSERT INTO "sys_events" (` + insertColumns + `,` + insertTimes + `) SELECT v.*, s.at, s.at FROM stamped AS s, (VALUES `)
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`(?::uuid,?::text,?::int,?::uuid,?::text,?::uuid,?::uuid,?::text,?::uuid,?::jsonb)`)
		args = append(args, r.ID, r.EventType, r.SchemaVersion, r.TenantID, r.AggregateType, r.AggregateID,
			r.ActorID, r.CorrelationID, r.CausationID, r.Payload)
	}
	b.WriteString(`) AS v(` + insertColumns + `) RETURNING "occurred_at"`)
	if !numbered {
		return b.String(), args
	}
	q := b.String()
	var n strings.Builder
	n.Grow(len(q) + 3*len(args))
	for i := 1; ; i++ {
		j := strings.IndexByte(q, '?')
		if j < 0 {
			n.WriteString(q)
			return n.String(), args
		}
		n.WriteString(q[:j])
		n.WriteByte('$')
		n.WriteString(strconv.Itoa(i))
		q = q[j+1:]
	}
}

// ---- in-process commit listeners ----

// Listeners are called, in the committing goroutine, with the events of every transaction a
// store commits. Caches that must agree with the database at once in this process (tenants,
// policies) listen here; other processes hear about the same events from the relay over NATS.
type Listeners struct {
	mu   sync.RWMutex
	fns  map[int]func([]Envelope)
	next int
}

// Add registers fn; the returned func removes it.
func (l *Listeners) Add(fn func([]Envelope)) func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fns == nil {
		l.fns = map[int]func([]Envelope){}
	}
	id := l.next
	l.next++
	l.fns[id] = fn
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.fns, id)
	}
}

func (l *Listeners) notify(envs []Envelope) {
	if l == nil {
		return
	}
	l.mu.RLock()
	fns := make([]func([]Envelope), 0, len(l.fns))
	for _, fn := range l.fns {
		fns = append(fns, fn)
	}
	l.mu.RUnlock()
	for _, fn := range fns {
		fn(envs)
	}
}

// pgTextArray formats strings as a PostgreSQL text[] literal (keys hold no quotes or commas).
func pgTextArray(ss []string) string {
	return "{" + strings.Join(ss, ",") + "}"
}

// ---- in-process nudge ----

var (
	nudgeMu sync.Mutex
	nudges  []chan struct{}
)

// subscribeNudge returns a channel that receives a value (coalesced) whenever events commit in
// this process.
func subscribeNudge() (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	nudgeMu.Lock()
	nudges = append(nudges, ch)
	nudgeMu.Unlock()
	return ch, func() {
		nudgeMu.Lock()
		defer nudgeMu.Unlock()
		for i, c := range nudges {
			if c == ch {
				nudges = append(nudges[:i], nudges[i+1:]...)
				return
			}
		}
	}
}

// Nudge wakes every relay in this process.
func Nudge() {
	nudgeMu.Lock()
	defer nudgeMu.Unlock()
	for _, ch := range nudges {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
