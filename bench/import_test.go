package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// BenchmarkImport measures the catalog CSV import and export of issue 14 through the real path:
// the file stored with models.Store.SaveUpload (256 KB chunks), the products.import job started
// with jobs.Runner.StartImport and worked by a started runner (River, batches of 100 products,
// each a transaction with its events and progress), awaited by polling the job run; then the
// products.export job. Run with TEST_DB=postgres -benchtime 1x; a larger N repeats each part on
// a fresh tenant of the same database and reports the mean (peaks: the largest).
//
//   - catalog_10k: 10,000 products × 3 variants (Size S/M/L; 30,000 rows) for a tenant with
//     locale en and currencies USD and EUR, a body of a few hundred bytes of Markdown per
//     product. Reports the file's size, the upload's seconds, the import's seconds, products/s
//     and rows/s (goal < 60 s), the events the import wrote; the re-import of the same upload
//     (its seconds, its ratio to the first, goal < 1/3, and the events it wrote, goal 0); the
//     export of the catalog (variant rows/s); and the Go heap and RSS peaks during the import.
//   - memory_50MB: the same catalog with bodies padded to make the file ≈ 50 MB, imported while a
//     goroutine samples runtime.ReadMemStats (HeapInuse, Sys) and /proc/self/status (VmRSS)
//     every 50 ms; VmHWM (peak RSS, reset first through /proc/self/clear_refs) is read at the
//     end. Goal: peak RSS < 150 MB. RSS is the benchmark process's: the importing code (the same
//     the server runs) plus the test binary, not PostgreSQL.
//
// Each import must end "10000 created … 0 rejected" (the re-import: 10000 unchanged), else the
// benchmark fails. BENCH_IMPORT_SQL=1 also prints, after each import of catalog_10k, the time
// spent in each statement shape (see sqlTimer).
func BenchmarkImport(b *testing.B) {
	// The store logs every statement over 200 ms (the SKU lookups of a large import are, see
	// docs/BENCHMARKS.md), each with up to 1 KB of SQL: hundreds of lines. BENCH_IMPORT_SQL=1
	// gives the breakdown instead.
	prev := slog.Default()
	slog.SetDefault(quiet)
	b.Cleanup(func() { slog.SetDefault(prev) })
	b.Run("catalog_10k", func(b *testing.B) { benchImportCatalog(b) })
	b.Run("memory_50MB", func(b *testing.B) { benchImportMemory(b) })
}

const (
	importProducts = 10000
	importSizes    = 3 // variants per product: S, M, L
)

