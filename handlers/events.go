package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	eventviews "github.com/rustok/rustok-admin/views/events"
)

// eventLog is the event log a request reads: the open tenant's, or — on the /events routes —
// the platform's (events of no tenant).
type eventLog struct {
	scope  events.Scope
	base   string // URL of the list
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
		return eventLog{scope: events.PlatformScope, base: "/events", title: "Platform events"}, nil
	}
	t := currentTenant(c)
	if t == nil {
		return eventLog{}, errors.New("events: tenant route without a tenant")
	}
	return eventLog{scope: events.TenantScope(t.ID), base: "/t/" + t.Slug + "/events", title: "Events",
		tenant: t.Name + " (" + t.Slug + ") · " + t.ID.String()}, nil
}

// eventsList renders the filtered event log, newest first, one keyset page at a time. An htmx
// filter change gets only #events-table (and the fields' error slots).
func (a *App) eventsList(c *fiber.Ctx) error {
	log, err := a.eventLogOf(c)
	if err != nil {
		return err
	}
	form, filter := parseEventFilters(c)
	filter.Scope = log.scope
	l := eventviews.List{Base: log.base, Platform: log.scope.Platform, Types: events.Types(), Filters: form, Before: filter.Before}
	status := fiber.StatusOK
	if len(form.Errors) == 0 {
		if l.Rows, l.Next, err = events.List(ctx(c), a.store.Conn(ctx(c)), filter); err != nil {
			return err
		}
	} else if !wantsFragment(c) {
		// htmx does not swap 4xx bodies by default, so the fragment says what is wrong with 200.
		status = fiber.StatusUnprocessableEntity
	}
	p := a.pageFor(c, log.title)
	p.Section = "events"
	return page(c, status, eventviews.ListPage(p, l), eventviews.EventsFragment(l))
}

// parseEventFilters reads the filter query parameters: what was typed (for the form), the
// filter to run, and a message for each value that cannot be used.
func parseEventFilters(c *fiber.Ctx) (eventviews.Filters, events.Filter) {
	q := func(key string) string { return strings.TrimSpace(c.Query(key)) }
	form := eventviews.Filters{Type: q("type"), AggregateType: q("aggregate_type"), AggregateID: q("aggregate_id"),
		ActorID: q("actor_id"), Status: q("status"), From: q("from"), To: q("to"), Limit: q("limit")}
	errs := map[string]string{}
	var f events.Filter
	if form.Type != "" {
		if _, ok := events.CurrentVersion(form.Type); !ok {
			errs["type"] = "Choose an event type from the list."
		}
		f.EventType = form.Type
	}
	if form.Status != "" && !events.IsStatus(form.Status) {
		errs["status"] = "Choose pending, dispatched or failed."
	}
	f.Status = form.Status
	if len(form.AggregateType) > 50 {
		errs["aggregate_type"] = "Aggregate types are at most 50 characters, such as tenant or product."
	}
	f.AggregateType = form.AggregateType
	f.AggregateID = parseUUIDField(form.AggregateID, "aggregate_id", errs)
	f.ActorID = parseUUIDField(form.ActorID, "actor_id", errs)
	f.From = parseDateField(form.From, "from", errs)
	if to := parseDateField(form.To, "to", errs); to != nil {
		end := to.AddDate(0, 0, 1) // the "to" day is included
		f.To = &end
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		errs["to"] = "The end date is before the start date."
	}
	if raw := q("before"); raw != "" {
		if n, err := strconv.ParseInt(raw, 10, 64); err != nil || n <= 0 {
			errs["page"] = "This page link is broken. Start again from the newest events."
		} else {
			f.Before = n
		}
	}
	if form.Limit != "" {
		if n, err := strconv.Atoi(form.Limit); err != nil || n < 1 || n > events.MaxLimit {
			errs["page"] = fmt.Sprintf("The page size must be a number from 1 to %d.", events.MaxLimit)
		} else {
			f.Limit = n
		}
	}
	if len(errs) > 0 {
		form.Errors = errs
	}
	return form, f
}

func parseUUIDField(raw, field string, errs map[string]string) *uuid.UUID {
	if raw == "" {
		return nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		errs[field] = "Enter a complete id such as 0190f5a4-7c1e-7b3a-9d2e-5f0c8a1b2c3d."
		return nil
	}
	return &id
}

func parseDateField(raw, field string, errs map[string]string) *time.Time {
	if raw == "" {
		return nil
	}
	d, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		errs[field] = "Enter a date as YYYY-MM-DD."
		return nil
	}
	return &d
}

// eventByParam returns the event of the :id route parameter from the request's log. A
// malformed id, an unknown one and another tenant's are all 404.
func (a *App) eventByParam(c *fiber.Ctx, log eventLog) (*events.Row, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	row, err := events.ByID(ctx(c), a.store.Conn(ctx(c)), log.scope, id)
	if errors.Is(err, events.ErrNotFound) {
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
	d := eventviews.Detail{Base: log.base, Tenant: log.tenant, Row: *row}
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
	switch err := events.Retry(ctx(c), a.store.Conn(ctx(c)), row.ID); {
	case errors.Is(err, events.ErrNotFailed):
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
	rows, err := events.History(ctx(c), a.store.Conn(ctx(c)), log.scope, aggregateType, aid, c.QueryInt("limit", 20))
	if err != nil {
		return err
	}
	h := eventviews.History{Base: log.base, AggregateType: aggregateType, AggregateID: aid.String()}
	for _, row := range rows {
		h.Items = append(h.Items, eventviews.HistoryItem{Row: row, Summary: summarize(row)})
	}
	return render(c, fiber.StatusOK, eventviews.HistoryFragment(h))
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

// summarize describes an event in one line for the history fragment: "field: old → new" for
// update events, otherwise its payload fields other than ids.
func summarize(row events.Row) string {
	payload, err := decodedPayload(row)
	if err != nil {
		return ""
	}
	var parts []string
	if changes := payloadChanges(payload); len(changes) > 0 {
		for _, ch := range changes {
			parts = append(parts, ch.Field+": "+ch.Old+" → "+ch.New)
		}
	} else {
		var m map[string]any
		if json.Unmarshal(payload, &m) != nil {
			return ""
		}
		for k, v := range m {
			if strings.HasSuffix(k, "_id") || v == nil || v == "" {
				continue
			}
			parts = append(parts, k+": "+formatValue(v))
		}
		sort.Strings(parts)
	}
	s := strings.Join(parts, "; ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}
