package models

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/money"
)

// Bulk price change modes: set every variant's price to an amount, add (or take away) an
// amount, or change it by a percentage.
const (
	PriceSet     = "set"
	PriceAdd     = "add"
	PricePercent = "percent"
)

// PriceChange is a bulk price change as typed: the currency, the mode and the value (an amount
// in major units for set and add, signed for add; a percentage with up to two decimals for
// percent, such as -12.5).
type PriceChange struct {
	Currency, Mode, Value string
}

// PricePlan is what a bulk price change does to one variant: Old is nil where the variant has
// no price in the currency yet (only "set" gives it one); Skip says why a variant is left as it
// is.
type PricePlan struct {
	ProductID    uuid.UUID
	ProductTitle string
	Variant      *Variant
	Old          *int64
	New          int64
	Skip         string
}

// parsedChange is a PriceChange checked: the amount in minor units or the percentage in basis
// points.
type parsedChange struct {
	currency, mode string
	amount         int64 // set, add
	basisPoints    int64 // percent: 100 = 1 %
}

// parse checks the change against the tenant, with one message per field.
func (ch PriceChange) parse(tenant *Tenant) (parsedChange, error) {
	fe := fieldErrors{}
	cur := strings.ToUpper(strings.TrimSpace(ch.Currency))
	pc := parsedChange{currency: cur, mode: ch.Mode}
	if !slices.Contains(tenant.EnabledCurrencies(), cur) {
		fe.add("currency", "Choose one of this tenant's currencies.")
	}
	value := strings.TrimSpace(ch.Value)
	neg := strings.HasPrefix(value, "-")
	unsigned := strings.TrimPrefix(strings.TrimPrefix(value, "-"), "+")
	switch ch.Mode {
	case PriceSet, PriceAdd:
		if ch.Mode == PriceSet && (neg || strings.HasPrefix(value, "+")) {
			fe.add("value", "Enter the new price, such as 19.99.")
			break
		}
		if fe["currency"] != "" {
			break
		}
		n, err := money.Parse(cur, unsigned)
		if err != nil {
			fe.add("value", err.Error())
			break
		}
		if neg {
			n = -n
		}
		if ch.Mode == PriceAdd && n == 0 {
			fe.add("value", "Adding nothing changes nothing: enter an amount such as 2.50 or -2.50.")
		}
		pc.amount = n
	case PricePercent:
		// Two decimals of a percentage are basis points: parse it as an amount with exponent 2.
		n, ok := parseFixed2(unsigned)
		switch {
		case !ok:
			fe.add("value", "Enter a percentage such as 10 or -12.5, with at most two decimals.")
		case neg && n >= 10000:
			fe.add("value", "A price can come down by less than 100 %.")
		case !neg && n > 100000:
			fe.add("value", "A price can go up by at most 1000 %.")
		case n == 0:
			fe.add("value", "0 % changes nothing: enter a percentage such as 10 or -12.5.")
		}
		if neg {
			n = -n
		}
		pc.basisPoints = n
	default:
		fe.add("mode", "Choose set, add or percent.")
	}
	return pc, fe.err()
}

// parseFixed2 reads "12", "12.5" or "12.50" as hundredths, without floating point.
func parseFixed2(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	var n int64
	for _, r := range whole + frac {
		n = n*10 + int64(r-'0')
	}
	return n, true
}

// apply is the new price of a variant, or why it is skipped.
func (pc parsedChange) apply(v *Variant) (old *int64, next int64, skip string) {
	p := v.Price(pc.currency)
	if p != nil {
		old = &p.Amount
	}
	switch {
	case pc.mode == PriceSet:
		next = pc.amount
	case old == nil:
		return nil, 0, "no " + pc.currency + " price to change"
	case pc.mode == PriceAdd:
		next = *old + pc.amount
		if (pc.amount > 0 && next < *old) || (pc.amount < 0 && next > *old) {
			return old, 0, "the price would be too large"
		}
	default: // percent, rounded half away from zero in minor units
		r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(*old), big.NewInt(10000+pc.basisPoints)), big.NewInt(10000))
		num, den := r.Num(), r.Denom()
		q, m := new(big.Int).QuoRem(num, den, new(big.Int))
		if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
			q.Add(q, big.NewInt(int64(num.Sign())))
		}
		if !q.IsInt64() {
			return old, 0, "the price would be too large"
		}
		next = q.Int64()
	}
	switch {
	case next < 0:
		return old, 0, "the price would be below zero"
	case p != nil && p.CompareAtAmount != nil && next > *p.CompareAtAmount:
		return old, 0, fmt.Sprintf("the new price %s would be above its compare-at price %s", money.Format(pc.currency, next), money.Format(pc.currency, *p.CompareAtAmount))
	case old != nil && *old == next:
		return old, next, "the price stays the same"
	}
	return old, next, ""
}

