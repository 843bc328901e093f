package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/models"
)

// The check of an upload runs as a job too: it is a dry run of the import, as long as the
// import itself for a large file. The page polls the upload's check state; a check started
// with another mapping replaces a running one (its token no longer counts, and it stops).

// CheckArgs is the check of an upload under a token.
type CheckArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	UploadID uuid.UUID `json:"upload_id"`
	Token    string    `json:"token"`
	MaxRows  int       `json:"max_rows,omitempty"`
}

// Kind names the job in River.
func (CheckArgs) Kind() string { return "products.import_check" }

// CheckResult is a finished check as the import page shows it: the check, or why the file
// cannot be read with that mapping (and, when its header could be read, the columns to map).
type CheckResult struct {
	Check       *catalogcsv.Check `json:"check,omitempty"`
	Error       string            `json:"error,omitempty"`
	FileColumns []string          `json:"file_columns,omitempty"`
	Columns     []string          `json:"columns,omitempty"`
	Unknown     []string          `json:"unknown,omitempty"`
}

// StartCheck checks the upload with mapping (nil: by the headings), replacing any check of it
// still running.
func (r *Runner) StartCheck(ctx context.Context, u *models.Upload, mapping []string, maxRows int) error {
	mj, err := json.Marshal(mapping)
	if err != nil {
		return err
	}
	return r.store.WithSQLTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		token, err := r.store.StartUploadCheck(ctx, u, string(mj))
		if err != nil {
			return err
		}
		if _, err := r.client.InsertTx(ctx, tx, CheckArgs{TenantID: u.TenantID, UploadID: u.ID, Token: token, MaxRows: maxRows}, nil); err != nil {
			return fmt.Errorf("jobs: enqueue check: %w", err)
		}
		return nil
	})
}

// Mapping is the mapping an upload was last checked with.
func Mapping(u *models.Upload) []string {
	var m []string
	_ = json.Unmarshal([]byte(u.CheckMapping), &m)
	return m
}

// CheckedProducts is how many products the upload's finished check found with mapping, when
// its stored result is for that mapping: starting the import then needs no second read of the
// file.
func CheckedProducts(u *models.Upload, mapping []string) (int, bool) {
	if u.CheckState != models.UploadChecked || !slices.Equal(Mapping(u), mapping) {
		return 0, false
	}
	var res CheckResult
	if err := json.Unmarshal([]byte(u.CheckResult), &res); err != nil || res.Check == nil {
		return 0, false
	}
	return res.Check.Products, true
}

var errSuperseded = errors.New("a newer check replaced this one")

type checkWorker struct {
	river.WorkerDefaults[CheckArgs]
	r *Runner
}

// Timeout is one attempt's limit, as an import's.
func (w *checkWorker) Timeout(*river.Job[CheckArgs]) time.Duration { return importTimeout }

func (w *checkWorker) Work(ctx context.Context, job *river.Job[CheckArgs]) error {
	store, a := w.r.store, job.Args
	u, err := store.UploadForCheck(ctx, a.TenantID, a.UploadID, a.Token)
	if errors.Is(err, models.ErrNotFound) {
		return nil // replaced by a newer check, or expired
	} else if err != nil {
		return err
	}
	tenant, err := store.TenantByID(ctx, a.TenantID)
	if err != nil {
		return err
	}
	var done int64
	check, err := catalogcsv.CheckFile(store.OpenUpload(ctx, u), catalogcsv.TenantOf(tenant), Mapping(u), catalogcsv.Limits{MaxRows: a.MaxRows},
		func(batch []*models.ImportProduct) ([]models.ImportOutcome, error) {
			outs, err := store.ImportProducts(ctx, tenant, batch, models.ImportOptions{DryRun: true})
			if err != nil {
				return nil, err
			}
			done += int64(len(batch))
			if current, err := store.UploadCheckProgress(ctx, u.ID, a.Token, done); err != nil {
				return nil, err
			} else if !current {
				return nil, errSuperseded
			}
			return outs, nil
		})
	var res CheckResult
	var he *catalogcsv.HeaderError
	var re *catalogcsv.ReadError
	switch {
	case errors.Is(err, errSuperseded):
		return nil
	case errors.As(err, &he):
		res = CheckResult{Error: he.Msg, FileColumns: he.File, Columns: he.Columns, Unknown: he.Unknown}
	case errors.As(err, &re):
		res = CheckResult{Error: re.Msg}
	case err != nil:
		return err
	default:
		res = CheckResult{Check: check, FileColumns: check.FileColumns, Columns: check.Columns}
	}
	js, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = store.FinishUploadCheck(ctx, u.ID, a.Token, string(js), done)
	return err
}
