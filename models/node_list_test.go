package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// listFixture is a tenant with five nodes whose every sort key is known, and another tenant
// with a node that must never show up.
type listFixture struct {
	store                  *models.Store
	tn, other              *models.Tenant
	alice, bob, carol, dan testkit.FixtureUser
	// hello: post, en+ru, published, by alice.  apple: page, en, draft, by alice.
	// zebra: post, de+ru (no en), draft, by Bob.  sure: post, en, archived, by carol (no name).
	// banana: page, en+ru, published, by Dan.
	hello, apple, zebra, sure, banana *models.Node
	foreign                           *models.Node
	base                              time.Time
}

func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	store := testkit.NewDB(t)
	f := &listFixture{store: store, base: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	f.tn = testkit.Tenant(t, store).Locales("en", "ru", "de").Create()
	f.other = testkit.Tenant(t, store).Create()
	f.alice = testkit.User(t, store).Name("alice").Create()
	f.bob = testkit.User(t, store).Name("Bob").Create()
	f.carol = testkit.User(t, store).Name("").Email("carol@example.com").Create()
	f.dan = testkit.User(t, store).Name("Dan").Create()
	at := func(h int) time.Time { return f.base.Add(time.Duration(h) * time.Hour) }

	f.hello = testkit.Node(t, store, f.tn).Author(f.alice.ID).Translation("en", "Hello World", "").Translation("ru", "Привет мир", "").
		Published().PublishedAt(at(1)).UpdatedAt(at(1)).Create()
	f.apple = testkit.Node(t, store, f.tn).Kind("page").Author(f.alice.ID).Translation("en", "Apple pie", "").UpdatedAt(at(2)).Create()
	f.zebra = testkit.Node(t, store, f.tn).Author(f.bob.ID).Translation("de", "Zebra Übung", "").Translation("ru", "Зебра", "").
		UpdatedAt(at(3)).Create()
	f.sure = testkit.Node(t, store, f.tn).Author(f.carol.ID).TranslationInput(models.TranslationInput{Locale: "en", Title: "100% sure_thing", Slug: "sure-thing"}).
		Archived().PublishedAt(at(2)).UpdatedAt(at(4)).Create()
	f.banana = testkit.Node(t, store, f.tn).Kind("page").Author(f.dan.ID).Translation("en", "banana", "").Translation("ru", "Банан", "").
		Published().PublishedAt(at(3)).UpdatedAt(at(5)).Create()
	f.foreign = testkit.Node(t, store, f.other).Translation("en", "Hello from elsewhere", "").Published().Create()
	return f
}

// all returns the fixture's nodes of the tenant in creation order.
func (f *listFixture) all() []*models.Node {
	return []*models.Node{f.hello, f.apple, f.zebra, f.sure, f.banana}
}

// list runs ListNodes on the fixture tenant or fails the test.
func (f *listFixture) list(t *testing.T, q models.NodeQuery) models.NodeListPage {
	t.Helper()
	page, err := f.store.ListNodes(context.Background(), f.tn, q)
	if err != nil {
		t.Fatalf("ListNodes(%+v): %v", q, err)
	}
	return page
}

// rowIDs returns the ids of a page's rows in order.
func rowIDs(page models.NodeListPage) []uuid.UUID {
	out := make([]uuid.UUID, len(page.Nodes))
	for i, r := range page.Nodes {
		out[i] = r.ID
	}
	return out
}

// nodeIDs returns the ids of the nodes in order.
func nodeIDs(nodes ...*models.Node) []uuid.UUID {
	out := make([]uuid.UUID, len(nodes))
	for i, n := range nodes {
		out[i] = n.ID
	}
	return out
}

// byID returns the nodes ordered by id, ascending or descending: the tie-break of every sort.
func byID(desc bool, nodes ...*models.Node) []*models.Node {
	out := slices.Clone(nodes)
	slices.SortFunc(out, func(a, b *models.Node) int {
		c := strings.Compare(a.ID.String(), b.ID.String())
		if desc {
			return -c
		}
		return c
	})
	return out
}

// names names the rows for failure messages.
func (f *listFixture) names(ids []uuid.UUID) string {
	names := map[uuid.UUID]string{f.hello.ID: "hello", f.apple.ID: "apple", f.zebra.ID: "zebra", f.sure.ID: "sure",
		f.banana.ID: "banana", f.foreign.ID: "foreign"}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = cmpOr(names[id], id.String())
	}
	return "[" + strings.Join(out, " ") + "]"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// expectRows fails unless the page lists exactly the nodes, in order.
