package catalogcsv_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// importTenant is a tenant with en (default) and de, selling in USD (default) and EUR.
func importTenant(t *testing.T, store *models.Store) *models.Tenant {
	t.Helper()
	return testkit.Tenant(t, store).Locales("en", "de").Currencies("USD", "EUR").Create()
}

func csvText(t *testing.T, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// importFile imports a file as the job would (batches of two products, to cross batch
// boundaries) and counts what happened; dry runs write nothing.
func importFile(t *testing.T, store *models.Store, tn *models.Tenant, file string, opt models.ImportOptions) (map[string]int, []catalogcsv.RowError) {
	t.Helper()
	counts := map[string]int{}
	var errs []catalogcsv.RowError
	ct := catalogcsv.Tenant{DefaultLocale: tn.DefaultLocale, Locales: tn.Locales, Currencies: tn.EnabledCurrencies()}
	_, err := catalogcsv.Walk(strings.NewReader(file), ct, nil, catalogcsv.Limits{}, 2, func(_ *catalogcsv.Reader, b catalogcsv.Batch) error {
		outs, err := store.ImportProducts(context.Background(), tn, b.Products, opt)
		if err != nil {
			return err
		}
		for _, o := range outs {
			counts[o.Action]++
			errs = append(errs, o.Errors...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return counts, errs
}

// exportFile is the tenant's whole catalog as the export job writes it.
func exportFile(t *testing.T, store *models.Store, tn *models.Tenant) string {
	t.Helper()
	rows := [][]string{catalogcsv.Header(tn.EnabledCurrencies())}
	after := uuid.Nil
	for {
		batch, err := store.ProductsAfter(context.Background(), tn, models.ProductQuery{}, after, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			return csvText(t, rows)
		}
		for _, p := range batch {
			rows = append(rows, catalogcsv.Rows(p, tn.DefaultLocale, tn.EnabledCurrencies())...)
		}
		after = batch[len(batch)-1].ID
	}
}

func exampleFile(t *testing.T, tn *models.Tenant) string {
	rows := append([][]string{catalogcsv.Header(tn.EnabledCurrencies())}, catalogcsv.TemplateRows(tn.DefaultLocale, tn.Locales, tn.EnabledCurrencies())...)
	// A third product whose text looks like a formula and holds a newline and a semicolon.
	third := make([]string, len(rows[0]))
	set := func(col, v string) { third[slices.Index(rows[0], col)] = v }
	set("Handle", "odd-one")
	set("Title", "=SUM(A1); \"quoted\"\nsecond line")
	set("Body (Markdown)", "    indented code\n\nA closing line break\n") // kept as written, spaces and newlines
	set("Status", "archived")
	set("Variant SKU", "ODD-1")
	set("Variant Inventory Qty", "-2")
	set("Variant Inventory Policy", "continue")
	set("Price USD", "1.05")
	return csvText(t, append(rows, third))
}

func TestImportIsIdempotentAndAnExportReimportsAsANoOp(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	tn := importTenant(t, store)
	run := uuid.Must(uuid.NewV7())
	file := exampleFile(t, tn)

	rec := testkit.Events(t, store)
	counts, errs := importFile(t, store, tn, file, models.ImportOptions{JobRunID: &run})
	if len(errs) > 0 || counts[models.ImportCreated] != 3 {
		t.Fatalf("first import: %v, errors %v; want 3 created", counts, errs)
	}
	types := rec.Types(t)
	for _, want := range []string{"product.created", "variant.created", "price.updated", "inventory.updated", "product.published", "product.archived"} {
		if !slices.Contains(types, want) {
			t.Fatalf("events %v lack %s", types, want)
		}
	}
	var ledger []models.LedgerEntry
	if err := store.DB().Where("tenant_id = ?", tn.ID).Find(&ledger).Error; err != nil {
		t.Fatal(err)
	}
	if len(ledger) != 5 { // 10, 11, 12 for the tee, 40 mugs, -2 odd ones
		t.Fatalf("ledger rows %d, want 5", len(ledger))
	}
	for _, e := range ledger {
		if e.Reason != models.ReasonImport || e.JobRunID == nil || *e.JobRunID != run {
			t.Fatalf("ledger row %+v: want reason import and job %s", e, run)
		}
	}
	tee, err := store.ListProducts(ctx, tn, models.ProductQuery{Search: "Classic tee"})
	if err != nil || len(tee.Products) != 1 {
		t.Fatalf("list: %v %+v", err, tee)
	}
	p, err := store.ProductByID(ctx, tn.ID, tee.Products[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// Exactly the file's variants (not the Size × Colour matrix), with their prices and stock.
	if len(p.Variants) != 3 || p.Translation("de") == nil || p.Translation("de").Handle == "" {
		t.Fatalf("tee %+v", p)
	}
	if usd, eur := p.Variants[0].Price("USD"), p.Variants[0].Price("EUR"); usd == nil || usd.Amount != 1990 || eur == nil || eur.Amount != 2190 {
		t.Fatalf("prices %+v %+v, want USD 19.90 and EUR 21.90", usd, eur)
	}

	// The same file again: nothing changes, no event.
	rec = testkit.Events(t, store)
	counts, errs = importFile(t, store, tn, file, models.ImportOptions{})
	if len(errs) > 0 || counts[models.ImportUnchanged] != 3 {
		t.Fatalf("second import: %v, errors %v; want 3 unchanged", counts, errs)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("second import wrote events %v", got)
	}

	// The export re-imported: a no-op too.
	exported := exportFile(t, store, tn)
	counts, errs = importFile(t, store, tn, exported, models.ImportOptions{})
	if len(errs) > 0 || counts[models.ImportUnchanged] != 3 {
		t.Fatalf("export re-imported: %v, errors %v; want 3 unchanged", counts, errs)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("export re-imported wrote events %v", got)
	}

	// And into an empty tenant it makes the same catalog: its export is the same file.
	other := importTenant(t, store)
	if counts, errs := importFile(t, store, other, exported, models.ImportOptions{}); len(errs) > 0 || counts[models.ImportCreated] != 3 {
		t.Fatalf("import into another tenant: %v, errors %v", counts, errs)
	}
	if again := exportFile(t, store, other); again != exported {
		t.Fatalf("round trip differs:\n%s\nwant\n%s", again, exported)
	}
}

func TestImportUpdatesWhatDiffersAndRejectsOnlyBadProducts(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	tn := importTenant(t, store)
	if _, errs := importFile(t, store, tn, exampleFile(t, tn), models.ImportOptions{}); len(errs) > 0 {
		t.Fatal(errs)
	}
	head := catalogcsv.Header(tn.EnabledCurrencies())
	row := func(vals map[string]string) []string {
		r := make([]string, len(head))
		for k, v := range vals {
			r[slices.Index(head, k)] = v
		}
		return r
	}
	file := csvText(t, [][]string{head,
		// The tee: a new price and stock for one variant, a new variant M / Blue.
		row(map[string]string{"Handle": "classic-tee", "Title": "Classic tee", "Option1 Name": "Size", "Option1 Value": "S", "Option2 Name": "Colour", "Option2 Value": "Red",
			"Variant SKU": "TEE-S-RED", "Price USD": "18.00", "Variant Inventory Qty": "99"}),
		row(map[string]string{"Handle": "classic-tee", "Option1 Name": "Size", "Option1 Value": "M", "Option2 Name": "Colour", "Option2 Value": "Blue",
			"Variant SKU": "TEE-M-BLUE", "Price USD": "19.90"}),
		// A new product that takes the mug's SKU: rejected.
		row(map[string]string{"Handle": "thief", "Title": "Thief", "Variant SKU": "mug-1"}),
		// A new product with a bad price: rejected while reading.
		row(map[string]string{"Handle": "bad-price", "Title": "Bad price", "Price USD": "12.345"}),
		// A new product: created.
		row(map[string]string{"Handle": "new-one", "Title": "New one", "Variant SKU": "NEW-1", "Price EUR": "3"}),
	})
	rec := testkit.Events(t, store)
	run := uuid.Must(uuid.NewV7())
	counts, errs := importFile(t, store, tn, file, models.ImportOptions{JobRunID: &run})
	if counts[models.ImportUpdated] != 1 || counts[models.ImportCreated] != 1 || counts[models.ImportRejected] != 2 {
		t.Fatalf("outcomes %v, errors %v", counts, errs)
	}
	var cols []string
	for _, e := range errs {
		cols = append(cols, e.Column)
	}
	if !slices.Contains(cols, "Variant SKU") || !slices.Contains(cols, "Price USD") {
		t.Fatalf("errors %v: want the SKU and the price named", errs)
	}
	if n := len(rec.Emitted(t, "product.created")); n != 1 {
		t.Fatalf("%d products created, want 1 (rejected ones write nothing)", n)
	}
	list, err := store.ListProducts(ctx, tn, models.ProductQuery{Search: "Classic tee"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.ProductByID(ctx, tn.ID, list.Products[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Variants) != 4 {
		t.Fatalf("variants %d, want 4 (M / Blue added)", len(p.Variants))
	}
	for _, v := range p.Variants {
		switch v.SKU {
		case "TEE-S-RED":
			if v.Price("USD").Amount != 1800 || v.InventoryQuantity != 99 || v.Price("EUR") == nil {
				t.Fatalf("TEE-S-RED %+v: want 18.00, 99 in stock, EUR price kept", v)
			}
		case "TEE-M-RED":
			if v.InventoryQuantity != 11 {
				t.Fatalf("TEE-M-RED not in the file changed: %+v", v)
			}
		}
	}
	var e models.LedgerEntry
	if err := store.DB().Where("tenant_id = ? AND quantity_after = 99", tn.ID).Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	if e.Reason != models.ReasonImport || e.JobRunID == nil || *e.JobRunID != run || e.Delta != 89 {
		t.Fatalf("ledger %+v", e)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := importTenant(t, store)
	rec := testkit.Events(t, store)
	counts, errs := importFile(t, store, tn, exampleFile(t, tn), models.ImportOptions{DryRun: true})
	if len(errs) > 0 || counts[models.ImportCreated] != 3 {
		t.Fatalf("dry run: %v %v", counts, errs)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("dry run wrote events %v", got)
	}
	if n, err := store.CountProducts(context.Background(), tn, models.ProductQuery{}); err != nil || n != 0 {
		t.Fatalf("dry run left %d products (%v)", n, err)
	}
}

func TestImportRejectedProductsWriteNoEvents(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := importTenant(t, store)
	rec := testkit.Events(t, store)
	// ghost asks to be active with no price: refused at its last step, after its rows were
	// written in its savepoint. Its events must go with them (on PostgreSQL they wait for the
	// commit in memory).
	file := "Handle,Title,Status,Variant SKU,Price USD\nghost,Ghost,active,G-1,\nreal,Real,draft,R-1,5\n"
	counts, errs := importFile(t, store, tn, file, models.ImportOptions{})
	if counts[models.ImportRejected] != 1 || counts[models.ImportCreated] != 1 || len(errs) != 1 || errs[0].Column != "Status" {
		t.Fatalf("outcomes %v, errors %v", counts, errs)
	}
	if n := len(rec.Emitted(t, "product.created")); n != 1 {
		t.Fatalf("%d product.created, want 1: the rejected product's events were written", n)
	}
	for _, r := range rec.Rows(t) {
		if strings.Contains(r.Payload, "G-1") {
			t.Fatalf("an event of the rejected product: %s %s", r.EventType, r.Payload)
		}
	}
}

func TestImportEmptyCellsKeepWhatIsThere(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := importTenant(t, store)
	full := "Handle,Title,Body (Markdown),Vendor,Type,SEO Title,SEO Description,Variant SKU,Variant Barcode,Price USD,Compare At Price USD\n" +
		"mug,Mug,Enamel **mug**,Acme,Kitchen,Mug SEO,Buy a mug,MUG-1,4006381333931,4.00,5.00\n"
	if _, errs := importFile(t, store, tn, full, models.ImportOptions{}); len(errs) > 0 {
		t.Fatal(errs)
	}
	before := exportFile(t, store, tn)
	rec := testkit.Events(t, store)
	sparse := "Handle,Title,Variant SKU,Price USD\nmug,Mug,MUG-1,4.00\n"
	counts, errs := importFile(t, store, tn, sparse, models.ImportOptions{})
	if len(errs) > 0 || counts[models.ImportUnchanged] != 1 {
		t.Fatalf("sparse file: %v %v, want unchanged", counts, errs)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("sparse file wrote %v", got)
	}
	if after := exportFile(t, store, tn); after != before {
		t.Fatalf("the sparse file changed the catalog:\n%s\nwas\n%s", after, before)
	}
	// A new price below the kept compare-at is refused, not written with it.
	counts, errs = importFile(t, store, tn, "Handle,Title,Variant SKU,Price USD\nmug,Mug,MUG-1,6.00\n", models.ImportOptions{})
	if counts[models.ImportRejected] != 1 || len(errs) != 1 || errs[0].Column != "Compare At Price USD" {
		t.Fatalf("price above the kept compare-at: %v %v", counts, errs)
	}
}

func TestImportHandlesDifferingInCaseAreOneProduct(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := importTenant(t, store)
	file := "Handle,Title,Variant SKU,Price USD\nDup,First,A-1,1.00\nb,B,B-1,1\nc,C,C-1,1\ndup,Second,D-1,2.00\n"
	dry, _ := importFile(t, store, tn, file, models.ImportOptions{DryRun: true})
	counts, errs := importFile(t, store, tn, file, models.ImportOptions{})
	if fmt.Sprint(dry) != fmt.Sprint(counts) || counts[models.ImportCreated] != 3 || counts[models.ImportRejected] != 1 {
		t.Fatalf("check %v, import %v (%v): want the same, the second “dup” rejected", dry, counts, errs)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "together") {
		t.Fatalf("errors %v", errs)
	}
}

func TestImportKeepsAnEditorsBodyAsWritten(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := importTenant(t, store)
	// A body saved in the editor, with an indented code block and a closing line break.
	body := "    go test ./...\n\nThen read the output.\n"
	if _, err := store.CreateProduct(context.Background(), tn, models.ProductInput{
		Translations: []models.ProductTranslationInput{{Locale: "en", Title: "Kit", Description: body}}}); err != nil {
		t.Fatal(err)
	}
	rec := testkit.Events(t, store)
	counts, errs := importFile(t, store, tn, exportFile(t, store, tn), models.ImportOptions{})
	if len(errs) > 0 || counts[models.ImportUnchanged] != 1 {
		t.Fatalf("the export re-imported: %v %v, want unchanged", counts, errs)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("the export re-imported wrote %v", got)
	}
}
