package catalogcsv

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rustok/rustok-admin/models"
)

// ErrorColumn is the last column of a failed-rows file: why the row was not imported. The
// reader ignores it, so the file can be fixed and uploaded again as it is.
const ErrorColumn = "Error"

// Check is what a file would do, worked out without keeping anything: the column mapping, the
// first rows, and how many products it would create, update or leave unchanged and which rows
// it would reject, with the reasons.
type Check struct {
	Separator   rune
	FileColumns []string // as written in the file
	Columns     []string // this format's name of each ("" ignored)
	Preview     []Row    // the first rows
	Products    int
	Variants    int
	Create      int
	Update      int
	Unchanged   int
	Rejected    int // products with at least one refused row
	Errors      []RowError
	MoreErrors  int // errors past the ones kept
}

// check limits: rows shown, errors kept.
const (
	previewRows = 5
	keptErrors  = 200
)

// Limits bound what a file may hold.
type Limits struct {
	MaxRows int // records after the header; 0 = no limit
}

// Batch is a run of products as read, with the rows of each (for a failed-rows file).
type Batch struct {
	Products []*models.ImportProduct
	Groups   []*Group
}

// Tenant is what reading a file needs of the tenant.
type Tenant struct {
	DefaultLocale string
	Locales       []string
	Currencies    []string
}

// TenantOf is what reading a file needs of t.
func TenantOf(t *models.Tenant) Tenant {
	return Tenant{DefaultLocale: t.DefaultLocale, Locales: t.Locales, Currencies: t.EnabledCurrencies()}
}

// Walk reads the file a batch of products at a time and calls fn with each. A product's
// problems found while reading (including a SKU an earlier row of the file has) are in its
// Errors. A header it cannot use is a *HeaderError; a file it cannot read on, or one past the
// row limit, a *ReadError naming the line.
func Walk(r io.Reader, t Tenant, mapping []string, lim Limits, size int, fn func(rd *Reader, b Batch) error) (*Reader, error) {
	rd, err := NewMappedReader(r, t.Currencies, mapping)
	if err != nil {
		return nil, err
	}
	skus := map[string]int{}
	var b Batch
	flush := func() error {
		if len(b.Products) == 0 {
			return nil
		}
		err := fn(rd, b)
		b = Batch{}
		return err
	}
	for {
		g, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rd, err
		}
		if last := g.Rows[len(g.Rows)-1].Line; lim.MaxRows > 0 && last-1 > lim.MaxRows {
			return rd, &ReadError{Msg: fmt.Sprintf("The file has more than %s rows (line %d): split it into files of at most that many rows.",
				thousands(lim.MaxRows), last)}
		}
		p, errs := ParseGroup(g, t.DefaultLocale, t.Locales, t.Currencies)
		for _, v := range p.Variants {
			if v.SKU == "" {
				continue
			}
			k := strings.ToLower(v.SKU)
			if line, dup := skus[k]; dup {
				errs = append(errs, RowError{Line: v.Line, Column: "Variant SKU", Message: "“" + v.SKU + "” is the SKU of line " + strconv.Itoa(line) + " too: each variant needs its own."})
			} else {
				skus[k] = v.Line
			}
		}
		p.Errors = errs
		b.Products, b.Groups = append(b.Products, p), append(b.Groups, g)
		if len(b.Products) >= size {
			if err := flush(); err != nil {
				return rd, err
			}
		}
	}
	return rd, flush()
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// CheckBatch is how many products a check works out at a time.
const CheckBatch = 200

