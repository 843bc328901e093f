// Package jobs runs RusToK Admin's background jobs on River (github.com/riverqueue/river): on
// PostgreSQL through River's database/sql driver, on the embedded SQLite default through its
// SQLite driver, over the store's own connection pool. River claims jobs so that of several
// processes exactly one works each (FOR UPDATE SKIP LOCKED on PostgreSQL), retries failures with
// backoff, and keeps a job that was running when its process died until its rescuer makes it
// available again. A job is enqueued in the same transaction as the job_runs row staff see
// (models.JobRun), so either both exist or neither.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// JobRetention is how long River keeps a finished job's row (its state and errors).
const JobRetention = 30 * 24 * time.Hour

// Allowed reports whether a user may still do resource:action in the tenant: a scheduled move
// checks it when it runs, not only when it was scheduled.
type Allowed func(ctx context.Context, user, tenant uuid.UUID, resource, action string) (bool, error)

// AllowedBy is Allowed answered by the policy engine.
func AllowedBy(e *authz.Engine) Allowed {
	return func(ctx context.Context, user, tenant uuid.UUID, resource, action string) (bool, error) {
		return e.Allowed(ctx, user, tenant.String(), authz.Perm{Resource: resource, Action: action})
	}
}

// Options tune a Runner; zero values take the defaults.
type Options struct {
	Workers      int           // jobs worked at once by this process (default 2)
	PollInterval time.Duration // how often this process looks for new jobs (default 1 s)
	ID           string        // the process's name in River's tables (default: River's own)
	ExportChunk  int           // bytes of CSV an export stores at a time (default 256 KB; tests make it small)
	Allowed      Allowed       // nil: scheduled moves check only that the user is still active
	Logger       *slog.Logger
	// AfterBatch, when set, is called after each committed batch of an import with its progress
	// (an all-or-nothing import's check counts as the first half); an error fails the attempt
	// there, as a process that dies between batches would (tests of the resume).
	AfterBatch func(runID uuid.UUID, done int64) error
}

// Runner enqueues and works the jobs of one process.
type Runner struct {
	client  *river.Client[*sql.Tx]
	store   *models.Store
	log     *slog.Logger
	chunk   int
	allowed Allowed
	after   func(runID uuid.UUID, done int64) error
}

// New builds a runner over the store's database. It works nothing until Start.
func New(store *models.Store, opts Options) (*Runner, error) {
	sqlDB, err := store.DB().DB()
	if err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	var driver riverdriver.Driver[*sql.Tx]
	if store.Dialect() == migrations.Postgres {
		driver = riverdatabasesql.New(sqlDB)
	} else {
		driver = riversqlite.New(sqlDB)
	}
	if opts.ExportChunk <= 0 {
		opts.ExportChunk = defaultExportChunk
	}
	r := &Runner{store: store, log: opts.Logger, chunk: opts.ExportChunk, allowed: opts.Allowed, after: opts.AfterBatch}
	workers := river.NewWorkers()
	river.AddWorker(workers, &exportWorker{r: r})
	river.AddWorker(workers, &contentExportWorker{r: r})
	river.AddWorker(workers, &scheduleWorker{r: r})
	river.AddWorker(workers, &expireFilesWorker{r: r})
	river.AddWorker(workers, &importWorker{r: r})
	river.AddWorker(workers, &checkWorker{r: r})
	cooldown := min(river.FetchCooldownDefault, opts.PollInterval)
	client, err := river.NewClient(driver, &river.Config{
		ID:                opts.ID,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}},
		Workers:           workers,
		Logger:            slog.New(warnAndAbove{opts.Logger.Handler()}), // River reports its routine (job counts every few seconds) at INFO
		FetchPollInterval: opts.PollInterval,
		FetchCooldown:     cooldown,
		MaxAttempts:       3,
		// Finished jobs stay visible (state, errors) on the jobs page for JobRetention.
		CompletedJobRetentionPeriod: JobRetention,
		CancelledJobRetentionPeriod: JobRetention,
		DiscardedJobRetentionPeriod: JobRetention,
		// A job runs at most JobTimeout; one that a dead process left running is given to another
		// process after RescueStuckJobsAfter (River's rescuer), not after River's default hour.
		JobTimeout:           10 * time.Minute,
		RescueStuckJobsAfter: 15 * time.Minute,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireFilesArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.client = client
	return r, nil
}

