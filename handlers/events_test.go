package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// appendEvents commits events scoped to the tenant and caused by the actor (uuid.Nil = system),
// as a models method would.
func appendEvents(t *testing.T, store *models.Store, tenant, actor uuid.UUID, evts ...events.Event) {
	t.Helper()
	ctx := events.WithTenant(context.Background(), tenant)
	if actor != uuid.Nil {
		ctx = events.WithActor(ctx, actor)
	}
	if err := store.WithTx(ctx, func(ctx context.Context) error { return store.Append(ctx, evts...) }); err != nil {
		t.Fatalf("append: %v", err)
	}
}

func nodePublished(id uuid.UUID) events.Event {
	return &events.NodePublished{NodeRef: events.NodeRef{NodeID: id}}
}

// storedEvent returns the newest stored event of the type in the tenant (nil = platform).
func storedEvent(t *testing.T, store *models.Store, tenant *uuid.UUID, eventType string) events.Row {
	t.Helper()
	q := store.DB().Where("event_type = ?", eventType)
	if tenant == nil {
		q = q.Where("tenant_id IS NULL")
	} else {
		q = q.Where("tenant_id = ?", *tenant)
	}
	var row events.Row
	if err := q.Order("seq DESC").Take(&row).Error; err != nil {
		t.Fatalf("stored %s event: %v", eventType, err)
	}
	return row
}

// rowTypes returns the event types of the table's rows, top to bottom.
func rowTypes(res *testkit.Response) []string {
	var out []string
	res.TestID("event-row").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find(`[data-testid="event-type"]`).Text()))
	})
	return out
}

// rowIDs returns the event ids of the table's rows.
func rowIDs(res *testkit.Response) []string {
	var out []string
	res.TestID("event-row").Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-event-id")
		out = append(out, id)
	})
	return out
}

