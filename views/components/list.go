package components

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/rustok/rustok-admin/models"
)

// ListState is what a list page was asked for, as every list's templates read it: the list's
// name and address, the query as typed and one message per parameter that could not be used.
// Handlers build it with the one list parser (handlers/list.go); the list components (filter
// bar, sortable header, pager) take their URLs from it.
type ListState struct {
	ID     string            // names the list's elements: #<ID>-table, #<ID>-filters, #<ID>-search
	Base   string            // the list's address
	Values url.Values        // the query as typed and trimmed, only what is set; never the page or cursor
	At     url.Values        // where this page sits: page=N, cursor=… or before=N (empty on the first page)
	Errors map[string]string // one message per bad parameter; "page" for the page, page size and cursor
	Sort   Sort              // the zero Sort: the list has one fixed order
}

// Sort declares a list's sort keys: the default one and those that run descending unless a
// direction is given.
type Sort struct {
	Default string
	Desc    []string
}

// Get returns the typed value of a query parameter.
func (l ListState) Get(key string) string { return l.Values.Get(key) }

// Invalid reports whether a parameter could not be used: then the list shows no rows.
func (l ListState) Invalid() bool { return len(l.Errors) > 0 }

// Target is the htmx target of the list: its table fragment.
func (l ListState) Target() string { return "#" + l.ID + "-table" }

// Filtered reports whether any of the keys narrows the list.
func (l ListState) Filtered(keys ...string) bool {
	return slices.ContainsFunc(keys, func(k string) bool { return l.Get(k) != "" })
}

// Messages returns the error messages in the order of keys, then "page".
func (l ListState) Messages(keys ...string) []string {
	var out []string
	for _, k := range append(keys, "page") {
		if m := l.Errors[k]; m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// URL is the list's address with v.
func (l ListState) URL(v url.Values) string {
	if len(v) == 0 {
		return l.Base
	}
	return l.Base + "?" + v.Encode()
}

func (l ListState) values() url.Values {
	v := url.Values{}
	for k, vs := range l.Values {
		v[k] = slices.Clone(vs)
	}
	return v
}

// PageURL links to page n with the same filters and sort.
func (l ListState) PageURL(n int) string {
	v := l.values()
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return l.URL(v)
}

// KeysetURL links to the page of a list's cursor (models.Cursor) with the same filters and sort.
func (l ListState) KeysetURL(cursor string) string {
	v := l.values()
	v.Set("cursor", cursor)
	return l.URL(v)
}

// PrevURL links to the page before p: by its cursor when it has one, else by number.
func (l ListState) PrevURL(p models.Paging) string {
	if p.Prev != "" {
		return l.KeysetURL(p.Prev)
	}
	return l.PageURL(p.Page - 1)
}

// NextURL links to the page after p: by its cursor when it has one, else by number.
func (l ListState) NextURL(p models.Paging) string {
	if p.Next != "" {
		return l.KeysetURL(p.Next)
	}
	return l.PageURL(p.Page + 1)
}

// CursorURL links to the keyset page after cursor (0: the newest) with the same filters.
func (l ListState) CursorURL(before int64) string {
	v := l.values()
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	return l.URL(v)
}

// Current is the address of the page shown: what the address bar and a bulk action's way back
// get.
func (l ListState) Current() string {
	v := l.values()
	for k, vs := range l.At {
		v[k] = vs
	}
	return l.URL(v)
}

// SortKey is the effective sort.
func (l ListState) SortKey() string {
	if s := l.Get("sort"); s != "" {
		return s
	}
	return l.Sort.Default
}

func (l ListState) descByDefault(key string) bool { return slices.Contains(l.Sort.Desc, key) }

// Desc reports whether the list runs in descending order.
func (l ListState) Desc() bool {
	switch l.Get("dir") {
	case "asc":
		return false
	case "desc":
		return true
	}
	return l.descByDefault(l.SortKey())
}

// SortURL sorts by key: the same key flips the direction, another starts in its natural one.
// A new sort starts on the first page.
func (l ListState) SortURL(key string) string {
	v := l.values()
	v.Del("dir")
	v.Del("sort")
	if key != l.Sort.Default {
		v.Set("sort", key)
	}
	desc := l.descByDefault(key)
	if l.SortKey() == key {
		desc = !l.Desc()
	}
	if desc != l.descByDefault(key) {
		v.Set("dir", map[bool]string{true: "desc", false: "asc"}[desc])
	}
	return l.URL(v)
}

// AriaSort is the aria-sort value of a column header.
func (l ListState) AriaSort(key string) string {
	switch {
	case l.SortKey() != key:
		return "none"
	case l.Desc():
		return "descending"
	}
	return "ascending"
}

// SortArrow marks the sorted column.
func (l ListState) SortArrow(key string) string {
	return map[string]string{"ascending": "↑", "descending": "↓"}[l.AriaSort(key)]
}

// Option is one choice of a select filter: the value sent and the label shown.
type Option [2]string

// Keyset describes the links of a keyset-paged list: the cursor the page was read from and the
// next, older page's (0: none), with their labels and test ids.
type Keyset struct {
	Before, Next              int64
	NewestLabel, OlderLabel   string
	NewestTestID, OlderTestID string
}

// Count says "1 item", "3 users", "1,250 users": n and the noun that fits.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// Total says how many rows match a list: Count of the total, or "1,000+ items" when the count
// stopped at its bound (models.Paging).
func Total(p models.Paging, one, many string) string {
	if p.TotalCapped {
		return Thousands(p.Total) + "+ " + many
	}
	return Count(p.Total, one, many)
}

// Thousands writes n with a comma between groups of three digits: 1,000,000.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}

// stateKeys are the parameters a list keeps in hidden fields of its filter form (they are set
// by links, not by fields).
var stateKeys = []string{"sort", "dir", "per_page", "limit"}
