package jobs_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func catalogFile(t *testing.T, tn *models.Tenant, n int, bad ...int) string {
	t.Helper()
	return testkit.CatalogFile(tn, n, bad...)
}

func startImport(t *testing.T, store *models.Store, r *jobs.Runner, tn *models.Tenant, actor uuid.UUID, file string, n int, allOrNothing bool) *models.JobRun {
	t.Helper()
	ctx := context.Background()
	u, err := store.SaveUpload(ctx, tn.ID, &actor, "catalog.csv", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	run, err := r.StartImport(ctx, jobs.ImportRequest{Tenant: tn, Actor: &actor, Upload: u, Products: n, AllOrNothing: allOrNothing})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func stats(t *testing.T, v *models.JobView) jobs.ImportStats {
	t.Helper()
	var s jobs.ImportStats
	if err := json.Unmarshal([]byte(v.Stats), &s); err != nil {
		t.Fatalf("stats %q: %v", v.Stats, err)
	}
	return s
}

func TestImportJobWritesBatchesAndOffersTheFailedRows(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()
	r := newRunner(t, store, true)
	rec := testkit.Events(t, store)
	run := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 230, 7, 150), 230, false)
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if s := stats(t, v); s.Created != 228 || s.Rejected != 2 || s.Products != 230 || v.Done != 230 || v.Total != 230 {
		t.Fatalf("stats %+v, progress %d/%d", s, v.Done, v.Total)
	}
	if !strings.Contains(v.Result, "228 created") || !strings.Contains(v.Result, "2 rejected") {
		t.Fatalf("result %q", v.Result)
	}
	if n := len(rec.Emitted(t, "product.created")); n != 228 {
		t.Fatalf("%d product.created, want 228", n)
	}
	for _, e := range rec.Rows(t) {
		if e.ActorID == nil || *e.ActorID != actor.ID {
			t.Fatalf("event %s by %v, want the user who started the import", e.EventType, e.ActorID)
		}
	}
	// The failed rows: the file's columns and an Error column, to fix and upload again.
	if v.File == nil || !v.File.Complete {
		t.Fatalf("no failed-rows file: %+v", v.File)
	}
	rows := fileRows(t, store, v.File)
	if len(rows) != 3 || rows[0][len(rows[0])-1] != catalogcsv.ErrorColumn || rows[1][0] != "p-7" || rows[2][0] != "p-150" ||
		!strings.Contains(rows[1][len(rows[1])-1], "Price") {
		t.Fatalf("failed rows %q", rows)
	}
	// Fixed and imported again: the two are created, nothing else changes.
	var fixed bytes.Buffer
	w := csv.NewWriter(&fixed)
	for _, row := range rows {
		for i := range row {
			row[i] = strings.ReplaceAll(row[i], "9.999", "9.99")
		}
		_ = w.Write(row)
	}
	w.Flush()
	rec = testkit.Events(t, store)
	again := startImport(t, store, r, tn, actor.ID, fixed.String(), 2, false)
	v = waitState(t, store, tn.ID, again.ID, models.JobCompleted)
	if s := stats(t, v); s.Created != 2 || s.Rejected != 0 || v.File != nil {
		t.Fatalf("fixed rows: %+v, file %+v", s, v.File)
	}
	// The whole file once more: nothing to do, no event.
	rec = testkit.Events(t, store)
	last := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 230), 230, false)
	v = waitState(t, store, tn.ID, last.ID, models.JobCompleted)
	if s := stats(t, v); s.Unchanged != 230 {
		t.Fatalf("re-import: %+v", s)
	}
	if got := rec.Types(t); len(got) != 0 {
		t.Fatalf("re-import wrote %d events", len(got))
	}
}

func TestImportJobAllOrNothing(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()
	r := newRunner(t, store, true)
	run := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 150, 120), 150, true)
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if n, _ := store.CountProducts(context.Background(), tn, models.ProductQuery{}); n != 0 {
		t.Fatalf("all or nothing with a bad row wrote %d products", n)
	}
	if !strings.Contains(v.Result, "Nothing imported") || v.File == nil || len(fileRows(t, store, v.File)) != 2 {
		t.Fatalf("result %q, file %+v", v.Result, v.File)
	}
	good := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 150), 150, true)
	v = waitState(t, store, tn.ID, good.ID, models.JobCompleted)
	if n, _ := store.CountProducts(context.Background(), tn, models.ProductQuery{}); n != 150 || v.Done != 300 || v.Total != 300 {
		t.Fatalf("all or nothing, all good: %d products, progress %d/%d", n, v.Done, v.Total)
	}
}

