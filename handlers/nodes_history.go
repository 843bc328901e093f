package handlers

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
	eventviews "github.com/rustok/rustok-admin/views/events"
	nodeviews "github.com/rustok/rustok-admin/views/nodes"
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
	rows, err := events.History(ctx(c), a.store.Conn(ctx(c)), events.TenantScope(t.ID), "node", n.ID, nodeHistoryLimit)
	if err != nil {
		return err
	}
	var actorIDs []uuid.UUID
	for _, r := range rows {
		if r.ActorID != nil && !slices.Contains(actorIDs, *r.ActorID) {
			actorIDs = append(actorIDs, *r.ActorID)
		}
	}
	actors, err := a.store.UsersByIDs(ctx(c), actorIDs)
	if err != nil {
		return err
	}
	base := "/t/" + t.Slug + "/events"
	canRead := a.may(c, t, p("events", "read"))
	h := nodeviews.History{}
	if a.may(c, t, p("events", "list")) {
		h.AllURL = eventviews.AggregateURL(base, "node", n.ID.String())
	}
	for _, r := range rows {
		it := nodeviews.HistoryItem{At: r.OccurredAt, Type: r.EventType, Actor: actorName(r.ActorID, actors), Lines: nodeChangeLines(r)}
		if canRead {
			it.EventURL = eventviews.DetailURL(base, r)
		}
		h.Items = append(h.Items, it)
	}
	return render(c, fiber.StatusOK, nodeviews.HistoryPanel(h))
}

func actorName(id *uuid.UUID, users map[uuid.UUID]models.User) string {
	if id == nil {
		return "system"
	}
	if u, ok := users[*id]; ok {
		return nodeviews.AuthorLabel(u.Name, u.Email)
	}
	return "a removed user"
}

// nodeChangeLines says what an event changed: "en · title: Old → New" per field, a body edit
// as its size, and statuses as words. Event types without changes say nothing more.
func nodeChangeLines(r events.Row) []string {
	payload, err := decodedPayload(r)
	if err != nil {
		return nil
	}
	var p struct {
		Locale  string                   `json:"locale"`
		Changes map[string]events.Change `json:"changes"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return nil
	}
	prefix := ""
	if p.Locale != "" {
		prefix = p.Locale + " · "
	}
	fields := make([]string, 0, len(p.Changes))
	for f := range p.Changes {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var out []string
	for _, f := range fields {
		ch := p.Changes[f]
		if f == "body" {
			old, _ := ch.Old.(string)
			nw, _ := ch.New.(string)
			switch {
			case old == "":
				out = append(out, prefix+"body written ("+nodeviews.Chars(utf8.RuneCountInString(nw))+")")
			case nw == "":
				out = append(out, prefix+"body removed")
			default:
				out = append(out, prefix+"body edited ("+nodeviews.Chars(utf8.RuneCountInString(old))+" → "+nodeviews.Chars(utf8.RuneCountInString(nw))+")")
			}
			continue
		}
		out = append(out, prefix+f+": "+clip(formatValue(ch.Old))+" → "+clip(formatValue(ch.New)))
	}
	return out
}

// clip shortens a value for a one-line summary.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