func TestEventLogList(t *testing.T) {
	t.Parallel()

	t.Run("signing in leaves a user.logged_in row that the platform log shows", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		tn := testkit.Tenant(t, app.Store).Create()
		admin := testkit.User(t, app.Store).SuperAdmin().Create()
		c := testkit.Client(t, app).LoginAs(admin)
		res := c.Get("/events").ExpectStatus(http.StatusOK)
		if !slices.Contains(rowTypes(res), "user.logged_in") {
			t.Fatalf("platform log rows %v lack user.logged_in", rowTypes(res))
		}
		row := res.Find(`[data-testid="event-row"]`).First()
		if got := strings.TrimSpace(row.Find(`[data-testid="event-type"]`).Text()); got != "user.logged_in" {
			t.Fatalf("newest row is %q, want the sign-in", got)
		}
		if got := strings.TrimSpace(row.Find(`[data-testid="event-actor"]`).Text()); got != admin.Name {
			t.Errorf("actor shown as %q, want the admin's name %q", got, admin.Name)
		}
		if got := strings.TrimSpace(row.Find(`[data-testid="event-version"]`).Text()); got != "v3" {
			t.Errorf("version shown as %q, want v3", got)
		}
		// A sign-in belongs to no tenant, so a tenant's log does not show it.
		if slices.Contains(rowTypes(c.Get("/t/"+tn.Slug+"/events").ExpectStatus(http.StatusOK)), "user.logged_in") {
			t.Error("the tenant's log shows a platform sign-in")
		}
	})

	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Name("Before").Create()
	member := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	node := uuid.New()
	appendEvents(t, app.Store, tn.ID, member.ID, nodePublished(node))
	appendEvents(t, app.Store, tn.ID, uuid.Nil, &events.NodeArchived{NodeRef: events.NodeRef{NodeID: node}})
	name := "After"
	if _, err := app.Store.UpdateTenant(events.WithActor(context.Background(), member.ID), tn.ID, models.TenantUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	archived := storedEvent(t, app.Store, &tn.ID, "node.archived")
	if err := app.Store.DB().Model(&archived).Update("status", events.StatusFailed).Error; err != nil {
		t.Fatal(err)
	}
	c := testkit.Client(t, app).LoginAs(member)
	list := "/t/" + tn.Slug + "/events"

	t.Run("a member sees the tenant's events newest first with type, version, aggregate, actor and status", func(t *testing.T) {
		res := c.Get(list).ExpectStatus(http.StatusOK)
		// CreateTenant wrote tenant.created and then role.created for each of the three system roles.
		want := []string{"tenant.updated", "node.archived", "node.published", "role.created", "role.created", "role.created", "tenant.created"}
		if got := rowTypes(res); !slices.Equal(got, want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
		first := res.TestID("event-row").First()
		if got := strings.Join(strings.Fields(first.Find(`[data-testid="event-aggregate"]`).Text()), " "); got != "tenant After" {
			t.Errorf("aggregate shown as %q, want the tenant's name", got)
		}
		href, _ := first.Find(`[data-testid="event-aggregate"]`).Attr("href")
		if !strings.Contains(href, "aggregate_id="+tn.ID.String()) || !strings.Contains(href, "aggregate_type=tenant") {
			t.Errorf("aggregate link %q does not filter by the aggregate", href)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="event-actor"]`).Text()); got != member.Name {
			t.Errorf("actor %q, want the member's name %q", got, member.Name)
		}
		statuses := map[string]string{}
		res.TestID("event-row").Each(func(_ int, s *goquery.Selection) {
			statuses[strings.TrimSpace(s.Find(`[data-testid="event-type"]`).Text())] = strings.TrimSpace(s.Find(`[data-testid="event-status"]`).Text())
		})
		if statuses["node.archived"] != "failed" || statuses["tenant.updated"] != "pending" {
			t.Errorf("statuses %v", statuses)
		}
		if got := res.Find(`[data-testid="event-row"] [data-testid="event-actor"]`).Eq(1).Text(); strings.TrimSpace(got) != "system" {
			t.Errorf("an event without an actor shows %q, want system", got)
		}
		if res.TestID("nav-events").HasClass("nav-link-active") != true {
			t.Error("the Events navigation link is not marked active")
		}
		for _, name := range []string{"type", "status", "aggregate_type", "aggregate_id", "actor_id", "from", "to"} {
			if res.Find(`label[for="filter-`+name+`"]`).Length() != 1 || res.Find(`#filter-`+name).Length() != 1 {
				t.Errorf("filter %s has no labelled input", name)
			}
		}
		if res.Find(`#filter-type option[value="user.logged_in"]`).Length() != 1 {
			t.Error("the type select does not offer the catalog's types")
		}
	})

	t.Run("filters narrow the table", func(t *testing.T) {
		today := time.Now().UTC().Format(time.DateOnly)
		for _, tc := range []struct {
			name  string
			query url.Values
			want  []string
		}{
			{"by type", url.Values{"type": {"node.published"}}, []string{"node.published"}},
			{"by another type", url.Values{"type": {"role.created"}}, []string{"role.created", "role.created", "role.created"}},
			{"by status", url.Values{"status": {"failed"}}, []string{"node.archived"}},
			{"by aggregate type", url.Values{"aggregate_type": {"tenant"}}, []string{"tenant.updated", "tenant.created"}},
			{"by aggregate", url.Values{"aggregate_type": {"node"}, "aggregate_id": {node.String()}}, []string{"node.archived", "node.published"}},
			{"by actor", url.Values{"actor_id": {member.ID.String()}}, []string{"tenant.updated", "node.published"}},
			{"by a date range including today", url.Values{"from": {today}, "to": {today}},
				[]string{"tenant.updated", "node.archived", "node.published", "role.created", "role.created", "role.created", "tenant.created"}},
			{"by type and status together", url.Values{"type": {"node.published"}, "status": {"failed"}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := c.Get(list + "?" + tc.query.Encode()).ExpectStatus(http.StatusOK)
				if got := rowTypes(res); !slices.Equal(got, tc.want) {
					t.Fatalf("rows %v, want %v", got, tc.want)
				}
				for key := range tc.query {
					sel := res.Find("#filter-" + key)
					v, _ := sel.Attr("value")
					if sel.Is("select") {
						v, _ = sel.Find("option[selected]").Attr("value")
					}
					if v != tc.query.Get(key) {
						t.Errorf("the form lost %s: %q", key, v)
					}
				}
			})
		}
	})

	t.Run("nothing matching shows an empty state", func(t *testing.T) {
		res := c.Get(list + "?from=2001-01-01&to=2001-01-02").ExpectStatus(http.StatusOK)
		if len(rowTypes(res)) != 0 || res.TestID("empty-state").Length() != 1 {
			t.Fatalf("want the empty state, rows %v", rowTypes(res))
		}
	})

	t.Run("an htmx filter change gets only the table fragment", func(t *testing.T) {
		hx := testkit.Client(t, app).LoginAs(member)
		hx.Header.Set("HX-Request", "true")
		res := hx.Get(list + "?type=node.published").ExpectStatus(http.StatusOK)
		if strings.Contains(string(res.Body), "<html") || res.Find("#events-table").Length() != 1 || res.Find("#events-filters").Length() != 0 {
			t.Fatalf("want the #events-table fragment alone, got:\n%s", res.Body)
		}
		if got := rowTypes(res); !slices.Equal(got, []string{"node.published"}) {
			t.Fatalf("fragment rows %v", got)
		}
		if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
			t.Errorf("Vary = %q", res.Header.Get("Vary"))
		}
	})

	t.Run("the filter form works without JavaScript and is enhanced with htmx", func(t *testing.T) {
		form := c.Get(list).Find("#events-filters")
		for attr, want := range map[string]string{"method": "get", "action": list, "hx-get": list, "hx-trigger": "change, submit",
			"hx-target": "#events-table", "hx-push-url": "true"} {
			if got, _ := form.Attr(attr); got != want {
				t.Errorf("form %s=%q, want %q", attr, got, want)
			}
		}
	})

	t.Run("malformed filters are a 422 with a message next to the field", func(t *testing.T) {
		for _, tc := range []struct{ field, value string }{
			{"aggregate_id", "not-a-uuid"},
			{"actor_id", "1234"},
			{"from", "2024-13-45"},
			{"to", "yesterday"},
			{"status", "lost"},
			{"type", "no.such_event"},
			{"aggregate_type", "spaceship"},
		} {
			t.Run(tc.field, func(t *testing.T) {
				res := c.Get(list + "?" + url.Values{tc.field: {tc.value}}.Encode()).ExpectStatus(http.StatusUnprocessableEntity)
				if res.Text("filter-"+tc.field+"-error") == "" {
					t.Fatalf("no message next to %s:\n%s", tc.field, res.Body)
				}
				if got, _ := res.Find("#filter-" + tc.field).Attr("aria-invalid"); got != "true" {
					t.Errorf("%s is not marked invalid", tc.field)
				}
				if res.Find("#events-filters").Length() != 1 || res.TestID("filter-error").Length() != 1 || len(rowTypes(res)) != 0 {
					t.Errorf("want the form re-rendered, a summary and no rows")
				}
				if tc.field != "status" && tc.field != "type" && tc.field != "actor_id" && tc.field != "aggregate_type" {
					if v, _ := res.Find("#filter-" + tc.field).Attr("value"); v != tc.value {
						t.Errorf("the typed value was lost: %q", v)
					}
				}
			})
		}
		t.Run("an end date before the start date", func(t *testing.T) {
			res := c.Get(list + "?from=2024-05-02&to=2024-05-01").ExpectStatus(http.StatusUnprocessableEntity)
			if res.Text("filter-to-error") == "" {
				t.Fatal("no message next to the end date")
			}
		})
		t.Run("a broken page link", func(t *testing.T) {
			for _, q := range []string{"before=abc", "before=-3", "limit=0", "limit=100000"} {
				res := c.Get(list + "?" + q).ExpectStatus(http.StatusUnprocessableEntity)
				if res.Text("filter-error") == "" {
					t.Errorf("%s: no message", q)
				}
			}
		})
		t.Run("over htmx the fragment carries the messages, since htmx swaps only 2xx", func(t *testing.T) {
			hx := testkit.Client(t, app).LoginAs(member)
			hx.Header.Set("HX-Request", "true")
			res := hx.Get(list + "?aggregate_id=nope").ExpectStatus(http.StatusOK)
			slot := res.TestID("filter-aggregate_id-error")
			if strings.TrimSpace(slot.Text()) == "" || slot.AttrOr("hx-swap-oob", "") != "true" {
				t.Fatalf("want an out-of-band error slot with the message:\n%s", res.Body)
			}
			if res.TestID("filter-error").Length() != 1 {
				t.Error("the table does not say the filters are invalid")
			}
			ok := hx.Get(list + "?aggregate_id=" + node.String()).ExpectStatus(http.StatusOK)
			if slot := ok.TestID("filter-aggregate_id-error"); slot.Length() != 1 || strings.TrimSpace(slot.Text()) != "" {
				t.Error("a fixed field's message is not cleared")
			}
		})
	})
}

