package handlers

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	tenantviews "github.com/rustok/rustok-admin/views/tenants"
)

// tenantsList renders one page of the tenants matching the search and status filter. An htmx
// search or filter change gets only #tenants-table.
func (a *App) tenantsList(c *fiber.Ctx) error {
	lp := readList("tenants", tenantviews.ListURL(), query(c))
	q := models.TenantQuery{Search: lp.text("q", 0),
		Status: lp.oneOf("status", []string{models.TenantActive, models.TenantInactive}, "Choose active or inactive.")}
	q.Page, q.PerPage = lp.offset(models.MaxTenantsPerPage)
	q.Cursor = lp.cursor(models.TenantSortName, false)
	l := tenantviews.List{Query: lp.done()}
	if !l.Query.Invalid() {
		page, err := a.store.ListTenants(ctx(c), q)
		switch {
		case lp.refused(err, &l.Query):
		case err != nil:
			return err
		default:
			l.Page = page
			atPage(&l.Query, page.Page)
		}
	}
	p := a.pageFor(c, "Tenants")
	p.Section = "tenants"
	return renderList(c, fiber.StatusOK, l.Query, tenantviews.ListPage(p, l), tenantviews.TenantsTable(l, true))
}

// tenantNew renders the empty create form.
func (a *App) tenantNew(c *fiber.Ctx) error {
	return a.renderTenantNew(c, fiber.StatusOK, tenantviews.Form{DefaultLocale: "en"})
}

// tenantCreatePost creates a tenant and opens its page. Invalid input, or a slug or domain
// that is taken, re-renders the form with 422 and what was typed.
func (a *App) tenantCreatePost(c *fiber.Ctx) error {
	f := parseTenantForm(c)
	if strings.TrimSpace(f.Slug) == "" {
		f.Slug = models.SuggestTenantSlug(f.Name)
	}
	currencies, threshold, msg := formCatalog(f)
	var t *models.Tenant
	err := error(&models.ValidationError{Fields: map[string]string{"low_stock_threshold": msg}})
	if msg == "" {
		t, err = a.store.CreateTenant(ctx(c), models.TenantInput{Slug: f.Slug, Name: f.Name, Domain: f.Domain,
			DefaultLocale: f.DefaultLocale, Locales: formLocales(f), DefaultCurrency: f.DefaultCurrency, Currencies: currencies, LowStockThreshold: threshold})
	}
	if err != nil {
		if f.FormState, err = a.tenantRefusal(c, err, f.Slug); err != nil {
			return err
		}
		return a.renderTenantNew(c, fiber.StatusUnprocessableEntity, f)
	}
	a.forgetTenant(c, t.ID, nil)
	a.log.InfoContext(ctx(c), "tenant created", "tenant_id", t.ID.String(), "slug", t.Slug)
	return a.flashRedirect(c, "success", "Tenant "+t.Name+" created.", tenantviews.EditURL(t))
}

func (a *App) renderTenantNew(c *fiber.Ctx, status int, f tenantviews.Form) error {
	p := a.pageFor(c, "Create tenant")
	p.Section = "tenants"
	return render(c, status, tenantviews.NewPage(p, f))
}

// tenantShow renders the edit page of one tenant.
func (a *App) tenantShow(c *fiber.Ctx) error {
	t, err := a.tenantByParam(c)
	if err != nil {
		return err
	}
	return a.renderTenantEdit(c, fiber.StatusOK, t, tenantviews.FormFor(t))
}

// tenantUpdatePost saves the edit form. Every change goes through UpdateTenant, which records
// what changed as events; a form that changes nothing says so, and one loaded before someone
// else's save is shown again with 409 and what was typed.
func (a *App) tenantUpdatePost(c *fiber.Ctx) error {
	t, err := a.tenantByParam(c)
	if err != nil {
		return err
	}
	f := parseTenantForm(c)
	f.ID, f.Slug = t.ID.String(), t.Slug
	version := formVersion(c)
	f.Version = *version
	locales := formLocales(f)
	currencies, threshold, _ := formCatalog(f)
	f.FormState, _ = refusal(tenantEditErrors(t, f, locales), tenantFields)
	f.Version = *version
	up := models.TenantUpdate{Name: &f.Name, Domain: &f.Domain, DefaultLocale: &f.DefaultLocale, Locales: locales, Version: version,
		DefaultCurrency: &f.DefaultCurrency, Currencies: currencies, LowStockThreshold: threshold}
	return a.saveTenantForm(c, t, &f, up, tenantFields, func(status int) error { return a.renderTenantEdit(c, status, t, f) },
		tenantviews.EditURL(t), func(u *models.Tenant) string { return "Tenant " + u.Name + " updated." })
}

