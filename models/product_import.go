package models

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/migrations"
)

// The catalog import writes products read from a file (internal/catalogcsv) in batches. A
// product is matched by its handle in the tenant's default locale, a variant by its SKU and
// else by its option values, so importing the same file again finds everything as it is and
// writes nothing — no row, no event. An import only adds and changes: it never removes a
// product, a variant, a translation or a price (an empty cell keeps what is there).

// ImportRowError is one problem with a row of an imported file: its line (1 is the header), the
// column and a sentence saying what is wrong.
type ImportRowError struct {
	Line    int
	Column  string
	Message string
	Handle  string // the product's, when a check lists it
}

func (e ImportRowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, %s: %s", e.Line, e.Column, e.Message)
}

// ImportProduct is one product of a file: the rows of one handle, read.
type ImportProduct struct {
	Handle       string
	Line         int            // its first row
	Lines        map[string]int // the row of each locale's translation
	Vendor       string
	ProductType  string
	Status       string // "" = keep the product's (draft for a new one)
	Options      []ProductOption
	Translations []ProductTranslationInput // the default locale's first
	Variants     []ImportVariant
	Errors       []ImportRowError // problems found while reading: the product is rejected
}

// ImportVariant is one variant row.
type ImportVariant struct {
	Line      int
	Values    Combo // the option values, in the product's option order
	SKU       string
	Barcode   string
	Quantity  *int64 // nil: leave the stock alone
	Policy    string // "" = keep (deny for a new variant)
	Threshold *int64 // nil = keep (the tenant's for a new variant)
	Prices    map[string]ImportPrice
}

// ImportPrice is a currency's price and compare-at in minor units; a nil Amount keeps the
// variant's price in that currency.
type ImportPrice struct{ Amount, CompareAt *int64 }

// What an import does to a product.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
	ImportRejected  = "rejected"
)

// ImportOutcome is what an import did (or, dry, would do) to one product of a batch.
type ImportOutcome struct {
	Action string
	Errors []ImportRowError // why it was rejected
}

// ImportOptions: DryRun works the batch out in a transaction that is rolled back, so a check
// finds exactly what the import would do; JobRunID marks the ledger rows the import writes.
type ImportOptions struct {
	DryRun   bool
	JobRunID *uuid.UUID
}

// ReasonImport is the ledger reason of stock an import sets; it is not offered in forms.
const ReasonImport = "import"

var errDryRun = errors.New("dry run")