// Start works jobs until Stop.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop lets the running jobs finish (until ctx ends, then cancels them) and stops.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }

// Enqueue starts a job: in one transaction, River's job with args and the job run staff see.
// run.ID is set first (args may carry it); run.RiverJobID is filled in.
func (r *Runner) enqueue(ctx context.Context, run *models.JobRun, args func(runID uuid.UUID) river.JobArgs) error {
	run.ID = uuid.Must(uuid.NewV7())
	return r.store.WithSQLTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := r.client.InsertTx(ctx, tx, args(run.ID), nil)
		if err != nil {
			return fmt.Errorf("jobs: enqueue %s: %w", run.Kind, err)
		}
		run.RiverJobID = res.Job.ID
		return r.store.CreateJobRun(ctx, run)
	})
}

// Cancel cancels the tenant's job: one not started yet at once, a running one at its next
// check between batches. Another tenant's job is models.ErrNotFound.
func (r *Runner) Cancel(ctx context.Context, tenantID, runID uuid.UUID) error {
	run, err := r.store.JobRunByID(ctx, tenantID, runID)
	if err != nil {
		return err
	}
	return r.store.WithSQLTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := r.store.RequestJobCancel(ctx, tenantID, runID); err != nil {
			return err
		}
		if _, err := r.client.JobCancelTx(ctx, tx, run.RiverJobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("jobs: cancel: %w", err)
		}
		return nil
	})
}

// Retry runs the tenant's failed or cancelled job again. Another tenant's is models.ErrNotFound,
// and so is a job whose River row has been removed since.
func (r *Runner) Retry(ctx context.Context, tenantID, runID uuid.UUID) error {
	run, err := r.store.JobRunByID(ctx, tenantID, runID)
	if err != nil {
		return err
	}
	return r.store.WithSQLTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := r.store.ClearJobCancel(ctx, runID); err != nil {
			return err
		}
		if _, err := r.client.JobRetryTx(ctx, tx, run.RiverJobID); errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("job %s: %w", runID, models.ErrNotFound)
		} else if err != nil {
			return fmt.Errorf("jobs: retry: %w", err)
		}
		return nil
	})
}

// LastError is the error of the job's last failed attempt, "" when it has none.
func (r *Runner) LastError(ctx context.Context, riverJobID int64) string {
	row, err := r.client.JobGet(ctx, riverJobID)
	if err != nil || len(row.Errors) == 0 {
		return ""
	}
	return row.Errors[len(row.Errors)-1].Error
}

// JobRow is River's row of a job, for tests and diagnostics.
func (r *Runner) JobRow(ctx context.Context, riverJobID int64) (*rivertype.JobRow, error) {
	return r.client.JobGet(ctx, riverJobID)
}

// cancelled reports whether someone asked to cancel the run; a job checks it between batches
// and then ends with river.JobCancel.
func (r *Runner) cancelled(ctx context.Context, runID uuid.UUID) error {
	yes, err := r.store.JobCancelRequested(ctx, runID)
	if err != nil {
		return err
	}
	if yes {
		return river.JobCancel(errors.New("cancelled by a user"))
	}
	return ctx.Err()
}

// ExpireFilesArgs is the hourly job that deletes job files and uploads past their expiry.
type ExpireFilesArgs struct{}

// Kind names the job in River.
func (ExpireFilesArgs) Kind() string { return "jobs.expire_files" }

type expireFilesWorker struct {
	river.WorkerDefaults[ExpireFilesArgs]
	r *Runner
}

func (w *expireFilesWorker) Work(ctx context.Context, _ *river.Job[ExpireFilesArgs]) error {
	n, err := w.r.store.DeleteExpiredJobFiles(ctx)
	if err == nil && n > 0 {
		w.r.log.Info("expired job files deleted", "files", n)
	}
	if err != nil {
		return err
	}
	n, err = w.r.store.DeleteExpiredUploads(ctx)
	if err == nil && n > 0 {
		w.r.log.Info("expired uploads deleted", "uploads", n)
	}
	return err
}

// warnAndAbove passes on only warnings and errors: what River logs below that is routine.
type warnAndAbove struct{ slog.Handler }

func (h warnAndAbove) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnAndAbove) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnAndAbove{h.Handler.WithAttrs(attrs)}
}

func (h warnAndAbove) WithGroup(name string) slog.Handler {
	return warnAndAbove{h.Handler.WithGroup(name)}
}
