package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestDashboard(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).Name("Ada Admin").WithRole(tn, "admin").Create()
	testkit.Node(t, app.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "First draft", "").Create()
	testkit.Node(t, app.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Second draft", "").Create()
	pub := testkit.Node(t, app.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Out now", "").Published().Create()
	appendEvents(t, app.Store, tn.ID, admin.ID, nodePublished(pub.ID))
	failed := storedEvent(t, app.Store, &tn.ID, "node.published")
	if err := app.Store.DB().Model(&failed).Update("status", events.StatusFailed).Error; err != nil {
		t.Fatal(err)
	}
	home := "/t/" + tn.Slug + "/"
	adminPage := testkit.Client(t, app).LoginAs(admin).Get(home).ExpectStatus(http.StatusOK)

	t.Run("an admin sees content by status, users, roles, events today and failed events", func(t *testing.T) {
		for id, want := range map[string]string{
			"count-nodes-draft": "2", "count-nodes-published": "1", "count-nodes-archived": "0",
			"count-users": "1", "count-roles": "3", "count-events-failed": "1",
		} {
			if got := adminPage.Text(id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		// Creating the tenant, its roles and three nodes, and the publication all happened today.
		if got := adminPage.Text("count-events-today"); got == "" || got == "0" {
			t.Errorf("events today = %q, want them counted", got)
		}
		if href, _ := adminPage.TestID("count-nodes-draft").Attr("href"); href != home+"nodes?status=draft" {
			t.Errorf("draft count links to %q", href)
		}
	})

	t.Run("needs attention links to the failed events and the drafts", func(t *testing.T) {
		for id, want := range map[string]string{
			"attention-failed": home + "events?status=failed",
			"attention-drafts": home + "nodes?status=draft",
		} {
			if href, _ := adminPage.TestID(id).Attr("href"); href != want {
				t.Errorf("%s links to %q, want %q", id, href, want)
			}
		}
		if got := adminPage.Text("attention-failed"); !strings.HasPrefix(got, "1 failed event") {
			t.Errorf("failed attention says %q", got)
		}
		if got := adminPage.Text("attention-drafts"); !strings.HasPrefix(got, "2 drafts") {
			t.Errorf("drafts attention says %q", got)
		}
	})

	t.Run("recent activity lists the ten newest events with names, linking to each event", func(t *testing.T) {
		items := adminPage.TestID("activity-item")
		if items.Length() != 10 {
			t.Fatalf("%d activity items, want 10", items.Length())
		}
		first := items.First()
		if got := strings.TrimSpace(first.Find(`[data-testid="activity-title"]`).Text()); got != "Published" {
			t.Errorf("newest activity is titled %q, want Published", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="activity-type"]`).Text()); got != "node.published" {
			t.Errorf("newest activity's type %q, want node.published in small print", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="event-actor"]`).Text()); got != "Ada Admin" {
			t.Errorf("actor %q, want Ada Admin", got)
		}
		if got := strings.Join(strings.Fields(first.Find(`[data-testid="activity-aggregate"]`).Text()), " "); got != "node Out now" {
			t.Errorf("aggregate %q, want the node's title", got)
		}
		if href, _ := first.Find(`[data-testid="activity-type"]`).Attr("href"); href != home+"events/"+failed.ID.String() {
			t.Errorf("activity links to %q", href)
		}
	})

	t.Run("the chart is an accessible SVG of 30 days with the numbers in a hidden table", func(t *testing.T) {
		svg := adminPage.TestID("chart-svg")
		if role, _ := svg.Attr("role"); role != "img" {
			t.Errorf("svg role %q, want img", role)
		}
		label, _ := svg.Attr("aria-label")
		if !strings.Contains(label, "Events per day") || strings.TrimSpace(svg.ChildrenFiltered("title").Text()) != label {
			t.Errorf("svg label %q and title should summarise the chart", label)
		}
		if n := svg.Find(`[data-testid="chart-bar"]`).Length(); n != 30 {
			t.Fatalf("%d bars, want 30", n)
		}
		last, _ := svg.Find(`[data-testid="chart-bar"]`).Last().Attr("data-count")
		rows := adminPage.TestID("chart-table").Find("tbody tr")
		if rows.Length() != 30 || strings.TrimSpace(rows.Last().Find("td").Last().Text()) != last || last == "0" {
			t.Errorf("table rows %d, today's bar %q vs table %q", rows.Length(), last, rows.Last().Text())
		}
		if !adminPage.TestID("chart-table").HasClass("sr-only") {
			t.Error("the chart's table is not visually hidden")
		}
	})

	t.Run("a customer sees content counts but no event counts, chart or activity", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "customer")
		res := c.Get(home).ExpectStatus(http.StatusOK)
		if res.Text("count-nodes-draft") != "2" {
			t.Errorf("customer's draft count %q, want 2", res.Text("count-nodes-draft"))
		}
		for _, id := range []string{"count-events-today", "count-events-failed", "attention-failed", "activity", "activity-item",
			"events-chart", "count-users", "count-roles"} {
			if res.TestID(id).Length() != 0 {
				t.Errorf("a customer sees %s", id)
			}
		}
	})

	t.Run("a manager sees users but not roles", func(t *testing.T) {
		c, _ := testkit.ClientAs(t, app, tn, "manager")
		res := c.Get(home).ExpectStatus(http.StatusOK)
		if res.TestID("count-users").Length() != 1 || res.TestID("count-roles").Length() != 0 {
			t.Error("a manager should see the user count and not the role count")
		}
	})

	t.Run("a viewer who may list but not read events sees activity without links", func(t *testing.T) {
		nodesCustomRole(t, app, tn, "auditor", models.Permission{Resource: "events", Action: "list"})
		c, _ := testkit.ClientAs(t, app, tn, "auditor")
		res := c.Get(home).ExpectStatus(http.StatusOK)
		if res.TestID("activity-item").Length() == 0 {
			t.Fatal("no activity for a viewer with events:list")
		}
		res.TestID("activity-type").Each(func(_ int, s *goquery.Selection) {
			if goquery.NodeName(s) == "a" {
				t.Error("activity links to an event the viewer may not read")
			}
		})
		if res.TestID("count-nodes-draft").Length() != 0 || res.TestID("attention-drafts").Length() != 0 {
			t.Error("content counts shown without nodes:list")
		}
	})
}

