package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// TestImportResumesAfterServeIsKilled: serve is killed with SIGKILL while it imports a file
// (after its first committed batches). The job is left running, as a dead process leaves it;
// the test does what River's rescuer does 15 minutes later (makes it retryable now), and a
// second serve finishes it from the last committed batch: every product once, one
// product.created each, one ledger row each.
func TestImportResumesAfterServeIsKilled(t *testing.T) {
	useDatabase(t)
	if testkit.Dialect() == "sqlite" {
		t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "rustok.db"))
	}
	t.Setenv("RUSTOK_ADMIN_PASSWORD", "a long operator password")
	addr := freeAddr(t)
	t.Setenv("ADDR", addr)
	ctx := context.Background()

	first := startCommand(t, []string{"serve"})
	first.WaitReady(t, "http://"+addr+"/readyz", 30*time.Second)
	store, err := models.Open(os.Getenv("DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tn := testkit.Tenant(t, store).Create()
	actor := testkit.User(t, store).WithRole(tn, "admin").Create()

	const n = 800
	up, err := store.SaveUpload(ctx, tn.ID, &actor.ID, "big.csv", strings.NewReader(testkit.CatalogFile(tn, n)))
	if err != nil {
		t.Fatal(err)
	}
	enqueuer, err := jobs.New(store, jobs.Options{}) // enqueues only: serve works the job
	if err != nil {
		t.Fatal(err)
	}
	run, err := enqueuer.StartImport(ctx, jobs.ImportRequest{Tenant: tn, Actor: &actor.ID, Upload: up, Products: n})
	if err != nil {
		t.Fatal(err)
	}
	view := func() *models.JobView {
		v, err := store.JobRunByID(ctx, tn.ID, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	testkit.Eventually(t, 60*time.Second, "the first batch committed", func() bool { return view().Done >= jobs.ImportBatch })
	first.Kill(t)
	killedAt := view()
	if killedAt.Done >= n || killedAt.State != models.JobRunning {
		t.Fatalf("killed at %d of %d, state %s: the import was not cut off midway", killedAt.Done, n, killedAt.State)
	}
	t.Logf("killed after %d of %d products", killedAt.Done, n)

	// River's rescuer, without its 15 minutes.
	past := "now() - interval '1 second'"
	if testkit.Dialect() == "sqlite" {
		past = "datetime('now', '-1 seconds')" // River's SQLite driver keeps times as this text
	}
	if err := store.DB().Exec(`UPDATE river_job SET state = 'retryable', scheduled_at = `+past+` WHERE id = ?`, run.RiverJobID).Error; err != nil {
		t.Fatal(err)
	}
	second := startCommand(t, []string{"serve"})
	second.WaitReady(t, "http://"+addr+"/readyz", 30*time.Second)
	testkit.Eventually(t, 120*time.Second, "the import finished", func() bool { return view().State == models.JobCompleted })
	second.Stop(t)

	v := view()
	var st jobs.ImportStats
	if err := json.Unmarshal([]byte(v.Stats), &st); err != nil {
		t.Fatal(err)
	}
	if st.Created != n || st.Products != n || v.Done != n || v.Attempt != 2 {
		t.Fatalf("after the restart: %+v, done %d, attempt %d; log:\n%s", st, v.Done, v.Attempt, second.Log.String())
	}
	var created, ledger, products int64
	store.DB().Model(&events.Row{}).Where("tenant_id = ? AND event_type = ?", tn.ID, "product.created").Count(&created)
	store.DB().Model(&models.LedgerEntry{}).Where("tenant_id = ?", tn.ID).Count(&ledger)
	store.DB().Model(&models.Product{}).Where("tenant_id = ?", tn.ID).Count(&products)
	if created != n || ledger != n || products != n {
		t.Fatalf("%d product.created, %d ledger rows, %d products; want %d of each", created, ledger, products, n)
	}
}
