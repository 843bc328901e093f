package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/markdown"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/layouts"
	nodeviews "github.com/rustok/rustok-admin/views/nodes"
)

// nodesPage is the shell of the content pages.
func (a *App) nodesPage(c *fiber.Ctx, title string) layouts.Page {
	pg := a.pageFor(c, title)
	pg.Section = "nodes"
	return pg
}

// tenantLocales returns the tenant's locales with the default first.
func tenantLocales(t *models.Tenant) []string {
	out := []string{t.DefaultLocale}
	for _, l := range t.Locales {
		if l != t.DefaultLocale {
			out = append(out, l)
		}
	}
	return out
}

// nodesList renders one page of the tenant's posts and pages. An htmx search, filter, sort or
// page change gets only #nodes-table (with the sort state out of band).
func (a *App) nodesList(c *fiber.Ctx) error {
	return a.renderNodesList(c, fiber.StatusOK, query(c), "")
}

// renderNodesList runs the list query read through get; bulkError is shown above the table.
func (a *App) renderNodesList(c *fiber.Ctx, status int, get func(string) string, bulkError string) error {
	t := currentTenant(c)
	lp := readList("nodes", nodeviews.ListURL(t.Slug), get)
	q := nodeQuery(lp, t)
	q.Counts = a.summaries // the count of a filter is kept until the tenant's next event
	l := nodeviews.List{Tenant: t, Query: lp.done(), BulkError: bulkError,
		CanCreate: a.may(c, t, p("nodes", "create")), CanExport: a.may(c, t, p("nodes", "export")), CanPublish: a.may(c, t, p("nodes", "publish")),
		CanDelete: a.may(c, t, p("nodes", "delete"))}
	l.CSRF = a.csrfToken(c)
	if !l.Query.Invalid() {
		pg, err := a.listNodes(c, t, q)
		switch {
		case lp.refused(err, &l.Query):
		case err != nil:
			return err
		default:
			l.Page = pg
			atPage(&l.Query, pg.Page)
		}
	}
	if !wantsFragment(c) {
		authors, err := a.users.Authors(ctx(c), t.ID)
		if err != nil {
			return err
		}
		l.Authors = authors
	}
	return renderList(c, status, l.Query, nodeviews.ListPage(a.nodesPage(c, "Content"), l), nodeviews.NodesTable(l, true))
}

// listNodes reads one page of the node list through the per-process summary cache: a page is
// kept until the tenant's next event (or a user's rename) or for summary.MaxAge, so a signed-in
// list GET usually sends no statement. The request right after this user's own write (it ends in
// a flash redirect, perhaps to another process that has not heard the event yet) reads the
// database (and keeps what it read), so you always see your own change. Refusals
// (*ValidationError) are not kept.
func (a *App) listNodes(c *fiber.Ctx, t *models.Tenant, q models.NodeQuery) (models.NodeListPage, error) {
	get := a.summaries.Get
	if s, err := a.session(c); err != nil || s.FlashMsg != "" {
		get = a.summaries.Refresh
	}
	v, err := get(ctx(c), t.ID, "nodes:"+nodeQueryKey(q), func(ctx context.Context) (any, error) {
		return a.store.ListNodes(ctx, t, q)
	})
	if err != nil {
		return models.NodeListPage{}, err
	}
	return v.(models.NodeListPage), nil
}

// nodeQueryKey names everything of q that decides the page (not the count cache).
func nodeQueryKey(q models.NodeQuery) string {
	cursor := ""
	if q.Cursor != nil {
		cursor = q.Cursor.Encode()
	}
	return fmt.Sprintf("%q|%s|%s|%s|%s|%v|%s|%t|%d|%s|%d|%d", q.Search, q.Kind, q.Status, q.Locale, q.AuthorID, q.IDs,
		q.Sort, q.Desc, q.Page, cursor, q.PerPage, q.CountUpTo)
}