func benchImportCatalog(b *testing.B) {
	ctx := context.Background()
	store := testkit.NewDB(b)
	runner := startImportRunner(b, store)
	sqlTimes := timeStatements(b, store)
	path := filepath.Join(b.TempDir(), "catalog-10k.csv")
	size := writeCatalogCSV(b, path, importProducts, 400)
	rows := float64(importProducts * importSizes)
	var m struct {
		upload, first, second, export, events, reEvents, heap, rss, exportBytes float64
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tn, actor := importTenant(b, store)
		b.StartTimer()

		t0 := time.Now()
		upload := saveUploadFile(b, store, tn, actor, path)
		m.upload += time.Since(t0).Seconds()

		before := tenantEvents(b, store, tn.ID)
		mem := sampleMemory()
		sqlTimes.start()
		st, d := runImport(b, store, runner, tn, actor, upload)
		sqlTimes.report(b, "import", d)
		peak := mem.stop()
		m.first += d.Seconds()
		m.heap, m.rss = max(m.heap, peak.heapInuse), max(m.rss, peak.rss)
		checkStats(b, "import", st, jobs.ImportStats{Products: importProducts, Created: importProducts})
		mid := tenantEvents(b, store, tn.ID)
		m.events += float64(mid - before)

		rec := testkit.Events(b, store)
		sqlTimes.start()
		st, d = runImport(b, store, runner, tn, actor, upload)
		sqlTimes.report(b, "re-import", d)
		m.second += d.Seconds()
		checkStats(b, "re-import", st, jobs.ImportStats{Products: importProducts, Unchanged: importProducts})
		after := tenantEvents(b, store, tn.ID)
		m.reEvents += float64(after - mid)
		if types := rec.Types(b); len(types) != int(after-mid) {
			b.Fatalf("re-import: %d events in the outbox after it, %d of the tenant's", len(types), after-mid)
		}

		t0 = time.Now()
		run, err := runner.StartExport(ctx, tn, &actor, jobs.ExportFilter{}, "All products")
		if err != nil {
			b.Fatal(err)
		}
		v := awaitJob(b, store, tn.ID, run.ID)
		m.export += time.Since(t0).Seconds()
		want := fmt.Sprintf("Exported %d products with %d variants", importProducts, importProducts*importSizes)
		if !strings.HasPrefix(v.Result, want) || v.File == nil || !v.File.Complete {
			b.Fatalf("export: %q, file %+v; want %q…", v.Result, v.File, want)
		}
		m.exportBytes += float64(v.File.Size)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(size)/1e6, "file_MB")
	b.ReportMetric(m.upload/n, "upload_s")
	b.ReportMetric(m.first/n, "import_s")
	b.ReportMetric(importProducts/(m.first/n), "products/s")
	b.ReportMetric(rows/(m.first/n), "rows/s")
	b.ReportMetric(m.events/n, "import_events")
	b.ReportMetric(m.second/n, "reimport_s")
	b.ReportMetric(m.second/m.first, "reimport_ratio")
	b.ReportMetric(m.reEvents/n, "reimport_events")
	b.ReportMetric(m.export/n, "export_s")
	b.ReportMetric(rows/(m.export/n), "export_rows/s")
	b.ReportMetric(m.exportBytes/n/1e6, "export_MB")
	b.ReportMetric(m.heap, "import_peak_heap_MiB")
	b.ReportMetric(m.rss, "import_peak_rss_MiB")
	b.ReportMetric(0, "ns/op") // the figures above say it; ns/op would add the three jobs and the upload
}

func benchImportMemory(b *testing.B) {
	store := testkit.NewDB(b)
	runner := startImportRunner(b, store)
	path := filepath.Join(b.TempDir(), "catalog-50mb.csv")
	// 50 MB over 30,000 rows is ≈ 1,670 bytes a row, ≈ 1,500 of them the body.
	size := writeCatalogCSV(b, path, importProducts, 1520)
	var secs float64
	var peak memPeak
	var hwm float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tn, actor := importTenant(b, store)
		upload := saveUploadFile(b, store, tn, actor, path)
		// Start from a collected heap, memory returned to the OS, and the peak RSS reset to now.
		runtime.GC()
		debug.FreeOSMemory()
		resetHWM(b)
		b.StartTimer()
		mem := sampleMemory()
		st, d := runImport(b, store, runner, tn, actor, upload)
		p := mem.stop()
		b.StopTimer()
		checkStats(b, "import", st, jobs.ImportStats{Products: importProducts, Created: importProducts})
		secs += d.Seconds()
		peak.heapInuse, peak.heapSys, peak.sys, peak.rss = max(peak.heapInuse, p.heapInuse), max(peak.heapSys, p.heapSys),
			max(peak.sys, p.sys), max(peak.rss, p.rss)
		hwm = max(hwm, procStatusMB("VmHWM"))
	}
	b.ReportMetric(float64(size)/1e6, "file_MB")
	b.ReportMetric(secs/float64(b.N), "import_s")
	b.ReportMetric(importProducts/(secs/float64(b.N)), "products/s")
	b.ReportMetric(peak.heapInuse, "peak_heap_inuse_MiB")
	b.ReportMetric(peak.heapSys, "peak_heap_sys_MiB")
	b.ReportMetric(peak.sys, "peak_go_sys_MiB")
	b.ReportMetric(peak.rss, "peak_rss_sampled_MiB")
	b.ReportMetric(hwm, "vmhwm_MiB")
	b.ReportMetric(0, "ns/op")
}

// startImportRunner starts a job runner over the store (2 workers, as the server's default),
// stopped when the benchmark ends.
func startImportRunner(b *testing.B, store *models.Store) *jobs.Runner {
	r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}

// importTenant is a tenant in en selling in USD and EUR, and an admin of it.
func importTenant(b *testing.B, store *models.Store) (*models.Tenant, uuid.UUID) {
	tn := testkit.Tenant(b, store).Locales("en").Currencies("USD", "EUR").Create()
	return tn, testkit.User(b, store).WithRole(tn, "admin").Create().ID
}

