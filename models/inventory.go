package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/migrations"
)

// Reasons of a stock change (the inventory ledger).
const (
	ReasonReceived   = "received"
	ReasonCorrection = "correction"
	ReasonDamaged    = "damaged"
	ReasonShrinkage  = "shrinkage"
	ReasonReturned   = "returned"
	ReasonOther      = "other"
)

// InventoryReasons lists the reasons in the order a form offers them.
var InventoryReasons = []string{ReasonReceived, ReasonCorrection, ReasonDamaged, ReasonShrinkage, ReasonReturned, ReasonOther}

// MaxLedgerNote bounds a ledger note, in characters.
const MaxLedgerNote = 500

// LedgerEntry is one stock change of a variant: who changed it by how much and why, and the
// quantity it left.
type LedgerEntry struct {
	ID            uuid.UUID  `gorm:"type:uuid;primaryKey"`
	TenantID      uuid.UUID  `gorm:"type:uuid;not null"`
	ProductID     uuid.UUID  `gorm:"type:uuid;not null"`
	VariantID     uuid.UUID  `gorm:"type:uuid;not null"`
	Delta         int64      `gorm:"not null"`
	QuantityAfter int64      `gorm:"not null"`
	Reason        string     `gorm:"not null"`
	Note          string     `gorm:"not null"`
	ActorID       *uuid.UUID `gorm:"type:uuid"`
	JobRunID      *uuid.UUID `gorm:"type:uuid"` // the import that set the stock (reason import)
	CreatedAt     time.Time
}

// TableName is the ledger's table.
func (LedgerEntry) TableName() string { return "inventory_ledger" }

// StockConflictError refuses a "set stock to N" made against a quantity that is no longer the
// variant's: Current is what it is now. It matches ErrStale.
type StockConflictError struct {
	VariantID uuid.UUID
	Seen      int64
	Current   int64
}

func (e *StockConflictError) Error() string {
	return fmt.Sprintf("variant %s: stock is %d, not %d: %s", e.VariantID, e.Current, e.Seen, ErrStale)
}

// Is makes errors.Is(err, ErrStale) true.
func (e *StockConflictError) Is(target error) bool { return target == ErrStale }

// validateAdjustment checks the reason and note of a stock change.
func validateAdjustment(reason, note string, fe fieldErrors) (string, string) {
	reason, note = strings.TrimSpace(reason), strings.TrimSpace(note)
	if !slices.Contains(InventoryReasons, reason) {
		fe.add("reason", "Choose a reason: "+strings.Join(InventoryReasons, ", ")+".")
	}
	if len([]rune(note)) > MaxLedgerNote {
		fe.add("note", fmt.Sprintf("A note has at most %d characters.", MaxLedgerNote))
	}
	return reason, note
}