func TestEventLogPagination(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create() // tenant.created and three role.created
	member := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	for range 27 {
		appendEvents(t, app.Store, tn.ID, uuid.Nil, nodePublished(uuid.New()))
	}
	other := uuid.New()
	appendEvents(t, app.Store, tn.ID, uuid.Nil, &events.NodeArchived{NodeRef: events.NodeRef{NodeID: other}})
	c := testkit.Client(t, app).LoginAs(member)

	t.Run("older-events links page through everything exactly once", func(t *testing.T) {
		seen := map[string]bool{}
		next, pages := "/t/"+tn.Slug+"/events?limit=7", 0
		for next != "" {
			res := c.Get(next).ExpectStatus(http.StatusOK)
			pages++
			ids := rowIDs(res)
			if len(ids) == 0 || len(ids) > 7 {
				t.Fatalf("page %d has %d rows", pages, len(ids))
			}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("event %s is on two pages", id)
				}
				seen[id] = true
			}
			next, _ = res.TestID("older-events").Attr("href")
			if next != "" && !strings.Contains(next, "limit=7") {
				t.Fatalf("the older-events link %q dropped the page size", next)
			}
			if pages > 1 && res.TestID("newest-events").Length() != 1 {
				t.Error("no way back to the newest events")
			}
		}
		if len(seen) != 32 || pages != 5 { // tenant.created + 3 role.created + 27 + 1
			t.Fatalf("%d events on %d pages, want 32 on 5", len(seen), pages)
		}
	})

	t.Run("the cursor keeps the filters", func(t *testing.T) {
		res := c.Get("/t/" + tn.Slug + "/events?type=node.published&limit=20").ExpectStatus(http.StatusOK)
		next, _ := res.TestID("older-events").Attr("href")
		if !strings.Contains(next, "type=node.published") {
			t.Fatalf("older-events link %q lost the type filter", next)
		}
		rest := c.Get(next).ExpectStatus(http.StatusOK)
		if got := rowTypes(rest); len(got) != 7 || slices.ContainsFunc(got, func(s string) bool { return s != "node.published" }) {
			t.Fatalf("second filtered page %v", got)
		}
		if rest.TestID("older-events").Length() != 0 {
			t.Error("the last page links to an older one")
		}
	})
}

