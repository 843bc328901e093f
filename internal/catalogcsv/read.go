package catalogcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/models"
)

// Reading the format back, for the import: a Reader streams a file one product (the rows of a
// handle) at a time, so memory is bounded by the largest product, not by the file.
//
// The file is UTF-8 with or without a BOM, comma- or semicolon-separated (decided from the
// header row), with quoted fields that may hold separators, quotes ("") and newlines. Column
// names match without regard to case or surrounding spaces; Shopify's "Body (HTML)", "Variant
// Price" and "Variant Compare At Price" are read as the body and the default currency's prices.

// HeaderError is a header row that cannot be read: columns this format does not know, a column
// given twice, or no Handle column. Its message names them.
type HeaderError struct {
	Msg string
	// File and Columns are the header as written and the column each is read as ("" for one
	// not known), when the header could be read: a mapping can then fix it. Unknown are the
	// headings this format does not know.
	File, Columns, Unknown []string
}

func (e *HeaderError) Error() string { return e.Msg }

// ReadError is a file that cannot be read past some line (a quote that never closes); its
// message names the line.
type ReadError struct{ Msg string }

func (e *ReadError) Error() string { return e.Msg }

// RowError is one problem with a row: its line in the file (1 is the header), the column and a
// sentence saying what is wrong.
type RowError = models.ImportRowError

// Row is one record of the file: its line and its values by column name.
type Row struct {
	Line   int
	Values map[string]string
}

// Get returns the row's trimmed value in the column, without the apostrophe Text put before a
// formula-like value.
func (r Row) Get(col string) string {
	if col == bodyColumn {
		return r.Body()
	}
	return plain(strings.TrimSpace(r.Values[col]))
}

// bodyColumn is the Markdown body, the one text read as written: its spaces and newlines mean
// something (an indented code block, a closing line break), and the editor keeps them too.
const bodyColumn = "Body (Markdown)"

// Body is the row's Markdown body as written (line ends as \n), without the apostrophe Text put
// before a formula-like value; a body of only spaces is empty.
func (r Row) Body() string {
	v := strings.ReplaceAll(r.Values[bodyColumn], "\r\n", "\n")
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return plain(v)
}

// Group is the rows of one handle, which must be together in the file. Errors are problems of
// single rows found while reading (not UTF-8, a wrong number of fields).
type Group struct {
	Handle string
	Rows   []Row
	Errors []RowError
}

// maxColumns bounds the columns of a file (the format has 20 and two per currency): the check
// page offers a choice for each.
const maxColumns = 200

// maxGroupRows bounds the rows kept of one handle: its variants and a translation row per
// locale, with room to spare.
const maxGroupRows = models.MaxVariants + 100

// Reader reads a catalog CSV one handle at a time.
type Reader struct {
	csv        *csv.Reader
	columns    []string // canonical name of each column of the file
	file       []string // the names as written in the file
	separator  rune
	seen       map[string]int // handle → its first line
	pending    *Row
	pendingErr []RowError
	line       int
	done       bool
}

// Ignore is the mapping of a column that is not read.
const Ignore = "-"

// NewReader reads the header row of r for a tenant selling in currencies (the first is the
// default, for Shopify's unsuffixed price columns). A header it cannot use is a *HeaderError.
func NewReader(r io.Reader, currencies []string) (*Reader, error) {
	return NewMappedReader(r, currencies, nil)
}

