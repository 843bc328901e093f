package models_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/rustok/rustok-admin/models"
)

func TestProductionPasswordParamsAreOWASPs(t *testing.T) {
	// The test kit makes this binary's hashes cheap; what production hashes with must not move.
	want := argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	if models.ProductionPasswordParams != want {
		t.Fatalf("production argon2id parameters changed: %+v, want %+v", models.ProductionPasswordParams, want)
	}
	if *models.PasswordParams == models.ProductionPasswordParams {
		t.Fatal("tests hash with production parameters: the test kit's cheap ones are not in effect")
	}
	// A hash made with production parameters (any stored hash) still verifies under the cheap ones.
	h, err := argon2id.CreateHash("correct horse battery", &models.ProductionPasswordParams)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.ComparePasswordAndHash("correct horse battery", h); !ok || err != nil {
		t.Fatalf("a production hash does not verify: %v %v", ok, err)
	}
}

func TestPasswordHashesRunAtMostTheBoundAtOnce(t *testing.T) {
	const bound, callers = 2, 20
	var frees atomic.Int32
	l := models.NewHashLimiter(bound, time.Millisecond, func() { frees.Add(1) })
	var inFlight, most atomic.Int32
	entered := make(chan struct{}, callers)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.Do(context.Background(), func() {
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				entered <- struct{}{}
				<-release
				inFlight.Add(-1)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	// Exactly the bound gets in; the others wait.
	for range bound {
		<-entered
	}
	select {
	case <-entered:
		t.Fatalf("a hash beyond the bound of %d started", bound)
	case <-time.After(50 * time.Millisecond):
	}
	if frees.Load() != 0 {
		t.Fatal("memory was freed while hashes were in flight")
	}
	close(release) // the rest pass through, at most the bound at a time
	wg.Wait()
	if got := most.Load(); got != bound {
		t.Fatalf("at most %d hashes ran at once, want exactly the bound %d", got, bound)
	}
	// After the burst the memory goes back to the OS, once, not once per hash.
	deadline := time.Now().Add(2 * time.Second)
	for frees.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := frees.Load(); n < 1 || n > callers/bound {
		t.Fatalf("memory freed %d times after a burst of %d, want at least once and far fewer than per hash", n, callers)
	}
}

func TestPasswordHashWaitEndsWithTheContext(t *testing.T) {
	l := models.NewHashLimiter(1, time.Hour, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	go func() { _ = l.Do(context.Background(), func() { close(started); <-release }) }()
	<-started
	defer close(release)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	ran := false
	begin := time.Now()
	err := l.Do(ctx, func() { ran = true })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting with a cancelled context returned %v, want context.Canceled", err)
	}
	if ran {
		t.Fatal("the hash ran although its context was cancelled while waiting")
	}
	if d := time.Since(begin); d > time.Second {
		t.Fatalf("the cancelled wait returned after %v, want promptly", d)
	}
}
