package handlers

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/layouts"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// productsPage is the shell of the catalog pages.
func (a *App) productsPage(c *fiber.Ctx, title, section string) layouts.Page {
	pg := a.pageFor(c, title)
	pg.Section = section
	return pg
}

// productsList renders one page of the tenant's products; htmx gets #products-table.
func (a *App) productsList(c *fiber.Ctx) error {
	return a.renderProductsList(c, fiber.StatusOK, query(c), "")
}

func (a *App) renderProductsList(c *fiber.Ctx, status int, get func(string) string, bulkError string) error {
	t := currentTenant(c)
	lp := readList("products", productviews.ListURL(t.Slug), get)
	q := models.ProductQuery{
		Search:      lp.text("q", models.MaxProductTitle),
		Status:      lp.oneOf("status", models.ProductWorkflow.States(), "Status must be draft, active or archived."),
		Vendor:      lp.text("vendor", models.MaxVendor),
		ProductType: lp.text("type", models.MaxVendor),
		Stock:       lp.oneOf("stock", models.StockFilters, "Stock must be in, low or out."),
		Counts:      a.summaries,
	}
	q.Sort, q.Desc = lp.sort(models.ProductSorts, productviews.ListSort.Default, productviews.ListSort.Desc...)
	q.Page, q.PerPage = lp.offset(models.MaxProductsPerPage)
	if q.Sort == models.ProductSortUpdated || q.Sort == models.ProductSortTitle {
		q.Cursor = lp.cursor(q.Sort, q.Desc)
	}
	l := productviews.List{Tenant: t, Query: lp.done(), BulkError: bulkError, CSRF: a.csrfToken(c),
		CanCreate: a.may(c, t, p("products", "create")), CanExport: a.may(c, t, p("products", "export")), CanImport: a.may(c, t, p("products", "import")), CanPublish: a.may(c, t, p("products", "publish")), CanUpdate: a.may(c, t, p("products", "update")),
		CanDelete: a.may(c, t, p("products", "delete"))}
	if !l.Query.Invalid() {
		pg, err := a.store.ListProducts(ctx(c), t, q)
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
		var err error
		if l.Vendors, l.Types, err = a.store.ProductFacets(ctx(c), t.ID); err != nil {
			return err
		}
	}
	return renderList(c, status, l.Query, productviews.ListPage(a.productsPage(c, "Products", "products"), l), productviews.ProductsTable(l, true))
}

// productNew renders the empty create form.
func (a *App) productNew(c *fiber.Ctx) error {
	t := currentTenant(c)
	f := productviews.Form{}
	for _, loc := range tenantLocales(t) {
		f.Translations = append(f.Translations, productviews.TranslationForm{Locale: loc})
	}
	return a.renderProductEdit(c, fiber.StatusOK, nil, func(e *productviews.Edit) { e.Form = f })
}

// parseProductForm reads the posted product form: vendor, type, one translation per locale
// named t.<locale>.<field>, and the options opt.<i>.name / opt.<i>.values (commas).
func parseProductForm(c *fiber.Ctx, t *models.Tenant) (productviews.Form, models.ProductInput) {
	v := func(k string) string { return strings.Clone(c.FormValue(k)) }
	f := productviews.Form{Vendor: v("vendor"), ProductType: v("product_type")}
	in := models.ProductInput{Vendor: f.Vendor, ProductType: f.ProductType, ConfirmRemoval: c.FormValue("confirm_removal") != ""}
	posted := map[string]*models.ProductTranslationInput{}
	var order []string
	formOf(c).visitAll(func(key, value string) {
		rest, ok := strings.CutPrefix(key, "t.")
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
			tr = &models.ProductTranslationInput{Locale: loc}
			posted[loc] = tr
			order = append(order, loc)
		}
		switch field {
		case "title":
			tr.Title = value
		case "handle":
			tr.Handle = value
		case "description":
			tr.Description = value
		case "seo_title":
			tr.SEOTitle = value
		case "seo_description":
			tr.SEODescription = value
		}
	})
	for _, loc := range tenantLocales(t) {
		tf := productviews.TranslationForm{Locale: loc}
		if tr := posted[loc]; tr != nil {
			tf = productviews.TranslationForm{Locale: loc, Title: tr.Title, Handle: tr.Handle, Description: tr.Description,
				SEOTitle: tr.SEOTitle, SEODescription: tr.SEODescription}
		}
		f.Translations = append(f.Translations, tf)
	}
	for _, loc := range order {
		in.Translations = append(in.Translations, *posted[loc])
	}
	in.Options = []models.ProductOption{}
	for i := 0; i < models.MaxOptions; i++ {
		name, values := v("opt."+strconv.Itoa(i)+".name"), v("opt."+strconv.Itoa(i)+".values")
		f.Options[i] = productviews.OptionForm{Name: name, Values: values}
		in.Options = append(in.Options, models.ProductOption{Name: name, Values: productviews.SplitValues(values)})
	}
	return f, in
}

