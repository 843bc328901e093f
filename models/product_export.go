package models

import (
	"context"

	"github.com/google/uuid"
)

// exportProductQuery keeps the filters of q that an export follows (its sort and pages do not).
func exportProductQuery(q ProductQuery) ProductQuery {
	return ProductQuery{Search: q.Search, Status: q.Status, Vendor: q.Vendor, ProductType: q.ProductType, Stock: q.Stock}
}

// ProductsAfter returns up to limit of the tenant's products that match q's filters (its sort,
// pages and counts are ignored), in id order after the id after (uuid.Nil: from the start), with
// their translations, variants and prices: an export walks the catalog with it, batch by batch.
func (s *Store) ProductsAfter(ctx context.Context, tenant *Tenant, q ProductQuery, after uuid.UUID, limit int) ([]*Product, error) {
	where, args, err := productListWhere(tenant, exportProductQuery(q))
	if err != nil {
		return nil, err
	}
	if after != uuid.Nil {
		where, args = where+" AND p.id > ?", append(args, after)
	}
	var ids []uuid.UUID
	if err := s.Conn(ctx).Raw(`SELECT p.id FROM products p WHERE `+where+` ORDER BY p.id LIMIT ?`, append(args, limit)...).
		Scan(&ids).Error; err != nil {
		return nil, translate(err, "products")
	}
	return s.productsByIDs(ctx, tenant, ids)
}

// CountProducts counts the tenant's products that match q's filters.
func (s *Store) CountProducts(ctx context.Context, tenant *Tenant, q ProductQuery) (int64, error) {
	where, args, err := productListWhere(tenant, exportProductQuery(q))
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.Conn(ctx).Raw(`SELECT count(*) FROM products p WHERE `+where, args...).Scan(&n).Error; err != nil {
		return 0, translate(err, "count products")
	}
	return n, nil
}

// ExistingHandles reports which of the handles the tenant's products have in locale.
func (s *Store) ExistingHandles(ctx context.Context, tenantID uuid.UUID, locale string, handles []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(handles) == 0 {
		return out, nil
	}
	var found []string
	if err := s.Conn(ctx).Model(&ProductTranslation{}).Where("tenant_id = ? AND locale = ? AND handle IN ?", tenantID, locale, handles).
		Pluck("handle", &found).Error; err != nil {
		return nil, translate(err, "handles")
	}
	for _, h := range found {
		out[h] = true
	}
	return out, nil
}
