package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// productsImport shows the import page: the upload form.
func (a *App) productsImport(c *fiber.Ctx) error {
	return a.renderImport(c, fiber.StatusOK, productviews.Import{})
}

func (a *App) renderImport(c *fiber.Ctx, status int, im productviews.Import) error {
	t := currentTenant(c)
	im.Tenant, im.CSRF = t, a.csrfToken(c)
	return render(c, status, productviews.ImportPage(a.productsPage(c, "Import products", "products"), im))
}

// productsImportPost checks an uploaded CSV: how its columns are read, its first rows, and what
// it would create, update and reject. It writes nothing. A file that cannot be read (no file,
// an unusable header, a quote that never closes) is a 422 saying why.
func (a *App) productsImportPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	f, ok := formOf(c).file("file")
	if !ok || len(f.data) == 0 {
		return a.renderImport(c, fiber.StatusUnprocessableEntity, productviews.Import{Error: "Choose a CSV file to check."})
	}
	im := productviews.Import{FileName: f.filename}
	exists := func(handles []string) (map[string]bool, error) {
		return a.store.ExistingHandles(ctx(c), t.ID, t.DefaultLocale, handles)
	}
	check, err := catalogcsv.CheckFile(bytes.NewReader(f.data), t.DefaultLocale, t.Locales, t.EnabledCurrencies(), exists)
	var he *catalogcsv.HeaderError
	var re *catalogcsv.ReadError
	switch {
	case errors.As(err, &he):
		im.Error = he.Msg
		return a.renderImport(c, fiber.StatusUnprocessableEntity, im)
	case errors.As(err, &re):
		im.Error = re.Msg
		return a.renderImport(c, fiber.StatusUnprocessableEntity, im)
	case err != nil:
		return err
	}
	im.Check = check
	return a.renderImport(c, fiber.StatusOK, im)
}

// productsImportTemplate downloads the header row for the tenant's currencies.
func (a *App) productsImportTemplate(c *fiber.Ctx) error {
	t := currentTenant(c)
	return sendCSV(c, "products-template.csv", [][]string{catalogcsv.Header(t.EnabledCurrencies())})
}

// productsImportExample downloads an example file: the header and two products.
func (a *App) productsImportExample(c *fiber.Ctx) error {
	t := currentTenant(c)
	rows := append([][]string{catalogcsv.Header(t.EnabledCurrencies())}, catalogcsv.TemplateRows(t.DefaultLocale, t.Locales, t.EnabledCurrencies())...)
	return sendCSV(c, "products-example.csv", rows)
}

func sendCSV(c *fiber.Ctx, name string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Send(buf.Bytes())
}