// nodeQuery declares the node list's filters, sort map and paging.
func nodeQuery(lp *listParams, t *models.Tenant) models.NodeQuery {
	q := models.NodeQuery{
		Search: lp.text("q", models.MaxNodeTitle),
		Kind:   lp.oneOf("kind", []string{models.NodePost, models.NodePage}, "Kind must be post or page."),
		Status: lp.oneOf("status", []string{models.NodeDraft, models.NodePublished, models.NodeArchived}, "Status must be draft, published or archived."),
	}
	q.Locale = lp.oneOf("locale", t.Locales, "“"+strings.TrimSpace(lp.get("locale"))+"” is not one of this tenant's languages.")
	q.AuthorID = lp.id("author", "This author link is broken. Choose the author from the list.")
	q.Sort, q.Desc = lp.sort(models.NodeSorts, nodeviews.ListSort.Default, nodeviews.ListSort.Desc...)
	q.Page, q.PerPage = lp.offset(models.MaxNodesPerPage)
	q.Cursor = lp.cursor(q.Sort, q.Desc)
	return q
}

// nodeNew renders the empty create form; ?kind=page preselects a page.
func (a *App) nodeNew(c *fiber.Ctx) error {
	t := currentTenant(c)
	kind := c.Query("kind")
	if kind != models.NodePage {
		kind = models.NodePost
	}
	f := nodeviews.Form{Kind: kind, Position: "0"}
	for _, loc := range tenantLocales(t) {
		f.Translations = append(f.Translations, nodeviews.TranslationForm{Locale: loc})
	}
	return a.renderNodeEdit(c, fiber.StatusOK, nil, func(e *nodeviews.Edit) { e.Form = f })
}

// parseNodeForm reads the posted form: the node's fields and one translation per locale that
// appears in a t.<locale>.<field> name. Locales the tenant does not have are passed on, so the
// model names them; the form shows the tenant's locales only.
func parseNodeForm(c *fiber.Ctx, t *models.Tenant) (nodeviews.Form, models.NodeInput) {
	v := func(k string) string { return strings.Clone(c.FormValue(k)) }
	f := nodeviews.Form{Kind: strings.TrimSpace(v("kind")), ParentID: strings.TrimSpace(v("parent_id")), Position: strings.TrimSpace(v("position"))}
	in := models.NodeInput{Kind: f.Kind}
	errs := map[string]string{}
	if f.ParentID != "" {
		id, err := uuid.Parse(f.ParentID)
		if err != nil {
			errs["parent_id"] = "Choose a page of this tenant as the parent."
		} else {
			in.ParentID = &id
		}
	}
	if f.Position != "" {
		n, err := strconv.Atoi(f.Position)
		if err != nil || n > 1_000_000 {
			errs["position"] = "Position must be a whole number from 0 to 1000000."
		} else {
			in.Position = n
		}
	}
	posted := map[string]*models.TranslationInput{}
	var order []string
	formOf(c).visitAll(func(key, value string) {
		rest, ok := strings.CutPrefix(string(key), "t.")
		if !ok {
			return
		}
		i := strings.LastIndexByte(rest, '.')
		if i <= 0 {
			return
		}
		loc, field := rest[:i], rest[i+1:]
		tr := posted[loc]
		if tr == nil {
			tr = &models.TranslationInput{Locale: loc}
			posted[loc] = tr
			order = append(order, loc)
		}
		val := value
		switch field {
		case "title":
			tr.Title = val
		case "slug":
			tr.Slug = val
		case "excerpt":
			tr.Excerpt = val
		case "body":
			tr.Body = val
		}
	})
	for _, loc := range tenantLocales(t) {
		tf := nodeviews.TranslationForm{Locale: loc}
		if tr := posted[loc]; tr != nil {
			tf = nodeviews.TranslationForm{Locale: loc, Title: tr.Title, Slug: tr.Slug, Excerpt: tr.Excerpt, Body: tr.Body}
		}
		f.Translations = append(f.Translations, tf)
	}
	for _, loc := range order {
		in.Translations = append(in.Translations, *posted[loc])
	}
	for k, m := range errs {
		f.Fail(k, m)
	}
	return f, in
}

