package models

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// passwordHashes gates every argon2id hash and comparison of this process. Each one allocates
// PasswordParams.Memory (19 MiB in production) at once, so without a bound a burst of sign-ins
// grows the heap by 19 MiB per concurrent request; with it, a burst waits in line and the heap
// holds at most GOMAXPROCS hashes (hashing is CPU-bound: more at once would not finish sooner).
// After the last hash of a burst the memory is handed back to the OS (see hashLimiter.done).
var passwordHashes = newHashLimiter(runtime.GOMAXPROCS(0), time.Second, debug.FreeOSMemory)

// hashLimiter runs at most a fixed number of password hashes at once and, once none has run for
// a while, returns the memory they used to the OS.
type hashLimiter struct {
	sem       *semaphore.Weighted
	inFlight  atomic.Int64
	freeAfter time.Duration
	free      func() // debug.FreeOSMemory outside tests

	mu      sync.Mutex
	pending bool // a free is scheduled
}

func newHashLimiter(bound int, freeAfter time.Duration, free func()) *hashLimiter {
	return &hashLimiter{sem: semaphore.NewWeighted(int64(max(bound, 1))), freeAfter: freeAfter, free: free}
}

// do runs fn when a slot is free, or returns the context's error if ctx ends first (a sign-in
// whose client has gone does not hash at all).
func (l *hashLimiter) do(ctx context.Context, fn func()) error {
	if err := l.sem.Acquire(ctx, 1); err != nil {
		return fmt.Errorf("password hash: %w", err)
	}
	l.inFlight.Add(1)
	defer l.done()
	fn()
	return nil
}

// done releases the slot. When it was the last hash in flight, the OS gets the memory back
// freeAfter later, unless another hash has started by then: Go's GC would keep the 19 MiB of
// each hash as heap headroom (idle RSS about 50 MB after one sign-in instead of 30 MB), and
// FreeOSMemory forces the collection and hands it back. A burst ends in one call, not one per
// hash; a full GC of this process's small heap costs about a millisecond.
func (l *hashLimiter) done() {
	last := l.inFlight.Add(-1) == 0
	l.sem.Release(1)
	if !last || l.free == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending {
		return
	}
	l.pending = true
	time.AfterFunc(l.freeAfter, func() {
		l.mu.Lock()
		l.pending = false
		idle := l.inFlight.Load() == 0
		l.mu.Unlock()
		if idle { // else a hash started meanwhile, and its own done schedules the next free
			l.free()
		}
	})
}
