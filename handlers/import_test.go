package handlers_test

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// upload posts a CSV to the import page as the browser's form does.
func upload(t *testing.T, c *testkit.HTTPClient, path, name, body string) *testkit.Response {
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

func TestImportCheckOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
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
	if res.Text("check-products") != "2" || res.Text("check-create") != "1" || res.Text("check-update") != "1" || res.Text("check-rejected") != "0" || res.TestID("check-clean").Length() != 1 {
		t.Fatalf("example: products %q, create %q, rejected %q", res.Text("check-products"), res.Text("check-create"), res.Text("check-rejected"))
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
