package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

func newRunner(t *testing.T, store *models.Store, start bool) *jobs.Runner {
	t.Helper()
	r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, ExportChunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = r.Stop(ctx)
		})
	}
	return r
}

// waitState waits until the run reaches state, failing after 20 s.
func waitState(t *testing.T, store *models.Store, tenantID, runID uuid.UUID, state string) *models.JobView {
	t.Helper()
	var v *models.JobView
	testkit.Eventually(t, 20*time.Second, "job "+state, func() bool {
		var err error
		v, err = store.JobRunByID(context.Background(), tenantID, runID)
		return err == nil && v.State == state
	})
	return v
}

func fileRows(t *testing.T, store *models.Store, f *models.JobFile) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := store.JobFileChunks(context.Background(), f, func(b []byte) error { buf.Write(b); return nil }); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, buf.String())
	}
	return rows
}

func TestExportWritesTheFilteredCatalogAsCSV(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Currencies("EUR", "USD").Create()
	other := testkit.Tenant(t, store).Create()
	tee := testkit.Product(t, store, tn).Title("en", "Tee").Title("de", "Hemd").Option("Size", "S", "M").
		Price("EUR", 1990).Price("USD", 2190).Stock(7).Active().Create()
	testkit.Product(t, store, tn).Title("en", "Draft mug").Price("EUR", 900).Create()
	testkit.Product(t, store, other).Title("en", "Not mine").Price("USD", 100).Active().Create()
	r := newRunner(t, store, true)
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()

	run, err := r.StartExport(context.Background(), tn, &actor.ID, jobs.ExportFilter{Status: models.ProductActive}, "Active products")
	if err != nil {
		t.Fatal(err)
	}
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if v.Done != 1 || v.Total != 1 || v.Percent() != 100 || v.Creator == "" || v.Result == "" {
		t.Fatalf("finished run: %+v", v.JobRun)
	}
	if v.File == nil || !v.File.Complete || v.File.Size == 0 || v.File.ExpiresAt.Before(time.Now().Add(23*time.Hour)) {
		t.Fatalf("file: %+v", v.File)
	}
	chunks := 0
	_ = store.JobFileChunks(context.Background(), v.File, func([]byte) error { chunks++; return nil })
	if chunks < 3 || int64(chunks) != (v.File.Size+99)/100 {
		t.Fatalf("%d chunks for %d bytes stored 100 at a time", chunks, v.File.Size)
	}
	rows := fileRows(t, store, v.File)
	// Header, 2 variants in en, 1 translation row in de.
	if len(rows) != 4 {
		t.Fatalf("%d rows, want header + 2 variants + 1 translation:\n%q", len(rows), rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, name := range []string{"Handle", "Locale", "Title", "Option1 Name", "Option1 Value", "Variant Inventory Qty", "Price EUR", "Compare At Price USD", "Price USD"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("no column %q in %q", name, rows[0])
		}
	}
	handle := tee.Translation("en").Handle
	if got := rows[1]; got[col["Handle"]] != handle || got[col["Title"]] != "Tee" || got[col["Option1 Value"]] != "S" ||
		got[col["Price EUR"]] != "19.90" || got[col["Price USD"]] != "21.90" || got[col["Variant Inventory Qty"]] != "7" {
		t.Fatalf("first variant row: %q", got)
	}
	if got := rows[3]; got[col["Handle"]] != handle || got[col["Locale"]] != "de" || got[col["Title"]] != "Hemd" || got[col["Price EUR"]] != "" {
		t.Fatalf("translation row: %q", got)
	}
	// Another tenant sees nothing of it.
	if _, err := store.JobRunByID(context.Background(), other.ID, run.ID); err == nil {
		t.Fatal("another tenant reads the job")
	}
}

func TestCancelAndRetry(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	testkit.Product(t, store, tn).Price("USD", 100).Create()
	ctx := context.Background()

	// Not started yet: River cancels it at once.
	idle := newRunner(t, store, false)
	run, err := idle.StartExport(ctx, tn, nil, jobs.ExportFilter{}, "All products")
	if err != nil {
		t.Fatal(err)
	}
	if v := waitState(t, store, tn.ID, run.ID, models.JobAvailable); v.Active() != true {
		t.Fatal("a queued job is not active")
	}
	if err := idle.Cancel(ctx, uuid.Must(uuid.NewV7()), run.ID); err == nil {
		t.Fatal("a job was cancelled through another tenant")
	}
	if err := idle.Cancel(ctx, tn.ID, run.ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, store, tn.ID, run.ID, models.JobCancelled)

	// Retried, it runs to the end.
	r := newRunner(t, store, true)
	if err := r.Retry(ctx, tn.ID, run.ID); err != nil {
		t.Fatal(err)
	}
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if v.File == nil || !v.File.Complete {
		t.Fatalf("retried export has no file: %+v", v.File)
	}

	// A cancel asked for while the job is queued is seen by the worker at its first check.
	run2, err := idle.StartExport(ctx, tn, nil, jobs.ExportFilter{}, "All products")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RequestJobCancel(ctx, tn.ID, run2.ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, store, tn.ID, run2.ID, models.JobCancelled)
}

func TestExpiredFilesAreDeleted(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	testkit.Product(t, store, tn).Price("USD", 100).Create()
	r := newRunner(t, store, true)
	run, err := r.StartExport(context.Background(), tn, nil, jobs.ExportFilter{}, "All")
	if err != nil {
		t.Fatal(err)
	}
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if err := store.DB().Model(&models.JobFile{}).Where("id = ?", v.File.ID).Update("expires_at", time.Now().Add(-time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := store.DeleteExpiredJobFiles(context.Background()); err != nil || n != 1 {
		t.Fatalf("deleted %d (%v), want 1", n, err)
	}
	if v, _ := store.JobRunByID(context.Background(), tn.ID, run.ID); v.File != nil {
		t.Fatal("the expired file is still there")
	}
}

// Two processes on one PostgreSQL database: each job is worked once, by one of them.
func TestTwoProcessesNeverWorkOneJobTwice(t *testing.T) {
	t.Parallel()
	if testkit.Dialect() != migrations.Postgres {
		t.Skip("several processes share PostgreSQL; the embedded SQLite default is one process")
	}
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0].Store, c.Processes[1].Store
	tn := testkit.Tenant(t, a).Create()
	testkit.Product(t, a, tn).Price("USD", 100).Create()
	ra, rb := newRunner(t, a, true), newRunner(t, b, true)
	var runs []*models.JobRun
	for i := 0; i < 12; i++ {
		r := ra
		if i%2 == 1 {
			r = rb
		}
		run, err := r.StartExport(context.Background(), tn, nil, jobs.ExportFilter{}, "All")
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	for _, run := range runs {
		waitState(t, a, tn.ID, run.ID, models.JobCompleted)
		row, err := ra.JobRow(context.Background(), run.RiverJobID)
		if err != nil {
			t.Fatal(err)
		}
		if row.Attempt != 1 || len(row.AttemptedBy) != 1 {
			t.Fatalf("job %d: attempt %d by %v, want one attempt by one process", row.ID, row.Attempt, row.AttemptedBy)
		}
	}
}

func TestContentExportWritesATranslationPerRow(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Create()
	author := testkit.User(t, store).WithRole(tn, "admin").Create()
	post := testkit.Node(t, store, tn).Author(author.ID).Translation("en", "Spring, \"new\" season", "Line one\nline two").
		Translation("de", "Frühling", "Zeile").Published().Create()
	testkit.Node(t, store, tn).Author(author.ID).Translation("en", "A draft", "Not yet").Create()
	r := newRunner(t, store, true)
	run, err := r.StartContentExport(context.Background(), tn, &author.ID, jobs.ExportFilter{Status: models.NodePublished}, "Published")
	if err != nil {
		t.Fatal(err)
	}
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	rows := fileRows(t, store, v.File)
	if len(rows) != 3 || v.Done != 1 {
		t.Fatalf("%d rows (done %d), want header + en + de of the published post:\n%q", len(rows), v.Done, rows)
	}
	if rows[1][0] != post.ID.String() || rows[1][6] != "de" || rows[1][7] != "Frühling" || rows[2][7] != `Spring, "new" season` || rows[2][10] != "Line one\nline two" {
		t.Fatalf("rows: %q", rows[1:])
	}
	if _, err := r.StartContentExport(context.Background(), tn, nil, jobs.ExportFilter{Locale: "fr"}, ""); err == nil {
		t.Fatal("an export for a locale the tenant does not have was started")
	}
}

func TestScheduledPublishMovesOnceAsTheSchedulingUser(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	editor := testkit.User(t, store).WithRole(tn, "manager").Create()
	node := testkit.Node(t, store, tn).Author(editor.ID).Translation(tn.DefaultLocale, "Launch post", "Soon.").Create()
	product := testkit.Product(t, store, tn).Price("USD", 100).Create()
	ctx := context.Background()
	r := newRunner(t, store, false)

	past := time.Now().Add(-time.Minute)
	if err := r.SetSchedule(ctx, tn, &editor.ID, models.ScheduleNode, node.ID, models.SchedulePublish, &past); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("a schedule in the past: %v", err)
	}
	// Set, then changed (the first job is cancelled), then for the product, then cancelled.
	soon := time.Now().Add(400 * time.Millisecond)
	later := time.Now().Add(time.Hour)
	for _, at := range []*time.Time{&later, &soon} {
		if err := r.SetSchedule(ctx, tn, &editor.ID, models.ScheduleNode, node.ID, models.SchedulePublish, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SetSchedule(ctx, tn, &editor.ID, models.ScheduleProduct, product.ID, models.SchedulePublish, &later); err != nil {
		t.Fatal(err)
	}
	if err := r.SetSchedule(ctx, tn, &editor.ID, models.ScheduleProduct, product.ID, models.SchedulePublish, nil); err != nil {
		t.Fatal(err)
	}
	scheds, _ := store.SchedulesOf(ctx, tn.ID, models.ScheduleNode, node.ID)
	if len(scheds) != 1 || scheds[models.SchedulePublish].RunAt.Sub(soon).Abs() > time.Millisecond {
		t.Fatalf("node schedules: %+v", scheds)
	}
	if ps, _ := store.SchedulesOf(ctx, tn.ID, models.ScheduleProduct, product.ID); len(ps) != 0 {
		t.Fatalf("a cancelled schedule stays: %+v", ps)
	}

	newRunner(t, store, true)
	newRunner(t, store, true) // two runners: the move happens once
	testkit.Eventually(t, 20*time.Second, "the scheduled publish", func() bool {
		n, err := store.NodeByID(ctx, tn.ID, node.ID)
		return err == nil && n.Status == models.NodePublished
	})
	if ps, _ := store.SchedulesOf(ctx, tn.ID, models.ScheduleNode, node.ID); len(ps) != 0 {
		t.Fatalf("a done schedule stays: %+v", ps)
	}
	var moves []events.Row
	if err := store.DB().Table("sys_events").Where("aggregate_id = ? AND event_type = ?", node.ID, "node.published").Find(&moves).Error; err != nil {
		t.Fatal(err)
	}
	if len(moves) != 1 || moves[0].ActorID == nil || *moves[0].ActorID != editor.ID {
		t.Fatalf("%d status events, actor %v: want one, by the scheduling user", len(moves), moves)
	}
	if p, _ := store.ProductByID(ctx, tn.ID, product.ID); p.Status != models.ProductDraft {
		t.Fatalf("the cancelled product schedule ran: %s", p.Status)
	}
}

func TestScheduledMoveIsDroppedWhenTheUserMayNoLongerMakeIt(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	editor := testkit.User(t, store).WithRole(tn, "manager").Create()
	node := testkit.Node(t, store, tn).Author(editor.ID).Translation(tn.DefaultLocale, "Launch", "Soon.").Create()
	ctx := context.Background()
	idle := newRunner(t, store, false)
	soon := time.Now().Add(300 * time.Millisecond)
	if err := idle.SetSchedule(ctx, tn, &editor.ID, models.ScheduleNode, node.ID, models.SchedulePublish, &soon); err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Model(&models.User{}).Where("id = ?", editor.ID).Update("status", "inactive").Error; err != nil {
		t.Fatal(err)
	}
	newRunner(t, store, true)
	testkit.Eventually(t, 20*time.Second, "the schedule to be dropped", func() bool {
		s, err := store.SchedulesOf(ctx, tn.ID, models.ScheduleNode, node.ID)
		return err == nil && len(s) == 0
	})
	if n, _ := store.NodeByID(ctx, tn.ID, node.ID); n.Status != models.NodeDraft {
		t.Fatalf("a deactivated user's schedule published the node: %s", n.Status)
	}
}
