package models_test

import (
	"context"
	"errors"
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

// countRows returns how many rows of a table match the condition.
func countRows(t *testing.T, store *models.Store, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := store.DB().Model(model).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Привет, мир!":             "privet-mir",
		"Ça va?":                   "ca-va",
		"Hello World":              "hello-world",
		"  Many   spaces -- here ": "many-spaces-here",
		"Straße über Äpfel":        "strasse-uber-apfel",
		"!!!":                      "",
	} {
		if got := models.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
	long := models.Slugify(strings.Repeat("word ", 40))
	if len(long) > 100 || strings.HasSuffix(long, "-") || !strings.HasPrefix(long, "word-word") {
		t.Errorf("long slug %q (%d)", long, len(long))
	}
	if s := models.Slugify(strings.Repeat("a", 150)); len(s) != 100 {
		t.Errorf("slug of one long word has %d characters", len(s))
	}
}

func TestCreateNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "ru", "fr").Create()
	author := testkit.User(t, store).Create()

	t.Run("generates slugs and emits node.created then one translation event per locale", func(t *testing.T) {
		rec := testkit.Events(t, store)
		n, err := store.CreateNode(ctx, tn, author.ID, models.NodeInput{Kind: "post", Position: 3, Translations: []models.TranslationInput{
			{Locale: "ru", Title: "Привет, мир!", Body: "Текст"},
			{Locale: "fr", Title: "Ça va?", Excerpt: "Court"},
			{Locale: "en", Title: "Hello", Slug: "custom-hello"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if n.Status != models.NodeDraft || n.PublishedAt != nil || n.Position != 3 || n.AuthorID != author.ID {
			t.Fatalf("node %+v", n)
		}
		got, err := store.NodeByID(ctx, tn.ID, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, tr := range got.Translations {
			slugs = append(slugs, tr.Locale+":"+tr.Slug)
		}
		if want := []string{"en:custom-hello", "fr:ca-va", "ru:privet-mir"}; !slices.Equal(slugs, want) {
			t.Fatalf("slugs %v, want %v", slugs, want)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.created", "node.translation_updated", "node.translation_updated", "node.translation_updated"}) {
			t.Fatalf("events %v", types)
		}
		created := rec.Emitted(t, "node.created")[0].(*events.NodeCreated)
		if created.NodeID != n.ID || created.Kind != "post" || created.Status != "draft" || created.AuthorID != author.ID {
			t.Fatalf("node.created %+v", created)
		}
		ru := rec.Emitted(t, "node.translation_updated")[0].(*events.NodeTranslationUpdated)
		if ru.Locale != "ru" || ru.Changes["title"] != (events.Change{Old: "", New: "Привет, мир!"}) ||
			ru.Changes["slug"] != (events.Change{Old: "", New: "privet-mir"}) || ru.Changes["body"] != (events.Change{Old: "", New: "Текст"}) {
			t.Fatalf("ru translation event %+v", ru)
		}
		for _, row := range rec.Rows(t) {
			if row.TenantID == nil || *row.TenantID != tn.ID {
				t.Fatalf("event %s has tenant %v, want %s", row.EventType, row.TenantID, tn.ID)
			}
		}
	})

	t.Run("HTML in the title is stored as typed", func(t *testing.T) {
		title := `<script>alert("x")</script> & <b>bold</b>`
		n, err := store.CreateNode(ctx, tn, author.ID, models.NodeInput{Kind: "post", Translations: []models.TranslationInput{
			{Locale: "en", Title: title, Body: "<img src=x onerror=alert(1)>"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := store.NodeByID(ctx, tn.ID, n.ID)
		if tr := got.Translation("en"); tr.Title != title || tr.Body != "<img src=x onerror=alert(1)>" || tr.Slug != "script-alert-x-script-and-b-bold-b" {
			t.Fatalf("translation %+v", tr)
		}
	})

	t.Run("bad input is refused with field errors and nothing is saved", func(t *testing.T) {
		page := testkit.Node(t, store, tn).Kind("page").Author(author.ID).Create()
		post := testkit.Node(t, store, tn).Author(author.ID).Create()
		otherPage := testkit.Node(t, store, testkit.Tenant(t, store).Create()).Kind("page").Create()
		cases := []struct {
			name, field, msg string
			in               models.NodeInput
		}{
			{"unknown kind", "kind", "post or page", models.NodeInput{Kind: "article"}},
			{"unknown locale", "translations.de.locale", "not one of this tenant's locales", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "de", Title: "Hallo"}}}},
			{"locale twice", "translations.en.locale", "given twice", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: "A"}, {Locale: "en", Title: "B"}}}},
			{"missing title", "translations.en.title", "required", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Body: "text only"}}}},
			{"over-long title", "translations.en.title", "at most 200", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: strings.Repeat("я", 201)}}}},
			{"over-long excerpt", "translations.en.excerpt", "at most 500", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: "T", Excerpt: strings.Repeat("e", 501)}}}},
			{"over-long body", "translations.en.body", "at most 200000 bytes", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: "T", Body: strings.Repeat("b", models.MaxNodeBody+1)}}}},
			{"bad slug", "translations.en.slug", "lowercase letters", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: "T", Slug: "a--b"}}}},
			{"over-long slug", "translations.en.slug", "at most 100", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: "T", Slug: strings.Repeat("a", 101)}}}},
			{"title without a slug", "translations.en.slug", "enter a slug", models.NodeInput{Kind: "post",
				Translations: []models.TranslationInput{{Locale: "en", Title: "???"}}}},
			{"negative position", "position", "negative", models.NodeInput{Kind: "post", Position: -1}},
			{"post with a parent", "parent_id", "Only pages", models.NodeInput{Kind: "post", ParentID: &page.ID}},
			{"parent is a post", "parent_id", "page of this tenant", models.NodeInput{Kind: "page", ParentID: &post.ID}},
			{"parent in another tenant", "parent_id", "page of this tenant", models.NodeInput{Kind: "page", ParentID: &otherPage.ID}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := countRows(t, store, &models.Node{}, "tenant_id = ?", tn.ID)
				rec := testkit.Events(t, store)
				_, err := store.CreateNode(ctx, tn, author.ID, c.in)
				if !errors.Is(err, models.ErrInvalid) {
					t.Fatalf("error %v, want ErrInvalid", err)
				}
				if msg := fieldError(t, err, c.field); !strings.Contains(msg, c.msg) {
					t.Fatalf("%s: %q, want it to mention %q", c.field, msg, c.msg)
				}
				if after := countRows(t, store, &models.Node{}, "tenant_id = ?", tn.ID); after != before {
					t.Fatalf("nodes %d → %d", before, after)
				}
				if types := rec.Types(t); len(types) != 0 {
					t.Fatalf("events %v", types)
				}
			})
		}
	})

	t.Run("a duplicate slug is a field error and nothing is saved", func(t *testing.T) {
		testkit.Node(t, store, tn).Author(author.ID).Translation("en", "Taken title", "").Create()
		rec := testkit.Events(t, store)
		before := countRows(t, store, &models.NodeTranslation{}, "tenant_id = ?", tn.ID)
		_, err := store.CreateNode(ctx, tn, author.ID, models.NodeInput{Kind: "post", Translations: []models.TranslationInput{
			{Locale: "fr", Title: "Taken title"}, // another locale: free
			{Locale: "en", Title: "Taken Title!"},
		}})
		if msg := fieldError(t, err, "translations.en.slug"); msg != "This slug is already used by another post in en." {
			t.Fatalf("message %q", msg)
		}
		var ve *models.ValidationError
		if errors.As(err, &ve); len(ve.Fields) != 1 {
			t.Fatalf("fields %v", ve.Fields)
		}
		if after := countRows(t, store, &models.NodeTranslation{}, "tenant_id = ?", tn.ID); after != before {
			t.Fatalf("translations %d → %d", before, after)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v", types)
		}
		// The same slug is free for another kind and another tenant.
		testkit.Node(t, store, tn).Kind("page").Author(author.ID).Translation("en", "Taken title", "").Create()
		testkit.Node(t, store, testkit.Tenant(t, store).Create()).Translation("en", "Taken title", "").Create()
	})

	t.Run("a unique violation past the check maps to the same field error", func(t *testing.T) {
		if testkit.Dialect() != migrations.Postgres {
			t.Skip("SQLite has one writer: the check and the insert cannot interleave with another transaction")
		}
		in := models.NodeInput{Kind: "post", Translations: []models.TranslationInput{{Locale: "en", Title: "Race"}}}
		inserted, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- store.WithTx(ctx, func(ctx context.Context) error {
				if _, err := store.CreateNode(ctx, tn, author.ID, in); err != nil {
					close(inserted)
					return err
				}
				close(inserted)
				<-release
				return nil
			})
		}()
		<-inserted
		second := make(chan error, 1)
		rec := testkit.Events(t, store)
		go func() { _, err := store.CreateNode(ctx, tn, author.ID, in); second <- err }()
		time.Sleep(300 * time.Millisecond) // the second insert now waits on the unique index
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		err := <-second
		if msg := fieldError(t, err, "translations.en.slug"); msg != "This slug is already used by another post in en." {
			t.Fatalf("message %q", msg)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.created", "node.translation_updated"}) {
			t.Fatalf("events %v: only the first writer's", types)
		}
	})
}

func TestUpdateNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Create()
	author := testkit.User(t, store).Create()

	t.Run("changes emit old → new and unchanged input emits nothing", func(t *testing.T) {
		parent := testkit.Node(t, store, tn).Kind("page").Author(author.ID).Create()
		n := testkit.Node(t, store, tn).Kind("page").Author(author.ID).Translation("en", "Old title", "old body").Create()
		rec := testkit.Events(t, store)
		long := strings.Repeat("Long **Markdown** body. ", 500)
		got, err := store.UpdateNode(ctx, tn, n.ID, models.NodeInput{ParentID: &parent.ID, Position: 2, Translations: []models.TranslationInput{
			{Locale: "en", Title: "New title", Slug: "old-title", Body: long},
			{Locale: "de", Title: "Neuer Titel"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if *got.ParentID != parent.ID || got.Position != 2 || len(got.Translations) != 2 {
			t.Fatalf("node %+v", got)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.updated", "node.translation_updated", "node.translation_updated"}) {
			t.Fatalf("events %v", types)
		}
		up := rec.Emitted(t, "node.updated")[0].(*events.NodeUpdated)
		if up.Changes["parent_id"] != (events.Change{Old: "", New: parent.ID.String()}) || up.Changes["position"] != (events.Change{Old: float64(0), New: float64(2)}) {
			t.Fatalf("node.updated %+v", up.Changes)
		}
		trs := rec.Emitted(t, "node.translation_updated")
		en := trs[0].(*events.NodeTranslationUpdated)
		if en.Locale != "en" || len(en.Changes) != 2 || en.Changes["title"] != (events.Change{Old: "Old title", New: "New title"}) ||
			en.Changes["body"] != (events.Change{Old: "old body", New: long}) {
			t.Fatalf("en event %+v", en)
		}
		if de := trs[1].(*events.NodeTranslationUpdated); de.Locale != "de" || de.Changes["slug"] != (events.Change{Old: "", New: "neuer-titel"}) {
			t.Fatalf("de event %+v", de)
		}

		rec = testkit.Events(t, store)
		_, err = store.UpdateNode(ctx, tn, n.ID, models.NodeInput{Kind: "page", ParentID: &parent.ID, Position: 2, Translations: []models.TranslationInput{
			{Locale: "en", Title: " New title ", Slug: "old-title", Body: long},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("no-op update emitted %v", types)
		}
	})

	t.Run("an all-empty translation removes the locale", func(t *testing.T) {
		n := testkit.Node(t, store, tn).Author(author.ID).Translation("en", "Keep", "").Translation("de", "Weg", "Text").Create()
		rec := testkit.Events(t, store)
		got, err := store.UpdateNode(ctx, tn, n.ID, models.NodeInput{Translations: []models.TranslationInput{{Locale: "de"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Translations) != 1 || countRows(t, store, &models.NodeTranslation{}, "node_id = ?", n.ID) != 1 {
			t.Fatalf("translations %+v", got.Translations)
		}
		ev := rec.Emitted(t, "node.translation_updated")[0].(*events.NodeTranslationUpdated)
		if ev.Locale != "de" || ev.Changes["title"] != (events.Change{Old: "Weg", New: ""}) || ev.Changes["body"] != (events.Change{Old: "Text", New: ""}) {
			t.Fatalf("event %+v", ev)
		}
	})

	t.Run("refused updates change nothing", func(t *testing.T) {
		testkit.Node(t, store, tn).Author(author.ID).Translation("en", "Occupied", "").Create()
		n := testkit.Node(t, store, tn).Kind("page").Author(author.ID).Translation("en", "Mine", "").Create()
		child := testkit.Node(t, store, tn).Kind("page").Author(author.ID).Parent(n.ID).Create()
		pub := testkit.Node(t, store, tn).Author(author.ID).Translation("en", "Live", "").Published().Create()
		cases := []struct {
			name, field, msg string
			id               uuid.UUID
			in               models.NodeInput
		}{
			{"kind change", "kind", "cannot be changed", n.ID, models.NodeInput{Kind: "post"}},
			{"own parent", "parent_id", "under itself", n.ID, models.NodeInput{ParentID: &n.ID}},
			{"cycle", "parent_id", "under itself", n.ID, models.NodeInput{ParentID: &child.ID}},
			{"duplicate slug of a page is free, of a post is not", "translations.en.slug", "another post in en", pub.ID,
				models.NodeInput{Translations: []models.TranslationInput{{Locale: "en", Title: "Live", Slug: "occupied"}}}},
			{"removing the default locale of a published node", "translations.en.title", "unpublish it first", pub.ID,
				models.NodeInput{Translations: []models.TranslationInput{{Locale: "en"}}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before, _ := store.NodeByID(ctx, tn.ID, c.id)
				rec := testkit.Events(t, store)
				_, err := store.UpdateNode(ctx, tn, c.id, c.in)
				if msg := fieldError(t, err, c.field); !strings.Contains(msg, c.msg) {
					t.Fatalf("%s: %q, want it to mention %q", c.field, msg, c.msg)
				}
				after, _ := store.NodeByID(ctx, tn.ID, c.id)
				if !after.UpdatedAt.Equal(before.UpdatedAt) || len(after.Translations) != len(before.Translations) ||
					after.Translations[0].Slug != before.Translations[0].Slug {
					t.Fatalf("node changed: %+v → %+v", before, after)
				}
				if types := rec.Types(t); len(types) != 0 {
					t.Fatalf("events %v", types)
				}
			})
		}
	})
}

func TestTransitionNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Create()

	// nodeIn returns a fresh node in the status.
	nodeIn := func(t *testing.T, status string) *models.Node {
		b := testkit.Node(t, store, tn)
		switch status {
		case models.NodePublished:
			b.Published()
		case models.NodeArchived:
			b.Archived()
		}
		return b.Create()
	}
	statuses := []string{models.NodeDraft, models.NodePublished, models.NodeArchived}
	allowed := map[[2]string]string{
		{"draft", "published"}:    "node.published",
		{"published", "archived"}: "node.archived",
		{"published", "draft"}:    "node.unpublished",
		{"archived", "draft"}:     "node.updated",
	}
	for _, from := range statuses {
		for _, to := range append(slices.Clone(statuses), "deleted") {
			t.Run(from+"→"+to, func(t *testing.T) {
				n := nodeIn(t, from)
				rec := testkit.Events(t, store)
				got, err := store.TransitionNode(ctx, tn, n.ID, to)
				evType, ok := allowed[[2]string{from, to}]
				if !ok {
					want := "Cannot move a " + from + " node to " + to + "."
					if to == "deleted" {
						want = "Choose draft, published or archived."
					}
					if msg := fieldError(t, err, "status"); msg != want {
						t.Fatalf("message %q", msg)
					}
					if after, _ := store.NodeByID(ctx, tn.ID, n.ID); after.Status != from {
						t.Fatalf("status %s after a refused move", after.Status)
					}
					if types := rec.Types(t); len(types) != 0 {
						t.Fatalf("events %v", types)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				stored, _ := store.NodeByID(ctx, tn.ID, n.ID)
				if got.Status != to || stored.Status != to {
					t.Fatalf("status %s / stored %s, want %s", got.Status, stored.Status, to)
				}
				if (to == models.NodeDraft) != (stored.PublishedAt == nil) {
					t.Fatalf("published_at %v with status %s", stored.PublishedAt, to)
				}
				if types := rec.Types(t); !slices.Equal(types, []string{evType}) {
					t.Fatalf("events %v, want [%s]", types, evType)
				}
				if evType == "node.updated" {
					up := rec.Emitted(t, evType)[0].(*events.NodeUpdated)
					if up.Changes["status"] != (events.Change{Old: "archived", New: "draft"}) {
						t.Fatalf("changes %+v", up.Changes)
					}
				}
			})
		}
	}

	t.Run("publishing needs a title in the default locale", func(t *testing.T) {
		n := testkit.Node(t, store, tn).Translation("de", "Nur Deutsch", "").Create()
		rec := testkit.Events(t, store)
		_, err := store.TransitionNode(ctx, tn, n.ID, models.NodePublished)
		if msg := fieldError(t, err, "status"); !strings.Contains(msg, "title and slug in en") {
			t.Fatalf("message %q", msg)
		}
		fieldError(t, err, "translations.en.title")
		if after, _ := store.NodeByID(ctx, tn.ID, n.ID); after.Status != models.NodeDraft || after.PublishedAt != nil {
			t.Fatalf("node %+v", after)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v", types)
		}
		if _, err := store.UpdateNode(ctx, tn, n.ID, models.NodeInput{Translations: []models.TranslationInput{{Locale: "en", Title: "Now in English"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.TransitionNode(ctx, tn, n.ID, models.NodePublished); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("events are rolled back with the caller's transaction", func(t *testing.T) {
		n := nodeIn(t, models.NodeDraft)
		rec := testkit.Events(t, store)
		boom := errors.New("boom")
		err := store.WithTx(ctx, func(ctx context.Context) error {
			if _, err := store.TransitionNode(ctx, tn, n.ID, models.NodePublished); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if after, _ := store.NodeByID(ctx, tn.ID, n.ID); after.Status != models.NodeDraft {
			t.Fatalf("status %s", after.Status)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v survived a rollback", types)
		}
	})
}

func TestNodeIsolationAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Locales("en", "de").Create()
	other := testkit.Tenant(t, store).Create()

	t.Run("another tenant's node is not found", func(t *testing.T) {
		n := testkit.Node(t, store, other).Create()
		rec := testkit.Events(t, store)
		if _, err := store.NodeByID(ctx, tn.ID, n.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("NodeByID: %v", err)
		}
		if _, err := store.UpdateNode(ctx, tn, n.ID, models.NodeInput{Position: 5}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("UpdateNode: %v", err)
		}
		if _, err := store.TransitionNode(ctx, tn, n.ID, models.NodePublished); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("TransitionNode: %v", err)
		}
		if err := store.DeleteNode(ctx, tn, n.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("DeleteNode: %v", err)
		}
		if _, err := store.NodeByID(ctx, other.ID, n.ID); err != nil {
			t.Fatalf("the owner still sees it: %v", err)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Fatalf("events %v", types)
		}
	})

	t.Run("delete cascades to translations and detaches subpages", func(t *testing.T) {
		page := testkit.Node(t, store, tn).Kind("page").Translation("en", "Parent", "").Translation("de", "Eltern", "").Published().Create()
		child := testkit.Node(t, store, tn).Kind("page").Parent(page.ID).Create()
		if len(page.Translations) != 2 || page.Status != models.NodePublished {
			t.Fatalf("fixture %+v", page)
		}
		rec := testkit.Events(t, store)
		if err := store.DeleteNode(ctx, tn, page.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.NodeByID(ctx, tn.ID, page.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if n := countRows(t, store, &models.NodeTranslation{}, "node_id = ?", page.ID); n != 0 {
			t.Fatalf("%d translations left", n)
		}
		if c, _ := store.NodeByID(ctx, tn.ID, child.ID); c.ParentID != nil {
			t.Fatalf("child still has parent %v", c.ParentID)
		}
		if types := rec.Types(t); !slices.Equal(types, []string{"node.updated", "node.deleted"}) {
			t.Fatalf("events %v", types)
		}
		if ev := rec.Emitted(t, "node.deleted")[0].(*events.NodeDeleted); ev.NodeID != page.ID {
			t.Fatalf("node.deleted %+v", ev)
		}
		// The slug is free again.
		testkit.Node(t, store, tn).Kind("page").Translation("en", "Parent", "").Create()
	})

	t.Run("deleting a tenant removes its nodes", func(t *testing.T) {
		gone := testkit.Tenant(t, store).Create()
		n := testkit.Node(t, store, gone).Create()
		if err := store.DB().Exec("DELETE FROM tenants WHERE id = ?", gone.ID).Error; err != nil {
			t.Fatal(err)
		}
		if c := countRows(t, store, &models.NodeTranslation{}, "node_id = ?", n.ID) + countRows(t, store, &models.Node{}, "id = ?", n.ID); c != 0 {
			t.Fatalf("%d rows left", c)
		}
	})
}
