package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func variantTitles(p *models.Product) []string {
	var out []string
	for _, v := range p.Variants {
		out = append(out, v.Title())
	}
	return out
}

func TestCatalogCreateMatrixAndEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Currencies("USD", "EUR").Create()

	plain := testkit.Product(t, store, tn).Create()
	if got := variantTitles(plain); !slices.Equal(got, []string{"Default"}) {
		t.Fatalf("a product without options has variants %v", got)
	}

	rec := testkit.Events(t, store)
	p, err := store.CreateProduct(ctx, tn, models.ProductInput{
		Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Blue T-Shirt"}},
		Options:      []models.ProductOption{{Name: "Size", Values: []string{"S", "M", "L"}}, {Name: "Colour", Values: []string{"Red", "Blue"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue"}
	if got := variantTitles(p); !slices.Equal(got, want) {
		t.Fatalf("variants %v, want %v", got, want)
	}
	if h := p.Translation("en").Handle; h != "blue-t-shirt" {
		t.Fatalf("handle %q", h)
	}
	types := rec.Types(t)
	if types[0] != "product.created" || types[1] != "product.updated" || len(types) != 8 {
		t.Fatalf("events %v", types)
	}
	for _, row := range rec.Rows(t) {
		if row.TenantID == nil || *row.TenantID != tn.ID || row.AggregateID != p.ID {
			t.Fatalf("event %s: tenant %v aggregate %s", row.EventType, row.TenantID, row.AggregateID)
		}
	}

	// The same handle in the same tenant and locale is refused; another tenant may use it.
	_, err = store.CreateProduct(ctx, tn, models.ProductInput{Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Blue t-shirt!"}}})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields["translations.en.handle"] == "" {
		t.Fatalf("handle clash: %v", err)
	}
	other := testkit.Tenant(t, store).Create()
	if _, err := store.CreateProduct(ctx, other, models.ProductInput{Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Blue T-Shirt"}}}); err != nil {
		t.Fatalf("another tenant's handle: %v", err)
	}
	for name, opts := range map[string][]models.ProductOption{
		"four options":   {{Name: "A", Values: []string{"1"}}, {Name: "B", Values: []string{"1"}}, {Name: "C", Values: []string{"1"}}, {Name: "D", Values: []string{"1"}}},
		"unnamed option": {{Name: "", Values: []string{"1"}}},
		"twice":          {{Name: "Size", Values: []string{"S"}}, {Name: "size", Values: []string{"M"}}},
		"too many":       {{Name: "A", Values: seq(40)}, {Name: "B", Values: seq(40)}},
	} {
		if _, err := store.CreateProduct(ctx, tn, models.ProductInput{Options: opts}); !errors.Is(err, models.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func seq(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "v" + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	return out
}

func TestCatalogOptionsChangeFollowsThePlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	p := testkit.Product(t, store, tn).Option("Size", "S", "M").Price("USD", 1000).Create()
	ids := map[string]uuid.UUID{}
	for _, v := range p.Variants {
		ids[v.Title()] = v.ID
	}
	// A left-out combination stays out when another value is added.
	if err := store.DeleteVariant(ctx, tn, p.ID, ids["M"]); err != nil {
		t.Fatal(err)
	}
	v := p.Version
	p, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Version: &v, Translations: nil,
		Options: []models.ProductOption{{Name: "Size", Values: []string{"S", "M", "L"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := variantTitles(p); !slices.Equal(got, []string{"S", "L"}) {
		t.Fatalf("after adding L: %v", got)
	}
	if p.Variant(ids["S"]) == nil || p.Variant(ids["S"]).Price("USD") == nil {
		t.Fatal("S lost its row or its price")
	}
	// A second option gives existing variants its first value and adds the rest.
	v = p.Version
	p, err = store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Version: &v,
		Options: []models.ProductOption{{Name: "Size", Values: []string{"S", "M", "L"}}, {Name: "Colour", Values: []string{"Red", "Blue"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := variantTitles(p); !slices.Equal(got, []string{"S / Red", "S / Blue", "L / Red", "L / Blue"}) {
		t.Fatalf("after adding Colour: %v", got)
	}
	if p.Variant(ids["S"]).Title() != "S / Red" {
		t.Fatalf("S became %s", p.Variant(ids["S"]).Title())
	}
	// Removing a value asks first, naming the variants, and changes nothing.
	v = p.Version
	in := models.ProductInput{Version: &v, Options: []models.ProductOption{{Name: "Size", Values: []string{"S", "M", "L"}}, {Name: "Colour", Values: []string{"Red"}}}}
	_, err = store.UpdateProduct(ctx, tn, p.ID, in)
	var ve *models.ValidationError
	if !errors.As(err, &ve) || !containsAll(ve.Fields["options"], "S / Blue", "L / Blue") {
		t.Fatalf("removal without confirmation: %v", err)
	}
	again, _ := store.ProductByID(ctx, tn.ID, p.ID)
	if len(again.Variants) != 4 {
		t.Fatalf("a refused removal removed variants: %v", variantTitles(again))
	}
	rec := testkit.Events(t, store)
	in.ConfirmRemoval = true
	if p, err = store.UpdateProduct(ctx, tn, p.ID, in); err != nil {
		t.Fatal(err)
	}
	if got := variantTitles(p); !slices.Equal(got, []string{"S / Red", "L / Red"}) || len(rec.Emitted(t, "variant.deleted")) != 2 {
		t.Fatalf("after removing Blue: %v", got)
	}
	// A stale form is refused.
	old := v
	if _, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Version: &old, Vendor: "X"}); !errors.Is(err, models.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func TestCatalogWorkflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	p := testkit.Product(t, store, tn).Create()
	if _, err := store.TransitionProduct(ctx, tn, p.ID, models.ProductActive); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("activating without a price: %v", err)
	}
	p = testkit.Product(t, store, tn).Price("USD", 1999).Create()
	rec := testkit.Events(t, store)
	got, err := store.TransitionProduct(ctx, tn, p.ID, models.ProductActive)
	if err != nil || got.Status != models.ProductActive || got.PublishedAt == nil {
		t.Fatalf("activate: %+v %v", got, err)
	}
	rec.Emitted(t, "product.published")
	if got, err = store.TransitionProduct(ctx, tn, p.ID, models.ProductDraft); err != nil || got.PublishedAt != nil {
		t.Fatalf("back to draft: %v", err)
	}
	rec.Emitted(t, "product.unpublished")
	if _, err := store.TransitionProduct(ctx, tn, p.ID, models.ProductArchived); err != nil {
		t.Fatal(err)
	}
	if _, err := store.TransitionProduct(ctx, tn, p.ID, models.ProductActive); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("archived → active: %v", err)
	}
}

func TestCatalogGridSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Currencies("USD", "JPY", "KWD").Create()
	other := testkit.Product(t, store, tn).Create()
	if _, err := store.SaveVariants(ctx, tn, other.ID, []models.VariantEdit{{ID: other.Variants[0].ID, Version: other.Variants[0].Version, SKU: "ABC-1"}}, false); err != nil {
		t.Fatal(err)
	}
	p := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
	a, b := p.Variants[0], p.Variants[1]
	edit := func(v models.Variant, sku string, prices map[string]models.PriceEdit) models.VariantEdit {
		return models.VariantEdit{ID: v.ID, Version: v.Version, SKU: sku, Prices: prices}
	}
	cell := func(err error, id uuid.UUID, field string) string {
		t.Helper()
		var ve *models.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("want a ValidationError, got %v", err)
		}
		return ve.Fields[models.VariantCell(id, field)]
	}
	// A clash with another product's SKU, in any case.
	_, err := store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(a, "abc-1", nil)}, false)
	if cell(err, a.ID, "sku") == "" {
		t.Fatalf("SKU clash not refused: %v", err)
	}
	// The same SKU on two rows marks both.
	_, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(a, "X", nil), edit(b, "x", nil)}, false)
	if cell(err, a.ID, "sku") == "" || cell(err, b.ID, "sku") == "" {
		t.Fatalf("duplicate SKU: %v", err)
	}
	// Bad money is refused per cell, and nothing of the save is written.
	for _, bad := range []string{"19.999", "-1", "1e3", "99999999999999999999", "abc"} {
		_, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{
			edit(a, "A-1", map[string]models.PriceEdit{"USD": {Amount: "5"}}),
			edit(b, "B-1", map[string]models.PriceEdit{"USD": {Amount: bad}})}, false)
		if cell(err, b.ID, "price.USD") == "" {
			t.Fatalf("%q accepted: %v", bad, err)
		}
	}
	if n := countRows(t, store, &models.Price{}, "variant_id IN ?", []uuid.UUID{a.ID, b.ID}); n != 0 {
		t.Fatalf("a refused save wrote %d prices", n)
	}
	_, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(a, "", map[string]models.PriceEdit{"USD": {Amount: "10", CompareAt: "9.99"}})}, false)
	if cell(err, a.ID, "compare_at.USD") == "" {
		t.Fatalf("compare-at below the price: %v", err)
	}
	_, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(a, "", map[string]models.PriceEdit{"EUR": {Amount: "10"}})}, false)
	if cell(err, a.ID, "price.EUR") == "" {
		t.Fatalf("a currency the tenant does not sell in: %v", err)
	}
	// Exact amounts in each currency's exponent, and an SKU swap in one save.
	rec := testkit.Events(t, store)
	p, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{
		edit(a, "A-1", map[string]models.PriceEdit{"USD": {Amount: "19.99", CompareAt: "25"}, "JPY": {Amount: "100"}, "KWD": {Amount: "1.234"}}),
		edit(b, "B-1", nil)}, false)
	if err != nil {
		t.Fatal(err)
	}
	va := p.Variant(a.ID)
	if va.Price("USD").Amount != 1999 || *va.Price("USD").CompareAtAmount != 2500 || va.Price("JPY").Amount != 100 || va.Price("KWD").Amount != 1234 {
		t.Fatalf("prices %+v", va.Prices)
	}
	if n := len(rec.Emitted(t, "price.updated")); n != 3 {
		t.Fatalf("%d price.updated", n)
	}
	a, b = *p.Variant(a.ID), *p.Variant(b.ID)
	if p, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(a, "B-1", nil), edit(b, "A-1", nil)}, false); err != nil {
		t.Fatalf("SKU swap: %v", err)
	}
	if p.Variant(a.ID).SKU != "B-1" || p.Variant(b.ID).SKU != "A-1" {
		t.Fatal("SKUs not swapped")
	}
	// A row loaded before someone else's save is refused, and stock needs permission and the
	// quantity seen.
	_, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(a, "C-1", nil)}, false)
	var ce *models.CellConflictError
	if !errors.As(err, &ce) || !errors.Is(err, models.ErrStale) {
		t.Fatalf("stale row: %v", err)
	}
	a = *p.Variant(a.ID)
	qty := models.VariantEdit{ID: a.ID, Version: a.Version, SKU: a.SKU, Quantity: &models.QuantityEdit{Seen: 0, To: "7"}}
	if _, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{qty}, false); cell(err, a.ID, "quantity") == "" {
		t.Fatalf("stock without permission: %v", err)
	}
	if p, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{qty}, true); err != nil || p.Variant(a.ID).InventoryQuantity != 7 {
		t.Fatalf("stock set: %v", err)
	}
	qty.Quantity = &models.QuantityEdit{Seen: 0, To: "9"}
	if _, err = store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{qty}, true); !errors.As(err, &ce) {
		t.Fatalf("stale stock: %v", err)
	}
}

