package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gosimple/slug"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/textsearch"
	"github.com/rustok/rustok-admin/migrations"
)

// Node kinds and statuses (DESIGN.md).
const (
	NodePost = "post"
	NodePage = "page"

	NodeDraft     = "draft"
	NodePublished = "published"
	NodeArchived  = "archived"
)

// Limits of a translation's fields, in characters (runes).
const (
	MaxNodeTitle   = 200
	MaxNodeSlug    = 100
	MaxNodeExcerpt = 500
	MaxNodeBody    = 200_000 // bytes of Markdown: what the preview renders (internal/markdown.MaxSource)
)

// Node is a post or a page of one tenant. Its text lives in one NodeTranslation per locale.
type Node struct {
	ID           uuid.UUID  `gorm:"type:uuid;primaryKey"`
	TenantID     uuid.UUID  `gorm:"type:uuid;not null"`
	Kind         string     `gorm:"not null"`
	Status       string     `gorm:"not null"`
	AuthorID     uuid.UUID  `gorm:"type:uuid;not null"`
	ParentID     *uuid.UUID `gorm:"type:uuid"` // pages only
	Position     int        `gorm:"not null"`
	PublishedAt  *time.Time
	Version      int `gorm:"not null;default:1"` // bumped by every change of the node or its translations (version.go)
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Translations []NodeTranslation `gorm:"foreignKey:NodeID"` // ordered by locale when loaded
}

// Translation returns the node's translation in locale, or nil.
func (n *Node) Translation(locale string) *NodeTranslation {
	for i := range n.Translations {
		if n.Translations[i].Locale == locale {
			return &n.Translations[i]
		}
	}
	return nil
}

// NodeTranslation is a node's text in one locale. TenantID and Kind repeat the node's so that a
// slug is unique per tenant, kind and locale. TitleSearch is the title case-folded by Go
// (textsearch.Fold, full Unicode folding: "Größte" → "grösste"): the node list searches and sorts
// on it because SQLite's lower() folds ASCII only. saveTranslation keeps it in step with Title.
type NodeTranslation struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	NodeID      uuid.UUID `gorm:"type:uuid;not null"`
	TenantID    uuid.UUID `gorm:"type:uuid;not null"`
	Kind        string    `gorm:"not null"`
	Locale      string    `gorm:"not null"`
	Title       string    `gorm:"not null"`
	TitleSearch string    `gorm:"not null"` // textsearch.Fold(Title)
	Slug        string    `gorm:"not null"`
	Excerpt     string    `gorm:"not null"`
	Body        string    `gorm:"not null"` // Markdown, stored as typed
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// TranslationInput is one locale's text as typed. An empty Slug is generated from the Title.
// A translation whose fields are all empty is ignored on create and removes the locale's
// translation on update.
type TranslationInput struct {
	Locale  string
	Title   string
	Slug    string
	Excerpt string
	Body    string
}

// NodeInput is what a caller may set on a node. Kind cannot change after creation; on update an
// empty Kind keeps it, ParentID and Position replace the stored values, and locales missing
// from Translations keep their translation. Version and Status are for updates only.
type NodeInput struct {
	Kind         string
	ParentID     *uuid.UUID
	Position     int
	Translations []TranslationInput
	// Version is the version the editor was loaded from; nil skips the check (version.go).
	Version *int
	// Status, when set, moves the node through the workflow once the edits are applied, in the
	// same transaction: the editor's Publish, Unpublish and Archive buttons save the form too.
	Status string
}

var nodeSlugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slugify turns a title into a slug: transliterated to ASCII, lowercase, words joined by hyphens,
// at most MaxNodeSlug characters (cut at a word boundary when there is one). "Привет, мир!"
// becomes "privet-mir". It returns "" when the title has no letters or digits.
func Slugify(title string) string {
	s := strings.ReplaceAll(slug.Make(title), "_", "-") // slug keeps underscores; node slugs may not have them
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '-' }), "-")
	if len(s) > MaxNodeSlug {
		cut := s[:MaxNodeSlug]
		if s[MaxNodeSlug] != '-' {
			if i := strings.LastIndexByte(cut, '-'); i > 0 {
				cut = cut[:i]
			}
		}
		s = cut
	}
	return strings.Trim(s, "-")
}

