package events

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"
)

// Metrics are the outbox and relay figures on /metrics. A nil *Metrics records nothing.
type Metrics struct {
	batch   prometheus.Histogram
	latency prometheus.Histogram
}

// NewMetrics registers the relay histograms and an outbox gauge (counted per scrape) on reg.
func NewMetrics(reg prometheus.Registerer, db *gorm.DB) *Metrics {
	m := &Metrics{
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "rustok_relay_batch_duration_seconds", Help: "Time to claim, publish and mark one relay batch.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "rustok_events_dispatch_latency_seconds", Help: "Time from an event's commit to its dispatch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
	}
	reg.MustRegister(m.batch, m.latency, &outboxCollector{db: db})
	return m
}

func (m *Metrics) observeBatch(d time.Duration) {
	if m != nil {
		m.batch.Observe(d.Seconds())
	}
}

func (m *Metrics) observeLatency(d time.Duration) {
	if m != nil {
		m.latency.Observe(d.Seconds())
	}
}

var outboxDesc = prometheus.NewDesc("rustok_events_outbox", "Outbox rows by status.", []string{"status"}, nil)

// outboxCollector counts sys_events rows by status when /metrics is scraped.
type outboxCollector struct{ db *gorm.DB }

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var rows []struct {
		Status string
		N      int64
	}
	if err := c.db.WithContext(ctx).Model(&Row{}).Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return
	}
	counts := map[string]int64{StatusPending: 0, StatusDispatched: 0, StatusFailed: 0}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), status)
	}
}
