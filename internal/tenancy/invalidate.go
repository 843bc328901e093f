package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/rustok/rustok-admin/internal/events"
)

// Subscribe keeps the cache honest in every process: this process's own commits are seen at
// once (commits.OnCommit); tenant events delivered by this process's relay arrive on bus; those delivered by other processes' relays arrive over NATS (a plain
// subscription to rustok.events.*.tenant.>, which JetStream publishes also reach). nc may be nil
// for a single process. The returned func unsubscribes.
func (c *Cache) Subscribe(commits Committer, bus *events.Bus, nc *nats.Conn) (func(), error) {
	stopLocal := commits.OnCommit(func(envs []events.Envelope) {
		for _, env := range envs {
			if strings.HasPrefix(env.EventType, "tenant.") {
				_ = c.OnEvent(context.Background(), env)
			}
		}
	})
	stopBus := stopLocal
	if bus != nil {
		stopOnBus := bus.Subscribe("tenant.*", c.OnEvent)
		stopBus = func() { stopLocal(); stopOnBus() }
	}
	if nc == nil {
		return stopBus, nil
	}
	sub, err := nc.Subscribe(events.SubjectPrefix+"*.tenant.>", func(m *nats.Msg) {
		var env events.Envelope
		if err := json.Unmarshal(m.Data, &env); err != nil {
			c.cfg.Logger.Warn("tenant cache: unreadable tenant event from NATS", "subject", m.Subject, "err", err)
			return
		}
		_ = c.OnEvent(context.Background(), env)
	})
	if err != nil {
		stopBus()
		return nil, fmt.Errorf("tenant cache: subscribe to NATS: %w", err)
	}
	return func() { stopBus(); _ = sub.Unsubscribe() }, nil
}

// Committer reports the events of each commit in this process (models.Store does).
type Committer interface {
	OnCommit(fn func([]events.Envelope)) func()
}

// OnEvent drops everything cached about the tenant an event is about (and its old domain, when
// the domain changed).
func (c *Cache) OnEvent(ctx context.Context, env events.Envelope) error {
	var oldHosts []string
	if env.EventType == "tenant.updated" {
		if ev, err := env.Decode(); err == nil {
			if ch, ok := ev.(*events.TenantUpdated).Changes["domain"]; ok {
				if old, ok := ch.Old.(string); ok {
					oldHosts = append(oldHosts, old)
				}
			}
		}
	}
	c.Invalidate(ctx, env.AggregateID, oldHosts...)
	return nil
}
