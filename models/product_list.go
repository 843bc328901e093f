package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/textsearch"
)

// Page sizes of the catalog lists.
const (
	DefaultProductsPerPage = 50
	MaxProductsPerPage     = 100
)

// Sort keys of the product list.
const (
	ProductSortUpdated = "updated" // p.updated_at (keyset)
	ProductSortTitle   = "title"   // default-locale title, case-folded, missing titles last (keyset)
	ProductSortStock   = "stock"   // total stock of the variants (by page number)
	ProductSortPrice   = "price"   // lowest price in the default currency, unpriced last (by page number)
)

// ProductSorts lists the product list's sort keys in the order a form offers them.
var ProductSorts = []string{ProductSortUpdated, ProductSortTitle, ProductSortStock, ProductSortPrice}

// Stock filters of the catalog lists.
const (
	StockIn  = "in"  // a variant has stock above its threshold
	StockLow = "low" // a variant is low: 0 < quantity <= threshold
	StockOut = "out" // a variant has none: quantity <= 0
)

// StockFilters lists the stock filters.
var StockFilters = []string{StockIn, StockLow, StockOut}

// stockCondition is the EXISTS condition over variants v of a stock filter.
func stockCondition(filter string) string {
	switch filter {
	case StockIn:
		return "v.inventory_quantity > v.low_stock_threshold"
	case StockLow:
		return "v.inventory_quantity > 0 AND v.inventory_quantity <= v.low_stock_threshold"
	default:
		return "v.inventory_quantity <= 0"
	}
}

// ProductQuery narrows, sorts and pages a tenant's product list.
type ProductQuery struct {
	Search      string // case-insensitive substring of a title in any locale, a SKU or a barcode
	Status      string // "" = any
	Vendor      string // "" = any, else exactly
	ProductType string // "" = any, else exactly
	Stock       string // "" = any, else one of StockFilters
	IDs         []uuid.UUID
	Sort        string // one of ProductSorts; "" = updated
	Desc        bool
	Page        int
	Cursor      *Cursor // keyset sorts only (updated, title)
	PerPage     int
	CountUpTo   int
	Counts      CountCache
}

// ProductRow is one line of the product list.
type ProductRow struct {
	ID          uuid.UUID
	Status      string
	Vendor      string
	ProductType string
	Title       string // in the default locale, else the first locale that has one
	Variants    int
	Stock       int64 // total over the variants
	Low, Out    int   // variants low on stock, out of stock
	MinPrice    *int64
	MaxPrice    *int64 // in the default currency, minor units
	UpdatedAt   time.Time
}

// ProductListPage is one page of a tenant's products.
type ProductListPage struct {
	Paging
	Products []ProductRow
	Currency string // of MinPrice and MaxPrice
}

var productSortColumns = map[string]keyCol{
	ProductSortUpdated: {expr: "p.updated_at", isTime: true},
	ProductSortTitle:   {expr: "t.title_search", nullsLast: true},
}

func productListWhere(tenant *Tenant, q ProductQuery) (string, []any, error) {
	fe := fieldErrors{}
	if q.Status != "" {
		if err := ProductWorkflow.Check(q.Status); err != nil {
			fe.add("status", err.(*ValidationError).Fields["status"])
		}
	}
	if q.Sort != "" && !slices.Contains(ProductSorts, q.Sort) {
		fe.add("sort", "Sort by one of: "+strings.Join(ProductSorts, ", ")+".")
	}
	if q.Stock != "" && !slices.Contains(StockFilters, q.Stock) {
		fe.add("stock", "Choose in, low or out.")
	}
	if q.Cursor != nil && q.Sort != "" && q.Sort != ProductSortUpdated && q.Sort != ProductSortTitle {
		fe.add("page", badCursor)
	}
	if err := fe.err(); err != nil {
		return "", nil, err
	}
	where := []string{"p.tenant_id = ?"}
	args := []any{tenant.ID}
	if q.Status != "" {
		where, args = append(where, "p.status = ?"), append(args, q.Status)
	}
	if v := strings.TrimSpace(q.Vendor); v != "" {
		where, args = append(where, "p.vendor = ?"), append(args, v)
	}
	if v := strings.TrimSpace(q.ProductType); v != "" {
		where, args = append(where, "p.product_type = ?"), append(args, v)
	}
	if q.IDs != nil {
		where, args = append(where, "p.id IN ?"), append(args, q.IDs)
	}
	if q.Stock != "" {
		where = append(where, "EXISTS (SELECT 1 FROM product_variants v WHERE v.product_id = p.id AND "+stockCondition(q.Stock)+")")
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		like := "%" + escapeLike(textsearch.Fold(search)) + "%"
		code := "%" + escapeLike(strings.ToLower(search)) + "%"
		where = append(where, `(EXISTS (SELECT 1 FROM product_translations s WHERE s.product_id = p.id AND s.title_search LIKE ? ESCAPE '\')`+
			` OR EXISTS (SELECT 1 FROM product_variants c WHERE c.product_id = p.id AND (lower(c.sku) LIKE ? ESCAPE '\' OR lower(c.barcode) LIKE ? ESCAPE '\')))`)
		args = append(args, like, code, code)
	}
	return strings.Join(where, " AND "), args, nil
}

