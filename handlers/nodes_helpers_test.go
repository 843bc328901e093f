package handlers_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// nodesBase is the content list of the tenant.
func nodesBase(tn *models.Tenant) string { return "/t/" + tn.Slug + "/nodes" }

// nodePath is the page of one node in the tenant.
func nodePath(tn *models.Tenant, id uuid.UUID) string { return nodesBase(tn) + "/" + id.String() }

// nodesClient signs in a new user holding role in the tenant and opens the tenant's dashboard,
// so the client holds the CSRF token of its signed-in session.
func nodesClient(t *testing.T, app *testkit.TestApp, tn *models.Tenant, role string) (*testkit.HTTPClient, testkit.FixtureUser) {
	t.Helper()
	c, u := testkit.ClientAs(t, app, tn, role)
	c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	return c, u
}

// nodesCustomRole adds a role to the tenant with the permissions, straight through the store.
func nodesCustomRole(t *testing.T, app *testkit.TestApp, tn *models.Tenant, name string, perms ...models.Permission) {
	t.Helper()
	r := models.Role{ID: uuid.Must(uuid.NewV7()), TenantID: tn.ID, Name: name}
	if err := app.Store.DB().Create(&r).Error; err != nil {
		t.Fatal(err)
	}
	for _, p := range perms {
		if err := app.Store.SetPermission(context.Background(), tn.ID, name, p, true); err != nil {
			t.Fatal(err)
		}
	}
}

// nodesHX sends a request the way htmx does (HX-Request: true); a form is posted with the
// client's CSRF token.
func nodesHX(c *testkit.HTTPClient, method, path string, form url.Values) *testkit.Response {
	var req *http.Request
	if form == nil {
		req, _ = http.NewRequest(method, path, nil)
	} else {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("_csrf", c.CSRFToken())
		req, _ = http.NewRequest(method, path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("HX-Request", "true")
	return c.Do(req)
}

// nodeForm is the node form as the edit page would post it for the stored node: its version,
// parent, position and every field of every tenant locale (empty for a locale without a
// translation).
func nodeForm(n *models.Node, tn *models.Tenant) url.Values {
	f := url.Values{"version": {strconv.Itoa(n.Version)}, "position": {strconv.Itoa(n.Position)}, "parent_id": {""}}
	if n.ParentID != nil {
		f.Set("parent_id", n.ParentID.String())
	}
	for _, loc := range tn.Locales {
		var tr models.NodeTranslation
		if got := n.Translation(loc); got != nil {
			tr = *got
		}
		f.Set("t."+loc+".title", tr.Title)
		f.Set("t."+loc+".slug", tr.Slug)
		f.Set("t."+loc+".excerpt", tr.Excerpt)
		f.Set("t."+loc+".body", tr.Body)
	}
	return f
}

// reloadNode reads the node back from the store.
func reloadNode(t *testing.T, app *testkit.TestApp, tn *models.Tenant, id uuid.UUID) *models.Node {
	t.Helper()
	n, err := app.Store.NodeByID(context.Background(), tn.ID, id)
	if err != nil {
		t.Fatalf("reload node %s: %v", id, err)
	}
	return n
}

// nodeGone reports whether the tenant's node no longer exists.
func nodeGone(t *testing.T, app *testkit.TestApp, tn *models.Tenant, id uuid.UUID) bool {
	t.Helper()
	_, err := app.Store.NodeByID(context.Background(), tn.ID, id)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("look up node %s: %v", id, err)
	}
	return err != nil
}

// nodesCounts is how many nodes and translations the tenant has.
type nodesCounts struct{ nodes, translations int64 }

// nodesCount counts the tenant's nodes and translations, to prove a refused request saved nothing.
func nodesCount(t *testing.T, app *testkit.TestApp, tn *models.Tenant) nodesCounts {
	t.Helper()
	var c nodesCounts
	if err := app.Store.DB().Model(&models.Node{}).Where("tenant_id = ?", tn.ID).Count(&c.nodes).Error; err != nil {
		t.Fatal(err)
	}
	if err := app.Store.DB().Model(&models.NodeTranslation{}).Where("tenant_id = ?", tn.ID).Count(&c.translations).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

// nodeRowTitles returns the titles of the list's rows, top to bottom.
func nodeRowTitles(res *testkit.Response) []string {
	var out []string
	res.TestID("node-row").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find(`[data-testid="node-title"]`).Text()))
	})
	return out
}

// nodeRowCell is the trimmed text of a cell of the row showing the node.
func nodeRowCell(res *testkit.Response, id uuid.UUID, cell string) string {
	return strings.TrimSpace(res.Find(`[data-testid="node-row"][data-node-id="` + id.String() + `"] [data-testid="` + cell + `"]`).Text())
}

// nodeEventTypes returns the types of the recorded events of one node, in order.
func nodeEventTypes(t *testing.T, rec *testkit.Recorder, id uuid.UUID) []string {
	t.Helper()
	var out []string
	for _, r := range rec.Rows(t) {
		if r.AggregateID == id {
			out = append(out, r.EventType)
		}
	}
	return out
}

// nodeTranslationEvents decodes the node.translation_updated events recorded, keyed by locale.
func nodeTranslationEvents(t *testing.T, rec *testkit.Recorder) map[string]*events.NodeTranslationUpdated {
	t.Helper()
	out := map[string]*events.NodeTranslationUpdated{}
	for _, ev := range rec.Emitted(t, "node.translation_updated") {
		tu := ev.(*events.NodeTranslationUpdated)
		if out[tu.Locale] != nil {
			t.Fatalf("two node.translation_updated events for %s", tu.Locale)
		}
		out[tu.Locale] = tu
	}
	return out
}

// nodesFlashAfter follows a redirect and returns the flash message shown there.
func nodesFlashAfter(t *testing.T, c *testkit.HTTPClient, res *testkit.Response) string {
	t.Helper()
	if res.Location() == "" {
		t.Fatalf("no redirect: status %d", res.StatusCode)
	}
	return c.Get(res.Location()).ExpectStatus(http.StatusOK).Text("flash-message")
}

// nodesIsFragment reports whether the body is a fragment rather than a whole page.
func nodesIsFragment(res *testkit.Response) bool {
	b := strings.ToLower(string(res.Body))
	return !strings.Contains(b, "<html") && !strings.Contains(b, "<body") && !strings.Contains(b, "<!doctype")
}
