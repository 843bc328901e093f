package models_test

import (
	"testing"

	"github.com/rustok/rustok-admin/models"
)

func TestCanonicalLocale(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "PT_br": "pt-BR", "zh-hant-tw": "zh-Hant-TW", " de ": "de", "sr-latn": "sr-Latn", "iw": "he"} {
		t.Run(in+" is written "+want, func(t *testing.T) {
			if got, ok := models.CanonicalLocale(in); !ok || got != want {
				t.Errorf("CanonicalLocale(%q) = %q, %v", in, got, ok)
			}
		})
	}
	for _, in := range []string{"", "und", "Deutsch", "e", "en--us"} {
		t.Run(in+" is no locale", func(t *testing.T) {
			if got, ok := models.CanonicalLocale(in); ok {
				t.Errorf("CanonicalLocale(%q) = %q, want refused", in, got)
			}
		})
	}
}
