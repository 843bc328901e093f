package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// uploadRaw posts a CSV to the import page as the browser's form does.
func uploadRaw(t *testing.T, c *testkit.HTTPClient, path, name, body string) *testkit.Response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", c.CSRFToken())
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write([]byte(body))
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// upload posts a CSV and waits for its check (settle).
func upload(t *testing.T, c *testkit.HTTPClient, path, name, body string) *testkit.Response {
	t.Helper()
	return settle(t, c, uploadRaw(t, c, path, name, body))
}

// settle follows the redirect to an upload's check page and waits until the check job (the
// app's runner must work jobs) has finished, returning the page with its result.
func settle(t *testing.T, c *testkit.HTTPClient, res *testkit.Response) *testkit.Response {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "/import/") {
		return res
	}
	loc := res.Header.Get("Location")
	testkit.Eventually(t, 20*time.Second, "the check done", func() bool {
		res = c.Get(loc)
		return res.TestID("import-checking").Length() == 0
	})
	return res
}

func TestImportCheckOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	app.StartJobs(t) // checks run as jobs
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Currencies("EUR", "USD").Create()
	existing := testkit.Product(t, app.Store, tn).Title("en", "Enamel mug").Price("EUR", 900).Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	manager, _ := testkit.ClientAs(t, app, tn, "manager")
	base := "/t/" + tn.Slug + "/products"
	if admin.Get(base).TestID("import-products").Length() != 1 || manager.Get(base).TestID("import-products").Length() != 0 {
		t.Fatal("the import link is offered to the wrong roles")
	}
	manager.Get(base + "/import").ExpectStatus(http.StatusForbidden)
	admin.Get(base + "/import").ExpectStatus(http.StatusOK)

	// The example file checks clean: its tee is new, its enamel mug is the tenant's own.
	ex := admin.Get(base + "/import/example").ExpectStatus(http.StatusOK)
	rows, err := csv.NewReader(bytes.NewReader(ex.Body)).ReadAll()
	if err != nil || len(rows) < 3 || rows[0][0] != "Handle" {
		t.Fatalf("example file: %v\n%s", err, ex.Body)
	}
	res := upload(t, admin, base+"/import", "example.csv", string(ex.Body)).ExpectStatus(http.StatusOK)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("example: %d\n%s", res.StatusCode, res.Body)
	}
	if res.Text("check-products") != "2" || res.Text("check-create") != "1" || res.Text("check-update") != "1" || res.Text("check-rejected") != "0" || res.TestID("check-clean").Length() != 1 {
		t.Fatalf("example: products %q, create %q, rejected %q\n%s", res.Text("check-products"), res.Text("check-create"), res.Text("check-rejected"), res.Body)
	}

	// An existing handle would be updated; a bad row is listed with its line and reason; a
	// duplicate SKU across products too. Nothing is written.
	file := "Handle;Title;Variant SKU;Price EUR\n" +
		existing.Translation("en").Handle + ";Enamel mug;MUG;9.00\n" +
		"tea;Tea;TEA;1e3\n" +
		"cup;Cup;mug;2.00\n"
	res = upload(t, admin, base+"/import", "mixed.csv", file).ExpectStatus(http.StatusOK)
	if res.Text("check-update") != "1" || res.Text("check-rejected") != "2" || res.TestID("check-error").Length() != 2 {
		t.Fatalf("mixed: update %q, rejected %q, %d errors\n%s", res.Text("check-update"), res.Text("check-rejected"), res.TestID("check-error").Length(), res.Body)
	}
	if !strings.Contains(res.Text("check-errors"), "SKU of line 2") {
		t.Fatalf("the duplicate SKU is not named: %q", res.Text("check-errors"))
	}
	var n int64
	app.Store.DB().Table("products").Where("tenant_id = ?", tn.ID).Count(&n)
	if n != 1 {
		t.Fatalf("checking wrote products: %d", n)
	}

	// Unusable files: 422 with the reason, the form again.
	for body, want := range map[string]string{
		"Handle,Colour\na,red\n":   "Unknown columns",
		"Handle,Title\na,\"open\n": "quote",
		"":                         "Choose a CSV file",
	} {
		res := upload(t, admin, base+"/import", "bad.csv", body).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(string(res.Body), want) || res.TestID("import-form").Length()+res.TestID("import-result").Length() != 1 {
			t.Fatalf("%q: want %q in the answer", body, want)
		}
	}
}

// formAction is the action of the form with the test id.
func formAction(t *testing.T, res *testkit.Response, id string) string {
	t.Helper()
	action, ok := res.TestID(id).Attr("action")
	if !ok {
		t.Fatalf("no form %s:\n%s", id, res.Body)
	}
	return action
}

func TestImportFromUploadToFinishedJobOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) { c.ImportMaxBytes = 1 << 20 }))
	app.StartJobs(t)
	tn := testkit.Tenant(t, app.Store).Locales("en").Currencies("EUR").Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/products"
	uploads := func() int64 {
		var n int64
		app.Store.DB().Table("uploads").Where("tenant_id = ?", tn.ID).Count(&n)
		return n
	}

	// Without the CSRF token nothing is stored.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", "a.csv")
	_, _ = part.Write([]byte("Handle,Title\na,A\n"))
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/import", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	admin.Do(req).ExpectStatus(http.StatusForbidden)
	// Nor can another route pass for the upload to skip the CSRF check: the path as sent and as
	// cleaned must both be the upload's.
	buf.Reset()
	w = multipart.NewWriter(&buf)
	_ = w.WriteField("name", "x")
	_ = w.Close()
	req, _ = http.NewRequest(http.MethodPost, "/t/"+tn.Slug+"/roles/%2E%2E%2Fproducts%2Fimport", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	admin.Do(req).ExpectStatus(http.StatusForbidden)
	// Past IMPORT_MAX_MB: 413 with the form again, nothing kept.
	big := "Handle,Title\n" + strings.Repeat("a,"+strings.Repeat("x", 98)+"\n", 11_000)
	res := upload(t, admin, base+"/import", "big.csv", big).ExpectStatus(http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(res.Body), "larger than 1 MB") || res.TestID("import-form").Length() != 1 {
		t.Fatalf("too large: %s", res.Body)
	}
	if n := uploads(); n != 0 {
		t.Fatalf("%d uploads kept after refusals", n)
	}
	// Any other request is held to 4 MB whatever its method, and the upload's connection is
	// closed after the answer, so a body left unread is never read as a next request.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, base, strings.NewReader(strings.Repeat("a=b&", 1_300_000)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		admin.Do(req).ExpectStatus(http.StatusRequestEntityTooLarge)
	}
	// A body within the limit is read whole before anything else, even by a GET or a request
	// refused for a bad header (fasthttp streams it in: what was left unread would be parsed as
	// the next request, which the test client reports as an error).
	req, _ = http.NewRequest(http.MethodGet, base, strings.NewReader(strings.Repeat("A", 100_000)+"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"))
	admin.Do(req).ExpectStatus(http.StatusOK)
	req, _ = http.NewRequest(http.MethodPost, base+"/export", strings.NewReader(strings.Repeat("A", 100_000)))
	req.Header.Set("X-Bad", "a\x01b")
	admin.Do(req).ExpectStatus(http.StatusBadRequest)
	if res := uploadRaw(t, admin, base+"/import", "a.csv", "Handle,Title\na,A\n"); !res.Close {
		t.Fatal("the upload's answer keeps the connection open")
	}

	// A column the format does not know: the mapping form, with the column named.
	file := "Handle,Title,Weight,Variant SKU,Price EUR\n" +
		"tee,Tee,200g,TEE,19.90\n" +
		"mug,Mug,300g,MUG,9.999\n" +
		"cap,Cap,50g,CAP,5\n"
	res = upload(t, admin, base+"/import", "catalog.csv", file).ExpectStatus(http.StatusUnprocessableEntity)
	if !strings.Contains(res.Text("import-error"), "Weight") || res.TestID("map-select").Length() != 5 {
		t.Fatalf("unknown column: %q, %d selects", res.Text("import-error"), res.TestID("map-select").Length())
	}
	action := formAction(t, res, "import-result")
	// Read it as nothing and check again: two products to create, one rejected.
	form := url.Values{"map.0": {"Handle"}, "map.1": {"Title"}, "map.2": {"-"}, "map.3": {"Variant SKU"}, "map.4": {"Price EUR"}, "action": {"check"}}
	res = settle(t, admin, admin.PostForm(action, form)).ExpectStatus(http.StatusOK)
	if res.Text("check-create") != "2" || res.Text("check-rejected") != "1" || res.TestID("preview-row").Length() != 3 {
		t.Fatalf("mapped check: create %q, rejected %q, %d preview rows", res.Text("check-create"), res.Text("check-rejected"), res.TestID("preview-row").Length())
	}
	// Mapping a column to another one is read as such: Title read as the vendor leaves no title.
	swapped := url.Values{"map.0": {"Handle"}, "map.1": {"Vendor"}, "map.2": {"-"}, "map.3": {"Variant SKU"}, "map.4": {"Price EUR"}, "action": {"check"}}
	if res := settle(t, admin, admin.PostForm(action, swapped)).ExpectStatus(http.StatusOK); res.Text("check-rejected") != "3" {
		t.Fatalf("title mapped away: rejected %q", res.Text("check-rejected"))
	}

	// Start: a job on the jobs page, done by the runner; the failed row can be downloaded.
	form.Set("action", "start")
	res = admin.PostForm(action, form).ExpectStatus(http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/t/"+tn.Slug+"/jobs") {
		t.Fatalf("start went to %q", loc)
	}
	var page *testkit.Response
	testkit.Eventually(t, 20*time.Second, "import done", func() bool {
		page = admin.Get("/t/" + tn.Slug + "/jobs")
		return strings.Contains(page.Text("job-result"), "2 created") // the result, not the counts so far
	})
	if !strings.Contains(string(page.Body), "1 rejected") {
		t.Fatalf("jobs page: %s", page.Body)
	}
	link := page.TestID("job-download")
	href, ok := link.Attr("href")
	if !ok {
		t.Fatalf("no download of the failed rows:\n%s", page.Body)
	}
	failed := admin.Get(href).ExpectStatus(http.StatusOK)
	rows, err := csv.NewReader(bytes.NewReader(failed.Body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][len(rows[0])-1] != "Error" || rows[1][0] != "mug" {
		t.Fatalf("failed rows: %v %q", err, rows)
	}
	if n, _ := app.Store.CountProducts(context.Background(), tn, models.ProductQuery{}); n != 2 {
		t.Fatalf("%d products after the import, want 2", n)
	}
}
