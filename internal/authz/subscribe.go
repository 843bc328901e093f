package authz

import (
	"context"
	"strings"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/freshness"
)

// Follow makes the engine hear role and membership events through w (this process's commits,
// its relay, and NATS) and ask w whether a tenant's loaded policies are still fresh. Call it
// before w.Start and before use.
func (e *Engine) Follow(w *freshness.Watcher) {
	e.fresh = w
	w.Watch("role.*", e.OnEvent)
	w.Watch("user.role_*", e.OnEvent)
}

// OnEvent forgets the policies an event changed.
func (e *Engine) OnEvent(_ context.Context, env events.Envelope) error {
	switch {
	case strings.HasPrefix(env.EventType, "user.role_"):
		ev, err := env.Decode()
		if err != nil {
			return err
		}
		switch p := ev.(type) {
		case *events.UserRoleAssigned:
			e.Forget(p.Tenant)
		case *events.UserRoleRevoked:
			e.Forget(p.Tenant)
		}
	case env.TenantID != nil:
		e.Forget(env.TenantID.String())
	default:
		e.Forget(Platform)
	}
	return nil
}
