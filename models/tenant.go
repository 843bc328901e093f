package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/language"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/money"
)

// Tenant is one customer organisation; every other row belongs to exactly one tenant.
type Tenant struct {
	ID            uuid.UUID      `gorm:"type:uuid;primaryKey"`
	Slug          string         `gorm:"not null"`
	Name          string         `gorm:"not null"`
	Domain        *string        // optional custom host name, unique
	IsActive      bool           `gorm:"not null"`
	DefaultLocale string         `gorm:"not null"`
	Locales       []string       `gorm:"serializer:json;not null"`
	Settings      map[string]any `gorm:"serializer:json;not null"`
	// The catalog's money and stock defaults (migration 00012): the currency prices are entered
	// in first and products need to be activated, every currency the tenant sells in (ISO 4217),
	// and the low-stock threshold new variants start with.
	DefaultCurrency   string   `gorm:"not null"`
	Currencies        []string `gorm:"serializer:json;not null"`
	LowStockThreshold int64    `gorm:"not null"`
	// The tenant's time zone (an IANA name, migration 00018) and whether its members must sign in
	// with a second factor.
	TimeZone         string `gorm:"not null;default:UTC"`
	RequireTwoFactor bool   `gorm:"not null"`
	Version          int    `gorm:"not null;default:1"` // bumped by every update (version.go)
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Zone is the tenant's time zone, UTC when it never chose one.
func (t *Tenant) Zone() string {
	if t.TimeZone == "" {
		return "UTC"
	}
	return t.TimeZone
}

// Currency is the tenant's default currency (USD for a tenant that never chose one).
func (t *Tenant) Currency() string {
	if t.DefaultCurrency == "" {
		return "USD"
	}
	return t.DefaultCurrency
}

// EnabledCurrencies are the currencies the tenant sells in, the default first.
func (t *Tenant) EnabledCurrencies() []string {
	out := []string{t.Currency()}
	for _, c := range t.Currencies {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// LowStock is the threshold new variants start with.
func (t *Tenant) LowStock() int64 {
	if t.LowStockThreshold < 0 {
		return DefaultLowStock
	}
	return t.LowStockThreshold
}

// TenantInput is what a caller may set when creating a tenant.
type TenantInput struct {
	Slug          string
	Name          string
	Domain        string
	DefaultLocale string
	Locales       []string
	// DefaultCurrency and Currencies (ISO 4217) default to USD; the default is always enabled.
	DefaultCurrency string
	Currencies      []string
	// LowStockThreshold is what new variants start with; nil means DefaultLowStock.
	LowStockThreshold *int64
}

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	localePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// ReservedSlugs cannot be tenant slugs: they collide with routes or would confuse people.
var ReservedSlugs = []string{"admin", "api", "www", "static", "login", "logout", "metrics",
	"healthz", "readyz", "tenants", "t", "assets", "system", "root", "rustok"}

// SuggestTenantSlug makes a tenant slug from its name, as a node's slug is made from its title
// ("Müller Söhne" → "muller-sohne"), cut to the 63 characters a tenant slug may have.
func SuggestTenantSlug(name string) string {
	s := Slugify(name)
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

// CommonLocales are the locale tags the tenant form offers as checkboxes; any other valid
// BCP 47 tag can be typed.
var CommonLocales = []string{"en", "de", "fr", "es", "it", "pt", "pt-BR", "nl", "pl", "cs", "sv", "da",
	"fi", "nb", "ru", "uk", "tr", "el", "ar", "he", "ja", "ko", "zh-Hans", "zh-Hant"}

// CanonicalLocale parses a typed locale tag with golang.org/x/text/language and returns its
// canonical BCP 47 form ("PT_br" → "pt-BR", "iw" → "he"); false when it is no tag or "und".
func CanonicalLocale(s string) (string, bool) {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil || tag == language.Und {
		return "", false
	}
	return tag.String(), true
}

// canonicalLocale is CanonicalLocale, keeping what it cannot parse for Validate to name.
func canonicalLocale(s string) string {
	if c, ok := CanonicalLocale(s); ok {
		return c
	}
	return strings.TrimSpace(s)
}

// Normalize trims and lowercases the input, puts locale tags in canonical form and fills
// defaults.
func (in *TenantInput) Normalize() {
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	in.Domain = strings.ToLower(strings.TrimSpace(in.Domain))
	in.DefaultLocale = canonicalLocale(in.DefaultLocale)
	if in.DefaultLocale == "" {
		in.DefaultLocale = "en"
	}
	var locales []string
	for _, l := range in.Locales {
		if l = canonicalLocale(l); l != "" && !slices.Contains(locales, l) {
			locales = append(locales, l)
		}
	}
	in.Locales = locales
	if !slices.Contains(in.Locales, in.DefaultLocale) {
		in.Locales = append([]string{in.DefaultLocale}, in.Locales...)
	}
	in.DefaultCurrency = strings.ToUpper(strings.TrimSpace(in.DefaultCurrency))
	if in.DefaultCurrency == "" {
		in.DefaultCurrency = "USD"
	}
	currencies := []string{in.DefaultCurrency}
	for _, c := range in.Currencies {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" && !slices.Contains(currencies, c) {
			currencies = append(currencies, c)
		}
	}
	in.Currencies = currencies
	if in.LowStockThreshold == nil {
		n := int64(DefaultLowStock)
		in.LowStockThreshold = &n
	}
}

// Validate checks the rules of DESIGN.md and returns a *ValidationError naming each bad field.
func (in *TenantInput) Validate() error {
	fe := fieldErrors{}
	switch {
	case in.Slug == "":
		fe.add("slug", "Slug is required.")
	case !slugPattern.MatchString(in.Slug):
		fe.add("slug", "Use 1–63 lowercase letters, digits or hyphens, starting with a letter or digit.")
	case slices.Contains(ReservedSlugs, in.Slug):
		fe.add("slug", "“"+in.Slug+"” is reserved; choose another slug.")
	}
	switch {
	case in.Name == "":
		fe.add("name", "Name is required.")
	case len([]rune(in.Name)) > 200:
		fe.add("name", "Name must be at most 200 characters.")
	}
	if in.Domain != "" && (len(in.Domain) > 253 || !domainPattern.MatchString(in.Domain)) {
		fe.add("domain", "Enter a host name such as shop.example.com.")
	}
	for _, l := range in.Locales {
		if _, ok := CanonicalLocale(l); !ok || !localePattern.MatchString(l) {
			fe.add("locales", "“"+l+"” is not a locale code such as en or pt-BR.")
		}
	}
	if _, ok := money.Exponent(in.DefaultCurrency); !ok {
		fe.add("default_currency", "“"+in.DefaultCurrency+"” is not an ISO 4217 currency code such as USD or EUR.")
	}
	for _, c := range in.Currencies {
		if _, ok := money.Exponent(c); !ok {
			fe.add("currencies", "“"+c+"” is not an ISO 4217 currency code such as USD or EUR.")
		}
	}
	if len(in.Currencies) > 20 {
		fe.add("currencies", "A tenant sells in at most 20 currencies.")
	}
	if in.LowStockThreshold != nil && (*in.LowStockThreshold < 0 || *in.LowStockThreshold > MaxThreshold) {
		fe.add("low_stock_threshold", fmt.Sprintf("Enter a whole number from 0 to %d.", MaxThreshold))
	}
	return fe.err()
}

// CreateTenant validates the input and inserts a tenant, active, with its locales.
func (s *Store) CreateTenant(ctx context.Context, in TenantInput) (*Tenant, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	t := &Tenant{
		ID:            uuid.Must(uuid.NewV7()),
		Slug:          in.Slug,
		Name:          in.Name,
		IsActive:      true,
		DefaultLocale: in.DefaultLocale,
		Locales:       in.Locales,
		Settings:      map[string]any{},
		Version:       1,

		DefaultCurrency:   in.DefaultCurrency,
		Currencies:        in.Currencies,
		LowStockThreshold: *in.LowStockThreshold,
	}
	if in.Domain != "" {
		t.Domain = &in.Domain
	}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Conn(ctx).Create(t).Error; err != nil {
			return translate(err, "create tenant")
		}
		err := s.Append(ctx, &events.TenantCreated{TenantRef: events.TenantRef{TenantID: t.ID}, Slug: t.Slug,
			Name: t.Name, DefaultLocale: t.DefaultLocale, Locales: t.Locales})
		if err != nil {
			return err
		}
		return s.seedSystemRoles(ctx, t.ID)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// TenantUpdate is what may change on an existing tenant; nil fields stay as they are.
type TenantUpdate struct {
	Name          *string
	Domain        *string // "" removes the domain
	DefaultLocale *string
	Locales       []string // nil keeps them
	IsActive      *bool
	// The catalog's defaults; nil keeps them.
	DefaultCurrency   *string
	Currencies        []string
	LowStockThreshold *int64
	// The tenant's settings (its own settings page); nil keeps them.
	TimeZone         *string
	RequireTwoFactor *bool
	Version          *int // the version the edit form was loaded from; nil skips the check (version.go)
}

// UpdateTenant applies the update and emits tenant.updated (old → new), tenant.activated or
// tenant.deactivated and tenant.locale_enabled/disabled, all in one transaction. A form loaded
// from another version than up.Version is refused with a *StaleError.
func (s *Store) UpdateTenant(ctx context.Context, id uuid.UUID, up TenantUpdate) (*Tenant, error) {
	var t *Tenant
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if t, err = s.TenantByID(ctx, id); err != nil {
			return err
		}
		if err := s.checkVersion(ctx, t, up.Version); err != nil {
			return err
		}
		threshold := t.LowStockThreshold
		in := TenantInput{Slug: t.Slug, Name: t.Name, DefaultLocale: t.DefaultLocale, Locales: t.Locales,
			DefaultCurrency: t.Currency(), Currencies: t.EnabledCurrencies(), LowStockThreshold: &threshold}
		if t.Domain != nil {
			in.Domain = *t.Domain
		}
		if up.Name != nil {
			in.Name = *up.Name
		}
		if up.Domain != nil {
			in.Domain = *up.Domain
		}
		if up.DefaultLocale != nil {
			in.DefaultLocale = *up.DefaultLocale
		}
		if up.Locales != nil {
			in.Locales = up.Locales
		}
		if up.DefaultCurrency != nil {
			in.DefaultCurrency = *up.DefaultCurrency
		}
		if up.Currencies != nil {
			in.Currencies = up.Currencies
		}
		if up.LowStockThreshold != nil {
			in.LowStockThreshold = up.LowStockThreshold
		}
		in.Normalize()
		keepStoredSpelling(&in, t)
		zone, twoFactor := t.Zone(), t.RequireTwoFactor
		if up.TimeZone != nil {
			zone = strings.TrimSpace(*up.TimeZone)
		}
		if up.RequireTwoFactor != nil {
			twoFactor = *up.RequireTwoFactor
		}
		err = in.Validate()
		if _, zerr := time.LoadLocation(zone); zerr != nil || zone == "" || zone == "Local" {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				ve = &ValidationError{Fields: map[string]string{}}
			}
			ve.Fields["time_zone"] = "Choose a time zone from the list, such as Europe/Berlin."
			err = ve
		}
		if err != nil {
			return err
		}
		oldDomain := ""
		if t.Domain != nil {
			oldDomain = *t.Domain
		}
		changes := events.Changes{}.Diff("name", t.Name, in.Name).Diff("domain", oldDomain, in.Domain).
			Diff("default_locale", t.DefaultLocale, in.DefaultLocale).
			Diff("default_currency", t.Currency(), in.DefaultCurrency).
			Diff("currencies", strings.Join(t.EnabledCurrencies(), ", "), strings.Join(in.Currencies, ", ")).
			Diff("low_stock_threshold", t.LowStockThreshold, *in.LowStockThreshold).
			Diff("time_zone", t.Zone(), zone).Diff("require_two_factor", t.RequireTwoFactor, twoFactor)
		var evts []events.Event
		ref := events.TenantRef{TenantID: t.ID}
		for _, l := range in.Locales {
			if !slices.Contains(t.Locales, l) {
				evts = append(evts, &events.TenantLocaleEnabled{TenantRef: ref, Locale: l})
			}
		}
		for _, l := range t.Locales {
			if !slices.Contains(in.Locales, l) {
				evts = append(evts, &events.TenantLocaleDisabled{TenantRef: ref, Locale: l})
			}
		}
		if up.IsActive != nil && *up.IsActive != t.IsActive {
			if *up.IsActive {
				evts = append(evts, &events.TenantActivated{TenantRef: ref})
			} else {
				evts = append(evts, &events.TenantDeactivated{TenantRef: ref})
			}
			t.IsActive = *up.IsActive
		}
		if len(changes) > 0 {
			evts = append([]events.Event{&events.TenantUpdated{TenantRef: ref, Changes: changes}}, evts...)
		}
		if len(evts) == 0 {
			return nil
		}
		t.Name, t.DefaultLocale, t.Locales, t.Domain = in.Name, in.DefaultLocale, in.Locales, nil
		t.DefaultCurrency, t.Currencies, t.LowStockThreshold = in.DefaultCurrency, in.Currencies, *in.LowStockThreshold
		t.TimeZone, t.RequireTwoFactor = zone, twoFactor
		if in.Domain != "" {
			t.Domain = &in.Domain
		}
		if err := s.saveVersioned(ctx, t, "update tenant", "name", "domain", "default_locale", "locales", "is_active",
			"default_currency", "currencies", "low_stock_threshold", "time_zone", "require_two_factor"); err != nil {
			return err
		}
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// TenantBySlug returns the tenant with the slug, active or not.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (*Tenant, error) {
	var t Tenant
	err := s.Conn(ctx).Where("slug = ?", strings.ToLower(slug)).Take(&t).Error
	if err != nil {
		return nil, translate(err, "tenant "+slug)
	}
	return &t, nil
}

// TenantByDomain returns the tenant whose custom domain is host (already lowercased, no port).
func (s *Store) TenantByDomain(ctx context.Context, host string) (*Tenant, error) {
	var t Tenant
	if err := s.Conn(ctx).Where("domain = ?", host).Take(&t).Error; err != nil {
		return nil, translate(err, "tenant by domain "+host)
	}
	return &t, nil
}

// TenantByID returns the tenant with the id.
func (s *Store) TenantByID(ctx context.Context, id uuid.UUID) (*Tenant, error) {
	var t Tenant
	if err := s.Conn(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, translate(err, "tenant "+id.String())
	}
	return &t, nil
}

// Tenants returns every tenant ordered by name.
func (s *Store) Tenants(ctx context.Context) ([]Tenant, error) {
	var ts []Tenant
	err := s.Conn(ctx).Order("name, slug").Find(&ts).Error
	return ts, translate(err, "list tenants")
}

// keepStoredSpelling keeps a locale the tenant already has in the spelling it was stored with
// (before tags were made canonical, "pt-br" was accepted as typed): translations are keyed by
// that string, so re-spelling it would disable one locale and enable another.
func keepStoredSpelling(in *TenantInput, t *Tenant) {
	stored := func(l string) string {
		for _, old := range t.Locales {
			if strings.EqualFold(old, l) {
				return old
			}
		}
		return l
	}
	in.DefaultLocale = stored(in.DefaultLocale)
	for i, l := range in.Locales {
		in.Locales[i] = stored(l)
	}
}

// TranslationsIn counts the tenant's content and product translations in each of locales, for
// a settings change that disables them (their text stays stored, but is no longer offered).
func (s *Store) TranslationsIn(ctx context.Context, tenantID uuid.UUID, locales []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(locales) == 0 {
		return out, nil
	}
	for _, table := range []string{"node_translations", "product_translations"} {
		var rows []struct {
			Locale string
			N      int64
		}
		err := s.Conn(ctx).Table(table).Select("locale, count(*) AS n").
			Where("tenant_id = ? AND locale IN ?", tenantID, locales).Group("locale").Scan(&rows).Error
		if err != nil {
			return nil, translate(err, "count translations")
		}
		for _, r := range rows {
			out[r.Locale] += r.N
		}
	}
	return out, nil
}
