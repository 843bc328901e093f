package models_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/logger"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// statementLog records the statements a store sends, through its logger's Trace.
type statementLog struct {
	logger.Interface
	mu  *sync.Mutex
	sql *[]string
}

func (l statementLog) LogMode(logger.LogLevel) logger.Interface { return l }

func (l statementLog) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	sql, _ := fc()
	l.mu.Lock()
	*l.sql = append(*l.sql, sql)
	l.mu.Unlock()
	l.Interface.Trace(ctx, begin, fc, err)
}

// logStatements makes the store record its statements; the returned func returns those sent
// since it was last called.
func logStatements(store *models.Store) func() []string {
	db := store.DB()
	l := statementLog{Interface: db.Logger, mu: &sync.Mutex{}, sql: &[]string{}}
	db.Logger = l
	return func() []string {
		l.mu.Lock()
		defer l.mu.Unlock()
		out := *l.sql
		*l.sql = nil
		return out
	}
}

// countStatements makes the store count its statements; the returned func reads and resets.
func countStatements(store *models.Store) func() int {
	log := logStatements(store)
	return func() int { return len(log()) }
}

func TestListNodesStatementBudget(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	statements := countStatements(f.store)
	cases := []struct {
		name string
		q    models.NodeQuery
		want int
	}{
		{"a first page with nothing after it takes its total from its rows: one statement", models.NodeQuery{Desc: true}, 1},
		{"an empty list: one statement", models.NodeQuery{Search: "nothing like this"}, 1},
		{"a first page with more after it also counts: two", models.NodeQuery{Desc: true, PerPage: 2}, 2},
		{"a last page read by number: one", models.NodeQuery{Desc: true, Page: 3, PerPage: 2}, 1},
		{"a page past the end counts: two", models.NodeQuery{Desc: true, Page: 9, PerPage: 2}, 2},
		{"every sort and filter stays within two", models.NodeQuery{Sort: models.NodeSortTitle, Locale: "ru", Search: "a", PerPage: 1}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			statements()
			f.list(t, c.q)
			if got := statements(); got != c.want {
				t.Fatalf("%d statements, want %d", got, c.want)
			}
		})
	}
	t.Run("a page read by cursor: two, and no OFFSET but a bound an index can start at", func(t *testing.T) {
		next := cursor(t, f.list(t, models.NodeQuery{Desc: true, PerPage: 2}).Next)
		statements()
		log := logStatements(f.store)
		f.list(t, models.NodeQuery{Desc: true, PerPage: 2, Cursor: &next})
		sql := log()
		if len(sql) != 2 || strings.Contains(sql[0], "OFFSET") || !strings.Contains(sql[0], "AND n.updated_at <= ") {
			t.Fatalf("statements %q", sql)
		}
	})
}

// key is a cursor key of text values.
func key(vals ...string) []*string {
	out := make([]*string, len(vals))
	for i := range vals {
		out[i] = &vals[i]
	}
	return out
}

// cursor parses a page's cursor or fails the test.
func cursor(t *testing.T, s string) models.Cursor {
	t.Helper()
	if s == "" {
		t.Fatal("no cursor")
	}
	c, err := models.ParseCursor(s)
	if err != nil {
		t.Fatalf("ParseCursor(%q): %v", s, err)
	}
	return c
}

