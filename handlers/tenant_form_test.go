package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestTenantFormLocalesAndSlug(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	c := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
	c.Get("/tenants/new").ExpectStatus(http.StatusOK)

	create := func(t *testing.T, form url.Values) *models.Tenant {
		t.Helper()
		c.PostForm("/tenants", form).ExpectStatus(http.StatusSeeOther)
		tn, err := app.Store.TenantBySlug(context.Background(), form.Get("want_slug"))
		if err != nil {
			t.Fatalf("no tenant %q: %v", form.Get("want_slug"), err)
		}
		return tn
	}

	t.Run("the form offers the common locales as checkboxes, named in their own language", func(t *testing.T) {
		res := c.Get("/tenants/new").ExpectStatus(http.StatusOK)
		if res.TestID("locale-pt-BR").Length() != 1 || res.TestID("tenant-locale-choices").Find(`[lang="de"]`).Text() != "Deutsch" {
			t.Fatalf("no locale choices:\n%.2000s", res.Body)
		}
		if res.Find(`[data-slug-from="tenant-name"] input[name="slug"]`).Length() != 1 {
			t.Error("the slug field is not wired to the name")
		}
	})

	t.Run("ticked and typed locales are enabled, typed ones in canonical form", func(t *testing.T) {
		tn := create(t, url.Values{"slug": {"locales-shop"}, "want_slug": {"locales-shop"}, "name": {"Locales"}, "default_locale": {"EN"},
			"locale": {"de", "pt-BR"}, "locales": {"sr_latn, ZH-hant-tw de"}})
		if want := []string{"en", "de", "pt-BR", "sr-Latn", "zh-Hant-TW"}; !slices.Equal(tn.Locales, want) || tn.DefaultLocale != "en" {
			t.Errorf("locales %v default %q, want %v en", tn.Locales, tn.DefaultLocale, want)
		}
	})

	t.Run("a typed tag that language.Parse refuses is a 422 naming it", func(t *testing.T) {
		res := c.PostForm("/tenants", url.Values{"slug": {"bad-locales"}, "name": {"Bad"}, "default_locale": {"en"}, "locale": {"de"}, "locales": {"xx-notatag-12345678901"}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		if got := res.Text("tenant-locales-error"); got == "" {
			t.Errorf("no message on the locales field")
		}
		if res.TestID("locale-de").AttrOr("checked", "x") == "x" {
			t.Error("the ticked locale was lost")
		}
	})

	t.Run("an empty slug is made from the name", func(t *testing.T) {
		tn := create(t, url.Values{"slug": {""}, "want_slug": {"muller-sohne-gmbh"}, "name": {"Müller Söhne GmbH"}, "default_locale": {"en"}})
		if tn.Name != "Müller Söhne GmbH" {
			t.Errorf("tenant %+v", tn)
		}
	})
}