// productFields: every field of the product form but the workflow's "status".
func productFields(field string) bool { return field != "status" }

// productCreatePost creates a draft product; bad input re-renders the form with 422.
func (a *App) productCreatePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	f, in := parseProductForm(c, t)
	pr, err := a.store.CreateProduct(ctx(c), t, in)
	if st, ok := refusal(err, productFields); ok {
		f.FormState = st
		return a.renderProductEdit(c, fiber.StatusUnprocessableEntity, nil, func(e *productviews.Edit) { e.Form = f })
	} else if err != nil {
		return err
	}
	a.log.InfoContext(ctx(c), "product created", "product_id", pr.ID.String())
	return a.flashRedirect(c, "success", "Product “"+productviews.TitleOf(pr, t.DefaultLocale)+"” created as a draft with "+
		components.Count(len(pr.Variants), "variant", "variants")+". Give them prices below.", productviews.ProductURL(t.Slug, pr.ID))
}

// productByParam returns the open tenant's product of :id; a malformed id and another tenant's
// product are both 404.
func (a *App) productByParam(c *fiber.Ctx) (*models.Product, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	pr, err := a.store.ProductByID(ctx(c), currentTenant(c).ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return pr, err
}

// renderProductEdit renders the create form (pr nil) or the product's editor after edit adjusts it.
func (a *App) renderProductEdit(c *fiber.Ctx, status int, pr *models.Product, edit func(*productviews.Edit)) error {
	t := currentTenant(c)
	e := productviews.Edit{Tenant: t, Product: pr, CSRF: a.csrfToken(c), Tab: strings.Clone(c.Query("tab")),
		CanList: a.may(c, t, p("products", "list"))}
	if pr == nil {
		e.CanUpdate = a.may(c, t, p("products", "create"))
	} else {
		e.Form = productviews.FormFor(pr, tenantLocales(t))
		e.Grid = productviews.GridFor(pr, t.EnabledCurrencies())
		e.CanUpdate = a.may(c, t, p("products", "update"))
		e.CanPublish = a.may(c, t, p("products", "publish"))
		e.CanDelete = a.may(c, t, p("products", "delete"))
		e.CanStock = a.may(c, t, p("inventory", "update"))
		sched, err := a.scheduleCard(c, t, models.ScheduleProduct, pr.ID, paths.URL(paths.ProductSchedule, t.Slug, pr.ID.String()), e.CanPublish, "Activate")
		if err != nil {
			return err
		}
		e.Schedule = sched
	}
	edit(&e)
	if wantsFragment(c) && (status == fiber.StatusUnprocessableEntity || status == fiber.StatusConflict) {
		if c.Locals(localGridAnswer) != nil {
			return render(c, status, productviews.GridAnswer(e))
		}
		return render(c, status, productviews.FormAnswer(e))
	}
	return render(c, status, productviews.EditPage(a.productsPage(c, e.Title(), "products"), e))
}

// localGridAnswer marks a request whose refusal belongs to the variant grid.
const localGridAnswer = "grid-answer"

// productShow renders the product's editor.
func (a *App) productShow(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	return a.renderProductEdit(c, fiber.StatusOK, pr, func(*productviews.Edit) {})
}

// productUpdatePost saves the product form: 422 with what was typed for bad input, a
// confirmation naming the variants an options change removes, 409 when stale.
func (a *App) productUpdatePost(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	f, in := parseProductForm(c, t)
	in.Version = formVersion(c)
	f.Version = *in.Version
	saved, err := a.store.UpdateProduct(ctx(c), t, pr.ID, in)
	if st, ok := refusal(err, productFields); ok {
		st.Version = f.Version
		f.FormState = st
		if plan := models.PlanMatrix(pr.Options, models.NormalizeOptions(in.Options), pr.Variants); len(plan.Remove) > 0 && !in.ConfirmRemoval {
			for _, v := range plan.Remove {
				f.Removal = append(f.Removal, v.Label())
			}
		}
		return a.renderProductEdit(c, fiber.StatusUnprocessableEntity, pr, func(e *productviews.Edit) { e.Form = f })
	}
	if handled, err := a.renderStale(c, err, tenantLocales(t), func(st components.Stale) error {
		f.StaleAt(st)
		return a.renderProductEdit(c, fiber.StatusConflict, pr, func(e *productviews.Edit) { e.Form = f })
	}); handled {
		return err
	}
	if err != nil {
		return err
	}
	back := productviews.ProductURL(t.Slug, pr.ID)
	if saved.Version == pr.Version {
		return a.flashRedirect(c, "info", "Nothing changed, so there was nothing to save.", back)
	}
	return a.flashRedirect(c, "success", "Saved “"+productviews.TitleOf(saved, t.DefaultLocale)+"”.", back)
}

// productStatusPost moves the product through the workflow; a refused move re-renders the
// editor with 422 and the reason.
func (a *App) productStatusPost(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	to := strings.TrimSpace(c.FormValue("to"))
	moved, err := a.store.TransitionProduct(ctx(c), t, pr.ID, to)
	if st, ok := refusal(err, productFields); ok {
		return a.renderProductEdit(c, fiber.StatusUnprocessableEntity, pr, func(e *productviews.Edit) {
			st.Version = e.Form.Version
			e.Form.FormState = st
		})
	} else if err != nil {
		return err
	}
	return a.flashRedirect(c, "success", "“"+productviews.TitleOf(moved, t.DefaultLocale)+"” "+productviews.StatusDone(pr.Status, to)+".",
		productviews.ProductURL(t.Slug, pr.ID))
}

// productDeletePost deletes the product; the page asked first.
func (a *App) productDeletePost(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	if err := a.store.DeleteProduct(ctx(c), t, pr.ID); err != nil {
		return err
	}
	return a.flashRedirect(c, "success", "Product “"+productviews.TitleOf(pr, t.DefaultLocale)+"” deleted.", productviews.ListURL(t.Slug))
}

// productVariantsPost saves the variant grid: every changed row in one transaction. Bad cells
// are 422 with everything typed kept and each bad cell marked, rows changed since the grid was
// loaded 409 (nothing saved); stock cells need inventory:update besides the route's
// products:update.
func (a *App) productVariantsPost(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	c.Locals(localGridAnswer, true)
	canStock := a.may(c, t, p("inventory", "update"))
	grid := productviews.GridFor(pr, t.EnabledCurrencies())
	// The grid sends about ten cells a row: index them once (the first value of each name, as
	// c.FormValue reads it) rather than scanning the form for each cell.
	sent := map[string]string{}
	formOf(c).visitAll(func(k, v string) {
		if _, dup := sent[k]; !dup {
			sent[k] = v
		}
	})
	var edits []models.VariantEdit
	for i := range grid.Rows {
		r := &grid.Rows[i]
		cell := func(field string) (string, bool) {
			v, ok := sent[productviews.CellName(r.ID, field)]
			return v, ok
		}
		if _, ok := cell("version"); !ok {
			continue // a row the grid did not show (added since)
		}
		e := models.VariantEdit{ID: r.ID, Prices: map[string]models.PriceEdit{}}
		vs, _ := cell("version")
		e.Version, _ = strconv.Atoi(strings.TrimSpace(vs))
		r.SKU, _ = cell("sku")
		r.Barcode, _ = cell("barcode")
		e.SKU, e.Barcode = r.SKU, r.Barcode
		if v, ok := cell("policy"); ok {
			r.Policy, e.Policy = v, v
		}
		if v, ok := cell("threshold"); ok {
			r.Threshold, e.Threshold = v, v
		}
		for _, cur := range grid.Currencies {
			amount, okA := cell("price." + cur)
			compare, _ := cell("compare." + cur)
			if okA {
				r.Prices[cur] = [2]string{amount, compare}
				e.Prices[cur] = models.PriceEdit{Amount: amount, CompareAt: compare}
			}
		}
		if q, ok := cell("qty"); ok && canStock {
			seenS, _ := cell("seen")
			seen, _ := strconv.ParseInt(strings.TrimSpace(seenS), 10, 64)
			r.Quantity = q
			e.Quantity = &models.QuantityEdit{Seen: seen, To: q}
		}
		edits = append(edits, e)
	}
	_, err = a.store.SaveVariants(ctx(c), t, pr.ID, edits, canStock)
	var ve *models.ValidationError
	var ce *models.CellConflictError
	switch {
	case errors.As(err, &ve):
		for k, m := range ve.Fields {
			grid.Fail(k, m)
		}
		return a.renderProductEdit(c, fiber.StatusUnprocessableEntity, pr, func(e *productviews.Edit) { e.Grid = grid })
	case errors.As(err, &ce):
		for k, m := range ce.Fields {
			grid.Fail(k, m)
		}
		grid.Result = components.Flash{Kind: "warning", Message: "Someone changed these variants since you loaded them. Nothing was saved: the marked cells say what changed; reload to see their values."}
		return a.renderProductEdit(c, fiber.StatusConflict, pr, func(e *productviews.Edit) { e.Grid = grid })
	case errors.Is(err, models.ErrNotFound):
		grid.Refuse("A variant was removed since you loaded the grid. Nothing was saved; reload the page.")
		return a.renderProductEdit(c, fiber.StatusConflict, pr, func(e *productviews.Edit) { e.Grid = grid })
	case err != nil:
		return err
	}
	return a.flashRedirect(c, "success", "Variants saved.", productviews.ProductURL(t.Slug, pr.ID))
}

// productVariantDeletePost removes one variant: its combination is left out of the matrix.
func (a *App) productVariantDeletePost(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	vid, err := uuid.Parse(c.Params("vid"))
	if err != nil || pr.Variant(vid) == nil {
		return fiber.ErrNotFound
	}
	t := currentTenant(c)
	err = a.store.DeleteVariant(ctx(c), t, pr.ID, vid)
	if st, ok := refusal(err, nil); ok {
		return a.flashRedirect(c, "error", st.Result.Message, productviews.ProductURL(t.Slug, pr.ID))
	} else if err != nil {
		return err
	}
	return a.flashRedirect(c, "success", "Variant "+pr.Variant(vid).Title()+" removed.", productviews.ProductURL(t.Slug, pr.ID))
}

// productHistory is the product's history panel: its own, its variants', prices' and stock's
// events.
func (a *App) productHistory(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	h, rows, err := a.aggregateHistory(c, "product", pr.ID, components.History{ID: "product-history", Empty: "No changes recorded yet.", AllText: "All events of this product →"})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, v := range pr.Variants {
		names[v.ID.String()] = v.Title()
	}
	nameVariants(h.Entries, rows, names)
	return render(c, fiber.StatusOK, components.HistoryPanel(h))
}

// productsBulk is the bulk mechanism over the product list.
func (a *App) productsBulk(c *fiber.Ctx, b productviews.Bulk) bulkFlow {
	t := currentTenant(c)
	return bulkFlow{
		listBase: productviews.ListURL(t.Slug),
		refuse: func(back, msg string) error {
			return a.renderProductsList(c, fiber.StatusUnprocessableEntity, savedQuery(back), msg)
		},
		confirm: func(ids []uuid.UUID, back string) (bool, error) {
			pg, err := a.store.ListProducts(ctx(c), t, models.ProductQuery{IDs: ids, Sort: models.ProductSortTitle, PerPage: models.MaxProductsPerPage})
			if err != nil || len(pg.Products) == 0 {
				return false, err
			}
			b.Tenant, b.Products, b.Back = t, pg.Products, back
			blocker := func(r models.ProductRow) string { return models.ProductMoveBlocker(r, b.To) }
			return true, render(c, fiber.StatusOK, productviews.BulkPage(a.productsPage(c, b.Question(), "products"), b, blocker))
		},
		done: func(res models.BulkResult) string {
			verb := "Deleted"
			if b.Action != "delete" {
				d := productviews.BulkDone(b.To)
				verb = strings.ToUpper(d[:1]) + d[1:]
			}
			return verb + " " + bulkReport(res, "product", "products")
		},
	}
}

// productsBulkStatusPost activates, archives or moves to draft the selected products.
func (a *App) productsBulkStatusPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	to := strings.TrimSpace(c.FormValue("to"))
	f := a.productsBulk(c, productviews.Bulk{Action: "status", To: to})
	if !models.ProductWorkflow.Known(to) {
		return f.refuse(f.back(c), "Choose activate, archive or move to draft.")
	}
	return a.runBulk(c, f, func(ids []uuid.UUID) (models.BulkResult, error) {
		return a.store.BulkTransitionProducts(ctx(c), t, ids, to)
	})
}