// ListProducts returns one page of the tenant's products with their variant counts, total
// stock, low and out-of-stock variants and price range in the default currency. The updated and
// title sorts page by key (Cursor); stock and price by number. At most two statements: the page
// (the variants' figures are correlated subqueries of the page's rows) and the list kit's
// bounded count.
func (s *Store) ListProducts(ctx context.Context, tenant *Tenant, q ProductQuery) (ProductListPage, error) {
	where, args, err := productListWhere(tenant, q)
	if err != nil {
		return ProductListPage{}, err
	}
	page := ProductListPage{Paging: newPaging(q.Page, q.PerPage, DefaultProductsPerPage, MaxProductsPerPage),
		Products: []ProductRow{}, Currency: tenant.Currency()}
	sortKey := orDefault(q.Sort, ProductSortUpdated)
	cur := tenant.Currency()
	agg := func(expr string) string {
		return "(SELECT " + expr + " FROM product_variants v WHERE v.product_id = p.id)"
	}
	price := func(fn string) string {
		return "(SELECT " + fn + "(pr.amount) FROM product_variants v JOIN variant_prices pr ON pr.variant_id = v.id AND pr.currency = ? WHERE v.product_id = p.id)"
	}
	title := "COALESCE(t.title, (SELECT m.title FROM product_translations m WHERE m.product_id = p.id ORDER BY m.locale LIMIT 1))"
	cols := "p.id, p.status, p.vendor, p.product_type, p.updated_at, " + title + " AS title, " +
		agg("count(*)") + " AS variants, " + agg("COALESCE(sum(v.inventory_quantity), 0)") + " AS stock, " +
		agg("COALESCE(sum(CASE WHEN "+stockCondition(StockLow)+" THEN 1 ELSE 0 END), 0)") + " AS low, " +
		agg("COALESCE(sum(CASE WHEN "+stockCondition(StockOut)+" THEN 1 ELSE 0 END), 0)") + " AS out_count, " +
		price("min") + " AS min_price, " + price("max") + " AS max_price"
	colArgs := []any{cur, cur}

	pageWhere, pageWhereArgs := where, args
	var order string
	var key keysetKey
	keyset := sortKey == ProductSortUpdated || sortKey == ProductSortTitle
	c := q.Cursor
	if keyset {
		col := productSortColumns[sortKey]
		key = keysetKey{sort: sortKey, cols: []keyCol{col}, id: "p.id", desc: q.Desc}
		if !col.isTime {
			cols += ", " + col.expr + " AS sort_key"
		}
		if c != nil {
			cond, condArgs, err := key.condition(c)
			if err != nil {
				return ProductListPage{}, err
			}
			pageWhere, pageWhereArgs = where+" AND "+cond, append(slices.Clip(args), condArgs...)
		}
		order = key.order(c != nil && c.Back)
	} else {
		dir := " ASC"
		if q.Desc {
			dir = " DESC"
		}
		expr := agg("COALESCE(sum(v.inventory_quantity), 0)")
		if sortKey == ProductSortPrice {
			expr = price("min")
			colArgs = append(colArgs, cur, cur) // unpriced products last in both directions
			order = "(" + expr + " IS NULL), " + expr + dir + ", p.id" + dir
		} else {
			order = expr + dir + ", p.id" + dir
		}
		c = nil
	}
	limit := " LIMIT ?"
	pageArgs := append(append(append(colArgs[:2:2], tenant.DefaultLocale), pageWhereArgs...), colArgs[2:]...)
	pageArgs = append(pageArgs, page.PerPage+1)
	if c == nil {
		limit += " OFFSET ?"
		pageArgs = append(pageArgs, page.offset())
	}
	type row struct {
		ID          uuid.UUID
		Status      string
		Vendor      string
		ProductType string
		UpdatedAt   time.Time
		Title       *string
		Variants    int
		Stock       int64
		Low         int
		OutCount    int
		MinPrice    *int64
		MaxPrice    *int64
		SortKey     *string
	}
	var rows []row
	err = s.Conn(ctx).Raw(`SELECT `+cols+` FROM products p `+
		`LEFT JOIN product_translations t ON t.product_id = p.id AND t.locale = ? `+
		`WHERE `+pageWhere+` ORDER BY `+order+limit, pageArgs...).Scan(&rows).Error
	if err != nil {
		return ProductListPage{}, translate(err, "list products")
	}
	if keyset {
		rows = keysetPage(&page.Paging, key, c, rows, func(r row) ([]*string, uuid.UUID) {
			if sortKey == ProductSortUpdated {
				return []*string{timeKey(&r.UpdatedAt)}, r.ID
			}
			return []*string{r.SortKey}, r.ID
		})
	} else {
		rows = pageRows(&page.Paging, rows)
	}
	if !page.totalFromRows(len(rows), c == nil) {
		load := func() (int, bool, error) {
			return countBounded(s.Conn(ctx), s.Conn(ctx).Raw("SELECT 1 FROM products p WHERE "+where, args...), q.CountUpTo)
		}
		var total int
		var capped bool
		if q.Counts != nil {
			total, capped, err = q.Counts.Count(ctx, tenant.ID, fmt.Sprint("products|", where, "|", args, "|", q.CountUpTo), load)
		} else {
			total, capped, err = load()
		}
		if err != nil {
			return ProductListPage{}, translate(err, "count products")
		}
		page.setCount(total, capped)
	}
	page.Products = make([]ProductRow, len(rows))
	for i, r := range rows {
		page.Products[i] = ProductRow{ID: r.ID, Status: r.Status, Vendor: r.Vendor, ProductType: r.ProductType, Title: deref(r.Title),
			Variants: r.Variants, Stock: r.Stock, Low: r.Low, Out: r.OutCount, MinPrice: r.MinPrice, MaxPrice: r.MaxPrice, UpdatedAt: r.UpdatedAt}
	}
	return page, nil
}

