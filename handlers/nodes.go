package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/markdown"
	"github.com/rustok/rustok-admin/models"
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
	return a.renderNodesList(c, fiber.StatusOK, func(k string) string { return c.Query(k) }, "")
}

// renderNodesList runs the list query read through get; bulkError is shown above the table. Bad
// filters answer 422 on a full page and 200 with the message as a fragment (htmx swaps it).
func (a *App) renderNodesList(c *fiber.Ctx, status int, get func(string) string, bulkError string) error {
	t := currentTenant(c)
	filters, q := parseNodeFilters(get, t)
	l := nodeviews.List{Slug: t.Slug, Locales: tenantLocales(t), DefaultLocale: t.DefaultLocale, Filters: filters,
		CanCreate: a.may(c, t, p("nodes", "create")), CanPublish: a.may(c, t, p("nodes", "publish")),
		CanDelete: a.may(c, t, p("nodes", "delete")), BulkError: bulkError}
	l.CSRF, _ = c.Locals(localCSRF).(string)
	if len(filters.Errors) == 0 {
		pg, err := a.store.ListNodes(ctx(c), t, q)
		var ve *models.ValidationError
		if errors.As(err, &ve) {
			l.Filters.Errors = ve.Fields
		} else if err != nil {
			return err
		}
		l.Page = pg
	}
	if len(l.Filters.Errors) > 0 && status == fiber.StatusOK && !wantsFragment(c) {
		status = fiber.StatusUnprocessableEntity
	}
	if wantsFragment(c) {
		// The address bar gets the list's canonical URL, without the form's empty fields.
		c.Set(HeaderHXPushURL, l.PageURL(max(l.Page.Page, 1)))
		return render(c, status, nodeviews.NodesTable(l, true))
	}
	authors, err := a.store.NodeAuthors(ctx(c), t.ID)
	if err != nil {
		return err
	}
	l.Authors = authors
	return render(c, status, nodeviews.ListPage(a.nodesPage(c, "Content"), l))
}