func TestCatalogInventory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	p := testkit.Product(t, store, tn).Create()
	v := p.Variants[0]
	actor := testkit.User(t, store).Create()
	actx := events.WithActor(ctx, actor.ID)

	// deny: never below zero.
	if _, err := store.AdjustInventory(actx, tn, v.ID, -1, models.ReasonDamaged, ""); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("below zero with deny: %v", err)
	}
	if _, err := store.AdjustInventory(actx, tn, v.ID, 0, models.ReasonDamaged, ""); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("zero delta: %v", err)
	}
	if _, err := store.AdjustInventory(actx, tn, v.ID, 1, "stolen", ""); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("unknown reason: %v", err)
	}
	// The low-stock event fires once per downward crossing (threshold 5).
	rec := testkit.Events(t, store)
	for _, d := range []int64{10, -4, -1, -2, 7, -6} { // 10, 6, 5 (low), 3, 10, 4 (low)
		if _, err := store.AdjustInventory(actx, tn, v.ID, d, models.ReasonReceived, "n"); err != nil {
			t.Fatal(err)
		}
	}
	lows := rec.Emitted(t, "inventory.low")
	if len(lows) != 2 || lows[0].(*events.InventoryLow).Quantity != 5 || lows[1].(*events.InventoryLow).Quantity != 4 {
		t.Fatalf("inventory.low %v", lows)
	}
	ledger, err := store.Ledger(ctx, tn.ID, v.ID, 0)
	if err != nil || len(ledger) != 6 || ledger[0].QuantityAfter != 4 || ledger[0].Delta != -6 || ledger[0].ActorID == nil || *ledger[0].ActorID != actor.ID {
		t.Fatalf("ledger %+v %v", ledger, err)
	}
	// A stale set names the current quantity and writes nothing.
	_, err = store.SetInventory(ctx, tn, v.ID, 10, 20, models.ReasonCorrection, "")
	var sc *models.StockConflictError
	if !errors.As(err, &sc) || sc.Current != 4 {
		t.Fatalf("stale set: %v", err)
	}
	// Another tenant's variant is not found.
	stranger := testkit.Tenant(t, store).Create()
	if _, err := store.AdjustInventory(ctx, stranger, v.ID, 1, models.ReasonReceived, ""); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another tenant's variant: %v", err)
	}
	if _, err := store.Ledger(ctx, stranger.ID, v.ID, 0); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another tenant's ledger: %v", err)
	}
	if _, err := store.ProductByID(ctx, stranger.ID, p.ID); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("another tenant's product: %v", err)
	}
}

