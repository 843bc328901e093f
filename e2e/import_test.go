package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// importWait bounds each wait of the import flow for the job (its batches, and the jobs page's
// poll every two seconds).
const importWait = 30 * time.Second

// importFile is a generated catalog CSV: its bytes, and the line of each product the test looks
// at (line 1 is the header).
type importFile struct {
	data     []byte
	products int            // products in the file
	variants int            // variant rows
	lines    map[string]int // handle → its first line
	dupLine  int            // the row whose SKU an earlier product has
	dupFirst int            // that earlier row
}

// Handles of the three bad products.
const (
	badPrice  = "item-041" // Price USD 12.345
	badStatus = "item-126" // Status bogus
	badSKU    = "item-215" // two variants; the second's SKU is item-007's
)

// newImportFile writes 250 products for a tenant selling in USD and EUR: every fifth with a
// Size option (S, M), the rest single variants; three are bad (see badPrice …). A column headed
// "Weight", which the format does not know, sits between Type and Status.
func newImportFile(t *testing.T) importFile {
	t.Helper()
	header := catalogcsv.Header([]string{"USD", "EUR"})
	weightAt := slices.Index(header, "Status")
	header = slices.Insert(header, weightAt, "Weight")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	f := importFile{lines: map[string]int{}}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	line := 1
	for i := 1; i <= 250; i++ {
		handle := fmt.Sprintf("item-%03d", i)
		sizes := []string{""}
		if i%5 == 0 {
			sizes = []string{"S", "M"}
		}
		f.products++
		for k, size := range sizes {
			line++
			f.variants++
			row := make([]string, len(header))
			set := func(c, v string) { row[col[c]] = v }
			if k == 0 {
				f.lines[handle] = line
			}
			set("Handle", handle)
			set("Title", fmt.Sprintf("Item %03d", i))
			set("Body (Markdown)", "A **sturdy** thing, number "+fmt.Sprint(i)+".")
			set("Vendor", "Acme Tools")
			set("Type", "Hardware")
			set("Weight", "0.4 kg")
			set("Status", "active")
			sku := fmt.Sprintf("SKU-%03d", i)
			if size != "" {
				set("Option1 Name", "Size")
				set("Option1 Value", size)
				sku += "-" + size
			}
			set("Variant SKU", sku)
			set("Variant Inventory Qty", "12")
			set("Variant Inventory Policy", "deny")
			set("Price USD", "19.90")
			set("Price EUR", "18.50")
			switch {
			case handle == badPrice:
				set("Price USD", "12.345")
			case handle == badStatus:
				set("Status", "bogus")
			case handle == badSKU && size == "M":
				set("Variant SKU", "SKU-007")
				f.dupLine = line
			case handle == "item-007":
				f.dupFirst = line
			}
			_ = w.Write(row)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	f.data = buf.Bytes()
	return f
}

// batchGate holds an import job after a batch until the test lets it go on, so the jobs page is
// seen with the job part-way.
type batchGate struct {
	at      int64
	reached chan struct{} // closed when the job has committed the batch that ends at at
	release chan struct{}
	once    sync.Once
}

func newBatchGate(at int64) *batchGate {
	return &batchGate{at: at, reached: make(chan struct{}), release: make(chan struct{})}
}

func (g *batchGate) after(_ uuid.UUID, done int64) error {
	if done != g.at {
		return nil
	}
	close(g.reached)
	select {
	case <-g.release:
	case <-time.After(2 * time.Minute): // never hold a runner past the test
	}
	return nil
}

func (g *batchGate) open() { g.once.Do(func() { close(g.release) }) }

// withImportGate gives the app a job runner like testkit's (polling every 20 ms) that calls the
// gate after each import batch. The policy engine is read from app once NewApp has built it.
func withImportGate(store *models.Store, gate *batchGate, app **testkit.TestApp) testkit.Option {
	return func(t testing.TB, d *handlers.Deps) {
		allowed := func(ctx context.Context, user, tenant uuid.UUID, resource, action string) (bool, error) {
			return jobs.AllowedBy((*app).Deps.Authz)(ctx, user, tenant, resource, action)
		}
		r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, Allowed: allowed,
			Logger: slog.New(slog.DiscardHandler), AfterBatch: gate.after})
		if err != nil {
			t.Fatalf("jobs runner: %v", err)
		}
		d.Jobs = r
	}
}