// nodeCreatePost creates a draft by the signed-in user. Bad input re-renders the form with 422,
// everything typed kept and each bad field marked; nothing is saved.
func (a *App) nodeCreatePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	if locale := c.FormValue("preview"); locale != "" {
		return a.nodePreviewPage(c, nil, locale)
	}
	f, in := parseNodeForm(c, t)
	if f.Kind != models.NodePage {
		in.Kind, f.Kind = models.NodePost, models.NodePost
		if k := strings.TrimSpace(c.FormValue("kind")); k != "" && k != models.NodePost {
			f.Fail("kind", "Choose post or page.")
		}
	}
	if f.Invalid() {
		return a.renderNodeForm(c, fiber.StatusUnprocessableEntity, nil, f)
	}
	n, err := a.store.CreateNode(ctx(c), t, currentUser(c).ID, in)
	if st, ok := refusal(err, nodeFields); ok {
		f.FormState = st
		return a.renderNodeForm(c, fiber.StatusUnprocessableEntity, nil, f)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "node created", "node_id", n.ID.String(), "kind", n.Kind)
	return a.flashRedirect(c, "success", nodeviews.KindLabel(n.Kind)+" “"+nodeviews.TitleOf(n, t.DefaultLocale)+"” created as a draft.", nodeviews.NodeURL(t.Slug, n.ID))
}

// nodeFields are the fields of the node form: all but "status", the workflow move, which the
// result banner states on its own.
func nodeFields(field string) bool { return field != "status" }

// renderNodeForm answers a refused save — 422 for bad input, 409 when it was stale — with the
// form as typed: the #node-form fragment and the result banner for htmx, the whole page
// otherwise.
func (a *App) renderNodeForm(c *fiber.Ctx, status int, n *models.Node, f nodeviews.Form) error {
	if n != nil {
		f.Kind = n.Kind
	}
	return a.renderNodeEdit(c, status, n, func(e *nodeviews.Edit) { e.Form = f })
}

// renderNodeStale answers a save of the editor that models refused as stale: 409 and the form
// as typed, naming who changed what since it was loaded (renderStale). handled is false for
// any other error.
func (a *App) renderNodeStale(c *fiber.Ctx, err error, n *models.Node, f nodeviews.Form) (handled bool, _ error) {
	return a.renderStale(c, err, tenantLocales(currentTenant(c)), func(st components.Stale) error {
		f.StaleAt(st)
		return a.renderNodeForm(c, fiber.StatusConflict, n, f)
	})
}

// renderNodeEdit renders the create form (n nil) or the node's page, after edit adjusts it.
func (a *App) renderNodeEdit(c *fiber.Ctx, status int, n *models.Node, edit func(*nodeviews.Edit)) error {
	t := currentTenant(c)
	e := nodeviews.Edit{Slug: t.Slug, Node: n, DefaultLocale: t.DefaultLocale}
	e.CSRF = a.csrfToken(c)
	e.CanList = a.may(c, t, p("nodes", "list"))
	e.Tab = strings.Clone(c.Query("tab"))
	if n == nil {
		e.CanUpdate = a.may(c, t, p("nodes", "create"))
	} else {
		e.Form = nodeviews.FormFor(n, tenantLocales(t))
		e.CanUpdate = a.may(c, t, p("nodes", "update"))
		e.CanPublish = a.may(c, t, p("nodes", "publish"))
		e.CanDelete = a.may(c, t, p("nodes", "delete"))
		sched, err := a.scheduleCard(c, t, models.ScheduleNode, n.ID, paths.URL(paths.NodeSchedule, t.Slug, n.ID.String()), e.CanPublish, "Publish")
		if err != nil {
			return err
		}
		e.Schedule = sched
		author, err := a.store.UserByID(ctx(c), n.AuthorID)
		switch {
		case err == nil:
			e.Author = nodeviews.AuthorLabel(author.Name, author.Email)
		case errors.Is(err, models.ErrNotFound):
			e.Author = "a removed user"
		default:
			return err
		}
	}
	edit(&e)
	for i := range e.Form.Translations {
		if tr := &e.Form.Translations[i]; strings.TrimSpace(tr.Body) != "" && len(tr.Body) <= markdown.MaxSource {
			html, err := a.rendered.Render(tr.Body) // cached: the editor shows it on every GET
			if err != nil {
				return err
			}
			tr.Preview = string(html)
		}
	}
	if wantsFragment(c) && (status == fiber.StatusUnprocessableEntity || status == fiber.StatusConflict) {
		return render(c, status, nodeviews.FormAnswer(e))
	}
	if e.ShowsParent() { // three list queries per hundred pages: not for a post's page
		parents, err := a.parentOptions(c, t)
		if err != nil {
			return err
		}
		e.Parents = parents
	}
	return render(c, status, nodeviews.EditPage(a.nodesPage(c, e.Title()), e))
}

