package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/money"
)

// Inventory policies of a variant: deny refuses to sell (and to adjust) below zero, continue
// lets stock go negative (backorders).
const (
	PolicyDeny     = "deny"
	PolicyContinue = "continue"
)

// Limits of a variant's fields.
const (
	MaxSKU          = 100
	MaxBarcode      = 64
	MaxStock        = 1_000_000_000_000 // a quantity's or a delta's absolute value
	MaxThreshold    = 1_000_000_000
	DefaultLowStock = 5
)

// Variant is what is sold of a product: one combination of its option values, with its own SKU,
// barcode, prices and stock.
type Variant struct {
	ID                uuid.UUID `gorm:"type:uuid;primaryKey"`
	ProductID         uuid.UUID `gorm:"type:uuid;not null"`
	TenantID          uuid.UUID `gorm:"type:uuid;not null"`
	SKU               string    `gorm:"column:sku;not null"`
	Barcode           string    `gorm:"not null"`
	Option1           string    `gorm:"column:option1;not null"`
	Option2           string    `gorm:"column:option2;not null"`
	Option3           string    `gorm:"column:option3;not null"`
	Position          int       `gorm:"not null"`
	InventoryPolicy   string    `gorm:"not null"`
	InventoryQuantity int64     `gorm:"not null"`
	LowStockThreshold int64     `gorm:"not null"`
	// Version is bumped by every change of the variant's fields or prices made from a form; stock
	// changes are checked against the quantity the user saw instead, so an adjustment elsewhere
	// never makes a price edit stale.
	Version   int `gorm:"not null;default:1"`
	CreatedAt time.Time
	UpdatedAt time.Time
	Prices    []Price `gorm:"foreignKey:VariantID"`
}

// TableName is the variants' table.
func (Variant) TableName() string { return "product_variants" }

// Price is a variant's price in one currency, in minor units; CompareAt is the "was" price.
type Price struct {
	VariantID       uuid.UUID `gorm:"type:uuid;primaryKey"`
	TenantID        uuid.UUID `gorm:"type:uuid;not null"`
	Currency        string    `gorm:"primaryKey"`
	Amount          int64     `gorm:"not null"`
	CompareAtAmount *int64
	UpdatedAt       time.Time
}

// TableName is the prices' table.
func (Price) TableName() string { return "variant_prices" }

// Combo returns the variant's option values.
func (v *Variant) Combo() Combo { return Combo{v.Option1, v.Option2, v.Option3} }

// Title is the variant's option values joined, or "Default".
func (v *Variant) Title() string { return v.Combo().Title() }

// Label names the variant for people: its title, with its SKU when it has one.
func (v *Variant) Label() string {
	if v.SKU != "" {
		return v.Title() + " (" + v.SKU + ")"
	}
	return v.Title()
}

// Price returns the variant's price in the currency, or nil.
func (v *Variant) Price(currency string) *Price {
	for i := range v.Prices {
		if v.Prices[i].Currency == currency {
			return &v.Prices[i]
		}
	}
	return nil
}

// Low reports whether the stock is at or below the threshold.
func (v *Variant) Low() bool { return v.InventoryQuantity <= v.LowStockThreshold }

// VariantEdit is one row of the variant grid as typed. Prices is keyed by currency; a currency
// missing from it keeps its price. Quantity is nil when the grid did not edit the stock (or the
// user may not).
type VariantEdit struct {
	ID        uuid.UUID
	Version   int // the variant's version the grid was loaded with
	SKU       string
	Barcode   string
	Policy    string
	Threshold string
	Prices    map[string]PriceEdit
	Quantity  *QuantityEdit
}

// PriceEdit is a price cell pair as typed, in major units; both empty removes the price.
type PriceEdit struct{ Amount, CompareAt string }

// QuantityEdit sets the stock to To, against the quantity the grid showed (Seen).
type QuantityEdit struct {
	Seen int64
	To   string
}

// CellConflictError refuses a grid save because rows changed after the grid was loaded: each
// field names the cell and says what changed. Nothing was saved. It matches ErrStale.
type CellConflictError struct{ Fields map[string]string }

func (e *CellConflictError) Error() string {
	return "grid changed since it was loaded: " + fmt.Sprint(e.Fields)
}

// Is makes errors.Is(err, ErrStale) true.
func (e *CellConflictError) Is(target error) bool { return target == ErrStale }

// VariantCell names a grid cell in errors: variants.<id>.<field>, and for prices
// variants.<id>.price.<currency> or variants.<id>.compare_at.<currency>.
func VariantCell(id uuid.UUID, field string) string { return "variants." + id.String() + "." + field }