// ProductFacets are the vendors and product types the tenant's products use, for the filters.
func (s *Store) ProductFacets(ctx context.Context, tenantID uuid.UUID) (vendors, types []string, err error) {
	if err := s.Conn(ctx).Model(&Product{}).Where("tenant_id = ? AND vendor <> ''", tenantID).Distinct().Order("vendor").Limit(500).Pluck("vendor", &vendors).Error; err != nil {
		return nil, nil, translate(err, "vendors")
	}
	if err := s.Conn(ctx).Model(&Product{}).Where("tenant_id = ? AND product_type <> ''", tenantID).Distinct().Order("product_type").Limit(500).Pluck("product_type", &types).Error; err != nil {
		return nil, nil, translate(err, "product types")
	}
	return vendors, types, nil
}

// InventoryQuery narrows and pages the tenant's inventory list (every variant).
type InventoryQuery struct {
	Search    string // product title in any locale, SKU or barcode
	Stock     string // "" = any, else one of StockFilters
	Page      int
	PerPage   int
	CountUpTo int
	Counts    CountCache
}

// InventoryRow is one variant of the inventory list.
type InventoryRow struct {
	VariantID    uuid.UUID
	ProductID    uuid.UUID
	ProductTitle string
	Variant      Combo
	SKU          string
	Barcode      string
	Policy       string
	Quantity     int64
	Threshold    int64
}

// Status is "out" (none), "low" (at or below the threshold) or "in".
func (r InventoryRow) Status() string {
	switch {
	case r.Quantity <= 0:
		return StockOut
	case r.Quantity <= r.Threshold:
		return StockLow
	}
	return StockIn
}

// InventoryPage is one page of the inventory list.
type InventoryPage struct {
	Paging
	Rows []InventoryRow
}

