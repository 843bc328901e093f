package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/textsearch"
	"github.com/rustok/rustok-admin/migrations"
)

// Page sizes of the node list, and how many nodes one bulk action may touch.
const (
	DefaultNodesPerPage = 50
	MaxNodesPerPage     = 100
	MaxBulkNodes        = MaxBulk
)

// Sort keys of the node list.
const (
	NodeSortUpdated   = "updated"   // n.updated_at (the default, with Desc=true by handler default)
	NodeSortTitle     = "title"     // display-locale title, case-insensitive (title_search), missing titles last
	NodeSortKind      = "kind"      // alphabetical: page before post
	NodeSortStatus    = "status"    // alphabetical: archived, draft, published
	NodeSortAuthor    = "author"    // author's name, or email when the name is empty, case-insensitive
	NodeSortPublished = "published" // published_at, never-published last in both directions
)

// NodeSorts lists the sort keys of the node list, in the order a form offers them.
var NodeSorts = []string{NodeSortUpdated, NodeSortTitle, NodeSortKind, NodeSortStatus, NodeSortAuthor, NodeSortPublished}

// nodeSortColumns maps a sort key onto its ORDER BY expression, whether rows without a value
// go last in both directions, and whether the value is a time (else text, which the page query
// selects as sort_key for the cursor). lower() in the author key folds ASCII only on SQLite.
var nodeSortColumns = map[string]keyCol{
	NodeSortUpdated:   {expr: "n.updated_at", isTime: true},
	NodeSortTitle:     {expr: "t.title_search", nullsLast: true},
	NodeSortKind:      {expr: "n.kind"},
	NodeSortStatus:    {expr: "n.status"},
	NodeSortAuthor:    {expr: "lower(COALESCE(NULLIF(u.name, ''), u.email))"},
	NodeSortPublished: {expr: "n.published_at", nullsLast: true, isTime: true},
}

// NodeQuery narrows, sorts and pages a tenant's node list.
type NodeQuery struct {
	Search    string      // case-insensitive substring of a title in ANY locale (Unicode-aware, see title_search); % and _ match themselves
	Kind      string      // "" = any, else post|page
	Status    string      // "" = any, else draft|published|archived
	Locale    string      // "" = any; else only nodes that have a translation in this locale, and it becomes the display locale
	AuthorID  uuid.UUID   // uuid.Nil = any
	IDs       []uuid.UUID // when non-nil: only these nodes (used to list a bulk selection); ids of other tenants simply don't match
	Sort      string      // one of NodeSorts; "" = updated
	Desc      bool
	Page      int        // 1-based; <1 = 1; ignored when Cursor is set
	Cursor    *Cursor    // a page's Prev or Next cursor (ParseCursor): read by key, not by OFFSET
	PerPage   int        // <1 = DefaultNodesPerPage, capped at MaxNodesPerPage
	CountUpTo int        // the count's bound; <1 = CountBound (tests set it low)
	Counts    CountCache // when set, the bounded count is kept there between requests
}

// NodeRow is one line of the node list.
type NodeRow struct {
	ID          uuid.UUID
	Kind        string
	Status      string
	AuthorID    uuid.UUID
	AuthorName  string
	AuthorEmail string
	Title       string   // in TitleLocale; "" only if the node has no translation at all
	Slug        string   // in TitleLocale
	TitleLocale string   // the display locale when the node has a translation there, else the first other locale (alphabetical) that has one
	Locales     []string // locales the node has a translation in, sorted
	UpdatedAt   time.Time
	PublishedAt *time.Time
}

// NodeListPage is one page of a tenant's node list and where it sits among all matching nodes.
// (It cannot be called NodePage: that is the kind constant "page".)
type NodeListPage struct {
	Paging
	Nodes         []NodeRow
	DisplayLocale string // q.Locale, or the tenant's default locale
}