// maxParentOptions bounds the parent choices listed (by title); a current parent beyond them is
// still shown by id.
const maxParentOptions = 10 * models.MaxNodesPerPage

// parentOptions lists the tenant's pages by title for the parent select.
func (a *App) parentOptions(c *fiber.Ctx, t *models.Tenant) ([]nodeviews.ParentOption, error) {
	var out []nodeviews.ParentOption
	q := models.NodeQuery{Kind: models.NodePage, Sort: models.NodeSortTitle, PerPage: models.MaxNodesPerPage}
	for len(out) < maxParentOptions {
		pg, err := a.store.ListNodes(ctx(c), t, q)
		if err != nil {
			return nil, err
		}
		for _, r := range pg.Nodes {
			title := r.Title
			if title == "" {
				title = "Untitled page"
			}
			out = append(out, nodeviews.ParentOption{ID: r.ID.String(), Title: title})
		}
		if pg.Next == "" {
			break
		}
		next, err := models.ParseCursor(pg.Next)
		if err != nil {
			return nil, err
		}
		q.Cursor = &next
	}
	return out, nil
}

// nodeByParam returns the open tenant's node of the :id parameter. A malformed id and another
// tenant's node are both 404.
func (a *App) nodeByParam(c *fiber.Ctx) (*models.Node, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	n, err := a.store.NodeByID(ctx(c), currentTenant(c).ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return n, err
}

// nodeShow renders the node: the form (read-only without nodes:update), the workflow and the
// history.
func (a *App) nodeShow(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	return a.renderNodeEdit(c, fiber.StatusOK, n, func(*nodeviews.Edit) {})
}

// nodeUpdatePost saves the form. Bad input re-renders it with 422 and what was typed, a form
// loaded before someone else's save with 409; an unchanged form says so.
func (a *App) nodeUpdatePost(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	if locale := c.FormValue("preview"); locale != "" {
		return a.nodePreviewPage(c, n, locale)
	}
	t := currentTenant(c)
	updated, answered, err := a.saveNodeForm(c, n, t, "")
	if answered {
		return err
	}
	back := nodeviews.NodeURL(t.Slug, n.ID)
	if !updated.UpdatedAt.After(n.UpdatedAt) {
		return a.flashRedirect(c, "info", "Nothing changed, so there was nothing to save.", back)
	}
	return a.flashRedirect(c, "success", "Saved “"+nodeviews.TitleOf(updated, t.DefaultLocale)+"”.", back)
}

// nodeStatusPost moves the node through the workflow (form field to). The editor's workflow
// buttons submit its form with them: then the edits are saved with the move (nodeSaveAndMove).
// A refused move re-renders the page with 422 and the reason.
func (a *App) nodeStatusPost(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	to := strings.TrimSpace(c.FormValue("to"))
	if postedEdits(c) {
		return a.nodeSaveAndMove(c, n, to)
	}
	moved, err := a.store.TransitionNode(ctx(c), t, n.ID, to)
	if st, ok := refusal(err, nodeFields); ok {
		return a.renderNodeEdit(c, fiber.StatusUnprocessableEntity, n, func(e *nodeviews.Edit) {
			st.Version = e.Form.Version
			e.Form.FormState = st
		})
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "node moved", "node_id", n.ID.String(), "from", n.Status, "to", moved.Status)
	return a.flashRedirect(c, "success", "“"+nodeviews.TitleOf(moved, t.DefaultLocale)+"” "+nodeviews.StatusDone(n.Status, to)+".", nodeviews.NodeURL(t.Slug, n.ID))
}

// postedEdits reports whether the request carries the editor's fields: the workflow buttons of
// an editable form submit them (a read-only form's fields are disabled and send nothing).
func postedEdits(c *fiber.Ctx) bool {
	edits := false
	c.Request().PostArgs().VisitAll(func(key, _ []byte) {
		k := string(key)
		edits = edits || k == "position" || k == "parent_id" || strings.HasPrefix(k, "t.")
	})
	return edits
}

// nodeSaveAndMove saves the editor's form and moves the node to `to` in one transaction, so that
// Publish with unsaved edits publishes them rather than dropping them: both happen or neither.
// Saving needs nodes:update besides the route's nodes:publish; a stale form is refused with
// 409 as on Save.
func (a *App) nodeSaveAndMove(c *fiber.Ctx, n *models.Node, to string) error {
	t := currentTenant(c)
	if !a.may(c, t, p("nodes", "update")) {
		return fiber.NewError(fiber.StatusForbidden, "You may move this "+strings.ToLower(nodeviews.KindLabel(n.Kind))+
			" through the workflow but not change it. Reload the page and try again.")
	}
	moved, answered, err := a.saveNodeForm(c, n, t, to)
	if answered {
		return err
	}
	a.log.InfoContext(ctx(c), "node saved and moved", "node_id", n.ID.String(), "from", n.Status, "to", moved.Status)
	done := nodeviews.StatusDone(n.Status, to)
	if !nodeviews.SameContent(n, moved) {
		done = "saved and " + done
	}
	return a.flashRedirect(c, "success", "“"+nodeviews.TitleOf(moved, t.DefaultLocale)+"” "+done+".", nodeviews.NodeURL(t.Slug, n.ID))
}

// nodeDeletePost deletes the node with its translations; the page asked first.
func (a *App) nodeDeletePost(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	if err := a.store.DeleteNode(ctx(c), t, n.ID); err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "node deleted", "node_id", n.ID.String())
	return a.flashRedirect(c, "success", nodeviews.KindLabel(n.Kind)+" “"+nodeviews.TitleOf(n, t.DefaultLocale)+"” deleted.", nodeviews.ListURL(t.Slug))
}

