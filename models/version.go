package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rustok/rustok-admin/internal/events"
)

// Optimistic locking of the edit forms. Nodes, users, roles and tenants have a version column
// (migration 00008) that every update of the row bumps by one. A form carries the version it
// was loaded from and its save passes it on (NodeInput.Version, UserUpdate.Version, …); a save
// from another version — or from a form that carried none, parsed as 0, which no row has — is
// refused with a *StaleError before anything is written, and the row
// is written with a conditional UPDATE … WHERE version = ?, so of two transactions that read
// the same version only the first to write wins. Callers without a form (fixtures, the CLI,
// bulk actions) pass a nil version: they are not checked, but still bump.
//
// What a version counts is a change of what the forms show or guard: sign-ins (last_login_at)
// and password changes write the users row without bumping, so they never make a user form
// stale.

// versioned is a row with a version column.
type versioned interface {
	versionRef() versionRef
}

// versionRef is what the version check needs to know about a row.
type versionRef struct {
	aggregate string // the row's aggregate type in the event log: node, user, role, tenant
	table     string
	id        uuid.UUID
	version   *int
}

func (n *Node) versionRef() versionRef   { return versionRef{"node", "nodes", n.ID, &n.Version} }
func (u *User) versionRef() versionRef   { return versionRef{"user", "users", u.ID, &u.Version} }
func (r *Role) versionRef() versionRef   { return versionRef{"role", "roles", r.ID, &r.Version} }
func (t *Tenant) versionRef() versionRef { return versionRef{"tenant", "tenants", t.ID, &t.Version} }
func (p *Product) versionRef() versionRef {
	return versionRef{"product", "products", p.ID, &p.Version}
}

// StaleError refuses a save from a form loaded at an older version of the row, and says who
// changed what since, from the event log. It matches ErrStale with errors.Is.
type StaleError struct {
	Aggregate string // node, user, role or tenant
	ID        uuid.UUID
	Loaded    int // the version the form was loaded from; 0 when it carried none
	Current   int // the row's version now: a form carrying it saves
	// Changes are the saves since Loaded, oldest first; empty when they cannot be told (a
	// form without a version, or events no longer in the log).
	Changes []StaleChange
}

// StaleChange is one save by someone else since the form was loaded.
type StaleChange struct {
	ActorID *uuid.UUID // nil for the system
	At      time.Time
	Fields  []ChangedField
}

// ChangedField is a field a save changed: the key of its event's changes (title, excerpt,
// parent_id, name, domain …), or "status" and "locales" for the events that have no changes
// (node.published, tenant.deactivated, tenant.locale_enabled …). Locale is set for the fields
// of a node translation.
type ChangedField struct {
	Name   string
	Locale string
}

// Error says which row moved on, for logs.
func (e *StaleError) Error() string {
	return fmt.Sprintf("%s %s: %s (form version %d, now %d)", e.Aggregate, e.ID, ErrStale, e.Loaded, e.Current)
}

// Is makes errors.Is(err, ErrStale) true for a *StaleError.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// checkVersion refuses, with a *StaleError, a save from a form loaded at another version than
// the row read in this transaction has. A nil want skips the check.
func (s *Store) checkVersion(ctx context.Context, row versioned, want *int) error {
	ref := row.versionRef()
	if want == nil || *want == *ref.version {
		return nil
	}
	return s.staleError(ctx, ref, *want, *ref.version)
}

// saveVersioned writes the columns of row, its updated_at and its version + 1, in one UPDATE
// that matches only while the row still has the version it was read with. A row another
// transaction changed in between matches nothing: that is a *StaleError, and the caller's
// transaction must roll back. On success row carries its new version.
func (s *Store) saveVersioned(ctx context.Context, row versioned, what string, columns ...string) error {
	ref := row.versionRef()
	read := *ref.version
	*ref.version = read + 1
	res := s.Conn(ctx).Model(row).Omit(clause.Associations).Where("version = ?", read).
		Select(append(columns, "version", "updated_at")).Updates(row)
	if res.Error == nil && res.RowsAffected == 1 {
		return nil
	}
	*ref.version = read
	if res.Error != nil {
		return translate(res.Error, what)
	}
	var current []int
	if err := s.Conn(ctx).Table(ref.table).Where("id = ?", ref.id).Pluck("version", &current).Error; err != nil {
		return translate(err, what)
	}
	if len(current) == 0 {
		return translate(gorm.ErrRecordNotFound, what)
	}
	return s.staleError(ctx, ref, read, current[0])
}