func TestEventDetail(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Name("Old Name").Create()
	other := testkit.Tenant(t, app.Store).Create()
	member := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	name := "New Name"
	if _, err := app.Store.UpdateTenant(context.Background(), tn.ID, models.TenantUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	c := testkit.Client(t, app).LoginAs(member)
	base := "/t/" + tn.Slug + "/events/"

	t.Run("an update event shows its payload and the changes old → new", func(t *testing.T) {
		row := storedEvent(t, app.Store, &tn.ID, "tenant.updated")
		res := c.Get(base + row.ID.String()).ExpectStatus(http.StatusOK)
		if res.Text("event-type") != "tenant.updated" || res.Text("event-id") != row.ID.String() || res.Text("schema-version") != "v1" {
			t.Fatalf("envelope: %q %q %q", res.Text("event-type"), res.Text("event-id"), res.Text("schema-version"))
		}
		changes := res.TestID("change-row")
		if changes.Length() != 1 {
			t.Fatalf("%d change rows, want 1", changes.Length())
		}
		field, old, new := changes.Find(`[data-testid="change-field"]`).Text(), changes.Find(`[data-testid="change-old"]`).Text(), changes.Find(`[data-testid="change-new"]`).Text()
		if field != "name" || old != "Old Name" || new != "New Name" {
			t.Fatalf("change %q: %q → %q", field, old, new)
		}
		payload := res.Text("payload")
		if !strings.Contains(payload, "\n  \"tenant_id\": \""+tn.ID.String()+"\"") || !strings.Contains(payload, "\"new\": \"New Name\"") {
			t.Fatalf("payload is not the indented JSON of the event:\n%s", payload)
		}
		if !strings.Contains(res.Text("event-tenant"), tn.Slug) || res.Text("event-actor") != "system" {
			t.Errorf("tenant %q, actor %q", res.Text("event-tenant"), res.Text("event-actor"))
		}
		if res.TestID("retry").Length() != 0 {
			t.Error("a pending event offers Retry")
		}
	})

	t.Run("a stored v1 event is shown upcast to the current version", func(t *testing.T) {
		user := uuid.New()
		now := time.Now().UTC()
		row := events.Row{ID: uuid.Must(uuid.NewV7()), EventType: "user.logged_in", SchemaVersion: 1, TenantID: &tn.ID,
			AggregateType: "user", AggregateID: user, CorrelationID: "req-old-1", OccurredAt: now,
			Payload: `{"user_id":"` + user.String() + `"}`, Status: events.StatusDispatched, Attempts: 1, NextAttemptAt: now, DispatchedAt: &now}
		if err := app.Store.DB().Create(&row).Error; err != nil {
			t.Fatal(err)
		}
		res := c.Get(base + row.ID.String()).ExpectStatus(http.StatusOK)
		if got := strings.Join(strings.Fields(res.Text("schema-version")), " "); got != "stored as v1, shown as v3 (upcast)" {
			t.Fatalf("schema version shown as %q", got)
		}
		payload := res.Text("payload")
		for _, want := range []string{`"user_id": "` + user.String() + `"`, `"ip": ""`, `"user_agent": ""`} {
			if !strings.Contains(payload, want) {
				t.Errorf("payload lacks %s:\n%s", want, payload)
			}
		}
		if res.Text("event-correlation") != "req-old-1" || res.Text("event-dispatched-at") == "—" {
			t.Errorf("correlation %q, dispatched at %q", res.Text("event-correlation"), res.Text("event-dispatched-at"))
		}
		list := c.Get("/t/" + tn.Slug + "/events?type=user.logged_in")
		if got := list.Find(`[data-testid="event-row"] [data-testid="event-version"]`).Text(); got != "v1" {
			t.Errorf("the list shows the stored version as %q", got)
		}
	})

	t.Run("another tenant's event, an unknown id and a malformed id are 404", func(t *testing.T) {
		theirs := storedEvent(t, app.Store, &other.ID, "tenant.created")
		for _, id := range []string{theirs.ID.String(), uuid.NewString(), "not-an-id"} {
			c.Get(base + id).ExpectStatus(http.StatusNotFound)
		}
	})
}

func TestEventRetry(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	member := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	fail := func(t *testing.T) events.Row {
		t.Helper()
		appendEvents(t, app.Store, tn.ID, uuid.Nil, nodePublished(uuid.New()))
		row := storedEvent(t, app.Store, &tn.ID, "node.published")
		if err := app.Store.DB().Model(&row).Updates(map[string]any{"status": events.StatusFailed, "attempts": 10, "last_error": "memory: boom"}).Error; err != nil {
			t.Fatal(err)
		}
		return row
	}
	status := func(t *testing.T, id uuid.UUID) string {
		t.Helper()
		var row events.Row
		if err := app.Store.DB().Where("id = ?", id).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		return row.Status
	}
	c := testkit.Client(t, app).LoginAs(member)
	base := "/t/" + tn.Slug + "/events/"

	t.Run("a failed event offers Retry, which queues it again", func(t *testing.T) {
		row := fail(t)
		page := c.Get(base + row.ID.String()).ExpectStatus(http.StatusOK)
		form := page.TestID("retry-form")
		if form.Length() != 1 || form.AttrOr("data-confirm", "") != "Retry this event?" || form.Find(`input[name="_csrf"]`).AttrOr("value", "") == "" {
			t.Fatalf("no confirmable Retry form with a CSRF token:\n%s", page.Body)
		}
		if page.Text("event-last-error") != "memory: boom" || page.Text("event-attempts") != "10" {
			t.Errorf("last error %q, attempts %q", page.Text("event-last-error"), page.Text("event-attempts"))
		}
		list := c.Get(strings.TrimSuffix(base, "/") + "?status=failed").ExpectStatus(http.StatusOK)
		inline := list.Find(`[data-event-id="` + row.ID.String() + `"] [data-testid="retry-inline"]`)
		if inline.AttrOr("hx-post", "") != base+row.ID.String()+"/retry" || inline.AttrOr("hx-confirm", "") == "" {
			t.Fatalf("the list offers no confirmable Retry for the failed event:\n%s", list.Body)
		}
		res := c.PostForm(base+row.ID.String()+"/retry", nil).ExpectStatus(http.StatusSeeOther)
		if res.Location() != base+row.ID.String() {
			t.Fatalf("retry redirects to %q", res.Location())
		}
		if got := status(t, row.ID); got != events.StatusPending {
			t.Fatalf("status after retry %q, want pending", got)
		}
		after := c.Get(res.Location()).ExpectStatus(http.StatusOK)
		if !strings.Contains(after.Text("flash-message"), "queued") || after.TestID("retry").Length() != 0 {
			t.Fatalf("flash %q, retry buttons %d", after.Text("flash-message"), after.TestID("retry").Length())
		}
	})

	t.Run("over htmx the retry answers with HX-Redirect", func(t *testing.T) {
		row := fail(t)
		c.Get(base + row.ID.String())
		c.Header.Set("HX-Request", "true")
		defer c.Header.Del("HX-Request")
		res := c.PostForm(base+row.ID.String()+"/retry", nil).ExpectStatus(http.StatusNoContent)
		if res.Header.Get("HX-Redirect") != base+row.ID.String() {
			t.Fatalf("HX-Redirect %q", res.Header.Get("HX-Redirect"))
		}
	})

	t.Run("retrying an event that has not failed changes nothing and says so", func(t *testing.T) {
		row := storedEvent(t, app.Store, &tn.ID, "tenant.created")
		c.Get(base + row.ID.String())
		res := c.PostForm(base+row.ID.String()+"/retry", nil).ExpectStatus(http.StatusSeeOther)
		if got := c.Get(res.Location()).Text("flash-message"); !strings.Contains(got, "nothing to retry") {
			t.Fatalf("flash %q", got)
		}
		if got := status(t, row.ID); got != events.StatusPending {
			t.Fatalf("status %q", got)
		}
	})

	t.Run("a retry without the CSRF token is refused", func(t *testing.T) {
		row := fail(t)
		c.PostFormRaw(base+row.ID.String()+"/retry", nil).ExpectStatus(http.StatusForbidden)
		if got := status(t, row.ID); got != events.StatusFailed {
			t.Fatalf("status %q after a refused retry", got)
		}
	})

	t.Run("another tenant's member cannot retry the event", func(t *testing.T) {
		row := fail(t)
		theirs := testkit.Tenant(t, app.Store).Create()
		outsider := testkit.User(t, app.Store).WithRole(theirs, "admin").Create()
		oc := testkit.Client(t, app).LoginAs(outsider)
		oc.Get("/t/" + theirs.Slug + "/events")
		oc.PostForm(base+row.ID.String()+"/retry", nil).ExpectStatus(http.StatusForbidden)
		oc.PostForm("/t/"+theirs.Slug+"/events/"+row.ID.String()+"/retry", nil).ExpectStatus(http.StatusNotFound)
		if got := status(t, row.ID); got != events.StatusFailed {
			t.Fatalf("status %q", got)
		}
	})
}

func TestEventLogTenantIsolation(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	a := testkit.Tenant(t, app.Store).Create()
	b := testkit.Tenant(t, app.Store).Create()
	appendEvents(t, app.Store, a.ID, uuid.Nil, nodePublished(uuid.New()))
	shared := uuid.New() // the same aggregate id in both tenants
	appendEvents(t, app.Store, a.ID, uuid.Nil, nodePublished(shared))
	appendEvents(t, app.Store, b.ID, uuid.Nil, nodePublished(shared), nodePublished(uuid.New()))
	memberA := testkit.User(t, app.Store).WithRole(a, "admin").Create()
	c := testkit.Client(t, app).LoginAs(memberA)

	// B's events: its tenant.created, the role.created of its three system roles and the two above.
	var bIDs []string
	if err := app.Store.DB().Model(&events.Row{}).Where("tenant_id = ?", b.ID).Pluck("id", &bIDs).Error; err != nil || len(bIDs) != 6 {
		t.Fatalf("tenant B events: %v %v", bIDs, err)
	}

	t.Run("a member of A cannot open B's event log", func(t *testing.T) {
		c.Get("/t/" + b.Slug + "/events").ExpectStatus(http.StatusForbidden)
		c.Get("/t/" + b.Slug + "/events/" + bIDs[0]).ExpectStatus(http.StatusForbidden)
		c.Get("/t/" + b.Slug + "/events/aggregate/node/" + shared.String()).ExpectStatus(http.StatusForbidden)
	})

	t.Run("A's log never shows B's rows, whatever the filter", func(t *testing.T) {
		for _, q := range []string{"", "?aggregate_type=node&aggregate_id=" + shared.String(), "?type=node.published", "?type=tenant.created", "?type=role.created", "?limit=500"} {
			res := c.Get("/t/" + a.Slug + "/events" + q).ExpectStatus(http.StatusOK)
			for _, id := range rowIDs(res) {
				if slices.Contains(bIDs, id) {
					t.Fatalf("%q shows B's event %s", q, id)
				}
			}
			if strings.Contains(string(res.Body), b.ID.String()) {
				t.Fatalf("%q mentions tenant B", q)
			}
		}
		if got := rowTypes(c.Get("/t/" + a.Slug + "/events?aggregate_id=" + shared.String())); len(got) != 1 {
			t.Fatalf("the shared aggregate shows %d rows in A, want A's one", len(got))
		}
	})

	t.Run("B's event ids are 404 under A", func(t *testing.T) {
		for _, id := range bIDs {
			c.Get("/t/" + a.Slug + "/events/" + id).ExpectStatus(http.StatusNotFound)
		}
	})
}

func TestPlatformEvents(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).SuperAdmin().Create()
	member := testkit.User(t, app.Store).WithRole(tn, "admin").Create()

	t.Run("a super admin sees events of no tenant and only those", func(t *testing.T) {
		c := testkit.Client(t, app).LoginAs(admin)
		res := c.Get("/events").ExpectStatus(http.StatusOK)
		types := rowTypes(res)
		if !slices.Contains(types, "user.registered") || slices.Contains(types, "tenant.created") {
			t.Fatalf("platform rows %v", types)
		}
		registered := storedEvent(t, app.Store, nil, "user.registered")
		detail := c.Get("/events/" + registered.ID.String()).ExpectStatus(http.StatusOK)
		if !strings.Contains(detail.Text("event-tenant"), "platform") {
			t.Errorf("tenant shown as %q", detail.Text("event-tenant"))
		}
		created := storedEvent(t, app.Store, &tn.ID, "tenant.created")
		c.Get("/events/" + created.ID.String()).ExpectStatus(http.StatusNotFound)
		// From a tenant's log, a super admin finds the platform log.
		if href, _ := c.Get("/t/" + tn.Slug + "/events").TestID("platform-events-link").Attr("href"); href != "/events" {
			t.Errorf("platform events link %q", href)
		}
	})

	t.Run("a tenant member gets 403 and no Platform events link", func(t *testing.T) {
		c := testkit.Client(t, app).LoginAs(member)
		c.Get("/events").ExpectStatus(http.StatusForbidden)
		registered := storedEvent(t, app.Store, nil, "user.registered")
		c.Get("/events/" + registered.ID.String()).ExpectStatus(http.StatusForbidden)
		c.Get("/t/" + tn.Slug + "/events")
		c.PostForm("/events/"+registered.ID.String()+"/retry", nil).ExpectStatus(http.StatusForbidden)
		if c.Get("/t/"+tn.Slug+"/events").TestID("platform-events-link").Length() != 0 {
			t.Error("a tenant member is offered the platform log")
		}
	})
}

