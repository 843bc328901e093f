package testkit

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/models"
)

// CatalogFile is an import file of n one-variant products for the tenant: handles p-0 … p-(n-1),
// SKUs SKU-i, 5 in stock, priced 9.99 in its currency; the products in bad get 9.999, which the
// import rejects (too many decimals).
func CatalogFile(tn *models.Tenant, n int, bad ...int) string {
	head := catalogcsv.Header(tn.EnabledCurrencies())
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(head)
	for i := 0; i < n; i++ {
		row := make([]string, len(head))
		set := func(col, v string) { row[slices.Index(head, col)] = v }
		set("Handle", fmt.Sprintf("p-%d", i))
		set("Title", fmt.Sprintf("Product %d", i))
		set("Variant SKU", fmt.Sprintf("SKU-%d", i))
		set("Variant Inventory Qty", "5")
		set("Price "+tn.Currency(), "9.99")
		if slices.Contains(bad, i) {
			set("Price "+tn.Currency(), "9.999")
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.String()
}