func (f *listFixture) expectRows(t *testing.T, page models.NodeListPage, want ...*models.Node) {
	t.Helper()
	if got, w := rowIDs(page), nodeIDs(want...); !slices.Equal(got, w) {
		t.Fatalf("rows %s, want %s", f.names(got), f.names(w))
	}
}

func TestListNodesSearch(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	cases := []struct {
		name, search string
		want         []*models.Node
	}{
		{"matches a title in the display locale, case-insensitively", "HELLO", []*models.Node{f.hello}},
		{"matches a Cyrillic title in another locale, case-insensitively", "привет", []*models.Node{f.hello}},
		{"folds upper-case Cyrillic in the query too", "БАНАН", []*models.Node{f.banana}},
		{"folds non-ASCII Latin letters", "übung", []*models.Node{f.zebra}},
		{"matches the middle of a title", "pie", []*models.Node{f.apple}},
		{"ignores surrounding spaces", "  banana  ", []*models.Node{f.banana}},
		{"percent is literal", "%", []*models.Node{f.sure}},
		{"percent is not a wildcard", "%sure", nil},
		{"underscore is literal", "sure_thing", []*models.Node{f.sure}},
		{"underscore is not a wildcard", "o_w", nil},
		{"a backslash is literal", `\`, nil},
		{"another tenant's titles never match", "elsewhere", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := f.list(t, models.NodeQuery{Search: c.search})
			f.expectRows(t, page, c.want...)
			if page.Total != len(c.want) {
				t.Fatalf("total %d, want %d", page.Total, len(c.want))
			}
		})
	}

	t.Run("case is folded the Unicode way: GRÖSSTE finds Größte and grösste finds both spellings", func(t *testing.T) {
		n := testkit.Node(t, f.store, f.tn).Translation("en", "Die Größte Freude", "").Create()
		for _, q := range []string{"GRÖSSTE", "größte", "grösste", "Größte"} {
			f.expectRows(t, f.list(t, models.NodeQuery{Search: q}), n)
		}
		if err := f.store.DeleteNode(context.Background(), f.tn, n.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a renamed title is found under its new name only", func(t *testing.T) {
		n := testkit.Node(t, f.store, f.tn).Translation("en", "Старое имя", "").Create()
		if _, err := f.store.UpdateNode(context.Background(), f.tn, n.ID, models.NodeInput{
			Translations: []models.TranslationInput{{Locale: "en", Title: "НОВОЕ Имя", Slug: n.Translations[0].Slug}},
		}); err != nil {
			t.Fatal(err)
		}
		f.expectRows(t, f.list(t, models.NodeQuery{Search: "новое"}), n)
		f.expectRows(t, f.list(t, models.NodeQuery{Search: "старое"}))
		if err := f.store.DeleteNode(context.Background(), f.tn, n.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListNodesFilters(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	cases := []struct {
		name string
		q    models.NodeQuery
		want []*models.Node
	}{
		{"no filter lists the tenant's nodes only, newest change first", models.NodeQuery{Desc: true},
			[]*models.Node{f.banana, f.sure, f.zebra, f.apple, f.hello}},
		{"kind page", models.NodeQuery{Kind: models.NodePage}, []*models.Node{f.apple, f.banana}},
		{"kind post", models.NodeQuery{Kind: models.NodePost}, []*models.Node{f.hello, f.zebra, f.sure}},
		{"status draft", models.NodeQuery{Status: models.NodeDraft}, []*models.Node{f.apple, f.zebra}},
		{"status published", models.NodeQuery{Status: models.NodePublished}, []*models.Node{f.hello, f.banana}},
		{"status archived", models.NodeQuery{Status: models.NodeArchived}, []*models.Node{f.sure}},
		{"locale ru: nodes translated into it", models.NodeQuery{Locale: "ru"}, []*models.Node{f.hello, f.zebra, f.banana}},
		{"locale de", models.NodeQuery{Locale: "de"}, []*models.Node{f.zebra}},
		{"author", models.NodeQuery{AuthorID: f.alice.ID}, []*models.Node{f.hello, f.apple}},
		{"an author of another tenant only", models.NodeQuery{AuthorID: f.foreign.AuthorID}, nil},
		{"ids, another tenant's id and an unknown id ignored", models.NodeQuery{IDs: []uuid.UUID{f.sure.ID, f.foreign.ID, f.apple.ID, uuid.New()}},
			[]*models.Node{f.apple, f.sure}},
		{"an empty, non-nil id list matches nothing", models.NodeQuery{IDs: []uuid.UUID{}}, nil},
		{"filters combine", models.NodeQuery{Kind: models.NodePost, Status: models.NodePublished, Locale: "ru", Search: "мир"},
			[]*models.Node{f.hello}},
		{"filters combine to nothing", models.NodeQuery{Kind: models.NodePage, Status: models.NodeDraft, Locale: "ru"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := f.list(t, c.q)
			f.expectRows(t, page, c.want...)
			if page.Total != len(c.want) {
				t.Fatalf("total %d, want %d", page.Total, len(c.want))
			}
		})
	}

	t.Run("the display locale is the query's locale, else the tenant's default", func(t *testing.T) {
		if got := f.list(t, models.NodeQuery{}).DisplayLocale; got != "en" {
			t.Fatalf("display locale %q", got)
		}
		page := f.list(t, models.NodeQuery{Locale: "ru"})
		if page.DisplayLocale != "ru" {
			t.Fatalf("display locale %q", page.DisplayLocale)
		}
		var titles []string
		for _, r := range page.Nodes {
			titles = append(titles, r.TitleLocale+":"+r.Title)
		}
		if want := []string{"ru:Привет мир", "ru:Зебра", "ru:Банан"}; !slices.Equal(titles, want) {
			t.Fatalf("titles %v, want %v", titles, want)
		}
	})
}

func TestListNodesRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newListFixture(t)
	rows := map[uuid.UUID]models.NodeRow{}
	for _, r := range f.list(t, models.NodeQuery{}).Nodes {
		rows[r.ID] = r
	}

	t.Run("a row carries the node, its author and its title in the display locale", func(t *testing.T) {
		r := rows[f.hello.ID]
		if r.Kind != models.NodePost || r.Status != models.NodePublished || r.AuthorID != f.alice.ID ||
			r.AuthorName != "alice" || r.AuthorEmail != f.alice.Email {
			t.Fatalf("row %+v", r)
		}
		if r.Title != "Hello World" || r.Slug != "hello-world" || r.TitleLocale != "en" || !slices.Equal(r.Locales, []string{"en", "ru"}) {
			t.Fatalf("title %q slug %q locale %q locales %v", r.Title, r.Slug, r.TitleLocale, r.Locales)
		}
		if !r.UpdatedAt.Equal(f.base.Add(time.Hour)) || r.PublishedAt == nil || !r.PublishedAt.Equal(f.base.Add(time.Hour)) {
			t.Fatalf("updated %v published %v", r.UpdatedAt, r.PublishedAt)
		}
	})

	t.Run("without a translation in the display locale the first other locale is shown", func(t *testing.T) {
		r := rows[f.zebra.ID]
		if r.Title != "Zebra Übung" || r.Slug != "zebra-ubung" || r.TitleLocale != "de" || !slices.Equal(r.Locales, []string{"de", "ru"}) {
			t.Fatalf("row %+v", r)
		}
		if r.PublishedAt != nil {
			t.Fatalf("draft with published_at %v", r.PublishedAt)
		}
		if r.AuthorName != "Bob" {
			t.Fatalf("author %q", r.AuthorName)
		}
	})

	t.Run("an author without a name lists with an empty name and the email", func(t *testing.T) {
		if r := rows[f.sure.ID]; r.AuthorName != "" || r.AuthorEmail != "carol@example.com" {
			t.Fatalf("row %+v", r)
		}
	})

	t.Run("a node without any translation has an empty title and sorts last by title", func(t *testing.T) {
		tn := testkit.Tenant(t, f.store).Locales("en", "fr").Create()
		bare, err := f.store.CreateNode(ctx, tn, f.alice.ID, models.NodeInput{Kind: models.NodePost})
		if err != nil {
			t.Fatal(err)
		}
		titled := testkit.Node(t, f.store, tn).Translation("en", "Zzz", "").Create()
		for _, desc := range []bool{false, true} {
			page, err := f.store.ListNodes(ctx, tn, models.NodeQuery{Sort: models.NodeSortTitle, Desc: desc})
			if err != nil {
				t.Fatal(err)
			}
			f.expectRows(t, page, titled, bare)
			r := page.Nodes[1]
			if r.Title != "" || r.Slug != "" || r.TitleLocale != "" || len(r.Locales) != 0 {
				t.Fatalf("bare row %+v", r)
			}
		}
	})
}

func TestListNodesSorts(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	// Titles in en: hello "hello world", apple "apple pie", sure "100% sure_thing", banana
	// "banana"; zebra has none in en. Authors: alice (hello, apple), Bob (zebra), carol@… with no
	// name (sure), Dan (banana). Published: hello 1h, sure 2h, banana 3h; apple and zebra never.
	drafts := []*models.Node{f.apple, f.zebra}
	cases := []struct {
		sort      string
		asc, desc []*models.Node
	}{
		{"", []*models.Node{f.hello, f.apple, f.zebra, f.sure, f.banana}, []*models.Node{f.banana, f.sure, f.zebra, f.apple, f.hello}},
		{models.NodeSortUpdated, []*models.Node{f.hello, f.apple, f.zebra, f.sure, f.banana}, []*models.Node{f.banana, f.sure, f.zebra, f.apple, f.hello}},
		{models.NodeSortTitle, []*models.Node{f.sure, f.apple, f.banana, f.hello, f.zebra}, []*models.Node{f.hello, f.banana, f.apple, f.sure, f.zebra}},
		{models.NodeSortKind, append(byID(false, f.apple, f.banana), byID(false, f.hello, f.zebra, f.sure)...),
			append(byID(true, f.hello, f.zebra, f.sure), byID(true, f.apple, f.banana)...)},
		{models.NodeSortStatus, append(append([]*models.Node{f.sure}, byID(false, drafts...)...), byID(false, f.hello, f.banana)...),
			append(append(byID(true, f.hello, f.banana), byID(true, drafts...)...), f.sure)},
		// Case-insensitive: alice < Bob < carol@example.com < Dan (byte order would put Bob and Dan first).
		{models.NodeSortAuthor, append(byID(false, f.hello, f.apple), f.zebra, f.sure, f.banana),
			append([]*models.Node{f.banana, f.sure, f.zebra}, byID(true, f.hello, f.apple)...)},
		{models.NodeSortPublished, append([]*models.Node{f.hello, f.sure, f.banana}, byID(false, drafts...)...),
			append([]*models.Node{f.banana, f.sure, f.hello}, byID(true, drafts...)...)},
	}
	for _, c := range cases {
		t.Run(cmpOr(c.sort, "default")+" ascending", func(t *testing.T) {
			f.expectRows(t, f.list(t, models.NodeQuery{Sort: c.sort}), c.asc...)
		})
		t.Run(cmpOr(c.sort, "default")+" descending", func(t *testing.T) {
			f.expectRows(t, f.list(t, models.NodeQuery{Sort: c.sort, Desc: true}), c.desc...)
		})
	}

	t.Run("equal keys are ordered by id across pages", func(t *testing.T) {
		for _, desc := range []bool{false, true} {
			var got []uuid.UUID
			for p := 1; p <= 3; p++ {
				got = append(got, rowIDs(f.list(t, models.NodeQuery{Sort: models.NodeSortKind, Desc: desc, Page: p, PerPage: 2}))...)
			}
			if want := rowIDs(f.list(t, models.NodeQuery{Sort: models.NodeSortKind, Desc: desc})); !slices.Equal(got, want) {
				t.Fatalf("desc=%v: pages %s, one page %s", desc, f.names(got), f.names(want))
			}
		}
	})

	t.Run("every sort key is covered", func(t *testing.T) {
		var covered []string
		for _, c := range cases {
			covered = append(covered, c.sort)
		}
		for _, s := range models.NodeSorts {
			if !slices.Contains(covered, s) {
				t.Errorf("no case for sort %q", s)
			}
		}
	})
}

func TestListNodesPaging(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	newestFirst := []*models.Node{f.banana, f.sure, f.zebra, f.apple, f.hello}
	cases := []struct {
		name                 string
		page, perPage        int
		wantPage, wantPer    int
		want                 []*models.Node
		wantPages            int
		wantHasPrev, wantNxt bool
	}{
		{"first page", 1, 2, 1, 2, newestFirst[0:2], 3, false, true},
		{"middle page", 2, 2, 2, 2, newestFirst[2:4], 3, true, true},
		{"last, partial page", 3, 2, 3, 2, newestFirst[4:], 3, true, false},
		{"past the end: no rows, same total", 4, 2, 4, 2, nil, 3, true, false},
		{"page below 1 is the first", 0, 2, 1, 2, newestFirst[0:2], 3, false, true},
		{"page size below 1 is the default", 1, 0, 1, models.DefaultNodesPerPage, newestFirst, 1, false, false},
		{"page size above the maximum is capped", 1, 1000, 1, models.MaxNodesPerPage, newestFirst, 1, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pg := f.list(t, models.NodeQuery{Desc: true, Page: c.page, PerPage: c.perPage})
			f.expectRows(t, pg, c.want...)
			if pg.Total != 5 || pg.Page != c.wantPage || pg.PerPage != c.wantPer || pg.Pages() != c.wantPages ||
				pg.HasPrev() != c.wantHasPrev || pg.HasNext() != c.wantNxt {
				t.Fatalf("paging %+v (pages %d)", pg.Paging, pg.Pages())
			}
		})
	}
	t.Run("an empty list has no rows and one page", func(t *testing.T) {
		pg := f.list(t, models.NodeQuery{Search: "nothing like this"})
		if pg.Total != 0 || len(pg.Nodes) != 0 || pg.Pages() != 1 || pg.DisplayLocale != "en" {
			t.Fatalf("page %+v", pg)
		}
	})
}

func TestListNodesValidation(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	cases := []struct {
		name, field, msg string
		q                models.NodeQuery
	}{
		{"unknown kind", "kind", "post or page", models.NodeQuery{Kind: "article"}},
		{"unknown status", "status", "draft, published or archived", models.NodeQuery{Status: "deleted"}},
		{"unknown sort", "sort", "updated, title, kind, status, author, published", models.NodeQuery{Sort: "n.id; DROP TABLE nodes"}},
		{"a locale the tenant does not have", "locale", "not one of this tenant's locales", models.NodeQuery{Locale: "fr"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.store.ListNodes(context.Background(), f.tn, c.q)
			if !errors.Is(err, models.ErrInvalid) {
				t.Fatalf("error %v, want ErrInvalid", err)
			}
			if msg := fieldError(t, err, c.field); !strings.Contains(msg, c.msg) {
				t.Fatalf("%s: %q, want it to mention %q", c.field, msg, c.msg)
			}
		})
	}
	t.Run("every bad field is reported at once", func(t *testing.T) {
		_, err := f.store.ListNodes(context.Background(), f.tn, models.NodeQuery{Kind: "x", Status: "x", Sort: "x", Locale: "x"})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 4 {
			t.Fatalf("error %v", err)
		}
	})
}

func TestNodeAuthors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newListFixture(t)
	authors, err := f.store.NodeAuthors(ctx, f.tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range authors {
		got = append(got, a.Name+"|"+a.Email)
	}
	want := []string{"alice|" + f.alice.Email, "Bob|" + f.bob.Email, "|carol@example.com", "Dan|" + f.dan.Email}
	if !slices.Equal(got, want) {
		t.Fatalf("authors %v, want %v (each once, by name or email, case-insensitively)", got, want)
	}
	if authors[0].ID != f.alice.ID {
		t.Fatalf("first author %v", authors[0].ID)
	}
	empty, err := f.store.NodeAuthors(ctx, testkit.Tenant(t, f.store).Create().ID)
	if err != nil || len(empty) != 0 {
		t.Fatalf("authors of a tenant without nodes: %v %v", empty, err)
	}
}

// failWritesTo makes every later UPDATE or DELETE of the node fail inside the database, to
// check that a bulk action rolls back what it already did.
func failWritesTo(t *testing.T, store *models.Store, id uuid.UUID) {
	t.Helper()
	var stmts []string
	if store.Dialect() == migrations.Postgres {
		stmts = []string{
			`CREATE FUNCTION refuse_node_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
			fmt.Sprintf(`CREATE TRIGGER refuse_node_write BEFORE UPDATE OR DELETE ON nodes FOR EACH ROW WHEN (OLD.id = '%s') EXECUTE FUNCTION refuse_node_write()`, id),
		}
	} else {
		for _, op := range []string{"UPDATE", "DELETE"} {
			stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER refuse_node_%s BEFORE %s ON nodes WHEN OLD.id = '%s' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`, strings.ToLower(op), op, id))
		}
	}
	for _, s := range stmts {
		if err := store.DB().Exec(s).Error; err != nil {
			t.Fatalf("install trigger: %v", err)
		}
	}
}

func TestBulkTransition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Create()
	other := testkit.Tenant(t, store).Create()

	t.Run("publishes the nodes that can move and lists the others with the reason", func(t *testing.T) {
		a := testkit.Node(t, store, tn).Translation("en", "First", "").Create()
		b := testkit.Node(t, store, tn).Translation("en", "Second", "").Create()
		germanOnly := testkit.Node(t, store, tn).Translation("de", "Nur Deutsch", "").Create()
		live := testkit.Node(t, store, tn).Translation("en", "Already live", "").Published().Create()
		foreign := testkit.Node(t, store, other).Create()
		unknown := uuid.New()
		rec := testkit.Events(t, store)

		res, err := store.BulkTransition(ctx, tn, []uuid.UUID{a.ID, germanOnly.ID, live.ID, foreign.ID, a.ID, unknown, b.ID}, models.NodePublished)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Done, []uuid.UUID{a.ID, b.ID}) {
			t.Fatalf("done %v", res.Done)
		}
		want := []models.BulkSkip{
			{ID: germanOnly.ID, Title: "Nur Deutsch", Reason: "Add a title and slug in en before publishing."},
			{ID: live.ID, Title: "Already live", Reason: "Cannot move a published node to published."},
			{ID: foreign.ID, Title: "", Reason: "Not found in this tenant."},
			{ID: unknown, Title: "", Reason: "Not found in this tenant."},
		}
		if !slices.Equal(res.Skipped, want) {
			t.Fatalf("skipped %+v\nwant    %+v", res.Skipped, want)
		}
		for _, n := range []*models.Node{a, b} {
			if got, _ := store.NodeByID(ctx, tn.ID, n.ID); got.Status != models.NodePublished || got.PublishedAt == nil {
				t.Fatalf("node %+v", got)
			}
		}
		if got, _ := store.NodeByID(ctx, tn.ID, germanOnly.ID); got.Status != models.NodeDraft || !got.UpdatedAt.Equal(germanOnly.UpdatedAt) {
			t.Fatalf("skipped node changed: %+v", got)
		}
		if got, _ := store.NodeByID(ctx, other.ID, foreign.ID); got.Status != models.NodeDraft || !got.UpdatedAt.Equal(foreign.UpdatedAt) {
			t.Fatalf("another tenant's node changed: %+v", got)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.published", "node.published"}) {
			t.Fatalf("events %v", types)
		}
		var moved []uuid.UUID
		for _, ev := range rec.Emitted(t, "node.published") {
			moved = append(moved, ev.(*events.NodePublished).NodeID)
		}
		if !slices.Equal(moved, []uuid.UUID{a.ID, b.ID}) {
			t.Fatalf("events for %v", moved)
		}
		for _, row := range rec.Rows(t) {
			if row.TenantID == nil || *row.TenantID != tn.ID {
				t.Fatalf("event %s has tenant %v", row.EventType, row.TenantID)
			}
		}
	})

	t.Run("each move emits what TransitionNode emits", func(t *testing.T) {
		live := testkit.Node(t, store, tn).Published().Create()
		archived := testkit.Node(t, store, tn).Archived().Create()
		rec := testkit.Events(t, store)
		res, err := store.BulkTransition(ctx, tn, []uuid.UUID{live.ID, archived.ID}, models.NodeDraft)
		if err != nil || len(res.Done) != 2 || len(res.Skipped) != 0 {
			t.Fatalf("result %+v, %v", res, err)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.unpublished", "node.updated"}) {
			t.Fatalf("events %v", types)
		}
		if up := rec.Emitted(t, "node.updated")[0].(*events.NodeUpdated); up.NodeID != archived.ID ||
			up.Changes["status"] != (events.Change{Old: "archived", New: "draft"}) {
			t.Fatalf("node.updated %+v", up)
		}
		for _, n := range []*models.Node{live, archived} {
			if got, _ := store.NodeByID(ctx, tn.ID, n.ID); got.Status != models.NodeDraft || got.PublishedAt != nil {
				t.Fatalf("node %+v", got)
			}
		}
	})

	t.Run("a list nobody can act on changes nothing", func(t *testing.T) {
		foreign := testkit.Node(t, store, other).Create()
		rec := testkit.Events(t, store)
		res, err := store.BulkTransition(ctx, tn, []uuid.UUID{foreign.ID}, models.NodePublished)
		if err != nil || len(res.Done) != 0 || len(res.Skipped) != 1 {
			t.Fatalf("result %+v, %v", res, err)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v", types)
		}
	})

	t.Run("bad requests are refused before anything is read", func(t *testing.T) {
		n := testkit.Node(t, store, tn).Create()
		many := make([]uuid.UUID, models.MaxBulkNodes+1)
		for i := range many {
			many[i] = uuid.New()
		}
		repeated := slices.Repeat([]uuid.UUID{n.ID}, models.MaxBulkNodes+1)
		cases := []struct {
			name, field, msg string
			ids              []uuid.UUID
			to               string
		}{
			{"no ids", "ids", "at least one", nil, models.NodePublished},
			{"too many ids", "ids", "at most 100", many, models.NodePublished},
			{"unknown target status", "status", "draft, published or archived", []uuid.UUID{n.ID}, "deleted"},
			{"empty target status", "status", "draft, published or archived", []uuid.UUID{n.ID}, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rec := testkit.Events(t, store)
				_, err := store.BulkTransition(ctx, tn, c.ids, c.to)
				if msg := fieldError(t, err, c.field); !strings.Contains(msg, c.msg) {
					t.Fatalf("%s: %q, want it to mention %q", c.field, msg, c.msg)
				}
				if types := rec.Types(t); len(types) != 0 {
					t.Fatalf("events %v", types)
				}
			})
		}
		t.Run("repeated ids count once", func(t *testing.T) {
			res, err := store.BulkTransition(ctx, tn, repeated, models.NodePublished)
			if err != nil || !slices.Equal(res.Done, []uuid.UUID{n.ID}) || len(res.Skipped) != 0 {
				t.Fatalf("result %+v, %v", res, err)
			}
		})
	})

	t.Run("a failing write rolls back every move", func(t *testing.T) {
		store := testkit.NewDB(t) // the trigger stays in this database
		tn := testkit.Tenant(t, store).Create()
		first := testkit.Node(t, store, tn).Create()
		second := testkit.Node(t, store, tn).Create()
		failWritesTo(t, store, second.ID)
		rec := testkit.Events(t, store)
		res, err := store.BulkTransition(ctx, tn, []uuid.UUID{first.ID, second.ID}, models.NodePublished)
		if err == nil || errors.Is(err, models.ErrInvalid) || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("error %v (result %+v), want the database's", err, res)
		}
		if got, _ := store.NodeByID(ctx, tn.ID, first.ID); got.Status != models.NodeDraft || got.PublishedAt != nil {
			t.Fatalf("first node kept its move: %+v", got)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v survived a rollback", types)
		}
	})
}

func TestBulkDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	other := testkit.Tenant(t, store).Create()

	t.Run("deletes the tenant's nodes as DeleteNode does and skips the rest", func(t *testing.T) {
		parent := testkit.Node(t, store, tn).Kind("page").Translation("en", "Parent", "").Published().Create()
		child := testkit.Node(t, store, tn).Kind("page").Parent(parent.ID).Create()
		post := testkit.Node(t, store, tn).Create()
		foreign := testkit.Node(t, store, other).Create()
		rec := testkit.Events(t, store)

		res, err := store.BulkDelete(ctx, tn, []uuid.UUID{parent.ID, foreign.ID, post.ID, parent.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Done, []uuid.UUID{parent.ID, post.ID}) ||
			!slices.Equal(res.Skipped, []models.BulkSkip{{ID: foreign.ID, Reason: "Not found in this tenant."}}) {
			t.Fatalf("result %+v", res)
		}
		for _, n := range []*models.Node{parent, post} {
			if _, err := store.NodeByID(ctx, tn.ID, n.ID); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("node %s after delete: %v", n.ID, err)
			}
			if c := countRows(t, store, &models.NodeTranslation{}, "node_id = ?", n.ID); c != 0 {
				t.Fatalf("%d translations left", c)
			}
		}
		if c, _ := store.NodeByID(ctx, tn.ID, child.ID); c == nil || c.ParentID != nil {
			t.Fatalf("child %+v", c)
		}
		if _, err := store.NodeByID(ctx, other.ID, foreign.ID); err != nil {
			t.Fatalf("another tenant's node: %v", err)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.updated", "node.deleted", "node.deleted"}) {
			t.Fatalf("events %v", types)
		}
		if up := rec.Emitted(t, "node.updated")[0].(*events.NodeUpdated); up.NodeID != child.ID ||
			up.Changes["parent_id"] != (events.Change{Old: parent.ID.String(), New: ""}) {
			t.Fatalf("node.updated %+v", up)
		}
		var deleted []uuid.UUID
		for _, ev := range rec.Emitted(t, "node.deleted") {
			deleted = append(deleted, ev.(*events.NodeDeleted).NodeID)
		}
		if !slices.Equal(deleted, []uuid.UUID{parent.ID, post.ID}) {
			t.Fatalf("deleted %v", deleted)
		}
	})

	t.Run("a page and its subpage deleted together", func(t *testing.T) {
		parent := testkit.Node(t, store, tn).Kind("page").Create()
		child := testkit.Node(t, store, tn).Kind("page").Parent(parent.ID).Create()
		rec := testkit.Events(t, store)
		res, err := store.BulkDelete(ctx, tn, []uuid.UUID{child.ID, parent.ID})
		if err != nil || len(res.Done) != 2 {
			t.Fatalf("result %+v, %v", res, err)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.deleted", "node.deleted"}) {
			t.Fatalf("events %v", types)
		}
	})

	t.Run("bad id lists are refused", func(t *testing.T) {
		many := make([]uuid.UUID, models.MaxBulkNodes+1)
		for i := range many {
			many[i] = uuid.New()
		}
		for name, ids := range map[string][]uuid.UUID{"none": {}, "too many": many} {
			t.Run(name, func(t *testing.T) {
				_, err := store.BulkDelete(ctx, tn, ids)
				fieldError(t, err, "ids")
			})
		}
	})

	t.Run("a failing write rolls back every delete", func(t *testing.T) {
		store := testkit.NewDB(t)
		tn := testkit.Tenant(t, store).Create()
		parent := testkit.Node(t, store, tn).Kind("page").Create()
		child := testkit.Node(t, store, tn).Kind("page").Parent(parent.ID).Create()
		blocked := testkit.Node(t, store, tn).Create()
		failWritesTo(t, store, blocked.ID)
		rec := testkit.Events(t, store)
		_, err := store.BulkDelete(ctx, tn, []uuid.UUID{parent.ID, blocked.ID})
		if err == nil || !strings.Contains(err.Error(), "refused by the test") {
			t.Fatalf("error %v, want the database's", err)
		}
		if _, err := store.NodeByID(ctx, tn.ID, parent.ID); err != nil {
			t.Fatalf("parent after rollback: %v", err)
		}
		if c, _ := store.NodeByID(ctx, tn.ID, child.ID); c.ParentID == nil || *c.ParentID != parent.ID {
			t.Fatalf("child detached despite the rollback: %+v", c)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v survived a rollback", types)
		}
	})
}

// TestTitleSearchBackfill: translations written before migration 00007 become searchable.
// The backfill uses the database's lower(), which on SQLite folds ASCII only.
func TestTitleSearchBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := testkit.NewEmptyDB(t)
	sqlDB, _ := store.DB().DB()
	p, err := migrations.NewProvider(sqlDB, store.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	tenantID, userID, nodeID := uuid.New(), uuid.New(), uuid.New()
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, slug, name, is_active, default_locale, locales, settings, created_at, updated_at)
			VALUES (?, 'old', 'Old', true, 'en', '["en"]', '{}', ?, ?)`, []any{tenantID, now, now}},
		{`INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at)
			VALUES (?, 'old@example.com', 'Old', 'x', 'active', ?, ?)`, []any{userID, now, now}},
		{`INSERT INTO nodes (id, tenant_id, kind, status, author_id, position, created_at, updated_at)
			VALUES (?, ?, 'post', 'draft', ?, 0, ?, ?)`, []any{nodeID, tenantID, userID, now, now}},
		{`INSERT INTO node_translations (id, node_id, tenant_id, kind, locale, title, slug, created_at, updated_at)
			VALUES (?, ?, ?, 'post', 'en', 'Written Before', 'written-before', ?, ?)`, []any{uuid.New(), nodeID, tenantID, now, now}},
	} {
		if err := store.DB().Exec(s.sql, s.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	tn, err := store.TenantByID(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	page, err := store.ListNodes(ctx, tn, models.NodeQuery{Search: "BEFORE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Nodes) != 1 || page.Nodes[0].ID != nodeID || page.Nodes[0].Title != "Written Before" {
		t.Fatalf("page %+v", page)
	}
}
