package tenancy

import (
	"context"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
)

// Follow makes the cache hear tenant events through w (this process's commits, its relay, and
// NATS) and ask w whether an entry is still fresh. Call it before w.Start and before use.
func (c *Cache) Follow(w *freshness.Watcher) {
	c.fresh = w
	w.Watch("tenant.*", c.OnEvent)
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
