package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Job kinds: what a job_runs row is for. The River job that runs it has the same kind.
const (
	JobProductsExport = "products.export"
	JobNodesExport    = "nodes.export"
	JobProductsImport = "products.import"
)

// River's job states, as river_job.state holds them.
const (
	JobAvailable = "available"
	JobScheduled = "scheduled"
	JobPending   = "pending"
	JobRunning   = "running"
	JobRetryable = "retryable"
	JobCompleted = "completed"
	JobCancelled = "cancelled"
	JobDiscarded = "discarded"
)

// JobRun is a background job as staff see it: who started it, for which tenant (nil: the
// platform's), what it covers, its progress and its result. River's river_job row (RiverJobID)
// runs it and holds its state, attempts and errors.
type JobRun struct {
	ID              uuid.UUID  `gorm:"type:uuid;primaryKey"`
	TenantID        *uuid.UUID `gorm:"type:uuid"`
	Kind            string     `gorm:"not null"`
	RiverJobID      int64      `gorm:"not null"`
	CreatedBy       *uuid.UUID `gorm:"type:uuid"`
	Summary         string     `gorm:"not null"`
	Done            int64      `gorm:"not null"`
	Total           int64      `gorm:"not null"`
	Result          string     `gorm:"not null"`
	CancelRequested bool       `gorm:"not null"`
	Stats           string     `gorm:"not null"` // a job's running counts, its own JSON (an import's created, updated …)
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName is the table of job runs.
func (JobRun) TableName() string { return "job_runs" }

// JobView is a job run with River's view of it and its file, for the jobs page.
type JobView struct {
	JobRun
	State       string
	Attempt     int
	MaxAttempts int
	AttemptedAt *time.Time
	FinalizedAt *time.Time
	Creator     string // the starter's name, else email; "" when unknown
	TenantSlug  string // the job's tenant, for the platform's list
	TenantName  string
	File        *JobFile `gorm:"-"`
}

// Active reports whether the job may still run (so the page keeps polling and offers Cancel).
func (j JobView) Active() bool {
	switch j.State {
	case JobAvailable, JobScheduled, JobPending, JobRunning, JobRetryable:
		return true
	}
	return false
}

// Percent is the job's progress, 0–100.
func (j JobView) Percent() int {
	if j.State == JobCompleted {
		return 100
	}
	if j.Total <= 0 {
		return 0
	}
	return int(min(100, j.Done*100/j.Total))
}

// JobFile is a job's output file (an export), stored in chunks (job_file_chunks) so any process
// can serve it without holding it in memory. It is downloadable once Complete, until ExpiresAt.
type JobFile struct {
	ID          uuid.UUID  `gorm:"type:uuid;primaryKey"`
	JobRunID    uuid.UUID  `gorm:"type:uuid;not null"`
	TenantID    *uuid.UUID `gorm:"type:uuid"`
	Name        string     `gorm:"not null"`
	ContentType string     `gorm:"not null"`
	Size        int64      `gorm:"not null"`
	Complete    bool       `gorm:"not null"`
	ExpiresAt   time.Time  `gorm:"not null"`
	CreatedAt   time.Time
}

// Downloadable reports whether the file may be downloaded at now: complete and not expired.
func (f *JobFile) Downloadable(now time.Time) bool { return f.Complete && now.Before(f.ExpiresAt) }

// TableName is the table of job files.
func (JobFile) TableName() string { return "job_files" }

// jobFileChunk is one piece of a job file, in order of Seq.
type jobFileChunk struct {
	FileID uuid.UUID `gorm:"type:uuid;primaryKey"`
	Seq    int       `gorm:"primaryKey"`
	Data   []byte    `gorm:"not null"`
}

func (jobFileChunk) TableName() string { return "job_file_chunks" }

// JobFileLifetime is how long an export stays downloadable.
const JobFileLifetime = 24 * time.Hour

// WithSQLTx runs fn in a database/sql transaction on both databases and gives it the *sql.Tx,
// for work that must join the transaction below GORM: River's InsertTx, which enqueues a job in
// the same transaction as the change that asks for it. Store calls with the context join it;
// events appended in it are written at once (not with the COMMIT, as in WithTx on PostgreSQL).
func (s *Store) WithSQLTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return errors.New("models: WithSQLTx cannot join another transaction")
	}
	err := s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
		tx, ok := gtx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return fmt.Errorf("models: the transaction's pool is a %T, not a *sql.Tx", gtx.Statement.ConnPool)
		}
		return fn(context.WithValue(ctx, txKey{}, gtx), tx)
	})
	return s.busy(err)
}

// CreateJobRun inserts a job run; call it in the transaction that enqueues its River job.
func (s *Store) CreateJobRun(ctx context.Context, run *JobRun) error {
	if run.ID == uuid.Nil {
		run.ID = uuid.Must(uuid.NewV7())
	}
	if err := s.Conn(ctx).Create(run).Error; err != nil {
		return translate(err, "job run")
	}
	return nil
}