func TestListNodesBoundedCount(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	t.Run("past the bound the total is capped: no last page, but a next one while rows follow", func(t *testing.T) {
		for page := 1; page <= 3; page++ {
			pg := f.list(t, models.NodeQuery{Desc: true, Page: page, PerPage: 2, CountUpTo: 3})
			if page < 3 && (!pg.TotalCapped || pg.Total != 3 || pg.Pages() != 2 || !pg.HasNext()) {
				t.Fatalf("page %d: paging %+v (pages %d, next %v)", page, pg.Paging, pg.Pages(), pg.HasNext())
			}
			if page == 3 && (len(pg.Nodes) != 1 || pg.HasNext()) { // the last page knows its total
				t.Fatalf("page 3: paging %+v, %d rows", pg.Paging, len(pg.Nodes))
			}
		}
	})
	t.Run("exactly at the bound the count is exact", func(t *testing.T) {
		pg := f.list(t, models.NodeQuery{Desc: true, PerPage: 2, CountUpTo: 5})
		if pg.TotalCapped || pg.Total != 5 || pg.Pages() != 3 {
			t.Fatalf("paging %+v", pg.Paging)
		}
	})
	t.Run("under the bound the count is exact", func(t *testing.T) {
		pg := f.list(t, models.NodeQuery{Desc: true, PerPage: 2})
		if pg.TotalCapped || pg.Total != 5 || pg.Pages() != 3 || !pg.HasNext() {
			t.Fatalf("paging %+v", pg.Paging)
		}
	})
	t.Run("filters narrow the count", func(t *testing.T) {
		pg := f.list(t, models.NodeQuery{Kind: models.NodePage, PerPage: 1, CountUpTo: 3})
		if pg.TotalCapped || pg.Total != 2 {
			t.Fatalf("paging %+v", pg.Paging)
		}
	})
	t.Run("the count itself stops at the bound: its subquery has LIMIT bound+1", func(t *testing.T) {
		log := logStatements(f.store)
		f.list(t, models.NodeQuery{Desc: true, PerPage: 2, CountUpTo: 3})
		if sql := log(); len(sql) != 2 || !strings.HasPrefix(sql[1], "SELECT count(*) FROM (SELECT 1 FROM nodes n WHERE") ||
			!strings.HasSuffix(sql[1], " LIMIT 4) x") {
			t.Fatalf("statements %q", sql)
		}
	})
	t.Run("the users and tenants lists count the same way", func(t *testing.T) {
		ctx := context.Background()
		store := testkit.NewDB(t)
		log := logStatements(store)
		tn := testkit.Tenant(t, store).Create()
		for range 5 {
			testkit.User(t, store).WithRole(tn, "manager").Create()
			testkit.Tenant(t, store).Create()
		}
		users, err := store.TenantUsers(ctx, tn.ID, models.UserQuery{PerPage: 2, CountUpTo: 3})
		if err != nil || !users.TotalCapped || users.Total != 3 || !users.HasNext() || len(users.Users) != 2 {
			t.Fatalf("users %+v, %v", users.Paging, err)
		}
		tenants, err := store.ListTenants(ctx, models.TenantQuery{PerPage: 2, CountUpTo: 3})
		if err != nil || !tenants.TotalCapped || tenants.Total != 3 || !tenants.HasNext() || len(tenants.Tenants) != 2 {
			t.Fatalf("tenants %+v, %v", tenants.Paging, err)
		}
		if sql := log(); !slices.ContainsFunc(sql, func(s string) bool {
			return strings.HasPrefix(s, "SELECT count(*) FROM (SELECT 1 FROM") && strings.Contains(s, "tenants") && strings.HasSuffix(s, " LIMIT 4) x")
		}) {
			t.Fatalf("no bounded count of tenants among %q", sql)
		}
		tenants, err = store.ListTenants(ctx, models.TenantQuery{PerPage: 2})
		if err != nil || tenants.TotalCapped || tenants.Total != 6 || tenants.Pages() != 3 {
			t.Fatalf("tenants %+v, %v", tenants.Paging, err)
		}
	})
}

