package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/views/components"
	eventviews "github.com/rustok/rustok-admin/views/events"
)

// nodeHistoryLimit is how many of a node's events the panel shows; the event log has the rest.
const nodeHistoryLimit = 30

// nodeHistory is the node page's history panel: who did what and when, with what changed in
// words, from the tenant's event log. Anyone who may read the node may read its history; links
// into the event log appear only for those who may open it.
func (a *App) nodeHistory(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	h, _, err := a.aggregateHistory(c, "node", n.ID, components.History{ID: "node-history", Empty: "No changes recorded yet.", AllText: "All events of this node →"})
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, components.HistoryPanel(h))
}

// aggregateHistory fills h with the last events of one aggregate of the request's tenant, in
// words, linking into the event log only for those who may open it. It returns the rows too,
// for panels that name more (a product's variants).
func (a *App) aggregateHistory(c *fiber.Ctx, aggregate string, id uuid.UUID, h components.History) (components.History, []events.Row, error) {
	t := currentTenant(c)
	rows, err := a.store.AggregateHistory(ctx(c), events.TenantScope(t.ID), aggregate, id, nodeHistoryLimit)
	if err != nil {
		return h, nil, err
	}
	log := eventviews.Log{Slug: t.Slug}
	var eventURL func(events.Row) string
	if a.may(c, t, p("events", "read")) {
		eventURL = func(r events.Row) string { return eventviews.DetailURL(log, r) }
	}
	if a.may(c, t, p("events", "list")) {
		h.AllURL = eventviews.AggregateURL(log, aggregate, id.String())
	}
	h.Entries, err = a.historyEntries(ctx(c), &t.ID, rows, eventURL)
	return h, rows, err
}
