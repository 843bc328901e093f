package bench

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// BenchmarkEnforce200k loads 1,000 tenants × 5 roles × 40 permissions (200,000 policy lines,
// plus one member per role) and measures Allowed: the first check of a tenant (which loads that
// tenant's policies alone), then memoised checks, reported as p50/p99 over random users and
// tenants. Run with -benchtime=1x.
func BenchmarkEnforce200k(b *testing.B) {
	store := testkit.NewDB(b)
	const tenants, roles, perms = 1000, 5, 40
	var all []permPair
	for _, r := range authz.Resources {
		for _, a := range authz.Actions {
			all = append(all, permPair{r, a})
		}
	}
	type member struct {
		user   uuid.UUID
		tenant string
	}
	var members []member
	rows := make([]models.CasbinRule, 0, 5000)
	flush := func() {
		if len(rows) > 0 {
			if err := store.DB().CreateInBatches(rows, 1000).Error; err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	start := time.Now()
	for t := 0; t < tenants; t++ {
		tenant := uuid.NewString()
		for r := 0; r < roles; r++ {
			role := fmt.Sprintf("role-%d", r)
			for p := 0; p < perms; p++ {
				pp := all[(r*7+p)%len(all)]
				rows = append(rows, models.CasbinRule{Ptype: "p", V0: role, V1: tenant, V2: pp.resource, V3: pp.action + fmt.Sprint(p/len(all))})
			}
			u := uuid.New()
			rows = append(rows, models.CasbinRule{Ptype: "g", V0: u.String(), V1: role, V2: tenant})
			members = append(members, member{u, tenant})
			if len(rows) >= 4000 {
				flush()
			}
		}
	}
	flush()
	b.Logf("inserted %d policy lines in %v", tenants*roles*(perms+1), time.Since(start).Round(time.Millisecond))

	engine, err := authz.New(store.DB(), tenants)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	loadStart := time.Now()
	var loads []time.Duration
	for i := 0; i < len(members); i += roles {
		t0 := time.Now()
		if _, err := engine.Allowed(ctx, members[i].user, members[i].tenant, authz.Perm{Resource: "nodes", Action: "list"}); err != nil {
			b.Fatal(err)
		}
		loads = append(loads, time.Since(t0))
	}
	loadAll := time.Since(loadStart)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	var checks []time.Duration
	for i := 0; i < 200000; i++ {
		m := members[(i*7919)%len(members)]
		t0 := time.Now()
		if _, err := engine.Allowed(ctx, m.user, m.tenant, authz.Perm{Resource: all[i%len(all)].resource, Action: all[i%len(all)].action}); err != nil {
			b.Fatal(err)
		}
		checks = append(checks, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(loads, func(i, j int) bool { return loads[i] < loads[j] })
	sort.Slice(checks, func(i, j int) bool { return checks[i] < checks[j] })
	b.ReportMetric(float64(loads[len(loads)/2].Microseconds()), "tenant-load-p50-µs")
	b.ReportMetric(loadAll.Seconds(), "all-1000-tenants-load-s")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-all-tenants-MiB")
	b.ReportMetric(float64(checks[len(checks)/2].Nanoseconds()), "check-p50-ns")
	b.ReportMetric(float64(checks[len(checks)*99/100].Nanoseconds()), "check-p99-ns")
}

type permPair struct{ resource, action string }
