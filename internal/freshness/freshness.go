// Package freshness keeps every process's caches (tenants, policies, memberships) in agreement
// with the database. It feeds them the events that change what they hold — this process's own
// commits at once, events its relay delivers, and events every other process's relay publishes
// through NATS — and it watches the NATS link, because core NATS delivers only while connected:
//
//   - While the link is down (the client says so, or the heartbeat gets no answer), no cached
//     entry older than MaxStale (5 s) is served: caches ask Fresh(loadedAt) on every hit.
//   - When the link comes back, every entry loaded before that moment is stale (a reset), so the
//     next request reloads it from the database, which holds every change made meanwhile. The
//     same happens when the client reports it dropped messages (a slow consumer).
//
// A reset is lazy: nothing is walked or purged; entries simply fail Fresh. See
// docs/ARCHITECTURE.md ("Freshness") for why this was chosen over replaying JetStream.
package freshness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/rustok/rustok-admin/internal/events"
)

// Defaults of Config.
const (
	DefaultMaxStale  = 5 * time.Second
	DefaultHeartbeat = time.Second
)

// Committer reports the events of each commit in this process (models.Store does).
type Committer interface {
	OnCommit(fn func([]events.Envelope)) func()
}

// Config says where events come from. Zero values take the defaults; Commits, Bus and NATS may
// each be nil (a test with no relay, a single process without NATS).
type Config struct {
	Commits   Committer
	Bus       *events.Bus
	NATS      *nats.Conn
	MaxStale  time.Duration // while the link is down, entries older than this are not served
	Heartbeat time.Duration // how often the link is proven with a PING/PONG round trip
	Logger    *slog.Logger
	Now       func() time.Time // tests move it to age entries
}

// Watcher delivers events to the registered handlers and answers Fresh.
type Watcher struct {
	cfg Config

	mu      sync.Mutex
	watches []watch
	started bool
	resets  atomic.Uint64

	resetAt atomic.Int64 // unix nanos: entries loaded before this are stale
	linkUp  atomic.Bool
}

type watch struct {
	pattern string
	fn      events.Handler
}

// New returns a watcher; register handlers with Watch, then Start it.
func New(cfg Config) *Watcher {
	if cfg.MaxStale <= 0 {
		cfg.MaxStale = DefaultMaxStale
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = DefaultHeartbeat
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	w := &Watcher{cfg: cfg}
	// Without NATS there is no other process to hear from (events from operator commands reach
	// this process through its own relay), so the link counts as up.
	w.linkUp.Store(cfg.NATS == nil || cfg.NATS.IsConnected())
	return w
}

// Watch calls fn for every event whose type matches pattern (path.Match syntax, as on the bus:
// "tenant.*", "user.role_*"). The pattern's first token must be literal: it picks the NATS
// subject. Call it before Start.
func (w *Watcher) Watch(pattern string, fn events.Handler) {
	if _, err := path.Match(pattern, ""); err != nil {
		panic("freshness: bad pattern " + pattern)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		panic("freshness: Watch after Start")
	}
	w.watches = append(w.watches, watch{pattern, fn})
}

// Patterns returns the registered patterns, for tests that prove each one is heard over NATS.
func (w *Watcher) Patterns() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, len(w.watches))
	for i, wt := range w.watches {
		out[i] = wt.pattern
	}
	return out
}

