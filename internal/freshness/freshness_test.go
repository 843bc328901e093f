package freshness_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/backend"
	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
	"github.com/rustok/rustok-admin/internal/testkit"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestEveryWatchedEventTypeIsHeardOverNATS publishes every event type that production's caches
// watch — on the subject a relay would use, through the real NATS server, from another
// connection — and checks each one arrives. (A subject such as "…user.role_*" would compile,
// subscribe, and match nothing: NATS wildcards are whole tokens.)
func TestEveryWatchedEventTypeIsHeardOverNATS(t *testing.T) {
	t.Parallel()
	nc, err := nats.Connect(testkit.NATSURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b := &backend.Backends{Store: testkit.NewDB(t), NATS: nc}
	caches, err := backend.NewCaches(config.Default(), b, handlers.NewRegistry(), quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := caches.Watcher
	tenant := uuid.New() // a tenant nobody else uses, so other tests' events are told apart
	var mu sync.Mutex
	heard := map[string]bool{}
	patterns := w.Patterns()
	if len(patterns) == 0 {
		t.Fatal("production watches nothing")
	}
	for _, p := range patterns {
		w.Watch(p, func(_ context.Context, env events.Envelope) error {
			if env.TenantID != nil && *env.TenantID == tenant {
				mu.Lock()
				heard[env.EventType] = true
				mu.Unlock()
			}
			return nil
		})
	}
	stop, err := w.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	publisher, err := nats.Connect(testkit.NATSURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(publisher.Close)
	var want []string
	for _, typ := range events.Types() {
		watched := false
		for _, p := range patterns {
			if ok, _ := path.Match(p, typ); ok {
				watched = true
			}
		}
		if !watched {
			continue
		}
		want = append(want, typ)
		ev, _ := events.New(typ)
		payload, _ := json.Marshal(ev)
		env := events.Envelope{ID: uuid.New(), EventType: typ, SchemaVersion: ev.SchemaVersion(), TenantID: &tenant,
			AggregateType: ev.AggregateType(), AggregateID: uuid.New(), OccurredAt: time.Now(), Payload: payload}
		data, _ := json.Marshal(env)
		if err := publisher.Publish(events.Subject(env), data); err != nil {
			t.Fatal(err)
		}
	}
	for _, typ := range []string{"tenant.updated", "tenant.deactivated", "role.permission_revoked", "user.role_assigned", "user.role_revoked"} {
		found := false
		for _, w := range want {
			found = found || w == typ
		}
		if !found {
			t.Errorf("production does not watch %s", typ)
		}
	}
	if err := publisher.Flush(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 2*time.Second, "every watched event type arrives over NATS", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(heard) == len(want)
	})
}

func TestSubjectKeepsTheFirstTokenAndTakesTheRest(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]string{
		"tenant.*":    "rustok.events.*.tenant.>",
		"user.role_*": "rustok.events.*.user.>",
		"role.*":      "rustok.events.*.role.>",
		"*":           "rustok.events.>",
		"*.created":   "rustok.events.>",
	} {
		if got := freshness.Subject(pattern); got != want {
			t.Errorf("Subject(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// clock is a settable clock for the watcher.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// proxied returns a watcher over a NATS connection through a proxy the test can cut.
func proxied(t *testing.T, c *clock) (*freshness.Watcher, *testkit.Proxy, *nats.Conn) {
	t.Helper()
	u := testkit.NATSURL(t)
	nc0, err := nats.Connect(u)
	if err != nil {
		t.Fatal(err)
	}
	host := nc0.ConnectedAddr()
	nc0.Close()
	p := testkit.NewProxy(t, host)
	nc, err := nats.Connect("nats://"+p.Addr(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	w := freshness.New(freshness.Config{NATS: nc, Now: c.Now, Logger: quiet, Heartbeat: 100 * time.Millisecond})
	w.Watch("tenant.*", func(context.Context, events.Envelope) error { return nil })
	stop, err := w.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return w, p, nc
}

func TestFreshness(t *testing.T) {
	t.Parallel()
	t.Run("with the link up an entry stays fresh however old it is", func(t *testing.T) {
		c := &clock{}
		c.Advance(time.Hour)
		w, _, _ := proxied(t, c)
		loaded := w.Now()
		c.Advance(time.Hour)
		if !w.Fresh(loaded) {
			t.Fatal("an hour-old entry is stale with the link up")
		}
	})
	t.Run("with the link down an entry is fresh for less than 5 s", func(t *testing.T) {
		c := &clock{}
		c.Advance(time.Hour)
		w, p, _ := proxied(t, c)
		old := w.Now()
		c.Advance(time.Minute)
		p.Cut()
		testkit.Eventually(t, 5*time.Second, "the link is seen down", func() bool { return !w.LinkUp() })
		if w.Fresh(old) {
			t.Fatal("an entry loaded a minute before the cut is still fresh while the link is down")
		}
		loaded := w.Now()
		c.Advance(freshness.DefaultMaxStale - time.Millisecond)
		if !w.Fresh(loaded) {
			t.Fatal("an entry just under 5 s old is stale")
		}
		c.Advance(time.Millisecond)
		if w.Fresh(loaded) {
			t.Fatal("an entry 5 s old is still fresh while the link is down")
		}
		p.Restore()
	})
	t.Run("when the link comes back every entry loaded before is stale and new ones are fresh", func(t *testing.T) {
		c := &clock{}
		c.Advance(time.Hour)
		w, p, nc := proxied(t, c)
		p.Cut()
		testkit.Eventually(t, 5*time.Second, "the link is seen down", func() bool { return !w.LinkUp() })
		loaded := w.Now() // loaded during the outage: it may have missed an event
		resets := w.Resets()
		p.Restore()
		testkit.Eventually(t, 5*time.Second, "the link is seen up", func() bool { return w.LinkUp() && nc.IsConnected() })
		if w.Resets() == resets {
			t.Fatal("no reset after the reconnect")
		}
		if w.Fresh(loaded) {
			t.Fatal("an entry loaded during the outage is fresh after the reconnect")
		}
		c.Advance(time.Millisecond)
		if !w.Fresh(w.Now()) {
			t.Fatal("an entry loaded after the reconnect is stale")
		}
	})
	t.Run("a handler that fails resets everything", func(t *testing.T) {
		c := &clock{}
		c.Advance(time.Hour)
		bus := events.NewBus()
		w := freshness.New(freshness.Config{Bus: bus, Now: c.Now, Logger: quiet})
		w.Watch("tenant.*", func(context.Context, events.Envelope) error { return io.ErrUnexpectedEOF })
		stop, err := w.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		loaded := w.Now()
		c.Advance(time.Millisecond)
		bus.Publish(context.Background(), []events.Envelope{{EventType: "tenant.updated"}})
		if w.Fresh(loaded) {
			t.Fatal("an entry is fresh after a handler could not apply an event")
		}
	})
	t.Run("a nil watcher keeps everything fresh", func(t *testing.T) {
		var w *freshness.Watcher
		if !w.Fresh(time.Time{}) {
			t.Fatal("nil watcher said stale")
		}
	})
}