// ParseCount reads a whole number of items ("12", "-3"), refusing anything else with a message.
func ParseCount(s string, limit int64) (int64, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, "Enter a whole number."
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, "Enter a whole number such as 12."
	}
	if n > limit || n < -limit {
		return 0, fmt.Sprintf("Enter a number between -%d and %d.", limit, limit)
	}
	return n, ""
}

// SaveVariants writes the grid's changed rows of the tenant's product in one transaction: SKU,
// barcode, policy and threshold (variant.updated), prices per enabled currency (price.updated,
// or variant.updated of price.<currency> → "" when one is cleared) and, with allowStock, stock
// set against the quantity seen (a ledger row, reason correction; inventory.updated and, when it
// crosses the threshold downward, inventory.low). Every cell is checked before anything is
// written: bad cells are a *ValidationError keyed by VariantCell; rows changed since the grid
// was loaded (another version, another quantity) a *CellConflictError; a row of no variant of
// this product is ErrNotFound. Unchanged rows write nothing.
func (s *Store) SaveVariants(ctx context.Context, tenant *Tenant, productID uuid.UUID, edits []VariantEdit, allowStock bool) (*Product, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	var p *Product
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.lockProduct(ctx, tenant.ID, productID); err != nil {
			return err
		}
		fe, conflicts := fieldErrors{}, fieldErrors{}
		type change struct {
			v       *Variant
			fields  map[string]any
			changes events.Changes
			prices  []Price  // upserts
			cleared []string // currencies whose price is removed
			priceEv []events.Event
			stockTo *int64
		}
		var work []change
		skus := map[string]uuid.UUID{}
		for _, e := range edits {
			v := p.Variant(e.ID)
			if v == nil {
				return fmt.Errorf("variant %s of product %s: %w", e.ID, p.ID, ErrNotFound)
			}
			ch := change{v: v, fields: map[string]any{}}
			sku, barcode, policy := strings.TrimSpace(e.SKU), strings.TrimSpace(e.Barcode), strings.TrimSpace(e.Policy)
			switch {
			case len([]rune(sku)) > MaxSKU:
				fe.add(VariantCell(v.ID, "sku"), fmt.Sprintf("At most %d characters.", MaxSKU))
			case strings.ContainsAny(sku, " \t"):
				fe.add(VariantCell(v.ID, "sku"), "A SKU has no spaces.")
			case sku != "":
				if other, ok := skus[strings.ToLower(sku)]; ok && other != v.ID {
					fe.add(VariantCell(v.ID, "sku"), "“"+sku+"” is given to two variants.")
					fe.add(VariantCell(other, "sku"), "“"+sku+"” is given to two variants.")
				}
				skus[strings.ToLower(sku)] = v.ID
			}
			if len([]rune(barcode)) > MaxBarcode {
				fe.add(VariantCell(v.ID, "barcode"), fmt.Sprintf("At most %d characters.", MaxBarcode))
			}
			if policy == "" {
				policy = v.InventoryPolicy
			}
			if policy != PolicyDeny && policy != PolicyContinue {
				fe.add(VariantCell(v.ID, "policy"), "Choose deny or continue.")
			}
			threshold := v.LowStockThreshold
			if strings.TrimSpace(e.Threshold) != "" {
				n, msg := ParseCount(e.Threshold, MaxThreshold)
				switch {
				case msg != "":
					fe.add(VariantCell(v.ID, "threshold"), msg)
				case n < 0:
					fe.add(VariantCell(v.ID, "threshold"), "The threshold cannot be negative.")
				default:
					threshold = n
				}
			}
			quantity := v.InventoryQuantity
			if e.Quantity != nil && strings.TrimSpace(e.Quantity.To) != "" {
				n, msg := ParseCount(e.Quantity.To, MaxStock)
				switch {
				case msg != "":
					fe.add(VariantCell(v.ID, "quantity"), msg)
				case n == e.Quantity.Seen:
				case !allowStock:
					fe.add(VariantCell(v.ID, "quantity"), "You may not change stock.")
				case e.Quantity.Seen != v.InventoryQuantity:
					conflicts.add(VariantCell(v.ID, "quantity"), fmt.Sprintf("Stock changed to %d since you loaded the grid; your %d was not saved.", v.InventoryQuantity, n))
				default:
					quantity, ch.stockTo = n, &n
				}
			}
			if policy == PolicyDeny && quantity < 0 {
				fe.add(VariantCell(v.ID, "policy"), "Stock is below zero: it must be 0 or more before the policy can be deny.")
			}
			ch.changes = events.Changes{}.Diff("sku", v.SKU, sku).Diff("barcode", v.Barcode, barcode).
				Diff("inventory_policy", v.InventoryPolicy, policy).Diff("low_stock_threshold", v.LowStockThreshold, threshold)
			for f, val := range map[string]any{"sku": sku, "barcode": barcode, "inventory_policy": policy, "low_stock_threshold": threshold} {
				if _, changed := ch.changes[f]; changed {
					ch.fields[f] = val
				}
			}
			for _, cur := range sortedKeys(e.Prices) {
				pe := e.Prices[cur]
				if !slices.Contains(tenant.EnabledCurrencies(), cur) {
					fe.add(VariantCell(v.ID, "price."+cur), cur+" is not one of this tenant's currencies.")
					continue
				}
				old := v.Price(cur)
				amountS, compareS := strings.TrimSpace(pe.Amount), strings.TrimSpace(pe.CompareAt)
				if amountS == "" {
					if compareS != "" {
						fe.add(VariantCell(v.ID, "price."+cur), "Enter the price that goes with the compare-at price.")
					} else if old != nil {
						ch.cleared = append(ch.cleared, cur)
						ch.changes = ch.changes.Diff("price."+cur, money.Format(cur, old.Amount), "")
					}
					continue
				}
				amount, err := money.Parse(cur, amountS)
				if err != nil {
					fe.add(VariantCell(v.ID, "price."+cur), err.Error())
					continue
				}
				var compare *int64
				if compareS != "" {
					c, err := money.Parse(cur, compareS)
					switch {
					case err != nil:
						fe.add(VariantCell(v.ID, "compare_at."+cur), err.Error())
						continue
					case c < amount:
						fe.add(VariantCell(v.ID, "compare_at."+cur), "The compare-at price must be at least the price.")
						continue
					}
					compare = &c
				}
				if old != nil && old.Amount == amount && equalPtr(old.CompareAtAmount, compare) {
					continue
				}
				ev := &events.PriceUpdated{VariantRef: events.VariantRef{ProductRef: events.ProductRef{ProductID: p.ID}, VariantID: v.ID},
					Currency: cur, Amount: amount, CompareAtAmount: compare}
				if old != nil {
					ev.OldAmount, ev.OldCompareAtAmount = &old.Amount, old.CompareAtAmount
				}
				ch.prices = append(ch.prices, Price{VariantID: v.ID, TenantID: tenant.ID, Currency: cur, Amount: amount, CompareAtAmount: compare})
				ch.priceEv = append(ch.priceEv, ev)
			}
			edited := len(ch.changes) > 0 || len(ch.prices) > 0
			if edited && e.Version != v.Version {
				conflicts.add(VariantCell(v.ID, "row"), "Someone changed "+v.Title()+" since you loaded the grid; reload it to see their change.")
			}
			if edited || ch.stockTo != nil {
				work = append(work, ch)
			}
		}
		if err := fe.err(); err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return &CellConflictError{Fields: conflicts}
		}
		// SKUs another variant of the tenant has (outside this save's rows).
		var wanted []string
		freed := map[uuid.UUID]bool{} // rows of this save whose SKU changes
		for _, ch := range work {
			if sku, ok := ch.fields["sku"].(string); ok {
				freed[ch.v.ID] = true
				if sku != "" {
					wanted = append(wanted, strings.ToLower(sku))
				}
			}
		}
		if len(wanted) > 0 {
			var taken []Variant
			err := s.Conn(ctx).Select("id", "sku", "product_id", "option1", "option2", "option3").
				Where("tenant_id = ? AND sku <> '' AND lower(sku) IN ?", tenant.ID, wanted).Find(&taken).Error
			if err != nil {
				return translate(err, "check SKUs")
			}
			for _, t := range taken {
				if owner, ok := skus[strings.ToLower(t.SKU)]; ok && owner != t.ID && !freed[t.ID] {
					fe.add(VariantCell(owner, "sku"), "“"+t.SKU+"” is already the SKU of another variant.")
				}
			}
			if err := fe.err(); err != nil {
				return err
			}
			// Free the SKUs that move between this save's rows first, so a swap never meets the
			// unique index halfway.
			for _, ch := range work {
				if _, ok := ch.fields["sku"]; ok && ch.v.SKU != "" {
					if err := s.Conn(ctx).Model(&Variant{}).Where("id = ?", ch.v.ID).Update("sku", "").Error; err != nil {
						return translate(err, "free SKU")
					}
				}
			}
		}
		// The writes, in as few statements as the changes allow: rows whose only change is a
		// price get their version in one UPDATE, and every price is one upsert, so a save of 100
		// rows is a handful of round trips, not hundreds. The product lock (and the versions
		// checked above under it) keeps the rows as read until the commit.
		now := s.db.NowFunc()
		var evts []events.Event
		var bumped []uuid.UUID // rows whose only change is a price
		var prices []Price
		for _, ch := range work {
			v := ch.v
			ref := events.VariantRef{ProductRef: events.ProductRef{ProductID: p.ID}, VariantID: v.ID}
			switch {
			case len(ch.fields) > 0:
				ch.fields["version"], ch.fields["updated_at"] = v.Version+1, now
				if err := s.Conn(ctx).Model(&Variant{}).Where("id = ? AND version = ?", v.ID, v.Version).Updates(ch.fields).Error; err != nil {
					return skuClash(err, v.ID)
				}
				v.Version++
				applyFields(v, ch.fields)
			case len(ch.changes) > 0 || len(ch.prices) > 0:
				bumped = append(bumped, v.ID)
				v.Version++
			}
			if len(ch.changes) > 0 {
				evts = append(evts, &events.VariantUpdated{VariantRef: ref, Changes: ch.changes})
			}
			for _, pr := range ch.prices {
				pr.UpdatedAt = now
				prices = append(prices, pr)
			}
			evts = append(evts, ch.priceEv...)
			if len(ch.cleared) > 0 {
				if err := s.Conn(ctx).Where("variant_id = ? AND currency IN ?", v.ID, ch.cleared).Delete(&Price{}).Error; err != nil {
					return translate(err, "remove price")
				}
			}
			if ch.stockTo != nil {
				entry, sevts, err := s.setStockLocked(ctx, tenant, v, v.InventoryQuantity, *ch.stockTo, ReasonCorrection, "Set in the variant grid")
				if err != nil {
					return err
				}
				v.InventoryQuantity = entry.QuantityAfter
				evts = append(evts, sevts...)
			}
		}
		if len(bumped) > 0 {
			res := s.Conn(ctx).Model(&Variant{}).Where("tenant_id = ? AND product_id = ? AND id IN ?", tenant.ID, p.ID, bumped).
				Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": now})
			if res.Error != nil {
				return translate(res.Error, "save variants")
			}
			if res.RowsAffected != int64(len(bumped)) {
				return fmt.Errorf("save variants: %d of %d rows updated: %w", res.RowsAffected, len(bumped), ErrStale)
			}
		}
		if len(prices) > 0 {
			err := s.Conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "variant_id"}, {Name: "currency"}},
				DoUpdates: clause.AssignmentColumns([]string{"amount", "compare_at_amount", "updated_at"})}).
				CreateInBatches(prices, priceBatch).Error
			if err != nil {
				return translate(err, "save prices")
			}
		}
		if len(evts) == 0 {
			return nil
		}
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	return s.ProductByID(ctx, tenant.ID, productID)
}

