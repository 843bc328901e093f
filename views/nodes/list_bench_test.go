package nodes_test

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/layouts"
	"github.com/rustok/rustok-admin/views/nodes"
	"github.com/rustok/rustok-admin/views/viewtest"
)

// benchList is a page of 50 rows as a signed-in admin sees it: two locales, authors, both
// times, every bulk action.
func benchList() (layouts.Page, nodes.List) {
	tn := &models.Tenant{ID: uuid.MustParse("0193a7d0-0000-7000-8000-000000000001"), Slug: "acme", Name: "Acme", DefaultLocale: "en", Locales: []string{"en", "de"}}
	authors := []models.NodeAuthor{{ID: uuid.MustParse("0193a7d0-0000-7000-8000-00000000000a"), Name: "Ada Admin", Email: "ada@example.com"}, {ID: uuid.MustParse("0193a7d0-0000-7000-8000-00000000000b"), Email: "bob@example.com"}}
	page := models.NodeListPage{Paging: models.Paging{Total: 1000, Page: 1, PerPage: 50, TotalCapped: true}, DisplayLocale: "en"}
	at := time.Date(2026, 11, 30, 14, 5, 0, 0, time.UTC)
	for i := range 50 {
		published := at.Add(-time.Duration(i) * time.Hour)
		row := models.NodeRow{ID: uuid.MustParse(fmt.Sprintf("0193a7d0-0000-7000-8000-%012d", 100+i)), Kind: models.NodePost, Status: models.NodePublished,
			AuthorID: authors[i%2].ID, AuthorName: authors[i%2].Name, AuthorEmail: authors[i%2].Email,
			Title: "A summer post number " + strconv.Itoa(i), Slug: "a-summer-post-" + strconv.Itoa(i), TitleLocale: "en",
			Locales: []string{"de", "en"}, UpdatedAt: at.Add(-time.Duration(i) * time.Minute), PublishedAt: &published}
		if i%3 == 0 {
			row.Status, row.PublishedAt = models.NodeDraft, nil
		}
		page.Nodes = append(page.Nodes, row)
	}
	l := nodes.List{Tenant: tn, Authors: authors, Page: page, CanCreate: true, CanPublish: true, CanDelete: true, CSRF: "csrf-token-for-the-benchmark",
		Query: components.ListState{ID: "nodes", Base: nodes.ListURL(tn.Slug), Values: url.Values{}, At: url.Values{}, Sort: nodes.ListSort}}
	p := layouts.Page{Title: "Content", UserName: "Ada Admin", UserEmail: "ada@example.com", Tenant: &layouts.TenantRef{Slug: "acme", Name: "Acme"},
		CSRFToken: l.CSRF, RequestID: "request-id", Section: "nodes", TimeZone: "Europe/Berlin",
		Tenants: []layouts.TenantRef{{Slug: "acme", Name: "Acme"}, {Slug: "globex", Name: "Globex"}}}
	for _, g := range []string{"", "Content", "People", "Activity"} {
		p.Nav = append(p.Nav, layouts.NavGroup{Label: g, Links: []layouts.NavLink{{Label: g + " one", Section: "a", Icon: "file-text", Href: "/t/acme/a"}, {Label: g + " two", Section: "b", Icon: "users", Href: "/t/acme/b"}}})
	}
	return p, l
}

// BenchmarkNodeList renders the content list of 50 rows: the whole page, and the htmx fragment
// (docs/BENCHMARKS.md, "Rendering"; goal under 0.3 ms of CPU each).
func BenchmarkNodeList(b *testing.B) {
	p, l := benchList()
	viewtest.Render(b, nodes.ListPage(p, l), nodes.NodesTable(l, true))
}
