package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	eventviews "github.com/rustok/rustok-admin/views/events"
	userviews "github.com/rustok/rustok-admin/views/users"
)

// eventLog is the event log a request reads: the open tenant's, or — on the /events routes —
// the platform's (events of no tenant).
type eventLog struct {
	scope  events.Scope
	base   eventviews.Log // where the log lives
	title  string
	tenant string // "Name (slug) · id" of the open tenant; "" for the platform
}

// eventLogOf picks the log from the route. A /t/:slug route without a resolved tenant is a
// wiring mistake; refusing it keeps such a route from falling back to platform events.
func (a *App) eventLogOf(c *fiber.Ctx) (eventLog, error) {
	if c.Params("slug") == "" {
		if !a.isSuper(c) {
			return eventLog{}, fiber.ErrForbidden
		}
		return eventLog{scope: events.PlatformScope, base: eventviews.Log{}, title: "Platform events"}, nil
	}
	t := currentTenant(c)
	if t == nil {
		return eventLog{}, errors.New("events: tenant route without a tenant")
	}
	return eventLog{scope: events.TenantScope(t.ID), base: eventviews.Log{Slug: t.Slug}, title: "Events",
		tenant: t.Name + " (" + t.Slug + ") · " + t.ID.String()}, nil
}

// eventsList renders the filtered event log, newest first, one keyset page at a time. An htmx
// filter change gets only #events-table (and the fields' error slots).
func (a *App) eventsList(c *fiber.Ctx) error {
	log, err := a.eventLogOf(c)
	if err != nil {
		return err
	}
	lp := readList("events", log.base.URL(), query(c))
	filter := eventFilter(lp)
	filter.Scope = log.scope
	l := eventviews.List{Query: lp.done(), Log: log.base, Types: events.Types(),
		AggregateTypes: events.AggregateTypes(), Before: filter.Before}
	if !l.Query.Invalid() {
		if l.Rows, l.Next, err = a.store.Events(ctx(c), filter); err != nil {
			return err
		}
	}
	if l.Names, err = a.eventNames(c, l.Rows, filter.ActorID); err != nil {
		return err
	}
	if !log.scope.Platform {
		if l.People, err = a.eventPeople(c, filter.ActorID, l.Names); err != nil {
			return err
		}
	}
	p := a.pageFor(c, log.title)
	p.Section = "events"
	return renderList(c, fiber.StatusOK, l.Query, eventviews.ListPage(p, l), eventviews.EventsFragment(l))
}

// eventFilter declares the event log's filters and keyset paging.
func eventFilter(lp *listParams) events.Filter {
	const badID = "Enter a complete id such as 0190f5a4-7c1e-7b3a-9d2e-5f0c8a1b2c3d."
	f := events.Filter{
		EventType:     lp.oneOf("type", events.Types(), "Choose an event type from the list."),
		Status:        lp.oneOf("status", events.Statuses, "Choose pending, dispatched or failed."),
		AggregateType: lp.oneOf("aggregate_type", events.AggregateTypes(), "Choose an aggregate type from the list."),
		AggregateID:   idOrNil(lp.id("aggregate_id", badID)),
		ActorID:       idOrNil(lp.id("actor_id", "Choose a person from the list, or enter a complete user id.")),
		From:          lp.date("from"),
	}
	if to := lp.date("to"); to != nil {
		end := to.AddDate(0, 0, 1) // the "to" day is included
		f.To = &end
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		lp.fail("to", "The end date is before the start date.")
	}
	f.Before, f.Limit = lp.keyset(events.MaxLimit)
	return f
}

// eventNames names the people and aggregates of a page of events, keyed by id, in one
// statement however long the page (models.Store.Names): users (actors, user aggregates and the
// person filtered on), nodes, roles and tenants. Unnamed ids are left out, and the views fall
// back to the short id.
func (a *App) eventNames(c *fiber.Ctx, rows []events.Row, actor *uuid.UUID) (map[uuid.UUID]string, error) {
	t := currentTenant(c)
	q := eventNameQuery(t, rows, actor)
	names, err := a.store.Names(ctx(c), q)
	if err != nil {
		return nil, err
	}
	return eventNameMap(t, q, names), nil
}

// eventNameQuery asks for the names a page of events shows.
func eventNameQuery(t *models.Tenant, rows []events.Row, actor *uuid.UUID) models.NameQuery {
	var q models.NameQuery
	if t != nil {
		q.TenantID = &t.ID
	}
	if actor != nil {
		q.Users = append(q.Users, *actor)
	}
	for _, r := range rows {
		if r.ActorID != nil {
			q.Users = append(q.Users, *r.ActorID)
		}
		switch r.AggregateType {
		case "user":
			q.Users = append(q.Users, r.AggregateID)
		case "tenant":
			q.Tenants = append(q.Tenants, r.AggregateID)
		case "role":
			q.Roles = append(q.Roles, r.AggregateID)
		case "node":
			q.Nodes = append(q.Nodes, r.AggregateID)
		}
	}
	q.Users = slices.Compact(sortedIDs(q.Users))
	return q
}

// eventNameMap is what eventNames returns: one name per id, nodes titled in the tenant's
// default locale when they have a title there.
func eventNameMap(t *models.Tenant, q models.NameQuery, names models.Names) map[uuid.UUID]string {
	out := map[uuid.UUID]string{}
	for id, name := range names.Tenants {
		out[id] = name
	}
	for id, name := range names.Roles {
		out[id] = name
	}
	if t != nil {
		for _, id := range q.Nodes {
			if title, ok := names.NodeTitle(id, t.DefaultLocale); ok {
				out[id] = title
			}
		}
	}
	for id, u := range names.Users {
		out[id] = userviews.DisplayName(&u)
	}
	return out
}