// normalize trims the single-line fields and fills an empty slug from the title. The body is
// kept as typed, except that line breaks become \n (a plain form post sends \r\n).
func (in *TranslationInput) normalize() {
	in.Locale = strings.TrimSpace(in.Locale)
	in.Title = strings.TrimSpace(in.Title)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Excerpt = strings.TrimSpace(in.Excerpt)
	in.Body = strings.ReplaceAll(in.Body, "\r\n", "\n")
	if in.Slug == "" && in.Title != "" {
		in.Slug = Slugify(in.Title)
	}
}

// empty reports whether nothing was typed for the locale.
func (in *TranslationInput) empty() bool {
	return in.Title == "" && in.Slug == "" && in.Excerpt == "" && strings.TrimSpace(in.Body) == ""
}

// translationField names a translation's field in a ValidationError: translations.<locale>.<field>.
func translationField(locale, field string) string {
	return "translations." + locale + "." + field
}

// slugTakenMessage is the inline error for a slug clash.
func slugTakenMessage(kind, locale string) string {
	return "This slug is already used by another " + kind + " in " + locale + "."
}

// validateTranslations checks each non-empty translation and returns them keyed by locale in
// input order (empty ones are left out; on update they mean "remove").
func validateTranslations(tenant *Tenant, ins []TranslationInput, fe fieldErrors) (kept []TranslationInput, removed []string) {
	seen := map[string]bool{}
	for _, in := range ins {
		in.normalize()
		loc := in.Locale
		switch {
		case loc == "":
			fe.add("translations", "Every translation needs a locale.")
			continue
		case !slices.Contains(tenant.Locales, loc):
			fe.add(translationField(loc, "locale"), "“"+loc+"” is not one of this tenant's locales.")
			continue
		case seen[loc]:
			fe.add(translationField(loc, "locale"), "The locale "+loc+" is given twice.")
			continue
		}
		seen[loc] = true
		if in.empty() {
			removed = append(removed, loc)
			continue
		}
		switch {
		case in.Title == "":
			fe.add(translationField(loc, "title"), "Title is required.")
		case len([]rune(in.Title)) > MaxNodeTitle:
			fe.add(translationField(loc, "title"), fmt.Sprintf("Title must be at most %d characters.", MaxNodeTitle))
		}
		switch {
		case in.Slug == "" && in.Title != "":
			fe.add(translationField(loc, "slug"), "The title has no letters or digits to make a slug from; enter a slug.")
		case in.Slug == "":
			// reported on the title
		case len(in.Slug) > MaxNodeSlug:
			fe.add(translationField(loc, "slug"), fmt.Sprintf("Slug must be at most %d characters.", MaxNodeSlug))
		case !nodeSlugPattern.MatchString(in.Slug):
			fe.add(translationField(loc, "slug"), "Use lowercase letters and digits in words joined by single hyphens, such as my-first-post.")
		}
		if len(in.Body) > MaxNodeBody {
			fe.add(translationField(loc, "body"), fmt.Sprintf("Body must be at most %d bytes of Markdown.", MaxNodeBody))
		}
		if len([]rune(in.Excerpt)) > MaxNodeExcerpt {
			fe.add(translationField(loc, "excerpt"), fmt.Sprintf("Excerpt must be at most %d characters.", MaxNodeExcerpt))
		}
		kept = append(kept, in)
	}
	return kept, removed
}

