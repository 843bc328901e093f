package nodes

import (
	"net/url"
	"sort"
	"strings"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
)

// TranslationForm is one locale's fields as typed.
type TranslationForm struct {
	Locale  string
	Title   string
	Slug    string
	Excerpt string
	Body    string
	Preview string // the body rendered and sanitised (internal/markdown), shown until the first edit
}

// Filled reports whether the translation is filled in: it has a title (a translation the model
// stores always has one). Its locale tab says so; static/app.js keeps the tab saying so as the
// title is typed, by the same rule.
func (tr TranslationForm) Filled() bool { return strings.TrimSpace(tr.Title) != "" }

// Form is the node form as typed, with one message per bad field, keyed as the model reports
// them: kind, parent_id, position, status, translations.<locale>.<field>.
type Form struct {
	Kind         string
	ParentID     string
	Position     string
	Translations []TranslationForm // one per tenant locale, default first
	components.FormState
}

// ParentOption is a page a page can be placed under.
type ParentOption struct {
	ID    string
	Title string
}

// Edit is the create form (Node nil) or one node's page.
type Edit struct {
	Schedule      components.Schedule // publish-at / unpublish-at; URL "" when not shown
	Slug          string              // the open tenant
	Node          *models.Node
	Form          Form
	DefaultLocale string
	Parents       []ParentOption
	Author        string
	CanList       bool // may open the content list (the "← All content" link)
	CanUpdate     bool // may save the form (nodes:create for a new node, nodes:update otherwise)
	CanPublish    bool
	CanDelete     bool
	Tab           string // the locale tab asked for (?tab=, or the preview of a locale); "" for the default
	CSRF          string
}

// Unsaved reports whether the form holds input a save refused, so leaving the page asks first
// even before anything is typed again (static/app.js).
func (e Edit) Unsaved() bool { return e.Form.Unsaved() }

// Result is the page's one result banner for the form: a refusal lists what has no field (a
// refused workflow move), then every field's message with its locale (ErrorSummary), as the
// fields may sit on tabs out of sight.
func (e Edit) Result() components.Flash {
	r := e.Form.Result
	if e.Form.Invalid() {
		r.Details = append(append([]string(nil), r.Details...), e.ErrorSummary()...)
	}
	return r
}

// ShowsParent reports whether the form has the page-only fields, parent and position: on create
// (the kind is chosen there, and CSS hides them while it is "post") and for pages.
func (e Edit) ShowsParent() bool { return e.IsNew() || e.Form.Kind == models.NodePage }

// ShowsPosition reports whether the form has the position field: where it has the parent, and
// on a post whose posted position was refused, so the error is never hidden.
func (e Edit) ShowsPosition() bool { return e.ShowsParent() || e.Err("position") != "" }

// IsNew reports whether this is the create form.
func (e Edit) IsNew() bool { return e.Node == nil }

// Action is where the form posts.
func (e Edit) Action() string {
	if e.IsNew() {
		return ListURL(e.Slug)
	}
	return NodeURL(e.Slug, e.Node.ID)
}

// Title is the page heading.
func (e Edit) Title() string {
	if e.IsNew() {
		return "New " + strings.ToLower(KindLabel(e.Form.Kind))
	}
	return TitleOf(e.Node, e.DefaultLocale)
}

// Err is the message of a field.
func (e Edit) Err(field string) string { return e.Form.Errors[field] }

// TrErr is the message of a translation's field.
func (e Edit) TrErr(locale, field string) string {
	return e.Form.Errors["translations."+locale+"."+field]
}

