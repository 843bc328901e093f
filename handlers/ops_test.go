package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/testkit"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()

	t.Run("healthz answers while the process is alive, to GET and HEAD", func(t *testing.T) {
		t.Parallel()
		app := testkit.NewApp(t)
		testkit.Client(t, app).Get("/healthz").ExpectStatus(http.StatusOK)
		req, _ := http.NewRequest(http.MethodHead, "/readyz", nil)
		testkit.Client(t, app).Do(req).ExpectStatus(http.StatusOK)
	})

	t.Run("readyz is 200 with every real backend: database, Redis and NATS", func(t *testing.T) {
		t.Parallel()
		cfg := config.Default()
		cfg.DatabaseURL = "file:ready-" + fmt.Sprint(time.Now().UnixNano()) + "?mode=memory&cache=shared"
		if testkit.Dialect() == "postgres" {
			cfg.DatabaseURL = testkit.PostgresURL(t)
		}
		cfg.RedisURL, cfg.NATSURL = testkit.RedisURL(t), testkit.NATSURL(t)
		b, err := backend.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		app := testkit.NewApp(t, testkit.WithStore(b.Store), testkit.WithChecks(b.Checks()[1:]...))
		body := readyz(t, app, http.StatusOK)
		for _, name := range []string{"database", "redis", "nats"} {
			if body.Checks[name] != "ok" {
				t.Errorf("check %s = %q", name, body.Checks[name])
			}
		}
	})

	t.Run("readyz turns 503 naming Redis while Redis is down, and 200 when it is back", func(t *testing.T) {
		t.Parallel()
		srv := startRedis(t)
		client, err := backend.OpenRedis(context.Background(), srv.url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		check := backend.Check{Name: "redis", Ping: func(ctx context.Context) error { return client.Ping(ctx).Err() }}
		app := testkit.NewApp(t, testkit.WithChecks(check))

		readyz(t, app, http.StatusOK)
		srv.stop(t)
		body := readyz(t, app, http.StatusServiceUnavailable)
		if len(body.Failing) != 1 || body.Failing[0] != "redis" || !strings.HasPrefix(body.Checks["redis"], "error") {
			t.Fatalf("503 body does not name redis: %+v", body)
		}
		if body.Checks["database"] != "ok" {
			t.Fatalf("database reported %q", body.Checks["database"])
		}
		srv.start(t)
		// go-redis reconnects on the next command; the first probe after restart must pass.
		readyz(t, app, http.StatusOK)
	})
}

type readyBody struct {
	Status  string            `json:"status"`
	Failing []string          `json:"failing"`
	Checks  map[string]string `json:"checks"`
}

func readyz(t *testing.T, app *testkit.TestApp, want int) readyBody {
	t.Helper()
	res := testkit.Client(t, app).Get("/readyz").ExpectStatus(want)
	var b readyBody
	if err := json.Unmarshal(res.Body, &b); err != nil {
		t.Fatalf("readyz body %q: %v", res.Body, err)
	}
	return b
}

// redisServer is a private redis-server on a free port, so a test may stop and restart it
// without disturbing the shared one.
type redisServer struct {
	port int
	url  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if testkit.InCI() {
			t.Fatal("CI=true and redis-server is not installed")
		}
		t.Skip("SKIPPED: redis-server not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &redisServer{port: port, url: fmt.Sprintf("redis://127.0.0.1:%d/0", port)}
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *redisServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command("redis-server", "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 2*time.Second, "private redis-server accepts connections", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func (s *redisServer) stop(t *testing.T) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func TestOperationalBehaviour(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, func(_ testing.TB, d *handlers.Deps) {
		d.Mount = func(r fiber.Router) {
			r.Get("/test/panic", func(*fiber.Ctx) error { panic("kaboom") })
		}
	})

	t.Run("every response carries a request id; a sane caller id is kept", func(t *testing.T) {
		c := testkit.Client(t, app)
		if id := c.Get("/login").Header.Get("X-Request-ID"); len(id) < 8 {
			t.Fatalf("request id %q", id)
		}
		c.Header.Set("X-Request-ID", "trace-12345678")
		if id := c.Get("/healthz").Header.Get("X-Request-ID"); id != "trace-12345678" {
			t.Fatalf("caller id replaced: %q", id)
		}
		c.Header.Set("X-Request-ID", "bad id\nwith newline")
		if id := c.Get("/healthz").Header.Get("X-Request-ID"); strings.Contains(id, " ") {
			t.Fatalf("unsafe caller id accepted: %q", id)
		}
	})

	t.Run("a panic becomes a 500 page showing the request id", func(t *testing.T) {
		res := testkit.Client(t, app).Get("/test/panic").ExpectStatus(http.StatusInternalServerError)
		if got, want := res.Text("request-id"), res.Header.Get("X-Request-ID"); got == "" || got != want {
			t.Fatalf("page shows request id %q, header %q", got, want)
		}
		if strings.Contains(string(res.Body), "kaboom") {
			t.Fatal("the panic value leaked to the page")
		}
	})

	t.Run("an unknown path gets the 404 page", func(t *testing.T) {
		res := testkit.Client(t, app).Get("/no/such/page").ExpectStatus(http.StatusNotFound)
		if res.Text("error-status") != "404" {
			t.Fatalf("not the 404 page:\n%s", res.Body)
		}
		testkit.Client(t, app).Get("/static/missing.css").ExpectStatus(http.StatusNotFound)
	})

	t.Run("security headers forbid inline scripts and framing", func(t *testing.T) {
		res := testkit.Client(t, app).Get("/login")
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Fatalf("CSP %q", csp)
		}
		if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("frame/nosniff headers missing: %v", res.Header)
		}
		res.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); src == "" {
				t.Errorf("inline script on the page: %s", s.Text())
			}
		})
	})

	t.Run("static assets are served with long caching", func(t *testing.T) {
		for _, name := range []string{"app.css", "htmx.min.js", "app.js"} {
			res := testkit.Client(t, app).Get("/static/" + name).ExpectStatus(http.StatusOK)
			if len(res.Body) < 100 || !strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("%s: %d bytes, Cache-Control %q", name, len(res.Body), res.Header.Get("Cache-Control"))
			}
		}
	})

	t.Run("metrics show request durations by route pattern and status", func(t *testing.T) {
		c := testkit.Client(t, app)
		c.Get("/login")
		c.Get("/t/some-tenant/")
		c.Get("/no/such/page")
		c.PostFormRaw("/logout", nil) // refused by the CSRF middleware before any route matched
		body := string(c.Get("/metrics").ExpectStatus(http.StatusOK).Body)
		for _, want := range []string{
			`rustok_http_request_duration_seconds_count{method="GET",route="/login",status="200"}`,
			`rustok_http_request_duration_seconds_count{method="GET",route="/t/:slug/",status="303"}`,
			`rustok_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}`,
			`rustok_http_request_duration_seconds_count{method="POST",route="middleware",status="403"}`,
			"go_goroutines", "process_resident_memory_bytes",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(body, "/no/such/page") || strings.Contains(body, "some-tenant") {
			t.Error("raw paths leaked into metric labels")
		}
	})
}

func TestHTMXHistoryRestoreGetsTheFullPage(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	c := testkit.Client(t, app)
	c.Header.Set("HX-Request", "true")
	c.Header.Set("HX-History-Restore-Request", "true")
	c.Get("/login")
	res := c.PostForm("/login", url.Values{"email": {"x@example.com"}, "password": {"wrong password"}})
	if !strings.Contains(string(res.Body), "<html") {
		t.Fatal("a history restore got a fragment instead of the full page")
	}
}
