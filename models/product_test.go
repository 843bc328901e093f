package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// ---- catalog helpers (shared with inventory_test.go) ----

// catTenant is a tenant with the locales en (default) and de, selling in USD (default) and EUR.
func catTenant(t *testing.T, store *models.Store) *models.Tenant {
	t.Helper()
	return testkit.Tenant(t, store).Locales("en", "de").Currencies("USD", "EUR").Create()
}

func catOpt(name string, values ...string) models.ProductOption {
	return models.ProductOption{Name: name, Values: values}
}

func catEN(title string) []models.ProductTranslationInput {
	return []models.ProductTranslationInput{{Locale: "en", Title: title}}
}

// catReload reads the product back from the database.
func catReload(t *testing.T, store *models.Store, tn *models.Tenant, id uuid.UUID) *models.Product {
	t.Helper()
	p, err := store.ProductByID(context.Background(), tn.ID, id)
	if err != nil {
		t.Fatalf("reload product %s: %v", id, err)
	}
	return p
}

// catTitles are the product's variant titles in their order.
func catTitles(p *models.Product) []string {
	out := make([]string, len(p.Variants))
	for i := range p.Variants {
		out[i] = p.Variants[i].Title()
	}
	return out
}

// catByTitle finds the product's variant with the title or fails the test.
func catByTitle(t *testing.T, p *models.Product, title string) models.Variant {
	t.Helper()
	for _, v := range p.Variants {
		if v.Title() == title {
			return v
		}
	}
	t.Fatalf("product has no variant %q: %v", title, catTitles(p))
	return models.Variant{}
}

// catEdit is the grid row of v as loaded: every cell as it is, no price or stock typed.
func catEdit(v models.Variant) models.VariantEdit {
	return models.VariantEdit{ID: v.ID, Version: v.Version, SKU: v.SKU, Barcode: v.Barcode, Policy: v.InventoryPolicy,
		Threshold: strconv.FormatInt(v.LowStockThreshold, 10)}
}

// catSave saves grid rows or fails the test.
func catSave(t *testing.T, store *models.Store, tn *models.Tenant, productID uuid.UUID, allowStock bool, edits ...models.VariantEdit) *models.Product {
	t.Helper()
	p, err := store.SaveVariants(context.Background(), tn, productID, edits, allowStock)
	if err != nil {
		t.Fatalf("SaveVariants: %v", err)
	}
	return p
}

// catSnapshot is everything stored about a product — its row, translations, variants, prices
// and ledger — as text, to show that a refused call changed nothing.
func catSnapshot(t *testing.T, store *models.Store, tenantID, id uuid.UUID) string {
	t.Helper()
	p, err := store.ProductByID(context.Background(), tenantID, id)
	if err != nil {
		t.Fatalf("snapshot %s: %v", id, err)
	}
	var b strings.Builder
	pub := "nil"
	if p.PublishedAt != nil {
		pub = p.PublishedAt.UTC().String()
	}
	fmt.Fprintf(&b, "status=%s vendor=%q type=%q version=%d options=%v published=%s updated=%s\n",
		p.Status, p.Vendor, p.ProductType, p.Version, p.Options, pub, p.UpdatedAt.UTC())
	for _, tr := range p.Translations {
		fmt.Fprintf(&b, "tr %s %q %q %q\n", tr.Locale, tr.Title, tr.Handle, tr.Description)
	}
	for _, v := range p.Variants {
		fmt.Fprintf(&b, "v %s %q pos=%d sku=%q barcode=%q policy=%s qty=%d threshold=%d version=%d updated=%s",
			v.ID, v.Title(), v.Position, v.SKU, v.Barcode, v.InventoryPolicy, v.InventoryQuantity, v.LowStockThreshold, v.Version, v.UpdatedAt.UTC())
		for _, pr := range v.Prices {
			fmt.Fprintf(&b, " %s=%d", pr.Currency, pr.Amount)
			if pr.CompareAtAmount != nil {
				fmt.Fprintf(&b, "/%d", *pr.CompareAtAmount)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "ledger=%d\n", countRows(t, store, &models.LedgerEntry{}, "product_id = ?", id))
	return b.String()
}

// catNoEvents fails the test if the recorder saw any event.
func catNoEvents(t *testing.T, rec *testkit.Recorder) {
	t.Helper()
	if types := rec.Types(t); len(types) != 0 {
		t.Fatalf("events %v, want none", types)
	}
}

func catCount(types []string, typ string) int {
	n := 0
	for _, x := range types {
		if x == typ {
			n++
		}
	}
	return n
}

func catVariantIDs(p *models.Product) []uuid.UUID {
	out := make([]uuid.UUID, len(p.Variants))
	for i := range p.Variants {
		out[i] = p.Variants[i].ID
	}
	return out
}

func catSortedIDs(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// ---- CreateProduct ----

func TestCreateProductDefaultVariant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	rec := testkit.Events(t, store)
	p, err := store.CreateProduct(ctx, tn, models.ProductInput{Translations: catEN("Plain Mug")})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []*models.Product{p, catReload(t, store, tn, p.ID)} {
		if len(got.Variants) != 1 {
			t.Fatalf("variants %v, want exactly one", catTitles(got))
		}
		v := got.Variants[0]
		if v.Title() != "Default" || v.Combo() != (models.Combo{}) || v.Position != 0 || v.SKU != "" || v.InventoryQuantity != 0 ||
			v.InventoryPolicy != models.PolicyDeny || v.LowStockThreshold != models.DefaultLowStock || len(v.Prices) != 0 ||
			v.ProductID != p.ID || v.TenantID != tn.ID || v.Version != 1 {
			t.Fatalf("default variant %+v", v)
		}
		if got.Status != models.ProductDraft || got.PublishedAt != nil || got.Version != 1 || len(got.Options) != 0 {
			t.Fatalf("product %+v", got)
		}
	}
	if types := rec.Types(t); !slices.Equal(types, []string{"product.created", "product.updated", "variant.created"}) {
		t.Fatalf("events %v", types)
	}
	if vc := rec.Emitted(t, "variant.created")[0].(*events.VariantCreated); vc.Title != "Default" || vc.VariantID != p.Variants[0].ID || vc.ProductID != p.ID {
		t.Fatalf("variant.created %+v", vc)
	}
}

func TestCreateProductMatrix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	rec := testkit.Events(t, store)
	p, err := store.CreateProduct(ctx, tn, models.ProductInput{Vendor: " Acme ", ProductType: "Shirts",
		Options:      []models.ProductOption{catOpt(" Size ", "S", " M", "L", "M", ""), catOpt("Colour", "Red", "Blue")},
		Translations: catEN("Blue T-Shirt")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue"}
	reloaded := catReload(t, store, tn, p.ID)
	for _, got := range []*models.Product{p, reloaded} {
		if titles := catTitles(got); !slices.Equal(titles, want) {
			t.Fatalf("variants %v, want %v", titles, want)
		}
		for i, v := range got.Variants {
			if v.Position != i || v.InventoryQuantity != 0 || v.LowStockThreshold != 5 || v.InventoryPolicy != models.PolicyDeny || v.Option3 != "" {
				t.Fatalf("variant %d %+v", i, v)
			}
		}
		if got.Vendor != "Acme" || got.ProductType != "Shirts" || got.Status != models.ProductDraft ||
			!slices.EqualFunc(got.Options, []models.ProductOption{catOpt("Size", "S", "M", "L"), catOpt("Colour", "Red", "Blue")},
				func(a, b models.ProductOption) bool { return a.Name == b.Name && slices.Equal(a.Values, b.Values) }) {
			t.Fatalf("product %+v", got)
		}
		if tr := got.Translation("en"); tr == nil || tr.Title != "Blue T-Shirt" || tr.Handle != "blue-t-shirt" {
			t.Fatalf("translation %+v", tr)
		}
	}
	if !slices.Equal(catVariantIDs(p), catVariantIDs(reloaded)) {
		t.Fatalf("returned variants %v, stored %v", catVariantIDs(p), catVariantIDs(reloaded))
	}

	types := rec.Types(t)
	wantTypes := []string{"product.created", "product.updated"}
	for range 6 {
		wantTypes = append(wantTypes, "variant.created")
	}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("events %v, want %v", types, wantTypes)
	}
	created := rec.Emitted(t, "product.created")[0].(*events.ProductCreated)
	if created.ProductID != p.ID || created.Status != "draft" || created.Vendor != "Acme" || created.ProductType != "Shirts" {
		t.Fatalf("product.created %+v", created)
	}
	up := rec.Emitted(t, "product.updated")[0].(*events.ProductUpdated)
	if up.ProductID != p.ID || up.Changes["en.title"] != (events.Change{Old: "", New: "Blue T-Shirt"}) ||
		up.Changes["en.handle"] != (events.Change{Old: "", New: "blue-t-shirt"}) {
		t.Fatalf("translation event %+v", up)
	}
	for i, ev := range rec.Emitted(t, "variant.created") {
		vc := ev.(*events.VariantCreated)
		if vc.ProductID != p.ID || vc.VariantID != reloaded.Variants[i].ID || vc.Title != want[i] {
			t.Fatalf("variant.created %d: %+v, want %s %q", i, vc, reloaded.Variants[i].ID, want[i])
		}
	}
	for _, row := range rec.Rows(t) {
		if row.TenantID == nil || *row.TenantID != tn.ID || row.AggregateType != "product" || row.AggregateID != p.ID {
			t.Fatalf("event %s: tenant %v aggregate %s %s, want tenant %s product %s", row.EventType, row.TenantID, row.AggregateType, row.AggregateID, tn.ID, p.ID)
		}
	}
}

func TestCreateProductLowStockThresholdOfTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	for _, threshold := range []int64{2, 0} {
		var err error
		if tn, err = store.UpdateTenant(ctx, tn.ID, models.TenantUpdate{LowStockThreshold: ptr(threshold)}); err != nil {
			t.Fatal(err)
		}
		p := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
		for _, v := range p.Variants {
			if v.LowStockThreshold != threshold {
				t.Fatalf("tenant threshold %d: variant %s has %d", threshold, v.Title(), v.LowStockThreshold)
			}
		}
	}
}

func TestCreateProductAtTheVariantLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	vals := func(prefix string) []string {
		out := make([]string, 10)
		for i := range out {
			out[i] = prefix + strconv.Itoa(i)
		}
		return out
	}
	p, err := store.CreateProduct(ctx, tn, models.ProductInput{Translations: catEN("Big matrix"),
		Options: []models.ProductOption{catOpt("A", vals("a")...), catOpt("B", vals("b")...), catOpt("C", vals("c")...)}})
	if err != nil {
		t.Fatalf("a matrix of exactly %d variants: %v", models.MaxVariants, err)
	}
	got := catReload(t, store, tn, p.ID)
	if len(got.Variants) != models.MaxVariants {
		t.Fatalf("%d variants stored", len(got.Variants))
	}
	for i, v := range got.Variants {
		if want := fmt.Sprintf("a%d / b%d / c%d", i/100, i/10%10, i%10); v.Position != i || v.Title() != want {
			t.Fatalf("variant %d: %q at %d, want %q", i, v.Title(), v.Position, want)
		}
	}
}

