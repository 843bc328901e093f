package models_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestBulkPriceChange(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Currencies("USD", "JPY").Create()
	other := testkit.Tenant(t, store).Create()
	tee := testkit.Product(t, store, tn).Title("en", "Tee").Option("Size", "S", "M").Price("USD", 1999).Create()
	mug := testkit.Product(t, store, tn).Title("en", "Mug").Create() // no prices
	foreign := testkit.Product(t, store, other).Title("en", "Not yours").Price("USD", 1000).Create()
	ids := []uuid.UUID{tee.ID, mug.ID, foreign.ID}
	price := func(p *models.Product, i int, cur string) int64 {
		t.Helper()
		got, err := store.ProductByID(ctx, p.TenantID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		pr := got.Variants[i].Price(cur)
		if pr == nil {
			return -1
		}
		return pr.Amount
	}

	t.Run("bad input is refused per field", func(t *testing.T) {
		for _, ch := range []models.PriceChange{
			{Currency: "EUR", Mode: models.PriceSet, Value: "10"},     // not enabled
			{Currency: "USD", Mode: models.PriceSet, Value: "19.999"}, // too many decimals
			{Currency: "USD", Mode: models.PriceSet, Value: "-1"},
			{Currency: "USD", Mode: models.PriceSet, Value: "1e3"},
			{Currency: "USD", Mode: models.PriceAdd, Value: "0"},
			{Currency: "JPY", Mode: models.PriceAdd, Value: "1.5"},
			{Currency: "USD", Mode: models.PricePercent, Value: "-100"},
			{Currency: "USD", Mode: models.PricePercent, Value: "1.234"},
			{Currency: "USD", Mode: models.PricePercent, Value: "1001"},
			{Currency: "USD", Mode: "double", Value: "2"},
		} {
			_, err := store.PlanPriceChange(ctx, tn, ids, ch)
			var ve *models.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%+v: err %v, want a validation error", ch, err)
			}
		}
	})

	t.Run("the preview says what happens to each variant and changes nothing", func(t *testing.T) {
		plan, err := store.PlanPriceChange(ctx, tn, ids, models.PriceChange{Currency: "USD", Mode: models.PricePercent, Value: "12.5"})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) != 3 { // two tee variants and the mug's default; the foreign product is left out
			t.Fatalf("plan %+v", plan)
		}
		// 19.99 × 1.125 = 22.48875 → 22.49 (half away from zero, in cents)
		if plan[0].Old == nil || *plan[0].Old != 1999 || plan[0].New != 2249 || plan[0].Skip != "" {
			t.Fatalf("tee: %+v", plan[0])
		}
		if plan[2].ProductTitle != "Mug" || plan[2].Skip == "" {
			t.Fatalf("the mug has no USD price to change by a percentage: %+v", plan[2])
		}
		if price(tee, 0, "USD") != 1999 {
			t.Fatal("the preview changed a price")
		}
	})

	t.Run("applying writes one price.updated per changed price in one transaction", func(t *testing.T) {
		rec := testkit.Events(t, store)
		res, err := store.BulkChangePrices(ctx, tn, ids, models.PriceChange{Currency: "USD", Mode: models.PriceAdd, Value: "-0.99"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Done) != 1 || res.Done[0] != tee.ID || len(res.Skipped) != 1 || res.Skipped[0].ID != mug.ID {
			t.Fatalf("result %+v", res)
		}
		if price(tee, 0, "USD") != 1900 || price(tee, 1, "USD") != 1900 || price(foreign, 0, "USD") != 1000 {
			t.Fatal("prices not changed as asked, or another tenant's changed")
		}
		if n := len(rec.Emitted(t, "price.updated")); n != 2 {
			t.Fatalf("%d price.updated, want 2", n)
		}
		res, err = store.BulkChangePrices(ctx, tn, ids, models.PriceChange{Currency: "JPY", Mode: models.PriceSet, Value: "2500"})
		if err != nil || len(res.Done) != 2 || price(mug, 0, "JPY") != 2500 || price(tee, 1, "JPY") != 2500 {
			t.Fatalf("set JPY: %+v %v", res, err)
		}
	})

	t.Run("a price that would pass its compare-at or go below zero is skipped", func(t *testing.T) {
		p, err := store.ProductByID(ctx, tn.ID, tee.ID)
		if err != nil {
			t.Fatal(err)
		}
		v := p.Variants[0]
		catSave(t, store, tn, tee.ID, false, models.VariantEdit{ID: v.ID, Version: v.Version, SKU: v.SKU, Barcode: v.Barcode,
			Prices: map[string]models.PriceEdit{"USD": {Amount: "19.00", CompareAt: "20.00"}}})
		plan, err := store.PlanPriceChange(ctx, tn, []uuid.UUID{tee.ID}, models.PriceChange{Currency: "USD", Mode: models.PriceAdd, Value: "5"})
		if err != nil || plan[0].Skip == "" || plan[1].Skip != "" || plan[1].New != 2400 {
			t.Fatalf("plan %+v (%v)", plan, err)
		}
		plan, _ = store.PlanPriceChange(ctx, tn, []uuid.UUID{tee.ID}, models.PriceChange{Currency: "USD", Mode: models.PriceAdd, Value: "-50"})
		if plan[0].Skip == "" || plan[1].Skip == "" {
			t.Fatalf("below zero not skipped: %+v", plan)
		}
	})
}
