package handlers

import (
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rustok/rustok-admin/internal/paths"
)

// NewRegistry returns a Prometheus registry with the Go runtime and process collectors.
// Later packages (events, tenant cache) register their metrics on the same registry.
func NewRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// httpMetrics records request durations by method, route pattern (never the raw path, to keep
// the label set bounded) and status.
type httpMetrics struct {
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(r *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rustok_http_request_duration_seconds",
		Help:    "Time to serve HTTP requests, by method, route pattern and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route", "status"})}
	r.MustRegister(m.duration)
	return m
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	m.duration.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

// metricsHandler serves the registry in the Prometheus text format (gzipped by promhttp itself
// when the scraper asks), to the addresses METRICS_ALLOW lists; everyone else is told there is
// no such page.
func (a *App) metricsHandler() fiber.Handler {
	serve := scrapeHandler(a.registry)
	return func(c *fiber.Ctx) error {
		if !a.cfg.MetricsAllowed(net.ParseIP(c.IP())) {
			c.Locals(localUnmatched, true)
			return fiber.ErrNotFound
		}
		return serve(c)
	}
}

func scrapeHandler(reg *prometheus.Registry) fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
}

// NewMetricsApp is the listener of METRICS_ADDR: GET /metrics from reg and nothing else. The
// main app then has no /metrics route at all.
func NewMetricsApp(reg *prometheus.Registry) *fiber.App {
	app := fiber.New(fiber.Config{AppName: "rustok-metrics", DisableStartupMessage: true,
		ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second})
	app.Get(paths.Metrics, scrapeHandler(reg))
	return app
}