func TestCreateProductHandles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	other := catTenant(t, store)

	first, err := store.CreateProduct(ctx, tn, models.ProductInput{Translations: catEN("Blue T-Shirt")})
	if err != nil {
		t.Fatal(err)
	}
	if h := first.Translation("en").Handle; h != "blue-t-shirt" {
		t.Fatalf("handle %q, want blue-t-shirt", h)
	}

	t.Run("a typed handle is kept, lower-cased", func(t *testing.T) {
		p, err := store.CreateProduct(ctx, tn, models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "Something", Handle: " Custom-Handle "}}})
		if err != nil {
			t.Fatal(err)
		}
		if h := catReload(t, store, tn, p.ID).Translation("en").Handle; h != "custom-handle" {
			t.Fatalf("handle %q", h)
		}
	})

	t.Run("a handle taken in the tenant and locale is a field error and nothing is saved", func(t *testing.T) {
		products := countRows(t, store, &models.Product{}, "tenant_id = ?", tn.ID)
		variants := countRows(t, store, &models.Variant{}, "tenant_id = ?", tn.ID)
		translations := countRows(t, store, &models.ProductTranslation{}, "tenant_id = ?", tn.ID)
		rec := testkit.Events(t, store)
		_, err := store.CreateProduct(ctx, tn, models.ProductInput{Options: []models.ProductOption{catOpt("Size", "S", "M")},
			Translations: []models.ProductTranslationInput{{Locale: "de", Title: "Blaues Hemd"}, {Locale: "en", Title: "Blue t-shirt!"}}})
		if !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("error %v, want ErrInvalid", err)
		}
		if msg := fieldError(t, err, "translations.en.handle"); msg != "This handle is already used by another product in en." {
			t.Fatalf("message %q", msg)
		}
		if f := validationFields(t, err); len(f) != 1 {
			t.Fatalf("fields %v, want only translations.en.handle", f)
		}
		if n := countRows(t, store, &models.Product{}, "tenant_id = ?", tn.ID); n != products {
			t.Fatalf("products %d → %d", products, n)
		}
		if n := countRows(t, store, &models.Variant{}, "tenant_id = ?", tn.ID); n != variants {
			t.Fatalf("variants %d → %d", variants, n)
		}
		if n := countRows(t, store, &models.ProductTranslation{}, "tenant_id = ?", tn.ID); n != translations {
			t.Fatalf("translations %d → %d", translations, n)
		}
		catNoEvents(t, rec)
	})

	t.Run("the same handle in another locale or another tenant is fine", func(t *testing.T) {
		p, err := store.CreateProduct(ctx, tn, models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "Another shirt"}, {Locale: "de", Title: "Blue T-Shirt"}}})
		if err != nil {
			t.Fatal(err)
		}
		if h := catReload(t, store, tn, p.ID).Translation("de").Handle; h != "blue-t-shirt" {
			t.Fatalf("de handle %q", h)
		}
		q, err := store.CreateProduct(ctx, other, models.ProductInput{Translations: catEN("Blue T-Shirt")})
		if err != nil {
			t.Fatalf("another tenant: %v", err)
		}
		if h := q.Translation("en").Handle; h != "blue-t-shirt" {
			t.Fatalf("other tenant's handle %q", h)
		}
	})

	t.Run("an update to a taken handle is refused and changes nothing", func(t *testing.T) {
		p := testkit.Product(t, store, tn).Create()
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "Renamed", Handle: "blue-t-shirt"}}})
		if msg := fieldError(t, err, "translations.en.handle"); !strings.Contains(msg, "already used") {
			t.Fatalf("message %q", msg)
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
		// Its own handle is not a clash.
		if _, err := store.UpdateProduct(ctx, tn, first.ID, models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "Blue T-Shirt v2", Handle: "blue-t-shirt"}}}); err != nil {
			t.Fatalf("keeping its own handle: %v", err)
		}
	})
}

func TestCreateProductValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	many := make([]string, 11)
	for i := range many {
		many[i] = "v" + strconv.Itoa(i)
	}
	ten := many[:10]
	cases := []struct {
		name, field, msg string
		in               models.ProductInput
	}{
		{"four options", "options", "at most 3 options", models.ProductInput{Translations: catEN("T"), Options: []models.ProductOption{
			catOpt("A", "1"), catOpt("B", "1"), catOpt("C", "1"), catOpt("D", "1")}}},
		{"an option without a name", "options.0.name", "Name the option", models.ProductInput{Translations: catEN("T"),
			Options: []models.ProductOption{catOpt("  ", "S", "M")}}},
		{"an option named twice", "options.1.name", "given twice", models.ProductInput{Translations: catEN("T"),
			Options: []models.ProductOption{catOpt("Size", "S"), catOpt("size", "M")}}},
		{"an option without values", "options.0.values", "at least one value", models.ProductInput{Translations: catEN("T"),
			Options: []models.ProductOption{catOpt("Size", " ", "")}}},
		{"an over-long value", "options.0.values", "at most 100 characters", models.ProductInput{Translations: catEN("T"),
			Options: []models.ProductOption{catOpt("Size", strings.Repeat("x", 101))}}},
		{"an over-long option name", "options.0.name", "at most 100 characters", models.ProductInput{Translations: catEN("T"),
			Options: []models.ProductOption{catOpt(strings.Repeat("n", 101), "S")}}},
		{"a matrix past the limit", "options", "1100 variants", models.ProductInput{Translations: catEN("T"),
			Options: []models.ProductOption{catOpt("A", many...), catOpt("B", ten...), catOpt("C", ten...)}}},
		{"an over-long title", "translations.en.title", "at most 200", models.ProductInput{Translations: catEN(strings.Repeat("я", 201))}},
		{"a missing title", "translations.en.title", "required", models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Description: "text only"}}}},
		{"a title without letters and no handle", "translations.en.handle", "enter a handle", models.ProductInput{Translations: catEN("!!!")}},
		{"a malformed handle", "translations.en.handle", "lowercase letters", models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "T", Handle: "a--b"}}}},
		{"a locale the tenant lacks", "translations.fr.locale", "not one of this tenant's locales", models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "fr", Title: "Bonjour"}}}},
		{"an over-long vendor", "vendor", "at most 200", models.ProductInput{Vendor: strings.Repeat("v", 201), Translations: catEN("T")}},
		{"an over-long SEO description", "translations.en.seo_description", "at most 500", models.ProductInput{Translations: []models.ProductTranslationInput{
			{Locale: "en", Title: "T", SEODescription: strings.Repeat("d", 501)}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := testkit.Events(t, store)
			_, err := store.CreateProduct(ctx, tn, c.in)
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
			if msg := fieldError(t, err, c.field); !strings.Contains(msg, c.msg) {
				t.Fatalf("%s: %q, want it to mention %q", c.field, msg, c.msg)
			}
			for _, model := range []any{&models.Product{}, &models.ProductTranslation{}, &models.Variant{}} {
				if n := countRows(t, store, model, "tenant_id = ?", tn.ID); n != 0 {
					t.Fatalf("%T: %d rows saved", model, n)
				}
			}
			catNoEvents(t, rec)
		})
	}
}

// ---- PlanMatrix ----

func TestPlanMatrix(t *testing.T) {
	t.Parallel()
	type combo = models.Combo
	// variants makes one variant per combination, with fresh ids.
	variants := func(cs ...combo) []models.Variant {
		out := make([]models.Variant, len(cs))
		for i, c := range cs {
			out[i] = models.Variant{ID: uuid.New(), Option1: c[0], Option2: c[1], Option3: c[2], Position: i}
		}
		return out
	}
	sizeColour := func(sizes, colours []string, skip ...combo) []models.Variant {
		var cs []combo
		for _, s := range sizes {
			for _, c := range colours {
				if !slices.Contains(skip, combo{s, c}) {
					cs = append(cs, combo{s, c})
				}
			}
		}
		return variants(cs...)
	}
	SML, RB := []string{"S", "M", "L"}, []string{"Red", "Blue"}
	sml := []models.ProductOption{catOpt("Size", SML...)}
	smlRB := []models.ProductOption{catOpt("Size", SML...), catOpt("Colour", RB...)}

	cases := []struct {
		name     string
		old, new []models.ProductOption
		variants []models.Variant
		keep     []combo // the kept variants' new combinations, in the order of variants (zero = removed)
		add      []combo
	}{
		{name: "adding a value adds its combinations only",
			old: smlRB, new: []models.ProductOption{catOpt("Size", SML...), catOpt("Colour", "Red", "Blue", "Green")},
			variants: sizeColour(SML, RB),
			keep:     []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}, {"L", "Red"}, {"L", "Blue"}},
			add:      []combo{{"S", "Green"}, {"M", "Green"}, {"L", "Green"}}},
		{name: "removing a value removes its variants",
			old: smlRB, new: []models.ProductOption{catOpt("Size", "S", "M"), catOpt("Colour", RB...)},
			variants: sizeColour(SML, RB),
			keep:     []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}, {}, {}}},
		{name: "a deleted variant stays left out when another option gains a value",
			old: smlRB, new: []models.ProductOption{catOpt("Size", SML...), catOpt("Colour", "Red", "Blue", "Green")},
			variants: sizeColour(SML, RB, combo{"M", "Red"}),
			keep:     []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Blue"}, {"L", "Red"}, {"L", "Blue"}},
			add:      []combo{{"S", "Green"}, {"M", "Green"}, {"L", "Green"}}},
		{name: "a deleted variant stays left out when its own option gains a value",
			old: smlRB, new: []models.ProductOption{catOpt("Size", "S", "M", "L", "XL"), catOpt("Colour", RB...)},
			variants: sizeColour(SML, RB, combo{"M", "Red"}),
			keep:     []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Blue"}, {"L", "Red"}, {"L", "Blue"}},
			add:      []combo{{"XL", "Red"}, {"XL", "Blue"}}},
		{name: "an option added at the end gives existing variants its first value",
			old: sml, new: smlRB, variants: variants(combo{"S"}, combo{"M"}, combo{"L"}),
			keep: []combo{{"S", "Red"}, {"M", "Red"}, {"L", "Red"}},
			add:  []combo{{"S", "Blue"}, {"M", "Blue"}, {"L", "Blue"}}},
		{name: "an option added after a deleted variant keeps the deleted combination out",
			// M was deleted (left out): every M combination stays out, whatever is added, so
			// the merchant does not see a variant they removed come back.
			old: sml, new: smlRB, variants: variants(combo{"S"}, combo{"L"}),
			keep: []combo{{"S", "Red"}, {"L", "Red"}},
			add:  []combo{{"S", "Blue"}, {"L", "Blue"}}},
		{name: "a removed option keeps the variants of its first value",
			old: smlRB, new: sml, variants: sizeColour(SML, RB),
			keep: []combo{{"S"}, {}, {"M"}, {}, {"L"}, {}}},
		{name: "a first option for a product without options",
			old: nil, new: sml, variants: variants(combo{}),
			keep: []combo{{"S"}},
			add:  []combo{{"M"}, {"L"}}},
		{name: "removing every option keeps the first variant as the default",
			old: sml, new: nil, variants: variants(combo{"S"}, combo{"M"}, combo{"L"}),
			keep: []combo{{}, {}, {}}}, // S becomes the default (zero combo, kept); see below
		{name: "renaming an option keeps every variant",
			old: smlRB, new: []models.ProductOption{catOpt("Size", SML...), catOpt("Color", RB...)}, variants: sizeColour(SML, RB),
			keep: []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}, {"L", "Red"}, {"L", "Blue"}}},
		{name: "reordering values keeps every variant",
			old: smlRB, new: []models.ProductOption{catOpt("Size", "L", "M", "S"), catOpt("Colour", "Blue", "Red")}, variants: sizeColour(SML, RB),
			keep: []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}, {"L", "Red"}, {"L", "Blue"}}},
		{name: "renaming a value replaces its variants",
			old: smlRB, new: []models.ProductOption{catOpt("Size", SML...), catOpt("Colour", "Crimson", "Blue")}, variants: sizeColour(SML, RB),
			keep: []combo{{}, {"S", "Blue"}, {}, {"M", "Blue"}, {}, {"L", "Blue"}},
			add:  []combo{{"S", "Crimson"}, {"M", "Crimson"}, {"L", "Crimson"}}},
		{name: "a product without variants gets the whole matrix",
			old: sml, new: smlRB, variants: nil,
			add: []combo{{"S", "Red"}, {"S", "Blue"}, {"M", "Red"}, {"M", "Blue"}, {"L", "Red"}, {"L", "Blue"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := models.PlanMatrix(c.old, c.new, c.variants)
			var wantRemove []uuid.UUID
			wantKeep := map[uuid.UUID]combo{}
			for i, v := range c.variants {
				if c.keep[i] == (combo{}) && !(c.name == "removing every option keeps the first variant as the default" && i == 0) {
					wantRemove = append(wantRemove, v.ID)
					continue
				}
				wantKeep[v.ID] = c.keep[i]
			}
			if len(plan.Keep) != len(wantKeep) {
				t.Fatalf("keep %v, want %v", plan.Keep, wantKeep)
			}
			for id, want := range wantKeep {
				if got, ok := plan.Keep[id]; !ok || got != want {
					t.Fatalf("variant %s: kept %v (%v), want %v; plan %+v", id, got, ok, want, plan)
				}
			}
			var removed []uuid.UUID
			for _, v := range plan.Remove {
				removed = append(removed, v.ID)
			}
			if !slices.Equal(removed, wantRemove) {
				t.Fatalf("removed %v, want %v", removed, wantRemove)
			}
			if !slices.Equal(plan.Add, c.add) {
				t.Fatalf("added %v, want %v", plan.Add, c.add)
			}
		})
	}
}

