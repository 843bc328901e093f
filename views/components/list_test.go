package components_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := components.Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// pager renders the pager of the list at /items for p.
func pager(t *testing.T, p models.Paging) *goquery.Document {
	t.Helper()
	l := components.ListState{ID: "items", Base: "/items", Values: url.Values{"q": {"x"}}, At: url.Values{}}
	var buf bytes.Buffer
	if err := components.Pager(l, p, "item", "items").Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestPager(t *testing.T) {
	text := func(d *goquery.Document, id string) string {
		return strings.Join(strings.Fields(d.Find(`[data-testid="`+id+`"]`).Text()), " ")
	}
	href := func(d *goquery.Document, id string) string {
		return d.Find(`[data-testid="`+id+`"]`).AttrOr("href", "")
	}

	t.Run("an exact count names the last page", func(t *testing.T) {
		d := pager(t, models.Paging{Total: 1234, Page: 2, PerPage: 50})
		if got := text(d, "page-info"); got != "Page 2 of 25 · 1,234 items" {
			t.Errorf("page info %q", got)
		}
		if href(d, "prev-page") != "/items?q=x" || href(d, "next-page") != "/items?page=3&q=x" {
			t.Errorf("prev %q next %q", href(d, "prev-page"), href(d, "next-page"))
		}
	})
	t.Run("a capped count says 1,000+ and names no last page; the links follow the cursors", func(t *testing.T) {
		d := pager(t, models.Paging{Total: 1000, TotalCapped: true, Page: 30, PerPage: 50, Prev: "P", Next: "N"})
		if got := text(d, "page-info"); got != "Page 30 · 1,000+ items" {
			t.Errorf("page info %q", got)
		}
		if href(d, "prev-page") != "/items?cursor=P&q=x" || href(d, "next-page") != "/items?cursor=N&q=x" {
			t.Errorf("prev %q next %q", href(d, "prev-page"), href(d, "next-page"))
		}
	})
	t.Run("the last page of a capped list has no Next", func(t *testing.T) {
		d := pager(t, models.Paging{Total: 1000, TotalCapped: true, Page: 30, PerPage: 50, Prev: "P"})
		if d.Find(`[data-testid="next-page"]`).Length() != 0 {
			t.Error("a Next link past the last row")
		}
	})
}
