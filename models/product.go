package models

import (
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
	"github.com/rustok/rustok-admin/internal/textsearch"
	"github.com/rustok/rustok-admin/migrations"
)

// Product statuses (DESIGN.md).
const (
	ProductDraft    = "draft"
	ProductActive   = "active"
	ProductArchived = "archived"
)

// ProductWorkflow is the product's state machine: draft → active → archived, and back to draft
// from either. Activating has its own conditions (activateProblems).
var ProductWorkflow = NewWorkflow("product", []string{ProductDraft, ProductActive, ProductArchived},
	Move{From: ProductDraft, To: ProductActive, Verb: "Activate", Done: "activated"},
	Move{From: ProductActive, To: ProductDraft, Verb: "Unpublish", Done: "moved back to draft"},
	Move{From: ProductActive, To: ProductArchived, Verb: "Archive", Done: "archived"},
	Move{From: ProductDraft, To: ProductArchived, Verb: "Archive", Done: "archived"},
	Move{From: ProductArchived, To: ProductDraft, Verb: "Restore as draft", Done: "restored as a draft"},
)

// Limits of a product and its options, in characters (runes) unless said otherwise.
const (
	MaxProductTitle       = 200
	MaxProductHandle      = 100
	MaxProductDescription = MaxNodeBody // bytes of Markdown, as a node's body
	MaxSEOTitle           = 200
	MaxSEODescription     = 500
	MaxVendor             = 200
	MaxOptions            = 3
	MaxOptionName         = 100
	MaxOptionValue        = 100
	MaxOptionValues       = 100
	MaxVariants           = 1_000 // per product: the matrix of the options may not exceed it
)

// Product is a sellable item of one tenant: its text lives in one ProductTranslation per
// locale, its options (up to three, each with ordered values) on the row, and what is sold —
// SKU, prices, stock — in its Variants, the matrix of the option values.
type Product struct {
	ID           uuid.UUID       `gorm:"type:uuid;primaryKey"`
	TenantID     uuid.UUID       `gorm:"type:uuid;not null"`
	Status       string          `gorm:"not null"`
	Vendor       string          `gorm:"not null"`
	ProductType  string          `gorm:"not null"`
	Options      []ProductOption `gorm:"serializer:json;not null"`
	PublishedAt  *time.Time
	Version      int `gorm:"not null;default:1"` // bumped by every change of the product row or its translations
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Translations []ProductTranslation `gorm:"foreignKey:ProductID"` // ordered by locale when loaded
	Variants     []Variant            `gorm:"foreignKey:ProductID"` // ordered by position when loaded
}

