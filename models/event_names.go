package models

import (
	"context"

	"github.com/google/uuid"
)

// TenantMembers returns every user holding a role in the tenant, ordered by name then email,
// with only id, email and name loaded: the choices of the event log's person filter.
func (s *Store) TenantMembers(ctx context.Context, tenantID uuid.UUID) ([]User, error) {
	var users []User
	err := s.Conn(ctx).Select("id", "email", "name").
		Where("CAST(id AS TEXT) IN (?)", s.members(ctx, tenantID)).Order("name, email").Find(&users).Error
	if err != nil {
		return nil, translate(err, "members of tenant")
	}
	return users, nil
}

// AggregateNames names the aggregates of a page of events, keyed by id: a node by its title in
// the tenant's default locale, a role or tenant by its name. ids maps an aggregate type to its
// ids; each type costs at most one query. Users are named with UsersByIDs (one query for actors
// and user aggregates together); products, login attempts and unknown ids are left out. tenant is nil on the platform log, where nodes and
// roles are not looked up.
func (s *Store) AggregateNames(ctx context.Context, tenant *Tenant, ids map[string][]uuid.UUID) (map[uuid.UUID]string, error) {
	out := map[uuid.UUID]string{}
	keep := func(names map[uuid.UUID]string, err error) error {
		for id, name := range names {
			if name != "" {
				out[id] = name
			}
		}
		return err
	}
	if err := keep(s.TenantNames(ctx, ids["tenant"])); err != nil {
		return nil, err
	}
	if tenant == nil {
		return out, nil
	}
	if v := ids["role"]; len(v) > 0 {
		var roles []Role
		if err := s.Conn(ctx).Select("id", "name").Where("tenant_id = ? AND id IN ?", tenant.ID, v).Find(&roles).Error; err != nil {
			return nil, translate(err, "role names")
		}
		for _, r := range roles {
			out[r.ID] = r.Name
		}
	}
	if err := keep(s.NodeTitles(ctx, tenant.ID, tenant.DefaultLocale, ids["node"])); err != nil {
		return nil, err
	}
	return out, nil
}