// ---- UpdateProduct: options ----

func TestUpdateProductOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	shirt := func(t *testing.T) *models.Product {
		return testkit.Product(t, store, tn).Option("Size", "S", "M", "L").Option("Colour", "Red", "Blue").
			Price("USD", 1999).Stock(10).Create()
	}
	update := func(t *testing.T, p *models.Product, confirm bool, opts ...models.ProductOption) *models.Product {
		t.Helper()
		got, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Options: opts, ConfirmRemoval: confirm})
		if err != nil {
			t.Fatalf("UpdateProduct: %v", err)
		}
		if reloaded := catReload(t, store, tn, p.ID); !slices.Equal(catVariantIDs(got), catVariantIDs(reloaded)) ||
			!slices.Equal(catTitles(got), catTitles(reloaded)) {
			t.Fatalf("returned %v %v, stored %v %v", catTitles(got), catVariantIDs(got), catTitles(reloaded), catVariantIDs(reloaded))
		}
		return catReload(t, store, tn, p.ID)
	}
	checkPositions := func(t *testing.T, p *models.Product) {
		t.Helper()
		for i, v := range p.Variants {
			if v.Position < 0 || (i > 0 && v.Position <= p.Variants[i-1].Position) {
				t.Fatalf("positions out of order: %v at %d after %d", v.Title(), v.Position, p.Variants[max(i-1, 0)].Position)
			}
		}
	}
	// kept checks that the variants of before still exist in after with their id, price and stock.
	kept := func(t *testing.T, before, after *models.Product, titles ...string) {
		t.Helper()
		for _, title := range titles {
			b, a := catByTitle(t, before, title), catByTitle(t, after, title)
			if a.ID != b.ID || a.InventoryQuantity != b.InventoryQuantity || a.SKU != b.SKU || len(a.Prices) != len(b.Prices) ||
				a.Price("USD") == nil || a.Price("USD").Amount != b.Price("USD").Amount {
				t.Fatalf("%s was not kept: %+v, was %+v", title, a, b)
			}
		}
	}

	t.Run("adding a value adds exactly its variants and keeps the others' rows", func(t *testing.T) {
		p := shirt(t)
		ledger := countRows(t, store, &models.LedgerEntry{}, "product_id = ?", p.ID)
		rec := testkit.Events(t, store)
		got := update(t, p, false, catOpt("Size", "S", "M", "L"), catOpt("Colour", "Red", "Blue", "Green"))
		want := []string{"S / Red", "S / Blue", "S / Green", "M / Red", "M / Blue", "M / Green", "L / Red", "L / Blue", "L / Green"}
		if titles := catTitles(got); !slices.Equal(titles, want) {
			t.Fatalf("variants %v, want %v", titles, want)
		}
		for i, v := range got.Variants {
			if v.Position != i {
				t.Fatalf("%s at position %d, want %d", v.Title(), v.Position, i)
			}
		}
		kept(t, p, got, "S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue")
		for _, title := range []string{"S / Green", "M / Green", "L / Green"} {
			if v := catByTitle(t, got, title); v.InventoryQuantity != 0 || len(v.Prices) != 0 || slices.Contains(catVariantIDs(p), v.ID) {
				t.Fatalf("new variant %+v", v)
			}
		}
		if n := countRows(t, store, &models.LedgerEntry{}, "product_id = ?", p.ID); n != ledger {
			t.Fatalf("ledger %d → %d", ledger, n)
		}
		if got.Version != p.Version+1 {
			t.Fatalf("version %d → %d", p.Version, got.Version)
		}
		types := rec.Types(t)
		if catCount(types, "variant.created") != 3 || catCount(types, "variant.deleted") != 0 || catCount(types, "product.updated") != 1 ||
			len(types) != 4 {
			t.Fatalf("events %v", types)
		}
		up := rec.Emitted(t, "product.updated")[0].(*events.ProductUpdated)
		if up.Changes["options"] != (events.Change{Old: "Size: S, M, L; Colour: Red, Blue", New: "Size: S, M, L; Colour: Red, Blue, Green"}) {
			t.Fatalf("product.updated %+v", up.Changes)
		}
		var created []string
		for _, ev := range rec.Emitted(t, "variant.created") {
			vc := ev.(*events.VariantCreated)
			if got.Variant(vc.VariantID) == nil {
				t.Fatalf("variant.created of %s, not a variant of the product", vc.VariantID)
			}
			created = append(created, vc.Title)
		}
		if !slices.Equal(created, []string{"S / Green", "M / Green", "L / Green"}) {
			t.Fatalf("created %v", created)
		}
	})

	t.Run("removing a value without confirmation is refused naming the variants", func(t *testing.T) {
		p := shirt(t)
		e := catEdit(catByTitle(t, p, "L / Red"))
		e.SKU = "L-RED"
		catSave(t, store, tn, p.ID, false, e)
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Vendor: "New vendor",
			Options: []models.ProductOption{catOpt("Size", "S", "M"), catOpt("Colour", "Red", "Blue")}})
		msg := fieldError(t, err, "options")
		for _, want := range []string{"2 variants", "L / Red (L-RED)", "L / Blue"} {
			if !strings.Contains(msg, want) {
				t.Fatalf("message %q does not mention %q", msg, want)
			}
		}
		if strings.Contains(msg, "M / ") || strings.Contains(msg, "S / ") {
			t.Fatalf("message %q names variants that stay", msg)
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)

		t.Run("with confirmation they are removed with their prices and ledger", func(t *testing.T) {
			p := catReload(t, store, tn, p.ID)
			lRed, lBlue := catByTitle(t, p, "L / Red"), catByTitle(t, p, "L / Blue")
			rec := testkit.Events(t, store)
			got := update(t, p, true, catOpt("Size", "S", "M"), catOpt("Colour", "Red", "Blue"))
			if titles := catTitles(got); !slices.Equal(titles, []string{"S / Red", "S / Blue", "M / Red", "M / Blue"}) {
				t.Fatalf("variants %v", titles)
			}
			kept(t, p, got, "S / Red", "S / Blue", "M / Red", "M / Blue")
			for _, id := range []uuid.UUID{lRed.ID, lBlue.ID} {
				for _, model := range []any{&models.Variant{}, &models.Price{}, &models.LedgerEntry{}} {
					col := "variant_id"
					if _, ok := model.(*models.Variant); ok {
						col = "id"
					}
					if n := countRows(t, store, model, col+" = ?", id); n != 0 {
						t.Fatalf("%T of removed variant %s: %d rows left", model, id, n)
					}
				}
			}
			deleted := map[uuid.UUID]string{}
			for _, ev := range rec.Emitted(t, "variant.deleted") {
				vd := ev.(*events.VariantDeleted)
				if vd.ProductID != p.ID {
					t.Fatalf("variant.deleted %+v", vd)
				}
				deleted[vd.VariantID] = vd.SKU
			}
			if len(deleted) != 2 || deleted[lRed.ID] != "L-RED" || deleted[lBlue.ID] != "" {
				t.Fatalf("variant.deleted %v, want %s (L-RED) and %s", deleted, lRed.ID, lBlue.ID)
			}
			rec.NotEmitted(t, "variant.created")
		})
	})

	t.Run("a deleted variant is not re-added when a value is added", func(t *testing.T) {
		p := shirt(t)
		mRed := catByTitle(t, p, "M / Red")
		rec := testkit.Events(t, store)
		if err := store.DeleteVariant(ctx, tn, p.ID, mRed.ID); err != nil {
			t.Fatal(err)
		}
		if vd := rec.Emitted(t, "variant.deleted"); len(vd) != 1 || vd[0].(*events.VariantDeleted).VariantID != mRed.ID {
			t.Fatalf("variant.deleted %v", vd)
		}
		p = catReload(t, store, tn, p.ID)
		got := update(t, p, false, catOpt("Size", "S", "M", "L"), catOpt("Colour", "Red", "Blue", "Green"))
		want := []string{"S / Red", "S / Blue", "S / Green", "M / Blue", "M / Green", "L / Red", "L / Blue", "L / Green"}
		if titles := catTitles(got); !slices.Equal(titles, want) {
			t.Fatalf("after adding Green: %v, want %v", titles, want)
		}
		got = update(t, got, false, catOpt("Size", "S", "M", "L", "XL"), catOpt("Colour", "Red", "Blue", "Green"))
		want = append(want, "XL / Red", "XL / Blue", "XL / Green")
		if titles := catTitles(got); !slices.Equal(titles, want) {
			t.Fatalf("after adding XL: %v, want %v", titles, want)
		}
		checkPositions(t, got)
		kept(t, p, got, "S / Red", "S / Blue", "M / Blue", "L / Red", "L / Blue")
	})

	t.Run("a second option gives the existing variants its first value", func(t *testing.T) {
		p := testkit.Product(t, store, tn).Option("Size", "S", "M").Price("USD", 1500).Stock(4).Create()
		s, m := catByTitle(t, p, "S"), catByTitle(t, p, "M")
		rec := testkit.Events(t, store)
		got := update(t, p, false, catOpt("Size", "S", "M"), catOpt("Colour", "Red", "Blue"))
		if titles := catTitles(got); !slices.Equal(titles, []string{"S / Red", "S / Blue", "M / Red", "M / Blue"}) {
			t.Fatalf("variants %v", titles)
		}
		if sr, mr := catByTitle(t, got, "S / Red"), catByTitle(t, got, "M / Red"); sr.ID != s.ID || mr.ID != m.ID ||
			sr.InventoryQuantity != 4 || sr.Price("USD") == nil || sr.Price("USD").Amount != 1500 {
			t.Fatalf("S / Red %+v, M / Red %+v; want the rows of S %s and M %s", sr, mr, s.ID, m.ID)
		}
		for i, v := range got.Variants {
			if v.Position != i {
				t.Fatalf("%s at %d", v.Title(), v.Position)
			}
		}
		updated := map[uuid.UUID]events.Change{}
		for _, ev := range rec.Emitted(t, "variant.updated") {
			vu := ev.(*events.VariantUpdated)
			updated[vu.VariantID] = vu.Changes["options"]
		}
		if len(updated) != 2 || updated[s.ID] != (events.Change{Old: "S", New: "S / Red"}) || updated[m.ID] != (events.Change{Old: "M", New: "M / Red"}) {
			t.Fatalf("variant.updated %v", updated)
		}
		if n := len(rec.Emitted(t, "variant.created")); n != 2 {
			t.Fatalf("%d variant.created", n)
		}
		rec.NotEmitted(t, "variant.deleted")
	})

	t.Run("removing the last option keeps the variants of its first value", func(t *testing.T) {
		p := shirt(t)
		sRed, mRed, lRed := catByTitle(t, p, "S / Red"), catByTitle(t, p, "M / Red"), catByTitle(t, p, "L / Red")
		if _, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Options: []models.ProductOption{catOpt("Size", "S", "M", "L")}}); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("without confirmation: %v", err)
		}
		got := update(t, p, true, catOpt("Size", "S", "M", "L"))
		if titles := catTitles(got); !slices.Equal(titles, []string{"S", "M", "L"}) {
			t.Fatalf("variants %v", titles)
		}
		if !slices.Equal(catVariantIDs(got), []uuid.UUID{sRed.ID, mRed.ID, lRed.ID}) {
			t.Fatalf("variants %v, want the rows of S / Red, M / Red, L / Red", catVariantIDs(got))
		}
	})

	t.Run("reordering values repositions the variants and keeps them", func(t *testing.T) {
		p := shirt(t)
		rec := testkit.Events(t, store)
		got := update(t, p, false, catOpt("Size", "L", "M", "S"), catOpt("Colour", "Red", "Blue"))
		if titles := catTitles(got); !slices.Equal(titles, []string{"L / Red", "L / Blue", "M / Red", "M / Blue", "S / Red", "S / Blue"}) {
			t.Fatalf("variants %v", titles)
		}
		for i, v := range got.Variants {
			if v.Position != i {
				t.Fatalf("%s at %d", v.Title(), v.Position)
			}
		}
		kept(t, p, got, "S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue")
		rec.NotEmitted(t, "variant.created")
		rec.NotEmitted(t, "variant.deleted")
	})

	t.Run("renaming an option keeps its variants", func(t *testing.T) {
		p := shirt(t)
		got := update(t, p, false, catOpt("Size", "S", "M", "L"), catOpt("Color", "Red", "Blue"))
		if !slices.Equal(catVariantIDs(got), catVariantIDs(p)) || got.Options[1].Name != "Color" {
			t.Fatalf("variants %v (%v), were %v", catTitles(got), catVariantIDs(got), catVariantIDs(p))
		}
	})

	t.Run("a product without options gains its first option", func(t *testing.T) {
		p := testkit.Product(t, store, tn).Price("USD", 700).Create()
		def := p.Variants[0]
		got := update(t, p, false, catOpt("Size", "S", "M"))
		if titles := catTitles(got); !slices.Equal(titles, []string{"S", "M"}) || got.Variants[0].ID != def.ID ||
			got.Variants[0].Price("USD") == nil || got.Variants[0].Price("USD").Amount != 700 {
			t.Fatalf("variants %v %+v; the default variant was %s", titles, got.Variants, def.ID)
		}
	})

	t.Run("the same options write nothing", func(t *testing.T) {
		p := shirt(t)
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		update(t, p, false, catOpt(" Size", "S", "M", "L "), catOpt("Colour", "Red", "Blue", "Red"))
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
	})

	t.Run("bad options are refused and change nothing", func(t *testing.T) {
		p := shirt(t)
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Options: []models.ProductOption{catOpt("Size", "S"), catOpt("SIZE", "M")}})
		fieldError(t, err, "options.1.name")
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
	})
}

