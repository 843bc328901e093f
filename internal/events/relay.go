package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// DefaultLease is how long a relay's claim on a batch holds without renewal. The relay renews it
// every DefaultLease/3 while it delivers the batch, so a live relay keeps its claim through a
// slow publish, and the claims of a relay that died are free at most one lease after its last
// renewal: with the 250 ms poll, a restarted process delivers them within about 3.3 s.
const DefaultLease = 3 * time.Second

// RelayConfig tunes a relay; zero values take the defaults.
type RelayConfig struct {
	ID           string        // this relay's name in claimed_by; default host-pid-random
	BatchSize    int           // events claimed at once; default 200
	Lease        time.Duration // how long a claim holds unrenewed before another relay may take it over; default DefaultLease
	PollInterval time.Duration // fallback wake-up when no nudge arrives (events committed by other processes and commands); default 250 ms
	MaxAttempts  int           // attempts before an event is marked failed; default 10
	MinBackoff   time.Duration // first retry delay; default 1 s
	MaxBackoff   time.Duration // retry delay cap; default 60 s
	Logger       *slog.Logger
	Metrics      *Metrics
	Now          func() time.Time                     // default time.Now; tests move it to expire leases
	After        func(time.Duration) <-chan time.Time // default time.After; tests fire lease renewals by hand
}

// Relay delivers outbox rows to the transports: it claims a batch, publishes it, and marks each
// event dispatched, or schedules a retry with exponential backoff and jitter, or marks it failed
// after the last attempt. Only the oldest undelivered event of each aggregate is ever claimed,
// so an aggregate's events are delivered in order.
type Relay struct {
	db         *gorm.DB
	postgres   bool
	transports []Transport
	cfg        RelayConfig
	now        func() time.Time
}

// NewRelay returns a relay over db ("postgres" or "sqlite" dialect).
func NewRelay(db *gorm.DB, dialect string, transports []Transport, cfg RelayConfig) *Relay {
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), uuid.NewString()[:8])
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Relay{db: db, postgres: dialect == "postgres", transports: transports, cfg: cfg,
		now: func() time.Time { return now().UTC() }}
}

// ID returns the relay's claim name.
func (r *Relay) ID() string { return r.cfg.ID }

// Run delivers events until ctx ends. It wakes on an in-process nudge (events committed by this
// process) and otherwise polls every PollInterval (events committed by other processes).
func (r *Relay) Run(ctx context.Context) error {
	nudge, stop := subscribeNudge()
	defer stop()
	r.cfg.Logger.Info("relay started", "relay", r.cfg.ID, "transports", r.transportNames())
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := r.RunOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.cfg.Logger.Error("relay batch failed", "relay", r.cfg.ID, "err", err)
		}
		if n > 0 && err == nil {
			// More may be waiting: a full batch, or the next event of an aggregate whose head
			// was just delivered (only heads are claimed).
			continue
		}
		timer.Reset(r.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-nudge:
		case <-timer.C:
		}
	}
}

func (r *Relay) transportNames() []string {
	names := make([]string, len(r.transports))
	for i, t := range r.transports {
		names[i] = t.Name()
	}
	return names
}

// RunOnce claims and delivers one batch and returns how many events it claimed.
func (r *Relay) RunOnce(ctx context.Context) (int, error) {
	if !r.ready() {
		return 0, nil
	}
	start := time.Now()
	rows, err := r.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	envs := make([]Envelope, len(rows))
	for i, row := range rows {
		envs[i] = row.Envelope()
	}
	failures := make([]error, len(rows))
	stopRenewing := r.renewWhile(ctx, rows)
	defer stopRenewing() // also if a transport panics and someone up the stack recovers
	for _, t := range r.transports {
		for i, err := range t.Publish(ctx, envs) {
			if err != nil {
				failures[i] = errors.Join(failures[i], fmt.Errorf("%s: %w", t.Name(), err))
			}
		}
	}
	stopRenewing()
	if ctx.Err() != nil {
		// Stopped mid-batch: leave the rows claimed; the lease expires and they are delivered
		// again (JetStream drops the duplicates by message id).
		return len(rows), ctx.Err()
	}
	if err := r.mark(ctx, rows, failures); err != nil {
		return len(rows), err
	}
	r.cfg.Metrics.observeBatch(time.Since(start))
	return len(rows), nil
}

