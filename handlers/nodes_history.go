package handlers

import (
	"github.com/gofiber/fiber/v2"

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
	t := currentTenant(c)
	rows, err := a.store.AggregateHistory(ctx(c), events.TenantScope(t.ID), "node", n.ID, nodeHistoryLimit)
	if err != nil {
		return err
	}
	log := eventviews.Log{Slug: t.Slug}
	var eventURL func(events.Row) string
	if a.may(c, t, p("events", "read")) {
		eventURL = func(r events.Row) string { return eventviews.DetailURL(log, r) }
	}
	h := components.History{ID: "node-history", Empty: "No changes recorded yet.", AllText: "All events of this node →"}
	if a.may(c, t, p("events", "list")) {
		h.AllURL = eventviews.AggregateURL(log, "node", n.ID.String())
	}
	if h.Entries, err = a.historyEntries(ctx(c), &t.ID, rows, eventURL); err != nil {
		return err
	}
	return render(c, fiber.StatusOK, components.HistoryPanel(h))
}
