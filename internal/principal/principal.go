// Package principal caches, per process, who a signed-in request is: the user row and the
// roles they hold in every tenant. Every signed-in request needs both, and both change rarely,
// so a request reads them from memory: no statement on the request path. It also keeps the
// lists of people that filters offer (a tenant's members, the authors of its nodes).
//
// The cache keeps exactly the freshness rules of the tenant cache and the policy engine (it
// follows the same freshness.Watcher): an entry is dropped when an event about its user — any
// user.* event, which covers deactivation, deletion, role changes, password changes and ended
// sessions — or
// any role.* event (node.* for the authors) reaches this process, by its own commit, its relay or NATS from another
// process. While the NATS link is down entries older than the watcher's bound (5 s) are
// reloaded, and when it comes back everything loaded before is reloaded. A load that raced an
// invalidation is not kept. Entries also expire after MaxAge, which bounds the one change that
// has no event (a user's display time zone, see models.Store.SetUserTimeZone).
package principal

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
	"github.com/rustok/rustok-admin/models"
)

// Principal is a signed-in user and everything they hold. It is shared between requests:
// never modify it.
type Principal struct {
	User        *models.User
	Memberships []models.Membership // sorted by domain, then role
	Sessions    []uuid.UUID         // the handles of the user's sessions nothing has ended, sorted
}

// HasSession reports whether the session with the handle had not been ended when the principal
// was loaded. A session signed in after that is not in it either: ask the database then
// (models.Store.SessionActive).
func (p *Principal) HasSession(id uuid.UUID) bool {
	_, ok := slices.BinarySearchFunc(p.Sessions, id, compareIDs)
	return ok
}

