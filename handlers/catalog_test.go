package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// TestCatalogOverHTTP: the catalog's rules as staff meet them — a stock keeper (inventory:list +
// inventory:update only) changes stock and nothing else, a customer reads, a manager edits;
// another tenant's product and variant ids are 404s; the grid refuses a bad cell with 422 and
// saves nothing, a stale grid is a 409, a stale "set" names the current stock.
func TestCatalogOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	ctx := t.Context()
	tn := testkit.Tenant(t, app.Store).Currencies("USD", "EUR").Create()
	other := testkit.Tenant(t, app.Store).Create()
	pr := testkit.Product(t, app.Store, tn).Title("en", "Classic tee").Option("Size", "S", "M").Price("USD", 1990).Stock(10).Create()
	foreign := testkit.Product(t, app.Store, other).Title("en", "Not yours").Price("USD", 500).Stock(3).Create()
	base := "/t/" + tn.Slug
	productURL := base + "/products/" + pr.ID.String()
	v := pr.Variants[0]

	if _, err := app.Store.CreateRole(ctx, tn.ID, "stock-keeper", "Counts stock."); err != nil {
		t.Fatal(err)
	}
	for _, p := range []models.Permission{{Resource: "inventory", Action: "list"}, {Resource: "inventory", Action: "update"}} {
		if err := app.Store.SetPermission(ctx, tn.ID, "stock-keeper", p, true); err != nil {
			t.Fatal(err)
		}
	}
	stock := func(id string) int64 {
		t.Helper()
		for _, x := range reloadProduct(t, app, tn, pr).Variants {
			if x.ID.String() == id {
				return x.InventoryQuantity
			}
		}
		t.Fatalf("variant %s gone", id)
		return 0
	}

	t.Run("a stock keeper adjusts stock from the inventory list and may do nothing else", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "stock-keeper")
		list := c.Get(base + "/inventory").ExpectStatus(http.StatusOK)
		if !strings.Contains(string(list.Body), "Classic tee") {
			t.Fatal("the inventory list does not show the product")
		}
		back := base + "/inventory?stock=low"
		res := c.PostForm(base+"/inventory/"+v.ID.String()+"/adjust", url.Values{"delta": {"-7"}, "reason": {"damaged"}, "note": {"dropped"}, "back": {back}})
		res.ExpectStatus(http.StatusSeeOther)
		if res.Location() != back {
			t.Fatalf("went to %q, want back to the list %q", res.Location(), back)
		}
		if got := stock(v.ID.String()); got != 3 {
			t.Fatalf("stock %d, want 3", got)
		}
		entries, err := app.Store.Ledger(ctx, tn.ID, v.ID, 10)
		if err != nil || len(entries) == 0 || entries[0].Delta != -7 || entries[0].Reason != "damaged" || entries[0].Note != "dropped" {
			t.Fatalf("ledger %+v (%v)", entries, err)
		}
		for _, path := range []string{base + "/products", productURL} {
			c.Get(path).ExpectStatus(http.StatusForbidden)
		}
		c.PostForm(productURL+"/variants", url.Values{productviews.CellName(v.ID, "version"): {"1"}, productviews.CellName(v.ID, "sku"): {"HACK"}}).
			ExpectStatus(http.StatusForbidden)
		c.PostForm(productURL+"/status", url.Values{"to": {"archived"}}).ExpectStatus(http.StatusForbidden)
		if got := reloadProduct(t, app, tn, pr); got.Variants[0].SKU == "HACK" || got.Status != pr.Status {
			t.Fatalf("the stock keeper changed the product: %+v", got)
		}
	})

	t.Run("a customer reads the catalog and changes nothing", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "customer")
		c.Get(base + "/products").ExpectStatus(http.StatusOK)
		c.Get(productURL).ExpectStatus(http.StatusOK)
		before := stock(v.ID.String())
		c.PostForm(base+"/inventory/"+v.ID.String()+"/adjust", url.Values{"delta": {"5"}, "reason": {"received"}}).ExpectStatus(http.StatusForbidden)
		c.PostForm(productURL+"/delete", url.Values{}).ExpectStatus(http.StatusForbidden)
		if stock(v.ID.String()) != before {
			t.Fatal("a customer changed stock")
		}
	})

	t.Run("another tenant's product and variant are not found", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "admin")
		fp, fv := foreign.ID.String(), foreign.Variants[0].ID.String()
		for _, path := range []string{base + "/products/" + fp, base + "/products/" + fp + "/history", base + "/inventory/" + fv} {
			c.Get(path).ExpectStatus(http.StatusNotFound)
		}
		c.PostForm(base+"/inventory/"+fv+"/adjust", url.Values{"delta": {"-1"}, "reason": {"other"}}).ExpectStatus(http.StatusNotFound)
		c.PostForm(base+"/products/"+fp+"/variants", url.Values{}).ExpectStatus(http.StatusNotFound)
		c.PostForm(base+"/products/"+fp+"/delete", url.Values{}).ExpectStatus(http.StatusNotFound)
		// A variant id of another tenant on this tenant's product.
		c.PostForm(productURL+"/variants/"+fv+"/delete", url.Values{}).ExpectStatus(http.StatusNotFound)
		got, err := app.Store.ProductByID(ctx, other.ID, foreign.ID)
		if err != nil || got.Variants[0].InventoryQuantity != 3 {
			t.Fatalf("the foreign product changed: %+v (%v)", got, err)
		}
	})

	t.Run("the grid refuses a bad cell with 422 and saves none of the others", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "manager")
		cur := reloadProduct(t, app, tn, pr)
		form := url.Values{}
		for _, x := range cur.Variants {
			form.Set(productviews.CellName(x.ID, "version"), itoa(x.Version))
			form.Set(productviews.CellName(x.ID, "sku"), "TEE-"+x.Title())
			form.Set(productviews.CellName(x.ID, "price.USD"), "21.00")
		}
		form.Set(productviews.CellName(cur.Variants[1].ID, "price.USD"), "19.999")
		res := c.PostForm(productURL+"/variants", form).ExpectStatus(http.StatusUnprocessableEntity)
		cell := res.Find("#" + productviews.CellID(cur.Variants[1].ID, "price.USD"))
		if cell.Length() == 0 || cell.AttrOr("aria-invalid", "") != "true" {
			t.Fatalf("the bad cell is not marked: %s", res.Body)
		}
		if !strings.Contains(string(res.Body), "19.999") {
			t.Fatal("what was typed is lost")
		}
		// The cells keep the stored values as data-initial, so the grid marks what was typed.
		sku := res.Find("#" + productviews.CellID(cur.Variants[0].ID, "sku"))
		if sku.AttrOr("value", "") != "TEE-"+cur.Variants[0].Title() || sku.AttrOr("data-initial", "x") != "" {
			t.Fatalf("after a refused save the SKU cell has value %q, data-initial %q; want what was typed and the stored \"\"",
				sku.AttrOr("value", ""), sku.AttrOr("data-initial", "x"))
		}
		after := reloadProduct(t, app, tn, pr)
		for _, x := range after.Variants {
			if x.SKU != "" || x.Price("USD").Amount != 1990 {
				t.Fatalf("a cell was saved from a refused grid: %+v", x)
			}
		}

		// Now a good save, then the same (stale) form again.
		form.Set(productviews.CellName(cur.Variants[1].ID, "price.USD"), "19.99")
		c.PostForm(productURL+"/variants", form).ExpectStatus(http.StatusSeeOther)
		saved := reloadProduct(t, app, tn, pr)
		if saved.Variants[0].SKU != "TEE-"+saved.Variants[0].Title() || saved.Variants[0].Price("USD").Amount != 2100 {
			t.Fatalf("grid not saved: %+v", saved.Variants[0])
		}
		form.Set(productviews.CellName(cur.Variants[0].ID, "price.USD"), "30.00")
		res = c.PostForm(productURL+"/variants", form).ExpectStatus(http.StatusConflict)
		if !strings.Contains(string(res.Body), "30.00") {
			t.Fatal("the stale grid lost what was typed")
		}
		if reloadProduct(t, app, tn, pr).Variants[0].Price("USD").Amount != 2100 {
			t.Fatal("a stale grid overwrote a newer save")
		}
	})

	t.Run("a stale set names the current stock and records nothing", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "admin")
		id := pr.Variants[1].ID.String()
		now := stock(id)
		res := c.PostForm(base+"/inventory/"+id+"/adjust", url.Values{"mode": {"set"}, "seen": {itoa64(now + 1)}, "delta": {"42"}, "reason": {"correction"}}).
			ExpectStatus(http.StatusConflict)
		if !strings.Contains(string(res.Body), "changed to "+itoa64(now)) {
			t.Fatalf("the 409 does not name the current stock %d", now)
		}
		if stock(id) != now {
			t.Fatal("a stale set was recorded")
		}
		c.PostForm(base+"/inventory/"+id+"/adjust", url.Values{"mode": {"set"}, "seen": {itoa64(now)}, "delta": {"42"}, "reason": {"correction"}}).
			ExpectStatus(http.StatusSeeOther)
		if stock(id) != 42 {
			t.Fatalf("stock %d after set, want 42", stock(id))
		}
		for _, bad := range []string{"1e3", "abc", "99999999999999999999"} {
			c.PostForm(base+"/inventory/"+id+"/adjust", url.Values{"delta": {bad}, "reason": {"other"}}).ExpectStatus(http.StatusUnprocessableEntity)
		}
		if stock(id) != 42 {
			t.Fatal("bad input changed stock")
		}
	})
}

