// Package catalogcsv is the catalog's CSV format, the columns of Shopify's product CSV where they
// fit (Handle, Title, Body, Vendor, Type, Status, Option1 Name/Value … Option3, Variant SKU …),
// with a Locale column for translations and a price and compare-at column per currency. An
// export writes it; the import reads the same columns, so an export re-imported changes nothing.
//
// Rows: one per variant in the tenant's default locale, each carrying the product's columns
// (the same on every row of a handle), then one row per other locale's translation with only
// Handle (the default locale's), Locale and the text columns. Amounts are in major units with the
// currency's exponent (money.Format); an empty price cell is "no price in that currency".
package catalogcsv

import (
	"strconv"
	"strings"

	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/models"
)

// The fixed columns, in order; the price columns follow, two per currency.
var fixedColumns = []string{
	"Handle", "Locale", "Title", "Body (Markdown)", "Vendor", "Type", "Status", "SEO Title", "SEO Description",
	"Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
	"Variant SKU", "Variant Barcode", "Variant Inventory Qty", "Variant Inventory Policy", "Variant Low Stock Threshold",
}

// Text is a text cell as written: one that starts with =, +, -, @, a tab or a carriage return
// gets a leading apostrophe, so a spreadsheet shows it instead of running it as a formula (CSV
// injection). The reader takes the apostrophe off again (Row.Get), so a round trip keeps it.
func Text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// plain undoes Text.
func plain(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// PriceColumn and CompareAtColumn name a currency's price columns.
func PriceColumn(currency string) string     { return "Price " + currency }
func CompareAtColumn(currency string) string { return "Compare At Price " + currency }

// Header is the header row for a tenant selling in currencies.
func Header(currencies []string) []string {
	h := append([]string(nil), fixedColumns...)
	for _, cur := range currencies {
		h = append(h, PriceColumn(cur), CompareAtColumn(cur))
	}
	return h
}

// Rows are the CSV rows of one product (see the package comment), for the tenant's default
// locale and currencies.
func Rows(p *models.Product, defaultLocale string, currencies []string) [][]string {
	main := p.Translation(defaultLocale)
	if main == nil && len(p.Translations) > 0 {
		main = &p.Translations[0]
	}
	var handle, locale string
	text := func(tr *models.ProductTranslation) []string {
		if tr == nil {
			return []string{"", "", "", ""}
		}
		return []string{Text(tr.Title), Text(tr.Description), Text(tr.SEOTitle), Text(tr.SEODescription)}
	}
	if main != nil {
		handle, locale = main.Handle, main.Locale
	}
	opt := func(i int) (string, []string) {
		if i < len(p.Options) {
			return p.Options[i].Name, p.Options[i].Values
		}
		return "", nil
	}
	var rows [][]string
	for i := range p.Variants {
		v := &p.Variants[i]
		t := text(main)
		row := []string{handle, locale, t[0], t[1], Text(p.Vendor), Text(p.ProductType), p.Status, t[2], t[3]}
		for k, value := range []string{v.Option1, v.Option2, v.Option3} {
			name, _ := opt(k)
			if name == "" {
				value = ""
			}
			row = append(row, Text(name), Text(value))
		}
		row = append(row, Text(v.SKU), Text(v.Barcode), strconv.FormatInt(v.InventoryQuantity, 10), v.InventoryPolicy,
			strconv.FormatInt(v.LowStockThreshold, 10))
		for _, cur := range currencies {
			amount, compare := "", ""
			if pr := v.Price(cur); pr != nil {
				amount = money.Format(cur, pr.Amount)
				if pr.CompareAtAmount != nil {
					compare = money.Format(cur, *pr.CompareAtAmount)
				}
			}
			row = append(row, amount, compare)
		}
		rows = append(rows, row)
	}
	for i := range p.Translations {
		tr := &p.Translations[i]
		if main != nil && tr.Locale == main.Locale {
			continue
		}
		t := text(tr)
		row := make([]string, len(fixedColumns)+2*len(currencies))
		row[0], row[1], row[2], row[3], row[7], row[8] = handle, tr.Locale, t[0], t[1], t[2], t[3]
		rows = append(rows, row)
	}
	return rows
}
