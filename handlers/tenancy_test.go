package handlers_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	redisstore "github.com/gofiber/storage/redis/v3"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/tenancy"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// countTenantQueries counts the queries that read the tenants table for the slug held by
// *slug (other lookups, such as the Host check every request makes, are not counted).
func countTenantQueries(t *testing.T, store *models.Store, slug *atomic.Value) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	name := "test:count_tenants_" + uuid.NewString()
	err := store.DB().Callback().Query().After("gorm:query").Register(name, func(tx *gorm.DB) {
		if tx.Statement.Table != "tenants" {
			return
		}
		for _, v := range tx.Statement.Vars {
			if v == slug.Load() {
				n.Add(1)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return &n
}

// metricValue reads one unlabelled metric from /metrics.
func metricValue(t *testing.T, c *testkit.HTTPClient, name string) float64 {
	t.Helper()
	body := c.Get("/metrics").Body
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("/metrics has no %s", name)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestTenantStampedeOverHTTP sends 1,000 concurrent signed-in requests for one tenant through the
// real HTTP server and middleware on a cold cache: the tenants table is queried exactly once.
// The same for a slug that does not exist (the negative path).
func TestTenantStampedeOverHTTP(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("stampede").Create()
	admin := testkit.User(t, app.Store).SuperAdmin().Create()
	c := testkit.Client(t, app).LoginAs(admin)
	base := app.Serve(t)
	cookies := []*http.Cookie{c.Cookie(handlers.SessionCookie)}
	var slug atomic.Value
	queries := countTenantQueries(t, app.Store, &slug)
	// Every request also looks up its Host (127.0.0.1:port, no tenant's domain); warm that entry
	// so the loads counted below are the slug's alone.
	if res, err := http.Get(base + "/login"); err == nil {
		res.Body.Close()
	}

	for _, tc := range []struct {
		slug string
		want int
	}{{tn.Slug, http.StatusOK}, {"no-such-tenant", http.StatusNotFound}} {
		tc := struct {
			path string
			want int
		}{"/t/" + tc.slug + "/", tc.want}
		slug.Store(strings.TrimSuffix(strings.TrimPrefix(tc.path, "/t/"), "/"))
		queries.Store(0)
		loadsBefore := metricValue(t, c, "rustok_tenant_cache_loads_total")
		coalescedBefore := metricValue(t, c, "rustok_tenant_cache_coalesced_requests_total")
		const n = 1000
		client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
		var wg sync.WaitGroup
		var wrong atomic.Int64
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, _ := http.NewRequest(http.MethodGet, base+tc.path, nil)
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				res, err := client.Do(req)
				if err != nil || res.StatusCode != tc.want {
					wrong.Add(1)
				}
				if err == nil {
					res.Body.Close()
				}
			}()
		}
		close(start)
		wg.Wait()
		if wrong.Load() != 0 {
			t.Fatalf("%s: %d of %d requests did not answer %d", tc.path, wrong.Load(), n, tc.want)
		}
		if got := queries.Load(); got != 1 {
			t.Fatalf("%s: %d queries on the tenants table for %d concurrent requests, want exactly 1", tc.path, got, n)
		}
		if loads := metricValue(t, c, "rustok_tenant_cache_loads_total") - loadsBefore; loads != 1 {
			t.Fatalf("%s: loads grew by %v", tc.path, loads)
		}
		coalesced := metricValue(t, c, "rustok_tenant_cache_coalesced_requests_total") - coalescedBefore
		t.Logf("%s: 1 query, %v requests coalesced onto it, the rest were cache hits", tc.path, coalesced)
	}
}

func TestTenantResolutionByHeaderAndHost(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t, testkit.WithConfig(func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} }))
	tn := testkit.Tenant(t, app.Store).Slug("hosted").Domain("shop.example.com").Create()
	dormant := testkit.Tenant(t, app.Store).Inactive().Create()
	member := testkit.User(t, app.Store).WithRole(tn, "admin").WithRole(dormant, "admin").Create()
	super := testkit.User(t, app.Store).SuperAdmin().Create()
	dash := "/t/" + tn.Slug + "/"

	get := func(u testkit.FixtureUser, header, value string) *testkit.Response {
		c := testkit.Client(t, app).LoginAs(u)
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		if header == "Host" {
			req.Host = value
		} else {
			req.Header.Set(header, value)
		}
		return c.Do(req)
	}
	cases := []struct {
		name, header, value string
		user                testkit.FixtureUser
		status              int
		location            string
	}{
		{"X-Tenant-ID with a slug", handlers.HeaderTenantID, "hosted", member, http.StatusSeeOther, dash},
		{"X-Tenant-ID with a UUID", handlers.HeaderTenantID, tn.ID.String(), member, http.StatusSeeOther, dash},
		{"an unknown X-Tenant-ID", handlers.HeaderTenantID, "nobody-here", member, http.StatusNotFound, ""},
		{"an inactive tenant for a member", handlers.HeaderTenantID, dormant.Slug, member, http.StatusNotFound, ""},
		{"an inactive tenant for a super admin", handlers.HeaderTenantID, dormant.Slug, super, http.StatusSeeOther, "/t/" + dormant.Slug + "/"},
		{"the tenant's own domain, with a port", "Host", "SHOP.example.com:8080", member, http.StatusSeeOther, dash},
		{"X-Forwarded-Host from a trusted proxy", "X-Forwarded-Host", "shop.example.com", member, http.StatusSeeOther, dash},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := get(tc.user, tc.header, tc.value).ExpectStatus(tc.status)
			if tc.location != "" && res.Location() != tc.location {
				t.Fatalf("went to %q, want %q", res.Location(), tc.location)
			}
		})
	}

	t.Run("X-Forwarded-Host from anyone else is ignored", func(t *testing.T) {
		testkit.Tenant(t, app.Store).Create() // a second active tenant: "/" shows the picker
		untrusted := testkit.NewApp(t, testkit.WithStore(app.Store))
		c := testkit.Client(t, untrusted).LoginAs(super)
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Forwarded-Host", "shop.example.com")
		if res := c.Do(req); res.StatusCode == http.StatusSeeOther && res.Location() == dash {
			t.Fatal("an untrusted client chose the tenant with X-Forwarded-Host")
		}
	})
}