// saveTenantForm ends a tenant form, the platform's or the tenant's settings, whose own checks
// f already holds: unless they refused it, UpdateTenant with up; then the form again (render)
// with 409 for a stale version or 422 with the refusals, "nothing changed", or the tenant
// dropped from every process's cache and the saved message, back at back.
func (a *App) saveTenantForm(c *fiber.Ctx, t *models.Tenant, f *tenantviews.Form, up models.TenantUpdate, fields func(string) bool,
	render func(status int) error, back string, saved func(*models.Tenant) string) error {
	var updated *models.Tenant
	if !f.Invalid() {
		var err error
		updated, err = a.store.UpdateTenant(ctx(c), t.ID, up)
		if handled, err := a.renderStale(c, err, nil, func(st components.Stale) error {
			f.StaleAt(st)
			return render(fiber.StatusConflict)
		}); handled {
			return err
		}
		if st, ok := refusal(err, fields); ok {
			f.FormState, err = st, nil
			f.Version = *up.Version
		}
		if err != nil {
			if f.FormState, err = a.tenantRefusal(c, err, ""); err != nil {
				return err
			}
			f.Version = *up.Version
		}
	}
	if f.Invalid() {
		return render(fiber.StatusUnprocessableEntity)
	}
	if !tenantChanged(t, updated) {
		return a.flashRedirect(c, "info", "Nothing changed, so there was nothing to save.", back)
	}
	a.forgetTenant(c, t.ID, t.Domain)
	return a.flashRedirect(c, "success", saved(updated), back)
}

func (a *App) renderTenantEdit(c *fiber.Ctx, status int, t *models.Tenant, f tenantviews.Form) error {
	p := a.pageFor(c, t.Name)
	p.Section = "tenants"
	return render(c, status, tenantviews.EditPage(p, t, f))
}

// tenantDeactivatePost switches a tenant off: its pages answer 404 except to super admins.
func (a *App) tenantDeactivatePost(c *fiber.Ctx) error { return a.setTenantActive(c, false) }

// tenantActivatePost switches a tenant on again.
func (a *App) tenantActivatePost(c *fiber.Ctx) error { return a.setTenantActive(c, true) }

func (a *App) setTenantActive(c *fiber.Ctx, active bool) error {
	t, err := a.tenantByParam(c)
	if err != nil {
		return err
	}
	back := tenantviews.EditURL(t)
	state := "inactive"
	if active {
		state = "active"
	}
	if t.IsActive == active {
		return a.flashRedirect(c, "info", t.Name+" is already "+state+".", back)
	}
	if _, err := a.store.UpdateTenant(ctx(c), t.ID, models.TenantUpdate{IsActive: &active}); err != nil {
		return err
	}
	a.forgetTenant(c, t.ID, nil)
	a.log.InfoContext(ctx(c), "tenant "+state, "tenant_id", t.ID.String(), "slug", t.Slug)
	if active {
		return a.flashRedirect(c, "success", t.Name+" is active again.", back)
	}
	return a.flashRedirect(c, "success", t.Name+" is deactivated. Its pages answer 404 for everyone except super admins.", back)
}

// forgetTenant drops the tenant from this process's tenant cache (and the shared layer) right
// after a change, so the next request here already sees it. Other processes forget it when the
// relay delivers the tenant event; oldDomain is a domain the tenant no longer answers to.
func (a *App) forgetTenant(c *fiber.Ctx, id uuid.UUID, oldDomain *string) {
	var hosts []string
	if oldDomain != nil {
		hosts = append(hosts, *oldDomain)
	}
	a.tenants.Invalidate(ctx(c), id, hosts...)
}

