package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Page sizes of List and History.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Statuses lists the outbox statuses, in the order the event log offers them.
var Statuses = []string{StatusPending, StatusDispatched, StatusFailed}

// IsStatus reports whether s is an outbox status.
func IsStatus(s string) bool { return slices.Contains(Statuses, s) }

// ErrNotFound means no event with that id is visible in the scope.
var ErrNotFound = errors.New("event not found")

// ErrUnscoped means a query named neither a tenant nor the platform. Every read of the event
// log is scoped, so a tenant's page can never show another tenant's rows by accident.
var ErrUnscoped = errors.New("events: query needs a tenant or the platform scope")

// Scope is whose events a query may see: one tenant's (TenantID), or the platform's — events
// that belong to no tenant, such as sign-ins and user accounts (Platform).
type Scope struct {
	TenantID *uuid.UUID
	Platform bool // tenant_id IS NULL
}

// TenantScope returns the scope of one tenant's events.
func TenantScope(id uuid.UUID) Scope { return Scope{TenantID: &id} }

// PlatformScope is the scope of events that belong to no tenant.
var PlatformScope = Scope{Platform: true}

// apply adds the scope's condition to q, or fails when the scope is empty or ambiguous.
func (s Scope) apply(q *gorm.DB) (*gorm.DB, error) {
	switch {
	case s.Platform && s.TenantID == nil:
		return q.Where("tenant_id IS NULL"), nil
	case !s.Platform && s.TenantID != nil && *s.TenantID != uuid.Nil:
		return q.Where("tenant_id = ?", *s.TenantID), nil
	}
	return nil, ErrUnscoped
}

// Filter selects rows of the event log. Empty fields do not filter. From is inclusive and To
// exclusive. Before is the keyset cursor: only rows with seq < Before (0 = from the newest).
type Filter struct {
	Scope
	EventType     string
	AggregateType string
	AggregateID   *uuid.UUID
	ActorID       *uuid.UUID
	Status        string
	From, To      *time.Time
	Before        int64
	Limit         int // 0 = DefaultLimit; capped at MaxLimit
}

// List returns one page of the rows matching f, newest (highest seq) first, and the cursor of
// the next, older page: pass it as Before. next is 0 when there are no older rows.
func List(ctx context.Context, db *gorm.DB, f Filter) (rows []Row, next int64, err error) {
	q, err := f.where(db.WithContext(ctx).Model(&Row{}))
	if err != nil {
		return nil, 0, err
	}
	limit := clampLimit(f.Limit, DefaultLimit)
	// One row more than the page tells whether an older page exists without counting.
	if err := q.Order("seq DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("events: list: %w", err)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].Seq
	}
	return rows, next, nil
}

// Count returns how many rows match f; Before and Limit are ignored.
func Count(ctx context.Context, db *gorm.DB, f Filter) (int64, error) {
	f.Before = 0
	q, err := f.where(db.WithContext(ctx).Model(&Row{}))
	if err != nil {
		return 0, err
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, fmt.Errorf("events: count: %w", err)
	}
	return n, nil
}

// DayCount is how many events happened on one UTC day.
type DayCount struct {
	Day   time.Time // midnight UTC
	Count int64
}

// PerDay returns how many events of the scope happened on each of the days UTC days ending
// today (the day of now), oldest first, days without events included as zero. It is one
// grouped query over the (tenant_id, occurred_at) index.
func PerDay(ctx context.Context, db *gorm.DB, scope Scope, now time.Time, days int) ([]DayCount, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	from := today.AddDate(0, 0, 1-days)
	q, err := scope.apply(db.WithContext(ctx).Model(&Row{}))
	if err != nil {
		return nil, err
	}
	day := "strftime('%Y-%m-%d', occurred_at)"
	if db.Dialector.Name() == "postgres" {
		day = "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	var got []struct {
		Day string
		N   int64
	}
	if err := q.Select(day+" AS day, COUNT(*) AS n").Where("occurred_at >= ?", from).
		Group("day").Scan(&got).Error; err != nil {
		return nil, fmt.Errorf("events: per day: %w", err)
	}
	byDay := make(map[string]int64, len(got))
	for _, g := range got {
		byDay[g.Day] = g.N
	}
	out := make([]DayCount, days)
	for i := range out {
		d := from.AddDate(0, 0, i)
		out[i] = DayCount{Day: d, Count: byDay[d.Format("2006-01-02")]}
	}
	return out, nil
}

// where adds the scope and every condition of f to q.
func (f Filter) where(q *gorm.DB) (*gorm.DB, error) {
	q, err := f.apply(q)
	if err != nil {
		return nil, err
	}
	if f.EventType != "" {
		q = q.Where("event_type = ?", f.EventType)
	}
	if f.AggregateType != "" {
		q = q.Where("aggregate_type = ?", f.AggregateType)
	}
	if f.AggregateID != nil {
		q = q.Where("aggregate_id = ?", *f.AggregateID)
	}
	if f.ActorID != nil {
		q = q.Where("actor_id = ?", *f.ActorID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.From != nil {
		q = q.Where("occurred_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("occurred_at < ?", f.To.UTC())
	}
	if f.Before > 0 {
		q = q.Where("seq < ?", f.Before)
	}
	return q, nil
}

// ByID returns the event with the id if the scope may see it, and ErrNotFound otherwise, so
// another tenant's event id looks exactly like an unknown one.
func ByID(ctx context.Context, db *gorm.DB, scope Scope, id uuid.UUID) (*Row, error) {
	q, err := scope.apply(db.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var row Row
	err = q.Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("events: %s: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("events: by id %s: %w", id, err)
	}
	return &row, nil
}

// History returns the newest events of one aggregate visible in the scope, newest first, at
// most limit of them (0 = 20).
func History(ctx context.Context, db *gorm.DB, scope Scope, aggregateType string, aggregateID uuid.UUID, limit int) ([]Row, error) {
	q, err := scope.apply(db.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var rows []Row
	err = q.Where("aggregate_type = ? AND aggregate_id = ?", aggregateType, aggregateID).
		Order("seq DESC").Limit(clampLimit(limit, 20)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("events: history of %s %s: %w", aggregateType, aggregateID, err)
	}
	return rows, nil
}

func clampLimit(limit, def int) int {
	switch {
	case limit <= 0:
		return def
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}