// LocaleHasError reports whether any field of the locale is wrong.
func (e Edit) LocaleHasError(locale string) bool {
	prefix := "translations." + locale + "."
	for k := range e.Form.Errors {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// ActiveLocale is the tab shown first: the first locale with an error, else the one asked
// for, else the default.
func (e Edit) ActiveLocale() string {
	for _, tr := range e.Form.Translations {
		if e.LocaleHasError(tr.Locale) {
			return tr.Locale
		}
	}
	for _, tr := range e.Form.Translations {
		if tr.Locale == e.Tab {
			return e.Tab
		}
	}
	return e.DefaultLocale
}

// TabURL is where a locale tab links: the same page with that tab open, so every tab is
// reachable without JavaScript (static/app.js switches tabs in place instead).
func (e Edit) TabURL(locale string) string {
	base := ListURL(e.Slug) + "/new"
	if !e.IsNew() {
		base = NodeURL(e.Slug, e.Node.ID)
	}
	return base + "?" + url.Values{"tab": {locale}}.Encode() + "#tab-" + locale
}

// fieldLabels name the node's own fields in the error summary.
var fieldLabels = map[string]string{"kind": "Kind", "parent_id": "Parent page", "position": "Position", "status": "Status", "translations": "Translations"}

// ErrorSummary lists every message, fields of the node first, then by locale, for the result
// banner (it also names locales that have no tab, such as an unknown one).
func (e Edit) ErrorSummary() []string {
	keys := make([]string, 0, len(e.Form.Errors))
	for k := range e.Form.Errors {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ti, tj := strings.HasPrefix(keys[i], "translations."), strings.HasPrefix(keys[j], "translations.")
		if ti != tj {
			return !ti
		}
		return keys[i] < keys[j]
	})
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		label := fieldLabels[k]
		if rest, ok := strings.CutPrefix(k, "translations."); ok {
			loc, field, _ := strings.Cut(rest, ".")
			if field == "" {
				field = "translation"
			}
			label = strings.ToUpper(field[:1]) + field[1:] + " (" + loc + ")"
		}
		if label == "" {
			label = k
		}
		out = append(out, label+": "+e.Form.Errors[k])
	}
	return out
}

// Transitions lists the workflow moves of the node's status, in button order.
func (e Edit) Transitions() []string {
	if e.Node == nil {
		return nil
	}
	var out []string
	for _, m := range models.NodeWorkflow.From(e.Node.Status) {
		out = append(out, m.To)
	}
	return out
}

// StatusURL moves the node through the workflow.
func (e Edit) StatusURL() string { return paths.URL(paths.NodeStatus, e.Slug, e.Node.ID.String()) }

// DeleteURL deletes the node.
func (e Edit) DeleteURL() string { return paths.URL(paths.NodeDelete, e.Slug, e.Node.ID.String()) }

// HistoryURL is the fragment with the node's events.
func (e Edit) HistoryURL() string { return paths.URL(paths.NodeHistory, e.Slug, e.Node.ID.String()) }

// FormFor fills the form with a node's stored values, one translation per tenant locale.
func FormFor(n *models.Node, locales []string) Form {
	f := Form{Kind: n.Kind, Position: itoa(n.Position), FormState: components.FormState{Version: n.Version}}
	if n.ParentID != nil {
		f.ParentID = n.ParentID.String()
	}
	for _, loc := range locales {
		tf := TranslationForm{Locale: loc}
		if tr := n.Translation(loc); tr != nil {
			tf = TranslationForm{Locale: loc, Title: tr.Title, Slug: tr.Slug, Excerpt: tr.Excerpt, Body: tr.Body}
		}
		f.Translations = append(f.Translations, tf)
	}
	return f
}

// fieldID is the HTML id of a translation's field.
func fieldID(locale, field string) string { return "tr-" + locale + "-" + field }

// fieldName is the form name of a translation's field: t.<locale>.<field>.
func fieldName(locale, field string) string { return "t." + locale + "." + field }

// parentSelected reports whether the current parent is among the options.
func parentSelected(opts []ParentOption, id string) bool {
	for _, o := range opts {
		if o.ID == id {
			return true
		}
	}
	return false
}

// isSelf reports whether a parent option is the node itself.
func (e Edit) isSelf(id string) bool { return e.Node != nil && e.Node.ID.String() == id }

// SameContent reports whether two states of a node have the same parent, position and
// translations: a workflow button that saved nothing says only what it moved.
func SameContent(a, b *models.Node) bool {
	if (a.ParentID == nil) != (b.ParentID == nil) || (a.ParentID != nil && *a.ParentID != *b.ParentID) ||
		a.Position != b.Position || len(a.Translations) != len(b.Translations) {
		return false
	}
	for _, ta := range a.Translations {
		tb := b.Translation(ta.Locale)
		if tb == nil || ta.Title != tb.Title || ta.Slug != tb.Slug || ta.Excerpt != tb.Excerpt || ta.Body != tb.Body {
			return false
		}
	}
	return true
}
