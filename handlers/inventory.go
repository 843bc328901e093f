package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// nameVariants names the variant of each history entry whose event is about one ("Price
// changed" becomes "Price changed · M / Red"), from the product's variants by id.
func nameVariants(entries []components.HistoryEntry, rows []events.Row, names map[string]string) {
	if len(entries) != len(rows) {
		return
	}
	for i, r := range rows {
		var p struct {
			VariantID string `json:"variant_id"`
			Title     string `json:"title"`
		}
		if json.Unmarshal([]byte(r.Payload), &p) != nil || p.VariantID == "" {
			continue
		}
		name := names[p.VariantID]
		if name == "" {
			name = p.Title
		}
		if name != "" {
			entries[i].Title += " · " + name
		}
	}
}

// inventoryList renders the tenant's variants with their stock, lowest first.
func (a *App) inventoryList(c *fiber.Ctx) error {
	return a.renderInventory(c, fiber.StatusOK, query(c), nil)
}

func (a *App) renderInventory(c *fiber.Ctx, status int, get func(string) string, adjusting *productviews.AdjustForm) error {
	t := currentTenant(c)
	lp := readList("inventory", productviews.InventoryURL(t.Slug), get)
	q := models.InventoryQuery{Search: lp.text("q", models.MaxProductTitle),
		Stock: lp.oneOf("stock", models.StockFilters, "Stock must be in, low or out."), Counts: a.summaries}
	q.Page, q.PerPage = lp.offset(models.MaxProductsPerPage)
	l := productviews.Inventory{Tenant: t, Query: lp.done(), CanAdjust: a.may(c, t, p("inventory", "update")), CSRF: a.csrfToken(c), Adjusting: adjusting}
	if !l.Query.Invalid() {
		pg, err := a.store.ListInventory(ctx(c), t, q)
		if err != nil {
			return err
		}
		l.Page = pg
		atPage(&l.Query, pg.Page)
	}
	return renderList(c, status, l.Query, productviews.InventoryPage(a.productsPage(c, "Inventory", "inventory"), l), productviews.InventoryTable(l, true))
}

// variantByParam returns the open tenant's variant of :id with its product; 404 otherwise.
func (a *App) variantByParam(c *fiber.Ctx) (*models.Variant, *models.Product, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, nil, fiber.ErrNotFound
	}
	t := currentTenant(c)
	v, err := a.store.VariantByID(ctx(c), t.ID, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, fiber.ErrNotFound
	} else if err != nil {
		return nil, nil, err
	}
	pr, err := a.store.ProductByID(ctx(c), t.ID, v.ProductID)
	if err != nil {
		return nil, nil, err
	}
	return v, pr, nil
}

// inventoryVariant shows one variant's stock, the adjustment form and its ledger.
func (a *App) inventoryVariant(c *fiber.Ctx) error {
	v, pr, err := a.variantByParam(c)
	if err != nil {
		return err
	}
	return a.renderLedger(c, fiber.StatusOK, v, pr, productviews.AdjustForm{Reason: models.ReasonReceived}, "adjust")
}