// ImportProducts writes a batch of products in one transaction, with their events: each
// product in a savepoint of its own, so a product that cannot be written (a rule of the
// catalog, a handle or SKU another product has) is rejected with its reasons while the others
// are written. Products with Errors are rejected as they are.
func (s *Store) ImportProducts(ctx context.Context, tenant *Tenant, batch []*ImportProduct, opt ImportOptions) ([]ImportOutcome, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx && opt.DryRun {
		return nil, errors.New("models: a dry-run import needs a transaction of its own, to roll it back")
	}
	if opt.JobRunID != nil {
		ctx = context.WithValue(ctx, jobRunKey{}, *opt.JobRunID)
	}
	var out []ImportOutcome
	err := s.WithTx(ctx, func(ctx context.Context) error {
		out = make([]ImportOutcome, len(batch))
		existing, err := s.importExisting(ctx, tenant, batch)
		if err != nil {
			return err
		}
		owners, err := s.skuOwners(ctx, tenant, batch)
		if err != nil {
			return err
		}
		for i, ip := range batch {
			if len(ip.Errors) > 0 {
				out[i] = ImportOutcome{Action: ImportRejected, Errors: ip.Errors}
				continue
			}
			if err := s.Conn(ctx).Exec("SAVEPOINT import_product").Error; err != nil {
				return translate(err, "import")
			}
			action, errs, evts, err := s.importProduct(ctx, tenant, ip, existing[strings.ToLower(ip.Handle)], owners)
			var ve *ValidationError
			var sc *StockConflictError
			switch {
			case errors.As(err, &ve):
				errs = append(errs, rowErrors(ip, ve)...)
			case errors.As(err, &sc):
				errs = append(errs, ImportRowError{Line: ip.Line, Column: "Variant Inventory Qty",
					Message: "The stock changed while this product was imported; import the file again."})
			case err != nil:
				return err
			}
			if len(errs) > 0 {
				if err := s.Conn(ctx).Exec("ROLLBACK TO SAVEPOINT import_product").Error; err != nil {
					return translate(err, "import")
				}
				out[i] = ImportOutcome{Action: ImportRejected, Errors: errs}
				continue
			}
			// The product's events only now, when it is sure to stay: on PostgreSQL they wait in
			// memory for the commit, where a rollback to the savepoint would not reach them.
			if err := s.Append(ctx, evts...); err != nil {
				return err
			}
			if err := s.Conn(ctx).Exec("RELEASE SAVEPOINT import_product").Error; err != nil {
				return translate(err, "import")
			}
			out[i] = ImportOutcome{Action: action}
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

type jobRunKey struct{}

// jobRunFrom is the import job whose transaction ctx carries, for its ledger rows.
func jobRunFrom(ctx context.Context) *uuid.UUID {
	if id, ok := ctx.Value(jobRunKey{}).(uuid.UUID); ok {
		return &id
	}
	return nil
}

// importExisting loads (and on PostgreSQL locks) the batch's products the tenant has, by
// lower-case handle in the default locale.
func (s *Store) importExisting(ctx context.Context, tenant *Tenant, batch []*ImportProduct) (map[string]*Product, error) {
	var handles []string
	for _, ip := range batch {
		if len(ip.Errors) == 0 {
			handles = append(handles, strings.ToLower(ip.Handle))
		}
	}
	out := map[string]*Product{}
	if len(handles) == 0 {
		return out, nil
	}
	var rows []ProductTranslation
	err := s.Conn(ctx).Select("product_id", "handle").
		Where("tenant_id = ? AND locale = ? AND handle IN ?", tenant.ID, tenant.DefaultLocale, handles).Find(&rows).Error
	if err != nil {
		return nil, translate(err, "import: products by handle")
	}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ProductID
	}
	ps, err := s.lockProducts(ctx, tenant.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if p := ps[r.ProductID]; p != nil {
			sortProduct(p)
			out[r.Handle] = p
		}
	}
	return out, nil
}

type skuOwner struct {
	variant, product uuid.UUID
	sku              string
}

// skuOwners finds the variants of the tenant that have the batch's SKUs (lower case).
func (s *Store) skuOwners(ctx context.Context, tenant *Tenant, batch []*ImportProduct) (map[string]skuOwner, error) {
	var skus []string
	for _, ip := range batch {
		for _, v := range ip.Variants {
			if v.SKU != "" {
				skus = append(skus, strings.ToLower(v.SKU))
			}
		}
	}
	out := map[string]skuOwner{}
	for chunk := range slices.Chunk(skus, 500) {
		var vs []Variant
		err := s.Conn(ctx).Select("id", "product_id", "sku").Where("tenant_id = ? AND sku <> '' AND lower(sku) IN ?", tenant.ID, chunk).Find(&vs).Error
		if err != nil {
			return nil, translate(err, "import: SKUs")
		}
		for _, v := range vs {
			out[strings.ToLower(v.SKU)] = skuOwner{variant: v.ID, product: v.ProductID, sku: v.SKU}
		}
	}
	return out, nil
}

// importColumns names the file's column of each field a catalog rule may refuse.
var importColumns = map[string]string{
	"title": "Title", "handle": "Handle", "description": "Body (Markdown)", "seo_title": "SEO Title",
	"seo_description": "SEO Description", "locale": "Locale", "vendor": "Vendor", "product_type": "Type",
	"options": "Option1 Name", "status": "Status", "quantity": "Variant Inventory Qty",
}

// rowErrors turns a catalog rule's field errors into row errors of the product's rows.
func rowErrors(ip *ImportProduct, ve *ValidationError) []ImportRowError {
	var out []ImportRowError
	for _, field := range sortedKeys(ve.Fields) {
		line, col := ip.Line, ""
		if rest, ok := strings.CutPrefix(field, "translations."); ok {
			loc, f, _ := strings.Cut(rest, ".")
			if l, ok := ip.Lines[loc]; ok {
				line = l
			}
			col = importColumns[f]
		} else if c, ok := importColumns[field]; ok {
			col = c
		} else if strings.HasPrefix(field, "options.") {
			col = "Option1 Name"
		} else if strings.HasSuffix(field, ".sku") {
			col = "Variant SKU"
		}
		out = append(out, ImportRowError{Line: line, Column: col, Message: ve.Fields[field]})
	}
	return out
}

// importProduct creates or updates one product as its rows say, in the caller's savepoint. Row
// errors (and a *ValidationError) reject it; the caller rolls the savepoint back.
func (s *Store) importProduct(ctx context.Context, tenant *Tenant, ip *ImportProduct, p *Product, owners map[string]skuOwner) (string, []ImportRowError, []events.Event, error) {
	var errs []ImportRowError
	bad := func(line int, col, msg string) {
		errs = append(errs, ImportRowError{Line: line, Column: col, Message: msg})
	}
	fe := fieldErrors{}
	vendor, ptype := strings.TrimSpace(ip.Vendor), strings.TrimSpace(ip.ProductType)
	checkShort(fe, "vendor", "Vendor", vendor, MaxVendor)
	checkShort(fe, "product_type", "Product type", ptype, MaxVendor)
	if p != nil { // an empty cell keeps what is there
		vendor, ptype = cmp.Or(vendor, p.Vendor), cmp.Or(ptype, p.ProductType)
	}
	// Translations: a locale's existing handle is kept (the file carries only the default
	// locale's); a new translation's is made from its title.
	ins := make([]ProductTranslationInput, len(ip.Translations))
	for i, in := range ip.Translations {
		if p != nil {
			if old := p.Translation(in.Locale); old != nil {
				if in.Locale != tenant.DefaultLocale {
					in.Handle = old.Handle
				}
				// An empty cell (or a column not read) keeps what is there.
				in.Title = cmp.Or(strings.TrimSpace(in.Title), old.Title)
				in.Description = cmp.Or(in.Description, old.Description)
				in.SEOTitle = cmp.Or(strings.TrimSpace(in.SEOTitle), old.SEOTitle)
				in.SEODescription = cmp.Or(strings.TrimSpace(in.SEODescription), old.SEODescription)
			}
		}
		if in.Locale != tenant.DefaultLocale && strings.TrimSpace(in.Title) == "" {
			bad(ip.Lines[in.Locale], "Title", "A translation row needs a title.")
		}
		ins[i] = in
	}
	trs, _ := validateProductTranslations(tenant, ins, fe)
	opts := NormalizeOptions(ip.Options)
	if p != nil {
		merged, msg := mergeOptions(p, opts)
		if msg != "" {
			bad(ip.Line, "Option1 Name", msg)
		}
		opts = merged
	}
	validateOptions(opts, fe)
	for _, v := range ip.Variants {
		switch {
		case len([]rune(v.SKU)) > MaxSKU:
			bad(v.Line, "Variant SKU", fmt.Sprintf("At most %d characters.", MaxSKU))
		case strings.ContainsAny(v.SKU, " \t"):
			bad(v.Line, "Variant SKU", "A SKU has no spaces.")
		}
		if len([]rune(v.Barcode)) > MaxBarcode {
			bad(v.Line, "Variant Barcode", fmt.Sprintf("At most %d characters.", MaxBarcode))
		}
		if v.SKU != "" {
			if o, ok := owners[strings.ToLower(v.SKU)]; ok && (p == nil || o.product != p.ID) {
				bad(v.Line, "Variant SKU", "“"+v.SKU+"” is already the SKU of a variant of another product.")
			}
		}
	}
	if p == nil && len(ip.Variants) > MaxVariants {
		bad(ip.Line, "", fmt.Sprintf("A product has at most %d variants.", MaxVariants))
	}
	if err := fe.err(); err != nil || len(errs) > 0 {
		return "", errs, nil, err
	}
	if p == nil {
		if err := s.checkHandles(ctx, tenant.ID, uuid.Nil, trs, fe); err != nil {
			return "", nil, nil, err
		}
		return s.importCreate(ctx, tenant, ip, trs, vendor, ptype, opts)
	}
	return s.importUpdate(ctx, tenant, ip, p, trs, vendor, ptype, opts)
}

// mergeOptions is the product's options with the values the file adds, in the file's order.
// The options themselves (their names, in order) must be the product's: changing them may
// remove variants, which is the editor's work.
func mergeOptions(p *Product, file []ProductOption) ([]ProductOption, string) {
	names := func(opts []ProductOption) []string {
		out := make([]string, len(opts))
		for i, o := range opts {
			out[i] = o.Name
		}
		return out
	}
	if !slices.Equal(names(p.Options), names(file)) {
		have := strings.Join(names(p.Options), ", ")
		if have == "" {
			have = "none"
		}
		return p.Options, "The product's options are " + have + "; the file gives " + orNone(strings.Join(names(file), ", ")) +
			". Change a product's options in its editor, then import."
	}
	out := make([]ProductOption, len(p.Options))
	for i, o := range p.Options {
		vals := slices.Clone(o.Values)
		for _, v := range file[i].Values {
			if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		out[i] = ProductOption{Name: o.Name, Values: vals}
	}
	return out, ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// importCreate inserts a new product with exactly the file's variants, their prices and stock
// (ledger reason import), then moves it to the file's status.
func (s *Store) importCreate(ctx context.Context, tenant *Tenant, ip *ImportProduct, trs []ProductTranslationInput, vendor, ptype string, opts []ProductOption) (string, []ImportRowError, []events.Event, error) {
	p := &Product{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, Status: ProductDraft, Vendor: vendor, ProductType: ptype, Options: opts, Version: 1}
	if err := s.Conn(ctx).Omit(clause.Associations).Create(p).Error; err != nil {
		return "", nil, nil, translate(err, "import product")
	}
	ref := events.ProductRef{ProductID: p.ID}
	evts := []events.Event{&events.ProductCreated{ProductRef: ref, Status: p.Status, Vendor: p.Vendor, ProductType: p.ProductType}}
	for _, t := range trs {
		tr := ProductTranslation{ID: uuid.Must(uuid.NewV7()), ProductID: p.ID, TenantID: tenant.ID, Locale: t.Locale,
			Title: t.Title, Handle: t.Handle, Description: t.Description, SEOTitle: t.SEOTitle, SEODescription: t.SEODescription}
		if err := s.saveProductTranslation(ctx, &tr, true); err != nil {
			return "", nil, nil, err
		}
		p.Translations = append(p.Translations, tr)
		evts = append(evts, translationChangeEvent(ref, t.Locale, productTranslationChanges(ProductTranslation{}, t)))
	}
	now := s.db.NowFunc()
	var prices []Price
	for _, iv := range ip.Variants {
		v := newImportVariant(tenant, p, opts, iv, now)
		if iv.Quantity != nil {
			if v.InventoryPolicy == PolicyDeny && *iv.Quantity < 0 {
				return "", []ImportRowError{{Line: iv.Line, Column: "Variant Inventory Qty", Message: "With policy deny the stock cannot be below zero."}}, nil, nil
			}
			v.InventoryQuantity = *iv.Quantity
		}
		for _, cur := range sortedKeys(iv.Prices) {
			pr := iv.Prices[cur]
			if pr.Amount == nil {
				continue
			}
			price := Price{VariantID: v.ID, TenantID: tenant.ID, Currency: cur, Amount: *pr.Amount, CompareAtAmount: pr.CompareAt, UpdatedAt: now}
			prices, v.Prices = append(prices, price), append(v.Prices, price)
		}
		p.Variants = append(p.Variants, v)
	}
	if err := s.Conn(ctx).Omit(clause.Associations).CreateInBatches(p.Variants, 200).Error; err != nil {
		return "", nil, nil, skuClash(err, uuid.Nil)
	}
	var ledger []LedgerEntry
	for i := range p.Variants {
		v := &p.Variants[i]
		vref := events.VariantRef{ProductRef: ref, VariantID: v.ID}
		evts = append(evts, &events.VariantCreated{VariantRef: vref, SKU: v.SKU, Title: v.Title()})
		for _, pr := range v.Prices {
			evts = append(evts, &events.PriceUpdated{VariantRef: vref, Currency: pr.Currency, Amount: pr.Amount, CompareAtAmount: pr.CompareAtAmount})
		}
		if v.InventoryQuantity != 0 {
			// The stock went in with the row; its ledger rows go in one statement below.
			ledger = append(ledger, LedgerEntry{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, ProductID: p.ID, VariantID: v.ID,
				Delta: v.InventoryQuantity, QuantityAfter: v.InventoryQuantity, Reason: ReasonImport, Note: "Import",
				ActorID: events.ActorFrom(ctx), JobRunID: jobRunFrom(ctx), CreatedAt: now})
			evts = append(evts, stockEvents(v, 0, ReasonImport)...)
		}
	}
	if len(prices) > 0 {
		if err := s.Conn(ctx).CreateInBatches(prices, priceBatch).Error; err != nil {
			return "", nil, nil, translate(err, "import prices")
		}
	}
	if len(ledger) > 0 {
		if err := s.Conn(ctx).CreateInBatches(ledger, 200).Error; err != nil {
			return "", nil, nil, translate(err, "import ledger")
		}
	}
	if ip.Status != "" && ip.Status != ProductDraft {
		ev, err := s.moveProduct(ctx, tenant, p, ip.Status)
		if err != nil {
			return "", nil, nil, err
		}
		evts = append(evts, ev)
	}
	return ImportCreated, nil, evts, nil
}

// newImportVariant is a new variant of p as a row of the file gives it (no stock yet: that goes
// through the ledger), with the catalog's defaults where the row leaves a cell empty.
func newImportVariant(tenant *Tenant, p *Product, opts []ProductOption, iv ImportVariant, now time.Time) Variant {
	v := Variant{ID: uuid.Must(uuid.NewV7()), ProductID: p.ID, TenantID: tenant.ID, SKU: iv.SKU, Barcode: iv.Barcode,
		Option1: iv.Values[0], Option2: iv.Values[1], Option3: iv.Values[2], Position: position(opts, iv.Values),
		InventoryPolicy: PolicyDeny, LowStockThreshold: tenant.LowStock(), Version: 1, CreatedAt: now, UpdatedAt: now}
	if iv.Policy != "" {
		v.InventoryPolicy = iv.Policy
	}
	if iv.Threshold != nil {
		v.LowStockThreshold = *iv.Threshold
	}
	return v
}

// importUpdate changes an existing product as the file says: text, vendor and type, new option
// values and variants, each matched variant's fields, prices and stock, and its status. What is
// already as the file says is not written.
func (s *Store) importUpdate(ctx context.Context, tenant *Tenant, ip *ImportProduct, p *Product, trs []ProductTranslationInput, vendor, ptype string, opts []ProductOption) (string, []ImportRowError, []events.Event, error) {
	var errs []ImportRowError
	bad := func(line int, col, msg string) {
		errs = append(errs, ImportRowError{Line: line, Column: col, Message: msg})
	}
	// Match each row to a variant: by SKU, else by its option values.
	matched := make([]*Variant, len(ip.Variants))
	taken := map[uuid.UUID]int{}
	for i, iv := range ip.Variants {
		var v *Variant
		if iv.SKU != "" {
			for k := range p.Variants {
				if strings.EqualFold(p.Variants[k].SKU, iv.SKU) {
					v = &p.Variants[k]
				}
			}
			if v != nil && v.Combo() != iv.Values {
				bad(iv.Line, "Option1 Value", fmt.Sprintf("“%s” is the SKU of the variant %s; this row says %s. Change a variant's options in the editor.",
					iv.SKU, v.Title(), iv.Values.Title()))
				continue
			}
		}
		if v == nil {
			for k := range p.Variants {
				if p.Variants[k].Combo() == iv.Values {
					v = &p.Variants[k]
				}
			}
		}
		if v == nil {
			continue // a new variant
		}
		if line, dup := taken[v.ID]; dup {
			bad(iv.Line, "Variant SKU", fmt.Sprintf("This row and line %d are the same variant (%s).", line, v.Title()))
			continue
		}
		taken[v.ID] = iv.Line
		matched[i] = v
	}
	if len(errs) > 0 {
		return "", errs, nil, nil
	}
	ref := events.ProductRef{ProductID: p.ID}
	var evts []events.Event
	changes := events.Changes{}.Diff("vendor", p.Vendor, vendor).Diff("product_type", p.ProductType, ptype)
	optionsChanged := !optionsEqual(opts, p.Options)
	if optionsChanged {
		changes = changes.Diff("options", optionsSummary(p.Options), optionsSummary(opts))
	}
	if len(changes) > 0 {
		evts = append(evts, &events.ProductUpdated{ProductRef: ref, Changes: changes})
	}
	tevts, err := s.writeTranslations(ctx, tenant, p, trs, true)
	if err != nil {
		return "", nil, nil, err
	}
	evts = append(evts, tevts...)
	if len(evts) > 0 {
		p.Vendor, p.ProductType, p.Options = vendor, ptype, opts
		if err := s.saveVersioned(ctx, p, "import product", "vendor", "product_type", "options"); err != nil {
			return "", nil, nil, err
		}
	}
	// Variants: new ones inserted, matched ones changed where the file differs.
	now := s.db.NowFunc()
	var prices []Price
	// Room for the new variants first: matched points into p.Variants, which must not move.
	if extra := len(ip.Variants) - len(taken); extra > 0 {
		grown := slices.Grow(slices.Clone(p.Variants), extra)
		for i, v := range matched {
			if v != nil {
				matched[i] = &grown[slices.IndexFunc(grown, func(x Variant) bool { return x.ID == v.ID })]
			}
		}
		p.Variants = grown
	}
	for i, iv := range ip.Variants {
		v := matched[i]
		if v == nil {
			nv := newImportVariant(tenant, p, opts, iv, now)
			if len(p.Variants) >= MaxVariants {
				bad(iv.Line, "", fmt.Sprintf("A product has at most %d variants.", MaxVariants))
				return "", errs, nil, nil
			}
			if err := s.Conn(ctx).Omit(clause.Associations).Create(&nv).Error; err != nil {
				return "", nil, nil, skuClash(err, nv.ID)
			}
			p.Variants = append(p.Variants, nv)
			v = &p.Variants[len(p.Variants)-1]
			evts = append(evts, &events.VariantCreated{VariantRef: events.VariantRef{ProductRef: ref, VariantID: v.ID}, SKU: v.SKU, Title: v.Title()})
			matched[i] = v
		}
		vref := events.VariantRef{ProductRef: ref, VariantID: v.ID}
		policy, threshold := v.InventoryPolicy, v.LowStockThreshold
		if iv.Policy != "" {
			policy = iv.Policy
		}
		if iv.Threshold != nil {
			threshold = *iv.Threshold
		}
		quantity := v.InventoryQuantity
		if iv.Quantity != nil {
			quantity = *iv.Quantity
		}
		if policy == PolicyDeny && quantity < 0 {
			bad(iv.Line, "Variant Inventory Policy", "Stock is below zero: it must be 0 or more before the policy can be deny.")
			return "", errs, nil, nil
		}
		barcode := cmp.Or(iv.Barcode, v.Barcode) // an empty cell keeps it
		c := events.Changes{}.Diff("sku", v.SKU, iv.SKU).Diff("barcode", v.Barcode, barcode).
			Diff("inventory_policy", v.InventoryPolicy, policy).Diff("low_stock_threshold", v.LowStockThreshold, threshold)
		if iv.SKU == "" && v.SKU != "" {
			delete(c, "sku") // an empty cell keeps the SKU
		}
		var priceEvts []events.Event
		for _, cur := range sortedKeys(iv.Prices) {
			ipr := iv.Prices[cur]
			if ipr.Amount == nil {
				continue
			}
			old := v.Price(cur)
			if ipr.CompareAt == nil && old != nil && old.CompareAtAmount != nil {
				if *old.CompareAtAmount < *ipr.Amount {
					bad(iv.Line, "Compare At Price "+cur, "The variant's compare-at price is below this new price: give a compare-at price of at least the price.")
					return "", errs, nil, nil
				}
				ipr.CompareAt = old.CompareAtAmount // an empty cell keeps it
			}
			if old != nil && old.Amount == *ipr.Amount && equalPtr(old.CompareAtAmount, ipr.CompareAt) {
				continue
			}
			ev := &events.PriceUpdated{VariantRef: vref, Currency: cur, Amount: *ipr.Amount, CompareAtAmount: ipr.CompareAt}
			if old != nil {
				ev.OldAmount, ev.OldCompareAtAmount = &old.Amount, old.CompareAtAmount
			}
			prices = append(prices, Price{VariantID: v.ID, TenantID: tenant.ID, Currency: cur, Amount: *ipr.Amount, CompareAtAmount: ipr.CompareAt, UpdatedAt: now})
			priceEvts = append(priceEvts, ev)
		}
		if len(c) > 0 || len(priceEvts) > 0 {
			fields := map[string]any{"version": v.Version + 1, "updated_at": now}
			for f, val := range map[string]any{"sku": iv.SKU, "barcode": barcode, "inventory_policy": policy, "low_stock_threshold": threshold} {
				if _, changed := c[f]; changed {
					fields[f] = val
				}
			}
			if err := s.Conn(ctx).Model(&Variant{}).Where("id = ? AND version = ?", v.ID, v.Version).Updates(fields).Error; err != nil {
				return "", nil, nil, skuClash(err, v.ID)
			}
			v.Version++
			applyFields(v, fields)
			if len(c) > 0 {
				evts = append(evts, &events.VariantUpdated{VariantRef: vref, Changes: c})
			}
			evts = append(evts, priceEvts...)
		}
		if iv.Quantity != nil && *iv.Quantity != v.InventoryQuantity {
			_, sevts, err := s.setStockLocked(ctx, tenant, v, v.InventoryQuantity, *iv.Quantity, ReasonImport, "Import")
			if err != nil {
				return "", nil, nil, err
			}
			evts = append(evts, sevts...)
		}
	}
	if len(prices) > 0 {
		err := s.Conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "variant_id"}, {Name: "currency"}},
			DoUpdates: clause.AssignmentColumns([]string{"amount", "compare_at_amount", "updated_at"})}).
			CreateInBatches(prices, priceBatch).Error
		if err != nil {
			return "", nil, nil, translate(err, "import prices")
		}
		for _, pr := range prices {
			v := p.Variant(pr.VariantID)
			if old := v.Price(pr.Currency); old != nil {
				*old = pr
			} else {
				v.Prices = append(v.Prices, pr)
			}
		}
	}
	if ip.Status != "" && ip.Status != p.Status {
		moves, err := s.importMove(ctx, tenant, p, ip.Status)
		if err != nil {
			return "", nil, nil, err
		}
		evts = append(evts, moves...)
	}
	if len(evts) == 0 {
		return ImportUnchanged, nil, nil, nil
	}
	return ImportUpdated, nil, evts, nil
}

// importMove moves the product to the file's status, through draft when the workflow has no
// direct move (archived → active).
func (s *Store) importMove(ctx context.Context, tenant *Tenant, p *Product, to string) ([]events.Event, error) {
	var evts []events.Event
	if _, err := ProductWorkflow.Move(p.Status, to); err != nil && p.Status != ProductDraft {
		ev, err := s.moveProduct(ctx, tenant, p, ProductDraft)
		if err != nil {
			return nil, err
		}
		evts = append(evts, ev)
	}
	ev, err := s.moveProduct(ctx, tenant, p, to)
	if err != nil {
		return nil, err
	}
	return append(evts, ev), nil
}

// AnalyzeCatalog refreshes PostgreSQL's statistics of the catalog's tables. A large import
// calls it as it goes: the tables grow faster than autovacuum looks at them, and a plan made
// for a nearly empty tenant (scanning its variants for a SKU or a stock update) gets slower
// with every batch (docs/BENCHMARKS.md). SQLite plans by its indexes and needs none.
func (s *Store) AnalyzeCatalog(ctx context.Context) error {
	if s.dialect != migrations.Postgres {
		return nil
	}
	err := s.Conn(ctx).Exec("ANALYZE products, product_translations, product_variants, variant_prices, inventory_ledger").Error
	return translate(err, "analyze catalog")
}