func TestListNodesCursor(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	at := func(d time.Duration) time.Time { return f.base.Add(d) }
	// Ties on every key: tie1 and tie2 share a sub-second updated_at, zebra's kind and author;
	// tie1 also zebra's status, and like zebra has no en title (title sorts them among the
	// NULLs); tie2's en title is banana's and its published_at hello's.
	tie := at(3*time.Hour + 123456*time.Microsecond)
	tie1 := testkit.Node(t, f.store, f.tn).Author(f.bob.ID).Translation("de", "Eins", "").UpdatedAt(tie).Create()
	tie2 := testkit.Node(t, f.store, f.tn).Author(f.bob.ID).Translation("en", "Banana", "").Published().PublishedAt(at(time.Hour)).
		UpdatedAt(tie).Create()
	name := func(ids []uuid.UUID) string {
		out := f.names(ids)
		return strings.NewReplacer(tie1.ID.String(), "tie1", tie2.ID.String(), "tie2").Replace(out)
	}

	for _, sort := range models.NodeSorts {
		for _, desc := range []bool{false, true} {
			for _, perPage := range []int{1, 2, 3} {
				q := models.NodeQuery{Sort: sort, Desc: desc, PerPage: perPage}
				all := rowIDs(f.list(t, models.NodeQuery{Sort: sort, Desc: desc}))
				t.Run(sort+map[bool]string{false: " ascending", true: " descending"}[desc]+" by "+strconv.Itoa(perPage), func(t *testing.T) {
					// Forward: page 1 by number, then each Next cursor.
					var pages [][]uuid.UUID
					pg := f.list(t, q)
					for {
						if pg.Page != len(pages)+1 || pg.Total != len(all) || pg.TotalCapped {
							t.Fatalf("page %d: paging %+v", len(pages)+1, pg.Paging)
						}
						pages = append(pages, rowIDs(pg))
						if !pg.HasNext() {
							break
						}
						c := cursor(t, pg.Next)
						next := q
						next.Cursor = &c
						pg = f.list(t, next)
					}
					if got := slices.Concat(pages...); !slices.Equal(got, all) {
						t.Fatalf("pages walked %s, the whole list %s", name(got), name(all))
					}
					if want := (len(all) + perPage - 1) / perPage; len(pages) != want {
						t.Fatalf("%d pages, want %d", len(pages), want)
					}
					// Backward from the last page: each Prev cursor gives the same page again.
					for n := len(pages); n > 1; n-- {
						if n == 2 {
							if pg.Prev != "" || !pg.HasPrev() {
								t.Fatalf("page 2 should link back to page 1 by number: %+v", pg.Paging)
							}
							pg = f.list(t, q)
						} else {
							c := cursor(t, pg.Prev)
							back := q
							back.Cursor = &c
							pg = f.list(t, back)
						}
						if pg.Page != n-1 || !slices.Equal(rowIDs(pg), pages[n-2]) || !pg.HasNext() {
							t.Fatalf("back to page %d: %+v rows %s, want %s", n-1, pg.Paging, name(rowIDs(pg)), name(pages[n-2]))
						}
					}
				})
			}
		}
	}

	t.Run("a page read by number links on by cursor", func(t *testing.T) {
		pg := f.list(t, models.NodeQuery{Desc: true, Page: 3, PerPage: 2})
		if pg.Next == "" || pg.Prev == "" {
			t.Fatalf("paging %+v", pg.Paging)
		}
		c := cursor(t, pg.Next)
		next := f.list(t, models.NodeQuery{Desc: true, PerPage: 2, Cursor: &c})
		if want := rowIDs(f.list(t, models.NodeQuery{Desc: true, Page: 4, PerPage: 2})); next.Page != 4 || !slices.Equal(rowIDs(next), want) {
			t.Fatalf("page 4 by cursor: %+v %s, by number %s", next.Paging, name(rowIDs(next)), name(want))
		}
	})

	t.Run("a cursor past the last row gives an empty page", func(t *testing.T) {
		last := f.list(t, models.NodeQuery{Desc: true}).Nodes[6]
		c := models.Cursor{Page: 2, Sort: models.NodeSortUpdated, Desc: true, ID: last.ID, Key: key(last.UpdatedAt.UTC().Format(time.RFC3339Nano))}
		pg := f.list(t, models.NodeQuery{Desc: true, Cursor: &c})
		if len(pg.Nodes) != 0 || pg.Total != 7 || pg.HasNext() {
			t.Fatalf("page %+v", pg)
		}
	})

	t.Run("another tenant's row as a cursor shows only this tenant's rows", func(t *testing.T) {
		c := models.Cursor{Page: 2, Sort: models.NodeSortUpdated, Desc: true, ID: f.foreign.ID,
			Key: key(f.foreign.UpdatedAt.UTC().Format(time.RFC3339Nano))}
		pg := f.list(t, models.NodeQuery{Desc: true, Cursor: &c})
		for _, r := range pg.Nodes {
			if r.ID == f.foreign.ID {
				t.Fatal("another tenant's node is listed")
			}
		}
		other, err := f.store.ListNodes(context.Background(), f.other, models.NodeQuery{Desc: true, PerPage: 1})
		if err != nil || len(other.Nodes) != 1 || other.HasNext() || other.Next != "" {
			t.Fatalf("other tenant: %+v, %v", other, err)
		}
	})
}

