package events_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// unready is a transport that can say it cannot deliver now, as JetStream does while its NATS
// connection is down.
type unready struct {
	down      atomic.Bool
	published atomic.Int64
}

func (*unready) Name() string { return "unready" }
func (u *unready) Ready() error {
	if u.down.Load() {
		return errors.New("down")
	}
	return nil
}
func (u *unready) Publish(_ context.Context, envs []events.Envelope) []error {
	u.published.Add(int64(len(envs)))
	return make([]error, len(envs))
}

// TestRelayClaimsNothingWhileATransportIsDown: a relay cut off from NATS leaves events for
// relays that can deliver them, instead of claiming them and holding them back.
func TestRelayClaimsNothingWhileATransportIsDown(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	appendUpdates(t, store, context.Background(), uuid.New(), 3)
	tr := &unready{}
	tr.down.Store(true)
	r := events.NewRelay(store.DB(), string(store.Dialect()), []events.Transport{tr}, events.RelayConfig{Logger: quiet})
	if n, err := r.RunOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("while down the relay claimed %d (%v)", n, err)
	}
	var claimed int64
	store.DB().Model(&events.Row{}).Where("claimed_by IS NOT NULL").Count(&claimed)
	if claimed != 0 || tr.published.Load() != 0 {
		t.Fatalf("while down: %d rows claimed, %d published", claimed, tr.published.Load())
	}
	tr.down.Store(false)
	drain(t, r)
	if got := statusCounts(t, store)[events.StatusDispatched]; got != 3 || tr.published.Load() != 3 {
		t.Fatalf("after the link is back: %d dispatched, %d published", got, tr.published.Load())
	}
}