// ListInventory returns one page of the tenant's variants, lowest stock first (then product
// and position), with their product's title in the default locale.
func (s *Store) ListInventory(ctx context.Context, tenant *Tenant, q InventoryQuery) (InventoryPage, error) {
	if q.Stock != "" && !slices.Contains(StockFilters, q.Stock) {
		return InventoryPage{}, &ValidationError{Fields: map[string]string{"stock": "Choose in, low or out."}}
	}
	where := []string{"v.tenant_id = ?"}
	args := []any{tenant.ID}
	if q.Stock != "" {
		where = append(where, stockCondition(q.Stock))
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		like := "%" + escapeLike(textsearch.Fold(search)) + "%"
		code := "%" + escapeLike(strings.ToLower(search)) + "%"
		where = append(where, `(lower(v.sku) LIKE ? ESCAPE '\' OR lower(v.barcode) LIKE ? ESCAPE '\' OR `+
			`EXISTS (SELECT 1 FROM product_translations s WHERE s.product_id = v.product_id AND s.title_search LIKE ? ESCAPE '\'))`)
		args = append(args, code, code, like)
	}
	w := strings.Join(where, " AND ")
	page := InventoryPage{Paging: newPaging(q.Page, q.PerPage, DefaultProductsPerPage, MaxProductsPerPage), Rows: []InventoryRow{}}
	type row struct {
		VariantID         uuid.UUID
		ProductID         uuid.UUID
		Title             *string
		Option1           string
		Option2           string
		Option3           string
		SKU               string
		Barcode           string
		InventoryPolicy   string
		InventoryQuantity int64
		LowStockThreshold int64
	}
	var rows []row
	err := s.Conn(ctx).Raw(`SELECT v.id AS variant_id, v.product_id, `+
		`COALESCE(t.title, (SELECT m.title FROM product_translations m WHERE m.product_id = v.product_id ORDER BY m.locale LIMIT 1)) AS title, `+
		`v.option1, v.option2, v.option3, v.sku, v.barcode, v.inventory_policy, v.inventory_quantity, v.low_stock_threshold `+
		`FROM product_variants v LEFT JOIN product_translations t ON t.product_id = v.product_id AND t.locale = ? `+
		`WHERE `+w+` ORDER BY v.inventory_quantity - v.low_stock_threshold, v.product_id, v.position, v.id LIMIT ? OFFSET ?`,
		append(append([]any{tenant.DefaultLocale}, args...), page.PerPage+1, page.offset())...).Scan(&rows).Error
	if err != nil {
		return InventoryPage{}, translate(err, "list inventory")
	}
	rows = pageRows(&page.Paging, rows)
	if !page.totalFromRows(len(rows), true) {
		load := func() (int, bool, error) {
			return countBounded(s.Conn(ctx), s.Conn(ctx).Raw("SELECT 1 FROM product_variants v WHERE "+w, args...), q.CountUpTo)
		}
		var total int
		var capped bool
		if q.Counts != nil {
			total, capped, err = q.Counts.Count(ctx, tenant.ID, fmt.Sprint("inventory|", w, "|", args, "|", q.CountUpTo), load)
		} else {
			total, capped, err = load()
		}
		if err != nil {
			return InventoryPage{}, translate(err, "count inventory")
		}
		page.setCount(total, capped)
	}
	page.Rows = make([]InventoryRow, len(rows))
	for i, r := range rows {
		page.Rows[i] = InventoryRow{VariantID: r.VariantID, ProductID: r.ProductID, ProductTitle: deref(r.Title),
			Variant: Combo{r.Option1, r.Option2, r.Option3}, SKU: r.SKU, Barcode: r.Barcode, Policy: r.InventoryPolicy,
			Quantity: r.InventoryQuantity, Threshold: r.LowStockThreshold}
	}
	return page, nil
}

// StockSummary is the dashboard's low-stock card: how many variants are low and out, and the
// first out-of-stock ones.
type StockSummary struct {
	Low, Out int
	OutRows  []InventoryRow
}

// StockSummary counts the tenant's low and out-of-stock variants (bounded, as the lists) and
// lists up to five out of stock.
func (s *Store) StockSummary(ctx context.Context, tenant *Tenant) (StockSummary, error) {
	var out StockSummary
	for _, f := range []struct {
		cond string
		n    *int
	}{{stockCondition(StockLow), &out.Low}, {stockCondition(StockOut), &out.Out}} {
		n, _, err := countBounded(s.Conn(ctx), s.Conn(ctx).Raw("SELECT 1 FROM product_variants v WHERE v.tenant_id = ? AND "+f.cond, tenant.ID), 0)
		if err != nil {
			return StockSummary{}, translate(err, "stock summary")
		}
		*f.n = n
	}
	if out.Out > 0 {
		page, err := s.ListInventory(ctx, tenant, InventoryQuery{Stock: StockOut, PerPage: 5, CountUpTo: 5})
		if err != nil {
			return StockSummary{}, err
		}
		out.OutRows = page.Rows
	}
	return out, nil
}
