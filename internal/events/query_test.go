package events_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// appendIn appends events in a transaction of their own, scoped to the tenant (uuid.Nil = none)
// and caused by the actor (uuid.Nil = the system).
func appendIn(t *testing.T, store *models.Store, tenant, actor uuid.UUID, evts ...events.Event) {
	t.Helper()
	ctx := context.Background()
	if tenant != uuid.Nil {
		ctx = events.WithTenant(ctx, tenant)
	}
	if actor != uuid.Nil {
		ctx = events.WithActor(ctx, actor)
	}
	if err := store.WithTx(ctx, func(ctx context.Context) error { return store.Append(ctx, evts...) }); err != nil {
		t.Fatalf("append: %v", err)
	}
}

func published(node uuid.UUID) events.Event {
	return &events.NodePublished{NodeRef: events.NodeRef{NodeID: node}}
}

func seqs(rows []events.Row) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Seq
	}
	return out
}

func TestListIsScoped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	a := testkit.Tenant(t, store).Create()
	b := testkit.Tenant(t, store).Create()
	testkit.User(t, store).Create() // user.registered belongs to no tenant
	appendIn(t, store, a.ID, uuid.Nil, published(uuid.New()))
	appendIn(t, store, b.ID, uuid.Nil, published(uuid.New()), published(uuid.New()))
	// Each tenant also has its own tenant.created and the role.created of its three system roles.
	const seeded = 4

	for _, tc := range []struct {
		name  string
		scope events.Scope
		want  int
		check func(events.Row) bool
	}{
		{"a tenant sees only its own events", events.TenantScope(a.ID), seeded + 1, func(r events.Row) bool { return r.TenantID != nil && *r.TenantID == a.ID }},
		{"another tenant sees only its own", events.TenantScope(b.ID), seeded + 2, func(r events.Row) bool { return r.TenantID != nil && *r.TenantID == b.ID }},
		{"the platform sees only events of no tenant", events.PlatformScope, 1, func(r events.Row) bool { return r.TenantID == nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, next, err := events.List(ctx, store.DB(), events.Filter{Scope: tc.scope})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.want || next != 0 {
				t.Fatalf("%d rows (next %d), want %d", len(rows), next, tc.want)
			}
			for _, r := range rows {
				if !tc.check(r) {
					t.Errorf("row %s %s of tenant %v leaked into the scope", r.EventType, r.ID, r.TenantID)
				}
			}
		})
	}

	t.Run("a query without a scope, or with both, is refused", func(t *testing.T) {
		for _, s := range []events.Scope{{}, {TenantID: &a.ID, Platform: true}, {TenantID: &uuid.UUID{}}} {
			if _, _, err := events.List(ctx, store.DB(), events.Filter{Scope: s}); !errors.Is(err, events.ErrUnscoped) {
				t.Errorf("List(%+v): %v, want ErrUnscoped", s, err)
			}
			if _, err := events.ByID(ctx, store.DB(), s, uuid.New()); !errors.Is(err, events.ErrUnscoped) {
				t.Errorf("ByID(%+v): %v, want ErrUnscoped", s, err)
			}
			if _, err := events.History(ctx, store.DB(), s, "tenant", a.ID, 0); !errors.Is(err, events.ErrUnscoped) {
				t.Errorf("History(%+v): %v, want ErrUnscoped", s, err)
			}
		}
	})
}

