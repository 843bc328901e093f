package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// TestListKit checks the rules every list shares (handlers/list.go, views/components/list.templ)
// on all four lists at once.
func TestListKit(t *testing.T) {
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	testkit.Node(t, app.Store, tn).Translation("en", "Apple", "").Create()
	super := testkit.User(t, app.Store).SuperAdmin().Create()
	c := testkit.Client(t, app).LoginAs(super)
	hx := testkit.Client(t, app).LoginAs(super)
	hx.Header.Set("HX-Request", "true")
	lists := []struct{ id, path, bad string }{
		{"nodes", "/t/" + tn.Slug + "/nodes", "per_page=0"},
		{"users", "/t/" + tn.Slug + "/users", "per_page=0"},
		{"tenants", "/tenants", "per_page=0"},
		{"events", "/t/" + tn.Slug + "/events", "limit=0"},
	}
	for _, l := range lists {
		t.Run(l.id+": a bad parameter is a 422 page that says what is wrong and shows no rows", func(t *testing.T) {
			res := c.Get(l.path + "?" + l.bad).ExpectStatus(http.StatusUnprocessableEntity)
			if !strings.Contains(res.Text("filter-error"), "page size") || res.Find("tbody tr").Length() != 0 {
				t.Errorf("filter-error %q, %d rows", res.Text("filter-error"), res.Find("tbody tr").Length())
			}
			if res.Find("#"+l.id+"-filters").Length() != 1 {
				t.Error("the filter form is missing, so the user cannot fix the query")
			}
		})
		t.Run(l.id+": the same parameter over htmx is a 200 fragment with the message", func(t *testing.T) {
			res := hx.Get(l.path + "?" + l.bad).ExpectStatus(http.StatusOK)
			if res.Find("#"+l.id+"-table").Length() != 1 || res.Find("#"+l.id+"-filters").Length() != 0 || res.Text("filter-error") == "" {
				t.Errorf("not the table fragment with the message:\n%.600s", res.Body)
			}
		})
		t.Run(l.id+": an htmx answer pushes the list's own address, without empty fields", func(t *testing.T) {
			res := hx.Get(l.path + "?q=&status=&" + l.bad).ExpectStatus(http.StatusOK)
			if got, want := res.Header.Get("HX-Push-Url"), l.path+"?"+l.bad; got != want {
				t.Errorf("HX-Push-Url %q, want %q", got, want)
			}
		})
		t.Run(l.id+": the filter form keeps the page size in a hidden field and works without JavaScript", func(t *testing.T) {
			size := strings.SplitN(l.bad, "=", 2)[0]
			res := c.Get(l.path + "?" + size + "=5").ExpectStatus(http.StatusOK)
			form := res.Find("#" + l.id + "-filters")
			if form.AttrOr("method", "") != "get" || form.AttrOr("action", "") != l.path || form.AttrOr("hx-target", "") != "#"+l.id+"-table" {
				t.Errorf("filter form method %q action %q target %q", form.AttrOr("method", ""), form.AttrOr("action", ""), form.AttrOr("hx-target", ""))
			}
			if form.Find(`input[type="hidden"][name="`+size+`"]`).AttrOr("value", "") != "5" {
				t.Errorf("the page size is lost on the next search")
			}
		})
	}

	t.Run("an unknown sort or direction is refused like any bad filter value", func(t *testing.T) {
		for _, q := range []string{"sort=bogus", "dir=up"} {
			res := c.Get(lists[0].path + "?" + q).ExpectStatus(http.StatusUnprocessableEntity)
			if !strings.Contains(res.Text("filter-error"), "sort") {
				t.Errorf("%s: filter-error %q", q, res.Text("filter-error"))
			}
		}
	})

	t.Run("sortable headers say how they sort; the default sort needs no parameter", func(t *testing.T) {
		res := c.Get(lists[0].path + "?" + url.Values{"sort": {models.NodeSortUpdated}, "dir": {"asc"}}.Encode()).ExpectStatus(http.StatusOK)
		if got := res.TestID("sort-updated").Closest("th").AttrOr("aria-sort", ""); got != "ascending" {
			t.Errorf("aria-sort %q", got)
		}
		if got := res.TestID("sort-updated").AttrOr("href", ""); got != lists[0].path {
			t.Errorf("flipping back to the default sort links to %q", got)
		}
		if got := res.TestID("sort-kind").Closest("th").AttrOr("aria-sort", ""); got != "none" {
			t.Errorf("an unsorted column's aria-sort %q", got)
		}
	})
}