// ready reports whether every transport can deliver now. A relay that cannot reach NATS claims
// nothing: otherwise it would take events that relays of connected processes could deliver at
// once, and hold them back until its own link returned.
func (r *Relay) ready() bool {
	for _, t := range r.transports {
		if rt, ok := t.(interface{ Ready() error }); ok && rt.Ready() != nil {
			return false
		}
	}
	return true
}

// claim takes up to BatchSize deliverable events: pending, due, not claimed under a live lease,
// and with no earlier undelivered event of the same aggregate.
func (r *Relay) claim(ctx context.Context) ([]Row, error) {
	now := r.now()
	expired := now.Add(-r.cfg.Lease)
	candidates := `SELECT e.seq FROM sys_events e
		WHERE e.status = 'pending' AND e.next_attempt_at <= ?
		  AND (e.claimed_at IS NULL OR e.claimed_at < ?)
		  AND NOT EXISTS (SELECT 1 FROM sys_events p
		                  WHERE p.aggregate_type = e.aggregate_type AND p.aggregate_id = e.aggregate_id
		                    AND p.seq < e.seq AND p.status <> 'dispatched')
		ORDER BY e.seq LIMIT ?`
	var rows []Row
	if r.postgres {
		// SKIP LOCKED: concurrent relays take disjoint batches without waiting on each other.
		err := r.db.WithContext(ctx).Raw(`UPDATE sys_events s SET claimed_by = ?, claimed_at = ?
			FROM (`+candidates+` FOR UPDATE SKIP LOCKED) c
			WHERE s.seq = c.seq RETURNING s.*`, r.cfg.ID, now, now, expired, r.cfg.BatchSize).Scan(&rows).Error
		return sortBySeq(rows), err
	}
	// SQLite has one writer at a time (and this process one connection), so the select and the
	// update in one transaction cannot interleave with another claim.
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var seqs []int64
		if err := tx.Raw(candidates, now, expired, r.cfg.BatchSize).Scan(&seqs).Error; err != nil || len(seqs) == 0 {
			return err
		}
		if err := tx.Model(&Row{}).Where("seq IN ?", seqs).
			Updates(map[string]any{"claimed_by": r.cfg.ID, "claimed_at": now}).Error; err != nil {
			return err
		}
		return tx.Where("seq IN ?", seqs).Order("seq").Find(&rows).Error
	})
	return rows, err
}

// renewWhile renews the lease on rows every Lease/3 until the returned func is first called; that
// call returns once no renewal is running, so the caller's mark never races one. When ctx ends the
// renewals stop and the lease runs out, as after a crash.
func (r *Relay) renewWhile(ctx context.Context, rows []Row) (stop func()) {
	seqs := make([]int64, len(rows))
	for i, row := range rows {
		seqs[i] = row.Seq
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		lost := false
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-r.cfg.After(r.cfg.Lease / 3):
			}
			res := r.db.WithContext(ctx).Model(&Row{}).Where("seq IN ? AND claimed_by = ? AND status = ?", seqs, r.cfg.ID, StatusPending).
				Update("claimed_at", r.now())
			switch {
			case res.Error != nil && ctx.Err() == nil:
				r.cfg.Logger.Warn("relay could not renew its lease; retrying", "relay", r.cfg.ID, "err", res.Error)
			case res.Error == nil && res.RowsAffected < int64(len(seqs)) && !lost:
				lost = true
				// Our lease ran out and another relay took some rows over: they may be delivered twice
				// (JetStream drops the duplicates by message id); mark leaves them to that relay.
				r.cfg.Logger.Warn("relay lost its lease on part of a batch", "relay", r.cfg.ID,
					"claimed", len(seqs), "still_held", res.RowsAffected)
			}
		}
	}()
	return sync.OnceFunc(func() {
		close(done)
		wg.Wait()
	})
}