// checkParent validates the parent of a node of kind (self is uuid.Nil for a new node).
func (s *Store) checkParent(ctx context.Context, tenantID, self uuid.UUID, kind string, parentID *uuid.UUID, fe fieldErrors) error {
	if parentID == nil {
		return nil
	}
	if kind != NodePage {
		fe.add("parent_id", "Only pages can have a parent.")
		return nil
	}
	// Walk up from the parent: it must be a page of this tenant and self must not be above it.
	id := *parentID
	for depth := 0; depth < 100; depth++ {
		if id == self {
			fe.add("parent_id", "A page cannot be placed under itself or one of its subpages.")
			return nil
		}
		var p Node
		err := s.Conn(ctx).Select("id", "kind", "parent_id").Where("tenant_id = ? AND id = ?", tenantID, id).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && p.Kind != NodePage) {
			if depth == 0 {
				fe.add("parent_id", "Choose a page of this tenant as the parent.")
			}
			return nil
		}
		if err != nil {
			return translate(err, "parent page")
		}
		if p.ParentID == nil {
			return nil
		}
		id = *p.ParentID
	}
	fe.add("parent_id", "Pages are nested too deeply.")
	return nil
}

// checkSlugs is the last check before a write: with fe already holding errors it returns them
// (no slug query for a form that fails anyway); otherwise it adds a field error for each
// translation whose slug another node of the same tenant and kind already uses in that locale,
// and returns fe's errors, if any.
func (s *Store) checkSlugs(ctx context.Context, tenantID, self uuid.UUID, kind string, ins []TranslationInput, fe fieldErrors) error {
	if err := fe.err(); err != nil {
		return err
	}
	for _, in := range ins {
		if in.Slug == "" {
			continue
		}
		var n int64
		err := s.Conn(ctx).Model(&NodeTranslation{}).
			Where("tenant_id = ? AND kind = ? AND locale = ? AND slug = ? AND node_id <> ?", tenantID, kind, in.Locale, in.Slug, self).
			Count(&n).Error
		if err != nil {
			return translate(err, "check slug")
		}
		if n > 0 {
			fe.add(translationField(in.Locale, "slug"), slugTakenMessage(kind, in.Locale))
		}
	}
	return fe.err()
}

// saveTranslation inserts or updates one translation, turning a slug clash that slipped past
// checkSlugs (a concurrent writer) into the same field error.
func (s *Store) saveTranslation(ctx context.Context, tr *NodeTranslation, insert bool) error {
	tr.TitleSearch = textsearch.Fold(tr.Title)
	var err error
	if insert {
		err = s.Conn(ctx).Create(tr).Error
	} else {
		err = s.Conn(ctx).Model(tr).Select("title", "title_search", "slug", "excerpt", "body", "updated_at").Updates(tr).Error
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &ValidationError{Fields: map[string]string{translationField(tr.Locale, "slug"): slugTakenMessage(tr.Kind, tr.Locale)}}
	}
	return translate(err, "save translation "+tr.Locale)
}

// addTranslation inserts the node's translation in a locale it has none in, appends it to
// n.Translations, and returns its node.translation_updated event ("" → value).
func (s *Store) addTranslation(ctx context.Context, n *Node, t TranslationInput) (events.Event, error) {
	tr := NodeTranslation{ID: uuid.Must(uuid.NewV7()), NodeID: n.ID, TenantID: n.TenantID, Kind: n.Kind,
		Locale: t.Locale, Title: t.Title, Slug: t.Slug, Excerpt: t.Excerpt, Body: t.Body}
	if err := s.saveTranslation(ctx, &tr, true); err != nil {
		return nil, err
	}
	n.Translations = append(n.Translations, tr)
	return &events.NodeTranslationUpdated{NodeRef: events.NodeRef{NodeID: n.ID}, Locale: t.Locale,
		Changes: translationChanges(NodeTranslation{}, t)}, nil
}

// translationChanges is the old → new diff of a translation's text fields.
func translationChanges(old NodeTranslation, in TranslationInput) events.Changes {
	return events.Changes{}.Diff("title", old.Title, in.Title).Diff("slug", old.Slug, in.Slug).
		Diff("excerpt", old.Excerpt, in.Excerpt).Diff("body", old.Body, in.Body)
}

func uuidString(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return id.String()
}

