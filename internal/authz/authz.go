// Package authz decides who may do what: Casbin RBAC with domains over the policies stored in
// casbin_rule (through casbin/gorm-adapter, auto-migration off: our migrations own the table).
// Subject = user id, domain = tenant id ("*" = the platform), object = resource, action = action;
// "manage" implies every action; super_admin holds in every tenant.
//
// Plain Enforce scans every policy line, so policies are loaded per tenant on demand (only that
// tenant's rules and the platform's) and decisions are memoised per (user, tenant, resource,
// action) until a role or permission event for that tenant drops them.
package authz

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"
)

// Platform is the domain of platform-wide roles and pages (super_admin, /tenants).
const Platform = "*"

// modelText is the Casbin model: RBAC with domains, a platform-wide grouping in "*", and
// "manage" implying every action.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (g(r.sub, p.sub, r.dom) || g(r.sub, p.sub, "*")) && (p.dom == r.dom || p.dom == "*") && r.obj == p.obj && (r.act == p.act || p.act == "manage")
`

// Perm is a (resource, action) pair a route requires.
type Perm struct {
	Resource string
	Action   string
}

func (p Perm) String() string { return p.Resource + ":" + p.Action }

// decision is a memoised answer.
type decision struct {
	user uuid.UUID
	perm Perm
}

// domain holds one tenant's enforcer and its memoised decisions.
type domain struct {
	loaded    time.Time // when its load began, on the freshness watcher's clock
	enforcer  *casbin.Enforcer
	mu        sync.RWMutex
	decisions map[decision]bool
}

// Engine answers Allowed. It is safe for concurrent use.
type Engine struct {
	db      *gorm.DB
	model   model.Model
	domains *lru.Cache[string, *domain]
	group   singleflight.Group

	mu          sync.Mutex
	generations map[string]uint64 // bumped by Forget, so a load that raced a change is not kept
	fresh       Freshness         // nil: loaded policies stay fresh until Forget
}

// Freshness says whether policies loaded at a time may still be used, on its own clock (the
// freshness watcher, which bounds their age while this process may be missing events).
type Freshness interface {
	Fresh(loaded time.Time) bool
	Now() time.Time
}

// UseFreshness makes the engine ask f whether a tenant's loaded policies are still fresh. Call
// it before use; backend.NewCaches does, and also makes role and membership events call Forget.
func (e *Engine) UseFreshness(f Freshness) { e.fresh = f }

func (e *Engine) isFresh(loaded time.Time) bool { return e.fresh == nil || e.fresh.Fresh(loaded) }

func (e *Engine) now() time.Time {
	if e.fresh == nil {
		return time.Now()
	}
	return e.fresh.Now()
}

// New returns an engine over db, keeping at most maxTenants tenants' policies in memory.
func New(db *gorm.DB, maxTenants int) (*Engine, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	if maxTenants <= 0 {
		maxTenants = 1000
	}
	cache, _ := lru.New[string, *domain](maxTenants)
	return &Engine{db: db, model: m, domains: cache, generations: map[string]uint64{}}, nil
}

// Allowed reports whether the user may perform perm in the domain (a tenant id, or Platform).
func (e *Engine) Allowed(ctx context.Context, user uuid.UUID, dom string, perm Perm) (bool, error) {
	d, err := e.domain(ctx, dom)
	if err != nil {
		return false, err
	}
	key := decision{user, perm}
	d.mu.RLock()
	ok, known := d.decisions[key]
	d.mu.RUnlock()
	if known {
		return ok, nil
	}
	ok, err = d.enforcer.Enforce(user.String(), dom, perm.Resource, perm.Action)
	if err != nil {
		return false, fmt.Errorf("authz: %w", err)
	}
	d.mu.Lock()
	d.decisions[key] = ok
	d.mu.Unlock()
	return ok, nil
}

// domain returns the loaded policies of a tenant, loading them once on first use.
func (e *Engine) domain(ctx context.Context, dom string) (*domain, error) {
	if d, ok := e.domains.Get(dom); ok && e.isFresh(d.loaded) {
		return d, nil
	}
	v, err, _ := e.group.Do(dom, func() (any, error) {
		if d, ok := e.domains.Get(dom); ok && e.isFresh(d.loaded) {
			return d, nil
		}
		gen, loaded := e.generation(dom), e.now()
		d, err := e.load(ctx, dom)
		if err != nil {
			return nil, err
		}
		d.loaded = loaded
		// A change committed while we were reading may not be in what we read; use the answer
		// for this request, but do not keep it.
		if e.generation(dom) == gen {
			e.domains.Add(dom, d)
		}
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*domain), nil
}

// load reads the tenant's rules and the platform's through the GORM adapter.
func (e *Engine) load(ctx context.Context, dom string) (*domain, error) {
	db := e.db.WithContext(ctx)
	gormadapter.TurnOffAutoMigrate(db)
	adapter, err := gormadapter.NewAdapterByDB(db)
	if err != nil {
		return nil, fmt.Errorf("authz: adapter: %w", err)
	}
	enf, err := casbin.NewEnforcer(e.model.Copy())
	if err != nil {
		return nil, err
	}
	enf.SetAdapter(adapter)
	domains := []string{dom, Platform}
	filters := []gormadapter.Filter{{Ptype: []string{"p"}, V1: domains}, {Ptype: []string{"g"}, V2: domains}}
	if err := enf.LoadFilteredPolicy(filters); err != nil {
		return nil, fmt.Errorf("authz: load policies of %s: %w", dom, err)
	}
	return &domain{enforcer: enf, decisions: map[decision]bool{}}, nil
}

// Forget drops a domain's policies and decisions; the next check reloads them. Forgetting the
// platform domain forgets every tenant, since platform roles count in all of them.
func (e *Engine) Forget(dom string) {
	e.mu.Lock()
	e.generations[dom]++ // generation() adds the platform's, which every domain includes
	e.mu.Unlock()
	if dom == Platform {
		e.domains.Purge()
		return
	}
	e.domains.Remove(dom)
}

// generation returns a counter that changes whenever dom's policies, or the platform's, may
// have changed.
func (e *Engine) generation(dom string) uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.generations[dom] + e.generations[Platform]
}