// TestImportFlow is a merchant importing a spreadsheet of 250 products in the browser: the check
// refuses a column it does not know and offers the mapping; with that column not read, the
// check counts 247 to create and 3 to fix and lists their rows; the import runs as a job whose
// bar the jobs page moves by polling, to 100 % and a result naming the counts; the failed-rows
// file downloaded from the job holds the three products' rows with the reasons. The pages pass
// axe at both widths and themes; SCREENSHOTS=1 writes import-mapping-* and import-progress-*.
func TestImportFlow(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	gate := newBatchGate(jobs.ImportBatch) // the first batch: 100 of 250 products, 40 %
	var app *testkit.TestApp
	app = testkit.NewApp(t, testkit.WithStore(store), withImportGate(store, gate, &app))
	tn := testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Locales("en").Currencies("USD", "EUR").Create()
	admin := testkit.User(t, app.Store).Name("Ada Admin").WithRole(tn, "admin").Create()
	app.StartJobs(t)
	t.Cleanup(gate.open) // runs before the runner stops (cleanups run last first)
	baseURL := app.Serve(t)
	base := "/t/" + tn.Slug
	shots := os.Getenv("SCREENSHOTS") != ""
	widths := []struct {
		name          string
		width, height int64
	}{{"390", 390, 844}, {"1440", 1440, 900}}

	file := newImportFile(t)
	csvPath := filepath.Join(t.TempDir(), "products.csv")
	if err := os.WriteFile(csvPath, file.data, 0o644); err != nil {
		t.Fatal(err)
	}

	ctx := newBrowserFor(t, 3*time.Minute)
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1440, 900))
	signIn(t, ctx, baseURL, admin.Email, admin.Password)
	run(t, ctx, "wait for the dashboard", chromedp.WaitVisible(tenantName))

	// 1. The upload: the unknown "Weight" column is refused, with the mapping offered.
	run(t, ctx, "upload the file on the import page",
		chromedp.Navigate(baseURL+base+"/products/import"),
		chromedp.WaitVisible(chromedp.ID("import-file")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csvPath}),
		chromedp.Click(chromedp.CSS(`[data-testid="import-check"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-result"]`)),
	)
	if got := text(t, ctx, `[data-testid="import-error"]`); !strings.Contains(got, "Unknown columns: “Weight”") {
		t.Fatalf("the check of a file with a Weight column says %q, want it to name the unknown column", got)
	}
	if n := get(t, ctx, "look for figures", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="check-create"]').length`)); n != 0 {
		t.Fatalf("a refused header shows %d sets of figures", n)
	}
	// Each column has its select, the known ones read as themselves and Weight as "Not read".
	mapped := get(t, ctx, "read the mapping", chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('[data-testid="map-select"]'),
		s => [document.querySelector('label[for="' + s.id + '"]').textContent.trim(), s.value])`))
	header := strings.Split(strings.SplitN(string(file.data), "\n", 2)[0], ",")
	if len(mapped) != len(header) {
		t.Fatalf("the mapping has %d selects for the file's %d columns: %q", len(mapped), len(header), mapped)
	}
	weight := -1
	for i, m := range mapped {
		want := m[0]
		if m[0] == "Weight" {
			want, weight = catalogcsv.Ignore, i
		}
		if m[1] != want {
			t.Errorf("column %d (%q) is read as %q, want %q", i, m[0], m[1], want)
		}
	}
	if weight < 0 {
		t.Fatalf("no select for the Weight column: %q", mapped)
	}
	for _, w := range widths {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		for _, dark := range []bool{true, false} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "import mapping "+w.name+theme(dark), w.width < 500)
			if shots {
				writeDocScreenshot(t, "import-mapping-"+w.name+theme(dark)+".png", get(t, ctx, "screenshot the mapping", chromedp.FullScreenshot(100)))
			}
		}
	}

	// 2. Weight not read, check again: the figures and the rows to fix.
	run(t, ctx, "set Weight to Not read and check again",
		chromedp.EmulateViewport(1440, 900),
		chromedp.SetValue(chromedp.ID(fmt.Sprintf("map-%d", weight)), catalogcsv.Ignore),
		chromedp.Click(chromedp.CSS(`[data-testid="import-recheck"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="check-create"]`)),
	)
	if n := get(t, ctx, "look for the error", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="import-error"]').length`)); n != 0 {
		t.Errorf("the check with Weight not read still shows an error: %q", text(t, ctx, `[data-testid="import-error"]`))
	}
	for id, want := range map[string]string{
		"check-products": "250", "check-variants": fmt.Sprint(file.variants), "check-create": "247",
		"check-update": "0", "check-unchanged": "0", "check-rejected": "3",
	} {
		if got := text(t, ctx, chromedp.CSS(`[data-testid="`+id+`"]`)); got != want {
			t.Errorf("%s is %q, want %s", id, got, want)
		}
	}
	errs := get(t, ctx, "read the rows to fix", chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('[data-testid="check-error"]'),
		r => Array.from(r.cells, c => c.textContent.trim()))`))
	wantErrs := [][]string{
		{fmt.Sprint(file.lines[badPrice]), badPrice, "Price USD", "USD has 2 decimal places; 12.345 has 3."},
		{fmt.Sprint(file.lines[badStatus]), badStatus, "Status", "“bogus” is not a status: write draft, active or archived."},
		{fmt.Sprint(file.dupLine), badSKU, "Variant SKU", fmt.Sprintf("“SKU-007” is the SKU of line %d too: each variant needs its own.", file.dupFirst)},
	}
	if fmt.Sprint(errs) != fmt.Sprint(wantErrs) {
		t.Errorf("the rows to fix are\n%q\nwant\n%q", errs, wantErrs)
	}
	if got := text(t, ctx, `[data-testid="import-start"]`); got != "Import 247 products" {
		t.Errorf("the start button says %q, want Import 247 products", got)
	}
	for _, w := range widths {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		for _, dark := range []bool{true, false} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "import check "+w.name+theme(dark), w.width < 500)
		}
	}
	saveScreenshot(t, "import-checked.png", get(t, ctx, "screenshot the check", chromedp.FullScreenshot(100)))

	// 3. Start: the jobs page, its bar moved by polling while the job is held after 100 products.
	run(t, ctx, "start the import",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Click(chromedp.CSS(`[data-testid="import-start"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-row"]`)),
	)
	if p := currentPath(t, ctx); p != base+"/jobs" {
		t.Fatalf("starting the import went to %s, want %s/jobs", p, base)
	}
	if got := get(t, ctx, "read the flash", chromedp.Evaluate[string](`(document.querySelector('[data-testid="flash"]') || {textContent: ""}).textContent.trim()`)); !strings.Contains(got, "Importing products.csv") {
		t.Errorf("the jobs page's flash says %q, want Importing products.csv", got)
	}
	jobID := get(t, ctx, "read the job's id", chromedp.Evaluate[string](`document.querySelector('[data-testid="job-row"]').dataset.jobId`))
	row := `[data-testid="job-row"][data-job-id="` + jobID + `"]`
	select {
	case <-gate.reached:
	case <-time.After(importWait):
		t.Fatalf("the import job did not commit its first batch within %v", importWait)
	}
	waitImport(t, ctx, "the bar at 40 % (polled while the job runs)",
		`document.querySelector('`+row+`[data-state="running"] [data-testid="job-progress"]')?.textContent.trim() === "40 %" &&
		 document.querySelector('`+row+` progress.job-progress')?.value === 40 &&
		 document.querySelector('#jobs-table[data-polling]') !== null`,
		`document.querySelector('`+row+`')?.outerHTML`)
	if got := text(t, ctx, chromedp.CSS(row+` [data-testid="job-state"]`)); got != "running" {
		t.Errorf("the held job's state reads %q, want running", got)
	}
	// Hold the page's polling while axe and the screenshots look at it (a swap mid-run would
	// change the nodes under axe's feet), then let it and the job go on.
	run(t, ctx, "pause the polling",
		chromedp.Evaluate[chromedp.Void](`window.__holdPoll = true;
			document.body.addEventListener("htmx:beforeRequest", e => { if (window.__holdPoll) e.preventDefault(); });
			document.querySelectorAll('[data-testid="flash"]').forEach(e => e.remove());`),
		chromedp.Poll[chromedp.Void](`document.querySelector(".htmx-request") === null`, chromedp.WithPollingTimeout(contentWait)),
	)
	for _, w := range widths {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		for _, dark := range []bool{true, false} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "jobs page, import running "+w.name+theme(dark), w.width < 500)
			if shots {
				writeDocScreenshot(t, "import-progress-"+w.name+theme(dark)+".png", get(t, ctx, "screenshot the jobs page", chromedp.FullScreenshot(100)))
			}
		}
	}
	run(t, ctx, "let the polling go on", chromedp.EmulateViewport(1440, 900), chromedp.Evaluate[chromedp.Void](`window.__holdPoll = false`))
	gate.open()
	waitImport(t, ctx, "the job done at 100 % (polled)",
		`document.querySelector('`+row+`[data-state="completed"] [data-testid="job-progress"]')?.textContent.trim() === "100 %" &&
		 document.querySelector('`+row+` progress.job-progress')?.value === 100 &&
		 document.querySelector('#jobs-table[data-polling]') === null`,
		`document.querySelector('`+row+`')?.outerHTML`)
	if got := text(t, ctx, chromedp.CSS(row+` [data-testid="job-state"]`)); got != "done" {
		t.Errorf("the finished job's state reads %q, want done", got)
	}
	wantResult := "Imported products.csv: 247 created, 0 updated, 0 unchanged, 3 rejected. Download the failed rows, fix them and import that file."
	if got := text(t, ctx, chromedp.CSS(row+` [data-testid="job-result"]`)); got != wantResult {
		t.Errorf("the job's result says %q, want %q", got, wantResult)
	}
	pg, err := app.Store.ListProducts(t.Context(), tn, models.ProductQuery{PerPage: 10, CountUpTo: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Total != 247 {
		t.Errorf("the tenant has %d products after the import, want 247", pg.Total)
	}
	for _, w := range widths {
		run(t, ctx, "set the viewport to "+w.name, chromedp.EmulateViewport(w.width, w.height))
		if w.width < 500 {
			if got := text(t, ctx, chromedp.CSS(row+` [data-testid="job-result-compact"]`)); got != wantResult {
				t.Errorf("at 390 the job's result says %q", got)
			}
		}
		for _, dark := range []bool{true, false} {
			setTheme(t, ctx, dark)
			checkPage(t, ctx, "jobs page, import done "+w.name+theme(dark), w.width < 500)
		}
	}
	saveScreenshot(t, "import-done.png", get(t, ctx, "screenshot the jobs page", chromedp.FullScreenshot(100)))

	// 4. The failed rows, downloaded from the job's row with the session's cookie.
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1440, 900))
	dl := get(t, ctx, "download the failed rows", chromedp.Evaluate[map[string]any](`(async () => {
		const a = document.querySelector('`+row+` [data-testid="job-download"]');
		const r = await fetch(a.href);
		return {status: r.status, type: r.headers.get("Content-Type"), disposition: r.headers.get("Content-Disposition"), body: await r.text()};
	})()`, chromedp.EvalAwaitPromise))
	if dl["status"] != float64(200) || !strings.HasPrefix(fmt.Sprint(dl["type"]), "text/csv") ||
		!strings.Contains(fmt.Sprint(dl["disposition"]), `filename="failed-rows-products.csv"`) {
		t.Fatalf("the failed-rows download: status %v, type %v, disposition %v", dl["status"], dl["type"], dl["disposition"])
	}
	recs, err := csv.NewReader(strings.NewReader(fmt.Sprint(dl["body"]))).ReadAll()
	if err != nil {
		t.Fatalf("read the failed rows: %v\n%s", err, dl["body"])
	}
	wantHeader := append(catalogcsv.Header([]string{"USD", "EUR"}), catalogcsv.ErrorColumn)
	if len(recs) == 0 || !slices.Equal(recs[0], wantHeader) {
		t.Fatalf("the failed rows' header is %q, want %q (Weight not read, Error last)", recs[0], wantHeader)
	}
	at := func(rec []string, c string) string { return rec[slices.Index(wantHeader, c)] }
	var got [][]string
	for _, rec := range recs[1:] {
		got = append(got, []string{at(rec, "Handle"), at(rec, "Variant SKU"), at(rec, catalogcsv.ErrorColumn)})
	}
	want := [][]string{
		{badPrice, "SKU-041", "Price USD: USD has 2 decimal places; 12.345 has 3."},
		{badStatus, "SKU-126", "Status: “bogus” is not a status: write draft, active or archived."},
		{badSKU, "SKU-215-S", fmt.Sprintf("Not imported with the rest of %s: see line %d.", badSKU, file.dupLine)},
		{badSKU, "SKU-007", fmt.Sprintf("Variant SKU: “SKU-007” is the SKU of line %d too: each variant needs its own.", file.dupFirst)},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the failed rows (handle, SKU, error) are\n%q\nwant\n%q", got, want)
	}
	if p := at(recs[1], "Price USD"); p != "12.345" {
		t.Errorf("the failed row of %s has Price USD %q, want the file's 12.345 to fix", badPrice, p)
	}
}

// waitImport polls the JavaScript condition for up to importWait and, on failure, reports the
// value of the JavaScript expression show.
func waitImport(t *testing.T, ctx context.Context, what, condition, show string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](condition, chromedp.WithPollingTimeout(importWait)))
	if err != nil {
		seen, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`String(`+show+`)`))
		t.Fatalf("wait for %s: %v%s; the page shows %q", what, err, deadlineHint(ctx), seen)
	}
}