func compareIDs(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

// Super reports whether the user holds the platform role.
func (p *Principal) Super() bool {
	return slices.Contains(p.Memberships, models.Membership{Role: models.RoleSuperAdmin, Domain: models.AllTenants})
}

// RolesIn returns the roles held in the tenant, platform roles included, sorted (the same
// answer as models.Store.RolesIn).
func (p *Principal) RolesIn(tenantID uuid.UUID) []string {
	dom := tenantID.String()
	var roles []string
	for _, m := range p.Memberships {
		if m.Domain == dom || m.Domain == models.AllTenants {
			roles = append(roles, m.Role)
		}
	}
	slices.Sort(roles)
	return roles
}

// TenantIDs returns the tenants the user holds a role in (not the platform), each once.
func (p *Principal) TenantIDs() []uuid.UUID {
	var out []uuid.UUID
	for _, m := range p.Memberships {
		if id, err := uuid.Parse(m.Domain); err == nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Loader reads what the cache holds; models.Store is one.
type Loader interface {
	UserByID(ctx context.Context, id uuid.UUID) (*models.User, error)
	MembershipsOf(ctx context.Context, userID uuid.UUID) ([]models.Membership, error)
	ActiveSessionIDs(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error)
	ActiveTenants(ctx context.Context, limit int) ([]models.Tenant, error)
	TenantMembers(ctx context.Context, tenantID uuid.UUID) ([]models.User, error)
	NodeAuthors(ctx context.Context, tenantID uuid.UUID) ([]models.NodeAuthor, error)
}

// Config sizes the cache.
type Config struct {
	Size   int           // users kept; default 10,000
	MaxAge time.Duration // an entry is reloaded after this even without an event; default 30 s
}

type entry struct {
	p      *Principal
	loaded time.Time // when its load began, on the watcher's clock
}

type tenantsEntry struct {
	tenants []models.Tenant
	limit   int
	loaded  time.Time
}

// listKey names a per-tenant list of people: its members, or the authors of its nodes.
type listKey struct {
	kind   string
	tenant uuid.UUID
}

type listEntry struct {
	list   any // []models.User or []models.NodeAuthor
	loaded time.Time
}

// Cache is the per-process principal cache.
type Cache struct {
	cfg        Config
	loader     Loader
	lru        *lru.Cache[uuid.UUID, entry]
	group      singleflight.Group
	fresh      *freshness.Watcher
	generation atomic.Uint64 // bumped by every invalidation: a load that raced one is not kept
	tenants    atomic.Pointer[tenantsEntry]
	lists      *lru.Cache[listKey, listEntry]
}

// New builds a cache over loader. Call Follow before use so it hears invalidations.
func New(loader Loader, cfg Config) *Cache {
	if cfg.Size <= 0 {
		cfg.Size = 10000
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 30 * time.Second
	}
	l, err := lru.New[uuid.UUID, entry](cfg.Size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	lists, _ := lru.New[listKey, listEntry](1000)
	return &Cache{cfg: cfg, loader: loader, lru: l, lists: lists}
}

// Follow makes the cache hear user, role and tenant events through w and ask w whether an
// entry is still fresh. Call it before w.Start.
func (c *Cache) Follow(w *freshness.Watcher) {
	c.fresh = w
	w.Watch("user.*", func(_ context.Context, env events.Envelope) error {
		c.Forget(env.AggregateID)
		c.lists.Purge() // a name, a role or a deletion: any list may show it
		return nil
	})
	w.Watch("role.*", func(context.Context, events.Envelope) error {
		c.ForgetAll()
		return nil
	})
	w.Watch("node.*", func(_ context.Context, env events.Envelope) error {
		c.generation.Add(1)
		if env.TenantID != nil {
			c.lists.Remove(listKey{"authors", *env.TenantID})
		} else {
			c.lists.Purge()
		}
		return nil
	})
	w.Watch("tenant.*", func(context.Context, events.Envelope) error {
		c.generation.Add(1)
		c.tenants.Store(nil)
		return nil
	})
}

func (c *Cache) usable(loaded time.Time) bool {
	return c.fresh.Now().Sub(loaded) < c.cfg.MaxAge && c.fresh.Fresh(loaded)
}

// Get returns the user's principal; models.ErrNotFound when there is no such user.
func (c *Cache) Get(ctx context.Context, userID uuid.UUID) (*Principal, error) {
	if e, ok := c.lru.Get(userID); ok && c.usable(e.loaded) {
		return e.p, nil
	}
	v, err, _ := c.group.Do(userID.String(), func() (any, error) {
		loaded, gen := c.fresh.Now(), c.generation.Load()
		u, err := c.loader.UserByID(ctx, userID)
		if err != nil {
			return nil, err
		}
		ms, err := c.loader.MembershipsOf(ctx, userID)
		if err != nil {
			return nil, err
		}
		sessions, err := c.loader.ActiveSessionIDs(ctx, userID)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(sessions, compareIDs)
		p := &Principal{User: u, Memberships: ms, Sessions: sessions}
		if c.generation.Load() == gen {
			c.lru.Add(userID, entry{p: p, loaded: loaded})
		}
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Principal), nil
}

// ActiveTenants returns the first limit active tenants by name (what a super admin's tenant
// switcher lists), cached like principals and dropped on any tenant event.
func (c *Cache) ActiveTenants(ctx context.Context, limit int) ([]models.Tenant, error) {
	if e := c.tenants.Load(); e != nil && e.limit == limit && c.usable(e.loaded) {
		return e.tenants, nil
	}
	v, err, _ := c.group.Do("tenants:"+strconv.Itoa(limit), func() (any, error) {
		loaded, gen := c.fresh.Now(), c.generation.Load()
		ts, err := c.loader.ActiveTenants(ctx, limit)
		if err != nil {
			return nil, err
		}
		if c.generation.Load() == gen {
			c.tenants.Store(&tenantsEntry{tenants: ts, limit: limit, loaded: loaded})
		}
		return ts, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]models.Tenant), nil
}

// Members returns the users holding a role in the tenant, ordered by name then email (what
// models.Store.TenantMembers returns), cached and dropped on any user or role event.
func (c *Cache) Members(ctx context.Context, tenantID uuid.UUID) ([]models.User, error) {
	v, err := c.list(ctx, listKey{"members", tenantID}, func() (any, error) { return c.loader.TenantMembers(ctx, tenantID) })
	if err != nil {
		return nil, err
	}
	return v.([]models.User), nil
}

// Authors returns the authors of the tenant's nodes (models.Store.NodeAuthors), cached and
// dropped on any node event of the tenant and any user event.
func (c *Cache) Authors(ctx context.Context, tenantID uuid.UUID) ([]models.NodeAuthor, error) {
	v, err := c.list(ctx, listKey{"authors", tenantID}, func() (any, error) { return c.loader.NodeAuthors(ctx, tenantID) })
	if err != nil {
		return nil, err
	}
	return v.([]models.NodeAuthor), nil
}

func (c *Cache) list(ctx context.Context, k listKey, load func() (any, error)) (any, error) {
	if e, ok := c.lists.Get(k); ok && c.usable(e.loaded) {
		return e.list, nil
	}
	v, err, _ := c.group.Do(k.kind+":"+k.tenant.String(), func() (any, error) {
		loaded, gen := c.fresh.Now(), c.generation.Load()
		list, err := load()
		if err != nil {
			return nil, err
		}
		if c.generation.Load() == gen {
			c.lists.Add(k, listEntry{list: list, loaded: loaded})
		}
		return list, nil
	})
	return v, err
}

// Forget drops what is cached about the user.
func (c *Cache) Forget(userID uuid.UUID) {
	c.generation.Add(1)
	c.lru.Remove(userID)
}

// ForgetAll drops every cached principal and list.
func (c *Cache) ForgetAll() {
	c.generation.Add(1)
	c.lru.Purge()
	c.lists.Purge()
}
