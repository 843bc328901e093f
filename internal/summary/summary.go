// Package summary caches, per process, what a tenant's dashboard shows: counts, the chart and
// the newest events, which every view of the dashboard would otherwise read again. Any event of
// the tenant — by this process's own commit, its relay, or NATS from another process — drops
// the tenant's entry, so a change shows on the next view; what changes without an event (an
// event's delivery status, flipped by a relay) shows within MaxAge (5 s). While the NATS link is
// down the freshness watcher bounds entries to the same 5 s, and a reconnect drops them all.
package summary

import (
	"context"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
)

// MaxAge bounds an entry's age even without an event.
const MaxAge = 5 * time.Second

type entry struct {
	value  any
	day    string // the UTC day it is of: the chart and today's count move at midnight
	loaded time.Time
}

// Cache holds one summary per tenant and day.
type Cache struct {
	lru   *lru.Cache[uuid.UUID, entry]
	group singleflight.Group
	fresh *freshness.Watcher
	gens  *lru.Cache[uuid.UUID, uint64] // per tenant: bumped by each of its events
}

// New builds a cache of up to size tenants (default 1,000). Call Follow before use.
func New(size int) *Cache {
	if size <= 0 {
		size = 1000
	}
	l, _ := lru.New[uuid.UUID, entry](size)
	g, _ := lru.New[uuid.UUID, uint64](size)
	return &Cache{lru: l, gens: g}
}

// Follow makes the cache hear every event through w; an event of a tenant drops its entries,
// an event of no tenant (the platform) drops none.
func (c *Cache) Follow(w *freshness.Watcher) {
	c.fresh = w
	w.Watch("*", func(_ context.Context, env events.Envelope) error {
		if env.TenantID != nil {
			c.Forget(*env.TenantID)
		}
		return nil
	})
}

// Forget drops the tenant's summaries.
func (c *Cache) Forget(tenant uuid.UUID) {
	g, _ := c.gens.Get(tenant)
	c.gens.Add(tenant, g+1)
	c.lru.Remove(tenant)
}

// Get returns the tenant's summary of day (now's UTC day), loading it with load when it is not
// cached or no longer fresh.
func (c *Cache) Get(ctx context.Context, tenant uuid.UUID, now time.Time, load func(context.Context) (any, error)) (any, error) {
	day := now.UTC().Format(time.DateOnly)
	if e, ok := c.lru.Get(tenant); ok && e.day == day && c.fresh.Now().Sub(e.loaded) < MaxAge && c.fresh.Fresh(e.loaded) {
		return e.value, nil
	}
	v, err, _ := c.group.Do(tenant.String()+day, func() (any, error) {
		loaded := c.fresh.Now()
		gen, _ := c.gens.Get(tenant)
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		if g, _ := c.gens.Get(tenant); g == gen {
			c.lru.Add(tenant, entry{value: v, day: day, loaded: loaded})
		}
		return v, nil
	})
	return v, err
}
