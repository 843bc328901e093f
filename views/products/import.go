package products

import (
	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
)

// Import is the import page: the upload form and, after an upload, what the file would do.
type Import struct {
	Tenant   *models.Tenant
	CSRF     string
	FileName string
	Error    string // a file that cannot be read at all
	Check    *catalogcsv.Check
}

// ImportURL, TemplateURL and ExampleURL are the import page and its downloads.
func ImportURL(slug string) string   { return paths.URL(paths.ProductsImport, slug) }
func TemplateURL(slug string) string { return paths.URL(paths.ProductsImportTemplate, slug) }
func ExampleURL(slug string) string  { return paths.URL(paths.ProductsImportExample, slug) }

// SeparatorName says which separator the file uses.
func SeparatorName(r rune) string {
	if r == ';' {
		return "semicolons"
	}
	return "commas"
}