// NewMappedReader is NewReader with the columns read as mapping says: mapping[i] is the format's
// name of the file's column i, Ignore to skip it, or "" (or past the end) for the name found
// from its heading.
func NewMappedReader(r io.Reader, currencies []string, mapping []string) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(64 << 10) // as much of the start as there is: the header row is in it
	if len(head) == 0 {
		return nil, &HeaderError{Msg: "The file is empty: it needs a header row (Handle, Title, …) and a row per variant."}
	}
	sep := detectSeparator(head)
	cr := csv.NewReader(br)
	cr.Comma, cr.FieldsPerRecord, cr.ReuseRecord = sep, -1, true
	header, err := cr.Read()
	if err != nil {
		return nil, &HeaderError{Msg: "The header row cannot be read: " + csvMessage(err)}
	}
	if len(header) > maxColumns {
		return nil, &HeaderError{Msg: fmt.Sprintf("The header row has %d columns; a file may have at most %d. Remove the empty or unneeded columns and upload it again.", len(header), maxColumns)}
	}
	known := knownColumns(currencies)
	rd := &Reader{csv: cr, separator: sep, seen: map[string]int{}, line: 1}
	var unknown []string
	var twice string
	valid := map[string]bool{}
	for _, c := range known {
		valid[c] = true
	}
	for i, h := range header {
		name := strings.TrimSpace(h)
		if !utf8.ValidString(name) {
			return nil, &HeaderError{Msg: "The header row is not UTF-8: save the file as UTF-8 (CSV UTF-8 in Excel) and upload it again."}
		}
		canon, ok := known[strings.ToLower(name)]
		if i < len(mapping) && mapping[i] != "" {
			canon, ok = mapping[i], true
			if canon == Ignore {
				canon = ""
			} else if !valid[canon] {
				return nil, &HeaderError{Msg: fmt.Sprintf("“%s” is not a column of this format.", canon)}
			}
		}
		switch {
		case !ok && name != "":
			unknown = append(unknown, name)
		case canon == "":
			// an empty heading or an ignored column: not read
		case slices.Contains(rd.columns, canon) && twice == "":
			twice = canon
		}
		rd.columns, rd.file = append(rd.columns, canon), append(rd.file, name)
	}
	if twice != "" {
		return nil, &HeaderError{Msg: fmt.Sprintf("The column “%s” is read from two columns of the file; read one of them as another column or ignore it.", twice),
			File: rd.file, Columns: rd.columns}
	}
	if len(unknown) > 0 {
		cols := slices.Clone(rd.columns)
		return nil, &HeaderError{File: rd.file, Columns: cols, Unknown: unknown, Msg: fmt.Sprintf("Unknown columns: %s. The columns are Handle, Locale, Title, Body (Markdown), Vendor, Type, Status, SEO Title, SEO Description, Option1 Name … Option3 Value, Variant SKU, Variant Barcode, Variant Inventory Qty, Variant Inventory Policy, Variant Low Stock Threshold and Price / Compare At Price per currency (%s).",
			quoteAll(unknown), strings.Join(currencies, ", "))}
	}
	if !slices.Contains(rd.columns, "Handle") {
		return nil, &HeaderError{Msg: "The file has no Handle column: it names the product each row belongs to.", File: rd.file, Columns: rd.columns}
	}
	return rd, nil
}

// Separator is the field separator found in the header: ',' or ';'.
func (rd *Reader) Separator() rune { return rd.separator }

// Columns are the file's columns: as written, and the format's name of each ("" when ignored).
func (rd *Reader) Columns() (file, canonical []string) { return rd.file, rd.columns }

// Next returns the rows of the next handle, or io.EOF after the last. A file that cannot be read
// on (a quote that never closes) is an error naming the line.
func (rd *Reader) Next() (*Group, error) {
	var g *Group
	take := func(row *Row, errs []RowError) {
		if len(g.Rows) >= maxGroupRows {
			// Memory stays bounded by one product: past its limit a handle's rows are only
			// counted, and the product is rejected.
			if len(g.Rows) == maxGroupRows {
				g.Errors = append(g.Errors, RowError{Line: row.Line, Column: "Handle",
					Message: fmt.Sprintf("“%s” has more than %d rows: a product has at most %d variants.", g.Handle, maxGroupRows, models.MaxVariants)})
				g.Rows = append(g.Rows, Row{Line: row.Line, Values: map[string]string{}})
			}
			return
		}
		g.Rows, g.Errors = append(g.Rows, *row), append(g.Errors, errs...)
	}
	if rd.pending != nil {
		g = &Group{Handle: strings.ToLower(rd.pending.Get("Handle"))}
		take(rd.pending, rd.pendingErr)
		rd.pending, rd.pendingErr = nil, nil
	}
	for !rd.done {
		row, errs, err := rd.read()
		if err == io.EOF {
			rd.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		h := strings.ToLower(row.Get("Handle")) // handles are lower case: Dup and dup are one product
		if g == nil {
			g = &Group{Handle: h}
		}
		if h != g.Handle {
			rd.pending, rd.pendingErr = row, errs
			break
		}
		take(row, errs)
	}
	if g == nil {
		return nil, io.EOF
	}
	if first, ok := rd.seen[g.Handle]; ok && g.Handle != "" {
		g.Errors = append(g.Errors, RowError{Line: g.Rows[0].Line, Column: "Handle",
			Message: fmt.Sprintf("The rows of “%s” must be together: it also has rows from line %d.", g.Handle, first)})
	} else {
		rd.seen[g.Handle] = g.Rows[0].Line
	}
	if g.Handle == "" {
		for _, r := range g.Rows {
			g.Errors = append(g.Errors, RowError{Line: r.Line, Column: "Handle", Message: "Every row needs the handle of its product."})
		}
	}
	return g, nil
}

// read returns the next record as a Row, with the problems of the record itself.
func (rd *Reader) read() (*Row, []RowError, error) {
	rec, err := rd.csv.Read()
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			err = nil // FieldsPerRecord is -1: not raised
		} else {
			return nil, nil, &ReadError{Msg: "The file cannot be read on: " + csvMessage(err)}
		}
	}
	line, _ := rd.csv.FieldPos(0)
	rd.line = line
	row := &Row{Line: line, Values: make(map[string]string, len(rec))}
	var errs []RowError
	if len(rec) != len(rd.columns) && !(len(rec) == 1 && rec[0] == "") {
		errs = append(errs, RowError{Line: line, Message: fmt.Sprintf("This row has %d fields; the header has %d.", len(rec), len(rd.columns))})
	}
	for i, v := range rec {
		if i >= len(rd.columns) || rd.columns[i] == "" {
			continue
		}
		if !utf8.ValidString(v) {
			errs = append(errs, RowError{Line: line, Column: rd.columns[i], Message: "This field is not UTF-8 text: save the file as UTF-8 and upload it again."})
			v = strings.ToValidUTF8(v, "\uFFFD")
		}
		row.Values[rd.columns[i]] = v
	}
	return row, errs, nil
}