func TestImportJobCancelsBetweenBatches(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()
	// The first batch is done; the user cancels; the job stops before the second.
	var r *jobs.Runner
	var runID atomic.Value
	r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, AfterBatch: func(id uuid.UUID, done int64) error {
		if done == jobs.ImportBatch {
			return store.RequestJobCancel(context.Background(), tn.ID, id)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	run := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 350), 350, false)
	runID.Store(run.ID)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	v := waitState(t, store, tn.ID, run.ID, models.JobCancelled)
	if n, _ := store.CountProducts(context.Background(), tn, models.ProductQuery{}); n != jobs.ImportBatch || v.Done != jobs.ImportBatch {
		t.Fatalf("cancelled after the first batch: %d products, progress %d", n, v.Done)
	}
}

func TestImportJobResumesAfterTheProcessDies(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()
	rec := testkit.Events(t, store)
	// The first attempt dies after its second batch committed (as a killed process would stop
	// there); River retries the job, and the retry goes on from the third batch.
	var died atomic.Bool
	r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, AfterBatch: func(_ uuid.UUID, done int64) error {
		if done == 2*jobs.ImportBatch && died.CompareAndSwap(false, true) {
			return errors.New("process killed")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	run := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 450, 333), 450, false)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if v.Attempt != 2 {
		t.Fatalf("attempt %d, want the job done on its second", v.Attempt)
	}
	if s := stats(t, v); s.Created != 449 || s.Rejected != 1 || s.Products != 450 {
		t.Fatalf("stats %+v", s)
	}
	if n := len(rec.Emitted(t, "product.created")); n != 449 {
		t.Fatalf("%d product.created, want each of the 449 once", n)
	}
	if n, _ := store.CountProducts(context.Background(), tn, models.ProductQuery{}); n != 449 {
		t.Fatalf("%d products", n)
	}
	if rows := fileRows(t, store, v.File); len(rows) != 2 || rows[1][0] != "p-333" {
		t.Fatalf("failed rows %q: want the header and p-333 once", rows)
	}
}

func TestImportJobResumesItsAllOrNothingCheck(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()
	var died atomic.Bool
	r, err := jobs.New(store, jobs.Options{PollInterval: 20 * time.Millisecond, AfterBatch: func(_ uuid.UUID, done int64) error {
		if done == 2*jobs.ImportBatch && died.CompareAndSwap(false, true) {
			return errors.New("process killed during the check")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	run := startImport(t, store, r, tn, actor.ID, catalogFile(t, tn, 330, 7, 250), 330, true)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	v := waitState(t, store, tn.ID, run.ID, models.JobCompleted)
	if v.Attempt != 2 || !strings.Contains(v.Result, "Nothing imported") || !strings.Contains(v.Result, "2 of 330") {
		t.Fatalf("attempt %d, result %q", v.Attempt, v.Result)
	}
	if rows := fileRows(t, store, v.File); len(rows) != 3 || rows[1][0] != "p-7" || rows[2][0] != "p-250" {
		t.Fatalf("failed rows %q: want p-7 and p-250 once each", rows)
	}
}

func TestCheckJobStoresTheResultOfTheLatestMapping(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()
	r := newRunner(t, store, false)
	ctx := context.Background()
	u, err := store.SaveUpload(ctx, tn.ID, &actor.ID, "a.csv", strings.NewReader("Handle,Weight,Title\na,1kg,A\nb,2kg,B\n"))
	if err != nil {
		t.Fatal(err)
	}
	// The first check (by the headings) is replaced before it runs by one that skips Weight.
	if err := r.StartCheck(ctx, u, nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.StartCheck(ctx, u, []string{"", catalogcsv.Ignore, ""}, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	var got *models.Upload
	testkit.Eventually(t, 20*time.Second, "the check done", func() bool {
		got, err = store.UploadByID(ctx, tn.ID, u.ID)
		return err == nil && got.CheckState == models.UploadChecked
	})
	var res jobs.CheckResult
	if err := json.Unmarshal([]byte(got.CheckResult), &res); err != nil {
		t.Fatal(err)
	}
	if res.Error != "" || res.Check == nil || res.Check.Create != 2 || got.CheckDone != 2 {
		t.Fatalf("result %+v (done %d): want the second mapping's, 2 to create", res, got.CheckDone)
	}
}
