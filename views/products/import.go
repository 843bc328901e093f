package products

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
)

// Import is the import page: the upload form and, after an upload, what the file would do.
type Import struct {
	Tenant       *models.Tenant
	CSRF         string
	MaxMB        int
	Upload       *models.Upload // the file checked; nil on the upload form
	FileName     string
	Error        string // a file that cannot be read (with this mapping)
	Check        *catalogcsv.Check
	FileColumns  []string // the file's headings
	Columns      []string // the column each is read as ("" not read)
	Targets      []string // the columns of the format, for the mapping
	Unknown      []string // headings the format does not know, to map or skip
	AllOrNothing bool
	Checking     bool // the check job has not finished: the page polls
}

// UploadURL is where a checked upload is checked again or imported.
func UploadURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.ProductsImportUpload, slug, id.String())
}

// PreviewColumns are the columns the preview shows: those read, in file order.
func (im Import) PreviewColumns() []string {
	var out []string
	for _, c := range im.Columns {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Mapped is the column file column i is read as, or catalogcsv.Ignore.
func (im Import) Mapped(i int) string {
	if i < len(im.Columns) && im.Columns[i] != "" {
		return im.Columns[i]
	}
	return catalogcsv.Ignore
}

// IsUnknown reports whether file column i has a heading the format does not know.
func (im Import) IsUnknown(i int) bool {
	return i < len(im.FileColumns) && slices.Contains(im.Unknown, im.FileColumns[i])
}

func allQuery(im Import) string {
	if im.AllOrNothing {
		return "?all=1"
	}
	return ""
}

// ColumnsSummary says in a few words how the file's columns are read.
func (im Import) ColumnsSummary() string {
	read := len(im.PreviewColumns())
	out := fmt.Sprintf("%d of %d read", read, len(im.FileColumns))
	if n := len(im.Unknown); n > 0 {
		out += fmt.Sprintf(", %d to choose", n)
	}
	return out
}

// Importable reports whether the checked file has products that would be written.
func (im Import) Importable() bool {
	return im.Check != nil && im.Check.Create+im.Check.Update > 0
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