func saveUploadFile(b *testing.B, store *models.Store, tn *models.Tenant, actor uuid.UUID, path string) *models.Upload {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	u, err := store.SaveUpload(context.Background(), tn.ID, &actor, filepath.Base(path), f)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// runImport starts the import of the upload as the import page does (its default column
// mapping, not all or nothing, no row limit) and waits for it; it returns the run's counts and
// the time from the start until the run was seen completed (polled every 50 ms).
func runImport(b *testing.B, store *models.Store, r *jobs.Runner, tn *models.Tenant, actor uuid.UUID, u *models.Upload) (jobs.ImportStats, time.Duration) {
	t0 := time.Now()
	run, err := r.StartImport(context.Background(), jobs.ImportRequest{Tenant: tn, Actor: &actor, Upload: u, Products: importProducts})
	if err != nil {
		b.Fatal(err)
	}
	v := awaitJob(b, store, tn.ID, run.ID)
	d := time.Since(t0)
	var st jobs.ImportStats
	if err := json.Unmarshal([]byte(v.Stats), &st); err != nil {
		b.Fatalf("import stats %q: %v", v.Stats, err)
	}
	b.Logf("%s in %.2f s: %s", v.Summary, d.Seconds(), v.Result)
	if st.Rejected > 0 && v.File != nil {
		var head bytes.Buffer
		_ = store.JobFileChunks(context.Background(), v.File, func(p []byte) error {
			if head.Len() < 4000 {
				head.Write(p)
			}
			return nil
		})
		b.Logf("failed rows (start):\n%.4000s", head.String())
	}
	return st, d
}

// awaitJob polls the run until River completes it, failing on any other final state or after 20
// minutes.
func awaitJob(b *testing.B, store *models.Store, tenantID, runID uuid.UUID) *models.JobView {
	deadline := time.Now().Add(20 * time.Minute)
	ctx := context.WithValue(context.Background(), pollKey{}, true) // not the job's statements
	for {
		v, err := store.JobRunByID(ctx, tenantID, runID)
		if err != nil {
			b.Fatal(err)
		}
		switch v.State {
		case models.JobCompleted:
			return v
		case models.JobCancelled, models.JobDiscarded, models.JobRetryable:
			b.Fatalf("job %s %s: %s (attempt %d)", v.Kind, v.State, v.Result, v.Attempt)
		}
		if time.Now().After(deadline) {
			b.Fatalf("job %s still %s after 20 minutes (%d of %d)", v.Kind, v.State, v.Done, v.Total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func checkStats(b *testing.B, what string, got, want jobs.ImportStats) {
	if got != want {
		b.Fatalf("%s: counts %+v, want %+v", what, got, want)
	}
}

// tenantEvents counts the tenant's rows in the outbox.
func tenantEvents(b *testing.B, store *models.Store, tenantID uuid.UUID) int64 {
	var n int64
	if err := store.DB().Table("sys_events").Where("tenant_id = ?", tenantID).Count(&n).Error; err != nil {
		b.Fatal(err)
	}
	return n
}

var (
	importVendors = []string{"Acme Apparel", "Northwind", "Globex", "Initech", "Umbrella Goods", "Stark Textiles",
		"Wayne Outfitters", "Hooli Wear", "Soylent", "Tyrell", "Cyberdyne", "Wonka"}
	importTypes = []string{"Shirt", "Hoodie", "Cap", "Socks", "Jacket", "Trousers", "Scarf", "Bag"}
	importWords = strings.Fields(`soft organic cotton fabric knit woven stitched seam collar sleeve hem
		pocket durable breathable light heavy warm cool classic modern relaxed slim fit wash cold dry
		low iron recycled dyed natural blend jersey fleece twill canvas brushed garment made fair`)
)

// writeCatalogCSV writes products × Size S/M/L in the import's format for a tenant in en
// selling in USD and EUR (the export's column order), with a Markdown body of about bodyBytes
// per product repeated on each of its rows as an export writes it, and returns the file's size.
// Statuses are 70% active, 20% draft, 10% archived; stock 0–39 per variant; every SKU unique.
func writeCatalogCSV(b *testing.B, path string, products, bodyBytes int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	currencies := []string{"USD", "EUR"}
	header := catalogcsv.Header(currencies)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	if err := w.Write(header); err != nil {
		b.Fatal(err)
	}
	row := make([]string, len(header))
	for p := 0; p < products; p++ {
		status := "active"
		switch p % 10 {
		case 7, 8:
			status = "draft"
		case 9:
			status = "archived"
		}
		handle := fmt.Sprintf("bench-product-%05d", p)
		body := importBody(p, bodyBytes)
		for s, sizeName := range []string{"S", "M", "L"} {
			clear(row)
			set := func(c, v string) { row[col[c]] = v }
			set("Handle", handle)
			set("Locale", "en")
			set("Title", fmt.Sprintf("Bench product %d", p))
			set("Body (Markdown)", body)
			set("Vendor", importVendors[p%len(importVendors)])
			set("Type", importTypes[p%len(importTypes)])
			set("Status", status)
			set("Option1 Name", "Size")
			set("Option1 Value", sizeName)
			set("Variant SKU", fmt.Sprintf("BP-%05d-%s", p, sizeName))
			set("Variant Barcode", fmt.Sprintf("40%09d%d", p, s))
			set("Variant Inventory Qty", strconv.Itoa((p*7+s*13)%40))
			set("Variant Inventory Policy", "deny")
			set("Variant Low Stock Threshold", "5")
			usd := int64(990 + (p%50)*100 + s*200)
			set(catalogcsv.PriceColumn("USD"), money.Format("USD", usd))
			set(catalogcsv.PriceColumn("EUR"), money.Format("EUR", usd*92/100))
			if p%4 == 0 {
				set(catalogcsv.CompareAtColumn("USD"), money.Format("USD", usd+500))
			}
			if err := w.Write(row); err != nil {
				b.Fatal(err)
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// importBody is product p's Markdown body, about n bytes: a heading line, paragraphs with bold
// and italic words, a list, and the product number so every body differs. It has no leading or
// trailing white space (the reader trims a cell).
func importBody(p, n int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "**Bench product %d**, made for the import benchmark.\n\n", p)
	k := p
	word := func() string { k = (k*1103515245 + 12345) & 0x7fffffff; return importWords[k%len(importWords)] }
	for sb.Len() < n-60 {
		switch k % 5 {
		case 0:
			fmt.Fprintf(&sb, "- %s %s %s\n", word(), word(), word())
		case 1:
			fmt.Fprintf(&sb, "*%s* %s ", word(), word())
		default:
			fmt.Fprintf(&sb, "%s %s %s. ", word(), word(), word())
		}
		if k%11 == 0 {
			sb.WriteString("\n\n")
		}
	}
	fmt.Fprintf(&sb, "\n\nCare: wash at 30 °C. Item %d.", p)
	return sb.String()
}

// memPeak is the largest of each figure seen, in MiB.
type memPeak struct{ heapInuse, heapSys, sys, rss float64 }

type memSampler struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	peak  memPeak
}

// sampleMemory samples the Go heap (runtime.ReadMemStats) and the process's VmRSS every 50 ms
// until stop.
func sampleMemory() *memSampler {
	s := &memSampler{stopc: make(chan struct{})}
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.peak.heapInuse = max(s.peak.heapInuse, float64(ms.HeapInuse)/(1<<20))
		s.peak.heapSys = max(s.peak.heapSys, float64(ms.HeapSys)/(1<<20))
		s.peak.sys = max(s.peak.sys, float64(ms.Sys)/(1<<20))
		s.peak.rss = max(s.peak.rss, procStatusMB("VmRSS"))
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memSampler) stop() memPeak {
	close(s.stopc)
	s.wg.Wait()
	return s.peak
}

// procStatusMB is a kB line of /proc/self/status (VmRSS, VmHWM) in MiB, 0 when there is none.
func procStatusMB(key string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// resetHWM sets the process's VmHWM to its current RSS (Linux ≥ 4.0), so the peak read later is
// the import's, not the set-up's.
func resetHWM(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("VmHWM not reset (%v): it is the peak since the process started", err)
	}
}

// pollKey marks the benchmark's own polling, which sqlTimer leaves out.
type pollKey struct{}

// sqlTimer, with BENCH_IMPORT_SQL=1, times every statement GORM sends (its callbacks: the
// store's queries, inserts, updates and Exec'd SAVEPOINTs; not BEGIN, nor the COMMIT the
// PostgreSQL store sends with its events in one pgx batch) and logs, after each import, the
// statement shapes that took the most time, so a slow import says where its time went.
type sqlTimer struct {
	on    bool
	mu    sync.Mutex
	count map[string]int
	total map[string]time.Duration
	each  map[string][]time.Duration // in order, for the trend over the import
}

var (
	sqlParams = regexp.MustCompile(`\$\d+(\s*,\s*\$\d+)*`)
	sqlRows   = regexp.MustCompile(`\(\$…\)(\s*,\s*\(\$…\))+`)
)

func timeStatements(b *testing.B, store *models.Store) *sqlTimer {
	t := &sqlTimer{on: os.Getenv("BENCH_IMPORT_SQL") != ""}
	if !t.on {
		return t
	}
	const key = "bench:sql-start"
	before := func(db *gorm.DB) { db.InstanceSet(key, time.Now()) }
	after := func(db *gorm.DB) {
		v, ok := db.InstanceGet(key)
		if !ok || db.DryRun || db.Statement.Context.Value(pollKey{}) != nil {
			return
		}
		d := time.Since(v.(time.Time))
		shape := sqlRows.ReplaceAllLiteralString(sqlParams.ReplaceAllLiteralString(db.Statement.SQL.String(), "$…"), "($…),…")
		if len(shape) > 110 {
			shape = shape[:110] + "…"
		}
		t.mu.Lock()
		if t.count != nil { // between start and report
			t.count[shape]++
			t.total[shape] += d
			t.each[shape] = append(t.each[shape], d)
		}
		t.mu.Unlock()
	}
	cb := store.DB().Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("bench:sql-before", before),
		cb.Query().After("gorm:query").Before("gorm:preload").Register("bench:sql-after", after), // a preload is its own statement
		cb.Row().Before("gorm:row").Register("bench:sql-before", before),
		cb.Row().After("gorm:row").Register("bench:sql-after", after),
		cb.Raw().Before("gorm:raw").Register("bench:sql-before", before),
		cb.Raw().After("gorm:raw").Register("bench:sql-after", after),
		cb.Create().Before("gorm:create").Register("bench:sql-before", before),
		cb.Create().After("gorm:create").Register("bench:sql-after", after),
		cb.Update().Before("gorm:update").Register("bench:sql-before", before),
		cb.Update().After("gorm:update").Register("bench:sql-after", after),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return t
}

func (t *sqlTimer) start() {
	t.mu.Lock()
	t.count, t.total, t.each = map[string]int{}, map[string]time.Duration{}, map[string][]time.Duration{}
	t.mu.Unlock()
}

func (t *sqlTimer) report(b *testing.B, what string, wall time.Duration) {
	if !t.on {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	defer func() { t.count, t.total, t.each = nil, nil, nil }()
	shapes := make([]string, 0, len(t.total))
	var sum time.Duration
	n := 0
	for k, d := range t.total {
		shapes = append(shapes, k)
		sum += d
		n += t.count[k]
	}
	slices.SortFunc(shapes, func(x, y string) int { return int(t.total[y] - t.total[x]) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %d statements through GORM took %.1f s of the %.1f s (the rest: BEGIN/COMMIT with the events, Go):\n",
		what, n, sum.Seconds(), wall.Seconds())
	for _, k := range shapes[:min(15, len(shapes))] {
		// The mean of the first and the last tenth of the import: a statement whose cost grows
		// with the tenant's catalog shows it here.
		each := t.each[k]
		tenth := max(1, len(each)/10)
		mean := func(ds []time.Duration) float64 {
			var s time.Duration
			for _, d := range ds {
				s += d
			}
			return float64(s.Microseconds()) / 1000 / float64(len(ds))
		}
		fmt.Fprintf(&sb, "  %7.2f s %7d × %6.2f ms (first tenth %6.2f, last %6.2f)  %s\n", t.total[k].Seconds(), t.count[k],
			float64(t.total[k].Microseconds())/1000/float64(t.count[k]), mean(each[:tenth]), mean(each[len(each)-tenth:]), k)
	}
	fmt.Fprint(os.Stderr, sb.String()) // not b.Log: a benchmark's log is cut at 10 lines
}
