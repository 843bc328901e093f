package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/dashboard"
	eventviews "github.com/rustok/rustok-admin/views/events"
	nodeviews "github.com/rustok/rustok-admin/views/nodes"
	productviews "github.com/rustok/rustok-admin/views/products"
	roleviews "github.com/rustok/rustok-admin/views/roles"
	"github.com/rustok/rustok-admin/views/tenants"
	userviews "github.com/rustok/rustok-admin/views/users"
)

// homeShow sends the user to their only tenant, or shows a picker when they have several or none.
func (a *App) homeShow(c *fiber.Ctx) error {
	if t := requestedTenant(c); t != nil { // named by X-Tenant-ID or the tenant's own domain
		return redirect(c, paths.URL(paths.Dashboard, t.Slug))
	}
	ts, err := a.store.TenantsForUser(ctx(c), currentUser(c).ID, 0)
	if err != nil {
		return err
	}
	if len(ts) == 1 {
		return redirect(c, paths.URL(paths.Dashboard, ts[0].Slug))
	}
	choices := make([]tenants.Choice, len(ts))
	for i, t := range ts {
		choices[i] = tenants.Choice{Slug: t.Slug, Name: t.Name}
	}
	return render(c, fiber.StatusOK, tenants.Picker(a.pageFor(c, "Choose a tenant"), choices))
}

// dashboardSnapshot is what every viewer of a tenant's dashboard sees alike: its counts, the
// chart of the last 30 days and the 10 newest events with their history titles and names.
type dashboardSnapshot struct {
	counts  models.DashboardCounts
	days    []events.DayCount
	chart   string // dashboard.ChartHTML(days)
	rows    []events.Row
	entries []components.HistoryEntry
	names   map[uuid.UUID]string
	stock   models.StockSummary // low and out-of-stock variants, a few of those out
}

