package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// Every process enforces every change: each case makes a change through process A and checks
// that process B, which has the old decision cached, enforces the new one — live within a
// second; after a NATS cut of B, within a second of B reconnecting; and while B is still cut
// off, once its cached decision is older than the bound (5 s, moved on B's clock).

// propagationCase is one kind of change, with what process B answers before and after it.
type propagationCase struct {
	name string
	// setup makes the tenant and users on A and returns a client signed in on B, the path to
	// ask, and the change to make on A.
	setup  func(t *testing.T, c *testkit.Cluster) (onB *testkit.HTTPClient, path string, change func())
	before int
	after  int
}

func propagationCases() []propagationCase {
	ctx := context.Background()
	return []propagationCase{
		{name: "a role assigned to a user", before: http.StatusForbidden, after: http.StatusOK,
			setup: func(t *testing.T, c *testkit.Cluster) (*testkit.HTTPClient, string, func()) {
				a, b := c.Processes[0], c.Processes[1]
				tn := testkit.Tenant(t, a.Store).Create()
				testkit.User(t, a.Store).WithRole(tn, "admin").Create()
				u := testkit.User(t, a.Store).WithRole(tn, "customer").Create()
				return testkit.Client(t, b.TestApp).LoginAs(u), "/t/" + tn.Slug + "/nodes/new", func() {
					must(t, a.Store.AssignRole(ctx, u.ID, "manager", tn.ID.String()))
				}
			}},
		{name: "a role revoked from a user", before: http.StatusOK, after: http.StatusForbidden,
			setup: func(t *testing.T, c *testkit.Cluster) (*testkit.HTTPClient, string, func()) {
				a, b := c.Processes[0], c.Processes[1]
				tn := testkit.Tenant(t, a.Store).Create()
				testkit.User(t, a.Store).WithRole(tn, "admin").Create()
				u := testkit.User(t, a.Store).WithRole(tn, "customer").WithRole(tn, "manager").Create()
				return testkit.Client(t, b.TestApp).LoginAs(u), "/t/" + tn.Slug + "/nodes/new", func() {
					must(t, a.Store.RevokeRole(ctx, u.ID, "manager", tn.ID))
				}
			}},
		{name: "a permission granted to a role", before: http.StatusForbidden, after: http.StatusOK,
			setup: func(t *testing.T, c *testkit.Cluster) (*testkit.HTTPClient, string, func()) {
				a, b := c.Processes[0], c.Processes[1]
				tn := testkit.Tenant(t, a.Store).Create()
				testkit.User(t, a.Store).WithRole(tn, "admin").Create()
				u := testkit.User(t, a.Store).WithRole(tn, "customer").Create()
				return testkit.Client(t, b.TestApp).LoginAs(u), "/t/" + tn.Slug + "/events", func() {
					must(t, a.Store.SetPermission(ctx, tn.ID, "customer", models.Permission{Resource: "events", Action: "list"}, true))
				}
			}},
		{name: "a permission revoked from a role", before: http.StatusOK, after: http.StatusForbidden,
			setup: func(t *testing.T, c *testkit.Cluster) (*testkit.HTTPClient, string, func()) {
				a, b := c.Processes[0], c.Processes[1]
				tn := testkit.Tenant(t, a.Store).Create()
				testkit.User(t, a.Store).WithRole(tn, "admin").Create()
				u := testkit.User(t, a.Store).WithRole(tn, "manager").Create()
				return testkit.Client(t, b.TestApp).LoginAs(u), "/t/" + tn.Slug + "/nodes/new", func() {
					must(t, a.Store.SetPermission(ctx, tn.ID, "manager", models.Permission{Resource: "nodes", Action: "create"}, false))
				}
			}},
		{name: "a user deactivated", before: http.StatusOK, after: http.StatusSeeOther,
			setup: func(t *testing.T, c *testkit.Cluster) (*testkit.HTTPClient, string, func()) {
				a, b := c.Processes[0], c.Processes[1]
				tn := testkit.Tenant(t, a.Store).Create()
				testkit.User(t, a.Store).WithRole(tn, "admin").Create()
				u := testkit.User(t, a.Store).WithRole(tn, "manager").Create()
				return testkit.Client(t, b.TestApp).LoginAs(u), "/t/" + tn.Slug + "/", func() {
					inactive := models.UserInactive
					_, err := a.Store.UpdateUser(ctx, u.ID, models.UserUpdate{Status: &inactive})
					must(t, err)
				}
			}},
		{name: "a tenant deactivated", before: http.StatusOK, after: http.StatusNotFound,
			setup: func(t *testing.T, c *testkit.Cluster) (*testkit.HTTPClient, string, func()) {
				a, b := c.Processes[0], c.Processes[1]
				tn := testkit.Tenant(t, a.Store).Create()
				u := testkit.User(t, a.Store).WithRole(tn, "manager").Create()
				return testkit.Client(t, b.TestApp).LoginAs(u), "/t/" + tn.Slug + "/", func() {
					off := false
					_, err := a.Store.UpdateTenant(ctx, tn.ID, models.TenantUpdate{IsActive: &off})
					must(t, err)
				}
			}},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// begin sets the case up and checks that B answers as before the change.
func begin(t *testing.T, c *testkit.Cluster, tc propagationCase) (*testkit.HTTPClient, string, func()) {
	t.Helper()
	onB, path, change := tc.setup(t, c)
	if got := status(onB, path); got != tc.before {
		t.Fatalf("before the change B answers %d, want %d", got, tc.before)
	}
	return onB, path, change
}

// status asks B for path, without following redirects.
func status(c *testkit.HTTPClient, path string) int { return c.Get(path).StatusCode }

func TestEveryChangeIsEnforcedOnAnotherProcess(t *testing.T) {
	t.Parallel()
	c := testkit.NewCluster(t, 2)
	b := c.Processes[1]
	for _, tc := range propagationCases() {
		t.Run(tc.name+" on A is enforced on B within a second", func(t *testing.T) {
			onB, path, change := begin(t, c, tc)
			change()
			testkit.Eventually(t, time.Second, "B enforces it", func() bool { return status(onB, path) == tc.after })
		})
	}
	for _, tc := range propagationCases() {
		t.Run(tc.name+" while B is cut off from NATS is enforced within a second of B reconnecting", func(t *testing.T) {
			onB, path, change := begin(t, c, tc)
			b.CutNATS(t)
			change()
			b.RestoreNATS(t)
			testkit.Eventually(t, time.Second, "B enforces it after reconnecting", func() bool { return status(onB, path) == tc.after })
		})
	}
	for _, tc := range propagationCases() {
		t.Run(tc.name+" while B is cut off from NATS is enforced once B's cached decision is 5 s old", func(t *testing.T) {
			onB, path, change := begin(t, c, tc)
			b.CutNATS(t)
			defer b.RestoreNATS(t)
			change()
			b.Fresh.Advance(b.Caches.Watcher.MaxStale())
			if got := status(onB, path); got != tc.after {
				t.Fatalf("with its cached decision %s old and no NATS link, B answers %d, want %d", b.Caches.Watcher.MaxStale(), got, tc.after)
			}
		})
	}
}

// TestCachedSummariesFollowChangesOnAnotherProcess: the dashboard snapshot and the list counts
// B keeps (internal/summary) show a node created on A within a second over NATS, and, with B cut
// off from NATS, once B's cached entries are 5 s old.
func TestCachedSummariesFollowChangesOnAnotherProcess(t *testing.T) {
	t.Parallel()
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0], c.Processes[1]
	b.StopRelay() // what B hears of A's writes comes over NATS only
	tn := testkit.Tenant(t, a.Store).Create()
	admin := testkit.User(t, a.Store).WithRole(tn, "admin").Create()
	onB := testkit.Client(t, b.TestApp).LoginAs(admin)
	home, list := "/t/"+tn.Slug+"/", "/t/"+tn.Slug+"/nodes?per_page=1"
	testkit.Node(t, a.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "One", "").Create()
	drafts := func() string { return onB.Get(home).Text("count-nodes-draft") }
	// items is the list's page info and its one row's title (the newest node): both cached on B.
	items := func() string {
		res := onB.Get(list)
		return res.Text("page-info") + " | " + res.Text("node-title")
	}
	testkit.Eventually(t, time.Second, "B sees the first node", func() bool { return drafts() == "1" && strings.Contains(items(), "1 item | One") })

	testkit.Node(t, a.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Two", "").Create()
	testkit.Eventually(t, time.Second, "B's dashboard, list count and list rows follow A's node.created", func() bool {
		return drafts() == "2" && strings.Contains(items(), "2 items | Two")
	})

	b.CutNATS(t)
	defer b.RestoreNATS(t)
	testkit.Node(t, a.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Three", "").Create()
	b.Fresh.Advance(b.Caches.Watcher.MaxStale())
	if got, page := drafts(), items(); got != "3" || !strings.Contains(page, "3 items | Three") {
		t.Fatalf("cut off from NATS with its entries %s old, B shows %s drafts and %q", b.Caches.Watcher.MaxStale(), got, page)
	}
}

// TestYourOwnWriteShowsOnTheNextPageOfAnotherProcess: a node created through A's form, whose
// redirect a load balancer sends to B, is in B's list at once, although B (cut off from NATS)
// has the list cached from before and has not heard the event: the page after your own write
// (it carries its flash message) reads the database.
func TestYourOwnWriteShowsOnTheNextPageOfAnotherProcess(t *testing.T) {
	t.Parallel()
	c := testkit.NewCluster(t, 2)
	a, b := c.Processes[0], c.Processes[1]
	b.StopRelay()
	tn := testkit.Tenant(t, a.Store).Create()
	admin := testkit.User(t, a.Store).WithRole(tn, "admin").Create()
	onA := testkit.Client(t, a.TestApp).LoginAs(admin)
	onB := onA.On(b.TestApp)
	list := "/t/" + tn.Slug + "/nodes"
	if n := onB.Get(list).ExpectStatus(http.StatusOK).Doc().Find(`[data-testid="node-row"]`).Length(); n != 0 {
		t.Fatalf("%d rows before any node", n)
	}
	b.CutNATS(t)
	defer b.RestoreNATS(t)
	res := onA.PostForm(list, url.Values{"kind": {"post"}, "t." + tn.DefaultLocale + ".title": {"Mine"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create answered %d, want 303\n%s", res.StatusCode, res.Body)
	}
	next := onB.Get(list).ExpectStatus(http.StatusOK) // the redirect's target, served by B
	if got := next.Text("node-title"); got != "Mine" {
		t.Fatalf("B's list after my own create shows %q, want Mine", got)
	}
	if got := next.Text("flash-message"); got == "" {
		t.Fatal("the flash of the create did not show on B")
	}
	// Without a write of mine, B (still cut off, entries younger than the bound) may serve
	// its cache: a node created by someone else on A is not there yet.
	testkit.Node(t, a.Store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Theirs", "").Create()
	if got := onB.Get(list).Text("node-title"); !strings.Contains(got, "Mine") || strings.Contains(got, "Theirs") {
		t.Fatalf("B's cached list shows %q; want only Mine (the cache's bound, not a read per request)", got)
	}
}
