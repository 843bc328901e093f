package models

// Paging says where one page of an offset-paginated list sits among all matching rows.
type Paging struct {
	Total   int // rows matching the query on all pages
	Page    int // 1-based
	PerPage int
}

// MaxPage bounds a requested page number, so the offset (page-1)*perPage cannot overflow and
// turn negative (PostgreSQL refuses a negative OFFSET). A page past the end is simply empty.
const MaxPage = 1_000_000

// newPaging normalises a requested page: below 1 means the first page, above MaxPage means
// MaxPage; a page size below 1 means def, above max is capped.
func newPaging(page, perPage, def, max int) Paging {
	if perPage < 1 {
		perPage = def
	}
	return Paging{Page: min(maxInt(page, 1), MaxPage), PerPage: min(perPage, max)}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Pages returns how many pages the matching rows fill (at least 1).
func (p Paging) Pages() int {
	if p.Total == 0 || p.PerPage < 1 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// HasPrev reports whether a page comes before this one.
func (p Paging) HasPrev() bool { return p.Page > 1 }

// HasNext reports whether a page with matching rows comes after this one.
func (p Paging) HasNext() bool { return p.Page < p.Pages() }
