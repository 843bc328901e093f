package testkit

import (
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
)

// Recorder shows what a piece of code emitted: the outbox rows written after it was created,
// read from the real sys_events table.
type Recorder struct {
	store *models.Store
	after int64
}

// Events starts recording: rows already in the outbox are ignored.
func Events(t testing.TB, store *models.Store) *Recorder {
	t.Helper()
	var max int64
	if err := store.DB().Model(&events.Row{}).Select("COALESCE(MAX(seq), 0)").Scan(&max).Error; err != nil {
		t.Fatalf("testkit: read outbox: %v", err)
	}
	return &Recorder{store: store, after: max}
}

// Rows returns every row recorded so far, oldest first.
func (r *Recorder) Rows(t testing.TB) []events.Row {
	t.Helper()
	var rows []events.Row
	if err := r.store.DB().Where("seq > ?", r.after).Order("seq").Find(&rows).Error; err != nil {
		t.Fatalf("testkit: read outbox: %v", err)
	}
	return rows
}

// Types returns the event types recorded so far, in order.
func (r *Recorder) Types(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, row := range r.Rows(t) {
		out = append(out, row.EventType)
	}
	return out
}

// Emitted fails the test unless at least one event of the type was recorded, and returns those
// events decoded to their current Go type (upcast if stored in an older version), for payload
// checks: ev := rec.Emitted(t, "user.logged_in")[0].(*events.UserLoggedIn).
func (r *Recorder) Emitted(t testing.TB, eventType string) []events.Event {
	t.Helper()
	var out []events.Event
	for _, row := range r.Rows(t) {
		if row.EventType != eventType {
			continue
		}
		ev, err := row.Envelope().Decode()
		if err != nil {
			t.Fatalf("testkit: decode %s %s: %v", eventType, row.ID, err)
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		t.Fatalf("no %s event was emitted; recorded: [%s]", eventType, strings.Join(r.Types(t), ", "))
	}
	return out
}

// NotEmitted fails the test if an event of the type was recorded.
func (r *Recorder) NotEmitted(t testing.TB, eventType string) {
	t.Helper()
	for _, row := range r.Rows(t) {
		if row.EventType == eventType {
			t.Fatalf("%s was emitted (%s) but should not have been", eventType, row.ID)
		}
	}
}