// ---- workflow and versions ----

func TestProductWorkflow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)

	t.Run("activating needs a price in the default currency", func(t *testing.T) {
		for name, p := range map[string]*models.Product{
			"no price":               testkit.Product(t, store, tn).Option("Size", "S", "M").Create(),
			"a price in EUR only":    testkit.Product(t, store, tn).Price("EUR", 1000).Create(),
			"no default-locale text": nil,
		} {
			if p == nil {
				var err error
				if p, err = store.CreateProduct(ctx, tn, models.ProductInput{Translations: []models.ProductTranslationInput{{Locale: "de", Title: "Nur Deutsch"}}}); err != nil {
					t.Fatal(err)
				}
				catSave(t, store, tn, p.ID, false, models.VariantEdit{ID: p.Variants[0].ID, Version: p.Variants[0].Version,
					Prices: map[string]models.PriceEdit{"USD": {Amount: "10"}}})
			}
			before := catSnapshot(t, store, tn.ID, p.ID)
			rec := testkit.Events(t, store)
			_, err := store.TransitionProduct(ctx, tn, p.ID, models.ProductActive)
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("%s: error %v, want ErrInvalid", name, err)
			}
			want := "USD"
			if name == "no default-locale text" {
				want = "title and handle in en"
			}
			if msg := fieldError(t, err, "status"); !strings.Contains(msg, want) {
				t.Fatalf("%s: status message %q, want it to mention %q", name, msg, want)
			}
			if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
				t.Fatalf("%s: product changed:\n%s\n→\n%s", name, before, after)
			}
			catNoEvents(t, rec)
		}
	})

	p := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
	// One priced variant is enough.
	catSave(t, store, tn, p.ID, false, models.VariantEdit{ID: p.Variants[1].ID, Version: p.Variants[1].Version,
		Prices: map[string]models.PriceEdit{"USD": {Amount: "12.50"}}})
	move := func(t *testing.T, to, event string) *models.Product {
		t.Helper()
		before := catReload(t, store, tn, p.ID)
		rec := testkit.Events(t, store)
		got, err := store.TransitionProduct(ctx, tn, p.ID, to)
		if err != nil {
			t.Fatalf("→ %s: %v", to, err)
		}
		stored := catReload(t, store, tn, p.ID)
		if got.Status != to || stored.Status != to || stored.Version != before.Version+1 {
			t.Fatalf("→ %s: returned %s, stored %s version %d (was %d)", to, got.Status, stored.Status, stored.Version, before.Version)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{event}) {
			t.Fatalf("→ %s: events %v, want %s", to, types, event)
		}
		if row := rec.Rows(t)[0]; row.TenantID == nil || *row.TenantID != tn.ID || row.AggregateID != p.ID {
			t.Fatalf("→ %s: event %+v", to, row)
		}
		return stored
	}
	refused := func(t *testing.T, to string) {
		t.Helper()
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.TransitionProduct(ctx, tn, p.ID, to)
		if !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("→ %s: error %v, want ErrInvalid", to, err)
		}
		fieldError(t, err, "status")
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("→ %s: product changed:\n%s\n→\n%s", to, before, after)
		}
		catNoEvents(t, rec)
	}

	t.Run("draft → active publishes", func(t *testing.T) {
		got := move(t, models.ProductActive, "product.published")
		if got.PublishedAt == nil {
			t.Fatal("PublishedAt not set")
		}
		refused(t, models.ProductActive) // active → active
	})
	t.Run("active → draft unpublishes", func(t *testing.T) {
		if got := move(t, models.ProductDraft, "product.unpublished"); got.PublishedAt != nil {
			t.Fatalf("PublishedAt %v", got.PublishedAt)
		}
	})
	t.Run("draft → archived", func(t *testing.T) {
		move(t, models.ProductArchived, "product.archived")
	})
	t.Run("archived → active is refused", func(t *testing.T) {
		refused(t, models.ProductActive)
		refused(t, "deleted")
	})
	t.Run("archived → draft", func(t *testing.T) {
		move(t, models.ProductDraft, "product.updated")
	})
	t.Run("active → archived", func(t *testing.T) {
		move(t, models.ProductActive, "product.published")
		move(t, models.ProductArchived, "product.archived")
	})
	t.Run("an active product keeps its last variant", func(t *testing.T) {
		q := testkit.Product(t, store, tn).Price("USD", 100).Active().Create()
		err := store.DeleteVariant(ctx, tn, q.ID, q.Variants[0].ID)
		fieldError(t, err, "variants")
		if n := countRows(t, store, &models.Variant{}, "product_id = ?", q.ID); n != 1 {
			t.Fatalf("%d variants", n)
		}
	})
}

func TestUpdateProductVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	p := testkit.Product(t, store, tn).Vendor("Acme").Create()
	loaded := p.Version

	got, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Vendor: "Other", Version: ptr(loaded)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != loaded+1 || got.Vendor != "Other" {
		t.Fatalf("product %+v", got)
	}
	before := catSnapshot(t, store, tn.ID, p.ID)
	rec := testkit.Events(t, store)
	_, err = store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Vendor: "Mine", Version: ptr(loaded),
		Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Mine"}}})
	if !errors.Is(err, models.ErrStale) {
		t.Fatalf("error %v, want ErrStale", err)
	}
	if se := staleErr(t, err); se.Loaded != loaded || se.Current != loaded+1 || se.ID != p.ID {
		t.Fatalf("stale error %+v", se)
	}
	if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
		t.Fatalf("product changed:\n%s\n→\n%s", before, after)
	}
	catNoEvents(t, rec)

	t.Run("an update that changes nothing writes nothing", func(t *testing.T) {
		cur := catReload(t, store, tn, p.ID)
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		if _, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Vendor: "Other", Version: ptr(cur.Version),
			Translations: []models.ProductTranslationInput{{Locale: "en", Title: cur.Title("en"), Handle: cur.Translation("en").Handle}}}); err != nil {
			t.Fatal(err)
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
	})

	t.Run("a translation edit bumps the version and names the locale", func(t *testing.T) {
		cur := catReload(t, store, tn, p.ID)
		rec := testkit.Events(t, store)
		got, err := store.UpdateProduct(ctx, tn, p.ID, models.ProductInput{Vendor: "Other", Version: ptr(cur.Version),
			Translations: []models.ProductTranslationInput{{Locale: "de", Title: "Hemd"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != cur.Version+1 || got.Translation("de") == nil || got.Translation("de").Handle != "hemd" || got.Translation("en") == nil {
			t.Fatalf("product %+v", got)
		}
		if up := rec.Emitted(t, "product.updated")[0].(*events.ProductUpdated); up.Changes["de.title"] != (events.Change{Old: "", New: "Hemd"}) {
			t.Fatalf("product.updated %+v", up.Changes)
		}
	})
}

// ---- SaveVariants ----

func TestSaveVariantsSKU(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	a := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
	b := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
	e := catEdit(a.Variants[0])
	e.SKU = "abc-1"
	a = catSave(t, store, tn, a.ID, false, e)

	refused := func(t *testing.T, p *models.Product, edits []models.VariantEdit, cells map[string]string) {
		t.Helper()
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.SaveVariants(ctx, tn, p.ID, edits, false)
		fields := validationFields(t, err)
		for cell, want := range cells {
			if !strings.Contains(fields[cell], want) {
				t.Fatalf("cell %s: %q, want it to mention %q (fields %v)", cell, fields[cell], want, fields)
			}
		}
		if len(fields) != len(cells) {
			t.Fatalf("fields %v, want only %v", fields, cells)
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
	}

	t.Run("another product's SKU is refused whatever its case", func(t *testing.T) {
		b := catReload(t, store, tn, b.ID)
		e := catEdit(b.Variants[0])
		e.SKU = "ABC-1"
		refused(t, b, []models.VariantEdit{e}, map[string]string{models.VariantCell(b.Variants[0].ID, "sku"): "already the SKU"})
	})

	t.Run("one SKU typed on two rows marks both cells", func(t *testing.T) {
		b := catReload(t, store, tn, b.ID)
		e0, e1 := catEdit(b.Variants[0]), catEdit(b.Variants[1])
		e0.SKU, e1.SKU = "dup-1", "DUP-1"
		refused(t, b, []models.VariantEdit{e0, e1}, map[string]string{
			models.VariantCell(b.Variants[0].ID, "sku"): "two variants",
			models.VariantCell(b.Variants[1].ID, "sku"): "two variants",
		})
	})

	t.Run("a SKU with a space is refused", func(t *testing.T) {
		b := catReload(t, store, tn, b.ID)
		e := catEdit(b.Variants[0])
		e.SKU = "AB C"
		refused(t, b, []models.VariantEdit{e}, map[string]string{models.VariantCell(b.Variants[0].ID, "sku"): "no spaces"})
	})

	t.Run("two variants swap their SKUs in one save", func(t *testing.T) {
		b := catReload(t, store, tn, b.ID)
		e0, e1 := catEdit(b.Variants[0]), catEdit(b.Variants[1])
		e0.SKU, e1.SKU = "SW-1", "SW-2"
		b = catSave(t, store, tn, b.ID, false, e0, e1)
		rec := testkit.Events(t, store)
		e0, e1 = catEdit(b.Variants[0]), catEdit(b.Variants[1])
		e0.SKU, e1.SKU = "SW-2", "sw-1"
		catSave(t, store, tn, b.ID, false, e0, e1)
		got := catReload(t, store, tn, b.ID)
		if got.Variants[0].SKU != "SW-2" || got.Variants[1].SKU != "sw-1" ||
			got.Variants[0].Version != b.Variants[0].Version+1 || got.Variants[1].Version != b.Variants[1].Version+1 {
			t.Fatalf("variants %+v", got.Variants)
		}
		changes := map[uuid.UUID]events.Change{}
		for _, ev := range rec.Emitted(t, "variant.updated") {
			vu := ev.(*events.VariantUpdated)
			changes[vu.VariantID] = vu.Changes["sku"]
		}
		if changes[b.Variants[0].ID] != (events.Change{Old: "SW-1", New: "SW-2"}) || changes[b.Variants[1].ID] != (events.Change{Old: "SW-2", New: "sw-1"}) || len(changes) != 2 {
			t.Fatalf("variant.updated %v", changes)
		}
	})

	t.Run("a SKU freed by one row can be taken by another in the same save", func(t *testing.T) {
		b := catReload(t, store, tn, b.ID)
		e0, e1 := catEdit(b.Variants[0]), catEdit(b.Variants[1])
		e0.SKU, e1.SKU = "", "SW-2" // SW-2 was row 0's
		catSave(t, store, tn, b.ID, false, e0, e1)
		got := catReload(t, store, tn, b.ID)
		if got.Variants[0].SKU != "" || got.Variants[1].SKU != "SW-2" {
			t.Fatalf("SKUs %q %q", got.Variants[0].SKU, got.Variants[1].SKU)
		}
	})

	t.Run("a row not sent keeps its SKU and blocks it", func(t *testing.T) {
		b := catReload(t, store, tn, b.ID) // row 1 has SW-2
		e := catEdit(b.Variants[0])
		e.SKU = "sw-2"
		refused(t, b, []models.VariantEdit{e}, map[string]string{models.VariantCell(b.Variants[0].ID, "sku"): "already the SKU"})
	})

	t.Run("changing the case of its own SKU is fine", func(t *testing.T) {
		a := catReload(t, store, tn, a.ID)
		e := catEdit(a.Variants[0])
		e.SKU = "ABC-1"
		catSave(t, store, tn, a.ID, false, e)
		if got := catReload(t, store, tn, a.ID).Variants[0].SKU; got != "ABC-1" {
			t.Fatalf("SKU %q", got)
		}
	})

	t.Run("the same SKU in another tenant is fine", func(t *testing.T) {
		other := catTenant(t, store)
		p := testkit.Product(t, store, other).Create()
		e := catEdit(p.Variants[0])
		e.SKU = "abc-1"
		catSave(t, store, other, p.ID, false, e)
	})
}

func TestSaveVariantsPrices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Currencies("USD", "EUR", "JPY", "KWD").Create()
	p := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
	sID, mID := p.Variants[0].ID, p.Variants[1].ID
	row := func(t *testing.T, id uuid.UUID) models.Variant {
		t.Helper()
		v := catReload(t, store, tn, p.ID).Variant(id)
		if v == nil {
			t.Fatalf("no variant %s", id)
		}
		return *v
	}
	withPrices := func(v models.Variant, prices map[string]models.PriceEdit) models.VariantEdit {
		e := catEdit(v)
		e.Prices = prices
		return e
	}
	refused := func(t *testing.T, edits []models.VariantEdit, cell, want string) error {
		t.Helper()
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.SaveVariants(ctx, tn, p.ID, edits, false)
		if cell != "" {
			if msg := fieldError(t, err, cell); !strings.Contains(msg, want) {
				t.Fatalf("cell %s: %q, want it to mention %q", cell, msg, want)
			}
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
		return err
	}

	t.Run("amounts are stored in each currency's minor units", func(t *testing.T) {
		rec := testkit.Events(t, store)
		catSave(t, store, tn, p.ID, false, withPrices(row(t, sID), map[string]models.PriceEdit{
			"USD": {Amount: "19.99"}, "JPY": {Amount: "100"}, "KWD": {Amount: "1.234"}, "EUR": {Amount: " 5 ", CompareAt: "7.5"}}))
		s := row(t, sID)
		for cur, want := range map[string]int64{"USD": 1999, "JPY": 100, "KWD": 1234, "EUR": 500} {
			if pr := s.Price(cur); pr == nil || pr.Amount != want || pr.TenantID != tn.ID {
				t.Fatalf("%s price %+v, want %d", cur, pr, want)
			}
		}
		if c := s.Price("EUR").CompareAtAmount; c == nil || *c != 750 {
			t.Fatalf("EUR compare-at %v", c)
		}
		if s.Price("USD").CompareAtAmount != nil {
			t.Fatalf("USD compare-at %v", *s.Price("USD").CompareAtAmount)
		}
		got := map[string]int64{}
		for _, ev := range rec.Emitted(t, "price.updated") {
			pu := ev.(*events.PriceUpdated)
			if pu.OldAmount != nil || pu.VariantID != sID || pu.ProductID != p.ID {
				t.Fatalf("price.updated %+v", pu)
			}
			got[pu.Currency] = pu.Amount
		}
		if len(got) != 4 || got["USD"] != 1999 || got["JPY"] != 100 || got["KWD"] != 1234 || got["EUR"] != 500 {
			t.Fatalf("price.updated amounts %v", got)
		}
		if s.Version != p.Variants[0].Version+1 {
			t.Fatalf("version %d → %d", p.Variants[0].Version, s.Version)
		}
	})

	t.Run("bad amounts are refused on their cell", func(t *testing.T) {
		for _, c := range []struct{ cur, amount, want string }{
			{"USD", "19.999", "2 decimal places"},
			{"USD", "-1", "negative"},
			{"USD", "1e3", "such as 19.99"},
			{"USD", "99999999999999999999", "too large"},
			{"USD", "abc", "such as 19.99"},
			{"USD", "1,50", "such as 19.99"},
			{"USD", "1.", "such as 19.99"},
			{"JPY", "1.5", "no decimal places"},
			{"KWD", "1.2345", "3 decimal places"},
		} {
			t.Run(c.cur+" "+c.amount, func(t *testing.T) {
				refused(t, []models.VariantEdit{withPrices(row(t, mID), map[string]models.PriceEdit{c.cur: {Amount: c.amount}})},
					models.VariantCell(mID, "price."+c.cur), c.want)
			})
		}
	})

	t.Run("a compare-at price below the price is refused", func(t *testing.T) {
		refused(t, []models.VariantEdit{withPrices(row(t, mID), map[string]models.PriceEdit{"USD": {Amount: "10", CompareAt: "9.99"}})},
			models.VariantCell(mID, "compare_at.USD"), "at least the price")
		refused(t, []models.VariantEdit{withPrices(row(t, mID), map[string]models.PriceEdit{"USD": {Amount: "10", CompareAt: "x"}})},
			models.VariantCell(mID, "compare_at.USD"), "such as")
		refused(t, []models.VariantEdit{withPrices(row(t, mID), map[string]models.PriceEdit{"USD": {CompareAt: "12"}})},
			models.VariantCell(mID, "price.USD"), "goes with the compare-at")
	})

	t.Run("a currency the tenant does not sell in is refused", func(t *testing.T) {
		refused(t, []models.VariantEdit{withPrices(row(t, mID), map[string]models.PriceEdit{"GBP": {Amount: "10"}})},
			models.VariantCell(mID, "price.GBP"), "not one of this tenant's currencies")
	})

	t.Run("one bad cell saves nothing of any row", func(t *testing.T) {
		good := withPrices(row(t, sID), map[string]models.PriceEdit{"USD": {Amount: "25.00"}})
		good.SKU, good.Barcode = "ATOM-1", "123"
		bad := withPrices(row(t, mID), map[string]models.PriceEdit{"USD": {Amount: "10"}, "EUR": {Amount: "abc"}})
		refused(t, []models.VariantEdit{good, bad}, models.VariantCell(mID, "price.EUR"), "such as")
		if s := row(t, sID); s.Price("USD").Amount != 1999 || s.SKU != "" {
			t.Fatalf("the good row was saved: %+v", s)
		}
		if m := row(t, mID); m.Price("USD") != nil {
			t.Fatalf("the bad row's good cell was saved: %+v", m.Prices)
		}
	})

	t.Run("a row changed since the grid was loaded saves nothing", func(t *testing.T) {
		good := withPrices(row(t, mID), map[string]models.PriceEdit{"USD": {Amount: "30"}})
		stale := withPrices(row(t, sID), map[string]models.PriceEdit{"USD": {Amount: "31"}})
		stale.Version--
		err := refused(t, []models.VariantEdit{good, stale}, "", "")
		var ce *models.CellConflictError
		if !errors.As(err, &ce) || !errors.Is(err, models.ErrStale) {
			t.Fatalf("error %v, want a *CellConflictError matching ErrStale", err)
		}
		if _, ok := ce.Fields[models.VariantCell(sID, "row")]; !ok || len(ce.Fields) != 1 {
			t.Fatalf("conflicts %v, want only %s", ce.Fields, models.VariantCell(sID, "row"))
		}
		if m := row(t, mID); m.Price("USD") != nil {
			t.Fatalf("the fresh row was saved: %+v", m.Prices)
		}
	})

	t.Run("price.updated carries the old and new amounts", func(t *testing.T) {
		rec := testkit.Events(t, store)
		catSave(t, store, tn, p.ID, false, withPrices(row(t, sID), map[string]models.PriceEdit{"USD": {Amount: "24.50", CompareAt: "30"}}))
		pu := rec.Emitted(t, "price.updated")
		if len(pu) != 1 {
			t.Fatalf("%d price.updated", len(pu))
		}
		ev := pu[0].(*events.PriceUpdated)
		if ev.Currency != "USD" || ev.OldAmount == nil || *ev.OldAmount != 1999 || ev.Amount != 2450 ||
			ev.CompareAtAmount == nil || *ev.CompareAtAmount != 3000 || ev.OldCompareAtAmount != nil {
			t.Fatalf("price.updated %+v", ev)
		}
		rec = testkit.Events(t, store)
		catSave(t, store, tn, p.ID, false, withPrices(row(t, sID), map[string]models.PriceEdit{"USD": {Amount: "24.5"}}))
		ev = rec.Emitted(t, "price.updated")[0].(*events.PriceUpdated)
		if *ev.OldAmount != 2450 || ev.Amount != 2450 || ev.OldCompareAtAmount == nil || *ev.OldCompareAtAmount != 3000 || ev.CompareAtAmount != nil {
			t.Fatalf("price.updated %+v", ev)
		}
		if r := row(t, sID); r.Price("USD").CompareAtAmount != nil {
			c := r.Price("USD").CompareAtAmount
			t.Fatalf("compare-at %d kept", *c)
		}
	})

	t.Run("clearing a price removes it", func(t *testing.T) {
		before := row(t, sID)
		rec := testkit.Events(t, store)
		catSave(t, store, tn, p.ID, false, withPrices(before, map[string]models.PriceEdit{"JPY": {Amount: " ", CompareAt: ""}}))
		after := row(t, sID)
		if after.Price("JPY") != nil || after.Price("USD") == nil || after.Version != before.Version+1 {
			t.Fatalf("prices %+v version %d", after.Prices, after.Version)
		}
		if n := countRows(t, store, &models.Price{}, "variant_id = ? AND currency = ?", sID, "JPY"); n != 0 {
			t.Fatalf("%d JPY price rows", n)
		}
		vu := rec.Emitted(t, "variant.updated")[0].(*events.VariantUpdated)
		if vu.VariantID != sID || vu.Changes["price.JPY"] != (events.Change{Old: "100", New: ""}) {
			t.Fatalf("variant.updated %+v", vu)
		}
		rec.NotEmitted(t, "price.updated")
	})

	t.Run("unchanged rows write and emit nothing", func(t *testing.T) {
		cur := catReload(t, store, tn, p.ID)
		var edits []models.VariantEdit
		for _, v := range cur.Variants {
			prices := map[string]models.PriceEdit{}
			for _, pr := range v.Prices {
				pe := models.PriceEdit{Amount: money.Format(pr.Currency, pr.Amount)}
				if pr.CompareAtAmount != nil {
					pe.CompareAt = money.Format(pr.Currency, *pr.CompareAtAmount)
				}
				prices[pr.Currency] = pe
			}
			e := withPrices(v, prices)
			e.Quantity = &models.QuantityEdit{Seen: v.InventoryQuantity, To: strconv.FormatInt(v.InventoryQuantity, 10)}
			edits = append(edits, e)
		}
		refused(t, edits, "", "") // not refused: but nothing may change
	})
}

func TestSaveVariantsFields(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	p := testkit.Product(t, store, tn).Create()
	v := p.Variants[0]
	rec := testkit.Events(t, store)
	e := catEdit(v)
	e.Barcode, e.Policy, e.Threshold = " 4006381333931 ", "continue", "12"
	catSave(t, store, tn, p.ID, false, e)
	got := catReload(t, store, tn, p.ID).Variants[0]
	if got.Barcode != "4006381333931" || got.InventoryPolicy != models.PolicyContinue || got.LowStockThreshold != 12 || got.Version != v.Version+1 {
		t.Fatalf("variant %+v", got)
	}
	vu := rec.Emitted(t, "variant.updated")[0].(*events.VariantUpdated)
	if vu.Changes["barcode"] != (events.Change{Old: "", New: "4006381333931"}) || vu.Changes["inventory_policy"] != (events.Change{Old: "deny", New: "continue"}) ||
		vu.Changes["low_stock_threshold"].New != float64(12) || len(vu.Changes) != 3 {
		t.Fatalf("variant.updated %+v", vu.Changes)
	}
	for name, c := range map[string]struct {
		edit func(*models.VariantEdit)
		cell string
	}{
		"unknown policy":     {func(e *models.VariantEdit) { e.Policy = "sometimes" }, "policy"},
		"negative threshold": {func(e *models.VariantEdit) { e.Threshold = "-1" }, "threshold"},
		"word threshold":     {func(e *models.VariantEdit) { e.Threshold = "five" }, "threshold"},
		"long barcode":       {func(e *models.VariantEdit) { e.Barcode = strings.Repeat("1", models.MaxBarcode+1) }, "barcode"},
		"long SKU":           {func(e *models.VariantEdit) { e.SKU = strings.Repeat("s", models.MaxSKU+1) }, "sku"},
	} {
		t.Run(name, func(t *testing.T) {
			before := catSnapshot(t, store, tn.ID, p.ID)
			e := catEdit(catReload(t, store, tn, p.ID).Variants[0])
			c.edit(&e)
			_, err := store.SaveVariants(context.Background(), tn, p.ID, []models.VariantEdit{e}, false)
			fieldError(t, err, models.VariantCell(v.ID, c.cell))
			if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
				t.Fatalf("product changed:\n%s\n→\n%s", before, after)
			}
		})
	}
}

func TestSaveVariantsStock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	p := testkit.Product(t, store, tn).Option("Size", "S", "M").Create()
	sID := p.Variants[0].ID
	edit := func(t *testing.T, seen int64, to string) models.VariantEdit {
		t.Helper()
		e := catEdit(*catReload(t, store, tn, p.ID).Variant(sID))
		e.Quantity = &models.QuantityEdit{Seen: seen, To: to}
		return e
	}
	stock := func(t *testing.T) int64 {
		t.Helper()
		return catReload(t, store, tn, p.ID).Variant(sID).InventoryQuantity
	}

	t.Run("without permission a quantity edit is refused", func(t *testing.T) {
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		_, err := store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(t, 0, "5")}, false)
		if msg := fieldError(t, err, models.VariantCell(sID, "quantity")); !strings.Contains(msg, "may not change stock") {
			t.Fatalf("message %q", msg)
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
		// The quantity shown sent back unchanged is no edit.
		catSave(t, store, tn, p.ID, false, edit(t, 0, "0"))
	})

	t.Run("with permission the stock is set: a correction in the ledger", func(t *testing.T) {
		rec := testkit.Events(t, store)
		got := catSave(t, store, tn, p.ID, true, edit(t, 0, "8"))
		if got.Variant(sID).InventoryQuantity != 8 || stock(t) != 8 {
			t.Fatalf("stock %d (returned %d)", stock(t), got.Variant(sID).InventoryQuantity)
		}
		ledger, err := store.Ledger(ctx, tn.ID, sID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ledger) != 1 || ledger[0].Delta != 8 || ledger[0].QuantityAfter != 8 || ledger[0].Reason != models.ReasonCorrection || ledger[0].ProductID != p.ID {
			t.Fatalf("ledger %+v", ledger)
		}
		iu := rec.Emitted(t, "inventory.updated")[0].(*events.InventoryUpdated)
		if iu.OldQuantity != 0 || iu.NewQuantity != 8 || iu.Reason != models.ReasonCorrection || iu.VariantID != sID {
			t.Fatalf("inventory.updated %+v", iu)
		}
		rec.NotEmitted(t, "variant.updated")
		rec.NotEmitted(t, "inventory.low")
		rec = testkit.Events(t, store)
		catSave(t, store, tn, p.ID, true, edit(t, 8, "4"))
		if low := rec.Emitted(t, "inventory.low")[0].(*events.InventoryLow); low.Quantity != 4 || low.Threshold != 5 {
			t.Fatalf("inventory.low %+v", low)
		}
	})

	t.Run("a stock edit needs no fresh row version", func(t *testing.T) {
		e := edit(t, 4, "6")
		e.Version--
		catSave(t, store, tn, p.ID, true, e)
		if got := stock(t); got != 6 {
			t.Fatalf("stock %d", got)
		}
	})

	t.Run("a stale seen quantity is a conflict and saves nothing", func(t *testing.T) {
		if _, err := store.AdjustInventory(ctx, tn, sID, 3, models.ReasonReceived, ""); err != nil { // 6 → 9 elsewhere
			t.Fatal(err)
		}
		before := catSnapshot(t, store, tn.ID, p.ID)
		rec := testkit.Events(t, store)
		e := edit(t, 6, "2")
		e.Barcode = "999" // another cell of the row: not saved either
		_, err := store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{e}, true)
		var ce *models.CellConflictError
		if !errors.As(err, &ce) || !errors.Is(err, models.ErrStale) {
			t.Fatalf("error %v, want a *CellConflictError", err)
		}
		if msg := ce.Fields[models.VariantCell(sID, "quantity")]; !strings.Contains(msg, "9") {
			t.Fatalf("conflicts %v, want the quantity cell naming 9", ce.Fields)
		}
		if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
			t.Fatalf("product changed:\n%s\n→\n%s", before, after)
		}
		catNoEvents(t, rec)
	})

	t.Run("bad quantities are refused", func(t *testing.T) {
		for to, cell := range map[string]string{"abc": "quantity", "1.5": "quantity", "-1": "policy"} {
			before := catSnapshot(t, store, tn.ID, p.ID)
			_, err := store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{edit(t, 9, to)}, true)
			fieldError(t, err, models.VariantCell(sID, cell))
			if after := catSnapshot(t, store, tn.ID, p.ID); after != before {
				t.Fatalf("%q: product changed:\n%s\n→\n%s", to, before, after)
			}
		}
	})

	t.Run("with policy continue the stock may be set below zero", func(t *testing.T) {
		e := edit(t, 9, "-3")
		e.Policy = models.PolicyContinue
		catSave(t, store, tn, p.ID, true, e)
		if got := stock(t); got != -3 {
			t.Fatalf("stock %d", got)
		}
		// And deny cannot come back while it is negative.
		e = edit(t, -3, "-3")
		e.Policy = models.PolicyDeny
		_, err := store.SaveVariants(ctx, tn, p.ID, []models.VariantEdit{e}, true)
		fieldError(t, err, models.VariantCell(sID, "policy"))
	})
}

