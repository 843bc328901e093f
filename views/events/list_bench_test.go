package events_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	ev "github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/events"
	"github.com/rustok/rustok-admin/views/layouts"
	"github.com/rustok/rustok-admin/views/viewtest"
)

// BenchmarkEventList renders a tenant's event log of 50 rows, page and htmx fragment
// (docs/BENCHMARKS.md, "Rendering"; goal under 0.3 ms of CPU each).
func BenchmarkEventList(b *testing.B) {
	log := events.Log{Slug: "acme"}
	tenant := uuid.MustParse("0193a7d0-0000-7000-8000-000000000001")
	actor := uuid.MustParse("0193a7d0-0000-7000-8000-00000000000a")
	l := events.List{Log: log, Query: components.ListState{ID: "events", Base: log.URL(), Values: url.Values{}, At: url.Values{}},
		Types: []string{"node.created", "node.published"}, AggregateTypes: []string{"node", "user"},
		People: []events.Person{{ID: actor.String(), Name: "Ada Admin"}}, Names: map[uuid.UUID]string{actor: "Ada Admin"}, Next: 10}
	for i := range 50 {
		node := uuid.MustParse(fmt.Sprintf("0193a7d0-0000-7000-8000-%012d", 100+i))
		l.Names[node] = fmt.Sprintf("A summer post number %d", i)
		l.Rows = append(l.Rows, ev.Row{Seq: int64(1000 - i), ID: uuid.New(), EventType: "node.published", SchemaVersion: 1,
			TenantID: &tenant, AggregateType: "node", AggregateID: node, ActorID: &actor, CorrelationID: "c",
			OccurredAt: time.Date(2026, 11, 30, 14, 5, 0, 0, time.UTC).Add(-time.Duration(i) * time.Minute),
			Payload:    `{}`, Status: ev.StatusDispatched})
	}
	p := layouts.Page{Title: "Events", UserName: "Ada Admin", UserEmail: "ada@example.com", Tenant: &layouts.TenantRef{Slug: "acme", Name: "Acme"},
		CSRFToken: "csrf", Section: "events", TimeZone: "Europe/Berlin", Tenants: []layouts.TenantRef{{Slug: "acme", Name: "Acme"}}}
	viewtest.Render(b, events.ListPage(p, l), events.EventsTable(l, true))
}
