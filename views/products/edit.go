package products

import (
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/money"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// TranslationForm is one locale's fields as typed.
type TranslationForm struct {
	Locale, Title, Handle, Description, SEOTitle, SEODescription string
}

// OptionForm is one option as typed: its name and its values separated by commas.
type OptionForm struct{ Name, Values string }

// Form is the product form as typed, with one message per bad field keyed as the model reports
// them: vendor, product_type, options, options.<i>.name, options.<i>.values,
// translations.<locale>.<field>, status.
type Form struct {
	Vendor, ProductType string
	Translations        []TranslationForm // one per tenant locale, default first
	Options             [models.MaxOptions]OptionForm
	// Removal, when set, is the variants an options change would remove: the form asks to
	// confirm them before saving again (confirm_removal).
	Removal []string
	components.FormState
}

// FormFor is the form of a stored product.
func FormFor(p *models.Product, locales []string) Form {
	f := Form{Vendor: p.Vendor, ProductType: p.ProductType}
	f.Version = p.Version
	for _, loc := range locales {
		tf := TranslationForm{Locale: loc}
		if tr := p.Translation(loc); tr != nil {
			tf = TranslationForm{Locale: loc, Title: tr.Title, Handle: tr.Handle, Description: tr.Description, SEOTitle: tr.SEOTitle, SEODescription: tr.SEODescription}
		}
		f.Translations = append(f.Translations, tf)
	}
	for i, o := range p.Options {
		if i < models.MaxOptions {
			f.Options[i] = OptionForm{Name: o.Name, Values: strings.Join(o.Values, ", ")}
		}
	}
	return f
}

// SplitValues reads an option's values as typed: separated by commas, trimmed, each once.
func SplitValues(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// GridRow is one variant of the grid as stored or as typed.
type GridRow struct {
	ID        uuid.UUID
	Title     string
	Version   int
	SKU       string
	Barcode   string
	Policy    string
	Threshold string
	Quantity  string // as typed; SeenQuantity is what was loaded
	Seen      int64
	Prices    map[string][2]string // currency → amount, compare-at, in major units as typed
	State     string               // in, low, out (as stored)
	// Initial is each cell's stored value, keyed by its field ("sku", "price.USD",
	// "compare_at.USD", "quantity", "policy" …): the grid marks a cell whose value differs from
	// it as changed, so a refused save shows again what the user had changed.
	Initial map[string]string
}

// InitialOf is the stored value of the row's cell, or value when the grid has none for it.
func (r GridRow) InitialOf(field, value string) string {
	if v, ok := r.Initial[field]; ok {
		return v
	}
	return value
}

// Grid is the variant grid: a row per variant and a price and compare-at column per currency.
type Grid struct {
	Rows       []GridRow
	Currencies []string
	components.FormState
}

// Err is the message of one cell, keyed as models.VariantCell.
func (g Grid) Err(id uuid.UUID, field string) string { return g.Errors[models.VariantCell(id, field)] }

// RowErr is a row's own message (a stale row).
func (g Grid) RowErr(id uuid.UUID) string { return g.Errors[models.VariantCell(id, "row")] }

// GridFor is the grid of a stored product.
func GridFor(p *models.Product, currencies []string) Grid {
	g := Grid{Currencies: currencies}
	for i := range p.Variants {
		v := &p.Variants[i]
		r := GridRow{ID: v.ID, Title: v.Title(), Version: v.Version, SKU: v.SKU, Barcode: v.Barcode, Policy: v.InventoryPolicy,
			Threshold: strconv.FormatInt(v.LowStockThreshold, 10), Quantity: strconv.FormatInt(v.InventoryQuantity, 10),
			Seen: v.InventoryQuantity, Prices: map[string][2]string{}, State: stockState(v)}
		for _, cur := range currencies {
			if pr := v.Price(cur); pr != nil {
				cmp := ""
				if pr.CompareAtAmount != nil {
					cmp = money.Format(cur, *pr.CompareAtAmount)
				}
				r.Prices[cur] = [2]string{money.Format(cur, pr.Amount), cmp}
			}
		}
		r.Initial = map[string]string{"sku": r.SKU, "barcode": r.Barcode, "policy": r.Policy, "threshold": r.Threshold, "quantity": r.Quantity}
		for _, cur := range currencies {
			r.Initial["price."+cur], r.Initial["compare_at."+cur] = r.Prices[cur][0], r.Prices[cur][1]
		}
		g.Rows = append(g.Rows, r)
	}
	return g
}

func stockState(v *models.Variant) string {
	switch {
	case v.InventoryQuantity <= 0:
		return models.StockOut
	case v.InventoryQuantity <= v.LowStockThreshold:
		return models.StockLow
	}
	return models.StockIn
}

// CellName is the form name of a grid cell: v.<id>.<field>.
func CellName(id uuid.UUID, field string) string { return "v." + id.String() + "." + field }

// CellID is the element id of a grid cell.
func CellID(id uuid.UUID, field string) string {
	return "cell-" + id.String() + "-" + strings.ReplaceAll(field, ".", "-")
}

// Edit is the create form (Product nil) or one product's editor.
type Edit struct {
	Schedule   components.Schedule // publish-at / unpublish-at; URL "" when not shown
	Tenant     *models.Tenant
	Product    *models.Product
	Form       Form
	Grid       Grid
	CanList    bool
	CanUpdate  bool // products:create for a new product, products:update otherwise
	CanPublish bool
	CanDelete  bool
	CanStock   bool // inventory:update: the grid's quantity column is editable
	Tab        string
	CSRF       string
}

// IsNew reports whether this is the create form.
func (e Edit) IsNew() bool { return e.Product == nil }

// Slug is the open tenant's.
func (e Edit) Slug() string { return e.Tenant.Slug }

// Title is the page's heading.
func (e Edit) Title() string {
	if e.IsNew() {
		return "New product"
	}
	return TitleOf(e.Product, e.Tenant.DefaultLocale)
}

// Action is where the product form posts.
func (e Edit) Action() string {
	if e.IsNew() {
		return ListURL(e.Slug())
	}
	return ProductURL(e.Slug(), e.Product.ID)
}

// ActiveLocale is the locale tab shown.
func (e Edit) ActiveLocale() string {
	for _, tr := range e.Form.Translations {
		if tr.Locale == e.Tab {
			return e.Tab
		}
	}
	for _, tr := range e.Form.Translations {
		if e.LocaleHasError(tr.Locale) {
			return tr.Locale
		}
	}
	return e.Tenant.DefaultLocale
}

// TabURL opens a locale tab without JavaScript.
func (e Edit) TabURL(locale string) string { return e.Action() + "?tab=" + locale }

// TrErr is a translation field's message.
func (e Edit) TrErr(locale, field string) string {
	return e.Form.Err("translations." + locale + "." + field)
}

// LocaleHasError reports whether a field of the locale was refused.
func (e Edit) LocaleHasError(locale string) bool {
	for k := range e.Form.Errors {
		if strings.HasPrefix(k, "translations."+locale+".") {
			return true
		}
	}
	return false
}

// OptErr is an option field's message.
func (e Edit) OptErr(i int, field string) string {
	return e.Form.Err("options." + strconv.Itoa(i) + "." + field)
}

// Result is the page's result banner: the form's, else the grid's.
func (e Edit) Result() components.Flash {
	r := e.Form.Result
	if r.Message == "" {
		r = e.Grid.Result
	}
	if e.Form.Invalid() {
		var keys []string
		for k := range e.Form.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k != "options" {
				r.Details = append(r.Details, fieldLabel(k)+": "+e.Form.Errors[k])
			}
		}
	}
	return r
}

func fieldLabel(key string) string {
	parts := strings.Split(key, ".")
	switch {
	case len(parts) == 3 && parts[0] == "translations":
		return parts[1] + " · " + strings.ReplaceAll(parts[2], "_", " ")
	case len(parts) == 3 && parts[0] == "options":
		n, _ := strconv.Atoi(parts[1])
		return "Option " + strconv.Itoa(n+1) + " " + parts[2]
	}
	return strings.ReplaceAll(key, "_", " ")
}

// Transitions are the workflow moves from the product's status.
func (e Edit) Transitions() []string {
	var out []string
	for _, m := range models.ProductWorkflow.From(e.Product.Status) {
		out = append(out, m.To)
	}
	return out
}

// ActivateProblem says why Activate would be refused, or "".
func (e Edit) ActivateProblem() string { return models.ActivateProblem(e.Tenant, e.Product) }

// Unsaved reports whether a form holds refused input.
func (e Edit) Unsaved() bool { return e.Form.Unsaved() }

// fieldTestID is a cell's test id suffix: price.USD → price-usd.
func fieldTestID(field string) string { return strings.ToLower(strings.ReplaceAll(field, ".", "-")) }