func TestParseCursor(t *testing.T) {
	t.Parallel()
	good := models.Cursor{Page: 3, Sort: models.NodeSortTitle, Desc: true, Key: key("hello"), ID: uuid.New()}
	t.Run("a cursor reads back as it was made", func(t *testing.T) {
		if c, err := models.ParseCursor(good.Encode()); err != nil || c.Page != good.Page || c.Sort != good.Sort || !c.Desc ||
			c.Back || c.ID != good.ID || len(c.Key) != 1 || *c.Key[0] != "hello" {
			t.Fatalf("%+v, %v", c, err)
		}
	})
	f := newListFixture(t)
	cases := []struct {
		name string
		raw  string
		q    models.NodeQuery
	}{
		{"not base64", "%%%", models.NodeQuery{}},
		{"base64 but not a cursor", "aGVsbG8", models.NodeQuery{}},
		{"page 0", models.Cursor{Page: 0, Sort: "updated", Key: key("x"), ID: uuid.New()}.Encode(), models.NodeQuery{}},
		{"no id", models.Cursor{Page: 2, Sort: "updated", Key: key("x")}.Encode(), models.NodeQuery{}},
		{"made for another sort", good.Encode(), models.NodeQuery{Sort: models.NodeSortKind, Desc: true}},
		{"made for the other direction", good.Encode(), models.NodeQuery{Sort: models.NodeSortTitle}},
		{"a NULL key on a sort without NULLs", models.Cursor{Page: 2, Sort: "kind", Key: []*string{nil}, ID: uuid.New()}.Encode(), models.NodeQuery{Sort: models.NodeSortKind}},
		{"a time that is not one", models.Cursor{Page: 2, Sort: "updated", Key: key("yesterday"), ID: uuid.New()}.Encode(), models.NodeQuery{}},
		{"no key", models.Cursor{Page: 2, Sort: "updated", ID: uuid.New()}.Encode(), models.NodeQuery{}},
		{"a key of two columns on a sort of one", models.Cursor{Page: 2, Sort: "kind", Key: key("post", "x"), ID: uuid.New()}.Encode(), models.NodeQuery{Sort: models.NodeSortKind}},
	}
	for _, c := range cases {
		t.Run("a bad cursor is a field error on page: "+c.name, func(t *testing.T) {
			cur, err := models.ParseCursor(c.raw)
			if err == nil {
				c.q.Cursor = &cur
				_, err = f.store.ListNodes(context.Background(), f.tn, c.q)
			}
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
			fieldError(t, err, "page")
		})
	}
}

