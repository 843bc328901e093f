package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// The event log's reads and its one write (retry), for the handlers. internal/events keeps the
// queries, which the relay shares; these methods run them on the store's connection (joining a
// transaction in ctx) and turn their sentinels into the store's.

// Events returns one page of the event log rows matching f, newest first, and the cursor of the
// next, older page (0 when there is none). f must name a tenant or the platform.
func (s *Store) Events(ctx context.Context, f events.Filter) ([]events.Row, int64, error) {
	return events.List(ctx, s.Conn(ctx), f)
}

// CountEvents returns how many event log rows match f, ignoring its cursor and page size.
func (s *Store) CountEvents(ctx context.Context, f events.Filter) (int64, error) {
	return events.Count(ctx, s.Conn(ctx), f)
}

// EventsPerDay returns how many events of the scope happened on each of the last days UTC days
// up to now's, oldest first, with zero for the quiet days.
func (s *Store) EventsPerDay(ctx context.Context, scope events.Scope, now time.Time, days int) ([]events.DayCount, error) {
	return events.PerDay(ctx, s.Conn(ctx), scope, now, days)
}

// Event returns the event with the id if the scope may see it. Another tenant's event is
// ErrNotFound, exactly like an unknown id.
func (s *Store) Event(ctx context.Context, scope events.Scope, id uuid.UUID) (*events.Row, error) {
	row, err := events.ByID(ctx, s.Conn(ctx), scope, id)
	return row, eventError(err)
}

// RetryEvent puts a failed event of the scope back in the delivery queue. An event outside the
// scope is ErrNotFound and is left alone; one that has not failed is ErrNotFailed.
func (s *Store) RetryEvent(ctx context.Context, scope events.Scope, id uuid.UUID) error {
	return eventError(events.Retry(ctx, s.Conn(ctx), scope, id))
}

// AggregateHistory returns the newest events of one aggregate visible in the scope, newest
// first, at most limit of them (0 = 20, capped at events.MaxLimit).
func (s *Store) AggregateHistory(ctx context.Context, scope events.Scope, aggregateType string, id uuid.UUID, limit int) ([]events.Row, error) {
	return events.History(ctx, s.Conn(ctx), scope, aggregateType, id, limit)
}

// eventError maps the event queries' sentinels onto the store's, keeping the message.
func eventError(err error) error {
	switch {
	case errors.Is(err, events.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, events.ErrNotFailed):
		return fmt.Errorf("%w: %w", ErrNotFailed, err)
	}
	return err
}