func TestListPagesWithAKeysetCursor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create() // tenant.created and three role.created
	for range 19 {
		appendIn(t, store, tn.ID, uuid.Nil, published(uuid.New()))
	}
	all, next, err := events.List(ctx, store.DB(), events.Filter{Scope: events.TenantScope(tn.ID), Limit: events.MaxLimit})
	if err != nil || next != 0 || len(all) != 23 {
		t.Fatalf("all rows: %d, next %d, err %v; want 23 (tenant.created + 3 role.created + 19)", len(all), next, err)
	}

	var paged []int64
	seen := map[int64]bool{}
	before, pages := int64(0), 0
	for {
		rows, next, err := events.List(ctx, store.DB(), events.Filter{Scope: events.TenantScope(tn.ID), Before: before, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range rows {
			if seen[r.Seq] {
				t.Fatalf("seq %d is on two pages", r.Seq)
			}
			seen[r.Seq] = true
		}
		paged = append(paged, seqs(rows)...)
		if next == 0 {
			if len(rows) != 3 {
				t.Errorf("last page has %d rows, want 3", len(rows))
			}
			break
		}
		if len(rows) != 5 || next != rows[4].Seq {
			t.Fatalf("page %d: %d rows, next %d", pages, len(rows), next)
		}
		before = next
	}
	if pages != 5 {
		t.Errorf("%d pages, want 5", pages)
	}
	want := seqs(all)
	if len(paged) != len(want) {
		t.Fatalf("pages hold %d rows, want %d", len(paged), len(want))
	}
	for i := range want {
		if paged[i] != want[i] {
			t.Fatalf("row %d: seq %d, want %d (newest first)", i, paged[i], want[i])
		}
	}
	for i := 1; i < len(want); i++ {
		if want[i] >= want[i-1] {
			t.Fatalf("rows are not in descending seq order: %v", want)
		}
	}

	t.Run("a page exactly as long as what is left has no next page", func(t *testing.T) {
		rows, next, err := events.List(ctx, store.DB(), events.Filter{Scope: events.TenantScope(tn.ID), Limit: 23})
		if err != nil || len(rows) != 23 || next != 0 {
			t.Fatalf("%d rows, next %d, err %v", len(rows), next, err)
		}
	})
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	actor := uuid.New()
	node := uuid.New()
	appendIn(t, store, tn.ID, actor, published(node))
	appendIn(t, store, tn.ID, uuid.Nil, &events.NodeArchived{NodeRef: events.NodeRef{NodeID: node}})
	appendIn(t, store, tn.ID, actor, published(uuid.New()))
	var failed events.Row
	if err := store.DB().Where("event_type = ?", "node.archived").Take(&failed).Error; err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Model(&failed).Update("status", events.StatusFailed).Error; err != nil {
		t.Fatal(err)
	}
	hourAgo, inAnHour := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)

	for _, tc := range []struct {
		name  string
		f     events.Filter
		types []string
	}{
		{"by event type", events.Filter{EventType: "node.published"}, []string{"node.published", "node.published"}},
		{"by aggregate type", events.Filter{AggregateType: "tenant"}, []string{"tenant.created"}},
		{"by another aggregate type", events.Filter{AggregateType: "role"}, []string{"role.created", "role.created", "role.created"}},
		{"by aggregate", events.Filter{AggregateType: "node", AggregateID: &node}, []string{"node.archived", "node.published"}},
		{"by actor", events.Filter{ActorID: &actor}, []string{"node.published", "node.published"}},
		{"by status", events.Filter{Status: events.StatusFailed}, []string{"node.archived"}},
		{"by a time window that holds everything", events.Filter{From: &hourAgo, To: &inAnHour},
			[]string{"node.published", "node.archived", "node.published", "role.created", "role.created", "role.created", "tenant.created"}},
		{"by a time window in the future", events.Filter{From: &inAnHour}, nil},
		{"by a time window in the past", events.Filter{To: &hourAgo}, nil},
		{"by several at once", events.Filter{EventType: "node.published", AggregateID: &node}, []string{"node.published"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Scope = events.TenantScope(tn.ID)
			rows, _, err := events.List(ctx, store.DB(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.EventType)
			}
			if len(got) != len(tc.types) {
				t.Fatalf("got %v, want %v", got, tc.types)
			}
			for i := range got {
				if got[i] != tc.types[i] {
					t.Fatalf("got %v, want %v", got, tc.types)
				}
			}
		})
	}
}

func TestByIDAndHistoryAreScoped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	a := testkit.Tenant(t, store).Create()
	b := testkit.Tenant(t, store).Create()
	node := uuid.New()
	appendIn(t, store, a.ID, uuid.Nil, published(node))
	appendIn(t, store, a.ID, uuid.Nil, &events.NodeArchived{NodeRef: events.NodeRef{NodeID: node}})
	appendIn(t, store, b.ID, uuid.Nil, published(node)) // same aggregate id in another tenant
	rows, _, err := events.List(ctx, store.DB(), events.Filter{Scope: events.TenantScope(a.ID), AggregateID: &node})
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	id := rows[0].ID

	t.Run("ByID finds the event in its own tenant", func(t *testing.T) {
		row, err := events.ByID(ctx, store.DB(), events.TenantScope(a.ID), id)
		if err != nil || row.ID != id || row.EventType != "node.archived" {
			t.Fatalf("%+v, %v", row, err)
		}
	})
	t.Run("ByID does not find it from another tenant, the platform, or under an unknown id", func(t *testing.T) {
		for _, tc := range []struct {
			scope events.Scope
			id    uuid.UUID
		}{{events.TenantScope(b.ID), id}, {events.PlatformScope, id}, {events.TenantScope(a.ID), uuid.New()}} {
			if _, err := events.ByID(ctx, store.DB(), tc.scope, tc.id); !errors.Is(err, events.ErrNotFound) {
				t.Errorf("ByID(%+v, %s): %v, want ErrNotFound", tc.scope, tc.id, err)
			}
		}
	})
	t.Run("History lists the aggregate's events of the tenant, newest first", func(t *testing.T) {
		h, err := events.History(ctx, store.DB(), events.TenantScope(a.ID), "node", node, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].EventType != "node.archived" || h[1].EventType != "node.published" {
			t.Fatalf("history %v", h)
		}
		if h, _ := events.History(ctx, store.DB(), events.TenantScope(a.ID), "node", node, 1); len(h) != 1 {
			t.Fatalf("limit 1 gave %d rows", len(h))
		}
		if h, _ := events.History(ctx, store.DB(), events.TenantScope(a.ID), "product", node, 0); len(h) != 0 {
			t.Fatalf("another aggregate type gave %d rows", len(h))
		}
	})
}
