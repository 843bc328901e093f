package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// TestCatalogFlow is a merchant's first product, in the browser: create it with Size (S, M, L) ×
// Colour (Red, Blue), type the USD prices down the grid's column with Enter (the changed cells
// are counted), give S / Red some stock, activate it, take S / Red below its threshold from the
// inventory list, and find inventory.low on the dashboard and in the event log.
func TestCatalogFlow(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	app.StartJobs(t) // the import check runs as a job
	tn := testkit.Tenant(t, app.Store).Slug("acme").Locales("en").Currencies("USD", "EUR").Create()
	admin := testkit.User(t, app.Store).Name("Ada Admin").WithRole(tn, "admin").Create()
	baseURL := app.Serve(t)
	base := "/t/" + tn.Slug

	ctx := newBrowser(t)
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1440, 900))
	signIn(t, ctx, baseURL, admin.Email, admin.Password)
	run(t, ctx, "wait for the dashboard", chromedp.WaitVisible(tenantName))

	run(t, ctx, "create the product with two options",
		chromedp.Navigate(baseURL+base+"/products/new"),
		chromedp.WaitVisible(chromedp.ID("p-en-title")),
		chromedp.SendKeys(chromedp.ID("p-en-title"), "Field jacket"),
		chromedp.SendKeys(chromedp.ID("opt-0-name"), "Size"),
		chromedp.SendKeys(chromedp.ID("opt-0-values"), "S, M, L"),
		chromedp.SendKeys(chromedp.ID("opt-1-name"), "Colour"),
		chromedp.SendKeys(chromedp.ID("opt-1-values"), "Red, Blue"),
		chromedp.Click(chromedp.CSS(`[data-testid="save-product"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="variant-grid"]`)),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(contentWait)),
	)
	titles := get(t, ctx, "read the grid's variants", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid="variant-row"] th, [data-testid="variant-row"] td:first-child')).map(e => e.textContent.trim().split("\n")[0].trim())`))
	want := []string{"S / Red", "S / Blue", "M / Red", "M / Blue", "L / Red", "L / Blue"}
	for _, w := range want {
		if !slices.ContainsFunc(titles, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Fatalf("the grid's rows are %q, want the matrix %q", titles, want)
		}
	}

	// Prices down the USD column: focus the first cell, then type and press Enter, six times.
	steps := []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.CSS(`[data-testid="variant-row"] [data-testid="cell-price-usd"]`))}
	for range want {
		steps = append(steps, chromedp.KeyEvent("49.00"), chromedp.KeyEvent(kb.Enter))
	}
	run(t, ctx, "type the prices with the keyboard", steps...)
	if got := text(t, ctx, chromedp.CSS(`[data-grid-changes]`)); got != "6 changed cells" {
		t.Fatalf("the grid says %q, want 6 changed cells", got)
	}
	if n := get(t, ctx, "count the marked cells", chromedp.Evaluate[int](`document.querySelectorAll(".cell-changed").length`)); n != 6 {
		t.Fatalf("%d cells marked as changed, want 6", n)
	}
	// A refused save: one bad amount; the grid comes back with the cell's message, nothing saved,
	// and every cell typed before it still marked as changed.
	run(t, ctx, "type a bad EUR price and save",
		chromedp.Focus(chromedp.CSS(`[data-testid="variant-row"] [data-testid="cell-price-eur"]`)),
		chromedp.KeyEvent("19.999"),
		chromedp.Click(chromedp.CSS(`[data-testid="save-grid"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="variant-row"] [data-testid="cell-price-eur"][aria-invalid="true"]`)),
	)
	if n := get(t, ctx, "count the marked cells after the refusal", chromedp.Evaluate[int](`document.querySelectorAll(".cell-changed").length`)); n != 7 {
		t.Fatalf("%d cells marked as changed after a refused save, want the 7 typed", n)
	}
	if p := productNamed(t, app, tn, "Field jacket").Variants[0].Price("USD"); p != nil {
		t.Fatalf("a refused grid saved a price: %+v", p)
	}
	run(t, ctx, "clear the bad EUR price",
		chromedp.Focus(chromedp.CSS(`[data-testid="variant-row"] [data-testid="cell-price-eur"]`)),
		chromedp.KeyEvent(kb.End+strings.Repeat(kb.Backspace, 6)),
	)
	run(t, ctx, "give S / Red ten in stock and save the grid",
		chromedp.Focus(chromedp.CSS(`[data-testid="variant-row"] [data-testid="cell-quantity"]`)),
		chromedp.KeyEvent(kb.End+kb.Backspace+kb.Backspace+"10"),
		// The page shows the flash of the creation: remove it, so the one waited for is the save's.
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid="flash"]').forEach(e => e.remove())`),
		chromedp.Click(chromedp.CSS(`[data-testid="save-grid"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	saveScreenshot(t, "catalog-grid-saved.png", get(t, ctx, "take a screenshot", chromedp.FullScreenshot(100)))
	pr := productNamed(t, app, tn, "Field jacket")
	for _, v := range pr.Variants {
		if p := v.Price("USD"); p == nil || p.Amount != 4900 {
			t.Fatalf("variant %s: price %+v, want 49.00 USD", v.Title(), p)
		}
	}

	run(t, ctx, "activate the product",
		chromedp.Click(chromedp.CSS(`[data-testid="move-active"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="move-draft"]`)), // only an active product goes back to draft
	)
	if pr = productNamed(t, app, tn, "Field jacket"); pr.Status != models.ProductActive {
		t.Fatalf("status %q after activating", pr.Status)
	}
	var sRed models.Variant
	for _, v := range pr.Variants {
		if v.Title() == "S / Red" {
			sRed = v
		}
	}
	if sRed.InventoryQuantity != 10 {
		t.Fatalf("S / Red has %d in stock, want the 10 typed in the grid", sRed.InventoryQuantity)
	}

	row := `[data-variant-id="` + sRed.ID.String() + `"] `
	run(t, ctx, "take six of S / Red away from the inventory list",
		chromedp.Navigate(baseURL+base+"/inventory"),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-testid="adjust-delta"]`)),
		chromedp.SendKeys(chromedp.CSS(row+`[data-testid="adjust-delta"]`), "-6"),
		chromedp.SetValue(chromedp.CSS(row+`[data-testid="adjust-reason"]`), models.ReasonDamaged),
		chromedp.Click(chromedp.CSS(row+`[data-testid="adjust-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	if got := text(t, ctx, chromedp.CSS(row+`[data-testid="inventory-quantity"]`)); got != "4" {
		t.Fatalf("S / Red shows %q in stock, want 4", got)
	}

	run(t, ctx, "open the dashboard", chromedp.Navigate(baseURL+base), chromedp.WaitVisible(tenantName))
	types := get(t, ctx, "read the recent activity", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-testid="activity-type"]')).map(e => e.textContent.trim())`))
	if !slices.Contains(types, "inventory.low") {
		t.Fatalf("the dashboard's recent activity is %q, want inventory.low", types)
	}
	if got := text(t, ctx, chromedp.CSS(`[data-testid="attention-stock-low"]`)); !strings.Contains(got, "low on stock") {
		t.Fatalf("the dashboard's low-stock line says %q", got)
	}
	run(t, ctx, "open the event log filtered to inventory.low",
		chromedp.Navigate(baseURL+base+"/events?type=inventory.low"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="event-row"]`)),
	)
	if got := text(t, ctx, chromedp.CSS(`[data-testid="event-row"] [data-testid="event-type"]`)); got != "inventory.low" {
		t.Fatalf("the event log shows %q, want inventory.low", got)
	}
	saveScreenshot(t, "catalog-flow.png", get(t, ctx, "take a screenshot", chromedp.FullScreenshot(100)))

	// A bulk price change: select the product, raise USD by 10 %, look at the preview, apply.
	run(t, ctx, "select the product and open the bulk price change",
		chromedp.Navigate(baseURL+base+"/products"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="ids"][value="`+pr.ID.String()+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name="ids"][value="`+pr.ID.String()+`"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-price"]`)),
		chromedp.WaitVisible(chromedp.ID("bulk-price-value")),
		chromedp.SetValue(chromedp.ID("bulk-price-mode"), models.PricePercent),
		chromedp.SendKeys(chromedp.ID("bulk-price-value"), "10"),
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-price-preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="bulk-price-plan"]`)),
	)
	if got := text(t, ctx, chromedp.CSS(`[data-testid="bulk-price-summary"]`)); !strings.HasPrefix(got, "6 prices in USD will change") {
		t.Fatalf("the preview says %q", got)
	}
	// The preview at both widths and in both themes: no serious axe finding, no sideways scroll
	// on a phone; SCREENSHOTS=1 keeps a picture of each in docs/screenshots.
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"390", 390, 844}, {"1440", 1440, 900}} {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		for _, dark := range []bool{true, false} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "bulk price preview "+w.name+theme(dark), w.width < 500)
			if os.Getenv("SCREENSHOTS") != "" {
				writeDocScreenshot(t, "bulk-price-"+w.name+theme(dark)+".png", get(t, ctx, "screenshot the preview", chromedp.FullScreenshot(100)))
			}
		}
	}
	saveScreenshot(t, "catalog-bulk-price.png", get(t, ctx, "take a screenshot", chromedp.FullScreenshot(100)))

	run(t, ctx, "apply the change",
		chromedp.Click(chromedp.CSS(`[data-testid="bulk-price-apply"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)),
	)
	for _, v := range productNamed(t, app, tn, "Field jacket").Variants {
		if p := v.Price("USD"); p == nil || p.Amount != 5390 {
			t.Fatalf("variant %s: price %+v after +10 %%, want 53.90 USD", v.Title(), p)
		}
	}

	// The import check: upload a file with one good and one bad product, see the figures and the
	// row to fix (nothing is written).
	csvPath := filepath.Join(t.TempDir(), "products.csv")
	if err := os.WriteFile(csvPath, []byte("Handle,Title,Variant SKU,Price USD\nbeanie,Beanie,BN-1,9.00\nscarf,Scarf,SC-1,19.999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "check a file on the import page",
		chromedp.Navigate(baseURL+base+"/products/import"),
		chromedp.WaitVisible(chromedp.ID("import-file")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csvPath}),
		chromedp.Click(chromedp.CSS(`[data-testid="import-check"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-result"]`)),
	)
	if got := text(t, ctx, chromedp.CSS(`[data-testid="check-rejected"]`)); got != "1" {
		t.Fatalf("the check rejects %q products, want 1", got)
	}
	for _, w := range []struct {
		name          string
		width, height int64
	}{{"390", 390, 844}, {"1440", 1440, 900}} {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		for _, dark := range []bool{true, false} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "import check "+w.name+theme(dark), w.width < 500)
			if os.Getenv("SCREENSHOTS") != "" {
				writeDocScreenshot(t, "import-check-"+w.name+theme(dark)+".png", get(t, ctx, "screenshot the check", chromedp.FullScreenshot(100)))
			}
		}
	}
}

// productNamed loads the tenant's product with this English title, with its variants.
func productNamed(t *testing.T, app *testkit.TestApp, tn *models.Tenant, title string) *models.Product {
	t.Helper()
	pg, err := app.Store.ListProducts(t.Context(), tn, models.ProductQuery{Search: title, Sort: models.ProductSortTitle, PerPage: 10})
	if err != nil || len(pg.Products) != 1 {
		t.Fatalf("find the product %q: %d found (%v)", title, len(pg.Products), err)
	}
	p, err := app.Store.ProductByID(t.Context(), tn.ID, pg.Products[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