// ---- tenant isolation ----

func TestCatalogIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	other := catTenant(t, store)
	mine := testkit.Product(t, store, tn).Option("Size", "S", "M").Price("USD", 100).Create()
	mine2 := testkit.Product(t, store, tn).Create()
	theirs := testkit.Product(t, store, other).Option("Size", "S", "M").Price("USD", 100).Stock(7).Create()
	tv := theirs.Variants[0]
	theirsBefore := catSnapshot(t, store, other.ID, theirs.ID)
	mineBefore := catSnapshot(t, store, tn.ID, mine.ID)

	notFound := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("%s: error %v, want ErrNotFound", what, err)
		}
	}
	rec := testkit.Events(t, store)
	_, err := store.ProductByID(ctx, tn.ID, theirs.ID)
	notFound(t, "ProductByID", err)
	_, err = store.UpdateProduct(ctx, tn, theirs.ID, models.ProductInput{Vendor: "x", Options: []models.ProductOption{catOpt("Size", "S")}, ConfirmRemoval: true})
	notFound(t, "UpdateProduct", err)
	_, err = store.TransitionProduct(ctx, tn, theirs.ID, models.ProductActive)
	notFound(t, "TransitionProduct", err)
	notFound(t, "DeleteProduct", store.DeleteProduct(ctx, tn, theirs.ID))
	e := catEdit(tv)
	e.SKU = "STOLEN"
	_, err = store.SaveVariants(ctx, tn, theirs.ID, []models.VariantEdit{e}, true)
	notFound(t, "SaveVariants of their product", err)
	_, err = store.SaveVariants(ctx, tn, mine.ID, []models.VariantEdit{e}, true)
	notFound(t, "SaveVariants of my product with their variant", err)
	notFound(t, "DeleteVariant of their product", store.DeleteVariant(ctx, tn, theirs.ID, tv.ID))
	notFound(t, "DeleteVariant of their variant under my product", store.DeleteVariant(ctx, tn, mine.ID, tv.ID))
	_, err = store.AdjustInventory(ctx, tn, tv.ID, -1, models.ReasonDamaged, "")
	notFound(t, "AdjustInventory", err)
	_, err = store.SetInventory(ctx, tn, tv.ID, 7, 0, models.ReasonCorrection, "")
	notFound(t, "SetInventory", err)
	_, err = store.Ledger(ctx, tn.ID, tv.ID, 10)
	notFound(t, "Ledger", err)
	_, err = store.VariantByID(ctx, tn.ID, tv.ID)
	notFound(t, "VariantByID", err)
	catNoEvents(t, rec)
	if after := catSnapshot(t, store, other.ID, theirs.ID); after != theirsBefore {
		t.Fatalf("their product changed:\n%s\n→\n%s", theirsBefore, after)
	}

	t.Run("a row of another product of the tenant is not found and nothing is saved", func(t *testing.T) {
		good := catEdit(mine.Variants[0])
		good.SKU = "MINE-1"
		foreign := catEdit(mine2.Variants[0])
		foreign.SKU = "MINE-2"
		_, err := store.SaveVariants(ctx, tn, mine.ID, []models.VariantEdit{good, foreign}, false)
		notFound(t, "SaveVariants", err)
		if after := catSnapshot(t, store, tn.ID, mine.ID); after != mineBefore {
			t.Fatalf("my product changed:\n%s\n→\n%s", mineBefore, after)
		}
		if got := catReload(t, store, tn, mine2.ID).Variants[0].SKU; got != "" {
			t.Fatalf("the other product's variant got SKU %q", got)
		}
		notFound(t, "DeleteVariant", store.DeleteVariant(ctx, tn, mine.ID, mine2.Variants[0].ID))
	})

	t.Run("the owner still sees everything", func(t *testing.T) {
		if _, err := store.VariantByID(ctx, other.ID, tv.ID); err != nil {
			t.Fatal(err)
		}
		if l, err := store.Ledger(ctx, other.ID, tv.ID, 10); err != nil || len(l) != 1 {
			t.Fatalf("ledger %v %v", l, err)
		}
	})

	t.Run("deleting a product removes its rows", func(t *testing.T) {
		rec := testkit.Events(t, store)
		if err := store.DeleteProduct(ctx, other, theirs.ID); err != nil {
			t.Fatal(err)
		}
		_, err := store.ProductByID(ctx, other.ID, theirs.ID)
		notFound(t, "ProductByID after delete", err)
		for _, model := range []any{&models.Variant{}, &models.ProductTranslation{}, &models.LedgerEntry{}} {
			if n := countRows(t, store, model, "product_id = ?", theirs.ID); n != 0 {
				t.Fatalf("%T: %d rows left", model, n)
			}
		}
		if n := countRows(t, store, &models.Price{}, "variant_id = ?", tv.ID); n != 0 {
			t.Fatalf("%d prices left", n)
		}
		if pd := rec.Emitted(t, "product.deleted")[0].(*events.ProductDeleted); pd.ProductID != theirs.ID {
			t.Fatalf("product.deleted %+v", pd)
		}
	})
}