// nodePreviewPage is the preview without JavaScript: the Refresh preview button of a locale
// submits the whole form, and the page comes back as typed, unsaved, with that locale's tab open
// and every body rendered beside its field (renderNodeEdit renders the previews).
func (a *App) nodePreviewPage(c *fiber.Ctx, n *models.Node, locale string) error {
	f, _ := parseNodeForm(c, currentTenant(c))
	f.FormState = components.FormState{} // nothing is saved, so nothing is refused yet
	if n != nil {
		f.Kind = n.Kind
		f.Version = *formVersion(c)
	} else if f.Kind != models.NodePage {
		f.Kind = models.NodePost
	}
	locale = strings.Clone(locale)
	return a.renderNodeEdit(c, fiber.StatusOK, n, func(e *nodeviews.Edit) { e.Form, e.Tab = f, locale })
}

// nodePreviewPost renders the Markdown body of one locale (form field t.<locale>.body, or body)
// to sanitised HTML for the preview pane. It changes nothing.
func (a *App) nodePreviewPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	locale := strings.TrimSpace(c.FormValue("locale"))
	src := c.FormValue("body")
	if locale != "" {
		if !slices.Contains(t.Locales, locale) {
			return render(c, fiber.StatusUnprocessableEntity, nodeviews.Preview("", false, "“"+locale+"” is not one of this tenant's languages."))
		}
		src = c.FormValue("t." + locale + ".body")
	}
	if len(src) > markdown.MaxSource {
		return render(c, fiber.StatusUnprocessableEntity, nodeviews.Preview("", false,
			fmt.Sprintf("The body is too long to preview (at most %d bytes).", markdown.MaxSource)))
	}
	html, err := a.rendered.Render(src)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, nodeviews.Preview(string(html), strings.TrimSpace(src) == "", ""))
}

