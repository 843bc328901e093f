package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// BenchmarkGridSave measures one save of the variant grid as the browser sends it: POST
// /t/{slug}/products/{id}/variants with every cell of 100 variants (Size × Colour, 10 × 10; and
// 250, 25 × 10) in two currencies, each save changing both prices of every variant (200 price
// rows and 200 price.updated events for 100, in one transaction, with the version check of every
// row), through the whole app (sessions, CSRF, RBAC, the handler, models.SaveVariants) in
// process (Fiber's app.Test: no network). It reports the p50 and p99 of the request in ms (the
// issue's goal: p50 < 50 ms for 100); the page the browser then loads is BenchmarkProductPage.
// Run with TEST_DB=postgres -benchtime 200x.
func BenchmarkGridSave(b *testing.B) {
	for _, n := range gridSizes {
		b.Run(fmt.Sprintf("variants_%d", n), func(b *testing.B) { benchGridSave(b, n) })
	}
}

// gridSizes are the products the grid benchmarks edit: the 100 variants, and the 250
// it asks to stay comfortable.
var gridSizes = []int{100, 250}

func benchGridSave(b *testing.B, variants int) {
	ctx := context.Background()
	app, tn, pr, c := gridFixture(b, variants)
	path := productviews.VariantsURL(tn.Slug, pr.ID)
	var times []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cur, err := app.Store.ProductByID(ctx, tn.ID, pr.ID)
		if err != nil {
			b.Fatal(err)
		}
		form := gridForm(cur, tn.EnabledCurrencies(), int64(i+1))
		b.StartTimer()
		t0 := time.Now()
		res := c.PostForm(path, form)
		d := time.Since(t0)
		b.StopTimer()
		if res.StatusCode != http.StatusSeeOther {
			b.Fatalf("save %d: status %d, want 303\n%.2000s", i, res.StatusCode, res.Body)
		}
		times = append(times, d)
		b.StartTimer()
	}
	b.StopTimer()
	// Every save wrote: the prices are the last save's.
	after, err := app.Store.ProductByID(ctx, tn.ID, pr.ID)
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range after.Variants {
		if p := v.Price("EUR"); p == nil || p.Amount != 900+int64(b.N) {
			b.Fatalf("variant %s: EUR price %+v after %d saves, want %d", v.Title(), p, b.N, 900+b.N)
		}
	}
	reportPercentiles(b, times)
	b.ReportMetric(float64(2*len(after.Variants)), "prices/save")
}

// BenchmarkProductPage measures GET of the product page of BenchmarkGridSave's products (the
// editor with its grid in two currencies and the history): what the browser loads after a
// save. Reports p50 and p99 in ms.
func BenchmarkProductPage(b *testing.B) {
	for _, n := range gridSizes {
		b.Run(fmt.Sprintf("variants_%d", n), func(b *testing.B) {
			_, tn, pr, c := gridFixture(b, n)
			path := productviews.ProductURL(tn.Slug, pr.ID)
			var times []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res := c.Get(path)
				times = append(times, time.Since(t0))
				if res.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: status %d", path, res.StatusCode)
				}
			}
			b.StopTimer()
			reportPercentiles(b, times)
		})
	}
}

// gridFixture is a tenant selling in USD and EUR, its product with variants (a multiple of 10:
// Size × 10 colours) priced in both, and a manager signed in.
func gridFixture(b *testing.B, variants int) (*testkit.TestApp, *models.Tenant, *models.Product, *testkit.HTTPClient) {
	store := testkit.NewDB(b)
	tn := testkit.Tenant(b, store).Currencies("USD", "EUR").Create()
	app := testkit.NewApp(b, testkit.WithStore(store))
	var sizes, colours []string
	for i := 1; i <= variants/10; i++ {
		sizes = append(sizes, fmt.Sprintf("Size %d", i))
	}
	for i := 1; i <= 10; i++ {
		colours = append(colours, fmt.Sprintf("Colour %d", i))
	}
	pr := testkit.Product(b, store, tn).Option("Size", sizes...).Option("Colour", colours...).
		Price("USD", 1000).Price("EUR", 900).Stock(20).Create()
	if len(pr.Variants) != variants {
		b.Fatalf("the fixture has %d variants, want %d", len(pr.Variants), variants)
	}
	c, _ := testkit.ClientAs(b, app, tn, "manager")
	return app, tn, pr, c
}

// gridForm is the grid's form for p as the page renders it, with both prices of every variant
// set to its base price + bump minor units (USD 10.00, EUR 9.00 as created).
func gridForm(p *models.Product, currencies []string, bump int64) url.Values {
	base := map[string]int64{"USD": 1000, "EUR": 900}
	form := url.Values{}
	for _, v := range p.Variants {
		cell := func(field, value string) { form.Set(productviews.CellName(v.ID, field), value) }
		cell("version", strconv.Itoa(v.Version))
		cell("seen", strconv.FormatInt(v.InventoryQuantity, 10))
		cell("sku", v.SKU)
		cell("barcode", v.Barcode)
		for _, cur := range currencies {
			cell("price."+cur, money.Format(cur, base[cur]+bump))
			cell("compare."+cur, "")
		}
		cell("qty", strconv.FormatInt(v.InventoryQuantity, 10))
		cell("threshold", strconv.FormatInt(v.LowStockThreshold, 10))
		cell("policy", v.InventoryPolicy)
	}
	return form
}

// reportPercentiles reports the p50 and p99 of the durations in ms.
func reportPercentiles(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	at := func(q float64) float64 {
		i := int(q*float64(len(times))+0.5) - 1
		i = max(0, min(i, len(times)-1))
		return float64(times[i].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50_ms")
	b.ReportMetric(at(0.99), "p99_ms")
	b.ReportMetric(0, "ns/op") // the percentiles say it; ns/op would include the untimed set-up
}