// staleError builds the refusal of a form loaded at version loaded, the row being at current.
func (s *Store) staleError(ctx context.Context, ref versionRef, loaded, current int) error {
	se := &StaleError{Aggregate: ref.aggregate, ID: ref.id, Loaded: loaded, Current: current}
	if loaded > 0 && current > loaded {
		changes, err := s.changesSince(ctx, ref.aggregate, ref.id, current-loaded)
		if err != nil {
			return err
		}
		se.Changes = changes
	}
	return se
}

// maxStaleEvents bounds how much of an aggregate's history is read to describe a stale form.
const maxStaleEvents = 200

// changesSince reads the last saves of the aggregate from the event log, oldest first: each
// bump of a version is one transaction, and the events of one transaction share their request's
// correlation id (or, written outside a request, their time). Events that name no field of the
// row — a sign-in, a role assignment, a permission of a role — bump nothing and are skipped.
// The aggregate id alone picks the rows, without a tenant scope: the caller has just read the
// row in its tenant, and a user's events can sit in the logs of several tenants.
func (s *Store) changesSince(ctx context.Context, aggregate string, id uuid.UUID, saves int) ([]StaleChange, error) {
	var rows []events.Row
	err := s.Conn(ctx).Where("aggregate_type = ? AND aggregate_id = ?", aggregate, id).
		Order("seq DESC").Limit(maxStaleEvents).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "history of "+aggregate+" "+id.String())
	}
	var out []StaleChange // newest first until reversed
	last := ""
	for _, r := range rows {
		fields := changedFields(r)
		if len(fields) == 0 {
			continue
		}
		key := r.CorrelationID
		if key == "" {
			key = r.OccurredAt.UTC().Format(time.RFC3339Nano)
		}
		if len(out) > 0 && key == last {
			cur := &out[len(out)-1]
			for _, f := range fields {
				if !slices.Contains(cur.Fields, f) {
					cur.Fields = append(cur.Fields, f)
				}
			}
			continue
		}
		if len(out) == saves {
			break
		}
		last = key
		out = append(out, StaleChange{ActorID: r.ActorID, At: r.OccurredAt, Fields: fields})
	}
	slices.Reverse(out)
	return out, nil
}

// fieldOfEvent names the field of the events that change a row without a changes payload.
var fieldOfEvent = map[string]string{
	"node.published":         "status",
	"node.unpublished":       "status",
	"node.archived":          "status",
	"user.deactivated":       "status",
	"tenant.activated":       "status",
	"tenant.deactivated":     "status",
	"tenant.locale_enabled":  "locales",
	"tenant.locale_disabled": "locales",
	"product.published":      "status",
	"product.unpublished":    "status",
	"product.archived":       "status",
}

// changedFields names the fields an event of the log changed, or nothing for an event that
// changes no field of its row (or cannot be read).
func changedFields(r events.Row) []ChangedField {
	if f, ok := fieldOfEvent[r.EventType]; ok {
		return []ChangedField{{Name: f}}
	}
	ev, err := r.Envelope().Decode()
	if err != nil {
		return nil
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil
	}
	var p struct {
		Locale  string                     `json:"locale"`
		Changes map[string]json.RawMessage `json:"changes"`
	}
	if json.Unmarshal(b, &p) != nil {
		return nil
	}
	out := make([]ChangedField, 0, len(p.Changes))
	for name := range p.Changes {
		out = append(out, ChangedField{Name: name, Locale: p.Locale})
	}
	slices.SortFunc(out, func(a, b ChangedField) int { return strings.Compare(a.Name, b.Name) })
	return out
}