// CreateNode validates the input and inserts a draft node by author with its translations.
// It emits node.created, then node.translation_updated ("" → value) per translation, in one
// transaction. Bad input returns a *ValidationError with fields such as translations.en.slug.
func (s *Store) CreateNode(ctx context.Context, tenant *Tenant, author uuid.UUID, in NodeInput) (*Node, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	in.Kind = strings.TrimSpace(in.Kind)
	fe := fieldErrors{}
	if in.Kind != NodePost && in.Kind != NodePage {
		fe.add("kind", "Choose post or page.")
	}
	if in.Position < 0 {
		fe.add("position", "Position cannot be negative.")
	}
	trs, _ := validateTranslations(tenant, in.Translations, fe)
	n := &Node{
		ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, Kind: in.Kind, Status: NodeDraft,
		AuthorID: author, ParentID: in.ParentID, Position: in.Position, Version: 1,
	}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.checkParent(ctx, tenant.ID, uuid.Nil, in.Kind, in.ParentID, fe); err != nil {
			return err
		}
		if err := s.checkSlugs(ctx, tenant.ID, n.ID, n.Kind, trs, fe); err != nil {
			return err
		}
		if err := s.Conn(ctx).Omit(clause.Associations).Create(n).Error; err != nil {
			return translate(err, "create node")
		}
		evts := []events.Event{&events.NodeCreated{NodeRef: events.NodeRef{NodeID: n.ID}, Kind: n.Kind,
			Status: n.Status, AuthorID: n.AuthorID, ParentID: n.ParentID}}
		for _, t := range trs {
			ev, err := s.addTranslation(ctx, n, t)
			if err != nil {
				return err
			}
			evts = append(evts, ev)
		}
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(n.Translations, func(a, b NodeTranslation) int { return strings.Compare(a.Locale, b.Locale) })
	return n, nil
}

// UpdateNode applies the input to the tenant's node: node.updated for parent or position
// (old → new), node.translation_updated per locale whose text changed, added or removed (old →
// new, "" for a missing side). Nothing changed means no write and no event. A published node
// keeps a title in the tenant's default locale. With in.Status the node then moves through the
// workflow as TransitionNode moves it, in the same transaction: a refused move saves nothing.
// A form loaded from another version than in.Version is refused with a *StaleError.
func (s *Store) UpdateNode(ctx context.Context, tenant *Tenant, id uuid.UUID, in NodeInput) (*Node, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	var n *Node
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if n, err = s.lockNode(ctx, tenant.ID, id); err != nil {
			return err
		}
		if err := s.checkVersion(ctx, n, in.Version); err != nil {
			return err
		}
		fe := fieldErrors{}
		if k := strings.TrimSpace(in.Kind); k != "" && k != n.Kind {
			fe.add("kind", "The kind of a node cannot be changed.")
		}
		if in.Position < 0 {
			fe.add("position", "Position cannot be negative.")
		}
		trs, removed := validateTranslations(tenant, in.Translations, fe)
		if err := s.checkParent(ctx, tenant.ID, n.ID, n.Kind, in.ParentID, fe); err != nil {
			return err
		}
		if n.Status == NodePublished && slices.Contains(removed, tenant.DefaultLocale) && n.Translation(tenant.DefaultLocale) != nil {
			fe.add(translationField(tenant.DefaultLocale, "title"), "A published "+n.Kind+" needs a title in "+tenant.DefaultLocale+"; unpublish it first.")
		}
		if err := s.checkSlugs(ctx, tenant.ID, n.ID, n.Kind, trs, fe); err != nil {
			return err
		}

		var evts []events.Event
		ref := events.NodeRef{NodeID: n.ID}
		changes := events.Changes{}.Diff("parent_id", uuidString(n.ParentID), uuidString(in.ParentID)).
			Diff("position", n.Position, in.Position)
		if len(changes) > 0 {
			n.ParentID, n.Position = in.ParentID, in.Position
			evts = append(evts, &events.NodeUpdated{NodeRef: ref, Changes: changes})
		}
		for _, t := range trs {
			old := n.Translation(t.Locale)
			if old == nil {
				ev, err := s.addTranslation(ctx, n, t)
				if err != nil {
					return err
				}
				evts = append(evts, ev)
				continue
			}
			c := translationChanges(*old, t)
			if len(c) == 0 {
				continue
			}
			old.Title, old.Slug, old.Excerpt, old.Body = t.Title, t.Slug, t.Excerpt, t.Body
			if err := s.saveTranslation(ctx, old, false); err != nil {
				return err
			}
			evts = append(evts, &events.NodeTranslationUpdated{NodeRef: ref, Locale: t.Locale, Changes: c})
		}
		for _, loc := range removed {
			old := n.Translation(loc)
			if old == nil {
				continue
			}
			if err := s.Conn(ctx).Delete(&NodeTranslation{}, "id = ?", old.ID).Error; err != nil {
				return translate(err, "remove translation "+loc)
			}
			c := translationChanges(*old, TranslationInput{})
			n.Translations = slices.DeleteFunc(n.Translations, func(tr NodeTranslation) bool { return tr.Locale == loc })
			evts = append(evts, &events.NodeTranslationUpdated{NodeRef: ref, Locale: loc, Changes: c})
		}
		if in.Status != "" {
			ev, err := s.move(tenant, n, in.Status)
			if err != nil {
				return err
			}
			evts = append(evts, ev)
		}
		if len(evts) == 0 {
			return nil
		}
		// Saving the node also bumps updated_at and the version when only a translation changed.
		if err := s.saveVersioned(ctx, n, "update node", "parent_id", "position", "status", "published_at"); err != nil {
			return err
		}
		return s.Append(ctx, evts...)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(n.Translations, func(a, b NodeTranslation) int { return strings.Compare(a.Locale, b.Locale) })
	return n, nil
}

