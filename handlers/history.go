package handlers

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	nodeviews "github.com/rustok/rustok-admin/views/nodes"
)

// maxDiffLines is how many changed lines of a body edit a history entry shows.
const maxDiffLines = 20

// historyNames are the names a history shows instead of ids, looked up once per panel.
type historyNames struct {
	users   map[uuid.UUID]models.User
	nodes   map[uuid.UUID]string
	tenants map[uuid.UUID]string
}

// tenant names a tenant given by id in a payload; "*" is every tenant (platform roles).
func (n historyNames) tenant(s string) string {
	if s == "*" {
		return "every tenant"
	}
	if id, err := uuid.Parse(s); err == nil {
		if name, ok := n.tenants[id]; ok {
			return name
		}
		return "a removed tenant"
	}
	return s
}

func (n historyNames) node(id uuid.UUID) string {
	if t, ok := n.nodes[id]; ok {
		return t
	}
	return "an untitled or removed node"
}

// historyFormatter fills an entry's change lines, chips and diffs from one decoded event of
// its aggregate type.
type historyFormatter func(ev events.Event, names historyNames, e *components.HistoryEntry)

// historyFormatters is the formatter of each aggregate type; others get historyGeneric.
var historyFormatters = map[string]historyFormatter{
	"node":   historyNode,
	"tenant": historyTenant,
	"user":   historyUser,
	"role":   historyRole,
}

// historyEntries turns rows of the event log into history entries, naming actors and the
// nodes events point at with one lookup each. eventURL, when not nil, links each entry.
func (a *App) historyEntries(ctx context.Context, tenantID *uuid.UUID, rows []events.Row, eventURL func(events.Row) string) ([]components.HistoryEntry, error) {
	decoded := make([]events.Event, len(rows))
	var userIDs, nodeIDs, tenantIDs []uuid.UUID
	addUser := func(id uuid.UUID) {
		if id != uuid.Nil && !slices.Contains(userIDs, id) {
			userIDs = append(userIDs, id)
		}
	}
	addNode := func(id uuid.UUID) {
		if id != uuid.Nil && !slices.Contains(nodeIDs, id) {
			nodeIDs = append(nodeIDs, id)
		}
	}
	for i, r := range rows {
		if r.ActorID != nil {
			addUser(*r.ActorID)
		}
		ev, err := r.Envelope().Decode()
		if err != nil {
			continue
		}
		decoded[i] = ev
		switch ev := ev.(type) {
		case *events.UserRoleAssigned:
			addTenant(&tenantIDs, ev.Tenant)
		case *events.UserRoleRevoked:
			addTenant(&tenantIDs, ev.Tenant)
		case *events.NodeCreated:
			addUser(ev.AuthorID)
			if ev.ParentID != nil {
				addNode(*ev.ParentID)
			}
		case *events.NodeUpdated:
			for field, ch := range ev.Changes {
				for _, v := range []any{ch.Old, ch.New} {
					if id, ok := changeID(v); ok && field == "author_id" {
						addUser(id)
					} else if ok && field == "parent_id" {
						addNode(id)
					}
				}
			}
		}
	}
	names := historyNames{nodes: map[uuid.UUID]string{}}
	var err error
	if names.users, err = a.store.UsersByIDs(ctx, userIDs); err != nil {
		return nil, err
	}
	if names.tenants, err = a.store.TenantNames(ctx, tenantIDs); err != nil {
		return nil, err
	}
	if tenantID != nil {
		if names.nodes, err = a.store.NodeTitles(ctx, *tenantID, "", nodeIDs); err != nil {
			return nil, err
		}
	}
	out := make([]components.HistoryEntry, 0, len(rows))
	for i, r := range rows {
		e := components.HistoryEntry{At: r.OccurredAt, Title: r.EventType, Actor: actorName(r.ActorID, names.users)}
		if eventURL != nil {
			e.TitleURL = eventURL(r)
		}
		if decoded[i] != nil {
			format, ok := historyFormatters[r.AggregateType]
			if !ok {
				format = historyGeneric
			}
			format(decoded[i], names, &e)
		}
		out = append(out, e)
	}
	return out, nil
}

func addTenant(ids *[]uuid.UUID, s string) {
	if id, err := uuid.Parse(s); err == nil && !slices.Contains(*ids, id) {
		*ids = append(*ids, id)
	}
}

// actorName names who acted: a user's name or email, "system" when no one did.
func actorName(id *uuid.UUID, users map[uuid.UUID]models.User) string {
	if id == nil {
		return "system"
	}
	if u, ok := users[*id]; ok {
		return nodeviews.AuthorLabel(u.Name, u.Email)
	}
	return "a removed user"
}

// changeID reads a uuid out of a change's old or new value.
func changeID(v any) (uuid.UUID, bool) {
	s, ok := v.(string)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// changeLines says "prefix field: Old → New" per field, sorted, with ids shown as names.
func changeLines(prefix string, changes events.Changes, names historyNames) []string {
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		ch := changes[f]
		show := func(v any) string {
			if id, ok := changeID(v); ok {
				switch f {
				case "author_id":
					return actorName(&id, names.users)
				case "parent_id":
					return names.node(id)
				}
			}
			return clip(formatValue(v))
		}
		out = append(out, prefix+strings.TrimSuffix(f, "_id")+": "+show(ch.Old)+" → "+show(ch.New))
	}
	return out
}

