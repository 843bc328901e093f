package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// slugs returns the slugs of a page's tenants, in order.
func slugs(p models.TenantPage) []string {
	var out []string
	for _, t := range p.Tenants {
		out = append(out, t.Slug)
	}
	return out
}

func TestListTenants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	testkit.Tenant(t, store).Slug("acme").Name("Acme Corp").Domain("shop.acme.example").Create()
	testkit.Tenant(t, store).Slug("globex").Name("Globex").Create()
	testkit.Tenant(t, store).Slug("initech").Name("Initech").Domain("initech.example").Inactive().Create()
	testkit.Tenant(t, store).Slug("percent").Name("100% Juice").Create()
	testkit.Tenant(t, store).Slug("under-score").Name("Under_score Ltd").Create()
	testkit.Tenant(t, store).Slug("another-acme").Name("Acme Corp").Create() // same name: slug breaks the tie

	list := func(t *testing.T, q models.TenantQuery) models.TenantPage {
		t.Helper()
		p, err := store.ListTenants(ctx, q)
		if err != nil {
			t.Fatalf("ListTenants(%+v): %v", q, err)
		}
		return p
	}

	t.Run("without a query every tenant is listed by name, then slug", func(t *testing.T) {
		p := list(t, models.TenantQuery{})
		want := []string{"percent", "acme", "another-acme", "globex", "initech", "under-score"}
		if got := slugs(p); !slices.Equal(got, want) {
			t.Fatalf("slugs %v, want %v", got, want)
		}
		if p.Total != 6 || p.Page != 1 || p.PerPage != models.DefaultTenantsPerPage || p.Pages() != 1 || p.HasNext() || p.HasPrev() {
			t.Fatalf("page info %+v, pages %d", p, p.Pages())
		}
	})

	t.Run("the search matches slug, name or domain, whatever the case", func(t *testing.T) {
		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"GLOB", []string{"globex"}},                    // slug and name
			{"acme corp", []string{"acme", "another-acme"}}, // name
			{"Another-", []string{"another-acme"}},          // slug only
			{"SHOP.acme", []string{"acme"}},                 // domain only
			{"initech.example", []string{"initech"}},        // domain of an inactive tenant
			{"  globex  ", []string{"globex"}},              // surrounding spaces are ignored
			{"nothing-like-this", nil},
		} {
			if got := slugs(list(t, models.TenantQuery{Search: tc.search})); !slices.Equal(got, tc.want) {
				t.Errorf("search %q: %v, want %v", tc.search, got, tc.want)
			}
		}
	})

	t.Run("% and _ in the search match themselves, not any text", func(t *testing.T) {
		for _, tc := range []struct {
			search string
			want   []string
		}{
			{"%", []string{"percent"}},
			{"0% j", []string{"percent"}},
			{"_", []string{"under-score"}},
			{"r_s", []string{"under-score"}},
			{"a_m", nil}, // a wildcard _ would match "acme"
			{"a%e", nil}, // a wildcard % would match "acme"
			{`\`, nil},   // the escape character itself is literal
			{`\%`, nil},  // and escapes nothing
		} {
			if got := slugs(list(t, models.TenantQuery{Search: tc.search})); !slices.Equal(got, tc.want) {
				t.Errorf("search %q: %v, want %v", tc.search, got, tc.want)
			}
		}
	})

	t.Run("the status narrows to active or inactive tenants", func(t *testing.T) {
		if got := slugs(list(t, models.TenantQuery{Status: models.TenantInactive})); !slices.Equal(got, []string{"initech"}) {
			t.Errorf("inactive: %v", got)
		}
		active := list(t, models.TenantQuery{Status: models.TenantActive, Search: "i"})
		if got := slugs(active); slices.Contains(got, "initech") || active.Total != len(got) {
			t.Errorf("active matching i: %v (total %d)", got, active.Total)
		}
	})

	t.Run("an unknown status is a validation error on the status field", func(t *testing.T) {
		_, err := store.ListTenants(ctx, models.TenantQuery{Status: "deleted"})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Fields["status"] == "" || !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("err %v, want a ValidationError on status", err)
		}
	})

	t.Run("pages split the ordered list and count every match", func(t *testing.T) {
		var seen []string
		for n := 1; n <= 3; n++ {
			p := list(t, models.TenantQuery{Page: n, PerPage: 2})
			if p.Total != 6 || p.Pages() != 3 || p.Page != n || len(p.Tenants) != 2 {
				t.Fatalf("page %d: %+v", n, p)
			}
			if p.HasPrev() != (n > 1) || p.HasNext() != (n < 3) {
				t.Errorf("page %d: prev %v, next %v", n, p.HasPrev(), p.HasNext())
			}
			seen = append(seen, slugs(p)...)
		}
		if want := slugs(list(t, models.TenantQuery{})); !slices.Equal(seen, want) {
			t.Fatalf("pages together %v, want %v", seen, want)
		}
		past := list(t, models.TenantQuery{Page: 9, PerPage: 2})
		if len(past.Tenants) != 0 || past.Total != 6 || past.HasNext() || !past.HasPrev() {
			t.Errorf("a page past the end: %+v", past)
		}
		filtered := list(t, models.TenantQuery{Search: "acme", PerPage: 1})
		if filtered.Total != 2 || filtered.Pages() != 2 || len(filtered.Tenants) != 1 {
			t.Errorf("filtered pages: %+v", filtered)
		}
	})

	t.Run("page sizes are defaulted and capped", func(t *testing.T) {
		if p := list(t, models.TenantQuery{Page: -3, PerPage: 0}); p.Page != 1 || p.PerPage != models.DefaultTenantsPerPage {
			t.Errorf("defaults: page %d, per page %d", p.Page, p.PerPage)
		}
		if p := list(t, models.TenantQuery{PerPage: 100000}); p.PerPage != models.MaxTenantsPerPage {
			t.Errorf("cap: per page %d", p.PerPage)
		}
	})
}
