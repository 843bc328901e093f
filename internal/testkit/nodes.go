package testkit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
)

// NodeBuilder builds a content node fixture:
// testkit.Node(t, store, tenant).Kind("page").Author(userID).Translation("en", "Hello", "body").Published().Create().
type NodeBuilder struct {
	t      testing.TB
	store  *models.Store
	tenant *models.Tenant
	author uuid.UUID
	in     models.NodeInput
	status string
	times  map[string]any // columns set straight in the table after the workflow, for sort tests
}

// Node starts a draft post fixture in the tenant. Without Author a new user is created to write
// it; without Translation it gets a unique title in the tenant's default locale.
func Node(t testing.TB, store *models.Store, tenant *models.Tenant) *NodeBuilder {
	return &NodeBuilder{t: t, store: store, tenant: tenant, in: models.NodeInput{Kind: models.NodePost}}
}

// Kind sets post or page.
func (b *NodeBuilder) Kind(k string) *NodeBuilder { b.in.Kind = k; return b }

// Author sets the user who wrote the node.
func (b *NodeBuilder) Author(id uuid.UUID) *NodeBuilder { b.author = id; return b }

// Parent places a page under another page.
func (b *NodeBuilder) Parent(id uuid.UUID) *NodeBuilder { b.in.ParentID = &id; return b }

// Position sets the order among siblings.
func (b *NodeBuilder) Position(p int) *NodeBuilder { b.in.Position = p; return b }

// Translation adds a locale's title and body; the slug is generated from the title.
func (b *NodeBuilder) Translation(locale, title, body string) *NodeBuilder {
	b.in.Translations = append(b.in.Translations, models.TranslationInput{Locale: locale, Title: title, Body: body})
	return b
}

// TranslationInput adds a translation with every field given.
func (b *NodeBuilder) TranslationInput(in models.TranslationInput) *NodeBuilder {
	b.in.Translations = append(b.in.Translations, in)
	return b
}

// Published publishes the node after creating it.
func (b *NodeBuilder) Published() *NodeBuilder { b.status = models.NodePublished; return b }

// Archived publishes then archives the node after creating it.
func (b *NodeBuilder) Archived() *NodeBuilder { b.status = models.NodeArchived; return b }

// UpdatedAt sets updated_at once the node is created and moved, so a test can order nodes by it
// without depending on the clock.
func (b *NodeBuilder) UpdatedAt(at time.Time) *NodeBuilder { return b.setTime("updated_at", at) }

// PublishedAt sets published_at once the node is created and moved (Published or Archived).
func (b *NodeBuilder) PublishedAt(at time.Time) *NodeBuilder { return b.setTime("published_at", at) }

func (b *NodeBuilder) setTime(column string, at time.Time) *NodeBuilder {
	if b.times == nil {
		b.times = map[string]any{}
	}
	b.times[column] = at.UTC()
	return b
}

// Create inserts the node (and moves it through the workflow) or fails the test. The returned
// node carries its translations.
func (b *NodeBuilder) Create() *models.Node {
	b.t.Helper()
	ctx := context.Background()
	if b.author == uuid.Nil {
		b.author = User(b.t, b.store).Create().ID
	}
	if len(b.in.Translations) == 0 {
		n := next()
		b.Translation(b.tenant.DefaultLocale, fmt.Sprintf("Node %d %s", n, randomName()[:4]), "")
	}
	n, err := b.store.CreateNode(ctx, b.tenant, b.author, b.in)
	if err != nil {
		b.t.Fatalf("testkit: create node: %v", err)
	}
	steps := map[string][]string{
		models.NodePublished: {models.NodePublished},
		models.NodeArchived:  {models.NodePublished, models.NodeArchived},
	}[b.status]
	for _, to := range steps {
		if _, err := b.store.TransitionNode(ctx, b.tenant, n.ID, to); err != nil {
			b.t.Fatalf("testkit: move node to %s: %v", to, err)
		}
	}
	if len(b.times) > 0 {
		// UpdateColumns writes the values as given: it does not bump updated_at itself.
		if err := b.store.DB().Model(&models.Node{}).Where("id = ?", n.ID).UpdateColumns(b.times).Error; err != nil {
			b.t.Fatalf("testkit: set node times: %v", err)
		}
	}
	if n, err = b.store.NodeByID(ctx, b.tenant.ID, n.ID); err != nil {
		b.t.Fatalf("testkit: reload node: %v", err)
	}
	return n
}