func sortBySeq(rows []Row) []Row {
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].Seq < rows[j-1].Seq; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	return rows
}

// mark records the outcome of a delivered batch. Rows whose lease another relay took over are
// left alone (the WHERE claimed_by check).
func (r *Relay) mark(ctx context.Context, rows []Row, failures []error) error {
	now := r.now()
	var ok []int64
	for i, row := range rows {
		if failures[i] == nil {
			ok = append(ok, row.Seq)
			r.cfg.Metrics.observeLatency(now.Sub(row.OccurredAt))
			continue
		}
		attempts := row.Attempts + 1
		updates := map[string]any{"attempts": attempts, "last_error": truncate(failures[i].Error(), 2000),
			"claimed_by": nil, "claimed_at": nil}
		if attempts >= r.cfg.MaxAttempts {
			updates["status"] = StatusFailed
			r.cfg.Logger.Error("event failed for good", "relay", r.cfg.ID, "event_id", row.ID, "event_type", row.EventType, "attempts", attempts, "err", failures[i])
		} else {
			updates["next_attempt_at"] = now.Add(r.backoff(attempts))
			r.cfg.Logger.Warn("event delivery failed; will retry", "relay", r.cfg.ID, "event_id", row.ID, "attempts", attempts, "err", failures[i])
		}
		if err := r.db.WithContext(ctx).Model(&Row{}).Where("seq = ? AND claimed_by = ?", row.Seq, r.cfg.ID).Updates(updates).Error; err != nil {
			return err
		}
	}
	if len(ok) == 0 {
		return nil
	}
	return r.db.WithContext(ctx).Model(&Row{}).Where("seq IN ? AND claimed_by = ?", ok, r.cfg.ID).
		Updates(map[string]any{"status": StatusDispatched, "dispatched_at": now, "claimed_by": nil, "claimed_at": nil,
			"attempts": gorm.Expr("attempts + 1")}).Error
}

// backoff is MinBackoff·2^(attempts-1), capped at MaxBackoff, with ±20 % jitter so failed events
// of many aggregates do not retry in lockstep.
func (r *Relay) backoff(attempts int) time.Duration {
	d := r.cfg.MinBackoff
	for i := 1; i < attempts && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	if d > r.cfg.MaxBackoff {
		d = r.cfg.MaxBackoff
	}
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Retry puts a failed event of the scope back in the queue, to be delivered as soon as a relay
// looks. The scope is part of the update, so a tenant's retry can never touch another tenant's
// event: an id outside the scope is ErrNotFound, exactly like an unknown one.
func Retry(ctx context.Context, db *gorm.DB, scope Scope, id uuid.UUID) error {
	q, err := scope.apply(db.WithContext(ctx).Model(&Row{}))
	if err != nil {
		return err
	}
	res := q.Where("id = ? AND status = ?", id, StatusFailed).
		Updates(map[string]any{"status": StatusPending, "attempts": 0, "next_attempt_at": time.Now().UTC(),
			"claimed_by": nil, "claimed_at": nil})
	if res.Error != nil {
		return fmt.Errorf("events: retry %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		// Nothing changed: say whether the event is not visible here or just not failed.
		if _, err := ByID(ctx, db, scope, id); err != nil {
			return err
		}
		return fmt.Errorf("events: retry %s: %w", id, ErrNotFailed)
	}
	Nudge()
	return nil
}

// ErrNotFailed means Retry found the event but it has not failed.
var ErrNotFailed = errors.New("no failed event with that id")