func sortedIDs(ids []uuid.UUID) []uuid.UUID {
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return ids
}

// eventPeople lists the choices of the person filter: the tenant's members, and the person
// filtered on when they are not one (a super admin, a user since removed).
func (a *App) eventPeople(c *fiber.Ctx, actor *uuid.UUID, names map[uuid.UUID]string) ([]eventviews.Person, error) {
	members, err := a.users.Members(ctx(c), currentTenant(c).ID)
	if err != nil {
		return nil, err
	}
	people := make([]eventviews.Person, 0, len(members)+1)
	found := actor == nil
	for i := range members {
		people = append(people, eventviews.Person{ID: members[i].ID.String(), Name: userviews.DisplayName(&members[i])})
		found = found || members[i].ID == *actor
	}
	if !found {
		name, ok := names[*actor]
		if !ok {
			name = eventviews.ShortID(actor.String())
		}
		people = append(people, eventviews.Person{ID: actor.String(), Name: name})
	}
	return people, nil
}

func idOrNil(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// eventByParam returns the event of the :id route parameter from the request's log. A
// malformed id, an unknown one and another tenant's are all 404.
func (a *App) eventByParam(c *fiber.Ctx, log eventLog) (*events.Row, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	row, err := a.store.Event(ctx(c), log.scope, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return row, err
}

// openEvent returns the log the route reads and the event named by :id in it.
func (a *App) openEvent(c *fiber.Ctx) (eventLog, *events.Row, error) {
	log, err := a.eventLogOf(c)
	if err != nil {
		return log, nil, err
	}
	row, err := a.eventByParam(c, log)
	return log, row, err
}

// eventShow renders one event: envelope, delivery state, and the payload read as the current
// schema version, with the old → new table of an update event.
func (a *App) eventShow(c *fiber.Ctx) error {
	log, row, err := a.openEvent(c)
	if err != nil {
		return err
	}
	d := eventviews.Detail{Log: log.base, Tenant: log.tenant, Row: *row}
	d.CurrentVersion, _ = events.CurrentVersion(row.EventType)
	payload, err := decodedPayload(*row)
	if err != nil {
		// A payload this build cannot read (a newer version, a missing upcaster) is still shown.
		d.DecodeError = err.Error()
		d.Payload = indentJSON([]byte(row.Payload))
	} else {
		d.Payload = indentJSON(payload)
		d.Changes = payloadChanges(payload)
	}
	p := a.pageFor(c, row.EventType)
	p.Section = "events"
	return render(c, fiber.StatusOK, eventviews.DetailPage(p, d))
}

// eventRetryPost puts a failed event back in the queue and returns to its page.
func (a *App) eventRetryPost(c *fiber.Ctx) error {
	log, row, err := a.openEvent(c)
	if err != nil {
		return err
	}
	back := eventviews.DetailURL(log.base, *row)
	switch err := a.store.RetryEvent(ctx(c), log.scope, row.ID); {
	case errors.Is(err, models.ErrNotFailed):
		return a.flashRedirect(c, "info", "This event has not failed, so there is nothing to retry.", back)
	case err != nil:
		return err
	}
	a.log.InfoContext(ctx(c), "event retried", "event_id", row.ID.String(), "event_type", row.EventType)
	return a.flashRedirect(c, "success", "The event is queued for delivery again.", back)
}

// eventsHistory is the fragment resource pages embed: the newest events of one aggregate.
func (a *App) eventsHistory(c *fiber.Ctx) error {
	log, err := a.eventLogOf(c)
	if err != nil {
		return err
	}
	aggregateType := c.Params("type")
	aid, err := uuid.Parse(c.Params("aid"))
	if err != nil || aggregateType == "" || len(aggregateType) > 50 {
		return fiber.ErrNotFound
	}
	rows, err := a.store.AggregateHistory(ctx(c), log.scope, aggregateType, aid, c.QueryInt("limit", 20))
	if err != nil {
		return err
	}
	h := components.History{ID: "aggregate-history", Empty: "No events recorded for this " + aggregateType + " yet.",
		AllURL: eventviews.AggregateURL(log.base, aggregateType, aid.String()), AllText: "All events of this " + aggregateType + " →"}
	eventURL := func(r events.Row) string { return eventviews.DetailURL(log.base, r) }
	if h.Entries, err = a.historyEntries(ctx(c), log.scope.TenantID, rows, eventURL); err != nil {
		return err
	}
	return render(c, fiber.StatusOK, components.HistoryPanel(h))
}

// decodedPayload returns the row's payload as JSON of the current schema version.
func decodedPayload(row events.Row) ([]byte, error) {
	ev, err := row.Envelope().Decode()
	if err != nil {
		return nil, err
	}
	return json.Marshal(ev)
}

func indentJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// payloadChanges returns the "changes" of an update event's payload, sorted by field.
func payloadChanges(payload []byte) []eventviews.Change {
	var p struct {
		Changes map[string]events.Change `json:"changes"`
	}
	if json.Unmarshal(payload, &p) != nil || len(p.Changes) == 0 {
		return nil
	}
	out := make([]eventviews.Change, 0, len(p.Changes))
	for field, ch := range p.Changes {
		out = append(out, eventviews.Change{Field: field, Old: formatValue(ch.Old), New: formatValue(ch.New)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// formatValue shows a JSON value for people: strings bare, nothing as "(empty)".
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case string:
		if v == "" {
			return "(empty)"
		}
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
