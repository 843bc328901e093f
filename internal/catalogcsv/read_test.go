package catalogcsv_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/models"
)

var currencies = []string{"EUR", "USD"}

func groups(t *testing.T, file string) ([]*catalogcsv.Group, error) {
	t.Helper()
	rd, err := catalogcsv.NewReader(strings.NewReader(file), currencies)
	if err != nil {
		return nil, err
	}
	var out []*catalogcsv.Group
	for {
		g, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, g)
	}
}

func parseOne(t *testing.T, file string) (*models.ImportProduct, []catalogcsv.RowError) {
	t.Helper()
	gs, err := groups(t, file)
	if err != nil || len(gs) != 1 {
		t.Fatalf("%d groups (%v), want 1", len(gs), err)
	}
	return catalogcsv.ParseGroup(gs[0], "en", []string{"en", "de"}, currencies)
}

func TestExportReadsBack(t *testing.T) {
	cmp := int64(2490)
	p := &models.Product{Status: models.ProductActive, Vendor: "=HYPERLINK(\"http://evil\")", ProductType: "Jacket",
		Options:      []models.ProductOption{{Name: "Size", Values: []string{"S", "M"}}},
		Translations: []models.ProductTranslation{{Locale: "de", Title: "Jacke", Handle: "jacke"}, {Locale: "en", Title: `Rain "Pro", light`, Handle: "rain-pro", Description: "Line one\nline two"}},
		Variants: []models.Variant{
			{Option1: "S", SKU: "RP-S", Barcode: "0001", InventoryQuantity: 4, InventoryPolicy: models.PolicyDeny, LowStockThreshold: 5,
				Prices: []models.Price{{Currency: "EUR", Amount: 1990, CompareAtAmount: &cmp}}},
			{Option1: "M", SKU: "RP-M", InventoryQuantity: 0, InventoryPolicy: models.PolicyContinue, LowStockThreshold: 2,
				Prices: []models.Price{{Currency: "EUR", Amount: 1990}, {Currency: "USD", Amount: 2190}}},
		}}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(catalogcsv.Header(currencies))
	_ = w.WriteAll(catalogcsv.Rows(p, "en", currencies))
	got, errs := parseOne(t, buf.String())
	if len(errs) > 0 {
		t.Fatalf("an export does not read back: %v\n%s", errs, buf.String())
	}
	if !strings.Contains(buf.String(), "'=HYPERLINK") {
		t.Fatalf("a formula-like cell is written as is:\n%s", buf.String())
	}
	if got.Handle != "rain-pro" || got.Vendor != "=HYPERLINK(\"http://evil\")" || got.ProductType != "Jacket" || got.Status != models.ProductActive {
		t.Fatalf("product: %+v", got)
	}
	if len(got.Translations) != 2 || got.Translations[0].Title != `Rain "Pro", light` || got.Translations[0].Description != "Line one\nline two" ||
		got.Translations[1].Locale != "de" || got.Translations[1].Title != "Jacke" {
		t.Fatalf("translations: %+v", got.Translations)
	}
	if len(got.Options) != 1 || got.Options[0].Name != "Size" || strings.Join(got.Options[0].Values, ",") != "S,M" {
		t.Fatalf("options: %+v", got.Options)
	}
	s, m := got.Variants[0], got.Variants[1]
	if s.SKU != "RP-S" || *s.Quantity != 4 || *s.Prices["EUR"].Amount != 1990 || *s.Prices["EUR"].CompareAt != 2490 || s.Prices["USD"].Amount != nil {
		t.Fatalf("S: %+v", s)
	}
	if m.Policy != models.PolicyContinue || *m.Threshold != 2 || *m.Prices["USD"].Amount != 2190 || *m.Quantity != 0 {
		t.Fatalf("M: %+v", m)
	}
}

func TestReaderBOMSemicolonsAndQuoting(t *testing.T) {
	file := "\xEF\xBB\xBFhandle;TITLE ; Option1 Name;Option1 Value;Variant Price\r\n" +
		"tee;\"A tee; \"\"classic\"\"\nwith two lines\";Size;S;19,90\r\n" +
		"tee;;Size;M;\r\n"
	rd, err := catalogcsv.NewReader(strings.NewReader(file), currencies)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Separator() != ';' {
		t.Fatalf("separator %q", rd.Separator())
	}
	_, canon := rd.Columns()
	if strings.Join(canon, "|") != "Handle|Title|Option1 Name|Option1 Value|Price EUR" {
		t.Fatalf("columns %q", canon)
	}
	g, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	p, errs := catalogcsv.ParseGroup(g, "en", []string{"en"}, currencies)
	if p.Translations[0].Title != "A tee; \"classic\"\nwith two lines" || len(p.Variants) != 2 {
		t.Fatalf("title %q, %d variants", p.Translations[0].Title, len(p.Variants))
	}
	// 19,90 is not an amount (the decimal separator is a point): a field message, not a crash.
	if len(errs) != 1 || errs[0].Line != 2 || errs[0].Column != "Price EUR" {
		t.Fatalf("errors %v", errs)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("after the last handle: %v", err)
	}
}

