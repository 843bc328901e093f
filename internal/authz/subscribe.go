package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/rustok/rustok-admin/internal/events"
)

// Subscribe keeps every process's policies current: this process's commits are seen at once
// (commits.OnCommit), events delivered by its relay arrive on bus, those of other processes over
// NATS. Each drops the
// affected tenant's policies (a platform role change drops all), which reload on next use.
func (e *Engine) Subscribe(commits Committer, bus *events.Bus, nc *nats.Conn) (func(), error) {
	stops := []func(){commits.OnCommit(func(envs []events.Envelope) {
		for _, env := range envs {
			if strings.HasPrefix(env.EventType, "role.") || strings.HasPrefix(env.EventType, "user.role_") {
				_ = e.OnEvent(context.Background(), env)
			}
		}
	})}
	if bus != nil {
		stops = append(stops, bus.Subscribe("role.*", e.OnEvent), bus.Subscribe("user.role_*", e.OnEvent))
	}
	stop := func() {
		for _, s := range stops {
			s()
		}
	}
	if nc == nil {
		return stop, nil
	}
	for _, subject := range []string{events.SubjectPrefix + "*.role.>", events.SubjectPrefix + "*.user.role_*"} {
		sub, err := nc.Subscribe(subject, func(m *nats.Msg) {
			var env events.Envelope
			if json.Unmarshal(m.Data, &env) == nil {
				_ = e.OnEvent(context.Background(), env)
			}
		})
		if err != nil {
			stop()
			return nil, fmt.Errorf("authz: subscribe to NATS: %w", err)
		}
		stops = append(stops, func() { _ = sub.Unsubscribe() })
	}
	return stop, nil
}

// Committer reports the events of each commit in this process (models.Store does).
type Committer interface {
	OnCommit(fn func([]events.Envelope)) func()
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
