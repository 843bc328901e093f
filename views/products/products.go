// Package products holds the catalog pages of a tenant: the product list with its filters and
// bulk actions, the product editor (a tab per locale, the options editor and the variant grid),
// and the inventory list with its quick adjustments and each variant's ledger.
package products

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// ListURL is the product list of the tenant.
func ListURL(slug string) string { return paths.URL(paths.Products, slug) }

// ExportURL starts an export of the list as filtered.
func ExportURL(slug string) string { return paths.URL(paths.ProductsExport, slug) }

// NewURL is the create form.
func NewURL(slug string) string { return paths.URL(paths.ProductNew, slug) }

// ProductURL is the editor of one product.
func ProductURL(slug string, id uuid.UUID) string { return paths.URL(paths.Product, slug, id.String()) }

// VariantsURL is where the variant grid saves.
func VariantsURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.ProductVariants, slug, id.String())
}

// VariantDeleteURL removes one variant (its combination is left out).
func VariantDeleteURL(slug string, pid, vid uuid.UUID) string {
	return paths.URL(paths.ProductVariantDel, slug, pid.String(), vid.String())
}

// StatusURL moves the product through the workflow.
func StatusURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.ProductStatus, slug, id.String())
}

// DeleteURL deletes the product.
func DeleteURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.ProductDelete, slug, id.String())
}

// HistoryURL is the product's history panel.
func HistoryURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.ProductHistory, slug, id.String())
}

// BulkStatusURL and BulkDeleteURL act on a selection of products.
func BulkStatusURL(slug string) string { return paths.URL(paths.ProductsBulkStatus, slug) }

// BulkDeleteURL deletes a selection of products.
func BulkDeleteURL(slug string) string { return paths.URL(paths.ProductsBulkDelete, slug) }

// BulkPriceURL is where the bulk price change is posted.
func BulkPriceURL(slug string) string { return paths.URL(paths.ProductsBulkPrice, slug) }

// InventoryURL is the inventory list of the tenant.
func InventoryURL(slug string) string { return paths.URL(paths.Inventory, slug) }

// LedgerURL is one variant's stock and ledger.
func LedgerURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.InventoryVariant, slug, id.String())
}

// AdjustURL adjusts one variant's stock.
func AdjustURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.InventoryAdjust, slug, id.String())
}

// StatusBadge shows a product's status: draft (grey), active (green) or archived (amber).
func StatusBadge(status string) templ.Component {
	tone := "grey"
	switch status {
	case models.ProductActive:
		tone = "green"
	case models.ProductArchived:
		tone = "amber"
	}
	return components.Badge(tone, status, "product-status")
}

// StockBadge shows a variant's stock state: out (red), low (amber) or in stock (green).
func StockBadge(state string) templ.Component {
	switch state {
	case models.StockOut:
		return components.Badge("red", "out of stock", "stock-state")
	case models.StockLow:
		return components.Badge("amber", "low", "stock-state")
	}
	return components.Badge("green", "in stock", "stock-state")
}

// Money shows an amount for reading: "19.99 USD".
func Money(currency string, minor int64) string { return money.Display(currency, minor) }

// PriceRange shows a product's prices in the currency: "19.99 USD", "9.00–19.99 USD", or "—".
func PriceRange(currency string, lo, hi *int64) string {
	switch {
	case lo == nil:
		return "—"
	case hi == nil || *hi == *lo:
		return money.Display(currency, *lo)
	}
	return money.Format(currency, *lo) + "–" + money.Display(currency, *hi)
}

// Qty writes a quantity with thousands separators.
func Qty(n int64) string {
	if n < 0 {
		return "−" + components.Thousands(int(-n))
	}
	return components.Thousands(int(n))
}

// StatusVerb is the button label of a move (models.ProductWorkflow).
func StatusVerb(from, to string) string {
	if m, err := models.ProductWorkflow.Move(from, to); err == nil {
		return m.Verb
	}
	return to
}

// StatusDone says what a move did, for flash messages.
func StatusDone(from, to string) string {
	if m, err := models.ProductWorkflow.Move(from, to); err == nil {
		return m.Done
	}
	return to
}

// TitleOf is the product's title in locale, else in any locale, else "Untitled product".
func TitleOf(p *models.Product, locale string) string {
	if t := p.Title(locale); t != "" {
		return t
	}
	return "Untitled product"
}

// ReasonLabel is how a ledger reason reads.
func ReasonLabel(r string) string {
	if r == "" {
		return ""
	}
	return strings.ToUpper(r[:1]) + r[1:]
}

// Signed writes a delta with its sign: "+5", "−2".
func Signed(n int64) string {
	if n > 0 {
		return "+" + strconv.FormatInt(n, 10)
	}
	if n < 0 {
		return "−" + strconv.FormatInt(-n, 10)
	}
	return "0"
}
