package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SaveTenantAsRead writes the tenant's name as the caller read it, through the conditional
// UPDATE every versioned write uses: the test of a write that lost the race to another one,
// without having to interleave two transactions.
func (s *Store) SaveTenantAsRead(ctx context.Context, t *Tenant) error {
	return s.WithTx(ctx, func(ctx context.Context) error { return s.saveVersioned(ctx, t, "test save", "name") })
}

// HashLimiter is the gate of password hashes, exported for its tests.
type HashLimiter = hashLimiter

// NewHashLimiter returns a gate like passwordHashes with the given bound and free function.
func NewHashLimiter(bound int, freeAfter time.Duration, free func()) *HashLimiter {
	return newHashLimiter(bound, freeAfter, free)
}

// Do runs fn under the gate.
func (l *hashLimiter) Do(ctx context.Context, fn func()) error { return l.do(ctx, fn) }

// LoggingEverything is the store with a slow-query logger whose threshold is 0: every
// statement is logged as a slow one would be.
func (s *Store) LoggingEverything() *Store {
	return &Store{db: s.db.Session(&gorm.Session{Logger: slowQueryLogger{}}), dialect: s.dialect, dropEvents: s.dropEvents}
}