func TestDashboardNothingNeedsAttention(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	c, _ := testkit.ClientAs(t, app, tn, "admin")
	res := c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	if res.TestID("attention-none").Length() != 1 || res.TestID("attention-failed").Length() != 0 {
		t.Error("a tenant without drafts or failures should need no attention")
	}
}

// TestDashboardSnapshotIsCachedUntilTheTenantsNextEvent: the second view reads nothing from the
// database, and a change of the tenant shows on the very next view.
func TestDashboardSnapshotIsCachedUntilTheTenantsNextEvent(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	c := testkit.Client(t, app).LoginAs(admin)
	home := "/t/" + tn.Slug + "/"
	if got := c.Get(home).ExpectStatus(http.StatusOK).Text("count-nodes-draft"); got != "0" {
		t.Fatalf("drafts %q before any node", got)
	}
	sql := testkit.CountStatements(t, app.Store)
	sql.Start()
	c.Get(home).ExpectStatus(http.StatusOK)
	if st := sql.Stop(); len(st) != 0 {
		t.Errorf("a second view sent %d statements, want none: %v", len(st), st)
	}
	testkit.Node(t, app.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Fresh", "").Create()
	if got := c.Get(home).ExpectStatus(http.StatusOK).Text("count-nodes-draft"); got != "1" {
		t.Fatalf("drafts %q right after node.created, want 1", got)
	}
}
