// Package summary caches, per process, what many views of a tenant read alike and what costs
// the most to read: the dashboard's counts, chart and newest events, and the lists' row counts.
// Any event of the tenant — by this process's own commit, its relay, or NATS from another
// process — drops everything cached for the tenant, so a change shows on the next view;
// user.updated and user.deleted drop everything of every tenant (a user's name shows in the
// lists of every tenant they wrote in); what changes without an event (an event's delivery
// status, flipped by a relay) shows within MaxAge (5 s, SUMMARY_MAX_AGE). While the NATS link is down the freshness watcher bounds entries to the same 5 s, and a
// reconnect drops them all.
package summary

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
)

// MaxAge bounds an entry's age even without an event, unless New is given another bound
// (SUMMARY_MAX_AGE).
const MaxAge = 5 * time.Second

type key struct {
	tenant uuid.UUID
	name   string
}

type entry struct {
	value  any
	loaded time.Time
	gen    uint64 // the tenant's generation it was loaded in
	all    uint64 // and the generation of all tenants
}

// Cache holds named values per tenant.
type Cache struct {
	lru    *lru.Cache[key, entry]
	gens   *lru.Cache[uuid.UUID, uint64] // per tenant: bumped by each of its events
	all    atomic.Uint64                 // bumped by platform events of users: every tenant's values go
	group  singleflight.Group
	fresh  *freshness.Watcher
	maxAge time.Duration
}

// New builds a cache of up to size values (default 10,000; the least recently used go first)
// that serves an entry for at most maxAge (0: never, every Get loads; serve and the test kit
// pass config.SummaryMaxAge, whose default is MaxAge). The tenants' generations are kept for at
// least 10,000 tenants whatever size is. Call Follow before use.
func New(size int, maxAge time.Duration) *Cache {
	if size <= 0 {
		size = 10000
	}
	l, _ := lru.New[key, entry](size)
	g, _ := lru.New[uuid.UUID, uint64](max(size, 10000))
	return &Cache{lru: l, gens: g, maxAge: maxAge}
}

// Follow makes the cache hear every event through w; an event of a tenant drops its values,
// user.updated and user.deleted (of a tenant or not) drop the values of all tenants, other
// platform events none.
func (c *Cache) Follow(w *freshness.Watcher) {
	c.fresh = w
	w.Watch("*", func(_ context.Context, env events.Envelope) error {
		switch {
		case env.EventType == "user.updated", env.EventType == "user.deleted":
			c.all.Add(1) // a user's name shows in the lists of every tenant they wrote in
		case env.TenantID != nil:
			c.Forget(*env.TenantID)
		}
		return nil
	})
}

// Forget drops the tenant's values: its generation moves on, so none of them is served again
// and no load that began before is kept.
func (c *Cache) Forget(tenant uuid.UUID) {
	g, _ := c.gens.Get(tenant)
	c.gens.Add(tenant, g+1)
}

// Get returns the tenant's value named name, loading it with load when it is not cached or no
// longer fresh.
func (c *Cache) Get(ctx context.Context, tenant uuid.UUID, name string, load func(context.Context) (any, error)) (any, error) {
	k := key{tenant, name}
	gen, _ := c.gens.Get(tenant)
	if e, ok := c.lru.Get(k); ok && e.gen == gen && e.all == c.all.Load() && c.fresh.Now().Sub(e.loaded) < c.maxAge && c.fresh.Fresh(e.loaded) {
		return e.value, nil
	}
	v, err, _ := c.group.Do(tenant.String()+"\x00"+name, func() (any, error) { return c.load(ctx, k, load) })
	return v, err
}

// Refresh is Get that never serves what is cached: it loads the value and keeps it, for a
// reader who must see the database now (right after their own write, which this process may
// not have heard of yet). It shares no load with other readers: one that began before the
// write would not see it.
func (c *Cache) Refresh(ctx context.Context, tenant uuid.UUID, name string, load func(context.Context) (any, error)) (any, error) {
	return c.load(ctx, key{tenant, name}, load)
}

// load runs load and keeps its value unless an event of the tenant (or of all) came meanwhile.
func (c *Cache) load(ctx context.Context, k key, load func(context.Context) (any, error)) (any, error) {
	loaded := c.fresh.Now()
	gen, _ := c.gens.Get(k.tenant)
	all := c.all.Load()
	v, err := load(ctx)
	if err != nil {
		return nil, err
	}
	if g, _ := c.gens.Get(k.tenant); g == gen && c.all.Load() == all {
		c.lru.Add(k, entry{value: v, loaded: loaded, gen: gen, all: all})
	}
	return v, nil
}

// Count is Get for a list's bounded row count (models.CountCache).
func (c *Cache) Count(ctx context.Context, tenant uuid.UUID, name string, load func() (int, bool, error)) (int, bool, error) {
	type counted struct {
		n      int
		capped bool
	}
	v, err := c.Get(ctx, tenant, "count:"+name, func(context.Context) (any, error) {
		n, capped, err := load()
		return counted{n, capped}, err
	})
	if err != nil {
		return 0, false, err
	}
	r := v.(counted)
	return r.n, r.capped, nil
}
