package handlers

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"
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
type historyNames struct{ models.Names }

// tenant names a tenant given by id in a payload; "*" is every tenant (platform roles).
func (n historyNames) tenant(s string) string {
	if s == "*" {
		return "every tenant"
	}
	if id, err := uuid.Parse(s); err == nil {
		if name, ok := n.Tenants[id]; ok {
			return name
		}
		return "a removed tenant"
	}
	return s
}

func (n historyNames) node(id uuid.UUID) string {
	if t, ok := n.NodeTitle(id, ""); ok {
		return t
	}
	return "an untitled or removed node"
}

// historyFormatter fills an entry's human title ("Published", "Role editor assigned to Ann"),
// change lines, chips and diffs from one decoded event of its aggregate type. Every type of the
// catalog gets a title from its formatter (TestHistoryTitles); the raw type stays in small print.
type historyFormatter func(ev events.Event, names historyNames, e *components.HistoryEntry)

// historyFormatters is the formatter of each aggregate type; others get historyGeneric.
var historyFormatters = map[string]historyFormatter{
	"node":          historyNode,
	"tenant":        historyTenant,
	"user":          historyUser,
	"role":          historyRole,
	"product":       historyProduct,
	"login_attempt": historyLoginAttempt,
}

// historyFormatterOf returns the formatter of an aggregate type.
func historyFormatterOf(aggregateType string) historyFormatter {
	if format, ok := historyFormatters[aggregateType]; ok {
		return format
	}
	return historyGeneric
}

// historyEntries turns rows of the event log into history entries, naming the actors, users,
// tenants and nodes the events point at in one statement (models.Store.Names). eventURL, when
// not nil, links each entry.
func (a *App) historyEntries(ctx context.Context, tenantID *uuid.UUID, rows []events.Row, eventURL func(events.Row) string) ([]components.HistoryEntry, error) {
	entries, _, err := a.historyEntriesAnd(ctx, tenantID, rows, eventURL, models.NameQuery{})
	return entries, err
}

// historyEntriesAnd is historyEntries that also looks up the names of also in the same
// statement, and returns every name it found.
func (a *App) historyEntriesAnd(ctx context.Context, tenantID *uuid.UUID, rows []events.Row, eventURL func(events.Row) string, also models.NameQuery) ([]components.HistoryEntry, models.Names, error) {
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
			addUser(ev.UserID)
			addTenant(&tenantIDs, ev.Tenant)
		case *events.UserRoleRevoked:
			addUser(ev.UserID)
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
	for _, id := range also.Users {
		addUser(id)
	}
	for _, id := range also.Nodes {
		addNode(id)
	}
	for _, id := range also.Tenants {
		if !slices.Contains(tenantIDs, id) {
			tenantIDs = append(tenantIDs, id)
		}
	}
	found, err := a.store.Names(ctx, models.NameQuery{TenantID: tenantID, Users: userIDs, Tenants: tenantIDs, Nodes: nodeIDs, Roles: also.Roles})
	if err != nil {
		return nil, models.Names{}, err
	}
	names := historyNames{found}
	out := make([]components.HistoryEntry, 0, len(rows))
	for i, r := range rows {
		e := components.HistoryEntry{At: r.OccurredAt, Type: r.EventType, Actor: actorName(r.ActorID, names.Users)}
		if eventURL != nil {
			e.EventURL = eventURL(r)
		}
		if decoded[i] != nil {
			historyFormatterOf(r.AggregateType)(decoded[i], names, &e)
		}
		if e.Title == "" { // a payload this build cannot read, or a type without a formatter
			e.Title = typeTitle(r.EventType)
		}
		out = append(out, e)
	}
	return out, found, nil
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
					return actorName(&id, names.Users)
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
		e.Title = sentence(ev.Kind + " created")
		e.Lines = append(e.Lines, ev.Kind+", "+ev.Status+", by "+actorName(&ev.AuthorID, names.Users))
		if ev.ParentID != nil {
			e.Lines = append(e.Lines, "under "+names.node(*ev.ParentID))
		}
	case *events.NodeUpdated:
		e.Title = changedTitle(ev.Changes)
		e.Lines = changeLines("", ev.Changes, names)
	case *events.NodeTranslationUpdated:
		e.Title = changedTitle(ev.Changes)
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
	case *events.NodePublished:
		e.Title = "Published"
	case *events.NodeUnpublished:
		e.Title = "Unpublished"
	case *events.NodeArchived:
		e.Title = "Archived"
	case *events.NodeDeleted:
		e.Title = "Deleted"
	}
}

func historyTenant(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.TenantCreated:
		e.Title = "Tenant created"
		e.Lines = []string{ev.Name + " (" + ev.Slug + "), default locale " + ev.DefaultLocale}
	case *events.TenantUpdated:
		e.Title = changedTitle(ev.Changes)
		e.Lines = changeLines("", ev.Changes, names)
	case *events.TenantActivated:
		e.Title = "Tenant activated"
	case *events.TenantDeactivated:
		e.Title = "Tenant deactivated"
	case *events.TenantLocaleEnabled:
		e.Title = sentence(join("Locale", ev.Locale, "enabled"))
		e.Chips = []components.HistoryChip{{Added: true, Text: ev.Locale}}
	case *events.TenantLocaleDisabled:
		e.Title = sentence(join("Locale", ev.Locale, "disabled"))
		e.Chips = []components.HistoryChip{{Text: ev.Locale}}
	}
}

