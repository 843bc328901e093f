package testkit

import (
	"context"
	"fmt"
	"testing"

	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/models"
)

// ProductBuilder builds a product fixture:
// testkit.Product(t, store, tenant).Option("Size", "S", "M").Price("USD", 1999).Stock(10).Active().Create().
type ProductBuilder struct {
	t      testing.TB
	store  *models.Store
	tenant *models.Tenant
	in     models.ProductInput
	prices map[string]int64
	stock  *int64
	active bool
}

// Product starts a draft product fixture with a unique title in the tenant's default locale.
func Product(t testing.TB, store *models.Store, tenant *models.Tenant) *ProductBuilder {
	n := next()
	return &ProductBuilder{t: t, store: store, tenant: tenant, prices: map[string]int64{}, in: models.ProductInput{
		Translations: []models.ProductTranslationInput{{Locale: tenant.DefaultLocale, Title: fmt.Sprintf("Product %d", n)}},
	}}
}

// Title sets the title in a locale (replacing the default one when the locale is the default).
func (b *ProductBuilder) Title(locale, title string) *ProductBuilder {
	for i := range b.in.Translations {
		if b.in.Translations[i].Locale == locale {
			b.in.Translations[i].Title = title
			return b
		}
	}
	b.in.Translations = append(b.in.Translations, models.ProductTranslationInput{Locale: locale, Title: title})
	return b
}

// Vendor sets the vendor.
func (b *ProductBuilder) Vendor(v string) *ProductBuilder { b.in.Vendor = v; return b }

// Type sets the product type.
func (b *ProductBuilder) Type(v string) *ProductBuilder { b.in.ProductType = v; return b }

// Option adds an option with its values.
func (b *ProductBuilder) Option(name string, values ...string) *ProductBuilder {
	b.in.Options = append(b.in.Options, models.ProductOption{Name: name, Values: values})
	return b
}

// Price gives every variant this price (minor units) in the currency.
func (b *ProductBuilder) Price(currency string, minor int64) *ProductBuilder {
	b.prices[currency] = minor
	return b
}

// Stock sets every variant's stock (a correction in the ledger).
func (b *ProductBuilder) Stock(n int64) *ProductBuilder { b.stock = &n; return b }

// Active activates the product (it needs a price in the default currency).
func (b *ProductBuilder) Active() *ProductBuilder { b.active = true; return b }

// Create inserts the product or fails the test, and returns it as loaded.
func (b *ProductBuilder) Create() *models.Product {
	b.t.Helper()
	ctx := context.Background()
	p, err := b.store.CreateProduct(ctx, b.tenant, b.in)
	if err != nil {
		b.t.Fatalf("testkit: create product: %v", err)
	}
	if len(b.prices) > 0 {
		var edits []models.VariantEdit
		for _, v := range p.Variants {
			e := models.VariantEdit{ID: v.ID, Version: v.Version, SKU: v.SKU, Barcode: v.Barcode, Prices: map[string]models.PriceEdit{}}
			for cur, minor := range b.prices { // typed in major units, as the grid sends them
				e.Prices[cur] = models.PriceEdit{Amount: money.Format(cur, minor)}
			}
			edits = append(edits, e)
		}
		if p, err = b.store.SaveVariants(ctx, b.tenant, p.ID, edits, false); err != nil {
			b.t.Fatalf("testkit: price product: %v", err)
		}
	}
	if b.stock != nil {
		for _, v := range p.Variants {
			if _, err := b.store.SetInventory(ctx, b.tenant, v.ID, v.InventoryQuantity, *b.stock, models.ReasonCorrection, ""); err != nil {
				b.t.Fatalf("testkit: stock product: %v", err)
			}
		}
	}
	if b.active {
		if _, err := b.store.TransitionProduct(ctx, b.tenant, p.ID, models.ProductActive); err != nil {
			b.t.Fatalf("testkit: activate product: %v", err)
		}
	}
	if p, err = b.store.ProductByID(ctx, b.tenant.ID, p.ID); err != nil {
		b.t.Fatalf("testkit: reload product: %v", err)
	}
	return p
}
