package models

import (
	"context"
	"strings"

	"github.com/google/uuid"
)

// NameQuery asks for the names a page shows instead of ids: users (with their email), tenants,
// and the roles and nodes of one tenant.
type NameQuery struct {
	TenantID *uuid.UUID // roles and nodes are looked up in this tenant only; nil: none are
	Users    []uuid.UUID
	Tenants  []uuid.UUID
	Roles    []uuid.UUID
	Nodes    []uuid.UUID
}

// Names are the answers to a NameQuery; an id without a name (a removed row, an untitled node)
// is absent.
type Names struct {
	Users   map[uuid.UUID]User // id, email and name only
	Tenants map[uuid.UUID]string
	Roles   map[uuid.UUID]string
	nodes   map[uuid.UUID][]NodeTranslation // non-empty titles, by locale
}

// NodeTitle is the node's title in prefer, else in its first locale that has one.
func (n Names) NodeTitle(id uuid.UUID, prefer string) (string, bool) {
	trs := n.nodes[id]
	for _, tr := range trs {
		if tr.Locale == prefer {
			return tr.Title, true
		}
	}
	if len(trs) == 0 {
		return "", false
	}
	return trs[0].Title, true
}

// Names answers q in one statement (none when q asks for nothing): a UNION ALL of one SELECT
// per kind asked for, e.g.
//
//	SELECT 'u' AS kind, id, email AS a, name AS b FROM users WHERE id IN (…)
//	UNION ALL SELECT 't', id, '', name FROM tenants WHERE id IN (…)
//	UNION ALL SELECT 'r', id, '', name FROM roles WHERE tenant_id = ? AND id IN (…)
//	UNION ALL SELECT 'n', node_id, locale, title FROM node_translations
//	          WHERE tenant_id = ? AND node_id IN (…) AND title <> ''
//	ORDER BY 1, 2, 3
func (s *Store) Names(ctx context.Context, q NameQuery) (Names, error) {
	out := Names{Users: map[uuid.UUID]User{}, Tenants: map[uuid.UUID]string{}, Roles: map[uuid.UUID]string{},
		nodes: map[uuid.UUID][]NodeTranslation{}}
	var parts []string
	var args []any
	add := func(sql string, a ...any) {
		if len(parts) > 0 {
			sql = "UNION ALL " + sql
		}
		parts, args = append(parts, sql), append(args, a...)
	}
	if len(q.Users) > 0 {
		add("SELECT 'u' AS kind, id, email AS a, name AS b FROM users WHERE id IN ?", q.Users)
	}
	if len(q.Tenants) > 0 {
		add("SELECT 't', id, '', name FROM tenants WHERE id IN ?", q.Tenants)
	}
	if q.TenantID != nil && len(q.Roles) > 0 {
		add("SELECT 'r', id, '', name FROM roles WHERE tenant_id = ? AND id IN ?", *q.TenantID, q.Roles)
	}
	if q.TenantID != nil && len(q.Nodes) > 0 {
		add("SELECT 'n', node_id, locale, title FROM node_translations WHERE tenant_id = ? AND node_id IN ? AND title <> ''", *q.TenantID, q.Nodes)
	}
	if len(parts) == 0 {
		return out, nil
	}
	var rows []struct {
		Kind string
		ID   uuid.UUID
		A    string
		B    string
	}
	if err := s.Conn(ctx).Raw(strings.Join(parts, " ")+" ORDER BY 1, 2, 3", args...).Scan(&rows).Error; err != nil {
		return Names{}, translate(err, "names")
	}
	for _, r := range rows {
		switch r.Kind {
		case "u":
			out.Users[r.ID] = User{ID: r.ID, Email: r.A, Name: r.B}
		case "t":
			out.Tenants[r.ID] = r.B
		case "r":
			out.Roles[r.ID] = r.B
		case "n":
			out.nodes[r.ID] = append(out.nodes[r.ID], NodeTranslation{NodeID: r.ID, Locale: r.A, Title: r.B})
		}
	}
	return out, nil
}