// walkPages reads a list page by page through its Next cursors, then back through its Prev
// cursors (page 2 links back to page 1 by number), and fails unless the pages forward are the
// whole list in order and each page read backwards is the same page. read returns a page's
// ids: the first page for nil.
func walkPages(t *testing.T, all []uuid.UUID, read func(c *models.Cursor) ([]uuid.UUID, models.Paging)) {
	t.Helper()
	var pages [][]uuid.UUID
	ids, pg := read(nil)
	for {
		if pg.Page != len(pages)+1 || pg.Total != len(all) {
			t.Fatalf("page %d: paging %+v", len(pages)+1, pg)
		}
		pages = append(pages, ids)
		if !pg.HasNext() {
			break
		}
		c := cursor(t, pg.Next)
		ids, pg = read(&c)
	}
	if got := slices.Concat(pages...); !slices.Equal(got, all) {
		t.Fatalf("pages walked %v, the whole list %v", got, all)
	}
	for n := len(pages); n > 1; n-- {
		if n == 2 {
			ids, pg = read(nil)
		} else {
			c := cursor(t, pg.Prev)
			ids, pg = read(&c)
		}
		if pg.Page != n-1 || !slices.Equal(ids, pages[n-2]) {
			t.Fatalf("back to page %d: %+v %v, want %v", n-1, pg, ids, pages[n-2])
		}
	}
}

func TestUserAndTenantCursors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	// Ties on the name (two Ann, two nameless) are ordered by email.
	for _, name := range []string{"Ann", "Bob", "", "Ann", "ann", "", "Zoë"} {
		testkit.User(t, store).Name(name).WithRole(tn, "manager").Create()
	}
	for _, name := range []string{"Acme", "Acme", "Beta", "acme", "Ünï"} {
		testkit.Tenant(t, store).Name(name).Create()
	}
	users := func(q models.UserQuery) ([]uuid.UUID, models.Paging) {
		t.Helper()
		pg, err := store.TenantUsers(ctx, tn.ID, q)
		if err != nil {
			t.Fatalf("TenantUsers(%+v): %v", q, err)
		}
		ids := make([]uuid.UUID, len(pg.Users))
		for i, u := range pg.Users {
			ids[i] = u.ID
		}
		return ids, pg.Paging
	}
	tenants := func(q models.TenantQuery) ([]uuid.UUID, models.Paging) {
		t.Helper()
		pg, err := store.ListTenants(ctx, q)
		if err != nil {
			t.Fatalf("ListTenants(%+v): %v", q, err)
		}
		ids := make([]uuid.UUID, len(pg.Tenants))
		for i, x := range pg.Tenants {
			ids[i] = x.ID
		}
		return ids, pg.Paging
	}
	allUsers, _ := users(models.UserQuery{})
	allTenants, _ := tenants(models.TenantQuery{})
	for _, perPage := range []int{1, 2, 3} {
		t.Run("users by "+strconv.Itoa(perPage), func(t *testing.T) {
			walkPages(t, allUsers, func(c *models.Cursor) ([]uuid.UUID, models.Paging) {
				return users(models.UserQuery{PerPage: perPage, Cursor: c})
			})
		})
		t.Run("tenants by "+strconv.Itoa(perPage), func(t *testing.T) {
			walkPages(t, allTenants, func(c *models.Cursor) ([]uuid.UUID, models.Paging) {
				return tenants(models.TenantQuery{PerPage: perPage, Cursor: c})
			})
		})
	}
	t.Run("a search narrows the cursor pages too", func(t *testing.T) {
		ann, _ := users(models.UserQuery{Search: "ann"})
		walkPages(t, ann, func(c *models.Cursor) ([]uuid.UUID, models.Paging) {
			return users(models.UserQuery{Search: "ann", PerPage: 1, Cursor: c})
		})
	})
	t.Run("a cursor of another list is a field error on page", func(t *testing.T) {
		node := models.Cursor{Page: 2, Sort: models.NodeSortUpdated, Key: key("2024-01-01T00:00:00Z"), ID: uuid.New()}
		_, err := store.TenantUsers(ctx, tn.ID, models.UserQuery{Cursor: &node})
		fieldError(t, err, "page")
		one := models.Cursor{Page: 2, Sort: models.TenantSortName, Key: key("Acme"), ID: uuid.New()}
		_, err = store.ListTenants(ctx, models.TenantQuery{Cursor: &one})
		fieldError(t, err, "page")
	})
}
