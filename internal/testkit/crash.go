package testkit

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
)

// Command is a server the test started as a separate process (so that it can be killed with
// SIGKILL), with its output collected.
type Command struct {
	Log     *Buffer
	Started time.Time // just before the process was started
	cmd     *exec.Cmd
	done    chan struct{}
}

// StartCommand starts bin with args and the test's environment plus env ("NAME=value"). It is
// killed when the test ends, if it is still running.
func StartCommand(t testing.TB, bin string, args []string, env ...string) *Command {
	t.Helper()
	p := &Command{Log: &Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.Log, p.Log
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("testkit: start %s: %v", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// WaitReady polls url until it answers 200, and fails the test after timeout or if the process
// exits first.
func (p *Command) WaitReady(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("testkit: the process exited before %s answered; output:\n%s", url, p.Log.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("testkit: %s did not answer 200 within %v; output:\n%s", url, timeout, p.Log.String())
		}
	}
}

// Kill ends the process with SIGKILL, as a crash would: no shutdown code runs.
func (p *Command) Kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("testkit: kill: %v", err)
	}
	<-p.done
}

// Stop sends SIGTERM and waits up to 20 s for the process to exit.
func (p *Command) Stop(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("testkit: stop: %v", err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("testkit: the process did not stop within 20 s of SIGTERM; output:\n%s", p.Log.String())
	}
}

// CrashedRelayID is the claimed_by of the rows ClaimAsCrashedRelay leaves behind.
const CrashedRelayID = "crashed-relay"

// ClaimAsCrashedRelay commits n user.updated events over n/3+1 aggregates, all claimed just now
// by a relay that no longer runs: the state a relay killed in the middle of a batch leaves,
// with the freshest lease it could hold. It returns the events' ids.
func ClaimAsCrashedRelay(t testing.TB, store *models.Store, n int) []uuid.UUID {
	t.Helper()
	aggregates := make([]uuid.UUID, n/3+1)
	for i := range aggregates {
		aggregates[i] = uuid.New()
	}
	var ids []uuid.UUID
	err := store.WithTx(context.Background(), func(ctx context.Context) error {
		evs := make([]events.Event, n)
		for i := range evs {
			evs[i] = &events.UserUpdated{UserRef: events.UserRef{UserID: aggregates[i%len(aggregates)]},
				Changes: events.Changes{"name": {Old: fmt.Sprint(i), New: fmt.Sprint(i + 1)}}}
		}
		if err := store.Append(ctx, evs...); err != nil {
			return err
		}
		// In the same transaction, so no live relay can claim them first.
		tx := store.Conn(ctx).Model(&events.Row{}).Where("aggregate_id IN ?", aggregates)
		if err := tx.Updates(map[string]any{"claimed_by": CrashedRelayID, "claimed_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return store.Conn(ctx).Model(&events.Row{}).Where("aggregate_id IN ?", aggregates).Order("seq").Pluck("id", &ids).Error
	})
	if err != nil {
		t.Fatalf("testkit: commit claimed events: %v", err)
	}
	return ids
}
