package backend

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
	"github.com/rustok/rustok-admin/internal/principal"
	"github.com/rustok/rustok-admin/internal/summary"
	"github.com/rustok/rustok-admin/internal/tenancy"
)

// Caches are a serving process's caches of decisions — tenants, policies and principals (who a
// signed-in user is and the roles they hold), dashboards' summaries — and the one
// watcher that keeps them fresh. serve and the test kit build them with NewCaches, so tests
// exercise exactly the subscriptions production uses.
type Caches struct {
	Tenants    *tenancy.Cache
	Policies   *authz.Engine
	Principals *principal.Cache
	Summaries  *summary.Cache
	Watcher    *freshness.Watcher
}

// summaryValues is how many dashboards, list counts and list pages a process keeps.
const summaryValues = 1000

// NewCaches builds the caches over b (the summaries bounded by cfg.SummaryMaxAge): events from
// b.Store's commits, b.Bus (this process's relay) and b.NATS (every other process's relay). now
// may be nil (time.Now); tests pass a clock to age entries while the NATS link is down.
func NewCaches(cfg config.Config, b *Backends, reg *prometheus.Registry, log *slog.Logger, now func() time.Time) (*Caches, error) {
	w := freshness.New(freshness.Config{Commits: b.Store, Bus: b.Bus, NATS: b.NATS, Logger: log, Now: now})
	tenants := tenancy.New(b.Store, tenancy.Config{Shared: b.Storage, Metrics: tenancy.NewMetrics(reg), Logger: log})
	policies, err := authz.New(b.Store.DB(), 0)
	if err != nil {
		return nil, err
	}
	principals := principal.New(b.Store, principal.Config{})
	tenants.Follow(w)
	followPolicies(policies, w)
	principals.Follow(w)
	// 1,000 values: a content list page of 50 rows holds some 10–20 KB, so the pages alone stay
	// under about 20 MB however many filters and pages are asked for.
	summaries := summary.New(summaryValues, cfg.SummaryMaxAge)
	summaries.Follow(w)
	if reg != nil {
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rustok_nats_link_up",
				Help: "1 while this process hears other processes' events over NATS; 0 while cached decisions are bounded to 5 s."},
				func() float64 {
					if w.LinkUp() {
						return 1
					}
					return 0
				}),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rustok_cache_resets_total",
				Help: "Times every cached tenant and policy was made stale at once (NATS link back, dropped messages)."},
				func() float64 { return float64(w.Resets()) }),
		)
	}
	return &Caches{Tenants: tenants, Policies: policies, Principals: principals, Summaries: summaries, Watcher: w}, nil
}

// followPolicies makes the engine hear role and membership events through w (this process's
// commits, its relay, and NATS) and ask w whether a tenant's loaded policies are still fresh.
func followPolicies(e *authz.Engine, w *freshness.Watcher) {
	e.UseFreshness(w)
	forget := func(_ context.Context, env events.Envelope) error {
		switch {
		case strings.HasPrefix(env.EventType, "user.role_"):
			ev, err := env.Decode()
			if err != nil {
				return err
			}
			switch p := ev.(type) {
			case *events.UserRoleAssigned:
				e.Forget(p.Tenant)
			case *events.UserRoleRevoked:
				e.Forget(p.Tenant)
			}
		case env.TenantID != nil:
			e.Forget(env.TenantID.String())
		default:
			e.Forget(authz.Platform)
		}
		return nil
	}
	w.Watch("role.*", forget)
	w.Watch("user.role_*", forget)
}

// Start subscribes the watcher; the returned func stops it.
func (c *Caches) Start(ctx context.Context) (func(), error) { return c.Watcher.Start(ctx) }

// RunningRelay is a relay goroutine the process waits for at shutdown.
type RunningRelay struct {
	Relay *events.Relay
	done  chan struct{}
}

// Wait returns when the relay has stopped (its context ended).
func (r *RunningRelay) Wait() { <-r.done }

// StartRelay starts the outbox relay in the background: the in-process bus always, JetStream
// when NATS is configured. It stops when ctx ends.
func StartRelay(ctx context.Context, b *Backends, reg *prometheus.Registry, log *slog.Logger) (*RunningRelay, error) {
	transports := []events.Transport{b.Bus}
	if b.NATS != nil {
		js, err := events.NewJetStream(ctx, b.NATS)
		if err != nil {
			return nil, err
		}
		transports = append(transports, js)
	}
	var metrics *events.Metrics
	if reg != nil {
		metrics = events.NewMetrics(reg, b.Store.DB())
	}
	r := events.NewRelay(b.Store.DB(), string(b.Store.Dialect()), transports, events.RelayConfig{Logger: log, Metrics: metrics})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.Run(ctx)
	}()
	return &RunningRelay{Relay: r, done: done}, nil
}