// PlanPriceChange checks the change and says what it would do to every variant of the tenant's
// products with these ids (the preview); products of other tenants are not found and left out.
func (s *Store) PlanPriceChange(ctx context.Context, tenant *Tenant, ids []uuid.UUID, ch PriceChange) ([]PricePlan, error) {
	pc, err := ch.parse(tenant)
	if err != nil {
		return nil, err
	}
	products, err := s.productsByIDs(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	var out []PricePlan
	for _, p := range products {
		for i := range p.Variants {
			v := &p.Variants[i]
			old, next, skip := pc.apply(v)
			out = append(out, PricePlan{ProductID: p.ID, ProductTitle: p.Title(tenant.DefaultLocale), Variant: v, Old: old, New: next, Skip: skip})
		}
	}
	return out, nil
}

// BulkChangePrices applies the change to the products with these ids in one transaction, from
// their prices at that moment (which may differ from the preview's), with a price.updated event
// per changed price through SaveVariants. A variant the change cannot apply to is skipped and
// counted; a product none of whose variants changes is reported skipped.
func (s *Store) BulkChangePrices(ctx context.Context, tenant *Tenant, ids []uuid.UUID, ch PriceChange) (BulkResult, error) {
	pc, err := ch.parse(tenant)
	if err != nil {
		return BulkResult{}, err
	}
	var res BulkResult
	err = s.WithTx(ctx, func(ctx context.Context) error {
		res = BulkResult{}
		products, err := s.productsByIDs(ctx, tenant, ids)
		if err != nil {
			return err
		}
		for _, p := range products {
			var edits []VariantEdit
			for i := range p.Variants {
				v := &p.Variants[i]
				_, next, skip := pc.apply(v)
				if skip != "" {
					continue
				}
				e := VariantEdit{ID: v.ID, Version: v.Version, SKU: v.SKU, Barcode: v.Barcode, Policy: v.InventoryPolicy,
					Prices: map[string]PriceEdit{pc.currency: {Amount: money.Format(pc.currency, next)}}}
				if old := v.Price(pc.currency); old != nil && old.CompareAtAmount != nil {
					e.Prices[pc.currency] = PriceEdit{Amount: money.Format(pc.currency, next), CompareAt: money.Format(pc.currency, *old.CompareAtAmount)}
				}
				edits = append(edits, e)
			}
			title := p.Title(tenant.DefaultLocale)
			if len(edits) == 0 {
				res.Skipped = append(res.Skipped, BulkSkip{ID: p.ID, Title: title, Reason: "no price of it changes"})
				continue
			}
			if _, err := s.SaveVariants(ctx, tenant, p.ID, edits, false); err != nil {
				return err
			}
			res.Done = append(res.Done, p.ID)
		}
		return nil
	})
	return res, err
}

// productsByIDs loads the tenant's products with these ids, with their variants and prices, in
// the order of ids; ids of other tenants' products are left out.
func (s *Store) productsByIDs(ctx context.Context, tenant *Tenant, ids []uuid.UUID) ([]*Product, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var ps []*Product
	err := s.Conn(ctx).
		Preload("Translations", func(db *gorm.DB) *gorm.DB { return db.Order("locale") }).
		Preload("Variants", func(db *gorm.DB) *gorm.DB { return db.Order("position, id") }).
		Preload("Variants.Prices", func(db *gorm.DB) *gorm.DB { return db.Order("currency") }).
		Where("tenant_id = ? AND id IN ?", tenant.ID, ids).Find(&ps).Error
	if err != nil {
		return nil, translate(err, "products")
	}
	slices.SortFunc(ps, func(a, b *Product) int { return slices.Index(ids, a.ID) - slices.Index(ids, b.ID) })
	return ps, nil
}