// AdjustInventory changes the stock of the tenant's variant by delta in one atomic UPDATE, so
// concurrent adjustments never lose one; with policy deny it refuses to go below zero (a
// *ValidationError on "delta" saying how many are in stock). It writes a ledger row and emits
// inventory.updated, and inventory.low when the stock crosses the variant's threshold downward
// (from above it to at or below it: once, not on every change below it).
func (s *Store) AdjustInventory(ctx context.Context, tenant *Tenant, variantID uuid.UUID, delta int64, reason, note string) (*LedgerEntry, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	fe := fieldErrors{}
	reason, note = validateAdjustment(reason, note, fe)
	switch {
	case delta == 0:
		fe.add("delta", "Enter how many to add (such as 5) or remove (such as -2).")
	case delta > MaxStock || delta < -MaxStock:
		fe.add("delta", fmt.Sprintf("Adjust by at most %d at a time.", int64(MaxStock)))
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var entry *LedgerEntry
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var r struct {
			ProductID         uuid.UUID
			SKU               string
			Option1           string
			Option2           string
			Option3           string
			InventoryQuantity int64
			LowStockThreshold int64
		}
		e := &LedgerEntry{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, VariantID: variantID, Delta: delta,
			Reason: reason, Note: note, ActorID: events.ActorFrom(ctx), CreatedAt: s.db.NowFunc()}
		update := `UPDATE product_variants SET inventory_quantity = inventory_quantity + ?, updated_at = ? ` +
			`WHERE tenant_id = ? AND id = ? AND (inventory_policy = 'continue' OR inventory_quantity + ? >= 0) ` +
			`AND inventory_quantity + ? BETWEEN ? AND ? ` +
			`RETURNING product_id, sku, option1, option2, option3, inventory_quantity, low_stock_threshold`
		args := []any{delta, e.CreatedAt, tenant.ID, variantID, delta, delta, int64(-MaxStock), int64(MaxStock)}
		ledgerWritten := false
		var res *gorm.DB
		if s.dialect == migrations.Postgres {
			// The stock and its ledger row in one statement: the row lock a busy variant's
			// adjustments queue on is held for one round trip less.
			res = s.Conn(ctx).Raw(`WITH upd AS (`+update+`), led AS (INSERT INTO inventory_ledger `+
				`(id, tenant_id, product_id, variant_id, delta, quantity_after, reason, note, actor_id, created_at) `+
				`SELECT ?::uuid, ?::uuid, product_id, ?::uuid, ?::bigint, inventory_quantity, ?::text, ?::text, ?::uuid, ?::timestamptz FROM upd) SELECT * FROM upd`,
				append(args, e.ID, e.TenantID, e.VariantID, e.Delta, e.Reason, e.Note, e.ActorID, e.CreatedAt)...).Scan(&r)
			ledgerWritten = true
		} else {
			res = s.Conn(ctx).Raw(update, args...).Scan(&r)
		}
		if res.Error != nil {
			return translate(res.Error, "adjust stock")
		}
		if res.RowsAffected == 0 {
			v, err := s.variantByID(ctx, tenant.ID, variantID)
			if err != nil {
				return err
			}
			if v.InventoryPolicy == PolicyDeny && v.InventoryQuantity+delta < 0 {
				return &ValidationError{Fields: map[string]string{"delta": fmt.Sprintf(
					"Only %d in stock: with policy deny the stock cannot go below zero.", v.InventoryQuantity)}}
			}
			return &ValidationError{Fields: map[string]string{"delta": fmt.Sprintf("The stock would pass %d.", int64(MaxStock))}}
		}
		v := Variant{ID: variantID, ProductID: r.ProductID, SKU: r.SKU, Option1: r.Option1, Option2: r.Option2, Option3: r.Option3,
			InventoryQuantity: r.InventoryQuantity, LowStockThreshold: r.LowStockThreshold}
		e.ProductID, e.QuantityAfter = r.ProductID, r.InventoryQuantity
		if !ledgerWritten {
			if err := s.Conn(ctx).Create(e).Error; err != nil {
				return translate(err, "write ledger")
			}
		}
		entry = e
		return s.Append(ctx, stockEvents(&v, r.InventoryQuantity-delta, reason)...)
	})
	if err != nil {
		return nil, err
	}
	return entry, nil
}

