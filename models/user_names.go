package models

import (
	"context"

	"github.com/google/uuid"
)

// UsersByIDs returns the users with the ids, keyed by id; unknown ids are left out. History
// panels use it to name who acted.
func (s *Store) UsersByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]User, error) {
	out := make(map[uuid.UUID]User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := s.Conn(ctx).Select("id", "email", "name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, translate(err, "users by id")
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// NodeTitles returns a title of each of the tenant's nodes with the ids, keyed by id: the one in
// prefer when it has one, else the first non-empty one in locale order. History panels and the
// event log use it to name nodes.
func (s *Store) NodeTitles(ctx context.Context, tenantID uuid.UUID, prefer string, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	out := make(map[uuid.UUID]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []NodeTranslation
	if err := s.Conn(ctx).Select("node_id", "locale", "title").
		Where("tenant_id = ? AND node_id IN ? AND title <> ''", tenantID, ids).
		Order("locale").Find(&rows).Error; err != nil {
		return nil, translate(err, "node titles")
	}
	for _, r := range rows {
		if _, ok := out[r.NodeID]; !ok || r.Locale == prefer {
			out[r.NodeID] = r.Title
		}
	}
	return out, nil
}

// TenantNames returns the names of the tenants with the ids, keyed by id. History panels use it
// for role assignments, whose events name the tenant by id.
func (s *Store) TenantNames(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	out := make(map[uuid.UUID]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var tenants []Tenant
	if err := s.Conn(ctx).Select("id", "name").Where("id IN ?", ids).Find(&tenants).Error; err != nil {
		return nil, translate(err, "tenant names")
	}
	for _, t := range tenants {
		out[t.ID] = t.Name
	}
	return out, nil
}
