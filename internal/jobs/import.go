package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
)

// ImportArgs is a products import: the run, its tenant, the checked upload and how its columns
// are read. Total is the number of products the check found, for the progress bar.
type ImportArgs struct {
	RunID        uuid.UUID `json:"run_id"`
	TenantID     uuid.UUID `json:"tenant_id"`
	UploadID     uuid.UUID `json:"upload_id"`
	Mapping      []string  `json:"mapping,omitempty"`
	AllOrNothing bool      `json:"all_or_nothing,omitempty"`
	Total        int64     `json:"total"`
	MaxRows      int       `json:"max_rows,omitempty"`
}

// Kind names the job in River; it is the job run's kind too.
func (ImportArgs) Kind() string { return models.JobProductsImport }

// InsertOpts gives an import more attempts than other jobs: an attempt ends at importTimeout,
// and the next goes on after the last committed batch, so a large file is done in several.
func (ImportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// importTimeout bounds one attempt of an import; it stays under the runner's
// RescueStuckJobsAfter, so a running import is never handed to a second process.
const importTimeout = 14 * time.Minute

// ImportBatch is how many products one transaction of an import writes.
const ImportBatch = 100

// analyzeEvery is how many batches an import writes between refreshes of the catalog's
// statistics (and after its first): see models.Store.AnalyzeCatalog.
const analyzeEvery = 20

// ImportStats are an import's running counts, kept with its progress (job_runs.stats) in each
// batch's transaction. Checked says an all-or-nothing import found every row good.
type ImportStats struct {
	Products  int64 `json:"products"` // products worked through by the writing pass
	Created   int64 `json:"created"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	Rejected  int64 `json:"rejected"`
	Checked   bool  `json:"checked,omitempty"`
}

// ImportRequest is what StartImport needs.
type ImportRequest struct {
	Tenant       *models.Tenant
	Actor        *uuid.UUID
	Upload       *models.Upload
	Mapping      []string
	AllOrNothing bool
	Products     int // as the check counted them
	MaxRows      int
}

// StartImport enqueues the import of a checked upload.
func (r *Runner) StartImport(ctx context.Context, in ImportRequest) (*models.JobRun, error) {
	summary := fmt.Sprintf("%s, %d products", in.Upload.Name, in.Products)
	if in.AllOrNothing {
		summary += ", all or nothing"
	}
	run := &models.JobRun{TenantID: &in.Tenant.ID, Kind: models.JobProductsImport, CreatedBy: in.Actor, Summary: summary, Total: int64(in.Products)}
	if err := r.store.KeepUpload(ctx, in.Upload); err != nil {
		return nil, err
	}
	err := r.enqueue(ctx, run, func(id uuid.UUID) river.JobArgs {
		return ImportArgs{RunID: id, TenantID: in.Tenant.ID, UploadID: in.Upload.ID, Mapping: in.Mapping,
			AllOrNothing: in.AllOrNothing, Total: int64(in.Products), MaxRows: in.MaxRows}
	})
	return run, err
}

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	r *Runner
}

// Timeout is one attempt's limit (importTimeout).
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return importTimeout }

// Work imports the upload batch by batch. Each batch is one transaction with its events, its
// failed rows and the run's progress, so a job resumed after a restart (River's retry or
// rescue) skips exactly the batches done; a cancel is honoured between batches.
func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	store, a := w.r.store, job.Args
	tenant, err := store.TenantByID(ctx, a.TenantID)
	if err != nil {
		return err
	}
	run, err := store.JobRunByID(ctx, tenant.ID, a.RunID)
	if err != nil {
		return err
	}
	if why, err := w.r.mayStill(ctx, run.CreatedBy, tenant.ID, "products", "import"); err != nil {
		return err
	} else if why != "" {
		why = "the user who started it " + why
		_ = store.FinishJobRun(ctx, run.ID, "Not imported: "+why+".")
		return river.JobCancel(errors.New(why))
	}
	ctx = events.WithActor(ctx, *run.CreatedBy)
	upload, err := store.UploadByID(ctx, tenant.ID, a.UploadID)
	if errors.Is(err, models.ErrNotFound) {
		_ = store.FinishJobRun(ctx, run.ID, "Not imported: the uploaded file has expired; upload it again.")
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if err := store.KeepUpload(ctx, upload); err != nil { // every attempt reads it from the start
		return err
	}
	var st ImportStats
	if run.Stats != "" {
		if err := json.Unmarshal([]byte(run.Stats), &st); err != nil {
			return fmt.Errorf("import stats: %w", err)
		}
	}
	im := &importer{r: w.r, run: &run.JobRun, tenant: tenant, args: a, upload: upload, stats: st}
	if im.file, im.seq, err = store.OpenJobFile(ctx, run.ID); err != nil {
		return err
	}
	if a.AllOrNothing && !st.Checked {
		if err := im.pass(ctx, true); err != nil {
			return err
		}
		if rejected := im.stats.Rejected; rejected > 0 {
			if err := im.completeFile(ctx); err != nil {
				return err
			}
			return store.FinishJobRun(ctx, run.ID, fmt.Sprintf("Nothing imported (all or nothing): %d of %d products have rows to fix; download the failed rows.",
				rejected, im.stats.Products))
		}
		im.stats = ImportStats{Checked: true}
		if err := im.step(ctx, 0); err != nil {
			return err
		}
	}
	if err := im.pass(ctx, false); err != nil {
		return err
	}
	if err := im.completeFile(ctx); err != nil {
		return err
	}
	s := im.stats
	result := fmt.Sprintf("Imported %s: %d created, %d updated, %d unchanged, %d rejected.", upload.Name, s.Created, s.Updated, s.Unchanged, s.Rejected)
	if s.Rejected > 0 {
		result += " Download the failed rows, fix them and import that file."
	}
	return store.FinishJobRun(ctx, run.ID, result)
}

// importer is one run of an import job.
type importer struct {
	r      *Runner
	run    *models.JobRun
	tenant *models.Tenant
	args   ImportArgs
	upload *models.Upload
	stats  ImportStats
	file   *models.JobFile // the failed rows, made at the first
	seq    int
}

// pass reads the upload through, dry (an all-or-nothing check: nothing kept, the failed rows
// written) or writing, counting in im.stats. Either skips the products a previous attempt
// finished: the counts, the failed rows and the progress of each batch commit together.
func (im *importer) pass(ctx context.Context, dry bool) error {
	store, t := im.r.store, im.tenant
	skip, seen := im.stats.Products, int64(0)
	_, err := catalogcsv.Walk(store.OpenUpload(ctx, im.upload), catalogcsv.TenantOf(t), im.args.Mapping, catalogcsv.Limits{MaxRows: im.args.MaxRows}, ImportBatch,
		func(rd *catalogcsv.Reader, b catalogcsv.Batch) error {
			start := seen
			seen += int64(len(b.Products))
			if start < skip {
				return nil // done by an earlier attempt, in its own transaction
			}
			if err := im.r.cancelled(ctx, im.run.ID); err != nil {
				return err
			}
			// A dry pass works each batch out in a transaction it rolls back, then records it; a
			// writing pass writes the batch and records it in one transaction.
			var outs []models.ImportOutcome
			if dry {
				var err error
				if outs, err = store.ImportProducts(ctx, t, b.Products, models.ImportOptions{DryRun: true}); err != nil {
					return err
				}
			}
			err := store.WithTx(ctx, func(ctx context.Context) error {
				if !dry {
					var err error
					if outs, err = store.ImportProducts(ctx, t, b.Products, models.ImportOptions{JobRunID: &im.run.ID}); err != nil {
						return err
					}
				}
				var failed [][]string
				cols := catalogcsv.MappedColumns(rd)
				st := im.stats
				for i, o := range outs {
					switch o.Action {
					case models.ImportCreated:
						st.Created++
					case models.ImportUpdated:
						st.Updated++
					case models.ImportUnchanged:
						st.Unchanged++
					default:
						st.Rejected++
						failed = append(failed, catalogcsv.FailedRows(cols, b.Groups[i], o.Errors)...)
					}
				}
				st.Products = seen
				if len(failed) > 0 {
					if err := im.writeFailed(ctx, cols, failed); err != nil {
						return err
					}
				}
				im.stats = st
				return im.step(ctx, im.progress(seen, dry))
			})
			if batch := seen / ImportBatch; err == nil && !dry && (batch == 1 || batch%analyzeEvery == 0) {
				err = store.AnalyzeCatalog(ctx)
			}
			if err == nil && im.r.after != nil {
				err = im.r.after(im.run.ID, im.progress(seen, dry))
			}
			return err
		})
	return err
}

// progress is the bar's value after seen products of a pass: an all-or-nothing import's check
// is its first half.
func (im *importer) progress(seen int64, dry bool) int64 {
	if im.args.AllOrNothing && !dry {
		return seen + im.args.Total
	}
	return seen
}

// step records the progress and counts. An all-or-nothing import counts its check and its
// writing pass, so its bar goes to 100 % once.
func (im *importer) step(ctx context.Context, done int64) error {
	total := im.args.Total
	if im.args.AllOrNothing {
		total *= 2
	}
	js, err := json.Marshal(im.stats)
	if err != nil {
		return err
	}
	return im.r.store.JobStep(ctx, im.run.ID, done, max(total, done), string(js))
}

// writeFailed appends failed rows to the run's failed-rows file, starting it (with its header)
// at the first.
func (im *importer) writeFailed(ctx context.Context, cols []string, rows [][]string) error {
	store := im.r.store
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if im.file == nil {
		f, err := store.StartJobFile(ctx, im.run, "failed-rows-"+im.upload.Name, "text/csv; charset=utf-8")
		if err != nil {
			return err
		}
		im.file, im.seq = f, 0
		_ = w.Write(catalogcsv.FailedHeader(cols))
	}
	for _, row := range rows {
		for i := range row {
			row[i] = catalogcsv.Text(row[i])
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	if err := store.AppendJobFile(ctx, im.file, im.seq, buf.Bytes()); err != nil {
		return err
	}
	im.seq++
	return nil
}

func (im *importer) completeFile(ctx context.Context) error {
	if im.file == nil || im.file.Complete {
		return nil
	}
	return im.r.store.CompleteJobFile(ctx, im.file)
}
