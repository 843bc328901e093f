package tenancy

import (
	"github.com/prometheus/client_golang/prometheus"
)

// counter names one of the cache counters.
type counter int

const (
	hits counter = iota
	misses
	negativeHits
	loads
	coalesced
	evictions
	redisErrors
	staleServed
	invalidations
	numCounters
)

var counterInfo = [numCounters][2]string{
	hits:          {"hits", "Resolutions answered from process memory with a tenant."},
	misses:        {"misses", "Resolutions not answered from process memory."},
	negativeHits:  {"negative_hits", "Resolutions answered from process memory with 'no such tenant'."},
	loads:         {"loads", "Database queries made to fill the cache."},
	coalesced:     {"coalesced_requests", "Misses that waited for another request's load instead of querying."},
	evictions:     {"evictions", "Entries evicted from the bounded LRU."},
	redisErrors:   {"redis_errors", "Failed calls to the shared Redis layer (the cache carried on without it)."},
	staleServed:   {"stale_served", "Expired tenants served because the database could not be reached."},
	invalidations: {"invalidations", "Tenant invalidations applied (from tenant events)."},
}

// Metrics are the cache counters on /metrics and the System page. A nil *Metrics counts nothing.
type Metrics struct {
	c   [numCounters]prometheus.Counter
	reg prometheus.Registerer
}

// NewMetrics creates the counters (rustok_tenant_cache_*_total) and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{reg: reg}
	for i, info := range counterInfo {
		m.c[i] = prometheus.NewCounter(prometheus.CounterOpts{Name: "rustok_tenant_cache_" + info[0] + "_total", Help: info[1]})
		reg.MustRegister(m.c[i])
	}
	return m
}

func (m *Metrics) inc(c counter) {
	if m != nil {
		m.c[c].Inc()
	}
}

// Snapshot returns every counter's current value by name, for the System page.
func (m *Metrics) Snapshot() map[string]float64 {
	out := map[string]float64{}
	if m == nil {
		return out
	}
	for i, info := range counterInfo {
		out[info[0]] = counterValue(m.c[i])
	}
	return out
}

func (m *Metrics) setEntries(n func() int) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rustok_tenant_cache_entries", Help: "Entries in the in-process tenant cache."},
		func() float64 { return float64(n()) }))
}