// detectSeparator picks ';' when the header's first line has more semicolons than commas
// outside quotes (as Excel writes CSV in many European locales), else ','.
func detectSeparator(head []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func knownColumns(currencies []string) map[string]string {
	m := map[string]string{}
	for _, c := range fixedColumns {
		m[strings.ToLower(c)] = c
	}
	for _, cur := range currencies {
		m[strings.ToLower(PriceColumn(cur))] = PriceColumn(cur)
		m[strings.ToLower(CompareAtColumn(cur))] = CompareAtColumn(cur)
	}
	m["body (html)"], m["body"] = "Body (Markdown)", "Body (Markdown)"
	m[strings.ToLower(ErrorColumn)] = "" // a failed-rows file re-uploaded: its reasons are not read
	if len(currencies) > 0 {
		m["variant price"], m["variant compare at price"] = PriceColumn(currencies[0]), CompareAtColumn(currencies[0])
	}
	return m
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			return fmt.Sprintf("line %d has a quote (\") that is not closed or not doubled.", pe.StartLine)
		}
		return fmt.Sprintf("line %d: %v.", pe.Line, pe.Err)
	}
	return err.Error()
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "“" + n + "”"
	}
	return strings.Join(q, ", ")
}

// maxQuantity bounds stock and thresholds, as the catalog does.
const maxQuantity = models.MaxStock