// parseNodeFilters reads the list's query: what was typed (for the form), the query to run,
// and one message per value that cannot be used.
func parseNodeFilters(get func(string) string, t *models.Tenant) (nodeviews.ListFilters, models.NodeQuery) {
	v := func(k string) string { return strings.TrimSpace(get(k)) }
	f := nodeviews.ListFilters{Search: v("q"), Kind: v("kind"), Status: v("status"), Locale: v("locale"),
		Author: v("author"), Sort: v("sort"), Dir: v("dir"), PerPage: v("per_page")}
	errs := map[string]string{}
	q := models.NodeQuery{Search: f.Search, Kind: f.Kind, Status: f.Status, Locale: f.Locale, Sort: f.Sort}
	if len([]rune(f.Search)) > models.MaxNodeTitle {
		errs["q"] = fmt.Sprintf("Search for at most %d characters.", models.MaxNodeTitle)
	}
	if f.Kind != "" && f.Kind != models.NodePost && f.Kind != models.NodePage {
		errs["kind"] = "Kind must be post or page."
	}
	if f.Status != "" && f.Status != models.NodeDraft && f.Status != models.NodePublished && f.Status != models.NodeArchived {
		errs["status"] = "Status must be draft, published or archived."
	}
	if f.Locale != "" && !slices.Contains(t.Locales, f.Locale) {
		errs["locale"] = "“" + f.Locale + "” is not one of this tenant's languages."
	}
	if f.Author != "" {
		id, err := uuid.Parse(f.Author)
		if err != nil {
			errs["author"] = "This author link is broken. Choose the author from the list."
		}
		q.AuthorID = id
	}
	if f.Sort != "" && !slices.Contains(models.NodeSorts, f.Sort) {
		errs["sort"] = "The list cannot be sorted by “" + f.Sort + "”."
	}
	switch f.Dir {
	case "", "asc", "desc":
	default:
		errs["sort"] = "The sort direction must be asc or desc."
	}
	q.Desc = f.Desc()
	var msg string
	if q.Page, q.PerPage, msg = parsePaging(v("page"), f.PerPage, models.MaxNodesPerPage); msg != "" {
		errs["page"] = msg
	}
	if len(errs) > 0 {
		f.Errors = errs
	}
	return f, q
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
	c.Request().PostArgs().VisitAll(func(key, value []byte) {
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
		val := string(value) // a copy: fasthttp reuses the buffer
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
	if len(errs) > 0 {
		f.Errors = errs
	}
	return f, in
}

// nodeCreatePost creates a draft by the signed-in user. Bad input re-renders the form with 422,
// everything typed kept and each bad field marked; nothing is saved.
func (a *App) nodeCreatePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	f, in := parseNodeForm(c, t)
	if f.Kind != models.NodePage {
		in.Kind, f.Kind = models.NodePost, models.NodePost
		if k := strings.TrimSpace(c.FormValue("kind")); k != "" && k != models.NodePost {
			f.Errors = withError(f.Errors, "kind", "Choose post or page.")
		}
	}
	if len(f.Errors) > 0 {
		return a.renderNodeForm(c, nil, f)
	}
	n, err := a.store.CreateNode(ctx(c), t, currentUser(c).ID, in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		f.Errors = ve.Fields
		return a.renderNodeForm(c, nil, f)
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "node created", "node_id", n.ID.String(), "kind", n.Kind)
	return a.flashRedirect(c, "success", nodeviews.KindLabel(n.Kind)+" “"+nodeviews.TitleOf(n, t.DefaultLocale)+"” created as a draft.", nodeviews.NodeURL(t.Slug, n.ID))
}

func withError(errs map[string]string, field, msg string) map[string]string {
	if errs == nil {
		errs = map[string]string{}
	}
	errs[field] = msg
	return errs
}

// renderNodeForm answers a refused save with 422: the #node-form fragment for htmx, the whole
// page otherwise.
func (a *App) renderNodeForm(c *fiber.Ctx, n *models.Node, f nodeviews.Form) error {
	if n != nil {
		f.Kind = n.Kind
		for i := range f.Translations {
			f.Translations[i].Saved = n.Translation(f.Translations[i].Locale) != nil
		}
	}
	return a.renderNodeEdit(c, fiber.StatusUnprocessableEntity, n, func(e *nodeviews.Edit) { e.Form = f })
}

// renderNodeEdit renders the create form (n nil) or the node's page, after edit adjusts it.
func (a *App) renderNodeEdit(c *fiber.Ctx, status int, n *models.Node, edit func(*nodeviews.Edit)) error {
	t := currentTenant(c)
	e := nodeviews.Edit{Slug: t.Slug, Node: n, DefaultLocale: t.DefaultLocale}
	e.CSRF, _ = c.Locals(localCSRF).(string)
	if n == nil {
		e.CanUpdate = a.may(c, t, p("nodes", "create"))
	} else {
		e.Form = nodeviews.FormFor(n, tenantLocales(t))
		e.CanUpdate = a.may(c, t, p("nodes", "update"))
		e.CanPublish = a.may(c, t, p("nodes", "publish"))
		e.CanDelete = a.may(c, t, p("nodes", "delete"))
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
	if wantsFragment(c) && status == fiber.StatusUnprocessableEntity {
		return render(c, status, nodeviews.NodeForm(e))
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
	for page := 1; len(out) < maxParentOptions; page++ {
		pg, err := a.store.ListNodes(ctx(c), t, models.NodeQuery{Kind: models.NodePage, Sort: models.NodeSortTitle, Page: page, PerPage: models.MaxNodesPerPage})
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
		if !pg.HasNext() {
			break
		}
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

// nodeUpdatePost saves the form. Bad input re-renders it with 422 and what was typed; an
// unchanged form says so.
func (a *App) nodeUpdatePost(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	f, in := parseNodeForm(c, t)
	if len(f.Errors) > 0 {
		return a.renderNodeForm(c, n, f)
	}
	updated, err := a.store.UpdateNode(ctx(c), t, n.ID, in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		f.Errors = ve.Fields
		return a.renderNodeForm(c, n, f)
	} else if err != nil {
		return err
	}
	back := nodeviews.NodeURL(t.Slug, n.ID)
	if !updated.UpdatedAt.After(n.UpdatedAt) {
		return a.flashRedirect(c, "info", "Nothing changed, so there was nothing to save.", back)
	}
	return a.flashRedirect(c, "success", "Saved “"+nodeviews.TitleOf(updated, t.DefaultLocale)+"”.", back)
}

// nodeStatusPost moves the node through the workflow (form field to). A refused move re-renders
// the page with 422 and the reason.
func (a *App) nodeStatusPost(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	to := strings.TrimSpace(c.FormValue("to"))
	moved, err := a.store.TransitionNode(ctx(c), t, n.ID, to)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return a.renderNodeEdit(c, fiber.StatusUnprocessableEntity, n, func(e *nodeviews.Edit) {
			e.StatusError = ve.Fields["status"]
			for k, m := range ve.Fields {
				if k != "status" {
					e.Form.Errors = withError(e.Form.Errors, k, m)
				}
			}
		})
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "node moved", "node_id", n.ID.String(), "from", n.Status, "to", moved.Status)
	return a.flashRedirect(c, "success", "“"+nodeviews.TitleOf(moved, t.DefaultLocale)+"” "+nodeviews.StatusDone(n.Status, to)+".", nodeviews.NodeURL(t.Slug, n.ID))
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

// bulkSelection reads a bulk form: the selected ids (a malformed one is an error) and where to
// go back to (only this tenant's list).
func bulkSelection(c *fiber.Ctx, t *models.Tenant) (ids []uuid.UUID, back string, bad bool) {
	back = nodeviews.ListURL(t.Slug)
	if b := c.FormValue("back"); b == back || (strings.HasPrefix(b, back+"?") && !strings.ContainsAny(b, "\\\r\n")) {
		back = strings.Clone(b)
	}
	c.Request().PostArgs().VisitAll(func(key, value []byte) {
		if string(key) != "ids" {
			return
		}
		id, err := uuid.Parse(string(value))
		if err != nil {
			bad = true
			return
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	})
	return ids, back, bad
}

// bulkRefused re-renders the list the selection came from with 422 and why.
func (a *App) bulkRefused(c *fiber.Ctx, back, msg string) error {
	query := url.Values{}
	if _, raw, ok := strings.Cut(back, "?"); ok {
		query, _ = url.ParseQuery(raw)
	}
	return a.renderNodesList(c, fiber.StatusUnprocessableEntity, query.Get, msg)
}

// nodesBulkStatusPost publishes, archives or unpublishes the selected nodes. Without confirm=yes
// it asks first, naming how many items; confirmed, it moves those that can move in one
// transaction and says which were skipped and why.
func (a *App) nodesBulkStatusPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	ids, back, bad := bulkSelection(c, t)
	to := strings.TrimSpace(c.FormValue("to"))
	if to != models.NodePublished && to != models.NodeArchived && to != models.NodeDraft {
		return a.bulkRefused(c, back, "Choose publish, archive or move to draft.")
	}
	return a.bulk(c, t, ids, back, bad, nodeviews.Bulk{Action: "status", To: to}, func() (models.BulkResult, error) {
		return a.store.BulkTransition(ctx(c), t, ids, to)
	})
}

// nodesBulkDeletePost deletes the selected nodes after the same confirmation.
func (a *App) nodesBulkDeletePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	ids, back, bad := bulkSelection(c, t)
	return a.bulk(c, t, ids, back, bad, nodeviews.Bulk{Action: "delete"}, func() (models.BulkResult, error) {
		return a.store.BulkDelete(ctx(c), t, ids)
	})
}

// bulk is the shared flow of the bulk actions: check the selection, confirm, run, report.
func (a *App) bulk(c *fiber.Ctx, t *models.Tenant, ids []uuid.UUID, back string, bad bool, b nodeviews.Bulk, run func() (models.BulkResult, error)) error {
	switch {
	case bad:
		return a.bulkRefused(c, back, "The selection was damaged. Select the items again.")
	case len(ids) == 0:
		return a.bulkRefused(c, back, "Select at least one item first.")
	case len(ids) > models.MaxBulkNodes:
		return a.bulkRefused(c, back, fmt.Sprintf("Select at most %d items at a time.", models.MaxBulkNodes))
	}
	if c.FormValue("confirm") != "yes" {
		pg, err := a.store.ListNodes(ctx(c), t, models.NodeQuery{IDs: ids, Sort: models.NodeSortTitle, PerPage: models.MaxNodesPerPage})
		if err != nil {
			return err
		}
		if len(pg.Nodes) == 0 {
			return a.bulkRefused(c, back, "None of the selected items exist any more.")
		}
		b.Slug, b.Nodes, b.Back = t.Slug, pg.Nodes, back
		return render(c, fiber.StatusOK, nodeviews.BulkPage(a.nodesPage(c, b.Question()), b))
	}
	res, err := run()
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return a.bulkRefused(c, back, firstMessage(ve))
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "bulk node action", "action", b.Action, "to", b.To, "done", len(res.Done), "skipped", len(res.Skipped))
	return a.flashRedirect(c, bulkKind(res), bulkMessage(b, res), back)
}

func bulkKind(res models.BulkResult) string {
	if len(res.Skipped) == 0 {
		return "success"
	}
	if len(res.Done) == 0 {
		return "error"
	}
	return "info"
}

// bulkMessage says what a bulk action did: "Published 3 items. Skipped 1: “X” — reason."
func bulkMessage(b nodeviews.Bulk, res models.BulkResult) string {
	done := "Deleted"
	if b.Action != "delete" {
		d := nodeviews.StatusDone(models.NodePublished, b.To)
		done = strings.ToUpper(d[:1]) + d[1:]
	}
	msg := done + " " + nodeviews.Count(len(res.Done)) + "."
	if len(res.Skipped) > 0 {
		var parts []string
		for i, s := range res.Skipped {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("and %d more", len(res.Skipped)-5))
				break
			}
			title := s.Title
			if title == "" {
				title = s.ID.String()
			}
			parts = append(parts, "“"+title+"” — "+s.Reason)
		}
		msg += " Skipped " + nodeviews.Count(len(res.Skipped)) + ": " + strings.Join(parts, "; ")
	}
	return msg
}