// Subject returns the NATS subject that carries every event type matching pattern. NATS
// wildcards are whole tokens only ("user.role_*" is a literal token there and would match
// nothing), so the subject keeps the pattern's first token and takes the rest with ">";
// deliver filters with path.Match in code.
func Subject(pattern string) string {
	first, _, _ := strings.Cut(pattern, ".")
	if first == "" || strings.ContainsAny(first, `*?[\`) || !strings.Contains(pattern, ".") {
		return events.SubjectPrefix + ">"
	}
	return events.SubjectPrefix + "*." + first + ".>"
}

// Start subscribes to this process's commits, the bus and NATS, and watches the link until
// ctx ends or stop is called.
func (w *Watcher) Start(ctx context.Context) (stop func(), err error) {
	w.mu.Lock()
	w.started = true
	patterns := make([]string, 0, len(w.watches))
	for _, wt := range w.watches {
		patterns = append(patterns, wt.pattern)
	}
	w.mu.Unlock()

	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if w.cfg.Commits != nil {
		stops = append(stops, w.cfg.Commits.OnCommit(func(envs []events.Envelope) {
			for _, env := range envs {
				w.deliver(context.Background(), env)
			}
		}))
	}
	if w.cfg.Bus != nil {
		stops = append(stops, w.cfg.Bus.Subscribe("*", func(ctx context.Context, env events.Envelope) error {
			w.deliver(ctx, env)
			return nil
		}))
	}
	nc := w.cfg.NATS
	if nc == nil {
		return stop, nil
	}
	var subjects []string
	for _, p := range patterns {
		subjects = append(subjects, Subject(p))
	}
	slices.Sort(subjects)
	for _, subject := range slices.Compact(subjects) {
		sub, err := nc.Subscribe(subject, func(m *nats.Msg) {
			var env events.Envelope
			if err := json.Unmarshal(m.Data, &env); err != nil {
				w.cfg.Logger.Warn("freshness: unreadable event from NATS", "subject", m.Subject, "err", err)
				return
			}
			w.deliver(context.Background(), env)
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("freshness: subscribe to %s: %w", subject, err)
		}
		stops = append(stops, func() { _ = sub.Unsubscribe() })
	}
	// The subscriptions must be on the server before the link counts as up.
	if err := nc.FlushTimeout(2 * time.Second); err != nil {
		w.linkDown(err)
	}
	nc.SetDisconnectErrHandler(func(_ *nats.Conn, err error) { w.linkDown(err) })
	nc.SetClosedHandler(func(*nats.Conn) { w.linkDown(nats.ErrConnectionClosed) })
	// nats.go sends the subscriptions again before it calls this, so what is published from here
	// on is heard, and what was missed is in the database the reset makes everyone reload from.
	nc.SetReconnectHandler(func(*nats.Conn) { w.linkRestored("reconnected") })
	nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrSlowConsumer) {
			w.cfg.Logger.Warn("freshness: NATS dropped messages for this process; reloading every cache")
			w.Reset()
		}
	})
	hbCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.heartbeat(hbCtx)
	}()
	stops = append(stops, func() { cancel(); <-done })
	return stop, nil
}

// deliver hands env to every matching handler.
func (w *Watcher) deliver(ctx context.Context, env events.Envelope) {
	w.mu.Lock()
	watches := w.watches
	w.mu.Unlock()
	for _, wt := range watches {
		if ok, _ := path.Match(wt.pattern, env.EventType); ok {
			if err := wt.fn(ctx, env); err != nil {
				// The handler could not tell what changed: forget everything rather than guess.
				w.cfg.Logger.Warn("freshness: handler failed; reloading every cache", "event_type", env.EventType, "err", err)
				w.Reset()
			}
		}
	}
}

// heartbeat proves the link with a round trip every Heartbeat. A client can believe it is
// connected for a while after the network silently went away; an unanswered PING says so
// sooner.
func (w *Watcher) heartbeat(ctx context.Context) {
	t := time.NewTicker(w.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := w.cfg.NATS.FlushTimeout(w.cfg.Heartbeat)
		switch {
		case err != nil:
			w.linkDown(err)
		case !w.linkUp.Load():
			w.linkRestored("heartbeat answered again")
		}
	}
}

func (w *Watcher) linkDown(err error) {
	if w.linkUp.Swap(false) {
		w.cfg.Logger.Warn("NATS link down: cached tenants and permissions are now reloaded when older than "+w.cfg.MaxStale.String(), "err", err)
	}
}

func (w *Watcher) linkRestored(why string) {
	if !w.cfg.NATS.IsConnected() {
		return
	}
	// Reset before the link counts as up, so no entry from the outage is ever served as fresh.
	w.Reset()
	if !w.linkUp.Swap(true) {
		w.cfg.Logger.Info("NATS link back: every cache reloads what it holds", "why", why)
	}
}

// Reset makes every entry loaded until now stale.
func (w *Watcher) Reset() {
	w.resetAt.Store(w.cfg.Now().UnixNano() + 1)
	w.resets.Add(1)
}

// Fresh reports whether an entry whose load began at loaded may still be served. It is called
// on every cache hit, so it only reads atomics (and the clock while the link is down). A nil
// watcher keeps everything fresh (tests of a cache alone).
func (w *Watcher) Fresh(loaded time.Time) bool {
	if w == nil {
		return true
	}
	l := loaded.UnixNano()
	if l < w.resetAt.Load() {
		return false
	}
	if w.linkUp.Load() {
		return true
	}
	return w.cfg.Now().UnixNano()-l < int64(w.cfg.MaxStale)
}

// Now is the watcher's clock: caches stamp their entries with it. A nil watcher uses time.Now.
func (w *Watcher) Now() time.Time {
	if w == nil {
		return time.Now()
	}
	return w.cfg.Now()
}

// LinkUp reports whether the NATS link is believed to be working (always true without NATS).
func (w *Watcher) LinkUp() bool { return w.linkUp.Load() }

// Resets returns how many resets happened (rustok_cache_resets_total).
func (w *Watcher) Resets() uint64 { return w.resets.Load() }

// MaxStale is the bound on an entry's age while the link is down.
func (w *Watcher) MaxStale() time.Duration { return w.cfg.MaxStale }