// TransitionNode moves the tenant's node through the workflow: draft → published (node.published;
// needs a title and slug in the tenant's default locale; sets published_at), published →
// archived (node.archived), published → draft (node.unpublished; clears published_at), archived
// → draft (node.updated with status archived → draft, the catalog having no event of its own).
// Anything else is a *ValidationError on "status".
func (s *Store) TransitionNode(ctx context.Context, tenant *Tenant, id uuid.UUID, to string) (*Node, error) {
	ctx = events.WithTenant(ctx, tenant.ID)
	var n *Node
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if n, err = s.lockNode(ctx, tenant.ID, id); err != nil {
			return err
		}
		return s.transitionLocked(ctx, tenant, n, to)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// transitionLocked applies TransitionNode's rules to a node locked by lockNode or lockNodes and
// appends its event. A refused move is a *ValidationError returned before anything is written.
func (s *Store) transitionLocked(ctx context.Context, tenant *Tenant, n *Node, to string) error {
	ev, err := s.move(tenant, n, to)
	if err != nil {
		return err
	}
	if err := s.saveVersioned(ctx, n, "move node to "+to, "status", "published_at"); err != nil {
		return err
	}
	return s.Append(ctx, ev)
}

// move applies a workflow move to n in memory (status, published_at) and returns its event, or
// refuses it with a *ValidationError; the caller writes the node.
func (s *Store) move(tenant *Tenant, n *Node, to string) (events.Event, error) {
	from := n.Status
	if _, err := NodeWorkflow.Move(from, to); err != nil {
		return nil, err
	}
	ref := events.NodeRef{NodeID: n.ID}
	var ev events.Event
	switch {
	case to == NodePublished:
		tr := n.Translation(tenant.DefaultLocale)
		if tr == nil || tr.Title == "" || tr.Slug == "" {
			return nil, &ValidationError{Fields: map[string]string{
				"status": "Add a title and slug in " + tenant.DefaultLocale + " before publishing.",
				translationField(tenant.DefaultLocale, "title"): "A title in the default locale is required to publish.",
			}}
		}
		now := s.db.NowFunc()
		n.PublishedAt = &now
		ev = &events.NodePublished{NodeRef: ref}
	case to == NodeArchived:
		ev = &events.NodeArchived{NodeRef: ref}
	case from == NodePublished: // → draft
		n.PublishedAt = nil
		ev = &events.NodeUnpublished{NodeRef: ref}
	default: // archived → draft
		n.PublishedAt = nil
		ev = &events.NodeUpdated{NodeRef: ref, Changes: events.Changes{}.Diff("status", from, to)}
	}
	n.Status = to
	return ev, nil
}

// DeleteNode removes the tenant's node with its translations (node.deleted). Its subpages move
// to the top level, each with node.updated (parent_id old → "").
func (s *Store) DeleteNode(ctx context.Context, tenant *Tenant, id uuid.UUID) error {
	ctx = events.WithTenant(ctx, tenant.ID)
	return s.WithTx(ctx, func(ctx context.Context) error {
		n, err := s.lockNode(ctx, tenant.ID, id)
		if err != nil {
			return err
		}
		return s.deleteLocked(ctx, tenant.ID, n)
	})
}

// deleteLocked applies DeleteNode to a node locked by lockNode or lockNodes.
func (s *Store) deleteLocked(ctx context.Context, tenantID uuid.UUID, n *Node) error {
	var children []uuid.UUID
	if err := s.Conn(ctx).Model(&Node{}).Where("tenant_id = ? AND parent_id = ?", tenantID, n.ID).Order("id").Pluck("id", &children).Error; err != nil {
		return translate(err, "subpages")
	}
	var evts []events.Event
	if len(children) > 0 {
		// The subpages' editors must see this too: their parent changed under them.
		err := s.Conn(ctx).Model(&Node{}).Where("id IN ?", children).
			Updates(map[string]any{"parent_id": nil, "updated_at": s.db.NowFunc(), "version": gorm.Expr("version + 1")}).Error
		if err != nil {
			return translate(err, "detach subpages")
		}
		for _, c := range children {
			evts = append(evts, &events.NodeUpdated{NodeRef: events.NodeRef{NodeID: c},
				Changes: events.Changes{}.Diff("parent_id", n.ID.String(), "")})
		}
	}
	if err := s.Conn(ctx).Delete(&Node{}, "id = ?", n.ID).Error; err != nil {
		return translate(err, "delete node")
	}
	return s.Append(ctx, append(evts, &events.NodeDeleted{NodeRef: events.NodeRef{NodeID: n.ID}})...)
}

// NodeByID returns the tenant's node with its translations ordered by locale. Another tenant's
// node is ErrNotFound.
func (s *Store) NodeByID(ctx context.Context, tenantID, id uuid.UUID) (*Node, error) {
	var n Node
	err := s.Conn(ctx).Preload("Translations", func(db *gorm.DB) *gorm.DB { return db.Order("locale") }).
		Where("tenant_id = ? AND id = ?", tenantID, id).Take(&n).Error
	if err != nil {
		return nil, translate(err, "node "+id.String())
	}
	return &n, nil
}

// lockNode loads the node for a change inside a transaction, locking its row on PostgreSQL so
// concurrent edits of one node queue (SQLite already has a single writer).
func (s *Store) lockNode(ctx context.Context, tenantID, id uuid.UUID) (*Node, error) {
	if s.dialect == migrations.Postgres {
		var locked Node
		err := s.Conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").
			Where("tenant_id = ? AND id = ?", tenantID, id).Take(&locked).Error
		if err != nil {
			return nil, translate(err, "node "+id.String())
		}
	}
	return s.NodeByID(ctx, tenantID, id)
}

// lockNodes loads the tenant's nodes among ids for a change inside a transaction, with their
// translations ordered by locale, keyed by id; ids of other tenants or of no node are absent.
// On PostgreSQL it locks the rows in id order, so two bulk changes over overlapping nodes queue
// instead of deadlocking.
func (s *Store) lockNodes(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Node, error) {
	if s.dialect == migrations.Postgres {
		var locked []uuid.UUID
		err := s.Conn(ctx).Model(&Node{}).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("tenant_id = ? AND id IN ?", tenantID, ids).Order("id").Pluck("id", &locked).Error
		if err != nil {
			return nil, translate(err, "lock nodes")
		}
	}
	var nodes []Node
	err := s.Conn(ctx).Preload("Translations", func(db *gorm.DB) *gorm.DB { return db.Order("locale") }).
		Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&nodes).Error
	if err != nil {
		return nil, translate(err, "load nodes")
	}
	out := make(map[uuid.UUID]*Node, len(nodes))
	for i := range nodes {
		out[nodes[i].ID] = &nodes[i]
	}
	return out, nil
}
