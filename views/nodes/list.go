package nodes

import (
	"net/url"
	"strconv"

	"github.com/rustok/rustok-admin/models"
)

// ListFilters is the list's query as typed: search, filters, sort and page size, with one
// message per bad value ("page" for a broken page link).
type ListFilters struct {
	Search  string
	Kind    string
	Status  string
	Locale  string
	Author  string
	Sort    string
	Dir     string // asc or desc; "" means the sort's natural direction
	PerPage string
	Errors  map[string]string
}

// Values returns the filters that are set, as query parameters.
func (f ListFilters) Values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Search}, {"kind", f.Kind}, {"status", f.Status}, {"locale", f.Locale},
		{"author", f.Author}, {"sort", f.Sort}, {"dir", f.Dir}, {"per_page", f.PerPage}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// Filtered reports whether anything narrows the list.
func (f ListFilters) Filtered() bool {
	return f.Search != "" || f.Kind != "" || f.Status != "" || f.Locale != "" || f.Author != ""
}

// DefaultDesc reports whether a sort runs newest/last first when no direction is given.
func DefaultDesc(sort string) bool {
	return sort == "" || sort == models.NodeSortUpdated || sort == models.NodeSortPublished
}

// Desc reports whether the list runs in descending order.
func (f ListFilters) Desc() bool {
	switch f.Dir {
	case "asc":
		return false
	case "desc":
		return true
	}
	return DefaultDesc(f.Sort)
}

// SortKey is the effective sort.
func (f ListFilters) SortKey() string {
	if f.Sort == "" {
		return models.NodeSortUpdated
	}
	return f.Sort
}

// List is one page of the tenant's nodes with what produced it and what the viewer may do.
type List struct {
	Slug          string
	Locales       []string
	DefaultLocale string
	Authors       []models.NodeAuthor
	Filters       ListFilters
	Page          models.NodeListPage
	CanCreate     bool
	CanPublish    bool
	CanDelete     bool
	BulkError     string // why the last bulk action could not start
	CSRF          string // the token the bulk form posts with
}

// Base is the address of the list.
func (l List) Base() string { return ListURL(l.Slug) }

// Bulk reports whether rows can be selected for a bulk action.
func (l List) Bulk() bool { return l.CanPublish || l.CanDelete }

// url builds the list address with v.
func (l List) url(v url.Values) string {
	if len(v) == 0 {
		return l.Base()
	}
	return l.Base() + "?" + v.Encode()
}

// PageURL links to page n with the same filters and sort.
func (l List) PageURL(n int) string {
	v := l.Filters.Values()
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return l.url(v)
}

// SortURL sorts by key: the same key flips the direction, another starts in its natural one.
// A new sort starts on the first page.
func (l List) SortURL(key string) string {
	v := l.Filters.Values()
	v.Del("dir")
	if key == models.NodeSortUpdated {
		v.Del("sort")
	} else {
		v.Set("sort", key)
	}
	desc := DefaultDesc(key)
	if l.Filters.SortKey() == key {
		desc = !l.Filters.Desc()
	}
	if desc != DefaultDesc(key) {
		if desc {
			v.Set("dir", "desc")
		} else {
			v.Set("dir", "asc")
		}
	}
	return l.url(v)
}

// AriaSort is the aria-sort value of a column header.
func (l List) AriaSort(key string) string {
	if l.Filters.SortKey() != key {
		return "none"
	}
	if l.Filters.Desc() {
		return "descending"
	}
	return "ascending"
}

// SortArrow marks the sorted column.
func (l List) SortArrow(key string) string {
	switch l.AriaSort(key) {
	case "ascending":
		return "↑"
	case "descending":
		return "↓"
	}
	return ""
}

// Back is the address of the list as shown, for bulk actions to return to.
func (l List) Back() string { return l.PageURL(l.Page.Page) }

// Bulk is the confirmation of a bulk action: which nodes, what will happen to them.
type Bulk struct {
	Slug   string
	Action string // "status" or "delete"
	To     string // the target status of a status action
	Nodes  []models.NodeRow
	Back   string
}

// Verb is the action's button label.
func (b Bulk) Verb() string {
	if b.Action == "delete" {
		return "Delete"
	}
	return BulkVerb(b.To)
}

// Question names the action and how many items it affects.
func (b Bulk) Question() string { return b.Verb() + " " + Count(len(b.Nodes)) + "?" }

// URL is where the confirmed action posts.
func (b Bulk) URL() string {
	if b.Action == "delete" {
		return BulkDeleteURL(b.Slug)
	}
	return BulkStatusURL(b.Slug)
}
