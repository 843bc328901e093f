package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestForbiddenPageSpeaksPlainly(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	n := testkit.Node(t, app.Store, tn).Translation("en", "Plain words", "").Create()
	nodesCustomRole(t, app, tn, "writer", models.Permission{Resource: "nodes", Action: "list"},
		models.Permission{Resource: "nodes", Action: "read"})
	c, _ := nodesClient(t, app, tn, "writer")

	t.Run("a missing permission is named in words, with whom to ask, and its technical name in small print", func(t *testing.T) {
		res := c.PostForm(nodePath(tn, n.ID)+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusForbidden)
		if got, want := res.Text("error-message"), "You do not have permission to publish content. Ask an admin of this tenant."; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
		if got := res.Text("error-permission"); got != "nodes:publish" {
			t.Errorf("small print %q, want nodes:publish", got)
		}
	})

	t.Run("an htmx request gets the same sentence as a toast", func(t *testing.T) {
		res := nodesHX(c, http.MethodPost, nodePath(tn, n.ID)+"/status", url.Values{"to": {models.NodePublished}}).ExpectStatus(http.StatusForbidden)
		if got := res.Find("#toasts").Text(); !strings.Contains(got, "permission to publish content") {
			t.Errorf("toast %q", got)
		}
	})

	t.Run("a platform page asks for a platform administrator", func(t *testing.T) {
		res := c.Get("/tenants").ExpectStatus(http.StatusForbidden)
		if got, want := res.Text("error-message"), "You do not have permission to see the list of tenants. Ask a platform administrator."; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	})
}
