package nodes

import (
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// ListSort is the node list's sort map: updated (newest first) by default; updated and
// published run descending unless a direction is given.
var ListSort = components.Sort{Default: models.NodeSortUpdated, Desc: []string{models.NodeSortUpdated, models.NodeSortPublished}}

// List is one page of the tenant's nodes with what produced it and what the viewer may do.
type List struct {
	Tenant     *models.Tenant
	Authors    []models.NodeAuthor
	Query      components.ListState
	Page       models.NodeListPage
	CanCreate  bool
	CanExport  bool // the Export CSV button (a job: nodes:export)
	CanPublish bool
	CanDelete  bool
	BulkError  string // why the last bulk action could not start
	CSRF       string // the token the bulk form posts with
}

// Filtered reports whether anything narrows the list.
func (l List) Filtered() bool { return l.Query.Filtered("q", "kind", "status", "locale", "author") }

// Actions are the bulk actions the viewer may take, in the order of the bar.
func (l List) Actions() []components.BulkAction {
	var out []components.BulkAction
	if l.CanPublish {
		out = append(out,
			components.BulkAction{Key: models.NodePublished, Label: "Publish", URL: BulkStatusURL(l.Tenant.Slug), Name: "to", Value: models.NodePublished, TestID: "bulk-publish"},
			components.BulkAction{Key: models.NodeArchived, Label: "Archive", URL: BulkStatusURL(l.Tenant.Slug), Name: "to", Value: models.NodeArchived, TestID: "bulk-archive"})
	}
	if l.CanDelete {
		out = append(out, components.BulkAction{Key: "delete", Label: "Delete", URL: BulkDeleteURL(l.Tenant.Slug), Danger: true, TestID: "bulk-delete"})
	}
	return out
}

// RowActions are the keys of the bulk actions (of l.Actions(), computed once per table) a
// row can take: what static/app.js enables.
func (l List) RowActions(actions []components.BulkAction, r *models.NodeRow) []string {
	out := make([]string, 0, len(actions))
	for _, a := range actions {
		// Can first: NodeMoveBlocker words a refusal, and most rows cannot make most moves.
		if a.Key == "delete" || models.NodeWorkflow.Can(r.Status, a.Key) && models.NodeMoveBlocker(l.Tenant, *r, a.Key) == "" {
			out = append(out, a.Key)
		}
	}
	return out
}

// Bulk is the confirmation of a bulk action: which nodes, what will happen to them.
type Bulk struct {
	Tenant *models.Tenant
	Action string // "status" or "delete"
	To     string // the target status of a status action
	Nodes  []models.NodeRow
	Back   string
}

// Verb is the action's button label.
func (b Bulk) Verb() string {
	if b.Action == "delete" {
		return "Delete"
	}
	return BulkVerb(b.To)
}

// Question names the action and how many items it affects.
func (b Bulk) Question() string { return b.Verb() + " " + Count(len(b.Nodes)) + "?" }

// URL is where the confirmed action posts.
func (b Bulk) URL() string {
	if b.Action == "delete" {
		return BulkDeleteURL(b.Tenant.Slug)
	}
	return BulkStatusURL(b.Tenant.Slug)
}

// Confirm is the confirmation step of the generic bulk component: each node, and why it will
// be skipped if it will.
func (b Bulk) Confirm(csrf string) components.BulkConfirm {
	c := components.BulkConfirm{Verb: b.Verb(), URL: b.URL(), Back: b.Back, CSRF: csrf, Danger: b.Action == "delete",
		One: "item", Many: "items", Done: BulkDone(b.To)}
	if b.Action == "delete" {
		c.Done = "deleted"
	} else {
		c.Hidden = [][2]string{{"to", b.To}}
	}
	for i := range b.Nodes {
		n := &b.Nodes[i]
		item := components.BulkItem{ID: n.ID.String(), Title: rowTitle(n), Detail: KindLabel(n.Kind), Badge: StatusBadge(n.Status)}
		if b.Action != "delete" {
			item.Blocker = models.NodeMoveBlocker(b.Tenant, *n, b.To)
		}
		c.Items = append(c.Items, item)
	}
	return c
}
