package models

import (
	"context"
	"database/sql"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Tenant statuses a list may be narrowed to.
const (
	TenantActive   = "active"
	TenantInactive = "inactive"
)

// Page sizes of the tenant list.
const (
	DefaultTenantsPerPage = 20
	MaxTenantsPerPage     = 100
)

// TenantQuery narrows and pages the tenant list.
type TenantQuery struct {
	Search  string  // part of the slug, name or domain, case-insensitive; % and _ match themselves
	Status  string  // "", TenantActive or TenantInactive
	Page    int     // 1-based; below 1 means the first page
	Cursor  *Cursor // a page's Prev or Next cursor (ParseCursor); wins over Page
	PerPage int     // below 1 means DefaultTenantsPerPage; above MaxTenantsPerPage is capped
	// CountUpTo bounds the count (Paging); below 1 means CountBound.
	CountUpTo int
}

// TenantPage is one page of the tenant list and where it sits among all matching tenants.
type TenantPage struct {
	Tenants []Tenant
	Paging
}

// TenantSortName is the one order of the tenant list (the Sort of its cursors): name, then slug.
const TenantSortName = "name"

// tenantKey is the tenant list's order, for its keyset pages.
var tenantKey = keysetKey{sort: TenantSortName, cols: []keyCol{{expr: "name"}, {expr: "slug"}}, id: "id"}

// ListTenants returns one page of the tenants matching q, ordered by name then slug, and how
// many match in all, counted up to the bound of the list kit (Paging). A page is read by q.Page,
// or by q.Cursor (a page's Prev or Next) without an OFFSET; a cursor of another list is a
// *ValidationError on "page". An unknown status is a *ValidationError on the "status" field.
func (s *Store) ListTenants(ctx context.Context, q TenantQuery) (TenantPage, error) {
	page := TenantPage{Paging: newPaging(q.Page, q.PerPage, DefaultTenantsPerPage, MaxTenantsPerPage)}

	db := s.Conn(ctx).Model(&Tenant{})
	switch q.Status {
	case "":
	case TenantActive:
		db = db.Where("is_active = ?", true)
	case TenantInactive:
		db = db.Where("is_active = ?", false)
	default:
		fe := fieldErrors{}
		fe.add("status", "Choose active or inactive.")
		return TenantPage{}, fe.err()
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		// lower() on both sides keeps the match the same on both databases (SQLite folds only
		// ASCII); ESCAPE is spelled out because SQLite has no default escape character.
		db = db.Where(`(lower(slug) LIKE lower(@p) ESCAPE '\' OR lower(name) LIKE lower(@p) ESCAPE '\' `+
			`OR lower(COALESCE(domain, '')) LIKE lower(@p) ESCAPE '\')`, sql.Named("p", "%"+escapeLike(search)+"%"))
	}
	db = db.Session(&gorm.Session{}) // the page and the count each start from the same conditions
	rows := db.Order(tenantKey.order(q.Cursor != nil && q.Cursor.Back)).Limit(page.PerPage + 1)
	if q.Cursor == nil {
		rows = rows.Offset(page.offset())
	} else {
		cond, args, err := tenantKey.condition(q.Cursor)
		if err != nil {
			return TenantPage{}, err
		}
		rows = rows.Where(cond, args...)
	}
	var tenants []Tenant
	if err := rows.Find(&tenants).Error; err != nil {
		return TenantPage{}, translate(err, "list tenants")
	}
	page.Tenants = keysetPage(&page.Paging, tenantKey, q.Cursor, tenants, func(t Tenant) ([]*string, uuid.UUID) {
		return []*string{textKey(t.Name), textKey(t.Slug)}, t.ID
	})
	if !page.totalFromRows(len(page.Tenants), q.Cursor == nil) {
		total, capped, err := countBounded(s.Conn(ctx), db.Select("1"), q.CountUpTo)
		if err != nil {
			return TenantPage{}, translate(err, "count tenants")
		}
		page.setCount(total, capped)
	}
	return page, nil
}

// escapeLike makes %, _ and the escape character itself match literally in a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
