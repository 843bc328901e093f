package catalogcsv

import (
	"strconv"
	"time"

	"github.com/rustok/rustok-admin/models"
)

// The content export's columns: one row per translation of a node, the node's own columns on
// each of them. Node ID ties a node's rows together (slugs differ per locale); Parent ID names
// a page's parent.
var contentColumns = []string{"Node ID", "Kind", "Status", "Parent ID", "Position", "Published At", "Locale", "Title", "Slug", "Excerpt", "Body (Markdown)"}

// ContentHeader is the content export's header row.
func ContentHeader() []string { return append([]string(nil), contentColumns...) }

// ContentRows are the CSV rows of one node: a row per translation, in locale order.
func ContentRows(n *models.Node) [][]string {
	parent, published := "", ""
	if n.ParentID != nil {
		parent = n.ParentID.String()
	}
	if n.PublishedAt != nil {
		published = n.PublishedAt.UTC().Format(time.RFC3339)
	}
	rows := make([][]string, 0, len(n.Translations))
	for _, tr := range n.Translations {
		rows = append(rows, []string{n.ID.String(), n.Kind, n.Status, parent, strconv.Itoa(n.Position), published,
			tr.Locale, Text(tr.Title), Text(tr.Slug), Text(tr.Excerpt), Text(tr.Body)})
	}
	return rows
}