// ---- ListProducts ----

type catListFixture struct {
	store                             *models.Store
	tn, other                         *models.Tenant
	shirt, mug, hat, scarf, sock, cap *models.Product
	theirs                            *models.Product
}

func newCatListFixture(t *testing.T) *catListFixture {
	t.Helper()
	ctx := context.Background()
	store := testkit.NewDB(t)
	f := &catListFixture{store: store, tn: catTenant(t, store), other: catTenant(t, store)}
	tn := f.tn
	// shirt: active, Acme, two variants 15.00 and 20.00, 10 each (in).
	f.shirt = testkit.Product(t, store, tn).Title("en", "Blue Shirt").Title("de", "Blaues Hemd").Vendor("Acme").Type("Shirts").
		Option("Size", "S", "M").Price("USD", 1500).Stock(10).Active().Create()
	e := catEdit(f.shirt.Variants[1])
	e.Prices = map[string]models.PriceEdit{"USD": {Amount: "20"}}
	catSave(t, store, tn, f.shirt.ID, false, e)
	// mug: 5.00, 3 in stock (low).
	f.mug = testkit.Product(t, store, tn).Title("en", "Red Mug").Vendor("Mugs Inc").Price("USD", 500).Stock(3).Create()
	// hat: Acme, unpriced, none in stock (out).
	f.hat = testkit.Product(t, store, tn).Title("en", "Green Hat").Vendor("Acme").Create()
	// scarf: archived, 25.00 (and EUR), a SKU and a barcode, 7 in stock (in).
	f.scarf = testkit.Product(t, store, tn).Title("en", "Yellow Scarf").Price("USD", 2500).Price("EUR", 2000).Stock(7).Create()
	e = catEdit(f.scarf.Variants[0])
	e.SKU, e.Barcode = "SKU-ZZ9", "4006381333931"
	catSave(t, store, tn, f.scarf.ID, false, e)
	if _, err := store.TransitionProduct(ctx, tn, f.scarf.ID, models.ProductArchived); err != nil {
		t.Fatal(err)
	}
	// sock: 8.00, Red out of stock, Blue 4 (low).
	f.sock = testkit.Product(t, store, tn).Title("en", "Wool Sock").Option("Colour", "Red", "Blue").Price("USD", 800).Create()
	if _, err := store.SetInventory(ctx, tn, catByTitle(t, f.sock, "Blue").ID, 0, 4, models.ReasonReceived, ""); err != nil {
		t.Fatal(err)
	}
	// cap: unpriced, 20 in stock (in).
	f.cap = testkit.Product(t, store, tn).Title("en", "Plain Cap").Stock(20).Create()
	// Another tenant's product that matches most searches and filters.
	f.theirs = testkit.Product(t, store, f.other).Title("en", "Blue Shirt").Title("de", "Blaues Hemd").Vendor("Acme").
		Price("USD", 100).Stock(1).Active().Create()
	e = catEdit(f.theirs.Variants[0])
	e.SKU, e.Barcode = "SKU-ZZ9", "4006381333931"
	catSave(t, store, f.other, f.theirs.ID, false, e)
	return f
}

func (f *catListFixture) list(t *testing.T, q models.ProductQuery) models.ProductListPage {
	t.Helper()
	pg, err := f.store.ListProducts(context.Background(), f.tn, q)
	if err != nil {
		t.Fatalf("ListProducts(%+v): %v", q, err)
	}
	for _, r := range pg.Products {
		if r.ID == f.theirs.ID {
			t.Fatalf("another tenant's product listed for %+v", q)
		}
	}
	return pg
}

func catRowIDs(pg models.ProductListPage) []uuid.UUID {
	out := make([]uuid.UUID, len(pg.Products))
	for i, r := range pg.Products {
		out[i] = r.ID
	}
	return out
}

