package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// optionTexts returns the (value, text) pairs of a select's options after the first ("any").
func optionTexts(sel *goquery.Selection) (values, texts []string) {
	sel.Find("option").Each(func(i int, o *goquery.Selection) {
		if v, _ := o.Attr("value"); v != "" {
			values = append(values, v)
			texts = append(texts, strings.TrimSpace(o.Text()))
		}
	})
	return values, texts
}

func TestEventLogPeopleAndNames(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	ann := testkit.User(t, app.Store).Name("Ann Archer").WithRole(tn, "manager").Create()
	bob := testkit.User(t, app.Store).Name("Bob Baker").WithRole(tn, "admin").Create()
	outsider := testkit.User(t, app.Store).Name("Olga Other").Create() // in no role of the tenant
	node := testkit.Node(t, app.Store, tn).Author(ann.ID).Translation(tn.DefaultLocale, "Hello world", "Body").Create()
	appendEvents(t, app.Store, tn.ID, ann.ID, nodePublished(node.ID))
	appendEvents(t, app.Store, tn.ID, bob.ID, &events.UserRoleAssigned{UserRef: events.UserRef{UserID: ann.ID}, Role: "manager", Tenant: tn.Slug})
	c := testkit.Client(t, app).LoginAs(ann)
	list := "/t/" + tn.Slug + "/events"

	t.Run("the person filter lists the tenant's users by name, valued by id", func(t *testing.T) {
		values, texts := optionTexts(c.Get(list).ExpectStatus(http.StatusOK).TestID("filter-person"))
		if !slices.Equal(texts, []string{"Ann Archer", "Bob Baker"}) || !slices.Equal(values, []string{ann.ID.String(), bob.ID.String()}) {
			t.Fatalf("person choices %v %v, want Ann and Bob by id", texts, values)
		}
		if slices.Contains(texts, outsider.Name) {
			t.Error("a user of no role in the tenant is offered")
		}
	})

	t.Run("the aggregate filter lists the known aggregate types", func(t *testing.T) {
		_, texts := optionTexts(c.Get(list).TestID("filter-aggregate-type"))
		for _, want := range []string{"node", "role", "tenant", "user"} {
			if !slices.Contains(texts, want) {
				t.Errorf("aggregate choices %v lack %s", texts, want)
			}
		}
		if !slices.IsSorted(texts) {
			t.Errorf("aggregate choices %v are not sorted", texts)
		}
	})

	t.Run("filtering by person shows only their events and keeps them selected", func(t *testing.T) {
		res := c.Get(list + "?actor_id=" + bob.ID.String()).ExpectStatus(http.StatusOK)
		if got := rowTypes(res); !slices.Equal(got, []string{"user.role_assigned"}) {
			t.Fatalf("Bob's events %v, want only the role assignment", got)
		}
		if got := strings.TrimSpace(res.Find(`[data-testid="filter-person"] option[selected]`).Text()); got != "Bob Baker" {
			t.Errorf("selected person %q, want Bob Baker", got)
		}
	})

	t.Run("a person outside the tenant filtered by link is still named and selected", func(t *testing.T) {
		res := c.Get(list + "?actor_id=" + outsider.ID.String()).ExpectStatus(http.StatusOK)
		if got := strings.TrimSpace(res.Find(`[data-testid="filter-person"] option[selected]`).Text()); got != "Olga Other" {
			t.Errorf("selected person %q, want Olga Other", got)
		}
	})

	t.Run("actors and aggregates are shown by name instead of id", func(t *testing.T) {
		res := c.Get(list).ExpectStatus(http.StatusOK)
		cells := map[string][2]string{}
		res.TestID("event-row").Each(func(_ int, s *goquery.Selection) {
			typ := strings.TrimSpace(s.Find(`[data-testid="event-type"]`).Text())
			if _, seen := cells[typ]; !seen {
				cells[typ] = [2]string{strings.TrimSpace(s.Find(`[data-testid="event-actor"]`).Text()),
					strings.Join(strings.Fields(s.Find(`[data-testid="event-aggregate"]`).Text()), " ")}
			}
		})
		for typ, want := range map[string][2]string{
			"user.role_assigned": {"Bob Baker", "user Ann Archer"},
			"node.published":     {"Ann Archer", "node Hello world"},
			"role.created":       {"system", "role customer"},
		} {
			if cells[typ][0] != want[0] || !strings.HasPrefix(cells[typ][1], strings.Fields(want[1])[0]) {
				t.Errorf("%s row shows %q, want %q", typ, cells[typ], want)
			}
			if typ != "role.created" && cells[typ][1] != want[1] {
				t.Errorf("%s aggregate %q, want %q", typ, cells[typ][1], want[1])
			}
		}
		if !strings.HasPrefix(cells["role.created"][1], "role ") || strings.Contains(cells["role.created"][1], "-") {
			t.Errorf("role aggregate %q, want a role name", cells["role.created"][1])
		}
	})

	t.Run("the platform log keeps a user id field", func(t *testing.T) {
		admin := testkit.User(t, app.Store).SuperAdmin().Create()
		res := testkit.Client(t, app).LoginAs(admin).Get("/events").ExpectStatus(http.StatusOK)
		if res.TestID("filter-person").Length() != 0 || res.Find(`input#filter-actor_id`).Length() != 1 {
			t.Error("the platform log should take a user id, not a tenant's people")
		}
	})
}

// TestEventLogNamesCostTheSameQueriesForAnyPageLength shows the names are looked up per page,
// not per row: 20 more nodes, users and events on the page cost no more queries.
func TestEventLogNamesCostTheSameQueriesForAnyPageLength(t *testing.T) {
	app := testkit.NewApp(t)
	var queries atomic.Int64
	count := func(*gorm.DB) { queries.Add(1) }
	if err := app.Store.DB().Callback().Query().After("gorm:query").Register("test:count_queries", count); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.DB().Callback().Row().After("gorm:row").Register("test:count_rows", count); err != nil {
		t.Fatal(err)
	}
	tn := testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	c := testkit.Client(t, app).LoginAs(admin)
	list := "/t/" + tn.Slug + "/events?limit=100"
	cost := func() int64 {
		c.Get(list).ExpectStatus(http.StatusOK) // warm: sessions, caches
		before := queries.Load()
		c.Get(list).ExpectStatus(http.StatusOK)
		return queries.Load() - before
	}
	addNodeEvents := func(n int) {
		for range n {
			u := testkit.User(t, app.Store).WithRole(tn, "customer").Create()
			node := testkit.Node(t, app.Store, tn).Author(u.ID).Create()
			appendEvents(t, app.Store, tn.ID, u.ID, nodePublished(node.ID))
		}
	}
	addNodeEvents(1) // every kind of aggregate and an actor on the page
	small := cost()
	addNodeEvents(20)
	large := cost()
	if small == 0 {
		t.Fatal("no queries counted: the counter is not wired")
	}
	if large > small {
		t.Errorf("the longer page took %d queries, the shorter %d: names are looked up per row", large, small)
	}
}