// ParseGroup turns a handle's rows into a Product, or says what is wrong with them, row by row.
// Rows in defaultLocale (or with no Locale) are variants; rows in another locale are that
// locale's translation, with only text columns.
func ParseGroup(g *Group, defaultLocale string, locales, currencies []string) (*models.ImportProduct, []RowError) {
	errs := append([]RowError(nil), g.Errors...)
	p := &models.ImportProduct{Handle: g.Handle, Line: g.Rows[0].Line, Lines: map[string]int{defaultLocale: g.Rows[0].Line}}
	bad := func(r Row, col, msg string) { errs = append(errs, RowError{Line: r.Line, Column: col, Message: msg}) }
	// The product's columns: the first row that has a value sets it, later rows must agree.
	type first struct {
		value string
		line  int
	}
	set := map[string]first{}
	agree := func(r Row, col string) string {
		v := r.Get(col)
		if v == "" {
			return set[col].value
		}
		if f, ok := set[col]; ok && f.value != v {
			bad(r, col, fmt.Sprintf("“%s” disagrees with line %d (“%s”): a product's rows must say the same.", v, f.line, f.value))
			return f.value
		}
		if _, ok := set[col]; !ok {
			set[col] = first{v, r.Line}
		}
		return v
	}
	main := models.ProductTranslationInput{Locale: defaultLocale, Handle: g.Handle}
	others := map[string]bool{}
	var optionNames []string
	for _, r := range g.Rows {
		locale := r.Get("Locale")
		if locale != "" && locale != defaultLocale {
			if !slices.Contains(locales, locale) {
				bad(r, "Locale", fmt.Sprintf("“%s” is not one of this tenant's languages (%s).", locale, strings.Join(locales, ", ")))
				continue
			}
			if others[locale] {
				bad(r, "Locale", fmt.Sprintf("“%s” has two translation rows for this handle.", locale))
				continue
			}
			others[locale] = true
			p.Lines[locale] = r.Line
			for _, col := range []string{"Variant SKU", "Option1 Value", "Variant Inventory Qty"} {
				if r.Get(col) != "" {
					bad(r, col, "A translation row has only Handle, Locale and the text columns.")
				}
			}
			p.Translations = append(p.Translations, models.ProductTranslationInput{Locale: locale, Title: r.Get("Title"),
				Description: r.Get("Body (Markdown)"), SEOTitle: r.Get("SEO Title"), SEODescription: r.Get("SEO Description")})
			continue
		}
		main.Title, main.Description = agree(r, "Title"), agree(r, "Body (Markdown)")
		main.SEOTitle, main.SEODescription = agree(r, "SEO Title"), agree(r, "SEO Description")
		p.Vendor, p.ProductType, p.Status = agree(r, "Vendor"), agree(r, "Type"), agree(r, "Status")
		v := models.ImportVariant{Line: r.Line, SKU: r.Get("Variant SKU"), Barcode: r.Get("Variant Barcode"), Prices: map[string]models.ImportPrice{}}
		for i := 0; i < 3; i++ {
			n := strconv.Itoa(i + 1)
			name, value := agree(r, "Option"+n+" Name"), r.Get("Option"+n+" Value")
			if name == "" && value != "" {
				bad(r, "Option"+n+" Value", "A value needs its option's name (Option"+n+" Name).")
			}
			if name != "" && value == "" {
				bad(r, "Option"+n+" Value", "Give this variant a value of "+name+".")
			}
			if name != "" && i >= len(optionNames) {
				optionNames = append(optionNames, name)
			}
			v.Values[i] = value
		}
		if q := r.Get("Variant Inventory Qty"); q != "" {
			n, err := strconv.ParseInt(q, 10, 64)
			if err != nil || n > maxQuantity || n < -maxQuantity {
				bad(r, "Variant Inventory Qty", "Enter a whole number of items, such as 12.")
			} else {
				v.Quantity = &n
			}
		}
		if t := r.Get("Variant Low Stock Threshold"); t != "" {
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil || n < 0 || n > maxQuantity {
				bad(r, "Variant Low Stock Threshold", "Enter a whole number, 0 or more.")
			} else {
				v.Threshold = &n
			}
		}
		switch pol := strings.ToLower(r.Get("Variant Inventory Policy")); pol {
		case "", models.PolicyDeny, models.PolicyContinue:
			v.Policy = pol
		default:
			bad(r, "Variant Inventory Policy", "Write deny (stop selling when out) or continue (keep selling).")
		}
		for _, cur := range currencies {
			var cells models.ImportPrice
			for k, col := range []string{PriceColumn(cur), CompareAtColumn(cur)} {
				s := r.Get(col)
				if s == "" {
					continue
				}
				m, err := money.Parse(cur, s)
				if err != nil {
					bad(r, col, err.Error())
					continue
				}
				if k == 0 {
					cells.Amount = &m
				} else {
					cells.CompareAt = &m
				}
			}
			if cells.CompareAt != nil && (cells.Amount == nil || *cells.CompareAt < *cells.Amount) {
				bad(r, CompareAtColumn(cur), "The compare-at price must be at least the price.")
				cells.CompareAt = nil
			}
			if cells.Amount != nil || cells.CompareAt != nil {
				v.Prices[cur] = cells
			}
		}
		p.Variants = append(p.Variants, v)
	}
	switch p.Status = strings.ToLower(p.Status); p.Status {
	case "", models.ProductDraft, models.ProductActive, models.ProductArchived:
	default:
		bad(g.Rows[0], "Status", "“"+p.Status+"” is not a status: write draft, active or archived.")
	}
	if len(p.Variants) == 0 {
		bad(g.Rows[0], "", "The product has no row in "+defaultLocale+": it needs one row per variant.")
	}
	if main.Title == "" && len(p.Variants) > 0 {
		bad(g.Rows[0], "Title", "The product needs a title in "+defaultLocale+".")
	}
	p.Translations = append([]models.ProductTranslationInput{main}, p.Translations...)
	// The options, with their values in the order the rows give them; a combination twice is
	// an error.
	combos := map[models.Combo]int{}
	for i, name := range optionNames {
		opt := models.ProductOption{Name: name}
		for _, v := range p.Variants {
			if v.Values[i] != "" && !slices.Contains(opt.Values, v.Values[i]) {
				opt.Values = append(opt.Values, v.Values[i])
			}
		}
		p.Options = append(p.Options, opt)
	}
	for _, v := range p.Variants {
		if line, ok := combos[v.Values]; ok && len(optionNames) > 0 {
			errs = append(errs, RowError{Line: v.Line, Column: "Option1 Value", Message: fmt.Sprintf("The same options as line %d: each variant needs its own combination.", line)})
		}
		combos[v.Values] = v.Line
	}
	if len(optionNames) == 0 && len(p.Variants) > 1 {
		errs = append(errs, RowError{Line: p.Variants[1].Line, Column: "Option1 Name", Message: "A product with several variants needs options (Option1 Name and Value) that tell them apart."})
	}
	return p, errs
}