func reloadProduct(t *testing.T, app *testkit.TestApp, tn *models.Tenant, pr *models.Product) *models.Product {
	t.Helper()
	got, err := app.Store.ProductByID(t.Context(), tn.ID, pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestDashboardStock: the dashboard counts variants low and out of stock, says how many are low,
// lists those out with a link to their ledger, and follows a stock change at once (the change is
// an event, which empties the dashboard's snapshot); a role that may not list the inventory sees
// none of it.
func TestDashboardStock(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	pr := testkit.Product(t, app.Store, tn).Title("en", "Enamel mug").Option("Colour", "White", "Black").Price("USD", 1250).Stock(20).Create()
	dash := "/t/" + tn.Slug
	admin, _ := testkit.ClientAs(t, app, tn, "admin")

	res := admin.Get(dash).ExpectStatus(http.StatusOK)
	if res.Text("count-stock-low") != "0" || res.Text("count-stock-out") != "0" || res.TestID("out-of-stock-none").Length() != 1 {
		t.Fatalf("a fully stocked tenant: low %q, out %q", res.Text("count-stock-low"), res.Text("count-stock-out"))
	}
	white, black := pr.Variants[0], pr.Variants[1]
	admin.PostForm(dash+"/inventory/"+white.ID.String()+"/adjust", url.Values{"delta": {"-17"}, "reason": {"shrinkage"}}).ExpectStatus(http.StatusSeeOther)
	admin.PostForm(dash+"/inventory/"+black.ID.String()+"/adjust", url.Values{"delta": {"-20"}, "reason": {"damaged"}}).ExpectStatus(http.StatusSeeOther)

	res = admin.Get(dash).ExpectStatus(http.StatusOK)
	if res.Text("count-stock-low") != "1" || res.Text("count-stock-out") != "1" {
		t.Fatalf("low %q, out %q; want 1 and 1", res.Text("count-stock-low"), res.Text("count-stock-out"))
	}
	if got := res.Text("attention-stock-low"); got != "1 variant low on stock" {
		t.Fatalf("attention %q", got)
	}
	items := res.TestID("out-of-stock-item")
	if items.Length() != 1 || !strings.Contains(items.Text(), "Enamel mug · Black") {
		t.Fatalf("out of stock: %q", items.Text())
	}
	if href := items.Find("a").AttrOr("href", ""); href != productviews.LedgerURL(tn.Slug, black.ID) {
		t.Fatalf("out-of-stock link %q", href)
	}

	customer, _ := testkit.ClientAs(t, app, tn, "customer")
	res = customer.Get(dash).ExpectStatus(http.StatusOK)
	if res.TestID("out-of-stock").Length() != 0 || res.TestID("count-stock-low").Length() != 0 {
		t.Fatal("a customer, who may not list the inventory, sees the stock parts")
	}
}

// TestTenantCatalogDefaults: the tenant form sets the default and enabled currencies and the
// low-stock threshold, refusing codes that are not ISO 4217 and thresholds that are not whole
// numbers with 422 and the field's message, and records the change as tenant.updated.
func TestTenantCatalogDefaults(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	c := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())

	c.PostForm("/tenants", url.Values{"slug": {"shop"}, "name": {"Shop"}, "default_locale": {"en"},
		"default_currency": {"eur"}, "currencies": {"usd jpy"}, "low_stock_threshold": {"3"}}).ExpectStatus(http.StatusSeeOther)
	tn, err := app.Store.TenantBySlug(t.Context(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if tn.Currency() != "EUR" || strings.Join(tn.EnabledCurrencies(), ",") != "EUR,USD,JPY" || tn.LowStock() != 3 {
		t.Fatalf("created with %s %v %d", tn.Currency(), tn.EnabledCurrencies(), tn.LowStock())
	}
	edit := "/tenants/" + tn.ID.String()
	form := func(cur, curs, low string) url.Values {
		return url.Values{"name": {"Shop"}, "default_locale": {"en"}, "locale": {"en"}, "version": {itoa(tn.Version)},
			"default_currency": {cur}, "currencies": {curs}, "low_stock_threshold": {low}}
	}
	for _, bad := range []struct{ field, cur, curs, low string }{
		{"default_currency", "EURO", "EUR", "3"},
		{"currencies", "EUR", "EUR, XYZ", "3"},
		{"low_stock_threshold", "EUR", "EUR", "-1"},
		{"low_stock_threshold", "EUR", "EUR", "1e3"},
	} {
		res := c.PostForm(edit, form(bad.cur, bad.curs, bad.low)).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Find("#tenant-"+bad.field).AttrOr("aria-invalid", "") != "true" {
			t.Fatalf("%+v: no field error", bad)
		}
	}
	rec := testkit.Events(t, app.Store)
	c.PostForm(edit, form("USD", "USD, GBP", "7")).ExpectStatus(http.StatusSeeOther)
	tn, _ = app.Store.TenantBySlug(t.Context(), "shop")
	if tn.Currency() != "USD" || strings.Join(tn.EnabledCurrencies(), ",") != "USD,GBP" || tn.LowStock() != 7 {
		t.Fatalf("updated to %s %v %d", tn.Currency(), tn.EnabledCurrencies(), tn.LowStock())
	}
	if n := len(rec.Emitted(t, "tenant.updated")); n != 1 {
		t.Fatalf("%d tenant.updated events, want 1", n)
	}
	page := c.Get(edit).ExpectStatus(http.StatusOK)
	if v := page.Find("#tenant-currencies").AttrOr("value", ""); v != "USD, GBP" {
		t.Fatalf("the form shows currencies %q", v)
	}
}

// TestBulkPriceChangeOverHTTP: from the list's selection, the form, a refused rule (422 with the
// field marked), the preview (nothing written), then the change; a customer may not.
func TestBulkPriceChangeOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Currencies("USD", "EUR").Create()
	tee := testkit.Product(t, app.Store, tn).Title("en", "Tee").Option("Size", "S", "M").Price("USD", 2000).Create()
	url0 := "/t/" + tn.Slug + "/products/bulk/price"
	back := "/t/" + tn.Slug + "/products?q=tee"
	form := func(step, mode, value string) url.Values {
		return url.Values{"ids": {tee.ID.String()}, "back": {back}, "step": {step}, "currency": {"USD"}, "mode": {mode}, "value": {value}}
	}
	c, _ := testkit.ClientAs(t, app, tn, "manager")

	if res := c.PostForm(url0, url.Values{"ids": {tee.ID.String()}, "back": {back}}).ExpectStatus(http.StatusOK); res.TestID("bulk-price-form").Length() != 1 {
		t.Fatal("the list's button does not open the form")
	}
	res := c.PostForm(url0, form("preview", models.PricePercent, "12.345")).ExpectStatus(http.StatusUnprocessableEntity)
	if res.Find("#bulk-price-value").AttrOr("aria-invalid", "") != "true" || res.Find("#bulk-price-value").AttrOr("value", "") != "12.345" {
		t.Fatal("a bad percentage is not marked, or what was typed is lost")
	}
	res = c.PostForm(url0, form("preview", models.PricePercent, "-10")).ExpectStatus(http.StatusOK)
	if rows := res.TestID("bulk-price-row"); rows.Length() != 2 || !strings.Contains(rows.Text(), "18.00") {
		t.Fatalf("preview rows %q", rows.Text())
	}
	if reloadProduct(t, app, tn, tee).Variants[0].Price("USD").Amount != 2000 {
		t.Fatal("the preview wrote a price")
	}
	res = c.PostForm(url0, form("apply", models.PricePercent, "-10")).ExpectStatus(http.StatusSeeOther)
	if res.Location() != back {
		t.Fatalf("went to %q, want back to %q", res.Location(), back)
	}
	for _, v := range reloadProduct(t, app, tn, tee).Variants {
		if v.Price("USD").Amount != 1800 {
			t.Fatalf("%s: %d after -10 %%", v.Title(), v.Price("USD").Amount)
		}
	}
	customer, _ := testkit.ClientAs(t, app, tn, "customer")
	customer.PostForm(url0, form("apply", models.PriceSet, "1")).ExpectStatus(http.StatusForbidden)
	if reloadProduct(t, app, tn, tee).Variants[0].Price("USD").Amount != 1800 {
		t.Fatal("a customer changed a price")
	}
}