func catIDs(ps ...*models.Product) []uuid.UUID {
	out := make([]uuid.UUID, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// catByID orders products by id, as the list breaks ties.
func catByID(desc bool, ps ...*models.Product) []*models.Product {
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b *models.Product) int {
		if desc {
			a, b = b, a
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
	return out
}

func TestListProductsSearchAndFilters(t *testing.T) {
	t.Parallel()
	f := newCatListFixture(t)
	for _, c := range []struct {
		name string
		q    models.ProductQuery
		want []*models.Product
	}{
		{"everything", models.ProductQuery{}, []*models.Product{f.shirt, f.mug, f.hat, f.scarf, f.sock, f.cap}},
		{"a title in the non-default locale", models.ProductQuery{Search: "hemd"}, []*models.Product{f.shirt}},
		{"a title in another case", models.ProductQuery{Search: " BLAUES "}, []*models.Product{f.shirt}},
		{"a title in the default locale", models.ProductQuery{Search: "mug"}, []*models.Product{f.mug}},
		{"a SKU", models.ProductQuery{Search: "zz9"}, []*models.Product{f.scarf}},
		{"a barcode", models.ProductQuery{Search: "6381333"}, []*models.Product{f.scarf}},
		{"LIKE wildcards are literal", models.ProductQuery{Search: "%"}, nil},
		{"no match", models.ProductQuery{Search: "nothing like it"}, nil},
		{"status active", models.ProductQuery{Status: models.ProductActive}, []*models.Product{f.shirt}},
		{"status archived", models.ProductQuery{Status: models.ProductArchived}, []*models.Product{f.scarf}},
		{"status draft", models.ProductQuery{Status: models.ProductDraft}, []*models.Product{f.mug, f.hat, f.sock, f.cap}},
		{"vendor", models.ProductQuery{Vendor: "Acme"}, []*models.Product{f.shirt, f.hat}},
		{"product type", models.ProductQuery{ProductType: "Shirts"}, []*models.Product{f.shirt}},
		{"stock in", models.ProductQuery{Stock: models.StockIn}, []*models.Product{f.shirt, f.scarf, f.cap}},
		{"stock low", models.ProductQuery{Stock: models.StockLow}, []*models.Product{f.mug, f.sock}},
		{"stock out", models.ProductQuery{Stock: models.StockOut}, []*models.Product{f.hat, f.sock}},
		{"vendor and stock out", models.ProductQuery{Vendor: "Acme", Stock: models.StockOut}, []*models.Product{f.hat}},
		{"search and status", models.ProductQuery{Search: "blue", Status: models.ProductDraft}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			pg := f.list(t, c.q)
			if got, want := catSortedIDs(catRowIDs(pg)), catSortedIDs(catIDs(c.want...)); !slices.Equal(got, want) {
				t.Fatalf("listed %v, want %v", got, want)
			}
			if pg.Total != len(c.want) {
				t.Fatalf("total %d, want %d", pg.Total, len(c.want))
			}
		})
	}

	t.Run("the other tenant sees only its own", func(t *testing.T) {
		pg, err := f.store.ListProducts(context.Background(), f.other, models.ProductQuery{Search: "zz9"})
		if err != nil {
			t.Fatal(err)
		}
		if ids := catRowIDs(pg); !slices.Equal(ids, []uuid.UUID{f.theirs.ID}) || pg.Total != 1 {
			t.Fatalf("listed %v (total %d)", ids, pg.Total)
		}
	})

	t.Run("bad queries are field errors", func(t *testing.T) {
		for field, q := range map[string]models.ProductQuery{
			"status": {Status: "gone"},
			"sort":   {Sort: "colour"},
			"stock":  {Stock: "many"},
			"page":   {Sort: models.ProductSortPrice, Cursor: &models.Cursor{Page: 2, Sort: "price", ID: uuid.New(), Key: []*string{ptr("1")}}},
		} {
			_, err := f.store.ListProducts(context.Background(), f.tn, q)
			fieldError(t, err, field)
		}
	})
}

func TestListProductsRows(t *testing.T) {
	t.Parallel()
	f := newCatListFixture(t)
	pg := f.list(t, models.ProductQuery{})
	if pg.Currency != "USD" {
		t.Fatalf("currency %q", pg.Currency)
	}
	rows := map[uuid.UUID]models.ProductRow{}
	for _, r := range pg.Products {
		rows[r.ID] = r
	}
	check := func(p *models.Product, title, status string, variants int, stock int64, low, out int, minP, maxP *int64) {
		t.Helper()
		r, ok := rows[p.ID]
		if !ok {
			t.Fatalf("%s not listed", title)
		}
		if r.Title != title || r.Status != status || r.Variants != variants || r.Stock != stock || r.Low != low || r.Out != out ||
			fmt.Sprint(deref64(r.MinPrice)) != fmt.Sprint(deref64(minP)) || fmt.Sprint(deref64(r.MaxPrice)) != fmt.Sprint(deref64(maxP)) {
			t.Fatalf("row %+v (min %v max %v), want %s %s variants %d stock %d low %d out %d min %v max %v",
				r, deref64(r.MinPrice), deref64(r.MaxPrice), title, status, variants, stock, low, out, deref64(minP), deref64(maxP))
		}
	}
	check(f.shirt, "Blue Shirt", "active", 2, 20, 0, 0, ptr(int64(1500)), ptr(int64(2000)))
	check(f.mug, "Red Mug", "draft", 1, 3, 1, 0, ptr(int64(500)), ptr(int64(500)))
	check(f.hat, "Green Hat", "draft", 1, 0, 0, 1, nil, nil)
	check(f.scarf, "Yellow Scarf", "archived", 1, 7, 0, 0, ptr(int64(2500)), ptr(int64(2500)))
	check(f.sock, "Wool Sock", "draft", 2, 4, 1, 1, ptr(int64(800)), ptr(int64(800)))
	check(f.cap, "Plain Cap", "draft", 1, 20, 0, 0, nil, nil)
	if r := rows[f.shirt.ID]; r.Vendor != "Acme" || r.ProductType != "Shirts" {
		t.Fatalf("shirt row %+v", r)
	}
}

func deref64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestListProductsSortByPriceAndStock(t *testing.T) {
	t.Parallel()
	f := newCatListFixture(t)
	unpricedAsc, unpricedDesc := catByID(false, f.hat, f.cap), catByID(true, f.hat, f.cap)
	stockTieAsc, stockTieDesc := catByID(false, f.shirt, f.cap), catByID(true, f.shirt, f.cap)
	for _, c := range []struct {
		name string
		q    models.ProductQuery
		want []*models.Product
	}{
		{"price, lowest first, unpriced last", models.ProductQuery{Sort: models.ProductSortPrice},
			append([]*models.Product{f.mug, f.sock, f.shirt, f.scarf}, unpricedAsc...)},
		{"price, highest first, unpriced still last", models.ProductQuery{Sort: models.ProductSortPrice, Desc: true},
			append([]*models.Product{f.scarf, f.shirt, f.sock, f.mug}, unpricedDesc...)},
		{"price with a filter", models.ProductQuery{Sort: models.ProductSortPrice, Vendor: "Acme"}, []*models.Product{f.shirt, f.hat}},
		{"stock, least first", models.ProductQuery{Sort: models.ProductSortStock},
			append([]*models.Product{f.hat, f.mug, f.sock, f.scarf}, stockTieAsc...)},
		{"stock, most first", models.ProductQuery{Sort: models.ProductSortStock, Desc: true},
			append(stockTieDesc, f.scarf, f.sock, f.mug, f.hat)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, want := catRowIDs(f.list(t, c.q)), catIDs(c.want...); !slices.Equal(got, want) {
				t.Fatalf("order %v, want %v", got, want)
			}
		})
	}
	t.Run("price pages by number", func(t *testing.T) {
		var seen []uuid.UUID
		for page := 1; page <= 3; page++ {
			pg := f.list(t, models.ProductQuery{Sort: models.ProductSortPrice, Desc: true, Page: page, PerPage: 2})
			if pg.Total != 6 || len(pg.Products) != 2 || pg.HasNext() != (page < 3) {
				t.Fatalf("page %d: %+v", page, pg.Paging)
			}
			seen = append(seen, catRowIDs(pg)...)
		}
		if want := catIDs(append([]*models.Product{f.scarf, f.shirt, f.sock, f.mug}, unpricedDesc...)...); !slices.Equal(seen, want) {
			t.Fatalf("pages %v, want %v", seen, want)
		}
	})
}

func TestListProductsKeysetPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := catTenant(t, store)
	other := catTenant(t, store)
	var all []uuid.UUID
	for _, title := range []string{"Item 3", "item 1", "Item 7", "Item 2", "ITEM 5", "Item 4"} {
		all = append(all, testkit.Product(t, store, tn).Title("en", title).Create().ID)
	}
	// A product without a title in the default locale: its title sorts last either way.
	deOnly, err := store.CreateProduct(ctx, tn, models.ProductInput{Translations: []models.ProductTranslationInput{{Locale: "de", Title: "Nur Deutsch"}}})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, deOnly.ID)
	for range 3 {
		testkit.Product(t, store, other).Create()
	}
	byTitleAsc := []uuid.UUID{all[1], all[3], all[0], all[5], all[4], all[2], all[6]}
	byTitleDesc := []uuid.UUID{all[2], all[4], all[5], all[0], all[3], all[1], all[6]}

	for _, c := range []struct {
		sort string
		desc bool
		want []uuid.UUID // nil: only the same set as the single page
	}{
		{models.ProductSortUpdated, true, nil},
		{models.ProductSortUpdated, false, nil},
		{models.ProductSortTitle, false, byTitleAsc},
		{models.ProductSortTitle, true, byTitleDesc},
	} {
		t.Run(fmt.Sprintf("%s desc=%v", c.sort, c.desc), func(t *testing.T) {
			read := func(cur *models.Cursor, perPage int) models.ProductListPage {
				t.Helper()
				pg, err := store.ListProducts(ctx, tn, models.ProductQuery{Sort: c.sort, Desc: c.desc, Cursor: cur, PerPage: perPage})
				if err != nil {
					t.Fatalf("ListProducts: %v", err)
				}
				return pg
			}
			one := read(nil, 100)
			full := catRowIDs(one)
			if !slices.Equal(catSortedIDs(full), catSortedIDs(all)) {
				t.Fatalf("single page %v, want the tenant's %v", full, all)
			}
			if c.want != nil && !slices.Equal(full, c.want) {
				t.Fatalf("order %v, want %v", full, c.want)
			}
			if c.sort == models.ProductSortUpdated {
				for i := 1; i < len(one.Products); i++ {
					a, b := one.Products[i-1].UpdatedAt, one.Products[i].UpdatedAt
					if (c.desc && a.Before(b)) || (!c.desc && a.After(b)) {
						t.Fatalf("updated_at out of order at %d: %v then %v", i, a, b)
					}
				}
			}
			if c.sort == models.ProductSortTitle {
				if r := one.Products[len(one.Products)-1]; r.ID != deOnly.ID || r.Title != "Nur Deutsch" {
					t.Fatalf("last row %+v, want the de-only product titled Nur Deutsch", r)
				}
			}
			// Following Next cursors visits every product exactly once, in the same order.
			var visited []uuid.UUID
			pg := read(nil, 3)
			for n := 1; ; n++ {
				if n > 5 {
					t.Fatalf("more than 5 pages of 3 for 7 products: %v", visited)
				}
				if len(pg.Products) == 0 || len(pg.Products) > 3 {
					t.Fatalf("page %d has %d rows", n, len(pg.Products))
				}
				visited = append(visited, catRowIDs(pg)...)
				if pg.Next == "" {
					break
				}
				c, err := models.ParseCursor(pg.Next)
				if err != nil {
					t.Fatalf("ParseCursor(%q): %v", pg.Next, err)
				}
				pg = read(&c, 3)
			}
			if !slices.Equal(visited, full) {
				t.Fatalf("pages visited %v, want %v", visited, full)
			}
			// And back again with Prev (the shared walker also checks totals and page numbers).
			walkPages(t, full, func(cur *models.Cursor) ([]uuid.UUID, models.Paging) {
				pg := read(cur, 3)
				return catRowIDs(pg), pg.Paging
			})
		})
	}
}