// ProductOption is one option of a product (Size, Colour …) with its values in order.
type ProductOption struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// ProductTranslation is a product's text in one locale. The handle is unique per tenant and
// locale; TitleSearch is the title case-folded by Go, as for nodes.
type ProductTranslation struct {
	ID             uuid.UUID `gorm:"type:uuid;primaryKey"`
	ProductID      uuid.UUID `gorm:"type:uuid;not null"`
	TenantID       uuid.UUID `gorm:"type:uuid;not null"`
	Locale         string    `gorm:"not null"`
	Title          string    `gorm:"not null"`
	TitleSearch    string    `gorm:"not null"`
	Handle         string    `gorm:"not null"`
	Description    string    `gorm:"not null"` // Markdown
	SEOTitle       string    `gorm:"column:seo_title;not null"`
	SEODescription string    `gorm:"column:seo_description;not null"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Translation returns the product's translation in locale, or nil.
func (p *Product) Translation(locale string) *ProductTranslation {
	for i := range p.Translations {
		if p.Translations[i].Locale == locale {
			return &p.Translations[i]
		}
	}
	return nil
}

// Variant returns the product's variant with the id, or nil.
func (p *Product) Variant(id uuid.UUID) *Variant {
	for i := range p.Variants {
		if p.Variants[i].ID == id {
			return &p.Variants[i]
		}
	}
	return nil
}

// Title is the product's title in locale, else in its first locale, else "".
func (p *Product) Title(locale string) string {
	if tr := p.Translation(locale); tr != nil {
		return tr.Title
	}
	if len(p.Translations) > 0 {
		return p.Translations[0].Title
	}
	return ""
}

// ProductTranslationInput is one locale's text as typed. An empty Handle is made from the Title.
// A translation whose fields are all empty is ignored on create and removes the locale's
// translation on update.
type ProductTranslationInput struct {
	Locale         string
	Title          string
	Handle         string
	Description    string
	SEOTitle       string
	SEODescription string
}

func (in *ProductTranslationInput) normalize() {
	in.Locale = strings.TrimSpace(in.Locale)
	in.Title = strings.TrimSpace(in.Title)
	in.Handle = strings.ToLower(strings.TrimSpace(in.Handle))
	in.Description = strings.ReplaceAll(in.Description, "\r\n", "\n")
	in.SEOTitle = strings.TrimSpace(in.SEOTitle)
	in.SEODescription = strings.TrimSpace(in.SEODescription)
	if in.Handle == "" && in.Title != "" {
		in.Handle = Slugify(in.Title)
	}
}

func (in *ProductTranslationInput) empty() bool {
	return in.Title == "" && in.Handle == "" && strings.TrimSpace(in.Description) == "" && in.SEOTitle == "" && in.SEODescription == ""
}

// ProductInput is what a caller may set on a product. On update, locales missing from
// Translations keep their translation, and a nil Options keeps the options (and variants).
type ProductInput struct {
	Vendor       string
	ProductType  string
	Translations []ProductTranslationInput
	// Options replaces the product's options when non-nil; the variants follow (PlanMatrix).
	Options []ProductOption
	// ConfirmRemoval allows an options change that removes variants; without it such a change is
	// refused with a *ValidationError on "options" naming them, and nothing is saved.
	ConfirmRemoval bool
	// Version is the version the editor was loaded from; nil skips the check (version.go).
	Version *int
}

func productField(locale, field string) string { return "translations." + locale + "." + field }

func handleTakenMessage(locale string) string {
	return "This handle is already used by another product in " + locale + "."
}

// validateProductTranslations checks each non-empty translation (see validateTranslations).
func validateProductTranslations(tenant *Tenant, ins []ProductTranslationInput, fe fieldErrors) (kept []ProductTranslationInput, removed []string) {
	seen := map[string]bool{}
	for _, in := range ins {
		in.normalize()
		loc := in.Locale
		switch {
		case loc == "":
			fe.add("translations", "Every translation needs a locale.")
			continue
		case !slices.Contains(tenant.Locales, loc):
			fe.add(productField(loc, "locale"), "“"+loc+"” is not one of this tenant's locales.")
			continue
		case seen[loc]:
			fe.add(productField(loc, "locale"), "The locale "+loc+" is given twice.")
			continue
		}
		seen[loc] = true
		if in.empty() {
			removed = append(removed, loc)
			continue
		}
		switch {
		case in.Title == "":
			fe.add(productField(loc, "title"), "Title is required.")
		case len([]rune(in.Title)) > MaxProductTitle:
			fe.add(productField(loc, "title"), fmt.Sprintf("Title must be at most %d characters.", MaxProductTitle))
		}
		switch {
		case in.Handle == "" && in.Title != "":
			fe.add(productField(loc, "handle"), "The title has no letters or digits to make a handle from; enter a handle.")
		case in.Handle == "":
		case len(in.Handle) > MaxProductHandle:
			fe.add(productField(loc, "handle"), fmt.Sprintf("Handle must be at most %d characters.", MaxProductHandle))
		case !nodeSlugPattern.MatchString(in.Handle):
			fe.add(productField(loc, "handle"), "Use lowercase letters and digits in words joined by single hyphens, such as blue-t-shirt.")
		}
		if len(in.Description) > MaxProductDescription {
			fe.add(productField(loc, "description"), fmt.Sprintf("Description must be at most %d bytes of Markdown.", MaxProductDescription))
		}
		if len([]rune(in.SEOTitle)) > MaxSEOTitle {
			fe.add(productField(loc, "seo_title"), fmt.Sprintf("SEO title must be at most %d characters.", MaxSEOTitle))
		}
		if len([]rune(in.SEODescription)) > MaxSEODescription {
			fe.add(productField(loc, "seo_description"), fmt.Sprintf("SEO description must be at most %d characters.", MaxSEODescription))
		}
		kept = append(kept, in)
	}
	return kept, removed
}

// NormalizeOptions trims option names and values, drops empty values and options without a name
// or values, and keeps each value once.
func NormalizeOptions(opts []ProductOption) []ProductOption {
	out := []ProductOption{}
	for _, o := range opts {
		o.Name = strings.TrimSpace(o.Name)
		var vals []string
		for _, v := range o.Values {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		if o.Name == "" && len(vals) == 0 {
			continue
		}
		out = append(out, ProductOption{Name: o.Name, Values: vals})
	}
	return out
}

// validateOptions checks normalized options: at most three, named, named once, each with values
// of sane length, and a matrix of at most MaxVariants.
func validateOptions(opts []ProductOption, fe fieldErrors) {
	if len(opts) > MaxOptions {
		fe.add("options", fmt.Sprintf("A product has at most %d options.", MaxOptions))
		return
	}
	names := map[string]bool{}
	combos := 1
	for i, o := range opts {
		f := fmt.Sprintf("options.%d", i)
		switch {
		case o.Name == "":
			fe.add(f+".name", "Name the option, such as Size.")
		case len([]rune(o.Name)) > MaxOptionName:
			fe.add(f+".name", fmt.Sprintf("An option name has at most %d characters.", MaxOptionName))
		case names[strings.ToLower(o.Name)]:
			fe.add(f+".name", "“"+o.Name+"” is given twice.")
		}
		names[strings.ToLower(o.Name)] = true
		switch {
		case len(o.Values) == 0:
			fe.add(f+".values", "Give the option at least one value.")
		case len(o.Values) > MaxOptionValues:
			fe.add(f+".values", fmt.Sprintf("An option has at most %d values.", MaxOptionValues))
		}
		for _, v := range o.Values {
			if len([]rune(v)) > MaxOptionValue {
				fe.add(f+".values", fmt.Sprintf("A value has at most %d characters.", MaxOptionValue))
			}
		}
		combos *= max(len(o.Values), 1)
	}
	if combos > MaxVariants {
		fe.add("options", fmt.Sprintf("These options make %d variants; a product has at most %d.", combos, MaxVariants))
	}
}

// Combo is a variant's option values, "" for options the product does not have.
type Combo [MaxOptions]string

// Title joins the values with " / ", or "Default" for a product without options.
func (c Combo) Title() string {
	var parts []string
	for _, v := range c {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		return "Default"
	}
	return strings.Join(parts, " / ")
}

// matrix is every combination of the options' values, in order (the first option varies
// slowest); one empty Combo for no options.
func matrix(opts []ProductOption) []Combo {
	out := []Combo{{}}
	for i, o := range opts {
		next := make([]Combo, 0, len(out)*len(o.Values))
		for _, c := range out {
			for _, v := range o.Values {
				c2 := c
				c2[i] = v
				next = append(next, c2)
			}
		}
		out = next
	}
	return out
}

// MatrixPlan is what an options change does to a product's variants.
type MatrixPlan struct {
	Keep   map[uuid.UUID]Combo // existing variants, with their (possibly remapped) combination
	Add    []Combo             // new variants, in matrix order
	Remove []Variant           // variants whose combination is no longer in the matrix
}

// PlanMatrix says what replacing the options old with new does to the variants:
//   - an existing variant keeps its row (SKU, prices, stock) while its values are still offered;
//     an option added at the end gives every existing variant that option's first value, and a
//     removed option keeps only the variants with its first value (the others are removed);
//   - a combination is added when it uses a value that old did not offer (or a newly added
//     option's other values) and its old values are still those of some variant, or when the
//     product had no variants; combinations whose old values were left out (deleted variants)
//     stay left out, whatever is added;
//   - variants whose values are gone are removed.
//
// Options are matched by position; renaming an option keeps its variants, as does renaming
// nothing and reordering values (positions follow the new order).
func PlanMatrix(old, new []ProductOption, variants []Variant) MatrixPlan {
	plan := MatrixPlan{Keep: map[uuid.UUID]Combo{}}
	oldValues := func(i int) []string {
		if i < len(old) {
			return old[i].Values
		}
		return nil
	}
	taken := map[Combo]bool{}
	for _, v := range variants {
		c := v.Combo()
		ok := true
		for i := 0; i < MaxOptions; i++ {
			switch {
			case i >= len(new):
				// The option is gone (or never was): keep the variant only for its first value.
				if i < len(old) && len(old[i].Values) > 0 && c[i] != old[i].Values[0] {
					ok = false
				}
				c[i] = ""
			case i >= len(old) || c[i] == "":
				c[i] = new[i].Values[0] // an option added: existing variants take its first value
			case !slices.Contains(new[i].Values, c[i]):
				ok = false
			}
		}
		if !ok || taken[c] {
			plan.Remove = append(plan.Remove, v)
			continue
		}
		taken[c] = true
		plan.Keep[v.ID] = c
	}
	for _, c := range matrix(new) {
		if taken[c] {
			continue
		}
		if len(variants) == 0 || usesNewValue(c, new, oldValues) && oldPartAlive(c, new, oldValues, variants) {
			plan.Add = append(plan.Add, c)
			taken[c] = true
		}
	}
	return plan
}

// usesNewValue reports whether the combination has a value the old options did not offer.
func usesNewValue(c Combo, opts []ProductOption, oldValues func(int) []string) bool {
	for i := range opts {
		if !slices.Contains(oldValues(i), c[i]) {
			return true
		}
	}
	return false
}

// oldPartAlive reports whether some existing variant has the combination's old values (those
// the old options offered) at their positions: a combination whose old part was left out (its
// variants deleted) stays out when a new value is added elsewhere.
func oldPartAlive(c Combo, opts []ProductOption, oldValues func(int) []string, variants []Variant) bool {
	for _, v := range variants {
		vc, match := v.Combo(), true
		for i := range opts {
			if slices.Contains(oldValues(i), c[i]) && vc[i] != c[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// position is a combination's place in the matrix of opts, so variants list in option order.
func position(opts []ProductOption, c Combo) int {
	p := 0
	for i, o := range opts {
		idx := slices.Index(o.Values, c[i])
		p = p*len(o.Values) + max(idx, 0)
	}
	return p
}

// checkHandles adds a field error for each translation whose handle another product of the
// tenant uses in that locale, and returns fe's errors (see checkSlugs).
func (s *Store) checkHandles(ctx context.Context, tenantID, self uuid.UUID, ins []ProductTranslationInput, fe fieldErrors) error {
	if err := fe.err(); err != nil {
		return err
	}
	for _, in := range ins {
		var n int64
		err := s.Conn(ctx).Model(&ProductTranslation{}).
			Where("tenant_id = ? AND locale = ? AND handle = ? AND product_id <> ?", tenantID, in.Locale, in.Handle, self).
			Count(&n).Error
		if err != nil {
			return translate(err, "check handle")
		}
		if n > 0 {
			fe.add(productField(in.Locale, "handle"), handleTakenMessage(in.Locale))
		}
	}
	return fe.err()
}

// saveProductTranslation inserts or updates one translation; a handle clash that slipped past
// checkHandles (a concurrent writer) becomes the same field error.
func (s *Store) saveProductTranslation(ctx context.Context, tr *ProductTranslation, insert bool) error {
	tr.TitleSearch = textsearch.Fold(tr.Title)
	var err error
	if insert {
		err = s.Conn(ctx).Create(tr).Error
	} else {
		err = s.Conn(ctx).Model(tr).Select("title", "title_search", "handle", "description", "seo_title", "seo_description", "updated_at").Updates(tr).Error
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &ValidationError{Fields: map[string]string{productField(tr.Locale, "handle"): handleTakenMessage(tr.Locale)}}
	}
	return translate(err, "save product translation "+tr.Locale)
}

func productTranslationChanges(old ProductTranslation, in ProductTranslationInput) events.Changes {
	return events.Changes{}.Diff("title", old.Title, in.Title).Diff("handle", old.Handle, in.Handle).
		Diff("description", old.Description, in.Description).Diff("seo_title", old.SEOTitle, in.SEOTitle).
		Diff("seo_description", old.SEODescription, in.SEODescription)
}

// writeTranslations adds or changes each of p's translations in trs that differs, and returns
// their product.updated events. With checkNew, a new translation's handle is checked against the
// tenant's other products first (a caller that has not checked them all).
func (s *Store) writeTranslations(ctx context.Context, tenant *Tenant, p *Product, trs []ProductTranslationInput, checkNew bool) ([]events.Event, error) {
	ref := events.ProductRef{ProductID: p.ID}
	var evts []events.Event
	for _, t := range trs {
		old := p.Translation(t.Locale)
		if old == nil {
			if checkNew {
				if err := s.checkHandles(ctx, tenant.ID, p.ID, []ProductTranslationInput{t}, fieldErrors{}); err != nil {
					return nil, err
				}
			}
			tr := ProductTranslation{ID: uuid.Must(uuid.NewV7()), ProductID: p.ID, TenantID: tenant.ID, Locale: t.Locale,
				Title: t.Title, Handle: t.Handle, Description: t.Description, SEOTitle: t.SEOTitle, SEODescription: t.SEODescription}
			if err := s.saveProductTranslation(ctx, &tr, true); err != nil {
				return nil, err
			}
			p.Translations = append(p.Translations, tr)
			evts = append(evts, translationChangeEvent(ref, t.Locale, productTranslationChanges(ProductTranslation{}, t)))
			continue
		}
		c := productTranslationChanges(*old, t)
		if len(c) == 0 {
			continue
		}
		old.Title, old.Handle, old.Description, old.SEOTitle, old.SEODescription = t.Title, t.Handle, t.Description, t.SEOTitle, t.SEODescription
		if err := s.saveProductTranslation(ctx, old, false); err != nil {
			return nil, err
		}
		evts = append(evts, translationChangeEvent(ref, t.Locale, c))
	}
	return evts, nil
}

// translationChangeEvent is a product.updated for one locale's text, its changes keyed
// <locale>.<field> so the history names the locale.
func translationChangeEvent(ref events.ProductRef, locale string, c events.Changes) events.Event {
	out := events.Changes{}
	for k, v := range c {
		out[locale+"."+k] = v
	}
	return &events.ProductUpdated{ProductRef: ref, Changes: out}
}

func optionsSummary(opts []ProductOption) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = o.Name + ": " + strings.Join(o.Values, ", ")
	}
	return strings.Join(parts, "; ")
}

// CreateProduct validates the input and inserts a draft product with its translations and its
// variants — the matrix of the options, or one default variant — each with the tenant's
// low-stock threshold and no stock or price. Events: product.created, product.updated per
// translation ("" → value, keys <locale>.<field>), variant.created per variant.
func (s *Store) CreateProduct(ctx context.Context, tenant *Tenant, in ProductInput) (*Product, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	fe := fieldErrors{}
	vendor, ptype := strings.TrimSpace(in.Vendor), strings.TrimSpace(in.ProductType)
	checkShort(fe, "vendor", "Vendor", vendor, MaxVendor)
	checkShort(fe, "product_type", "Product type", ptype, MaxVendor)
	opts := NormalizeOptions(in.Options)
	validateOptions(opts, fe)
	trs, _ := validateProductTranslations(tenant, in.Translations, fe)
	p := &Product{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, Status: ProductDraft, Vendor: vendor,
		ProductType: ptype, Options: opts, Version: 1}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.checkHandles(ctx, tenant.ID, p.ID, trs, fe); err != nil {
			return err
		}
		if err := s.Conn(ctx).Omit(clause.Associations).Create(p).Error; err != nil {
			return translate(err, "create product")
		}
		ref := events.ProductRef{ProductID: p.ID}
		evts := []events.Event{&events.ProductCreated{ProductRef: ref, Status: p.Status, Vendor: p.Vendor, ProductType: p.ProductType}}
		for _, t := range trs {
			tr := ProductTranslation{ID: uuid.Must(uuid.NewV7()), ProductID: p.ID, TenantID: tenant.ID, Locale: t.Locale,
				Title: t.Title, Handle: t.Handle, Description: t.Description, SEOTitle: t.SEOTitle, SEODescription: t.SEODescription}
			if err := s.saveProductTranslation(ctx, &tr, true); err != nil {
				return err
			}
			p.Translations = append(p.Translations, tr)
			evts = append(evts, translationChangeEvent(ref, t.Locale, productTranslationChanges(ProductTranslation{}, t)))
		}
		vs, vevts, err := s.addVariants(ctx, tenant, p, matrix(opts))
		if err != nil {
			return err
		}
		p.Variants = vs
		return s.Append(ctx, append(evts, vevts...)...)
	})
	if err != nil {
		return nil, err
	}
	sortProduct(p)
	return p, nil
}

func checkShort(fe fieldErrors, field, label, v string, limit int) {
	if len([]rune(v)) > limit {
		fe.add(field, fmt.Sprintf("%s must be at most %d characters.", label, limit))
	}
}

// addVariants inserts a variant per combination (no SKU, no stock, the tenant's threshold) in
// one statement and returns them with their variant.created events.
func (s *Store) addVariants(ctx context.Context, tenant *Tenant, p *Product, combos []Combo) ([]Variant, []events.Event, error) {
	if len(combos) == 0 {
		return nil, nil, nil
	}
	now := s.db.NowFunc()
	vs := make([]Variant, len(combos))
	evts := make([]events.Event, len(combos))
	for i, c := range combos {
		vs[i] = Variant{ID: uuid.Must(uuid.NewV7()), ProductID: p.ID, TenantID: p.TenantID, Option1: c[0], Option2: c[1], Option3: c[2],
			Position: position(p.Options, c), InventoryPolicy: PolicyDeny, LowStockThreshold: tenant.LowStock(),
			Version: 1, CreatedAt: now, UpdatedAt: now}
		evts[i] = &events.VariantCreated{VariantRef: events.VariantRef{ProductRef: events.ProductRef{ProductID: p.ID}, VariantID: vs[i].ID},
			Title: c.Title()}
	}
	if err := s.Conn(ctx).Omit(clause.Associations).CreateInBatches(vs, 200).Error; err != nil {
		return nil, nil, translate(err, "create variants")
	}
	return vs, evts, nil
}

// UpdateProduct applies the input to the tenant's product: product.updated for vendor, type,
// options and each locale's text (old → new), and, when the options change, the variants follow
// PlanMatrix: kept variants get their new values (variant.updated), new combinations are added
// (variant.created) and variants no longer in the matrix are removed (variant.deleted) — only
// with in.ConfirmRemoval, else a *ValidationError on "options" names them. An active product
// keeps a title and handle in the default locale and at least one variant. A form loaded from
// another version is refused with a *StaleError. Nothing changed means no write and no event.
func (s *Store) UpdateProduct(ctx context.Context, tenant *Tenant, id uuid.UUID, in ProductInput) (*Product, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	var p *Product
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.lockProduct(ctx, tenant.ID, id); err != nil {
			return err
		}
		if err := s.checkVersion(ctx, p, in.Version); err != nil {
			return err
		}
		fe := fieldErrors{}
		vendor, ptype := strings.TrimSpace(in.Vendor), strings.TrimSpace(in.ProductType)
		checkShort(fe, "vendor", "Vendor", vendor, MaxVendor)
		checkShort(fe, "product_type", "Product type", ptype, MaxVendor)
		opts := p.Options
		if in.Options != nil {
			opts = NormalizeOptions(in.Options)
			validateOptions(opts, fe)
		}
		trs, removed := validateProductTranslations(tenant, in.Translations, fe)
		if p.Status == ProductActive && slices.Contains(removed, tenant.DefaultLocale) && p.Translation(tenant.DefaultLocale) != nil {
			fe.add(productField(tenant.DefaultLocale, "title"), "An active product needs a title in "+tenant.DefaultLocale+"; move it back to draft first.")
		}
		var plan MatrixPlan
		optionsChanged := !optionsEqual(opts, p.Options)
		if optionsChanged && fe.err() == nil {
			plan = PlanMatrix(p.Options, opts, p.Variants)
			if p.Status == ProductActive && len(plan.Keep)+len(plan.Add) == 0 {
				fe.add("options", "An active product keeps at least one variant.")
			}
			if len(plan.Remove) > 0 && !in.ConfirmRemoval {
				names := make([]string, len(plan.Remove))
				for i, v := range plan.Remove {
					names[i] = v.Label()
				}
				fe.add("options", fmt.Sprintf("This removes %d %s: %s. Confirm to remove them with their prices and stock.",
					len(names), plural(len(names), "variant", "variants"), strings.Join(names, ", ")))
			}
		}
		if err := s.checkHandles(ctx, tenant.ID, p.ID, trs, fe); err != nil {
			return err
		}
		ref := events.ProductRef{ProductID: p.ID}
		var evts []events.Event
		changes := events.Changes{}.Diff("vendor", p.Vendor, vendor).Diff("product_type", p.ProductType, ptype)
		if optionsChanged {
			changes = changes.Diff("options", optionsSummary(p.Options), optionsSummary(opts))
		}
		if len(changes) > 0 {
			evts = append(evts, &events.ProductUpdated{ProductRef: ref, Changes: changes})
		}
		tevts, err := s.writeTranslations(ctx, tenant, p, trs, false)
		if err != nil {
			return err
		}
		evts = append(evts, tevts...)
		for _, loc := range removed {
			old := p.Translation(loc)
			if old == nil {
				continue
			}
			if err := s.Conn(ctx).Delete(&ProductTranslation{}, "id = ?", old.ID).Error; err != nil {
				return translate(err, "remove translation "+loc)
			}
			evts = append(evts, translationChangeEvent(ref, loc, productTranslationChanges(*old, ProductTranslationInput{})))
			p.Translations = slices.DeleteFunc(p.Translations, func(tr ProductTranslation) bool { return tr.Locale == loc })
		}
		if optionsChanged {
			p.Options = opts
			vevts, err := s.applyPlan(ctx, tenant, p, plan)
			if err != nil {
				return err
			}
			evts = append(evts, vevts...)
		}
		if len(evts) == 0 {
			return nil
		}
		p.Vendor, p.ProductType = vendor, ptype
		if err := s.saveVersioned(ctx, p, "update product", "vendor", "product_type", "options"); err != nil {
			return err
		}
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	sortProduct(p)
	return p, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func optionsEqual(a, b []ProductOption) bool {
	return slices.EqualFunc(a, b, func(x, y ProductOption) bool { return x.Name == y.Name && slices.Equal(x.Values, y.Values) })
}

// applyPlan writes a MatrixPlan: removed variants are deleted (with their prices and ledger),
// kept ones get their new values and positions, new combinations are inserted.
func (s *Store) applyPlan(ctx context.Context, tenant *Tenant, p *Product, plan MatrixPlan) ([]events.Event, error) {
	var evts []events.Event
	ref := events.ProductRef{ProductID: p.ID}
	if len(plan.Remove) > 0 {
		ids := make([]uuid.UUID, len(plan.Remove))
		for i, v := range plan.Remove {
			ids[i] = v.ID
			evts = append(evts, &events.VariantDeleted{VariantRef: events.VariantRef{ProductRef: ref, VariantID: v.ID}, SKU: v.SKU})
		}
		if err := s.Conn(ctx).Where("tenant_id = ? AND id IN ?", tenant.ID, ids).Delete(&Variant{}).Error; err != nil {
			return nil, translate(err, "remove variants")
		}
	}
	// Two passes so that swapping values between variants never meets the unique index on the
	// option values halfway: first every kept variant moves to a value no variant has.
	kept := make([]Variant, 0, len(plan.Keep))
	for _, v := range p.Variants {
		c, ok := plan.Keep[v.ID]
		if !ok {
			continue
		}
		if c != v.Combo() {
			if err := s.Conn(ctx).Model(&Variant{}).Where("id = ?", v.ID).Update("option1", "~moving~"+v.ID.String()).Error; err != nil {
				return nil, translate(err, "renumber variant")
			}
		}
		kept = append(kept, v)
	}
	for i := range kept {
		v := &kept[i]
		c := plan.Keep[v.ID]
		old := v.Combo()
		pos := position(p.Options, c)
		if c == old && pos == v.Position {
			continue
		}
		v.Option1, v.Option2, v.Option3, v.Position = c[0], c[1], c[2], pos
		v.Version++
		err := s.Conn(ctx).Model(&Variant{}).Where("id = ?", v.ID).Updates(map[string]any{"option1": c[0], "option2": c[1],
			"option3": c[2], "position": pos, "version": v.Version, "updated_at": s.db.NowFunc()}).Error
		if err != nil {
			return nil, translate(err, "update variant")
		}
		if c != old {
			evts = append(evts, &events.VariantUpdated{VariantRef: events.VariantRef{ProductRef: ref, VariantID: v.ID},
				Changes: events.Changes{}.Diff("options", old.Title(), c.Title())})
		}
	}
	added, aevts, err := s.addVariants(ctx, tenant, p, plan.Add)
	if err != nil {
		return nil, err
	}
	p.Variants = append(kept, added...)
	return append(evts, aevts...), nil
}

// TransitionProduct moves the tenant's product through ProductWorkflow. Activating needs a title
// and handle in the tenant's default locale and at least one variant priced in the default
// currency; it sets published_at (product.published). Active → draft is product.unpublished and
// clears published_at, → archived is product.archived, archived → draft a product.updated of
// status. A refused move is a *ValidationError on "status".
func (s *Store) TransitionProduct(ctx context.Context, tenant *Tenant, id uuid.UUID, to string) (*Product, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	var p *Product
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.lockProduct(ctx, tenant.ID, id); err != nil {
			return err
		}
		return s.transitionProductLocked(ctx, tenant, p, to)
	})
	if err != nil {
		return nil, err
	}
	sortProduct(p)
	return p, nil
}

func (s *Store) transitionProductLocked(ctx context.Context, tenant *Tenant, p *Product, to string) error {
	ev, err := s.moveProduct(ctx, tenant, p, to)
	if err != nil {
		return err
	}
	return s.Append(ctx, ev)
}

// moveProduct makes the move and returns its event for the caller to append.
func (s *Store) moveProduct(ctx context.Context, tenant *Tenant, p *Product, to string) (events.Event, error) {
	from := p.Status
	if _, err := ProductWorkflow.Move(from, to); err != nil {
		return nil, err
	}
	ref := events.ProductRef{ProductID: p.ID}
	var ev events.Event
	switch {
	case to == ProductActive:
		if msg := ActivateProblem(tenant, p); msg != "" {
			return nil, &ValidationError{Fields: map[string]string{"status": msg}}
		}
		now := s.db.NowFunc()
		p.PublishedAt = &now
		ev = &events.ProductPublished{ProductRef: ref}
	case to == ProductArchived:
		ev = &events.ProductArchived{ProductRef: ref}
	case from == ProductActive:
		p.PublishedAt = nil
		ev = &events.ProductUnpublished{ProductRef: ref}
	default:
		p.PublishedAt = nil
		ev = &events.ProductUpdated{ProductRef: ref, Changes: events.Changes{}.Diff("status", from, to)}
	}
	p.Status = to
	if err := s.saveVersioned(ctx, p, "move product to "+to, "status", "published_at"); err != nil {
		return nil, err
	}
	return ev, nil
}

// ActivateProblem says why the product cannot be activated yet, or "" when it can: it needs a
// title and handle in the tenant's default locale and a variant priced in the default currency.
func ActivateProblem(tenant *Tenant, p *Product) string {
	tr := p.Translation(tenant.DefaultLocale)
	if tr == nil || tr.Title == "" || tr.Handle == "" {
		return "Add a title and handle in " + tenant.DefaultLocale + " before activating."
	}
	cur := tenant.Currency()
	for _, v := range p.Variants {
		if v.Price(cur) != nil {
			return ""
		}
	}
	return "Give at least one variant a price in " + cur + " before activating."
}

// DeleteProduct removes the tenant's product with its translations, variants, prices and
// ledger (product.deleted).
func (s *Store) DeleteProduct(ctx context.Context, tenant *Tenant, id uuid.UUID) error {
	ctx = events.WithTenant(ctx, tenant.ID)
	return s.WithTx(ctx, func(ctx context.Context) error {
		p, err := s.lockProduct(ctx, tenant.ID, id)
		if err != nil {
			return err
		}
		return s.deleteProductLocked(ctx, p)
	})
}

func (s *Store) deleteProductLocked(ctx context.Context, p *Product) error {
	if err := s.Conn(ctx).Delete(&Product{}, "id = ?", p.ID).Error; err != nil {
		return translate(err, "delete product")
	}
	return s.Append(ctx, &events.ProductDeleted{ProductRef: events.ProductRef{ProductID: p.ID}})
}

// ProductByID returns the tenant's product with its translations (by locale) and variants (by
// position) with their prices. Another tenant's product is ErrNotFound.
func (s *Store) ProductByID(ctx context.Context, tenantID, id uuid.UUID) (*Product, error) {
	var p Product
	err := s.Conn(ctx).
		Preload("Translations", func(db *gorm.DB) *gorm.DB { return db.Order("locale") }).
		Preload("Variants", func(db *gorm.DB) *gorm.DB { return db.Order("position, id") }).
		Preload("Variants.Prices", func(db *gorm.DB) *gorm.DB { return db.Order("currency") }).
		Where("tenant_id = ? AND id = ?", tenantID, id).Take(&p).Error
	if err != nil {
		return nil, translate(err, "product "+id.String())
	}
	return &p, nil
}

// lockProduct loads the product for a change inside a transaction, locking its row on
// PostgreSQL so concurrent edits of one product and its variants queue.
func (s *Store) lockProduct(ctx context.Context, tenantID, id uuid.UUID) (*Product, error) {
	if s.dialect == migrations.Postgres {
		var locked Product
		err := s.Conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").
			Where("tenant_id = ? AND id = ?", tenantID, id).Take(&locked).Error
		if err != nil {
			return nil, translate(err, "product "+id.String())
		}
	}
	return s.ProductByID(ctx, tenantID, id)
}

func sortProduct(p *Product) {
	slices.SortFunc(p.Translations, func(a, b ProductTranslation) int { return strings.Compare(a.Locale, b.Locale) })
	slices.SortStableFunc(p.Variants, func(a, b Variant) int { return a.Position - b.Position })
}

// lockProducts loads the tenant's products among ids with their translations, variants and
// prices, locking the rows in id order on PostgreSQL (see lockNodes).
func (s *Store) lockProducts(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Product, error) {
	if s.dialect == migrations.Postgres {
		var locked []uuid.UUID
		err := s.Conn(ctx).Model(&Product{}).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("tenant_id = ? AND id IN ?", tenantID, ids).Order("id").Pluck("id", &locked).Error
		if err != nil {
			return nil, translate(err, "lock products")
		}
	}
	var ps []Product
	err := s.Conn(ctx).
		Preload("Translations", func(db *gorm.DB) *gorm.DB { return db.Order("locale") }).
		Preload("Variants", func(db *gorm.DB) *gorm.DB { return db.Order("position, id") }).
		Preload("Variants.Prices").
		Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&ps).Error
	if err != nil {
		return nil, translate(err, "load products")
	}
	out := make(map[uuid.UUID]*Product, len(ps))
	for i := range ps {
		out[ps[i].ID] = &ps[i]
	}
	return out, nil
}

func (s *Store) productBulk(tenant *Tenant, apply func(ctx context.Context, p *Product) error) BulkAction[*Product] {
	return BulkAction[*Product]{
		Noun:  "products",
		Lock:  s.lockProducts,
		Title: func(p *Product) string { return p.Title(tenant.DefaultLocale) },
		Apply: apply,
	}
}

// ProductMoveBlocker says why a listed product cannot move to `to`, or "" when it may (the
// activation conditions are checked again under lock: the row does not show them all).
func ProductMoveBlocker(r ProductRow, to string) string {
	if why := ProductWorkflow.Refusal(r.Status, to); why != "" {
		return why
	}
	if to == ProductActive && r.MinPrice == nil {
		return "No variant has a price in the default currency yet."
	}
	return ""
}

// BulkTransitionProducts moves each listed product to `to` in one transaction with the rules
// and events of TransitionProduct; products that cannot move are skipped and listed.
func (s *Store) BulkTransitionProducts(ctx context.Context, tenant *Tenant, ids []uuid.UUID, to string) (BulkResult, error) {
	if err := ProductWorkflow.Check(to); err != nil {
		return BulkResult{}, err
	}
	return RunBulk(ctx, s, tenant.ID, ids, s.productBulk(tenant, func(ctx context.Context, p *Product) error {
		return s.transitionProductLocked(ctx, tenant, p, to)
	}))
}

// BulkDeleteProducts deletes each listed product as DeleteProduct does.
func (s *Store) BulkDeleteProducts(ctx context.Context, tenant *Tenant, ids []uuid.UUID) (BulkResult, error) {
	return RunBulk(ctx, s, tenant.ID, ids, s.productBulk(tenant, func(ctx context.Context, p *Product) error {
		return s.deleteProductLocked(ctx, p)
	}))
}
