package models

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Paging says where one page of a list sits among all matching rows. Every list of the admin
// (nodes, users, tenants) fills it the same way, through the list kit below:
//
//   - the count is exact when cheap and bounded otherwise: it reads at most CountBound+1 rows,
//     and past that Total is CountBound and TotalCapped is set (shown as "1,000+");
//   - a page reads one row past its end, so HasNext is exact even when the count is capped;
//   - keyset lists also return the cursors of the neighbouring pages (Prev, Next), so a deep
//     page is read by "rows after this key" instead of an OFFSET through every row before it.
type Paging struct {
	Total       int  // rows matching the query on all pages, or CountBound when TotalCapped
	TotalCapped bool // more than Total rows match: the count stopped at its bound
	Page        int  // 1-based (for a keyset page: the number its cursor carried)
	PerPage     int
	Prev, Next  string // keyset cursors of the previous and next page; "" = none, or link by page number
	more        bool   // a row was read past the end of this page
	read        bool   // the page was read by a list of the kit, so more is known
}

// CountBound is how many rows a list counts at most; past it the total shows as "1,000+".
// Counting every row of a large list on every page costs more than the page itself.
const CountBound = 1_000

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

// Pages returns how many pages the matching rows fill (at least 1); when the count is capped,
// how many pages are known to be full.
func (p Paging) Pages() int {
	if p.Total == 0 || p.PerPage < 1 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// HasPrev reports whether a page comes before this one.
func (p Paging) HasPrev() bool { return p.Page > 1 }

// HasNext reports whether a page with matching rows comes after this one: it has a Next
// cursor, or, for a page a list read, a row was found past it (exact even when the count is
// capped, or a cursor's page number is off because rows came and went); else, whether the
// total fills more pages.
func (p Paging) HasNext() bool {
	switch {
	case p.Next != "":
		return true
	case p.read:
		return p.more
	}
	return p.Page < p.Pages()
}

// offset is how many rows come before the page, for a list read by page number.
func (p Paging) offset() int { return (p.Page - 1) * p.PerPage }

// pageRows trims the rows a page read (PerPage+1 of them, see Paging) to the page and records
// whether one more exists.
func pageRows[T any](p *Paging, rows []T) []T {
	p.read, p.more = true, len(rows) > p.PerPage
	if p.more {
		rows = rows[:p.PerPage]
	}
	return rows
}

// totalFromRows sets the total when the rows of an offset page tell it, so the count need not
// run: the first page when nothing follows it, or a non-empty last page. It reports whether it
// did. (A page past the end, or a keyset page, says nothing about the rows before it.)
func (p *Paging) totalFromRows(n int, byOffset bool) bool {
	if !byOffset || p.more || n == 0 && p.Page > 1 {
		return false
	}
	p.Total = p.offset() + n
	return true
}

// countBounded runs the list kit's count: sub (Raw or a query chain) selects the matching rows
// (any columns, no ORDER BY or LIMIT) and at most bound+1 of them are read, so the count costs at most bound+1 index
// entries however large the list. bound < 1 means CountBound. It returns the count, or bound
// and true when more rows match.
//
//	SELECT count(*) FROM (<sub> LIMIT bound+1) x
func countBounded(db *gorm.DB, sub *gorm.DB, bound int) (int, bool, error) {
	if bound < 1 {
		bound = CountBound
	}
	var n int64
	// The LIMIT is written here, not with sub.Limit: GORM drops Limit on a Raw statement.
	if err := db.Raw("SELECT count(*) FROM (? LIMIT ?) x", sub, bound+1).Scan(&n).Error; err != nil {
		return 0, false, err
	}
	if int(n) > bound {
		return bound, true, nil
	}
	return int(n), false, nil
}

// CountCache keeps a list's bounded count between requests: internal/summary, which drops a
// tenant's counts on any event of the tenant. name identifies the list and its filters.
type CountCache interface {
	Count(ctx context.Context, tenant uuid.UUID, name string, load func() (int, bool, error)) (int, bool, error)
}

// setCount stores the result of countBounded.
func (p *Paging) setCount(n int, capped bool) { p.Total, p.TotalCapped = n, capped }

// Cursor is where a keyset page starts: the sort key and id of the row just before it in the
// list's order (or, for a Back cursor, just after it), the sort it was made for, and the
// number of the page it leads to. It travels in links as an opaque, URL-safe string (Encode,
// ParseCursor).
type Cursor struct {
	Page int       `json:"p"`           // the number of the page it leads to (>= 1)
	Sort string    `json:"s"`           // the list's sort key it was made for
	Desc bool      `json:"d,omitempty"` // and its direction
	Back bool      `json:"b,omitempty"` // leads to the previous page: the rows before the key
	Key  []*string `json:"k"`           // the sort columns' values as text, nil for NULL; a time as RFC 3339 in UTC
	ID   uuid.UUID `json:"i"`           // the row's id, the tie-break of every sort
}

// Encode returns the cursor as an opaque string that is safe in a URL without escaping.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c) // strings, bools, an int and a uuid cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// badCursor is the message of a cursor that cannot be used, on "page" like a bad page number.
const badCursor = "This page link is broken. Start again from the first page."

// ParseCursor reads a cursor made by Encode. Anything else — not base64, not a cursor, a page
// out of range — is a *ValidationError on "page". Whether it fits the list is the list's
// check (keysetKey.condition).
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 4096 || json.Unmarshal(b, &c) != nil || c.Page < 1 || c.Page > MaxPage ||
		c.ID == uuid.Nil || len(c.Key) == 0 {
		return Cursor{}, cursorError()
	}
	return c, nil
}

