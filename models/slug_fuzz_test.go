package models_test

import (
	"regexp"
	"testing"

	"github.com/rustok/rustok-admin/models"
)

// FuzzSlugify: the slug made from any title is one the node validator accepts (or empty, when
// the title has no letters or digits), so leaving the slug field empty never earns a slug error.
func FuzzSlugify(f *testing.F) {
	valid := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	f.Fuzz(func(t *testing.T, title string) {
		s := models.Slugify(title)
		if s != "" && (!valid.MatchString(s) || len(s) > models.MaxNodeSlug) {
			t.Fatalf("Slugify(%q) = %q, which the slug field refuses", title, s)
		}
	})
}