func TestAggregateHistoryFragment(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Name("First").Create()
	other := testkit.Tenant(t, app.Store).Create()
	member := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	name := "Second"
	if _, err := app.Store.UpdateTenant(events.WithActor(context.Background(), member.ID), tn.ID, models.TenantUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	c := testkit.Client(t, app).LoginAs(member)
	c.Header.Set("HX-Request", "true")

	t.Run("lists the aggregate's events, newest first, with actor and what changed", func(t *testing.T) {
		res := c.Get("/t/" + tn.Slug + "/events/aggregate/tenant/" + tn.ID.String()).ExpectStatus(http.StatusOK)
		if strings.Contains(string(res.Body), "<html") || res.Find("#aggregate-history").Length() != 1 {
			t.Fatalf("want the #aggregate-history fragment alone:\n%s", res.Body)
		}
		items := res.TestID("history-item")
		if items.Length() != 2 {
			t.Fatalf("%d items, want 2", items.Length())
		}
		first := items.First()
		if got := strings.TrimSpace(first.Find(`[data-testid="history-type"]`).Text()); got != "tenant.updated" {
			t.Fatalf("newest item %q", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="history-summary"]`).Text()); got != "name: First → Second" {
			t.Errorf("summary %q", got)
		}
		if got := strings.TrimSpace(first.Find(`[data-testid="history-actor"]`).Text()); got != member.Name {
			t.Errorf("actor %q", got)
		}
		if href, _ := res.TestID("history-all").Attr("href"); !strings.Contains(href, "aggregate_id="+tn.ID.String()) {
			t.Errorf("link to all events %q", href)
		}
	})

	t.Run("another tenant's aggregate has no history here", func(t *testing.T) {
		res := c.Get("/t/" + tn.Slug + "/events/aggregate/tenant/" + other.ID.String()).ExpectStatus(http.StatusOK)
		if res.TestID("history-item").Length() != 0 || res.TestID("history-empty").Length() != 1 {
			t.Fatalf("want an empty history:\n%s", res.Body)
		}
	})

	t.Run("a malformed aggregate id is 404", func(t *testing.T) {
		c.Get("/t/" + tn.Slug + "/events/aggregate/tenant/nope").ExpectStatus(http.StatusNotFound)
	})
}

// TestEventsNavLink: a role that may list events gets the Events link (the customer, who may
// not, is covered by TestNavigationShowsOnlyWhatTheUserMayOpen).
func TestEventsNavLink(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	u := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	res := testkit.Client(t, app).LoginAs(u).Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	if href, _ := res.TestID("nav-events").Attr("href"); href != "/t/"+tn.Slug+"/events" {
		t.Fatalf("Events link %q", href)
	}
}
