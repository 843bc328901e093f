package products

import (
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// Inventory is one page of the tenant's variants with their stock.
type Inventory struct {
	Tenant    *models.Tenant
	Query     components.ListState
	Page      models.InventoryPage
	CanAdjust bool
	CSRF      string
	// Adjusting is the row whose quick adjustment was refused, with what was typed and why.
	Adjusting *AdjustForm
}

// AdjustForm is a quick adjustment as typed.
type AdjustForm struct {
	VariantID string
	Delta     string
	Reason    string
	Note      string
	Errors    map[string]string
}

// Filtered reports whether anything narrows the list.
func (l Inventory) Filtered() bool { return l.Query.Filtered("q", "stock") }

// Form returns the typed adjustment of a row, or an empty one.
func (l Inventory) Form(r models.InventoryRow) AdjustForm {
	if l.Adjusting != nil && l.Adjusting.VariantID == r.VariantID.String() {
		return *l.Adjusting
	}
	return AdjustForm{Reason: models.ReasonReceived}
}

// Ledger is one variant's stock page: its figures, a fuller adjustment form and its ledger.
type Ledger struct {
	Tenant    *models.Tenant
	Product   *models.Product
	Variant   *models.Variant
	Entries   []models.LedgerEntry
	Actors    map[string]string // actor id → name or email
	CanAdjust bool
	CanRead   bool // may open the product
	CSRF      string
	Form      AdjustForm
	Mode      string // "adjust" or "set"
}

// State is the variant's stock state.
func (l Ledger) State() string { return stockState(l.Variant) }

// Actor names who made a ledger entry.
func (l Ledger) Actor(e models.LedgerEntry) string {
	if e.ActorID == nil {
		return "system"
	}
	if n, ok := l.Actors[e.ActorID.String()]; ok {
		return n
	}
	return "a removed user"
}

func reasonOptions(selected string) []components.Option {
	out := make([]components.Option, len(models.InventoryReasons))
	for i, r := range models.InventoryReasons {
		out[i] = components.Option{r, ReasonLabel(r)}
	}
	return out
}

// ActorLabel is a user's name, or their email when they have none.
func ActorLabel(name, email string) string {
	if name != "" {
		return name
	}
	return email
}
