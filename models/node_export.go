package models

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// exportNodeQuery keeps the filters of q that an export follows (its sort and pages do not).
func exportNodeQuery(q NodeQuery) NodeQuery {
	return NodeQuery{Search: q.Search, Kind: q.Kind, Status: q.Status, Locale: q.Locale, AuthorID: q.AuthorID}
}

// NodesAfter returns up to limit of the tenant's nodes that match q's filters, in id order after
// the id after (uuid.Nil: from the start), with their translations: a content export walks the
// tenant's nodes with it.
func (s *Store) NodesAfter(ctx context.Context, tenant *Tenant, q NodeQuery, after uuid.UUID, limit int) ([]Node, error) {
	where, args, err := nodeListWhere(tenant, exportNodeQuery(q))
	if err != nil {
		return nil, err
	}
	if after != uuid.Nil {
		where, args = where+" AND n.id > ?", append(args, after)
	}
	var ids []uuid.UUID
	if err := s.Conn(ctx).Raw(`SELECT n.id FROM nodes n WHERE `+where+` ORDER BY n.id LIMIT ?`, append(args, limit)...).
		Scan(&ids).Error; err != nil {
		return nil, translate(err, "nodes")
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var nodes []Node
	err = s.Conn(ctx).Preload("Translations", func(db *gorm.DB) *gorm.DB { return db.Order("locale") }).
		Where("tenant_id = ? AND id IN ?", tenant.ID, ids).Order("id").Find(&nodes).Error
	return nodes, translate(err, "nodes")
}

// CountNodes counts the tenant's nodes that match q's filters.
func (s *Store) CountNodes(ctx context.Context, tenant *Tenant, q NodeQuery) (int64, error) {
	where, args, err := nodeListWhere(tenant, exportNodeQuery(q))
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.Conn(ctx).Raw(`SELECT count(*) FROM nodes n WHERE `+where, args...).Scan(&n).Error
	return n, translate(err, "count nodes")
}