// tenantByParam returns the tenant of the :id route parameter; a malformed or unknown id is 404.
func (a *App) tenantByParam(c *fiber.Ctx) (*models.Tenant, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	t, err := a.store.TenantByID(ctx(c), id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return t, err
}

// parseTenantForm reads the create or edit form as typed. Fiber's strings point into reused
// buffers, so they are copied before they outlive the request in a model or a flash message.
func parseTenantForm(c *fiber.Ctx) tenantviews.Form {
	v := func(key string) string { return strings.Clone(c.FormValue(key)) }
	f := tenantviews.Form{Slug: v("slug"), Name: v("name"), Domain: v("domain"),
		DefaultLocale: v("default_locale"), OtherLocales: v("locales"),
		DefaultCurrency: v("default_currency"), Currencies: v("currencies"), LowStock: v("low_stock_threshold")}
	for _, l := range c.Request().PostArgs().PeekMulti("locale") {
		f.Locales = append(f.Locales, string(l))
	}
	return f
}

// formLocales is every locale the form enables: the ticked ones, then the typed ones.
func formLocales(f tenantviews.Form) []string {
	out := slices.Clone(f.Locales)
	for _, l := range splitLocales(f.OtherLocales) {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// splitLocales reads the enabled locales: codes separated by commas or spaces, each kept once.
func splitLocales(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// tenantFields are the fields of the tenant form.
var tenantFields = fields("name", "slug", "domain", "default_locale", "locales", "default_currency", "currencies", "low_stock_threshold")

// formCatalog reads the form's catalog defaults: the currencies as typed (split like the
// locales) and the threshold, nil when left empty (the default on create, unchanged on edit).
// A threshold that is not a number is refused with the model's message.
func formCatalog(f tenantviews.Form) (currencies []string, threshold *int64, msg string) {
	currencies = splitLocales(f.Currencies)
	if s := strings.TrimSpace(f.LowStock); s != "" {
		n, m := models.ParseCount(s, models.MaxThreshold)
		if m != "" || n < 0 {
			return currencies, nil, fmt.Sprintf("Enter a whole number from 0 to %d.", models.MaxThreshold)
		}
		threshold = &n
	}
	return currencies, threshold, ""
}

// tenantRefusal turns a failed create or update into the form's state. A unique violation
// does not portably say which column clashed; on create, a tenant already holding the slug
// tells that it was the slug, otherwise it was the domain. Other errors are returned.
func (a *App) tenantRefusal(c *fiber.Ctx, err error, slug string) (components.FormState, error) {
	if st, ok := refusal(err, tenantFields); ok {
		return st, nil
	}
	var st components.FormState
	if !errors.Is(err, models.ErrConflict) {
		return st, err
	}
	if slug = strings.TrimSpace(slug); slug != "" {
		_, lookup := a.store.TenantBySlug(ctx(c), slug)
		if lookup == nil {
			st.Fail("slug", "This slug is already taken.")
			return st, nil
		} else if !errors.Is(lookup, models.ErrNotFound) {
			return st, lookup
		}
	}
	st.Fail("domain", "This domain is already used by another tenant.")
	return st, nil
}

// tenantEditErrors checks the edit form before anything is saved: the model's rules, and one
// the form adds. TenantInput.Normalize quietly enables the default locale, which suits a new
// tenant; on edit, leaving it out of the enabled locales must be refused instead, or disabling
// it would look like it worked.
func tenantEditErrors(t *models.Tenant, f tenantviews.Form, locales []string) error {
	currencies, threshold, msg := formCatalog(f)
	in := models.TenantInput{Slug: t.Slug, Name: f.Name, Domain: f.Domain, DefaultLocale: f.DefaultLocale, Locales: locales,
		DefaultCurrency: f.DefaultCurrency, Currencies: currencies, LowStockThreshold: threshold}
	in.Normalize()
	fields := map[string]string{}
	if msg != "" {
		fields["low_stock_threshold"] = msg
	}
	var ve *models.ValidationError
	if errors.As(in.Validate(), &ve) {
		maps.Copy(fields, ve.Fields)
	}
	def := strings.TrimSpace(f.DefaultLocale)
	switch {
	case def == "":
		fields["default_locale"] = "Enter the default locale, such as en."
	case fields["locales"] != "" || slices.Contains(locales, def):
	case def == t.DefaultLocale:
		fields["locales"] = "“" + def + "” is the default locale, so it must stay enabled. Choose another default locale before disabling it."
	default:
		fields["locales"] = "Enable “" + def + "” too: the default locale must be one of the enabled locales."
	}
	if len(fields) == 0 {
		return nil
	}
	return &models.ValidationError{Fields: fields}
}

// tenantChanged reports whether an update changed what UpdateTenant records: name, domain,
// default locale or the set of enabled locales (their order is not a change).
func tenantChanged(before, after *models.Tenant) bool {
	domain := func(t *models.Tenant) string {
		if t.Domain == nil {
			return ""
		}
		return *t.Domain
	}
	sorted := func(ls []string) []string { return slices.Sorted(slices.Values(ls)) }
	return before.Name != after.Name || domain(before) != domain(after) || before.DefaultLocale != after.DefaultLocale ||
		!slices.Equal(sorted(before.Locales), sorted(after.Locales)) || before.Currency() != after.Currency() ||
		!slices.Equal(sorted(before.EnabledCurrencies()), sorted(after.EnabledCurrencies())) || before.LowStock() != after.LowStock() ||
		before.Zone() != after.Zone() || before.RequireTwoFactor != after.RequireTwoFactor
}
