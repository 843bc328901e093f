package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

func afterCommit(ctx context.Context, envs []Envelope) {
	h, ok := ctx.Value(hooksKey{}).(*CommitHooks)
	if !ok {
		Nudge()
		return
	}
	h.mu.Lock()
	h.fns = append(h.fns, func() {
		Nudge()
		h.listeners.notify(envs)
	})
	h.mu.Unlock()
}

// ---- the writer ----

// Append validates the events and writes them to the outbox through tx, the caller's GORM
// transaction, so they commit or roll back with the change they describe. Tenant, actor,
// correlation and causation come from ctx; a payload that names its tenant overrides ctx.
func Append(ctx context.Context, tx *gorm.DB, evts ...Event) error {
	if len(evts) == 0 {
		return nil
	}
	if err := lockAggregates(ctx, tx, evts); err != nil {
		return err
	}
	now := time.Now().UTC()
	rows := make([]Row, 0, len(evts))
	for _, ev := range evts {
		if err := ev.Validate(); err != nil {
			return err
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("events: encode %s: %w", ev.EventType(), err)
		}
		tenant := idFrom(ctx, tenantKey{})
		if tn, ok := ev.(tenantNamer); ok {
			id := tn.EventTenantID()
			tenant = &id
		}
		corr, _ := ctx.Value(correlationKey{}).(string)
		rows = append(rows, Row{
			ID: uuid.Must(uuid.NewV7()), EventType: ev.EventType(), SchemaVersion: ev.SchemaVersion(),
			TenantID: tenant, AggregateType: ev.AggregateType(), AggregateID: ev.AggregateID(),
			ActorID: idFrom(ctx, actorKey{}), CorrelationID: corr, CausationID: idFrom(ctx, causationKey{}),
			OccurredAt: now, Payload: string(payload), Status: StatusPending, NextAttemptAt: now,
		})
	}
	if err := tx.WithContext(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("events: append: %w", err)
	}
	envs := make([]Envelope, len(rows))
	for i, r := range rows {
		envs[i] = r.Envelope()
	}
	afterCommit(ctx, envs)
	return nil
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

// lockAggregates serialises writers of the same aggregate on PostgreSQL. seq is assigned at
// insert, not at commit, so without it transaction A could take seq 7, B seq 8 and commit first,
// and the relay would deliver 8 before 7. A transaction-scoped advisory lock per aggregate, held
// until commit or rollback, makes the later writer wait, so seq order per aggregate is commit
// order. One statement takes all locks in sorted order. SQLite runs one writer at a time.
func lockAggregates(ctx context.Context, tx *gorm.DB, evts []Event) error {
	if tx.Dialector.Name() != "postgres" {
		return nil
	}
	keys := make([]string, 0, len(evts))
	for _, ev := range evts {
		keys = append(keys, ev.AggregateType()+":"+ev.AggregateID().String())
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	err := tx.WithContext(ctx).Exec(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
		FROM unnest(?::text[]) AS k ORDER BY k`, pgTextArray(keys)).Error
	if err != nil {
		return fmt.Errorf("events: lock aggregates: %w", err)
	}
	return nil
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