func cursorError() error {
	fe := fieldErrors{}
	fe.add("page", badCursor)
	return fe.err()
}

// keysetKey is the order of a keyset-paged list: its sort key, the sort columns, then the id
// column, all ascending or all descending.
type keysetKey struct {
	sort string
	cols []keyCol
	id   string
	desc bool
}

// keyCol is one sort column: an SQL expression, NULLS LAST in both directions when nullsLast,
// and whether its values are times (kept in a cursor as RFC 3339 text).
type keyCol struct {
	expr      string
	nullsLast bool
	isTime    bool
}

// order is the ORDER BY of a page; reversed for a Back cursor, whose rows are read from the
// cursor backwards and then put back in order.
func (k keysetKey) order(reversed bool) string {
	dir := " ASC"
	if k.desc != reversed {
		dir = " DESC"
	}
	var out []string
	for _, c := range k.cols {
		switch {
		case c.nullsLast && reversed:
			out = append(out, c.expr+dir+" NULLS FIRST")
		case c.nullsLast:
			out = append(out, c.expr+dir+" NULLS LAST")
		default:
			out = append(out, c.expr+dir)
		}
	}
	return strings.Join(append(out, k.id+dir), ", ")
}

// condition selects the rows after the cursor's row in the list's order (before it for a Back
// cursor), spelled without row values so SQLite and PostgreSQL read it alike. For a descending
// sort on one column e, after (v, id₀) is
//
//	(e < v OR (e = v AND id < id₀) [OR e IS NULL])   or, after a NULL key,   (e IS NULL AND id < id₀)
//
// (the IS NULL term for NULLS LAST columns); more columns nest where "id < id₀" stands. A Back
// cursor flips the comparisons, drops the IS NULL term and reads, before a NULL key,
// (e IS NOT NULL OR (e IS NULL AND …)). Without an IS NULL term the first column also gets a
// plain bound, "e <= v AND (…)", which is what PostgreSQL turns into an index range (measured:
// 6 buffers instead of 3,306 for a page 150,000 rows deep). A cursor made for another sort or direction, or whose
// key does not fit the columns, is a *ValidationError on "page".
func (k keysetKey) condition(c *Cursor) (string, []any, error) {
	if c.Sort != k.sort || c.Desc != k.desc || len(c.Key) != len(k.cols) {
		return "", nil, cursorError()
	}
	op := ">"
	if k.desc != c.Back {
		op = "<"
	}
	cond, args := k.id+" "+op+" ?", []any{c.ID}
	for i := len(k.cols) - 1; i >= 0; i-- {
		col, v := k.cols[i], c.Key[i]
		e := col.expr
		switch {
		case v == nil && !col.nullsLast:
			return "", nil, cursorError()
		case v == nil && c.Back:
			cond = "(" + e + " IS NOT NULL OR (" + e + " IS NULL AND " + cond + "))"
			continue
		case v == nil:
			cond = "(" + e + " IS NULL AND " + cond + ")"
			continue
		}
		var val any = *v
		if col.isTime {
			t, err := time.Parse(time.RFC3339Nano, *v)
			if err != nil {
				return "", nil, cursorError()
			}
			val = t
		}
		nulls := ""
		if col.nullsLast && !c.Back {
			nulls = " OR " + e + " IS NULL"
		}
		cond = "(" + e + " " + op + " ? OR (" + e + " = ? AND " + cond + ")" + nulls + ")"
		args = append([]any{val, val}, args...)
		if i == 0 && nulls == "" {
			// Implied by the condition, but what lets PostgreSQL start an index scan at the
			// cursor: without it, it filters every row before the cursor, like an OFFSET.
			cond, args = e+" "+op+"= ? AND "+cond, append([]any{val}, args...)
		}
	}
	return cond, args, nil
}

// keysetPage finishes a page read with PerPage+1 rows (from c; nil: by page number): it trims
// them to the page, sets the Prev and Next cursors from the edge rows (keyOf returns a row's
// sort column values as text, nil for NULL, and its id) and puts a Back page's rows back in
// order. A Back page's extra row means a page comes before it: without one it is the first
// page after all.
func keysetPage[T any](p *Paging, k keysetKey, c *Cursor, rows []T, keyOf func(T) ([]*string, uuid.UUID)) []T {
	rows = pageRows(p, rows)
	back := c != nil && c.Back
	if c != nil {
		p.Page = c.Page
	}
	if back {
		if !p.more {
			p.Page = 1
		} else {
			p.Page = maxInt(p.Page, 2)
		}
		p.more = false
		slices.Reverse(rows)
	}
	if len(rows) == 0 {
		return rows
	}
	cursor := func(page int, back bool, row T) string {
		key, id := keyOf(row)
		return Cursor{Page: page, Sort: k.sort, Desc: k.desc, Back: back, Key: key, ID: id}.Encode()
	}
	if p.more || back {
		p.Next = cursor(p.Page+1, false, rows[len(rows)-1])
	}
	if p.Page > 2 { // page 2 links back to page 1 by number: the first page needs no cursor
		p.Prev = cursor(p.Page-1, true, rows[0])
	}
	return rows
}

// textKey and timeKey put a sort column's value into a cursor key.
func textKey(s string) *string { return &s }

func timeKey(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return textKey(t.UTC().Format(time.RFC3339Nano))
}