// dashboardSnapshot loads the tenant's snapshot, or takes it from the summary cache, which any
// event of the tenant empties (internal/summary). A load is four statements: the counts
// (models.Store.DashboardCounts), the chart (whose last day is today's count), the newest events
// and their names.
func (a *App) dashboardSnapshot(c *fiber.Ctx, t *models.Tenant) (*dashboardSnapshot, error) {
	// Named by the UTC day: the chart and today's count move at midnight.
	v, err := a.summaries.Get(ctx(c), t.ID, "dashboard:"+a.now().UTC().Format(time.DateOnly), func(ctx context.Context) (any, error) {
		var s dashboardSnapshot
		var err error
		if s.counts, err = a.store.DashboardCounts(ctx, t.ID); err != nil {
			return nil, err
		}
		scope := events.TenantScope(t.ID)
		if s.stock, err = a.store.StockSummary(ctx, t); err != nil {
			return nil, err
		}
		if s.days, err = a.store.EventsPerDay(ctx, scope, a.now(), 30); err != nil {
			return nil, err
		}
		if s.chart, err = dashboard.ChartHTML(s.days); err != nil {
			return nil, err
		}
		if s.rows, _, err = a.store.Events(ctx, events.Filter{Scope: scope, Limit: 10}); err != nil {
			return nil, err
		}
		// The same words as every history panel: one formatter per aggregate describes each
		// event; the names of the list and of the entries come from one statement.
		also := eventNameQuery(t, s.rows, nil)
		entries, names, err := a.historyEntriesAnd(ctx, &t.ID, s.rows, nil, also)
		if err != nil {
			return nil, err
		}
		s.entries, s.names = entries, eventNameMap(t, also, names)
		return &s, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*dashboardSnapshot), nil
}

// dashboardShow renders the open tenant's dashboard: counts, what needs attention, and the
// event chart and recent activity. Each part is shown only to a viewer who may open the list
// behind it (the navigation's check). The tenant's snapshot is shared by every viewer and
// cached until the tenant's next event (at most 5 s); the members come from the principal
// cache.
func (a *App) dashboardShow(c *fiber.Ctx) error {
	t := currentTenant(c)
	roles, _ := c.Locals(localRoles).([]string)
	d := dashboard.Data{TenantName: t.Name, TenantSlug: t.Slug, DefaultLocale: t.DefaultLocale, Locales: t.Locales, Roles: roles}
	snap, err := a.dashboardSnapshot(c, t)
	if err != nil {
		return err
	}
	counts := snap.counts
	if a.mayGet(c, paths.Nodes) {
		byStatus := counts.Nodes
		for _, s := range []string{models.NodeDraft, models.NodePublished, models.NodeArchived} {
			d.Counts = append(d.Counts, dashboard.Count{Label: "Content " + s, Value: byStatus[s],
				Href: nodeviews.ListURL(t.Slug) + "?status=" + s, TestID: "count-nodes-" + s})
		}
		if n := byStatus[models.NodeDraft]; n > 0 {
			d.Attention = append(d.Attention, dashboard.Attention{Text: howMany(n, "draft", "drafts") + " not yet published",
				Href: nodeviews.ListURL(t.Slug) + "?status=" + models.NodeDraft, TestID: "attention-drafts"})
		}
	}
	if a.mayGet(c, paths.Inventory) {
		dashboardStock(t, snap.stock, &d, a.mayGet(c, paths.InventoryVariant))
	}
	if a.mayGet(c, paths.Users) {
		members, err := a.users.Members(ctx(c), t.ID)
		if err != nil {
			return err
		}
		d.Counts = append(d.Counts, dashboard.Count{Label: "Users", Value: int64(len(members)), Href: userviews.ListURL(t.Slug), TestID: "count-users"})
	}
	if a.mayGet(c, paths.Roles) {
		d.Counts = append(d.Counts, dashboard.Count{Label: "Roles", Value: counts.Roles, Href: roleviews.ListURL(t.Slug), TestID: "count-roles"})
	}
	if a.mayGet(c, paths.Events) {
		a.dashboardEvents(c, t, snap, &d)
	}
	p := a.pageFor(c, t.Name)
	p.Section = "dashboard"
	return render(c, fiber.StatusOK, dashboard.Page(p, d))
}

// dashboardStock fills the stock parts of the dashboard: the low and out-of-stock counts (a
// stock change is an event, so the snapshot is never older than the last one), an attention
// line for variants low on stock and the list of those out of stock, linked to their ledgers
// when the viewer may open them.
func dashboardStock(t *models.Tenant, s models.StockSummary, d *dashboard.Data, mayLedger bool) {
	inv := productviews.InventoryURL(t.Slug)
	d.Counts = append(d.Counts,
		dashboard.Count{Label: "Variants low on stock", Value: int64(s.Low), Href: inv + "?stock=" + models.StockLow, TestID: "count-stock-low"},
		dashboard.Count{Label: "Variants out of stock", Value: int64(s.Out), Href: inv + "?stock=" + models.StockOut, TestID: "count-stock-out"})
	if s.Low > 0 {
		d.Attention = append(d.Attention, dashboard.Attention{Text: howMany(int64(s.Low), "variant", "variants") + " low on stock",
			Href: inv + "?stock=" + models.StockLow, TestID: "attention-stock-low"})
	}
	d.Stock = true
	d.OutOfStockMore = s.Out > len(s.OutRows)
	d.OutOfStockHref = inv + "?stock=" + models.StockOut
	for _, r := range s.OutRows {
		item := dashboard.OutOfStock{Product: r.ProductTitle, Variant: r.Variant.Title(), SKU: r.SKU, Quantity: r.Quantity}
		if mayLedger {
			item.Href = productviews.LedgerURL(t.Slug, r.VariantID)
		}
		d.OutOfStock = append(d.OutOfStock, item)
	}
}

// dashboardEvents fills the event parts of the dashboard from the snapshot: today's and failed
// counts, the chart of the last 30 days and the 10 newest events.
func (a *App) dashboardEvents(c *fiber.Ctx, t *models.Tenant, snap *dashboardSnapshot, d *dashboard.Data) {
	d.Events, d.EventsLog = true, eventviews.Log{Slug: t.Slug}
	today := a.now().UTC().Truncate(24 * time.Hour)
	days, failed := snap.days, snap.counts.FailedEvents
	var todays int64
	if n := len(days); n > 0 && days[n-1].Day.Equal(today) {
		todays = days[n-1].Count
	}
	d.Counts = append(d.Counts,
		dashboard.Count{Label: "Events today (UTC)", Value: todays, Href: d.EventsLog.URL() + "?from=" + today.Format("2006-01-02"), TestID: "count-events-today"},
		dashboard.Count{Label: "Failed events", Value: failed, Href: d.EventsLog.URL() + "?status=" + events.StatusFailed, TestID: "count-events-failed"})
	if failed > 0 {
		d.Attention = append([]dashboard.Attention{{Text: howMany(failed, "failed event", "failed events") + " to retry",
			Href: d.EventsLog.URL() + "?status=" + events.StatusFailed, TestID: "attention-failed"}}, d.Attention...)
	}
	d.Chart = snap.chart
	mayRead := a.mayGet(c, paths.Event)
	d.Names = snap.names
	entries := snap.entries
	for i, r := range snap.rows {
		item := dashboard.Activity{Row: r}
		if i < len(entries) {
			item.Title, item.Summary = entries[i].Title, activitySummary(entries[i])
		}
		if mayRead {
			item.Href = eventviews.DetailURL(d.EventsLog, r)
		}
		d.Activity = append(d.Activity, item)
	}
}

// mayGet reports whether the viewer may open the GET route declared with path in the open
// tenant: the check the navigation makes, so the dashboard never shows what its link refuses.
func (a *App) mayGet(c *fiber.Ctx, path string) bool {
	r, ok := a.routeIndex()[fiber.MethodGet+" "+path]
	return ok && a.mayOpen(c, currentUser(c), currentTenant(c), r)
}

// howMany says "1 draft" or "3 drafts".
func howMany(n int64, one, many string) string {
	return strconv.FormatInt(n, 10) + " " + plural(int(n), one, many)
}

// activitySummary is one line of what a history entry says: its change lines, chips and diffs.
func activitySummary(e components.HistoryEntry) string {
	parts := slices.Clone(e.Lines)
	for _, ch := range e.Chips {
		sign := "− "
		if ch.Added {
			sign = "+ "
		}
		parts = append(parts, sign+ch.Text)
	}
	for _, d := range e.Diffs {
		parts = append(parts, d.Label+" edited")
	}
	s := strings.Join(parts, "; ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}