// nodesBulk is the bulk mechanism over the node list: the selection goes back to the list it
// came from, a refusal re-renders that list with 422, and the confirmation lists the nodes.
func (a *App) nodesBulk(c *fiber.Ctx, b nodeviews.Bulk) bulkFlow {
	t := currentTenant(c)
	return bulkFlow{
		listBase: nodeviews.ListURL(t.Slug),
		refuse: func(back, msg string) error {
			return a.renderNodesList(c, fiber.StatusUnprocessableEntity, savedQuery(back), msg)
		},
		confirm: func(ids []uuid.UUID, back string) (bool, error) {
			pg, err := a.store.ListNodes(ctx(c), t, models.NodeQuery{IDs: ids, Sort: models.NodeSortTitle, PerPage: models.MaxNodesPerPage})
			if err != nil || len(pg.Nodes) == 0 {
				return false, err
			}
			b.Tenant, b.Nodes, b.Back = t, pg.Nodes, back
			return true, render(c, fiber.StatusOK, nodeviews.BulkPage(a.nodesPage(c, b.Question()), b))
		},
		done: func(res models.BulkResult) string {
			verb := "Deleted"
			if b.Action != "delete" {
				d := nodeviews.BulkDone(b.To)
				verb = strings.ToUpper(d[:1]) + d[1:]
			}
			a.log.InfoContext(ctx(c), "bulk node action", "action", b.Action, "to", b.To, "done", len(res.Done), "skipped", len(res.Skipped))
			return verb + " " + bulkReport(res, "item", "items")
		},
	}
}

// nodesBulkStatusPost publishes, archives or unpublishes the selected nodes (bulkFlow).
func (a *App) nodesBulkStatusPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	to := strings.TrimSpace(c.FormValue("to"))
	f := a.nodesBulk(c, nodeviews.Bulk{Action: "status", To: to})
	if to != models.NodePublished && to != models.NodeArchived && to != models.NodeDraft {
		return f.refuse(f.back(c), "Choose publish, archive or move to draft.")
	}
	return a.runBulk(c, f, func(ids []uuid.UUID) (models.BulkResult, error) { return a.store.BulkTransition(ctx(c), t, ids, to) })
}

// nodesBulkDeletePost deletes the selected nodes after the same confirmation.
func (a *App) nodesBulkDeletePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	return a.runBulk(c, a.nodesBulk(c, nodeviews.Bulk{Action: "delete"}), func(ids []uuid.UUID) (models.BulkResult, error) {
		return a.store.BulkDelete(ctx(c), t, ids)
	})
}

// saveNodeForm saves the editor's form over n and, when status is set, moves n there in the same
// transaction. A refused save is answered here — 422 with the field errors, 409 when the form is
// stale — and so is any error: then answered is true and the caller returns err.
func (a *App) saveNodeForm(c *fiber.Ctx, n *models.Node, t *models.Tenant, status string) (saved *models.Node, answered bool, err error) {
	f, in := parseNodeForm(c, t)
	in.Version, in.Status = formVersion(c), status
	f.Version = *in.Version
	if f.Invalid() {
		return nil, true, a.renderNodeForm(c, fiber.StatusUnprocessableEntity, n, f)
	}
	saved, err = a.store.UpdateNode(ctx(c), t, n.ID, in)
	if st, ok := refusal(err, nodeFields); ok {
		st.Version = f.Version
		f.FormState = st
		return nil, true, a.renderNodeForm(c, fiber.StatusUnprocessableEntity, n, f)
	}
	if handled, err := a.renderNodeStale(c, err, n, f); handled {
		return nil, true, err
	}
	return saved, err != nil, err
}
