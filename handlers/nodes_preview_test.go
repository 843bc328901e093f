package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/testkit"
)

func TestNodePreviewRateLimit(t *testing.T) {
	t.Parallel()
	limits := handlers.PreviewLimits{PerUser: 3, Window: time.Minute}
	form := url.Values{"locale": {"en"}, "t.en.body": {"*hi*"}}

	for _, backend := range []struct {
		name string
		opts []testkit.Option
	}{
		{"in memory", []testkit.Option{testkit.WithPreviewLimits(limits)}},
		{"on Redis", []testkit.Option{testkit.WithPreviewLimits(limits), testkit.WithRedis()}},
	} {
		t.Run("the preview after "+strconv.Itoa(limits.PerUser)+" in a window is 429 with Retry-After and a message, "+backend.name, func(t *testing.T) {
			t.Parallel()
			app := testkit.NewApp(t, backend.opts...)
			tn := testkit.Tenant(t, app.Store).Create()
			cust, _ := nodesClient(t, app, tn, "customer") // nodes:read is all a preview needs
			base := nodesBase(tn)
			for i := range limits.PerUser {
				if res := cust.PostForm(base+"/preview", form); res.StatusCode != http.StatusOK {
					t.Fatalf("preview %d: %d", i+1, res.StatusCode)
				}
			}
			res := cust.PostForm(base+"/preview", form).ExpectStatus(http.StatusTooManyRequests)
			if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Errorf("Retry-After = %q", ra)
			}
			if res.Text("error-status") != "429" || !strings.Contains(string(res.Body), "Too many previews") {
				t.Errorf("no 429 page with the message:\n%s", res.Body)
			}

			hx := nodesHX(cust, http.MethodPost, base+"/preview", form).ExpectStatus(http.StatusTooManyRequests)
			if hx.Header.Get("HX-Retarget") != "#toasts" || !strings.Contains(hx.Text("flash-message"), "Too many previews") {
				t.Errorf("htmx gets no error toast: HX-Retarget %q, body\n%s", hx.Header.Get("HX-Retarget"), hx.Body)
			}

			other, _ := nodesClient(t, app, tn, "customer")
			other.PostForm(base+"/preview", form).ExpectStatus(http.StatusOK)
		})
	}
}

func TestNodeEditorCachesThePreview(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	mgr, mu := nodesClient(t, app, tn, "manager")
	n := testkit.Node(t, app.Store, tn).Author(mu.ID).Translation("en", "Cached", "Some *cached* body").Create()
	renders := func() float64 { return metricValue(t, mgr, "rustok_markdown_renders_total") }

	before := renders()
	first := mgr.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK)
	if !strings.Contains(string(first.Body), "<em>cached</em>") {
		t.Fatalf("the editor shows no rendered preview:\n%s", first.Body)
	}
	if got := renders() - before; got != 1 {
		t.Fatalf("the first view rendered %v bodies, want 1", got)
	}

	t.Run("a second view of the same body does not render it again", func(t *testing.T) {
		second := mgr.Get(nodePath(tn, n.ID)).ExpectStatus(http.StatusOK)
		if got := renders() - before; got != 1 {
			t.Errorf("two views rendered %v bodies, want 1", got)
		}
		if !strings.Contains(string(second.Body), "<em>cached</em>") {
			t.Errorf("the second view shows no preview:\n%s", second.Body)
		}
		if metricValue(t, mgr, "rustok_markdown_cache_hits_total") < 1 {
			t.Error("no cache hit counted")
		}
	})

	t.Run("another body is rendered", func(t *testing.T) {
		m := testkit.Node(t, app.Store, tn).Author(mu.ID).Translation("en", "Other", "Another *body*").Create()
		mgr.Get(nodePath(tn, m.ID)).ExpectStatus(http.StatusOK)
		if got := renders() - before; got != 2 {
			t.Errorf("%v bodies rendered, want 2", got)
		}
	})
}
