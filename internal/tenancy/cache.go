// Package tenancy maps requests to tenants through a cache that survives stampedes and outages:
// a bounded in-process LRU (positive and negative entries), a shared Redis layer, and
// singleflight so that concurrent misses of one key cost one database query.
package tenancy

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/rustok/rustok-admin/internal/freshness"
	"github.com/rustok/rustok-admin/models"
)

// Kind says how a request names its tenant.
type Kind uint8

// The three ways to name a tenant.
const (
	ByID Kind = iota
	BySlug
	ByHost
)

func (k Kind) String() string { return [...]string{"id", "slug", "host"}[k] }

// key is a cache key. A struct, not a string, so a hit builds nothing and allocates nothing.
type key struct {
	kind  Kind
	value string
}

// redisKey is tenant:v1:{id|slug|host}:value.
func (k key) redisKey() string { return "tenant:v1:" + k.kind.String() + ":" + k.value }

type entry struct {
	tenant     *models.Tenant
	expires    time.Time
	staleUntil time.Time // a positive entry may still be served until then when reloading fails
	loaded     time.Time // when its load began, on the freshness watcher's clock
}

// unknown is a negative entry: no tenant has the name, until expires.
type unknown struct {
	expires time.Time
	loaded  time.Time
}

// ErrNotFound means no tenant has that id, slug or host.
var ErrNotFound = errors.New("tenant not found")

// Loader reads tenants from the source of truth.
type Loader interface {
	TenantByID(ctx context.Context, id uuid.UUID) (*models.Tenant, error)
	TenantBySlug(ctx context.Context, slug string) (*models.Tenant, error)
	TenantByDomain(ctx context.Context, host string) (*models.Tenant, error)
}

// Config tunes the cache; zero values take the defaults.
type Config struct {
	Size        int           // LRU entries; default 10,000
	PositiveTTL time.Duration // default 5 min
	NegativeTTL time.Duration // default 60 s
	StaleFor    time.Duration // how long past expiry a tenant is served while the database is down; default 10 min
	Shared      fiber.Storage // Redis; nil = process memory only
	Metrics     *Metrics
	Logger      *slog.Logger
	Now         func() time.Time
}

// Cache resolves tenants.
type Cache struct {
	cfg      Config
	loader   Loader
	lru      *lru.Cache[key, entry]   // tenants that exist
	negative *lru.Cache[key, unknown] // names that match no tenant; kept apart so
	// a flood of made-up names (any client can send a Host or X-Tenant-ID) cannot push real tenants out
	group       singleflight.Group
	m           *Metrics
	sharedUntil atomic.Int64 // unix nanos until which the shared layer is skipped after an error
	fresh       *freshness.Watcher
	generation  atomic.Uint64 // bumped by Invalidate, so a load that raced a change is not kept
}

