package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Transport delivers a batch of events; it returns one error (or nil) per envelope. The relay
// marks an event dispatched only when every transport delivered it.
type Transport interface {
	Name() string
	Publish(ctx context.Context, envs []Envelope) []error
}

// Handler receives an event from the in-process bus. An error makes the relay retry the event.
type Handler func(ctx context.Context, env Envelope) error

// Bus is the in-process transport: subscribers by event-type pattern (path.Match syntax, so
// "tenant.*" or "*"). Tenant-cache invalidation and policy reloads subscribe here.
type Bus struct {
	mu   sync.RWMutex
	subs map[int]subscription
	next int
}

type subscription struct {
	pattern string
	fn      Handler
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[int]subscription{}} }

// Name identifies the transport in logs.
func (*Bus) Name() string { return "in-process" }

// Subscribe calls fn for every event whose type matches pattern; the returned func unsubscribes.
func (b *Bus) Subscribe(pattern string, fn Handler) func() {
	if _, err := path.Match(pattern, ""); err != nil {
		panic("events: bad subscription pattern " + pattern)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = subscription{pattern, fn}
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Publish hands each envelope to the matching subscribers, in order.
func (b *Bus) Publish(ctx context.Context, envs []Envelope) []error {
	b.mu.RLock()
	subs := make([]subscription, 0, len(b.subs))
	for _, s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.RUnlock()
	errs := make([]error, len(envs))
	for i, env := range envs {
		for _, s := range subs {
			if ok, _ := path.Match(s.pattern, env.EventType); !ok {
				continue
			}
			if err := s.fn(ctx, env); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		}
	}
	return errs
}

// StreamName and SubjectPrefix are the JetStream names of the runtime contract.
const (
	StreamName    = "RUSTOK_EVENTS"
	SubjectPrefix = "rustok.events."
)

// Subject returns rustok.events.<tenant_id|platform>.<event_type>.
func Subject(env Envelope) string {
	tenant := "platform"
	if env.TenantID != nil {
		tenant = env.TenantID.String()
	}
	return SubjectPrefix + tenant + "." + env.EventType
}

// JetStream publishes envelopes to the RUSTOK_EVENTS stream with Nats-Msg-Id = event id, so the
// server drops a redelivery within the duplicate window, and waits for every acknowledgement.
type JetStream struct {
	js jetstream.JetStream
}

// DuplicateWindow is how long JetStream remembers message ids; it must exceed the relay lease.
const DuplicateWindow = 10 * time.Minute

// NewJetStream ensures the stream exists and returns the transport.
func NewJetStream(ctx context.Context, nc *nats.Conn) (*JetStream, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{SubjectPrefix + ">"},
		Storage:    jetstream.FileStorage,
		Duplicates: DuplicateWindow,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: stream %s: %w", StreamName, err)
	}
	return &JetStream{js: js}, nil
}

// Name identifies the transport in logs.
func (*JetStream) Name() string { return "nats-jetstream" }

// Ready says whether the NATS connection is up; the relay claims nothing while it is not.
func (j *JetStream) Ready() error {
	if !j.js.Conn().IsConnected() {
		return errors.New("nats: not connected")
	}
	return nil
}

// Publish sends the batch asynchronously and waits for each acknowledgement (or ctx).
func (j *JetStream) Publish(ctx context.Context, envs []Envelope) []error {
	errs := make([]error, len(envs))
	futures := make([]jetstream.PubAckFuture, len(envs))
	for i, env := range envs {
		data, err := json.Marshal(env)
		if err != nil {
			errs[i] = err
			continue
		}
		msg := &nats.Msg{Subject: Subject(env), Data: data, Header: nats.Header{}}
		futures[i], errs[i] = j.js.PublishMsgAsync(msg, jetstream.WithMsgID(env.ID.String()))
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
		case err := <-f.Err():
			errs[i] = err
		case <-ctx.Done():
			errs[i] = ctx.Err()
		}
	}
	return errs
}