// TestRedisDownOverHTTP: the shared cache's Redis disappears; requests keep being answered from
// process memory and the database, with no 500s.
func TestRedisDownOverHTTP(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	client, err := backend.OpenRedis(context.Background(), srv.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	store := testkit.NewDB(t)
	cache := tenancy.New(store, tenancy.Config{Shared: redisstore.NewFromConnection(client)})
	app := testkit.NewApp(t, testkit.WithStore(store), func(_ testing.TB, d *handlers.Deps) { d.Tenants = cache })
	tenants := make([]*models.Tenant, 3)
	admin := testkit.User(t, store).SuperAdmin().Create()
	for i := range tenants {
		tenants[i] = testkit.Tenant(t, store).Create()
	}
	c := testkit.Client(t, app).LoginAs(admin)
	c.Get("/t/" + tenants[0].Slug + "/").ExpectStatus(http.StatusOK)
	srv.stop(t)
	for _, tn := range tenants { // one cached, two cold
		c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	}
	c.Get("/t/no-such/").ExpectStatus(http.StatusNotFound)

}

func TestSystemPageShowsCacheCounters(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).SuperAdmin().Create()
	c := testkit.Client(t, app).LoginAs(admin)
	for i := 0; i < 3; i++ {
		c.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
	}
	res := c.Get("/system").ExpectStatus(http.StatusOK)
	value := func(name string) string {
		return strings.TrimSpace(res.TestID("stat-" + name).Find(`[data-testid="stat-value"]`).Text())
	}
	if value("hits") == "0" || value("hits") == "" || value("loads") == "" || value("coalesced_requests") == "" || value("entries") == "0" {
		t.Fatalf("hits %q loads %q coalesced %q entries %q", value("hits"), value("loads"), value("coalesced_requests"), value("entries"))
	}
	member := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	testkit.Client(t, app).LoginAs(member).Get("/system").ExpectStatus(http.StatusForbidden)
}
