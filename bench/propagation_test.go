package bench

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// BenchmarkPropagation measures how long a permission change committed on process A takes to
// be enforced by process B of a two-process cluster (PostgreSQL, Redis, NATS; see
// testkit.NewCluster) over NATS alone (B's relay is stopped): 200 live changes, and 200 changes made while B was cut off from NATS
// (20 outages × 10 tenants), timed from the moment B's link is back. Run with -benchtime 1x.
func BenchmarkPropagation(b *testing.B) {
	ctx := context.Background()
	c := testkit.NewCluster(b, 2)
	pa, pb := c.Processes[0], c.Processes[1]
	// In one test binary every relay wakes on every commit; with B's stopped, B can only hear of
	// A's changes over NATS, as a separate machine would.
	pb.StopRelay()
	perm := models.Permission{Resource: "events", Action: "list"}
	type subject struct {
		tenant *models.Tenant
		user   uuid.UUID
	}
	make10 := func(n int) []subject {
		out := make([]subject, n)
		for i := range out {
			tn := testkit.Tenant(b, pa.Store).Create()
			testkit.User(b, pa.Store).WithRole(tn, "admin").Create()
			out[i] = subject{tn, testkit.User(b, pa.Store).WithRole(tn, "customer").Create().ID}
		}
		return out
	}
	allowed := func(s subject) bool {
		ok, err := pb.Caches.Policies.Allowed(ctx, s.user, s.tenant.ID.String(), authz.Perm{Resource: perm.Resource, Action: perm.Action})
		if err != nil {
			b.Fatal(err)
		}
		return ok
	}
	toggle := func(s subject, grant bool) {
		if err := pa.Store.SetPermission(ctx, s.tenant.ID, "customer", perm, grant); err != nil {
			b.Fatal(err)
		}
	}
	// waitAll polls B until every subject's decision is want, and returns when each flipped.
	waitAll := func(ss []subject, want bool) []time.Time {
		at := make([]time.Time, len(ss))
		left := len(ss)
		deadline := time.Now().Add(10 * time.Second)
		for left > 0 {
			for i, s := range ss {
				if at[i].IsZero() && allowed(s) == want {
					at[i] = time.Now()
					left--
				}
			}
			if time.Now().After(deadline) {
				b.Fatal("B did not enforce a change within 10 s")
			}
			time.Sleep(100 * time.Microsecond)
		}
		return at
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		live := make10(1)
		var liveLat []time.Duration
		for i := 0; i < 200; i++ {
			grant := i%2 == 0
			allowed(live[0]) // B has the current decision cached
			start := time.Now()
			toggle(live[0], grant)
			liveLat = append(liveLat, waitAll(live, grant)[0].Sub(start))
		}
		report(b, "live", liveLat)

		outage := make10(10)
		var fromLink, fromRestore []time.Duration
		for round := 0; round < 20; round++ {
			grant := round%2 == 0
			for _, s := range outage {
				allowed(s)
			}
			pb.CutNATS(b)
			for _, s := range outage {
				toggle(s, grant)
			}
			restore := time.Now()
			pb.NATS.Restore()
			for !pb.Caches.Watcher.LinkUp() {
				time.Sleep(100 * time.Microsecond)
			}
			up := time.Now()
			for _, at := range waitAll(outage, grant) {
				fromLink = append(fromLink, at.Sub(up))
				fromRestore = append(fromRestore, at.Sub(restore))
			}
		}
		report(b, "after_reconnect_from_link_up", fromLink)
		report(b, "after_reconnect_from_restore", fromRestore)
	}
}

func report(b *testing.B, name string, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	p := func(q float64) time.Duration { return d[int(q*float64(len(d)-1))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, name+"_p50_ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, name+"_p99_ms")
	b.Logf("%s: %d changes, p50 %s, p99 %s, max %s", name, len(d), p(0.5), p(0.99), d[len(d)-1])
}