// priceBatch is how many price rows one upsert statement carries (6 parameters each: well
// inside the parameter limits of PostgreSQL and SQLite).
const priceBatch = 500

func applyFields(v *Variant, f map[string]any) {
	if x, ok := f["sku"].(string); ok {
		v.SKU = x
	}
	if x, ok := f["barcode"].(string); ok {
		v.Barcode = x
	}
	if x, ok := f["inventory_policy"].(string); ok {
		v.InventoryPolicy = x
	}
	if x, ok := f["low_stock_threshold"].(int64); ok {
		v.LowStockThreshold = x
	}
}

// skuClash turns a SKU unique violation that slipped past the check (a concurrent writer) into
// the cell's field error.
func skuClash(err error, id uuid.UUID) error {
	if errors.Is(translate(err, ""), ErrConflict) {
		return &ValidationError{Fields: map[string]string{VariantCell(id, "sku"): "This SKU was just taken by another variant."}}
	}
	return translate(err, "update variant")
}

func equalPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// DeleteVariant removes one variant of the tenant's product — its combination is then left out
// of the matrix — with its prices and ledger (variant.deleted). An active product keeps at
// least one variant.
func (s *Store) DeleteVariant(ctx context.Context, tenant *Tenant, productID, variantID uuid.UUID) error {
	ctx = events.WithTenant(ctx, tenant.ID)
	return s.WithTx(ctx, func(ctx context.Context) error {
		p, err := s.lockProduct(ctx, tenant.ID, productID)
		if err != nil {
			return err
		}
		v := p.Variant(variantID)
		if v == nil {
			return fmt.Errorf("variant %s: %w", variantID, ErrNotFound)
		}
		if p.Status == ProductActive && len(p.Variants) == 1 {
			return &ValidationError{Fields: map[string]string{"variants": "An active product keeps at least one variant; archive the product instead."}}
		}
		if err := s.Conn(ctx).Delete(&Variant{}, "id = ?", v.ID).Error; err != nil {
			return translate(err, "delete variant")
		}
		return s.Append(ctx, &events.VariantDeleted{VariantRef: events.VariantRef{ProductRef: events.ProductRef{ProductID: p.ID}, VariantID: v.ID}, SKU: v.SKU})
	})
}
