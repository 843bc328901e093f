package catalogcsv

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// Check is what a file would do, read without writing anything: the column mapping, the first
// rows, and how many products it would create or update and which rows it would reject, with
// the reasons.
type Check struct {
	Separator   rune
	FileColumns []string // as written in the file
	Columns     []string // this format's name of each ("" ignored)
	Preview     []Row    // the first rows
	Products    int
	Variants    int
	Create      int // products whose handle the tenant does not have yet
	Update      int // products whose handle it has
	Rejected    int // products with at least one refused row
	Errors      []RowError
	MoreErrors  int // errors past the ones kept
}

// check limits: rows shown, errors kept.
const (
	previewRows = 5
	keptErrors  = 200
)

// CheckFile reads a whole file for a tenant (its default locale, locales and currencies), calling
// exists with the handles of each batch of products to learn which the tenant has. A header it
// cannot use is a *HeaderError; a file that cannot be read on is a *ReadError naming the line.
func CheckFile(r io.Reader, defaultLocale string, locales, currencies []string, exists func(handles []string) (map[string]bool, error)) (*Check, error) {
	rd, err := NewReader(r, currencies)
	if err != nil {
		return nil, err
	}
	c := &Check{Separator: rd.Separator()}
	c.FileColumns, c.Columns = rd.Columns()
	skus := map[string]int{}
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		have, err := exists(batch)
		if err != nil {
			return err
		}
		for _, h := range batch {
			if have[h] {
				c.Update++
			} else {
				c.Create++
			}
		}
		batch = batch[:0]
		return nil
	}
	addErr := func(e RowError) {
		if len(c.Errors) < keptErrors {
			c.Errors = append(c.Errors, e)
		} else {
			c.MoreErrors++
		}
	}
	for {
		g, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, row := range g.Rows {
			if len(c.Preview) < previewRows {
				c.Preview = append(c.Preview, row)
			}
		}
		p, errs := ParseGroup(g, defaultLocale, locales, currencies)
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
		c.Products++
		c.Variants += len(p.Variants)
		if len(errs) > 0 {
			c.Rejected++
			for _, e := range errs {
				addErr(e)
			}
			continue
		}
		if batch = append(batch, p.Handle); len(batch) >= 500 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return c, nil
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
