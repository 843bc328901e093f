package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestHistoryComponent(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Name("Acme Books").Create()
	hanna := testkit.User(t, app.Store).Name("Hanna History").WithRole(tn, "manager").Create()
	hc := testkit.Client(t, app).LoginAs(hanna)
	hc.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	frag := testkit.Client(t, app).LoginAs(hanna)
	frag.Header.Set("HX-Request", "true")
	texts := func(s *goquery.Selection) []string {
		var out []string
		s.Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
		return out
	}
	actx := events.WithActor(context.Background(), hanna.ID)

	parent := testkit.Node(t, app.Store, tn).Kind("page").Translation("en", "The Parent Page", "").Create()
	base := nodesBase(tn)
	res := hc.PostForm(base, url.Values{"kind": {"page"}, "parent_id": {parent.ID.String()}, "t.en.title": {"Diffed"}, "t.en.body": {"one\ntwo\nthree"}}).ExpectStatus(http.StatusSeeOther)
	id := testkit.MustUUID(t, strings.TrimPrefix(res.Location(), base+"/"))
	path := nodePath(tn, id)
	hc.PostForm(path, url.Values{"version": {versionOf(app, "nodes", "id = ?", id)}, "parent_id": {parent.ID.String()}, "t.en.title": {"Diffed"}, "t.en.slug": {"diffed"}, "t.en.body": {"one\n2\nthree\nfour"}}).ExpectStatus(http.StatusSeeOther)

	t.Run("a body edit is a line diff of what was removed and added", func(t *testing.T) {
		h := hc.Get(path + "/history").ExpectStatus(http.StatusOK)
		diff := h.TestID("history-diff")
		if diff.Length() != 1 {
			t.Fatalf("%d diffs, want 1:\n%s", diff.Length(), h.Body)
		}
		if got := texts(diff.Find(`[data-testid="diff-removed"]`)); !slices.Equal(got, []string{"− two"}) {
			t.Errorf("removed %q", got)
		}
		if got := texts(diff.Find(`[data-testid="diff-added"]`)); !slices.Equal(got, []string{"+ 2", "+ four"}) {
			t.Errorf("added %q", got)
		}
		if !strings.Contains(diff.Text(), "en · body") {
			t.Errorf("diff label %q", diff.Text())
		}
	})

	t.Run("actors and the nodes events point at are named, never shown as ids", func(t *testing.T) {
		h := hc.Get(path + "/history").ExpectStatus(http.StatusOK)
		for _, a := range texts(h.TestID("history-actor")) {
			if a != "Hanna History" {
				t.Errorf("actor %q", a)
			}
		}
		panel := h.TestID("node-history").Text()
		if !strings.Contains(panel, "under The Parent Page") {
			t.Errorf("the parent is not named:\n%s", panel)
		}
		for _, raw := range []string{hanna.ID.String()[:8], parent.ID.String()[:8]} {
			if strings.Contains(panel, raw) {
				t.Errorf("the panel shows the id prefix %s:\n%s", raw, panel)
			}
		}
	})

	t.Run("permission events are added and removed chips", func(t *testing.T) {
		if _, err := app.Store.CloneRole(actx, tn.ID, "customer", "editors", ""); err != nil {
			t.Fatal(err)
		}
		role, err := app.Store.RoleByName(actx, tn.ID, "editors")
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Store.SetPermission(actx, tn.ID, "editors", models.Permission{Resource: "nodes", Action: "publish"}, true); err != nil {
			t.Fatal(err)
		}
		if err := app.Store.SetPermission(actx, tn.ID, "editors", models.Permission{Resource: "nodes", Action: "read"}, false); err != nil {
			t.Fatal(err)
		}
		h := frag.Get("/t/" + tn.Slug + "/events/aggregate/role/" + role.ID.String()).ExpectStatus(http.StatusOK)
		items := h.TestID("history-item")
		if items.Length() != 3 {
			t.Fatalf("%d items, want 3:\n%s", items.Length(), h.Body)
		}
		if got := texts(items.Eq(0).Find(`[data-testid="chip-removed"]`)); !slices.Equal(got, []string{"− nodes:read"}) {
			t.Errorf("revoke chips %q", got)
		}
		if got := texts(items.Eq(1).Find(`[data-testid="chip-added"]`)); !slices.Equal(got, []string{"+ nodes:publish"}) {
			t.Errorf("grant chips %q", got)
		}
		created := texts(items.Eq(2).Find(`[data-testid="chip-added"]`))
		if !slices.Contains(created, "+ nodes:read") || items.Eq(2).Find(`[data-testid="chip-removed"]`).Length() != 0 {
			t.Errorf("role.created chips %q", created)
		}
		if got := strings.TrimSpace(items.Eq(0).Find(`[data-testid="history-actor"]`).Text()); got != "Hanna History" {
			t.Errorf("actor %q", got)
		}
		if got := texts(items.Find(`[data-testid="history-title"]`)); !slices.Equal(got, []string{"Permission revoked", "Permission granted", "Role created"}) {
			t.Errorf("titles %q", got)
		}
		if got := texts(items.Find(`[data-testid="history-type"]`)); !slices.Equal(got, []string{"role.permission_revoked", "role.permission_granted", "role.created"}) {
			t.Errorf("the raw types in small print are %q", got)
		}
	})

	t.Run("a role assignment names the tenant", func(t *testing.T) {
		ulla := testkit.User(t, app.Store).Name("Ulla User").Create()
		if err := app.Store.AssignRole(events.WithTenant(actx, tn.ID), ulla.ID, "customer", tn.ID.String()); err != nil {
			t.Fatal(err)
		}
		h := frag.Get("/t/" + tn.Slug + "/events/aggregate/user/" + ulla.ID.String()).ExpectStatus(http.StatusOK)
		if got := texts(h.TestID("chip-added")); !slices.Contains(got, "+ customer in Acme Books") {
			t.Errorf("assignment chips %q:\n%s", got, h.Body)
		}
		if got := texts(h.TestID("history-title")); !slices.Contains(got, "Role customer assigned to Ulla User") {
			t.Errorf("titles %q", got)
		}
	})

	t.Run("the node page and the tenant page render the same component", func(t *testing.T) {
		name := "Acme Books & Co"
		if _, err := app.Store.UpdateTenant(actx, tn.ID, models.TenantUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		node := hc.Get(path + "/history").ExpectStatus(http.StatusOK)
		tenant := frag.Get("/t/" + tn.Slug + "/events/aggregate/tenant/" + tn.ID.String()).ExpectStatus(http.StatusOK)
		shape := func(res *testkit.Response, id string) string {
			item := res.Find("section#" + id + `[data-testid="` + id + `"] > ol > li[data-testid="history-item"]`).First()
			if item.Length() == 0 {
				t.Fatalf("no history item in #%s:\n%s", id, res.Body)
			}
			return fmt.Sprint(item.AttrOr("class", ""), item.Find(`[data-testid="history-type"]`).Length(),
				item.Find(`[data-testid="history-actor"]`).Length(), item.Find("time[datetime]").Length(),
				item.Find(`[data-testid="history-actor"]`).Parent().AttrOr("class", ""))
		}
		if a, b := shape(node, "node-history"), shape(tenant, "aggregate-history"); a != b {
			t.Errorf("the node page's entry %q differs from the tenant page's %q", a, b)
		}
		first := tenant.TestID("history-item").First()
		if got := strings.TrimSpace(first.Find(`[data-testid="history-summary"]`).Text()); got != "name: Acme Books → Acme Books & Co" {
			t.Errorf("tenant summary %q", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="history-title"]`).Text()); got != "Name changed" {
			t.Errorf("tenant title %q", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="history-actor"]`).Text()); got != "Hanna History" {
			t.Errorf("tenant actor %q", got)
		}
	})
}

func TestLineDiffShowsTwentyChangedLines(t *testing.T) {
	var old, nw []string
	for i := range 30 {
		old = append(old, fmt.Sprintf("line %d", i))
		nw = append(nw, fmt.Sprintf("LINE %d", i))
	}
	d := handlers.LineDiff("en · body", strings.Join(old, "\n"), strings.Join(nw, "\n"))
	if len(d.Lines) != handlers.MaxDiffLines || d.More != 40 {
		t.Errorf("%d lines and %d more, want %d and 40", len(d.Lines), d.More, handlers.MaxDiffLines)
	}
}