// nodeListWhere returns the WHERE clause shared by the count and the page query, and its
// arguments, or a *ValidationError for a filter the tenant cannot have.
func nodeListWhere(tenant *Tenant, q NodeQuery) (string, []any, error) {
	fe := fieldErrors{}
	if q.Kind != "" && q.Kind != NodePost && q.Kind != NodePage {
		fe.add("kind", "Choose post or page.")
	}
	if q.Status != "" {
		if err := NodeWorkflow.Check(q.Status); err != nil {
			fe.add("status", err.(*ValidationError).Fields["status"])
		}
	}
	if q.Sort != "" && !slices.Contains(NodeSorts, q.Sort) {
		fe.add("sort", "Sort by one of: "+strings.Join(NodeSorts, ", ")+".")
	}
	if q.Locale != "" && !slices.Contains(tenant.Locales, q.Locale) {
		fe.add("locale", "“"+q.Locale+"” is not one of this tenant's locales.")
	}
	if err := fe.err(); err != nil {
		return "", nil, err
	}

	where := []string{"n.tenant_id = ?"}
	args := []any{tenant.ID}
	if q.Kind != "" {
		where, args = append(where, "n.kind = ?"), append(args, q.Kind)
	}
	if q.Status != "" {
		where, args = append(where, "n.status = ?"), append(args, q.Status)
	}
	if q.AuthorID != uuid.Nil {
		where, args = append(where, "n.author_id = ?"), append(args, q.AuthorID)
	}
	if q.IDs != nil {
		where, args = append(where, "n.id IN ?"), append(args, q.IDs)
	}
	if q.Locale != "" {
		where = append(where, "EXISTS (SELECT 1 FROM node_translations l WHERE l.node_id = n.id AND l.locale = ?)")
		args = append(args, q.Locale)
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		// title_search is case-folded by Go (textsearch.Fold), so the pattern is too; ESCAPE is
		// spelled out because SQLite has no default escape character.
		where = append(where, `EXISTS (SELECT 1 FROM node_translations s WHERE s.node_id = n.id AND s.title_search LIKE ? ESCAPE '\')`)
		args = append(args, "%"+escapeLike(textsearch.Fold(search))+"%")
	}
	return strings.Join(where, " AND "), args, nil
}

// nodeListRow is a row of the page query.
type nodeListRow struct {
	ID             uuid.UUID
	Kind           string
	Status         string
	AuthorID       uuid.UUID
	UpdatedAt      time.Time
	PublishedAt    *time.Time
	Title          *string
	Slug           *string
	AuthorName     *string
	AuthorEmail    *string
	FallbackLocale *string
	FallbackTitle  *string
	FallbackSlug   *string
	Locales        *string // comma-separated; sorted in Go
	SortKey        *string // the text sort's value, for the cursor
}

