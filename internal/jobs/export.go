package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rustok/rustok-admin/internal/catalogcsv"
	"github.com/rustok/rustok-admin/models"
)

// ExportFilter is the products list's filters an export covers (its sort and pages do not
// matter: an export has every matching product, in id order).
type ExportFilter struct {
	Search      string `json:"search,omitempty"`
	Status      string `json:"status,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
	ProductType string `json:"product_type,omitempty"`
	Stock       string `json:"stock,omitempty"`
}

func (f ExportFilter) query() models.ProductQuery {
	return models.ProductQuery{Search: f.Search, Status: f.Status, Vendor: f.Vendor, ProductType: f.ProductType, Stock: f.Stock}
}

// ExportArgs is a products export: the run, its tenant and the filters.
type ExportArgs struct {
	RunID    uuid.UUID    `json:"run_id"`
	TenantID uuid.UUID    `json:"tenant_id"`
	Filter   ExportFilter `json:"filter"`
}

// Kind names the job in River; it is the job run's kind too.
func (ExportArgs) Kind() string { return models.JobProductsExport }

// exportBatch is how many products an export reads at a time; exportChunk how many bytes of CSV
// it stores at a time. Memory stays bounded by both, whatever the catalog's size.
const (
	exportBatch = 200
	exportChunk = 256 << 10
)

// StartExport enqueues an export of the tenant's products that match filter, started by actor;
// summary says what it covers for the jobs page.
func (r *Runner) StartExport(ctx context.Context, tenant *models.Tenant, actor *uuid.UUID, filter ExportFilter, summary string) (*models.JobRun, error) {
	if _, err := r.store.CountProducts(ctx, tenant, filter.query()); err != nil {
		return nil, err // a bad filter is refused now, not in the job
	}
	run := &models.JobRun{TenantID: &tenant.ID, Kind: models.JobProductsExport, CreatedBy: actor, Summary: summary}
	err := r.enqueue(ctx, run, func(id uuid.UUID) river.JobArgs {
		return ExportArgs{RunID: id, TenantID: tenant.ID, Filter: filter}
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	r *Runner
}

// Work writes the CSV in chunks to the run's file, batch by batch, recording progress and
// checking for a cancel between batches. A retry starts the file again.
func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	store, a := w.r.store, job.Args
	tenant, err := store.TenantByID(ctx, a.TenantID)
	if err != nil {
		return err
	}
	run := &models.JobRun{ID: a.RunID, TenantID: &a.TenantID}
	q := a.Filter.query()
	total, err := store.CountProducts(ctx, tenant, q)
	if err != nil {
		return err
	}
	if err := store.JobProgress(ctx, run.ID, 0, total); err != nil {
		return err
	}
	name := fmt.Sprintf("products-%s-%s.csv", tenant.Slug, job.CreatedAt.UTC().Format("20060102-150405"))
	file, err := store.StartJobFile(ctx, run, name, "text/csv; charset=utf-8")
	if err != nil {
		return err
	}
	currencies := tenant.EnabledCurrencies()
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	seq := 0
	flush := func(final bool) error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		for buf.Len() >= exportChunk || final && buf.Len() > 0 {
			n := min(buf.Len(), exportChunk)
			if err := store.AppendJobFile(ctx, file, seq, bytes.Clone(buf.Next(n))); err != nil {
				return err
			}
			seq++
		}
		return nil
	}
	if err := cw.Write(catalogcsv.Header(currencies)); err != nil {
		return err
	}
	var done, variants int64
	after := uuid.Nil
	for {
		if err := w.r.cancelled(ctx, run.ID); err != nil {
			return err
		}
		batch, err := store.ProductsAfter(ctx, tenant, q, after, exportBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, p := range batch {
			if err := cw.WriteAll(catalogcsv.Rows(p, tenant.DefaultLocale, currencies)); err != nil {
				return err
			}
			variants += int64(len(p.Variants))
		}
		done += int64(len(batch))
		after = batch[len(batch)-1].ID
		if err := flush(false); err != nil {
			return err
		}
		if err := store.JobProgress(ctx, run.ID, done, max(total, done)); err != nil {
			return err
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	if err := store.CompleteJobFile(ctx, file); err != nil {
		return err
	}
	return store.FinishJobRun(ctx, run.ID, fmt.Sprintf("Exported %d products with %d variants (%d bytes).", done, variants, file.Size))
}
