package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// listParams is the one parser of a list's query string. A list declares its parameters by
// reading them through it — filters (text, oneOf, id, date), its sort map (sort) and offset
// (offset), cursor (cursor, with offset for old page=N links) or numeric keyset (keyset) paging — and gets back what was typed, for the form, and one
// message per value it cannot use.
//
// The bad-parameter rule, the same on every list: an empty parameter means its default; any
// other value that cannot be used — an unknown filter value, sort key or direction, a
// malformed id or date, a broken page link, a page size out of range — refuses the whole
// query. The list then shows no rows but the message (in #filter-error, and next to the field
// where the form has an error slot), with 422 on a full page and 200 on an htmx fragment,
// because htmx does not swap 4xx bodies (renderList).
type listParams struct {
	get   func(string) string
	state components.ListState
}

// readList starts reading the query of the list id at base through get (c.Query, or a saved
// query string).
func readList(id, base string, get func(string) string) *listParams {
	return &listParams{get: get, state: components.ListState{ID: id, Base: base, Values: url.Values{}, At: url.Values{}}}
}

// query reads the request's query string, for readList.
func query(c *fiber.Ctx) func(string) string { return func(k string) string { return c.Query(k) } }

// raw returns the trimmed value of key and remembers it as typed.
func (p *listParams) raw(key string) string {
	v := strings.Clone(strings.TrimSpace(p.get(key))) // fasthttp reuses the request's buffers
	if v != "" {
		p.state.Values.Set(key, v)
	}
	return v
}

// fail records why key cannot be used; the first message of a key stays.
func (p *listParams) fail(key, msg string) {
	if p.state.Errors == nil {
		p.state.Errors = map[string]string{}
	}
	if _, seen := p.state.Errors[key]; !seen {
		p.state.Errors[key] = msg
	}
}

// text reads a free-text filter of at most maxRunes characters (0: any length).
func (p *listParams) text(key string, maxRunes int) string {
	v := p.raw(key)
	if maxRunes > 0 && len([]rune(v)) > maxRunes {
		p.fail(key, fmt.Sprintf("Search for at most %d characters.", maxRunes))
	}
	return v
}

// oneOf reads a filter that must be one of allowed; msg says which.
func (p *listParams) oneOf(key string, allowed []string, msg string) string {
	v := p.raw(key)
	if v != "" && !slices.Contains(allowed, v) {
		p.fail(key, msg)
	}
	return v
}

// id reads a filter that must be a UUID; uuid.Nil when empty or malformed.
func (p *listParams) id(key, msg string) uuid.UUID {
	v := p.raw(key)
	if v == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		p.fail(key, msg)
		return uuid.Nil
	}
	return id
}

// date reads a YYYY-MM-DD filter; nil when empty or malformed.
func (p *listParams) date(key string) *time.Time {
	v := p.raw(key)
	if v == "" {
		return nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		p.fail(key, "Enter a date as YYYY-MM-DD.")
		return nil
	}
	return &d
}

// sort reads the sort key (one of sorts; "" is def) and direction (asc, desc, or "" for the
// key's natural one: descending for the keys in desc) and returns them.
func (p *listParams) sort(sorts []string, def string, desc ...string) (key string, descending bool) {
	p.state.Sort = components.Sort{Default: def, Desc: desc}
	if k := p.raw("sort"); k != "" && !slices.Contains(sorts, k) {
		p.fail("sort", "The list cannot be sorted by “"+k+"”.")
	}
	switch p.raw("dir") {
	case "", "asc", "desc":
	default:
		p.fail("sort", "The sort direction must be asc or desc.")
	}
	return p.state.SortKey(), p.state.Desc()
}

// offset reads page and per_page (at most maxPerPage); 0 means the default.
func (p *listParams) offset(maxPerPage int) (page, perPage int) {
	if raw := strings.TrimSpace(p.get("page")); raw != "" {
		if n, err := strconv.Atoi(raw); err != nil || n < 1 {
			p.fail("page", brokenPageLink)
		} else {
			page = n
		}
	}
	perPage = p.pageSize("per_page", maxPerPage)
	return page, perPage
}

// cursor reads the cursor of a keyset page link (parameter cursor, models.Cursor), which must
// have been made for the list's sort key and direction; nil when there is none. A cursor that
// cannot be used is a broken page link, like a bad page number. The cursor wins over page.
func (p *listParams) cursor(sortKey string, desc bool) *models.Cursor {
	raw := strings.TrimSpace(p.get("cursor"))
	if raw == "" {
		return nil
	}
	c, err := models.ParseCursor(raw)
	if err != nil || c.Sort != sortKey || c.Desc != desc {
		p.fail("page", brokenPageLink)
		return nil
	}
	p.state.At.Set("cursor", strings.Clone(raw))
	return &c
}

// refused records a *models.ValidationError on "page" from a list query (a cursor the list
// could not use) as the list's broken page link and reports whether err was one; the list
// state st is updated.
func (p *listParams) refused(err error, st *components.ListState) bool {
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields["page"] == "" {
		return false
	}
	p.fail("page", brokenPageLink)
	*st = p.done()
	return true
}

// brokenPageLink is the message of a page number or cursor that cannot be used.
const brokenPageLink = "This page link is broken. Start again from the first page."

// keyset reads the cursor before (a positive number; 0 = the newest page) and the page size
// limit (at most maxLimit; 0 = the default).
func (p *listParams) keyset(maxLimit int) (before int64, limit int) {
	if raw := strings.TrimSpace(p.get("before")); raw != "" {
		if n, err := strconv.ParseInt(raw, 10, 64); err != nil || n <= 0 {
			p.fail("page", "This page link is broken. Start again from the newest events.")
		} else {
			before = n
			p.state.At.Set("before", raw)
		}
	}
	return before, p.pageSize("limit", maxLimit)
}

func (p *listParams) pageSize(key string, max int) int {
	raw := p.raw(key)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		p.fail("page", fmt.Sprintf("The page size must be a number from 1 to %d.", max))
		return 0
	}
	return n
}

// done returns the list state for the templates.
func (p *listParams) done() components.ListState { return p.state }

// atPage records the page number the list shows, for its address (Current), unless the page
// was read by cursor (which At already holds).
func atPage(st *components.ListState, page int) {
	if page > 1 && st.At.Get("cursor") == "" {
		st.At.Set("page", strconv.Itoa(page))
	}
}

// renderList answers a list request by the bad-parameter rule: 422 for a full page with a
// refused query (status, when not 200, wins: a refused bulk action), 200 and the fragment for
// htmx, with the list's address pushed to the address bar without the form's empty fields.
func renderList(c *fiber.Ctx, status int, st components.ListState, full, fragment templ.Component) error {
	if wantsFragment(c) {
		c.Set(HeaderHXPushURL, st.Current())
		return render(c, status, fragment)
	}
	if st.Invalid() && status == fiber.StatusOK {
		status = fiber.StatusUnprocessableEntity
	}
	return render(c, status, full)
}
