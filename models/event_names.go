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
	type named struct {
		ID   uuid.UUID
		Name string
	}
	lookup := func(what string, q func() ([]named, error)) error {
		rows, err := q()
		if err != nil {
			return translate(err, what)
		}
		for _, r := range rows {
			if r.Name != "" {
				out[r.ID] = r.Name
			}
		}
		return nil
	}
	db := s.Conn(ctx)
	if v := ids["tenant"]; len(v) > 0 {
		if err := lookup("tenant names", func() (rows []named, err error) {
			err = db.Table("tenants").Select("id, name").Where("id IN ?", v).Scan(&rows).Error
			return rows, err
		}); err != nil {
			return nil, err
		}
	}
	if tenant == nil {
		return out, nil
	}
	if v := ids["role"]; len(v) > 0 {
		if err := lookup("role names", func() (rows []named, err error) {
			err = db.Table("roles").Select("id, name").Where("tenant_id = ? AND id IN ?", tenant.ID, v).Scan(&rows).Error
			return rows, err
		}); err != nil {
			return nil, err
		}
	}
	if v := ids["node"]; len(v) > 0 {
		if err := lookup("node titles", func() (rows []named, err error) {
			err = db.Table("node_translations").Select("node_id AS id, title AS name").
				Where("tenant_id = ? AND locale = ? AND node_id IN ?", tenant.ID, tenant.DefaultLocale, v).Scan(&rows).Error
			return rows, err
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