// New returns a cache over loader.
func New(loader Loader, cfg Config) *Cache {
	if cfg.Size <= 0 {
		cfg.Size = 10000
	}
	if cfg.PositiveTTL <= 0 {
		cfg.PositiveTTL = 5 * time.Minute
	}
	if cfg.NegativeTTL <= 0 {
		cfg.NegativeTTL = time.Minute
	}
	if cfg.StaleFor <= 0 {
		cfg.StaleFor = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cache{cfg: cfg, loader: loader, m: cfg.Metrics}
	c.lru, _ = lru.New[key, entry](cfg.Size)
	c.negative, _ = lru.New[key, unknown](max(cfg.Size/10, 100))
	c.m.setEntries(func() int { return c.lru.Len() + c.negative.Len() })
	return c
}

// Resolve returns the tenant named by value, active or not, or ErrNotFound. A hit costs a map
// lookup; concurrent misses of one key share one load.
func (c *Cache) Resolve(ctx context.Context, kind Kind, value string) (*models.Tenant, error) {
	k := key{kind, normalize(value)}
	now := c.cfg.Now()
	e, ok := c.lru.Get(k)
	if ok && now.Before(e.expires) && c.fresh.Fresh(e.loaded) {
		c.m.inc(hits)
		return e.tenant, nil
	}
	if u, neg := c.negative.Get(k); neg && now.Before(u.expires) && c.fresh.Fresh(u.loaded) {
		c.m.inc(negativeHits)
		return nil, ErrNotFound
	}
	c.m.inc(misses)
	// The key may point into the request's buffers (Fiber reuses them); the LRU keeps it.
	k.value = strings.Clone(k.value)
	ran := false
	v, err, _ := c.group.Do(k.redisKey(), func() (any, error) {
		ran = true
		return c.fill(ctx, k, e, ok)
	})
	if !ran {
		c.m.inc(coalesced)
	}
	if err != nil {
		return nil, err
	}
	return v.(*models.Tenant), nil
}

func normalize(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.LastIndexByte(v, ':'); i >= 0 && !strings.Contains(v[i:], "]") {
		v = v[:i] // strip a port
	}
	return strings.TrimSuffix(v, ".")
}

// fill loads a missing or expired key: from the shared layer, else from the database. When the
// database fails and an expired entry is still within its stale period, the stale tenant is
// served (and the failure logged) rather than failing the request.
func (c *Cache) fill(ctx context.Context, k key, old entry, hadOld bool) (*models.Tenant, error) {
	now := c.cfg.Now()
	// A request that missed just as another's load finished finds the fresh entry here.
	if e, ok := c.lru.Get(k); ok && now.Before(e.expires) && c.fresh.Fresh(e.loaded) {
		c.m.inc(coalesced)
		return e.tenant, nil
	}
	if u, neg := c.negative.Get(k); neg && now.Before(u.expires) && c.fresh.Fresh(u.loaded) {
		c.m.inc(coalesced)
		return nil, ErrNotFound
	}
	// Stamped before reading, so a change committed during the read makes the entry stale.
	loaded, gen := c.fresh.Now(), c.generation.Load()
	if t := c.sharedGet(k); t != nil {
		c.store(k, t, now, loaded, gen)
		return t, nil
	}
	c.m.inc(loads)
	t, err := c.load(ctx, k)
	switch {
	case errors.Is(err, models.ErrNotFound):
		if c.generation.Load() == gen && c.negative.Add(k, unknown{expires: now.Add(c.cfg.NegativeTTL), loaded: loaded}) {
			c.m.inc(evictions)
		}
		return nil, ErrNotFound
	case err != nil:
		if hadOld && old.tenant != nil && now.Before(old.staleUntil) {
			c.m.inc(staleServed)
			c.cfg.Logger.WarnContext(ctx, "tenant cache: database failed, serving a stale tenant", "key", k.redisKey(), "err", err)
			// Serve it for a few more seconds without asking again, so an outage costs one
			// failed query (and one warning) per key every few seconds, not one per request.
			// With the database down there is nothing fresher to be had, so this holds even
			// while the NATS link is down too.
			c.lru.Add(k, entry{tenant: old.tenant, expires: now.Add(5 * time.Second), staleUntil: old.staleUntil, loaded: c.fresh.Now()})
			return old.tenant, nil
		}
		return nil, err
	}
	if c.store(k, t, now, loaded, gen) {
		c.sharedSet(k, t)
	}
	return t, nil
}

func (c *Cache) load(ctx context.Context, k key) (*models.Tenant, error) {
	switch k.kind {
	case ByID:
		id, err := uuid.Parse(k.value)
		if err != nil {
			return nil, models.ErrNotFound
		}
		return c.loader.TenantByID(ctx, id)
	case BySlug:
		return c.loader.TenantBySlug(ctx, k.value)
	default:
		return c.loader.TenantByDomain(ctx, k.value)
	}
}

// store keeps a loaded tenant unless an invalidation arrived while it was being read (then the
// caller still gets it for its own request, but nobody else does). It reports whether it kept it.
func (c *Cache) store(k key, t *models.Tenant, now, loaded time.Time, gen uint64) bool {
	if c.generation.Load() != gen {
		return false
	}
	exp := now.Add(c.cfg.PositiveTTL)
	if c.lru.Add(k, entry{tenant: t, expires: exp, staleUntil: exp.Add(c.cfg.StaleFor), loaded: loaded}) {
		c.m.inc(evictions)
	}
	return true
}

// sharedDown reports whether the shared layer is being skipped after a recent error, so a Redis
// outage costs one timeout per few seconds instead of one per request.
func (c *Cache) sharedDown() bool {
	return c.cfg.Shared == nil || c.cfg.Now().UnixNano() < c.sharedUntil.Load()
}

func (c *Cache) sharedFailed(op string, err error) {
	c.m.inc(redisErrors)
	c.sharedUntil.Store(c.cfg.Now().Add(5 * time.Second).UnixNano())
	c.cfg.Logger.Warn("tenant cache: Redis unavailable, using process memory and the database", "op", op, "err", err)
}

func (c *Cache) sharedGet(k key) *models.Tenant {
	if c.sharedDown() {
		return nil
	}
	b, err := c.cfg.Shared.Get(k.redisKey())
	if err != nil {
		c.sharedFailed("get", err)
		return nil
	}
	if len(b) == 0 {
		return nil
	}
	var t models.Tenant
	if err := json.Unmarshal(b, &t); err != nil {
		return nil
	}
	return &t
}

// sharedSet stores positive entries only: a negative answer is cheap to recompute per process,
// and keeping it local means a new tenant is never hidden by another process's stale "no".
func (c *Cache) sharedSet(k key, t *models.Tenant) {
	if c.sharedDown() {
		return
	}
	b, err := json.Marshal(t)
	if err != nil {
		return
	}
	if err := c.cfg.Shared.Set(k.redisKey(), b, c.cfg.PositiveTTL); err != nil {
		c.sharedFailed("set", err)
	}
}

// Invalidate drops every key of the tenant in this process and in the shared layer, plus the
// negative entries (a created or renamed tenant may answer to a name that was unknown).
// extraHosts are host names the tenant used before (an old domain).
func (c *Cache) Invalidate(ctx context.Context, id uuid.UUID, extraHosts ...string) {
	c.generation.Add(1)
	keys := []key{{ByID, id.String()}}
	for _, k := range c.lru.Keys() {
		e, ok := c.lru.Peek(k)
		if !ok {
			continue
		}
		if e.tenant.ID == id {
			keys = append(keys, k)
		}
	}
	// The database knows the current slug and domain even if this process never cached them.
	if t, err := c.loader.TenantByID(ctx, id); err == nil {
		keys = append(keys, key{BySlug, t.Slug})
		if t.Domain != nil {
			keys = append(keys, key{ByHost, *t.Domain})
		}
	}
	for _, h := range extraHosts {
		if h != "" {
			keys = append(keys, key{ByHost, normalize(h)})
		}
	}
	c.negative.Purge()
	for _, k := range keys {
		c.lru.Remove(k)
		if !c.sharedDown() {
			if err := c.cfg.Shared.Delete(k.redisKey()); err != nil {
				c.sharedFailed("delete", err)
			}
		}
	}
	c.m.inc(invalidations)
}

// Len returns the number of entries (tenants and unknown names) in process memory.
func (c *Cache) Len() int { return c.lru.Len() + c.negative.Len() }

// Stats returns the cache counters and the number of entries, for the System page.
func (c *Cache) Stats() map[string]float64 {
	s := c.m.Snapshot()
	s["entries"] = float64(c.lru.Len() + c.negative.Len())
	return s
}