// CheckFile reads a whole file for a tenant, calling try with each batch of products to learn
// what importing them would do (a dry run of the import). Errors as Walk's.
func CheckFile(r io.Reader, t Tenant, mapping []string, lim Limits, try func(batch []*models.ImportProduct) ([]models.ImportOutcome, error)) (*Check, error) {
	c := &Check{}
	addErr := func(e RowError) {
		if len(c.Errors) < keptErrors {
			c.Errors = append(c.Errors, e)
		} else {
			c.MoreErrors++
		}
	}
	rd, err := Walk(r, t, mapping, lim, CheckBatch, func(rd *Reader, b Batch) error {
		for _, g := range b.Groups {
			for _, row := range g.Rows {
				if len(c.Preview) < previewRows {
					c.Preview = append(c.Preview, row)
				}
			}
		}
		outs, err := try(b.Products)
		if err != nil {
			return err
		}
		for i, p := range b.Products {
			c.Products++
			c.Variants += len(p.Variants)
			switch outs[i].Action {
			case models.ImportCreated:
				c.Create++
			case models.ImportUpdated:
				c.Update++
			case models.ImportUnchanged:
				c.Unchanged++
			default:
				c.Rejected++
				for _, e := range outs[i].Errors {
					e.Handle = p.Handle
					addErr(e)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.Separator = rd.Separator()
	c.FileColumns, c.Columns = rd.Columns()
	return c, nil
}

// FailedRows are the CSV rows of a rejected product: each of its rows in the mapped columns,
// then the reasons found on that line (or, for a row that is fine itself, which line kept the
// product out).
func FailedRows(columns []string, g *Group, errs []RowError) [][]string {
	byLine := map[int][]string{}
	for _, e := range errs {
		msg := e.Message
		if e.Column != "" {
			msg = e.Column + ": " + msg
		}
		byLine[e.Line] = append(byLine[e.Line], msg)
	}
	first := 0
	if len(errs) > 0 {
		first = errs[0].Line
	}
	var out [][]string
	for _, r := range g.Rows {
		row := make([]string, 0, len(columns)+1)
		for _, c := range columns {
			row = append(row, r.Values[c])
		}
		why := strings.Join(byLine[r.Line], " ")
		if why == "" {
			why = fmt.Sprintf("Not imported with the rest of %s: see line %d.", g.Handle, first)
		}
		out = append(out, append(row, why))
	}
	return out
}

// FailedHeader is the header of a failed-rows file: the mapped columns, then ErrorColumn.
func FailedHeader(columns []string) []string { return append(slices.Clone(columns), ErrorColumn) }

// MappedColumns are the format's names of the columns a reader reads, in file order.
func MappedColumns(rd *Reader) []string {
	var out []string
	for _, c := range rd.columns {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// TemplateRows is the downloadable example: two products, one with Size × Colour variants and
// a translation, for a tenant's locales and currencies.
func TemplateRows(defaultLocale string, locales, currencies []string) [][]string {
	n := len(fixedColumns) + 2*len(currencies)
	row := func(vals map[string]string, prices ...string) []string {
		r := make([]string, n)
		for i, c := range fixedColumns {
			r[i] = vals[c]
		}
		for i := range currencies {
			if i < len(prices) {
				r[len(fixedColumns)+2*i] = prices[i]
			}
		}
		return r
	}
	base := map[string]string{"Handle": "classic-tee", "Locale": defaultLocale, "Title": "Classic tee", "Body (Markdown)": "Soft **organic** cotton.",
		"Vendor": "Acme Apparel", "Type": "Shirt", "Status": "draft", "Option1 Name": "Size", "Option2 Name": "Colour",
		"Variant Inventory Policy": "deny", "Variant Low Stock Threshold": "5"}
	var rows [][]string
	for i, v := range [][3]string{{"S", "Red", "TEE-S-RED"}, {"M", "Red", "TEE-M-RED"}, {"S", "Blue", "TEE-S-BLUE"}} {
		m := map[string]string{}
		for k, x := range base {
			m[k] = x
		}
		m["Option1 Value"], m["Option2 Value"], m["Variant SKU"], m["Variant Inventory Qty"] = v[0], v[1], v[2], strconv.Itoa(10+i)
		rows = append(rows, row(m, "19.90", "21.90"))
	}
	for _, l := range locales {
		if l != defaultLocale {
			rows = append(rows, row(map[string]string{"Handle": "classic-tee", "Locale": l, "Title": "Classic tee (" + l + ")"}))
			break
		}
	}
	rows = append(rows, row(map[string]string{"Handle": "enamel-mug", "Locale": defaultLocale, "Title": "Enamel mug", "Status": "active",
		"Variant SKU": "MUG-1", "Variant Inventory Qty": "40"}, "12.50", "13.90"))
	return rows
}