func historyUser(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.UserRegistered:
		e.Title = "Account created"
		e.Lines = []string{nodeviews.AuthorLabel(ev.Name, "") + " <" + ev.Email + ">"}
	case *events.UserUpdated:
		e.Title = changedTitle(ev.Changes)
		e.Lines = changeLines("", ev.Changes, names)
	case *events.UserDeactivated:
		e.Title = "Account deactivated"
		if ev.Status == "banned" {
			e.Title = "Account banned"
		}
		e.Lines = []string{"status: " + ev.Status}
	case *events.UserDeleted:
		e.Title = "Account deleted"
	case *events.UserLoggedIn:
		e.Title = "Signed in"
	case *events.UserPasswordChanged:
		e.Title = "Password changed"
	case *events.UserRoleAssigned:
		e.Title = join("Role", ev.Role, "assigned to "+actorName(&ev.UserID, names.Users))
		e.Chips = []components.HistoryChip{{Added: true, Text: ev.Role + " in " + names.tenant(ev.Tenant)}}
	case *events.UserRoleRevoked:
		e.Title = join("Role", ev.Role, "revoked from "+actorName(&ev.UserID, names.Users))
		e.Chips = []components.HistoryChip{{Text: ev.Role + " in " + names.tenant(ev.Tenant)}}
	}
}

func historyRole(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.RoleCreated:
		e.Title = "Role created"
		e.Lines = []string{ev.Name}
		for _, perm := range ev.Permissions {
			e.Chips = append(e.Chips, components.HistoryChip{Added: true, Text: perm})
		}
	case *events.RoleUpdated:
		e.Title = changedTitle(ev.Changes)
		e.Lines = changeLines("", ev.Changes, names)
	case *events.RoleDeleted:
		e.Title = "Role deleted"
		e.Lines = []string{ev.Name}
	case *events.RolePermissionGranted:
		e.Title = "Permission granted"
		e.Chips = []components.HistoryChip{{Added: true, Text: ev.Resource + ":" + ev.Action}}
	case *events.RolePermissionRevoked:
		e.Title = "Permission revoked"
		e.Chips = []components.HistoryChip{{Text: ev.Resource + ":" + ev.Action}}
	}
}

// historyProduct titles the events of a product and of its variants, stock and prices; their
// lines are the generic ones.
func historyProduct(ev events.Event, names historyNames, e *components.HistoryEntry) {
	switch ev := ev.(type) {
	case *events.ProductCreated:
		e.Title = "Product created"
	case *events.ProductUpdated:
		e.Title = changedTitle(ev.Changes)
	case *events.ProductPublished:
		e.Title = "Published"
	case *events.ProductUnpublished:
		e.Title = "Unpublished"
	case *events.ProductArchived:
		e.Title = "Archived"
	case *events.ProductDeleted:
		e.Title = "Deleted"
	case *events.VariantCreated:
		e.Title = join("Variant", ev.SKU, "added")
	case *events.VariantUpdated:
		e.Title = "Variant " + strings.ToLower(changedTitle(ev.Changes))
	case *events.VariantDeleted:
		e.Title = join("Variant", ev.SKU, "removed")
	case *events.InventoryUpdated:
		e.Title = "Stock changed"
	case *events.InventoryLow:
		e.Title = "Stock low"
	case *events.PriceUpdated:
		e.Title = "Price changed"
	}
	historyGeneric(ev, names, e)
}

// historyLoginAttempt titles failed sign-ins, whose aggregate is the attempted address.
func historyLoginAttempt(ev events.Event, names historyNames, e *components.HistoryEntry) {
	if _, ok := ev.(*events.UserLoginFailed); ok {
		e.Title = "Sign-in failed"
	}
	historyGeneric(ev, names, e)
}

// changedTitle says which fields changed: "Title changed", "Title and slug changed",
// "Name, slug and default locale changed"; "Changed" when there are none.
func changedTitle(changes events.Changes) string {
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, strings.ReplaceAll(strings.TrimSuffix(f, "_id"), "_", " "))
	}
	sort.Strings(fields)
	switch n := len(fields); n {
	case 0:
		return "Changed"
	case 1:
		return sentence(fields[0] + " changed")
	default:
		return sentence(strings.Join(fields[:n-1], ", ") + " and " + fields[n-1] + " changed")
	}
}

// typeTitle words an event type for an entry no formatter titled: "node.published" is
// "Node published". Every type of the catalog has a formatter's title; this covers a payload
// this build cannot read.
func typeTitle(eventType string) string {
	return sentence(strings.NewReplacer(".", " ", "_", " ").Replace(eventType))
}

// join joins the words that are not empty with spaces: join("Role", "", "assigned") is
// "Role assigned".
func join(words ...string) string {
	return strings.Join(slices.DeleteFunc(words, func(w string) bool { return w == "" }), " ")
}

// sentence trims s and starts it with a capital letter.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return ""
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// historyGeneric describes events no formatter words field by field (products, sign-in
// attempts, unknown aggregates): their changes, or else their payload fields other than ids.
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
