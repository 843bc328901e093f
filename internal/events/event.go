// Package events is RusToK's event backbone: the envelope, the versioned catalog of domain
// events, upcasters that keep old versions readable, the transactional outbox writer, the relay
// that delivers outbox rows, and the transports (in-process subscribers, NATS JetStream).
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Event is a typed payload of the catalog. Each type declares its event_type, its current
// schema version and its aggregate, and validates itself before it is stored.
type Event interface {
	EventType() string
	SchemaVersion() int
	AggregateType() string
	AggregateID() uuid.UUID
	Validate() error
}

// tenantNamer is implemented by payloads that name their tenant themselves (tenant.created
// happens before any request is scoped to that tenant).
type tenantNamer interface {
	EventTenantID() uuid.UUID
}

// creation is implemented by events that record the birth of their aggregate in the
// transaction that appends them: the aggregate's id is new and no other transaction can see it
// (or emit an event about it) before this one commits. The outbox takes no lock for such an
// aggregate (insertRows): any later writer of it starts after this commit, and a sequence value
// taken after a commit is higher than every value taken before it, so seq order stays commit
// order without one.
type creation interface {
	CreatesAggregate()
}

// Envelope is an event as stored and delivered: the payload plus who, where, when and why.
type Envelope struct {
	ID            uuid.UUID       `json:"id"`
	EventType     string          `json:"event_type"`
	SchemaVersion int             `json:"schema_version"`
	TenantID      *uuid.UUID      `json:"tenant_id,omitempty"`
	AggregateType string          `json:"aggregate_type"`
	AggregateID   uuid.UUID       `json:"aggregate_id"`
	ActorID       *uuid.UUID      `json:"actor_id,omitempty"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	CausationID   *uuid.UUID      `json:"causation_id,omitempty"`
	OccurredAt    time.Time       `json:"occurred_at"`
	Payload       json.RawMessage `json:"payload"`
}

// Decode returns the envelope's payload as its current Go type, upcasting older versions.
func (e Envelope) Decode() (Event, error) {
	return Decode(e.EventType, e.SchemaVersion, e.Payload)
}

// ErrInvalid wraps every validation failure of a payload.
var ErrInvalid = errors.New("invalid event")

func invalid(ev Event, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrInvalid, ev.EventType(), fmt.Sprintf(format, args...))
}

// Change is one field's old and new value; update events carry a map of them, so the event log
// doubles as an audit trail.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// Changes maps a field name to its change.
type Changes map[string]Change

// Diff records field when old and new differ.
func (c Changes) Diff(field string, old, new any) Changes {
	if fmt.Sprint(old) != fmt.Sprint(new) {
		c[field] = Change{Old: old, New: new}
	}
	return c
}
