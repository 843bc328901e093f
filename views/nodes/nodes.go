// Package nodes holds the content pages of a tenant: the list of posts and pages with its
// filters and bulk actions, the create and edit form with a tab per locale, the Markdown
// preview, the bulk confirmation and the node's history panel.
package nodes

import (
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
)

// ListURL is the node list of the tenant.
func ListURL(slug string) string { return paths.URL(paths.Nodes, slug) }

// ExportURL starts an export of the content list as filtered.
func ExportURL(slug string) string { return paths.URL(paths.NodesExport, slug) }

// NewURL is the create form; kind preselects post or page.
func NewURL(slug, kind string) string {
	if kind == "" {
		return paths.URL(paths.NodeNew, slug)
	}
	return paths.URL(paths.NodeNew, slug) + "?kind=" + url.QueryEscape(kind)
}

// NodeURL is the page of one node.
func NodeURL(slug string, id uuid.UUID) string { return paths.URL(paths.Node, slug, id.String()) }

// PreviewURL renders Markdown on the server.
func PreviewURL(slug string) string { return paths.URL(paths.NodePreview, slug) }

// BulkStatusURL moves a selection of nodes to another status.
func BulkStatusURL(slug string) string { return paths.URL(paths.NodesBulkStatus, slug) }

// BulkDeleteURL deletes a selection of nodes.
func BulkDeleteURL(slug string) string { return paths.URL(paths.NodesBulkDelete, slug) }

// KindLabel is how a kind reads in the interface.
func KindLabel(kind string) string {
	switch kind {
	case models.NodePost:
		return "Post"
	case models.NodePage:
		return "Page"
	}
	return kind
}

// StatusVerb is the button label of a move to status to from status from (models.NodeWorkflow).
func StatusVerb(from, to string) string {
	if m, err := models.NodeWorkflow.Move(from, to); err == nil {
		return m.Verb
	}
	return to
}

// StatusDone says what a move did, for flash messages: "published", "archived"…
func StatusDone(from, to string) string {
	if m, err := models.NodeWorkflow.Move(from, to); err == nil {
		return m.Done
	}
	return to
}

// BulkDone says what a bulk move to status to did, from whatever status each node had.
func BulkDone(to string) string {
	if m, ok := models.NodeWorkflow.Into(to); ok {
		return m.Done
	}
	return to
}

// BulkVerb is how a bulk move reads: "Publish", "Archive", "Move to draft".
func BulkVerb(to string) string {
	switch to {
	case models.NodePublished:
		return "Publish"
	case models.NodeArchived:
		return "Archive"
	case models.NodeDraft:
		return "Move to draft"
	}
	return to
}

// Count is "1 item" or "n items".
func Count(n int) string {
	if n == 1 {
		return "1 item"
	}
	return strconv.Itoa(n) + " items"
}

// AuthorLabel is the author's name, or their email when they have none.
func AuthorLabel(name, email string) string {
	if name != "" {
		return name
	}
	if email != "" {
		return email
	}
	return "unknown"
}

// TitleOf is the node's title in locale, falling back to any other translation.
func TitleOf(n *models.Node, locale string) string {
	if tr := n.Translation(locale); tr != nil && tr.Title != "" {
		return tr.Title
	}
	for _, tr := range n.Translations {
		if tr.Title != "" {
			return tr.Title
		}
	}
	return "Untitled " + n.Kind
}

func itoa(n int) string { return strconv.Itoa(n) }

// Chars is "1 character" or "n characters".
func Chars(n int) string {
	if n == 1 {
		return "1 character"
	}
	return strconv.Itoa(n) + " characters"
}
