package handlers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	tenantviews "github.com/rustok/rustok-admin/views/tenants"
)

// A tenant's own settings (/t/{slug}/settings): what the platform's tenant page edits, less the
// domain, plus the time zone and the second-factor rule. Saving goes through UpdateTenant (its
// events, the version check) and drops the tenant from every process's cache.

var settingsFields = fields("name", "default_locale", "locales", "default_currency", "currencies", "low_stock_threshold", "time_zone")

func settingsForm(t *models.Tenant) tenantviews.Form {
	f := tenantviews.FormFor(t)
	f.Settings, f.Action = true, paths.URL(paths.Settings, t.Slug)
	return f
}

// settingsShow shows the settings: the form to those who may update them, else what they are.
func (a *App) settingsShow(c *fiber.Ctx) error {
	t := currentTenant(c)
	return a.renderSettings(c, fiber.StatusOK, t, settingsForm(t))
}

func (a *App) renderSettings(c *fiber.Ctx, status int, t *models.Tenant, f tenantviews.Form) error {
	pg := a.pageFor(c, "Settings")
	pg.Section = "settings"
	return render(c, status, tenantviews.SettingsPage(pg, t, f, a.may(c, t, p("settings", "update"))))
}

// settingsPost saves the settings. Disabling a locale that translations use is refused until
// the form confirms it, saying how many; a form loaded before someone else's save gets 409.
func (a *App) settingsPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	f := parseTenantForm(c)
	base := settingsForm(t)
	f.ID, f.Slug, f.Settings, f.Action, f.Domain = base.ID, base.Slug, true, base.Action, base.Domain
	f.TimeZone = strings.Clone(c.FormValue("time_zone"))
	f.RequireTwoFactor = c.FormValue("require_two_factor") != ""
	f.ConfirmLocales = c.FormValue("confirm_locales") != ""
	version := formVersion(c)
	locales := formLocales(f)
	currencies, threshold, _ := formCatalog(f)
	f.FormState, _ = refusal(tenantEditErrors(t, f, locales), settingsFields)
	f.Version = *version
	if !f.Invalid() && !f.ConfirmLocales {
		msg, err := a.localesInUse(c, t, locales)
		if err != nil {
			return err
		}
		if msg != "" {
			f.Fail("locales", msg)
			f.Version = *version
		}
	}
	up := models.TenantUpdate{Name: &f.Name, DefaultLocale: &f.DefaultLocale, Locales: locales, Version: version,
		DefaultCurrency: &f.DefaultCurrency, Currencies: currencies, LowStockThreshold: threshold,
		TimeZone: &f.TimeZone, RequireTwoFactor: &f.RequireTwoFactor}
	return a.saveTenantForm(c, t, &f, up, settingsFields, func(status int) error { return a.renderSettings(c, status, t, f) },
		f.Action, func(*models.Tenant) string { return "Settings saved." })
}

// localesInUse says which of the locales being disabled translations use, and how many ("" when
// none do).
func (a *App) localesInUse(c *fiber.Ctx, t *models.Tenant, locales []string) (string, error) {
	var off []string
	for _, l := range t.Locales {
		if !slices.Contains(locales, l) {
			off = append(off, l)
		}
	}
	counts, err := a.store.TranslationsIn(ctx(c), t.ID, off)
	if err != nil || len(counts) == 0 {
		return "", err
	}
	var parts []string
	var total int64
	for _, l := range off {
		if n := counts[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s (%d)", l, n))
			total += n
		}
	}
	return fmt.Sprintf("%d %s use the locales you are disabling: %s. They stay stored but are no longer shown or edited. Confirm below to disable them.",
		total, plural(int(total), "translation", "translations"), strings.Join(parts, ", ")), nil
}