func TestCatalogConcurrentAdjustmentsAreExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	p := testkit.Product(t, store, tn).Create()
	v := p.Variants[0]
	if _, err := store.AdjustInventory(ctx, tn, v.ID, 100, models.ReasonReceived, ""); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := store.AdjustInventory(ctx, tn, v.ID, -1, models.ReasonShrinkage, "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.VariantByID(ctx, tn.ID, v.ID)
	if err != nil || got.InventoryQuantity != 50 {
		t.Fatalf("after 50 concurrent −1: %d, %v", got.InventoryQuantity, err)
	}
	if n := countRows(t, store, &models.LedgerEntry{}, "variant_id = ?", v.ID); n != 51 {
		t.Fatalf("%d ledger rows", n)
	}
}

func TestCatalogLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Create()
	cheap := testkit.Product(t, store, tn).Title("de", "Günstiger Stuhl").Vendor("Acme").Price("USD", 500).Stock(3).Create()
	dear := testkit.Product(t, store, tn).Price("USD", 9000).Stock(50).Create()
	unpriced := testkit.Product(t, store, tn).Create()
	testkit.Product(t, testkit.NewDB(t), testkit.Tenant(t, store).Create()) // nothing of another store
	otherTenant := testkit.Tenant(t, store).Create()
	testkit.Product(t, store, otherTenant).Create()
	if _, err := store.SaveVariants(ctx, tn, dear.ID, []models.VariantEdit{{ID: dear.Variants[0].ID, Version: dear.Variants[0].Version, SKU: "DEAR-9", Barcode: "4006381333931",
		Prices: map[string]models.PriceEdit{"USD": {Amount: "90"}}}}, false); err != nil {
		t.Fatal(err)
	}
	ids := func(pg models.ProductListPage) []uuid.UUID {
		var out []uuid.UUID
		for _, r := range pg.Products {
			out = append(out, r.ID)
		}
		return out
	}
	list := func(q models.ProductQuery) []uuid.UUID {
		t.Helper()
		pg, err := store.ListProducts(ctx, tn, q)
		if err != nil {
			t.Fatal(err)
		}
		return ids(pg)
	}
	for name, c := range map[string]struct {
		q    models.ProductQuery
		want []uuid.UUID
	}{
		"title in another locale": {models.ProductQuery{Search: "günstiger"}, []uuid.UUID{cheap.ID}},
		"sku":                     {models.ProductQuery{Search: "dear-9"}, []uuid.UUID{dear.ID}},
		"barcode":                 {models.ProductQuery{Search: "333931"}, []uuid.UUID{dear.ID}},
		"vendor":                  {models.ProductQuery{Vendor: "Acme"}, []uuid.UUID{cheap.ID}},
		"low":                     {models.ProductQuery{Stock: models.StockLow}, []uuid.UUID{cheap.ID}},
		"out":                     {models.ProductQuery{Stock: models.StockOut}, []uuid.UUID{unpriced.ID}},
		"price asc":               {models.ProductQuery{Sort: models.ProductSortPrice}, []uuid.UUID{cheap.ID, dear.ID, unpriced.ID}},
		"price desc":              {models.ProductQuery{Sort: models.ProductSortPrice, Desc: true}, []uuid.UUID{dear.ID, cheap.ID, unpriced.ID}},
		"stock desc":              {models.ProductQuery{Sort: models.ProductSortStock, Desc: true}, []uuid.UUID{dear.ID, cheap.ID, unpriced.ID}},
	} {
		if got := list(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	// Keyset paging visits every product once.
	for range 4 {
		testkit.Product(t, store, tn).Create()
	}
	seen := map[uuid.UUID]bool{}
	q := models.ProductQuery{PerPage: 3, Desc: true}
	for pages := 0; ; pages++ {
		pg, err := store.ListProducts(ctx, tn, q)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, id := range ids(pg) {
			if seen[id] {
				t.Fatalf("%s twice", id)
			}
			seen[id] = true
		}
		if pg.Next == "" {
			break
		}
		c, err := models.ParseCursor(pg.Next)
		if err != nil {
			t.Fatal(err)
		}
		q.Cursor = &c
	}
	if len(seen) != 7 {
		t.Fatalf("keyset paging saw %d of 7", len(seen))
	}
	sum, err := store.StockSummary(ctx, tn)
	if err != nil || sum.Low != 1 || sum.Out != 5 || len(sum.OutRows) != 5 {
		t.Fatalf("stock summary %+v %v", sum, err)
	}
}