func TestReaderRefusesHeadersItCannotUse(t *testing.T) {
	for name, tc := range map[string]struct{ file, want string }{
		"empty":     {"", "empty"},
		"unknown":   {"Handle,Title,Colour,Weight\n", "“Colour”, “Weight”"},
		"twice":     {"Handle,Title,title\n", "two columns"},
		"no handle": {"Title,Vendor\n", "no Handle"},
		"currency":  {"Handle,Price JPY\n", "“Price JPY”"},
		"too wide":  {"Handle,Title" + strings.Repeat(",", 20_000) + "\n", "at most 200"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := catalogcsv.NewReader(strings.NewReader(tc.file), currencies)
			var he *catalogcsv.HeaderError
			if !errors.As(err, &he) || !strings.Contains(he.Msg, tc.want) {
				t.Fatalf("error %v, want a HeaderError saying %q", err, tc.want)
			}
		})
	}
}

func TestReaderReportsBadRowsAndGoesOn(t *testing.T) {
	file := "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Price EUR,Compare At Price EUR,Variant Inventory Qty,Vendor,Status\n" +
		"a,Alpha,Size,S,A-S,10.00,,1,Acme,active\n" +
		"a,,Size,M,A-M,10.00,9.00,x,Other,\n" + // compare below price, bad qty, vendor disagrees
		"b,Beta\xff,,,B,1e3,,,,published\n" + // not UTF-8, 1e3, bad status
		"a,Alpha again,,,A2,1.00,,,,\n" // handle a again, apart from its rows
	gs, err := groups(t, file)
	if err != nil || len(gs) != 3 {
		t.Fatalf("%d groups (%v)", len(gs), err)
	}
	_, errs := catalogcsv.ParseGroup(gs[0], "en", []string{"en"}, currencies)
	wantCols := map[string]bool{"Compare At Price EUR": true, "Variant Inventory Qty": true, "Vendor": true}
	for _, e := range errs {
		if e.Line != 3 || !wantCols[e.Column] {
			t.Fatalf("unexpected error %v", e)
		}
		delete(wantCols, e.Column)
	}
	if len(wantCols) > 0 {
		t.Fatalf("missing errors for %v: %v", wantCols, errs)
	}
	_, errs = catalogcsv.ParseGroup(gs[1], "en", []string{"en"}, currencies)
	got := map[string]bool{}
	for _, e := range errs {
		got[e.Column] = true
	}
	if !got["Title"] || !got["Price EUR"] || !got["Status"] {
		t.Fatalf("row b: %v", errs)
	}
	_, errs = catalogcsv.ParseGroup(gs[2], "en", []string{"en"}, currencies)
	if len(errs) == 0 || !strings.Contains(errs[0].Message, "must be together") {
		t.Fatalf("a handle apart from its rows: %v", errs)
	}
}

func TestReaderStopsAtAQuoteThatNeverCloses(t *testing.T) {
	_, err := groups(t, "Handle,Title\na,\"Open\nb,Fine\n")
	if err == nil || !strings.Contains(err.Error(), "quote") {
		t.Fatalf("error %v", err)
	}
}

func TestParseGroupRefusesTwinVariantsAndOptionlessSets(t *testing.T) {
	_, errs := parseOne(t, "Handle,Title,Option1 Name,Option1 Value\na,A,Size,S\na,,Size,S\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "same options") {
		t.Fatalf("twins: %v", errs)
	}
	_, errs = parseOne(t, "Handle,Title,Variant SKU\na,A,X\na,,Y\n")
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "needs options") {
		t.Fatalf("no options: %v", errs)
	}
	_, errs = parseOne(t, "Handle,Locale,Title\na,fr,Le A\n")
	if len(errs) < 2 {
		t.Fatalf("only a translation in a locale the tenant lacks: %v", errs)
	}
}

func TestReaderKeepsAtMostOneProductsRowsOfAHandle(t *testing.T) {
	var b strings.Builder
	b.WriteString("Handle,Title,Option1 Name,Option1 Value\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "huge,Huge,Size,%d\n", i)
	}
	b.WriteString("next,Next,,\n")
	gs, err := groups(t, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || len(gs[0].Rows) > 1200 || gs[1].Handle != "next" {
		t.Fatalf("%d groups, the first with %d rows", len(gs), len(gs[0].Rows))
	}
	if len(gs[0].Errors) == 0 || !strings.Contains(gs[0].Errors[0].Message, "more than") {
		t.Fatalf("errors %v: want the handle refused for too many rows", gs[0].Errors)
	}
}

func TestWalkRefusesAFilePastTheRowLimit(t *testing.T) {
	file := "Handle,Title\na,A\nb,B\nc,C\n"
	ct := catalogcsv.Tenant{DefaultLocale: "en", Locales: []string{"en"}, Currencies: currencies}
	_, err := catalogcsv.Walk(strings.NewReader(file), ct, nil, catalogcsv.Limits{MaxRows: 2}, 10, func(*catalogcsv.Reader, catalogcsv.Batch) error { return nil })
	var re *catalogcsv.ReadError
	if !errors.As(err, &re) || !strings.Contains(re.Msg, "more than 2 rows") {
		t.Fatalf("error %v, want a ReadError about the row limit", err)
	}
	if _, err := catalogcsv.Walk(strings.NewReader(file), ct, nil, catalogcsv.Limits{MaxRows: 3}, 10, func(*catalogcsv.Reader, catalogcsv.Batch) error { return nil }); err != nil {
		t.Fatalf("3 rows within a limit of 3: %v", err)
	}
}