// SetInventory sets the stock of the tenant's variant to `to`, provided it is still `seen`, the
// quantity the user saw: else a *StockConflictError naming the current value. Ledger row and
// events as AdjustInventory; setting the quantity it has is a no-op.
func (s *Store) SetInventory(ctx context.Context, tenant *Tenant, variantID uuid.UUID, seen, to int64, reason, note string) (*LedgerEntry, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	fe := fieldErrors{}
	reason, note = validateAdjustment(reason, note, fe)
	if to > MaxStock || to < -MaxStock {
		fe.add("quantity", fmt.Sprintf("Enter a number between -%d and %d.", int64(MaxStock), int64(MaxStock)))
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var entry *LedgerEntry
	err := s.WithTx(ctx, func(ctx context.Context) error {
		v, err := s.variantByID(ctx, tenant.ID, variantID)
		if err != nil {
			return err
		}
		e, evts, err := s.setStockLocked(ctx, tenant, v, seen, to, reason, note)
		if err != nil {
			return err
		}
		entry = e
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	return entry, nil
}

// setStockLocked writes "stock is now `to`" for v if it is still `seen`, in one conditional
// UPDATE, and returns the ledger row and its events (nil events when nothing changed).
func (s *Store) setStockLocked(ctx context.Context, tenant *Tenant, v *Variant, seen, to int64, reason, note string) (*LedgerEntry, []events.Event, error) {
	if to == seen && seen == v.InventoryQuantity {
		return &LedgerEntry{VariantID: v.ID, QuantityAfter: to}, nil, nil
	}
	res := s.Conn(ctx).Exec(`UPDATE product_variants SET inventory_quantity = ?, updated_at = ? `+
		`WHERE tenant_id = ? AND id = ? AND inventory_quantity = ? AND (inventory_policy = 'continue' OR ? >= 0)`,
		to, s.db.NowFunc(), tenant.ID, v.ID, seen, to)
	if res.Error != nil {
		return nil, nil, translate(res.Error, "set stock")
	}
	if res.RowsAffected == 0 {
		cur, err := s.variantByID(ctx, tenant.ID, v.ID)
		if err != nil {
			return nil, nil, err
		}
		if cur.InventoryQuantity != seen {
			return nil, nil, &StockConflictError{VariantID: v.ID, Seen: seen, Current: cur.InventoryQuantity}
		}
		return nil, nil, &ValidationError{Fields: map[string]string{"quantity": "With policy deny the stock cannot be below zero."}}
	}
	v.InventoryQuantity = to
	return s.recordStock(ctx, tenant, v, seen, reason, note)
}

// recordStock writes the ledger row of a stock change from old to v.InventoryQuantity and
// returns it with inventory.updated and, on a downward crossing of the threshold, inventory.low.
func (s *Store) recordStock(ctx context.Context, tenant *Tenant, v *Variant, old int64, reason, note string) (*LedgerEntry, []events.Event, error) {
	e := &LedgerEntry{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, ProductID: v.ProductID, VariantID: v.ID,
		Delta: v.InventoryQuantity - old, QuantityAfter: v.InventoryQuantity, Reason: reason, Note: note,
		ActorID: events.ActorFrom(ctx), JobRunID: jobRunFrom(ctx), CreatedAt: s.db.NowFunc()}
	if err := s.Conn(ctx).Create(e).Error; err != nil {
		return nil, nil, translate(err, "write ledger")
	}
	return e, stockEvents(v, old, reason), nil
}

// stockEvents are the events of v's stock going from old to v.InventoryQuantity:
// inventory.updated, and inventory.low on a downward crossing of the threshold.
func stockEvents(v *Variant, old int64, reason string) []events.Event {
	ref := events.VariantRef{ProductRef: events.ProductRef{ProductID: v.ProductID}, VariantID: v.ID}
	evts := []events.Event{&events.InventoryUpdated{VariantRef: ref, SKU: v.SKU, OldQuantity: old, NewQuantity: v.InventoryQuantity, Reason: reason}}
	if old > v.LowStockThreshold && v.InventoryQuantity <= v.LowStockThreshold {
		evts = append(evts, &events.InventoryLow{VariantRef: ref, SKU: v.SKU, Quantity: v.InventoryQuantity, Threshold: v.LowStockThreshold})
	}
	return evts
}

// variantByID returns the tenant's variant (without prices). Another tenant's is ErrNotFound.
func (s *Store) variantByID(ctx context.Context, tenantID, id uuid.UUID) (*Variant, error) {
	var v Variant
	if err := s.Conn(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&v).Error; err != nil {
		return nil, translate(err, "variant "+id.String())
	}
	return &v, nil
}

// VariantByID returns the tenant's variant with its prices. Another tenant's is ErrNotFound.
func (s *Store) VariantByID(ctx context.Context, tenantID, id uuid.UUID) (*Variant, error) {
	var v Variant
	if err := s.Conn(ctx).Preload("Prices").Where("tenant_id = ? AND id = ?", tenantID, id).Take(&v).Error; err != nil {
		return nil, translate(err, "variant "+id.String())
	}
	return &v, nil
}

// Ledger returns the newest stock changes of the tenant's variant, at most limit (<1: 50).
// Another tenant's variant is ErrNotFound.
func (s *Store) Ledger(ctx context.Context, tenantID, variantID uuid.UUID, limit int) ([]LedgerEntry, error) {
	if _, err := s.variantByID(ctx, tenantID, variantID); err != nil {
		return nil, err
	}
	if limit < 1 {
		limit = 50
	}
	var out []LedgerEntry
	err := s.Conn(ctx).Where("tenant_id = ? AND variant_id = ?", tenantID, variantID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, translate(err, "ledger")
}

// VariantLabel names the tenant's variant for a message in one query: its product's title in
// locale (else in the first locale it has, as Product.Title) and the variant's title. Another
// tenant's variant is ErrNotFound.
func (s *Store) VariantLabel(ctx context.Context, tenantID, variantID uuid.UUID, locale string) (product, variant string, err error) {
	var r struct {
		Option1, Option2, Option3 string
		Title                     *string
	}
	res := s.Conn(ctx).Raw(`SELECT v.option1, v.option2, v.option3, (SELECT t.title FROM product_translations t `+
		`WHERE t.product_id = v.product_id ORDER BY CASE WHEN t.locale = ? THEN 0 ELSE 1 END, t.locale LIMIT 1) AS title `+
		`FROM product_variants v WHERE v.tenant_id = ? AND v.id = ?`, locale, tenantID, variantID).Scan(&r)
	if res.Error != nil {
		return "", "", translate(res.Error, "variant "+variantID.String())
	}
	if res.RowsAffected == 0 {
		return "", "", fmt.Errorf("variant %s: %w", variantID, ErrNotFound)
	}
	if r.Title != nil {
		product = *r.Title
	}
	return product, (&Variant{Option1: r.Option1, Option2: r.Option2, Option3: r.Option3}).Title(), nil
}