func (a *App) renderLedger(c *fiber.Ctx, status int, v *models.Variant, pr *models.Product, f productviews.AdjustForm, mode string) error {
	t := currentTenant(c)
	entries, err := a.store.Ledger(ctx(c), t.ID, v.ID, 100)
	if err != nil {
		return err
	}
	l := productviews.Ledger{Tenant: t, Product: pr, Variant: v, Entries: entries, Actors: map[string]string{}, CSRF: a.csrfToken(c),
		CanAdjust: a.may(c, t, p("inventory", "update")), CanRead: a.may(c, t, p("products", "read")), Form: f, Mode: mode}
	var ids []uuid.UUID
	for _, e := range entries {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	if len(ids) > 0 {
		users, err := a.store.UsersByIDs(ctx(c), ids)
		if err != nil {
			return err
		}
		for id, u := range users {
			l.Actors[id.String()] = productviews.ActorLabel(u.Name, u.Email)
		}
	}
	return render(c, status, productviews.LedgerPage(a.productsPage(c, productviews.TitleOf(pr, t.DefaultLocale)+" · "+v.Title(), "inventory"), l))
}

// inventoryAdjustPost changes a variant's stock by ±N (mode adjust) or to N against the
// quantity the user saw (mode set, from the ledger page: a stale set is 409 naming the current
// quantity). The inventory list's quick adjustment goes back to the list (its back field); a
// refusal re-renders the page it came from with 422 and what was typed.
func (a *App) inventoryAdjustPost(c *fiber.Ctx) error {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return fiber.ErrNotFound
	}
	t := currentTenant(c)
	f := productviews.AdjustForm{VariantID: id.String(), Delta: strings.Clone(strings.TrimSpace(c.FormValue("delta"))),
		Reason: strings.Clone(c.FormValue("reason")), Note: strings.Clone(c.FormValue("note")), Errors: map[string]string{}}
	mode := c.FormValue("mode")
	back := strings.Clone(c.FormValue("back"))
	listBase := productviews.InventoryURL(t.Slug)
	fromList := back == listBase || strings.HasPrefix(back, listBase+"?") && !strings.ContainsAny(back, "\\\r\n")
	// The variant and its product are read only to show a refusal: a change that goes through
	// sends its one transaction and a query naming the variant for the message, so a busy
	// variant's adjustments wait on nothing else.
	refuse := func(status int, current *int64) error {
		v, pr, err := a.variantByParam(c)
		if err != nil {
			return err // another tenant's variant is a 404, whatever was typed
		}
		if fromList {
			return a.renderInventory(c, status, savedQuery(back), &f)
		}
		if current != nil {
			v.InventoryQuantity = *current
		}
		return a.renderLedger(c, status, v, pr, f, mode)
	}
	n, msg := models.ParseCount(f.Delta, models.MaxStock)
	if msg != "" {
		f.Errors["delta"] = msg
		return refuse(fiber.StatusUnprocessableEntity, nil)
	}
	if mode == "set" {
		seen, serr := strconv.ParseInt(strings.TrimSpace(c.FormValue("seen")), 10, 64)
		if serr != nil {
			f.Errors["delta"] = "The form lost the stock it was loaded with. Reload the page."
			return refuse(fiber.StatusUnprocessableEntity, nil)
		}
		_, err = a.store.SetInventory(ctx(c), t, id, seen, n, f.Reason, f.Note)
	} else {
		_, err = a.store.AdjustInventory(ctx(c), t, id, n, f.Reason, f.Note)
	}
	var ve *models.ValidationError
	var sc *models.StockConflictError
	switch {
	case errors.As(err, &ve):
		for k, m := range ve.Fields {
			if k == "quantity" {
				k = "delta"
			}
			f.Errors[k] = m
		}
		return refuse(fiber.StatusUnprocessableEntity, nil)
	case errors.As(err, &sc):
		f.Errors["delta"] = fmt.Sprintf("The stock changed to %d since you loaded the page, so %d was not recorded. Check the count and record it again.", sc.Current, n)
		return refuse(fiber.StatusConflict, &sc.Current)
	case err != nil:
		return err
	}
	product, variant, err := a.store.VariantLabel(ctx(c), t.ID, id, t.DefaultLocale)
	if err != nil {
		return err
	}
	if product == "" {
		product = "Untitled product"
	}
	msgDone := "Stock of " + product + " · " + variant + " changed by " + productviews.Signed(n) + "."
	if mode == "set" {
		msgDone = "Stock of " + product + " · " + variant + " set to " + strconv.FormatInt(n, 10) + "."
	}
	if fromList {
		return a.flashRedirect(c, "success", msgDone, back)
	}
	return a.flashRedirect(c, "success", msgDone, productviews.LedgerURL(t.Slug, id))
}