// JobProgress records how far a job is: done of total.
func (s *Store) JobProgress(ctx context.Context, id uuid.UUID, done, total int64) error {
	err := s.Conn(ctx).Model(&JobRun{}).Where("id = ?", id).
		Updates(map[string]any{"done": done, "total": total, "updated_at": s.db.NowFunc()}).Error
	return translate(err, "job progress")
}

// JobStep records how far a job is with its running counts; call it in the transaction of the
// batch it counts, so a job resumed after a restart goes on exactly after the last batch.
func (s *Store) JobStep(ctx context.Context, id uuid.UUID, done, total int64, stats string) error {
	err := s.Conn(ctx).Model(&JobRun{}).Where("id = ?", id).
		Updates(map[string]any{"done": done, "total": total, "stats": stats, "updated_at": s.db.NowFunc()}).Error
	return translate(err, "job progress")
}

// FinishJobRun records a job's result, a sentence for the jobs page.
func (s *Store) FinishJobRun(ctx context.Context, id uuid.UUID, result string) error {
	err := s.Conn(ctx).Model(&JobRun{}).Where("id = ?", id).
		Updates(map[string]any{"result": result, "updated_at": s.db.NowFunc()}).Error
	return translate(err, "job result")
}

// RequestJobCancel marks the tenant's job run as to be cancelled: a running job stops at its
// next check (between batches). Another tenant's run is ErrNotFound.
func (s *Store) RequestJobCancel(ctx context.Context, tenantID uuid.UUID, id uuid.UUID) error {
	res := s.Conn(ctx).Model(&JobRun{}).Where("tenant_id = ? AND id = ?", tenantID, id).
		Updates(map[string]any{"cancel_requested": true, "updated_at": s.db.NowFunc()})
	if res.Error != nil {
		return translate(res.Error, "cancel job")
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	return nil
}

// ClearJobCancel forgets a cancel request, when a cancelled or failed job is retried.
func (s *Store) ClearJobCancel(ctx context.Context, id uuid.UUID) error {
	err := s.Conn(ctx).Model(&JobRun{}).Where("id = ?", id).
		Updates(map[string]any{"cancel_requested": false, "updated_at": s.db.NowFunc()}).Error
	return translate(err, "retry job")
}

// JobCancelRequested reports whether someone asked to cancel the run.
func (s *Store) JobCancelRequested(ctx context.Context, id uuid.UUID) (bool, error) {
	var run JobRun
	if err := s.Conn(ctx).Select("cancel_requested").Where("id = ?", id).Take(&run).Error; err != nil {
		return false, translate(err, "job run")
	}
	return run.CancelRequested, nil
}

// jobViewSelect reads job runs with River's state and the starter's name.
const jobViewSelect = `SELECT r.*, COALESCE(CAST(j.state AS text), '') AS state, COALESCE(j.attempt, 0) AS attempt, COALESCE(j.max_attempts, 0) AS max_attempts, j.attempted_at, j.finalized_at, ` +
	`COALESCE(NULLIF(u.name, ''), u.email, '') AS creator, COALESCE(t.slug, '') AS tenant_slug, COALESCE(t.name, '') AS tenant_name ` +
	`FROM job_runs r LEFT JOIN river_job j ON j.id = r.river_job_id LEFT JOIN users u ON u.id = r.created_by ` +
	`LEFT JOIN tenants t ON t.id = r.tenant_id `

// ListJobRuns returns the tenant's newest job runs, at most limit, with their files.
func (s *Store) ListJobRuns(ctx context.Context, tenantID uuid.UUID, limit int) ([]JobView, error) {
	var out []JobView
	if err := s.Conn(ctx).Raw(jobViewSelect+`WHERE r.tenant_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, tenantID, limit).
		Scan(&out).Error; err != nil {
		return nil, translate(err, "jobs")
	}
	return out, s.attachJobFiles(ctx, out)
}

// ListAllJobRuns returns the newest job runs of every tenant (and the platform's), at most
// limit, for the platform's jobs page.
func (s *Store) ListAllJobRuns(ctx context.Context, limit int) ([]JobView, error) {
	var out []JobView
	if err := s.Conn(ctx).Raw(jobViewSelect+`ORDER BY r.created_at DESC, r.id DESC LIMIT ?`, limit).Scan(&out).Error; err != nil {
		return nil, translate(err, "jobs")
	}
	return out, s.attachJobFiles(ctx, out)
}

// JobRunByID returns the tenant's job run. Another tenant's is ErrNotFound.
func (s *Store) JobRunByID(ctx context.Context, tenantID, id uuid.UUID) (*JobView, error) {
	var out []JobView
	if err := s.Conn(ctx).Raw(jobViewSelect+`WHERE r.tenant_id = ? AND r.id = ?`, tenantID, id).Scan(&out).Error; err != nil {
		return nil, translate(err, "job")
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	return &out[0], s.attachJobFiles(ctx, out)
}

func (s *Store) attachJobFiles(ctx context.Context, runs []JobView) error {
	if len(runs) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(runs))
	for i := range runs {
		ids[i] = runs[i].ID
	}
	var files []JobFile
	if err := s.Conn(ctx).Where("job_run_id IN ?", ids).Find(&files).Error; err != nil {
		return translate(err, "job files")
	}
	for i := range files {
		for j := range runs {
			if runs[j].ID == files[i].JobRunID {
				runs[j].File = &files[i]
			}
		}
	}
	return nil
}

// StartJobFile creates the run's file, or empties it when a retried job writes it again.
func (s *Store) StartJobFile(ctx context.Context, run *JobRun, name, contentType string) (*JobFile, error) {
	var f JobFile
	err := s.WithTx(ctx, func(ctx context.Context) error {
		err := s.Conn(ctx).Where("job_run_id = ?", run.ID).Take(&f).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			now := s.db.NowFunc()
			f = JobFile{ID: uuid.Must(uuid.NewV7()), JobRunID: run.ID, TenantID: run.TenantID, Name: name,
				ContentType: contentType, ExpiresAt: now.Add(JobFileLifetime), CreatedAt: now}
			return s.Conn(ctx).Create(&f).Error
		case err != nil:
			return err
		}
		if err := s.Conn(ctx).Where("file_id = ?", f.ID).Delete(&jobFileChunk{}).Error; err != nil {
			return err
		}
		f.Size, f.Complete = 0, false
		return s.Conn(ctx).Model(&f).Updates(map[string]any{"size": 0, "complete": false}).Error
	})
	if err != nil {
		return nil, translate(err, "job file")
	}
	return &f, nil
}

// OpenJobFile returns the run's file as a resumed job left it, with the number of its chunks
// (the next seq), or nil when it has none.
func (s *Store) OpenJobFile(ctx context.Context, runID uuid.UUID) (*JobFile, int, error) {
	var f JobFile
	err := s.Conn(ctx).Where("job_run_id = ?", runID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, translate(err, "job file")
	}
	var n int64
	if err := s.Conn(ctx).Model(&jobFileChunk{}).Where("file_id = ?", f.ID).Count(&n).Error; err != nil {
		return nil, 0, translate(err, "job file")
	}
	return &f, int(n), nil
}

// AppendJobFile adds the next chunk (seq from 0) to the file.
func (s *Store) AppendJobFile(ctx context.Context, f *JobFile, seq int, data []byte) error {
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Conn(ctx).Create(&jobFileChunk{FileID: f.ID, Seq: seq, Data: data}).Error; err != nil {
			return err
		}
		f.Size += int64(len(data))
		return s.Conn(ctx).Model(f).Update("size", f.Size).Error
	})
	return translate(err, "job file chunk")
}

// CompleteJobFile makes the file downloadable, for JobFileLifetime from now.
func (s *Store) CompleteJobFile(ctx context.Context, f *JobFile) error {
	f.Complete, f.ExpiresAt = true, s.db.NowFunc().Add(JobFileLifetime)
	err := s.Conn(ctx).Model(f).Updates(map[string]any{"complete": true, "expires_at": f.ExpiresAt}).Error
	return translate(err, "job file")
}

// JobFileChunk returns chunk seq of the file, and false past the last.
func (s *Store) JobFileChunk(ctx context.Context, f *JobFile, seq int) ([]byte, bool, error) {
	var c jobFileChunk
	err := s.Conn(ctx).Where("file_id = ? AND seq = ?", f.ID, seq).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, translate(err, "job file chunk")
	}
	return c.Data, true, nil
}

// JobFileChunks calls fn with each chunk of the file in order, reading one at a time.
func (s *Store) JobFileChunks(ctx context.Context, f *JobFile, fn func([]byte) error) error {
	for seq := 0; ; seq++ {
		data, ok, err := s.JobFileChunk(ctx, f, seq)
		if err != nil || !ok {
			return err
		}
		if err := fn(data); err != nil {
			return err
		}
	}
}

// DeleteExpiredJobFiles removes the files past their expiry (their chunks go with them) and
// returns how many.
func (s *Store) DeleteExpiredJobFiles(ctx context.Context) (int64, error) {
	var ids []uuid.UUID
	if err := s.Conn(ctx).Model(&JobFile{}).Where("expires_at < ?", s.db.NowFunc()).Pluck("id", &ids).Error; err != nil {
		return 0, translate(err, "expired job files")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Conn(ctx).Where("file_id IN ?", ids).Delete(&jobFileChunk{}).Error; err != nil {
			return err
		}
		return s.Conn(ctx).Where("id IN ?", ids).Delete(&JobFile{}).Error
	})
	if err != nil {
		return 0, translate(err, "expired job files")
	}
	return int64(len(ids)), nil
}