func historyNode(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.NodeCreated:
		e.Lines = append(e.Lines, ev.Kind+", "+ev.Status+", by "+actorName(&ev.AuthorID, names.users))
		if ev.ParentID != nil {
			e.Lines = append(e.Lines, "under "+names.node(*ev.ParentID))
		}
	case *events.NodeUpdated:
		e.Lines = changeLines("", ev.Changes, names)
	case *events.NodeTranslationUpdated:
		prefix := ev.Locale + " · "
		rest := events.Changes{}
		for f, ch := range ev.Changes {
			if f != "body" {
				rest[f] = ch
			}
		}
		e.Lines = changeLines(prefix, rest, names)
		if ch, ok := ev.Changes["body"]; ok {
			old, _ := ch.Old.(string)
			nw, _ := ch.New.(string)
			switch {
			case old == "":
				e.Lines = append(e.Lines, prefix+"body written ("+nodeviews.Chars(utf8.RuneCountInString(nw))+")")
			case nw == "":
				e.Lines = append(e.Lines, prefix+"body removed")
			default:
				e.Diffs = append(e.Diffs, lineDiff(prefix+"body", old, nw))
			}
		}
	}
}

func historyTenant(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.TenantCreated:
		e.Lines = []string{ev.Name + " (" + ev.Slug + "), default locale " + ev.DefaultLocale}
	case *events.TenantUpdated:
		e.Lines = changeLines("", ev.Changes, names)
	case *events.TenantLocaleEnabled:
		e.Chips = []components.HistoryChip{{Added: true, Text: ev.Locale}}
	case *events.TenantLocaleDisabled:
		e.Chips = []components.HistoryChip{{Text: ev.Locale}}
	}
}

func historyUser(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.UserRegistered:
		e.Lines = []string{nodeviews.AuthorLabel(ev.Name, "") + " <" + ev.Email + ">"}
	case *events.UserUpdated:
		e.Lines = changeLines("", ev.Changes, names)
	case *events.UserDeactivated:
		e.Lines = []string{"status: " + ev.Status}
	case *events.UserRoleAssigned:
		e.Chips = []components.HistoryChip{{Added: true, Text: ev.Role + " in " + names.tenant(ev.Tenant)}}
	case *events.UserRoleRevoked:
		e.Chips = []components.HistoryChip{{Text: ev.Role + " in " + names.tenant(ev.Tenant)}}
	}
}

func historyRole(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.RoleCreated:
		e.Lines = []string{ev.Name}
		for _, perm := range ev.Permissions {
			e.Chips = append(e.Chips, components.HistoryChip{Added: true, Text: perm})
		}
	case *events.RoleUpdated:
		e.Lines = changeLines("", ev.Changes, names)
	case *events.RoleDeleted:
		e.Lines = []string{ev.Name}
	case *events.RolePermissionGranted:
		e.Chips = []components.HistoryChip{{Added: true, Text: ev.Resource + ":" + ev.Action}}
	case *events.RolePermissionRevoked:
		e.Chips = []components.HistoryChip{{Text: ev.Resource + ":" + ev.Action}}
	}
}

// historyGeneric describes events of other aggregates: their changes, or else their payload
// fields other than ids.
func historyGeneric(ev events.Event, names historyNames, e *components.HistoryEntry) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	var p struct {
		Changes events.Changes `json:"changes"`
	}
	if json.Unmarshal(b, &p) == nil && len(p.Changes) > 0 {
		e.Lines = changeLines("", p.Changes, names)
		return
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return
	}
	for k, v := range m {
		if strings.HasSuffix(k, "_id") || v == nil || v == "" {
			continue
		}
		e.Lines = append(e.Lines, k+": "+clip(formatValue(v)))
	}
	sort.Strings(e.Lines)
}

// lineDiff shows an edit of a text as its removed and added lines, at most maxDiffLines of
// them. go-diff's line mode diffs whole lines, so a one-word edit is one line out, one in.
func lineDiff(label, old, nw string) components.HistoryDiff {
	if !strings.HasSuffix(old, "\n") {
		old += "\n"
	}
	if !strings.HasSuffix(nw, "\n") {
		nw += "\n"
	}
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(old, nw)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	d := components.HistoryDiff{Label: label}
	for _, df := range diffs {
		if df.Type == diffmatchpatch.DiffEqual {
			continue
		}
		for _, l := range strings.Split(strings.TrimSuffix(df.Text, "\n"), "\n") {
			if len(d.Lines) == maxDiffLines {
				d.More++
				continue
			}
			d.Lines = append(d.Lines, components.DiffLine{Added: df.Type == diffmatchpatch.DiffInsert, Removed: df.Type == diffmatchpatch.DiffDelete, Text: l})
		}
	}
	return d
}

// clip shortens a value for a one-line summary.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
