package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// onlyRun is the tenant's one job run, failing unless there is exactly one.
func onlyRun(t *testing.T, store *models.Store, tn *models.Tenant) models.JobView {
	t.Helper()
	runs, err := store.ListJobRuns(context.Background(), tn.ID, 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("%d job runs (%v), want 1", len(runs), err)
	}
	return runs[0]
}

func TestProductsExportOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	app.StartJobs(t)
	tn := testkit.Tenant(t, app.Store).Currencies("EUR", "USD").Create()
	other := testkit.Tenant(t, app.Store).Create()
	testkit.Product(t, app.Store, tn).Title(tn.DefaultLocale, "Rain jacket").Option("Size", "S", "M", "L").Price("EUR", 8900).Stock(3).Active().Create()
	testkit.Product(t, app.Store, tn).Title(tn.DefaultLocale, "Draft scarf").Price("EUR", 1900).Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	manager, _ := testkit.ClientAs(t, app, tn, "manager")
	stranger, _ := testkit.ClientAs(t, app, other, "admin")
	base := "/t/" + tn.Slug

	if admin.Get(base+"/products?status=active").TestID("export-products").Length() != 1 {
		t.Fatal("an admin has no Export button on the products list")
	}
	if manager.Get(base+"/products").TestID("export-products").Length() != 0 {
		t.Fatal("a manager (no products:export) is offered the export")
	}
	manager.PostForm(base+"/products/export", url.Values{}).ExpectStatus(http.StatusForbidden)

	// A bad filter starts nothing.
	res := admin.PostForm(base+"/products/export", url.Values{"stock": {"bogus"}}).ExpectStatus(http.StatusSeeOther)
	if !strings.HasSuffix(res.Location(), "/products") {
		t.Fatalf("a refused export goes to %q", res.Location())
	}
	if runs, _ := app.Store.ListJobRuns(context.Background(), tn.ID, 10); len(runs) != 0 {
		t.Fatalf("a refused export left %d jobs", len(runs))
	}

	res = admin.PostForm(base+"/products/export", url.Values{"status": {models.ProductActive}}).ExpectStatus(http.StatusSeeOther)
	if res.Location() != base+"/jobs" {
		t.Fatalf("the export goes to %q, want the jobs page", res.Location())
	}
	run := onlyRun(t, app.Store, tn)
	if run.Summary != "Products: status active" || run.Creator == "" {
		t.Fatalf("run: %+v", run.JobRun)
	}
	testkit.Eventually(t, 20*time.Second, "the export to finish", func() bool {
		v, err := app.Store.JobRunByID(context.Background(), tn.ID, run.ID)
		return err == nil && v.State == models.JobCompleted
	})
	page := admin.Get(base + "/jobs").ExpectStatus(http.StatusOK)
	if page.TestID("job-row").Length() != 1 || page.Text("job-state") != "done" || page.Text("job-progress") != "100 %" {
		t.Fatalf("jobs page: state %q, progress %q", page.Text("job-state"), page.Text("job-progress"))
	}
	if _, polling := page.TestID("jobs-table").Attr("data-polling"); polling {
		t.Fatal("the page keeps polling after every job ended")
	}
	href, ok := page.TestID("job-download").Attr("href")
	if !ok {
		t.Fatal("no download link on a finished export")
	}
	file := admin.Get(href).ExpectStatus(http.StatusOK)
	if ct := file.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(file.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %s, %s", ct, file.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(bytes.NewReader(file.Body)).ReadAll()
	if err != nil || len(rows) != 4 { // header + S, M, L of the active jacket; the draft scarf is left out
		t.Fatalf("the file has %d rows (%v):\n%s", len(rows), err, file.Body)
	}
	if !strings.Contains(string(file.Body), "Rain jacket") || strings.Contains(string(file.Body), "Draft scarf") {
		t.Fatalf("the export does not follow the filter:\n%s", file.Body)
	}

	// A manager sees the job but may not take its file; another tenant sees nothing of it.
	mpage := manager.Get(base + "/jobs").ExpectStatus(http.StatusOK)
	if mpage.TestID("job-row").Length() != 1 || mpage.TestID("job-download").Length() != 0 {
		t.Fatal("a manager is offered the download")
	}
	manager.Get(href).ExpectStatus(http.StatusForbidden)
	stranger.Get("/t/" + other.Slug + "/jobs/" + run.ID.String() + "/file").ExpectStatus(http.StatusNotFound)
	stranger.PostForm("/t/"+other.Slug+"/jobs/"+run.ID.String()+"/cancel", url.Values{}).ExpectStatus(http.StatusNotFound)
	if stranger.Get("/t/"+other.Slug+"/jobs").TestID("job-row").Length() != 0 {
		t.Fatal("another tenant lists the job")
	}
	admin.Get(base + "/jobs/" + uuid.Must(uuid.NewV7()).String() + "/file").ExpectStatus(http.StatusNotFound)

	// An expired file is gone, whatever the cleaner has done yet.
	if err := app.Store.DB().Model(&models.JobFile{}).Where("job_run_id = ?", run.ID).Update("expires_at", time.Now().Add(-time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	admin.Get(href).ExpectStatus(http.StatusNotFound)
	if admin.Get(base+"/jobs").TestID("job-download").Length() != 0 {
		t.Fatal("an expired file is offered")
	}

	// Cancelling a finished job changes nothing.
	admin.PostForm(base+"/jobs/"+run.ID.String()+"/cancel", url.Values{}).ExpectStatus(http.StatusSeeOther)
	if v, _ := app.Store.JobRunByID(context.Background(), tn.ID, run.ID); v.State != models.JobCompleted {
		t.Fatalf("a finished job became %s", v.State)
	}
}

func TestJobCancelAndRetryOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t) // its runner enqueues but works nothing: the job stays queued
	tn := testkit.Tenant(t, app.Store).Create()
	testkit.Product(t, app.Store, tn).Price("USD", 100).Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	base := "/t/" + tn.Slug
	if admin.Get(base+"/jobs").TestID("jobs-empty").Length() != 1 {
		t.Fatal("no empty state before any job")
	}
	admin.PostForm(base+"/products/export", url.Values{}).ExpectStatus(http.StatusSeeOther)
	run := onlyRun(t, app.Store, tn)
	page := admin.Get(base + "/jobs")
	if page.Text("job-state") != "queued" || page.TestID("job-cancel").Length() != 1 || page.TestID("job-retry").Length() != 0 {
		t.Fatalf("a queued job: state %q", page.Text("job-state"))
	}
	if _, polling := page.TestID("jobs-table").Attr("data-polling"); !polling {
		t.Fatal("the page does not poll while a job is queued")
	}
	admin.PostForm(base+"/jobs/"+run.ID.String()+"/retry", url.Values{}).ExpectStatus(http.StatusSeeOther) // not retryable: a no-op
	admin.PostForm(base+"/jobs/"+run.ID.String()+"/cancel", url.Values{}).ExpectStatus(http.StatusSeeOther)
	page = admin.Get(base + "/jobs")
	if page.Text("job-state") != "cancelled" || page.TestID("job-retry").Length() != 1 || page.TestID("job-cancel").Length() != 0 {
		t.Fatalf("a cancelled job: state %q", page.Text("job-state"))
	}
	admin.PostForm(base+"/jobs/"+run.ID.String()+"/retry", url.Values{}).ExpectStatus(http.StatusSeeOther)
	if v, _ := app.Store.JobRunByID(context.Background(), tn.ID, run.ID); v.State != models.JobAvailable || v.CancelRequested {
		t.Fatalf("a retried job: %s (cancel requested %v)", v.State, v.CancelRequested)
	}
}

func TestContentExportOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	app.StartJobs(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, au := testkit.ClientAs(t, app, tn, "admin")
	manager, _ := testkit.ClientAs(t, app, tn, "manager")
	testkit.Node(t, app.Store, tn).Author(au.ID).Translation(tn.DefaultLocale, "Spring catalogue", "New season.").Published().Create()
	base := "/t/" + tn.Slug
	if admin.Get(base+"/nodes").TestID("export-nodes").Length() != 1 || manager.Get(base+"/nodes").TestID("export-nodes").Length() != 0 {
		t.Fatal("the content export button is offered to the wrong roles")
	}
	manager.PostForm(base+"/nodes/export", url.Values{}).ExpectStatus(http.StatusForbidden)
	admin.PostForm(base+"/nodes/export", url.Values{"author": {"not-an-id"}}).ExpectStatus(http.StatusSeeOther)
	if runs, _ := app.Store.ListJobRuns(context.Background(), tn.ID, 10); len(runs) != 0 {
		t.Fatal("a broken author filter started an export")
	}
	admin.PostForm(base+"/nodes/export", url.Values{"kind": {"post"}}).ExpectStatus(http.StatusSeeOther)
	run := onlyRun(t, app.Store, tn)
	testkit.Eventually(t, 20*time.Second, "the content export", func() bool {
		v, err := app.Store.JobRunByID(context.Background(), tn.ID, run.ID)
		return err == nil && v.State == models.JobCompleted
	})
	page := admin.Get(base + "/jobs")
	href, _ := page.TestID("job-download").Attr("href")
	body := string(admin.Get(href).ExpectStatus(http.StatusOK).Body)
	if !strings.Contains(body, "Spring catalogue") || !strings.HasPrefix(body, "Node ID,Kind,Status") {
		t.Fatalf("content export:\n%s", body)
	}
	manager.Get(href).ExpectStatus(http.StatusForbidden) // a manager may not export content
}

func TestPlatformJobsPage(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	a := testkit.Tenant(t, app.Store).Name("Alpha Shop").Create()
	b := testkit.Tenant(t, app.Store).Name("Beta Shop").Create()
	super := testkit.User(t, app.Store).SuperAdmin().Create()
	sc := testkit.Client(t, app).LoginAs(super)
	for _, tn := range []*models.Tenant{a, b} {
		if _, err := app.Deps.Jobs.StartExport(context.Background(), tn, &super.ID, jobsFilterAll, "All products"); err != nil {
			t.Fatal(err)
		}
	}
	page := sc.Get("/jobs").ExpectStatus(http.StatusOK)
	if page.TestID("job-row").Length() != 2 || !strings.Contains(page.Text("job-tenant"), "Alpha Shop") || !strings.Contains(page.Text("job-tenant"), "Beta Shop") {
		t.Fatalf("the platform's jobs page lists %d rows: %q", page.TestID("job-row").Length(), page.Text("job-tenant"))
	}
	if href, _ := page.TestID("job-cancel").Closest("form").Attr("action"); !strings.HasPrefix(href, "/t/") {
		t.Fatalf("a platform row's cancel goes to %q, want its tenant's route", href)
	}
	admin, _ := testkit.ClientAs(t, app, a, "admin")
	admin.Get("/jobs").ExpectStatus(http.StatusForbidden)
}

var jobsFilterAll = jobs.ExportFilter{}
