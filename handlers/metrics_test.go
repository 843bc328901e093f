package handlers_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// scrapeFrom sends GET /metrics as if from ip, straight to the app's fasthttp handler.
func scrapeFrom(app *testkit.TestApp, ip string, header ...string) (int, string) {
	var req fasthttp.Request
	req.Header.SetMethod(fasthttp.MethodGet)
	req.SetRequestURI("http://admin.test/metrics")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	var fctx fasthttp.RequestCtx
	fctx.Init(&req, &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}, nil)
	app.Fiber.Handler()(&fctx)
	return fctx.Response.StatusCode(), string(fctx.Response.Body())
}

func TestMetricsAccess(t *testing.T) {
	t.Parallel()

	t.Run("loopback may scrape by default, any other address gets 404", func(t *testing.T) {
		app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) { *c = config.Default() }))
		for ip, want := range map[string]int{"127.0.0.1": http.StatusOK, "::1": http.StatusOK,
			"203.0.113.9": http.StatusNotFound, "10.0.0.5": http.StatusNotFound} {
			status, body := scrapeFrom(app, ip)
			if status != want {
				t.Errorf("/metrics from %s: %d, want %d", ip, status, want)
			}
			if want == http.StatusNotFound && strings.Contains(body, "go_goroutines") {
				t.Errorf("/metrics from %s leaked the metrics", ip)
			}
		}
	})

	t.Run("METRICS_ALLOW names the scrapers, by address or network", func(t *testing.T) {
		app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) { c.MetricsAllow = []string{"10.0.0.0/8", "192.0.2.7"} }))
		for ip, want := range map[string]int{"10.20.30.40": http.StatusOK, "192.0.2.7": http.StatusOK,
			"192.0.2.8": http.StatusNotFound, "127.0.0.1": http.StatusNotFound} {
			if status, _ := scrapeFrom(app, ip); status != want {
				t.Errorf("/metrics from %s: %d, want %d", ip, status, want)
			}
		}
	})

	t.Run("behind a trusted proxy the forwarded client address decides", func(t *testing.T) {
		app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) {
			*c = config.Default()
			c.TrustedProxies = []string{"127.0.0.1"}
		}))
		if status, _ := scrapeFrom(app, "127.0.0.1", "X-Forwarded-For", "203.0.113.9"); status != http.StatusNotFound {
			t.Errorf("an outside client through the local proxy: %d, want 404", status)
		}
		if status, _ := scrapeFrom(app, "127.0.0.1", "X-Forwarded-For", "127.0.0.1"); status != http.StatusOK {
			t.Errorf("a loopback client through the local proxy: %d, want 200", status)
		}
		// An untrusted peer cannot claim to be loopback.
		if status, _ := scrapeFrom(app, "203.0.113.9", "X-Forwarded-For", "127.0.0.1"); status != http.StatusNotFound {
			t.Errorf("an outside client claiming loopback: %d, want 404", status)
		}
	})

	t.Run("with METRICS_ADDR the main listener has no /metrics at all", func(t *testing.T) {
		app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) { c.MetricsAddr = "127.0.0.1:9090" }))
		if status, _ := scrapeFrom(app, "127.0.0.1"); status != http.StatusNotFound {
			t.Fatalf("/metrics on the main app with METRICS_ADDR set: %d, want 404", status)
		}
	})
}
