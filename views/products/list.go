package products

import (
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// ListSort is the product list's sort map: updated (newest first) by default.
var ListSort = components.Sort{Default: models.ProductSortUpdated, Desc: []string{models.ProductSortUpdated}}

// List is one page of the tenant's products with what produced it and what the viewer may do.
type List struct {
	Tenant     *models.Tenant
	Vendors    []string
	Types      []string
	Query      components.ListState
	Page       models.ProductListPage
	CanCreate  bool
	CanExport  bool // the Export CSV button (a job: products:export)
	CanImport  bool // the Import CSV link (products:import)
	CanPublish bool
	CanDelete  bool
	CanUpdate  bool // prices: the bulk price change
	BulkError  string
	CSRF       string
}

// Filtered reports whether anything narrows the list.
func (l List) Filtered() bool { return l.Query.Filtered("q", "status", "vendor", "type", "stock") }

// Actions are the bulk actions the viewer may take.
func (l List) Actions() []components.BulkAction {
	var out []components.BulkAction
	if l.CanPublish {
		out = append(out,
			components.BulkAction{Key: models.ProductActive, Label: "Activate", URL: BulkStatusURL(l.Tenant.Slug), Name: "to", Value: models.ProductActive, TestID: "bulk-activate"},
			components.BulkAction{Key: models.ProductArchived, Label: "Archive", URL: BulkStatusURL(l.Tenant.Slug), Name: "to", Value: models.ProductArchived, TestID: "bulk-archive"})
	}
	if l.CanUpdate {
		out = append(out, components.BulkAction{Key: "price", Label: "Change prices", URL: BulkPriceURL(l.Tenant.Slug), TestID: "bulk-price"})
	}
	if l.CanDelete {
		out = append(out, components.BulkAction{Key: "delete", Label: "Delete", URL: BulkDeleteURL(l.Tenant.Slug), Danger: true, TestID: "bulk-delete"})
	}
	return out
}

// RowActions are the keys of the bulk actions a row can take.
func (l List) RowActions(actions []components.BulkAction, r *models.ProductRow) []string {
	out := make([]string, 0, len(actions))
	for _, a := range actions {
		if a.Key == "delete" || a.Key == "price" || models.ProductWorkflow.Can(r.Status, a.Key) {
			out = append(out, a.Key)
		}
	}
	return out
}

func options(any string, values []string) []components.Option {
	out := []components.Option{{"", any}}
	for _, v := range values {
		out = append(out, components.Option{v, v})
	}
	return out
}

func rowTitle(r *models.ProductRow) string {
	if r.Title == "" {
		return "Untitled product"
	}
	return r.Title
}

// Bulk is the confirmation of a bulk action over products.
type Bulk struct {
	Tenant   *models.Tenant
	Action   string // "status" or "delete"
	To       string
	Products []models.ProductRow
	Back     string
}

// Verb is the action's button label.
func (b Bulk) Verb() string {
	switch {
	case b.Action == "delete":
		return "Delete"
	case b.To == models.ProductActive:
		return "Activate"
	case b.To == models.ProductArchived:
		return "Archive"
	}
	return "Move to draft"
}

// Question names the action and how many products it affects.
func (b Bulk) Question() string {
	return b.Verb() + " " + components.Count(len(b.Products), "product", "products") + "?"
}

// Confirm is the confirmation step of the generic bulk component.
func (b Bulk) Confirm(csrf string, blocker func(models.ProductRow) string) components.BulkConfirm {
	c := components.BulkConfirm{Verb: b.Verb(), URL: BulkStatusURL(b.Tenant.Slug), Back: b.Back, CSRF: csrf,
		Danger: b.Action == "delete", One: "product", Many: "products", Done: BulkDone(b.To)}
	if b.Action == "delete" {
		c.URL, c.Done = BulkDeleteURL(b.Tenant.Slug), "deleted"
	} else {
		c.Hidden = [][2]string{{"to", b.To}}
	}
	for i := range b.Products {
		r := &b.Products[i]
		item := components.BulkItem{ID: r.ID.String(), Title: rowTitle(r), Detail: components.Count(r.Variants, "variant", "variants"), Badge: StatusBadge(r.Status)}
		if b.Action != "delete" && blocker != nil {
			item.Blocker = blocker(*r)
		}
		c.Items = append(c.Items, item)
	}
	return c
}

// BulkDone says what a bulk move did.
func BulkDone(to string) string {
	if m, ok := models.ProductWorkflow.Into(to); ok {
		return m.Done
	}
	return to
}