// productsBulkDeletePost deletes the selected products after the confirmation.
func (a *App) productsBulkDeletePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	return a.runBulk(c, a.productsBulk(c, productviews.Bulk{Action: "delete"}), func(ids []uuid.UUID) (models.BulkResult, error) {
		return a.store.BulkDeleteProducts(ctx(c), t, ids)
	})
}

// productsBulkPricePost is the bulk price change over the selected products in three steps: the
// form (from the list's button), the preview of every variant's old and new price (step
// preview; bad input re-renders the form with 422), and the change in one transaction (step
// apply). Another tenant's ids are left out as not found.
func (a *App) productsBulkPricePost(c *fiber.Ctx) error {
	t := currentTenant(c)
	flow := a.productsBulk(c, productviews.Bulk{Action: "price"})
	back := flow.back(c)
	ids, bad := selection(c)
	switch {
	case bad:
		return flow.refuse(back, "The selection was damaged. Select the items again.")
	case len(ids) == 0:
		return flow.refuse(back, "Select at least one item first.")
	case len(ids) > models.MaxBulk:
		return flow.refuse(back, fmt.Sprintf("Select at most %d items at a time.", models.MaxBulk))
	}
	b := productviews.BulkPrice{Tenant: t, Back: back, CSRF: a.csrfToken(c), Errors: map[string]string{},
		Change: models.PriceChange{Currency: strings.Clone(c.FormValue("currency", t.Currency())), Mode: strings.Clone(c.FormValue("mode", models.PriceSet)), Value: strings.Clone(c.FormValue("value"))}}
	for _, id := range ids {
		b.IDs = append(b.IDs, id.String())
	}
	page := a.productsPage(c, "Change prices", "products")
	var err error
	var res models.BulkResult
	switch c.FormValue("step") {
	case "preview":
		if b.Plan, err = a.store.PlanPriceChange(ctx(c), t, ids, b.Change); err == nil {
			if len(b.Plan) == 0 {
				return flow.refuse(back, "None of the selected items exist any more.")
			}
			b.Preview = true
			return render(c, fiber.StatusOK, productviews.BulkPricePage(page, b))
		}
	case "apply":
		if res, err = a.store.BulkChangePrices(ctx(c), t, ids, b.Change); err == nil {
			return a.flashRedirect(c, bulkKind(res), "Changed prices of "+bulkReport(res, "product", "products"), back)
		}
	default: // the form, from the list or "change the rule"
		return render(c, fiber.StatusOK, productviews.BulkPricePage(page, b))
	}
	var ve *models.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	maps.Copy(b.Errors, ve.Fields)
	return render(c, fiber.StatusUnprocessableEntity, productviews.BulkPricePage(page, b))
}