// scanNodeRows runs the page statement and scans its rows by hand: GORM's reflection over 15
// columns was a fifth of the list's server CPU (issue 12, docs/BENCHMARKS.md).
func (s *Store) scanNodeRows(ctx context.Context, withSortKey bool, sql string, args ...any) ([]nodeListRow, error) {
	res, err := s.Conn(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := make([]nodeListRow, 0, 51)
	for res.Next() {
		var r nodeListRow
		dest := []any{&r.ID, &r.Kind, &r.Status, &r.AuthorID, &r.UpdatedAt, &r.PublishedAt, &r.Title, &r.Slug,
			&r.AuthorName, &r.AuthorEmail, &r.FallbackLocale, &r.FallbackTitle, &r.FallbackSlug, &r.Locales}
		if withSortKey {
			dest = append(dest, &r.SortKey)
		}
		if err := res.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, res.Err()
}

// ListNodes returns one page of the tenant's nodes. Unknown Kind/Status/Sort, or a Locale that
// is not one of tenant.Locales, is a *ValidationError on "kind"/"status"/"sort"/"locale"; a
// Cursor made for another sort or direction, or whose key does not fit it, is one on "page".
//
// It runs at most two statements: the page, which brings each row's author, title in the
// display locale (else in its first locale) and locales, and the bounded count of the list
// kit (Paging), which is skipped when the page tells the total (a first page with nothing
// after it, or a non-empty last page read by number). On PostgreSQL (GORM writes $n) the
// default list (no filter, sorted by updated, descending) is:
//
//	SELECT n.id, n.kind, n.status, n.author_id, n.updated_at, n.published_at,
//	       t.title, t.slug, u.name AS author_name, u.email AS author_email,
//	       f.locale AS fallback_locale, f.title AS fallback_title, f.slug AS fallback_slug,
//	       (SELECT string_agg(a.locale, ',' ORDER BY a.locale) FROM node_translations a WHERE a.node_id = n.id) AS locales
//	FROM nodes n
//	LEFT JOIN node_translations t ON t.node_id = n.id AND t.locale = $1
//	LEFT JOIN node_translations f ON t.node_id IS NULL AND f.node_id = n.id
//	     AND f.locale = (SELECT min(m.locale) FROM node_translations m WHERE m.node_id = n.id)
//	LEFT JOIN users u ON u.id = n.author_id
//	WHERE n.tenant_id = $2
//	ORDER BY n.updated_at DESC, n.id DESC
//	LIMIT $3 OFFSET $4
//
//	SELECT count(*) FROM (SELECT 1 FROM nodes n WHERE n.tenant_id = $1 LIMIT $2) x
//
// $1 of the page is the display locale, $3 is PerPage+1 (the extra row says whether a next
// page exists) and $4 (page-1)*PerPage; $2 of the count is CountBound+1. SQLite spells the
// locales group_concat(a.locale, ','). A page read by Cursor (the pager's links) has no
// OFFSET but one more condition, for the default sort
//
//	WHERE n.tenant_id = $2 AND n.updated_at <= $3
//	  AND (n.updated_at < $4 OR (n.updated_at = $5 AND n.id < $6))
//	ORDER BY n.updated_at DESC, n.id DESC
//	LIMIT $7
//
// with the cursor row's updated_at in $3, $4 and $5 and its id in $6; the first bound lets
// PostgreSQL start the index scan of nodes_tenant_updated at the cursor (keysetKey.condition).
// A Back cursor flips the comparisons and the ORDER BY, and the rows are put back in order.
// Filters add to both WHERE clauses: n.kind = ?, n.status = ?, n.author_id = ?, n.id IN (…),
// EXISTS (SELECT 1 FROM node_translations l WHERE l.node_id = n.id AND l.locale = ?) and
// EXISTS (SELECT 1 FROM node_translations s WHERE s.node_id = n.id AND s.title_search LIKE ?
// ESCAPE '\'). Other sorts order by their column (see nodeSortColumns), with NULLS LAST for
// title and published, then n.id in the same direction; text sorts also select their value
// AS sort_key, for the cursor.
func (s *Store) ListNodes(ctx context.Context, tenant *Tenant, q NodeQuery) (NodeListPage, error) {
	where, args, err := nodeListWhere(tenant, q)
	if err != nil {
		return NodeListPage{}, err
	}
	page := NodeListPage{
		Paging:        newPaging(q.Page, q.PerPage, DefaultNodesPerPage, MaxNodesPerPage),
		Nodes:         []NodeRow{},
		DisplayLocale: orDefault(q.Locale, tenant.DefaultLocale),
	}
	sortKey := orDefault(q.Sort, NodeSortUpdated)
	sort := nodeSortColumns[sortKey]
	key := keysetKey{sort: sortKey, cols: []keyCol{sort}, id: "n.id", desc: q.Desc}
	pageWhere, pageWhereArgs := where, args // the count has no keyset condition
	c := q.Cursor
	if c != nil {
		cond, condArgs, err := key.condition(c)
		if err != nil {
			return NodeListPage{}, err
		}
		pageWhere, pageWhereArgs = where+" AND "+cond, append(slices.Clip(args), condArgs...)
	}

	locales := "(SELECT string_agg(a.locale, ',') FROM node_translations a WHERE a.node_id = n.id)" // sorted in Go
	if s.Dialect() == migrations.SQLite {
		locales = "(SELECT group_concat(a.locale, ',') FROM node_translations a WHERE a.node_id = n.id)"
	}
	cols := `n.id, n.kind, n.status, n.author_id, n.updated_at, n.published_at, ` +
		`t.title, t.slug, u.name AS author_name, u.email AS author_email, ` +
		`f.locale AS fallback_locale, f.title AS fallback_title, f.slug AS fallback_slug, ` + locales + ` AS locales`
	if !sort.isTime {
		cols += ", " + sort.expr + " AS sort_key"
	}
	limit := " LIMIT ?"
	pageArgs := append(append([]any{page.DisplayLocale}, pageWhereArgs...), page.PerPage+1)
	if c == nil {
		limit += " OFFSET ?"
		pageArgs = append(pageArgs, page.offset())
	}
	// The fallback title (no translation in the display locale): on PostgreSQL a LATERAL whose
	// one-time filter skips it for every row that has one, so it costs nothing on most pages;
	// SQLite has no LATERAL and joins the first locale's translation.
	fallback := `LEFT JOIN node_translations f ON t.node_id IS NULL AND f.node_id = n.id ` +
		`AND f.locale = (SELECT min(m.locale) FROM node_translations m WHERE m.node_id = n.id) `
	if s.Dialect() == migrations.Postgres {
		fallback = `LEFT JOIN LATERAL (SELECT m.locale, m.title, m.slug FROM node_translations m ` +
			`WHERE t.node_id IS NULL AND m.node_id = n.id ORDER BY m.locale LIMIT 1) f ON true `
	}
	rows, err := s.scanNodeRows(ctx, !sort.isTime, `SELECT `+cols+` FROM nodes n `+
		`LEFT JOIN node_translations t ON t.node_id = n.id AND t.locale = ? `+fallback+
		`LEFT JOIN users u ON u.id = n.author_id `+
		`WHERE `+pageWhere+` ORDER BY `+key.order(c != nil && c.Back)+limit, pageArgs...)
	if err != nil {
		return NodeListPage{}, translate(err, "list nodes")
	}
	rows = keysetPage(&page.Paging, key, c, rows, func(r nodeListRow) ([]*string, uuid.UUID) {
		switch sortKey {
		case NodeSortUpdated:
			return []*string{timeKey(&r.UpdatedAt)}, r.ID
		case NodeSortPublished:
			return []*string{timeKey(r.PublishedAt)}, r.ID
		}
		return []*string{r.SortKey}, r.ID
	})

	if !page.totalFromRows(len(rows), c == nil) {
		load := func() (int, bool, error) {
			return countBounded(s.Conn(ctx), s.Conn(ctx).Raw("SELECT 1 FROM nodes n WHERE "+where, args...), q.CountUpTo)
		}
		var total int
		var capped bool
		if q.Counts != nil {
			// Every change of a node has an event of its tenant, which empties the cache.
			total, capped, err = q.Counts.Count(ctx, tenant.ID, fmt.Sprint("nodes|", where, "|", args, "|", q.CountUpTo), load)
		} else {
			total, capped, err = load()
		}
		if err != nil {
			return NodeListPage{}, translate(err, "count nodes")
		}
		page.setCount(total, capped)
	}

	page.Nodes = make([]NodeRow, len(rows))
	for i, r := range rows {
		row := NodeRow{ID: r.ID, Kind: r.Kind, Status: r.Status, AuthorID: r.AuthorID,
			AuthorName: deref(r.AuthorName), AuthorEmail: deref(r.AuthorEmail), UpdatedAt: r.UpdatedAt, PublishedAt: r.PublishedAt}
		if r.Locales != nil {
			row.Locales = strings.Split(*r.Locales, ",")
			slices.Sort(row.Locales)
		}
		if r.Title != nil {
			row.Title, row.Slug, row.TitleLocale = *r.Title, deref(r.Slug), page.DisplayLocale
		} else {
			row.Title, row.Slug, row.TitleLocale = deref(r.FallbackTitle), deref(r.FallbackSlug), deref(r.FallbackLocale)
		}
		page.Nodes[i] = row
	}
	return page, nil
}

// displayTitle returns the title, slug and locale a list shows for the node: its translation in
// locale, else its first translation by locale; "" for all three when it has none. The node's
// translations must be ordered by locale.
func (n *Node) displayTitle(locale string) (title, slug, titleLocale string) {
	tr := n.Translation(locale)
	if tr == nil && len(n.Translations) > 0 {
		tr = &n.Translations[0]
	}
	if tr == nil {
		return "", "", ""
	}
	return tr.Title, tr.Slug, tr.Locale
}

// orDefault returns a, or def when a is empty.
func orDefault(a, def string) string {
	if a != "" {
		return a
	}
	return def
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// NodeAuthor is a user who wrote at least one of a tenant's nodes.
type NodeAuthor struct {
	ID    uuid.UUID
	Name  string
	Email string
}

// NodeAuthors lists the distinct authors of the tenant's nodes, ordered by name-or-email (for the author filter).
func (s *Store) NodeAuthors(ctx context.Context, tenantID uuid.UUID) ([]NodeAuthor, error) {
	var out []NodeAuthor
	err := s.Conn(ctx).Raw(`SELECT u.id, u.name, u.email FROM users u `+
		`WHERE u.id IN (SELECT n.author_id FROM nodes n WHERE n.tenant_id = ?) `+
		`ORDER BY lower(COALESCE(NULLIF(u.name, ''), u.email)), u.id`, tenantID).Scan(&out).Error
	if err != nil {
		return nil, translate(err, "authors of nodes")
	}
	return out, nil
}

// nodeBulk is the bulk action over the tenant's nodes that applies apply to each.
func (s *Store) nodeBulk(tenant *Tenant, apply func(ctx context.Context, n *Node) error) BulkAction[*Node] {
	return BulkAction[*Node]{
		Noun:  "nodes",
		Lock:  s.lockNodes,
		Title: func(n *Node) string { title, _, _ := n.displayTitle(tenant.DefaultLocale); return title },
		Apply: apply,
	}
}

// NodeMoveBlocker says why a listed node cannot move to `to` — the message TransitionNode
// would give on "status" — or "" when it can. The row must be listed in the tenant's default
// It is the preview the confirmation step and the list's checkboxes show, read from the list
// row in any display locale; BulkTransition checks again under lock.
func NodeMoveBlocker(tenant *Tenant, r NodeRow, to string) string {
	if why := NodeWorkflow.Refusal(r.Status, to); why != "" {
		return why
	}
	shown := r.TitleLocale == tenant.DefaultLocale
	if to == NodePublished && (!slices.Contains(r.Locales, tenant.DefaultLocale) || shown && (r.Title == "" || r.Slug == "")) {
		return "Add a title and slug in " + tenant.DefaultLocale + " before publishing."
	}
	return ""
}

// BulkTransition moves each listed node of the tenant to `to` in ONE transaction, with exactly the
// same rules and events as TransitionNode. A node that cannot move (not in this tenant: "Not
// found in this tenant."; an invalid transition or a missing default-locale title: the message
// TransitionNode gives on "status") is skipped and listed; the others move. Duplicated ids
// count once. More than MaxBulkNodes ids, or none, is a *ValidationError on "ids". An unknown
// `to` is a *ValidationError on "status". A database error rolls back everything.
func (s *Store) BulkTransition(ctx context.Context, tenant *Tenant, ids []uuid.UUID, to string) (BulkResult, error) {
	if err := NodeWorkflow.Check(to); err != nil {
		return BulkResult{}, err
	}
	return RunBulk(ctx, s, tenant.ID, ids, s.nodeBulk(tenant, func(ctx context.Context, n *Node) error {
		return s.transitionLocked(ctx, tenant, n, to)
	}))
}

// BulkDelete deletes each listed node of the tenant in one transaction exactly as DeleteNode
// does: subpages are detached with node.updated, and each node emits node.deleted. Ids that are
// not the tenant's nodes are skipped ("Not found in this tenant."). The id list is checked as
// in BulkTransition, and a database error rolls back everything.
func (s *Store) BulkDelete(ctx context.Context, tenant *Tenant, ids []uuid.UUID) (BulkResult, error) {
	return RunBulk(ctx, s, tenant.ID, ids, s.nodeBulk(tenant, func(ctx context.Context, n *Node) error {
		return s.deleteLocked(ctx, tenant.ID, n)
	}))
}
