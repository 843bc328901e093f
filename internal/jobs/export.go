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

// ExportFilter is the filters of the list an export covers: the products list's (search,
// status, vendor, type, stock) or the content list's (search, kind, status, locale, author).
// Their sort and pages do not matter: an export has every matching row, in id order.
type ExportFilter struct {
	Search      string    `json:"search,omitempty"`
	Status      string    `json:"status,omitempty"`
	Vendor      string    `json:"vendor,omitempty"`
	ProductType string    `json:"product_type,omitempty"`
	Stock       string    `json:"stock,omitempty"`
	Kind        string    `json:"kind,omitempty"`
	Locale      string    `json:"locale,omitempty"`
	AuthorID    uuid.UUID `json:"author_id,omitempty"`
}

func (f ExportFilter) products() models.ProductQuery {
	return models.ProductQuery{Search: f.Search, Status: f.Status, Vendor: f.Vendor, ProductType: f.ProductType, Stock: f.Stock}
}

func (f ExportFilter) nodes() models.NodeQuery {
	return models.NodeQuery{Search: f.Search, Kind: f.Kind, Status: f.Status, Locale: f.Locale, AuthorID: f.AuthorID}
}

// ExportArgs is a products export: the run, its tenant and the filters.
type ExportArgs struct {
	RunID    uuid.UUID    `json:"run_id"`
	TenantID uuid.UUID    `json:"tenant_id"`
	Filter   ExportFilter `json:"filter"`
}

// Kind names the job in River; it is the job run's kind too.
func (ExportArgs) Kind() string { return models.JobProductsExport }

// ContentExportArgs is a content export (nodes with their translations).
type ContentExportArgs ExportArgs

// Kind names the job in River; it is the job run's kind too.
func (ContentExportArgs) Kind() string { return models.JobNodesExport }

// exportBatch is how many products or nodes an export reads at a time; defaultExportChunk how
// many bytes of CSV it stores at a time (Options.ExportChunk). Memory stays bounded by both,
// whatever the catalog's size.
const (
	exportBatch        = 200
	defaultExportChunk = 256 << 10
)

// StartExport enqueues an export of the tenant's products that match filter, started by actor;
// summary says what it covers for the jobs page. A bad filter is refused now, not in the job.
func (r *Runner) StartExport(ctx context.Context, tenant *models.Tenant, actor *uuid.UUID, filter ExportFilter, summary string) (*models.JobRun, error) {
	if _, err := r.store.CountProducts(ctx, tenant, filter.products()); err != nil {
		return nil, err
	}
	return r.startExport(ctx, tenant, actor, models.JobProductsExport, summary, func(id uuid.UUID) river.JobArgs {
		return ExportArgs{RunID: id, TenantID: tenant.ID, Filter: filter}
	})
}

// StartContentExport enqueues an export of the tenant's nodes that match filter.
func (r *Runner) StartContentExport(ctx context.Context, tenant *models.Tenant, actor *uuid.UUID, filter ExportFilter, summary string) (*models.JobRun, error) {
	if _, err := r.store.CountNodes(ctx, tenant, filter.nodes()); err != nil {
		return nil, err
	}
	return r.startExport(ctx, tenant, actor, models.JobNodesExport, summary, func(id uuid.UUID) river.JobArgs {
		return ContentExportArgs{RunID: id, TenantID: tenant.ID, Filter: filter}
	})
}

// startExport enqueues a tenant's job run of kind with the River job args builds.
func (r *Runner) startExport(ctx context.Context, tenant *models.Tenant, actor *uuid.UUID, kind, summary string, args func(runID uuid.UUID) river.JobArgs) (*models.JobRun, error) {
	run := &models.JobRun{TenantID: &tenant.ID, Kind: kind, CreatedBy: actor, Summary: summary}
	return run, r.enqueue(ctx, run, args)
}

// exportSource is what an export reads: how many rows of what, the header, and the next batch
// after an id (its CSV rows, the last id, how many items and sub-items it held).
type exportSource struct {
	what, sub string // "products", "variants"
	total     func(ctx context.Context) (int64, error)
	header    []string
	next      func(ctx context.Context, after uuid.UUID) (rows [][]string, last uuid.UUID, items, subs int, err error)
}

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	r *Runner
}

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	tenant, err := w.r.store.TenantByID(ctx, job.Args.TenantID)
	if err != nil {
		return err
	}
	q, currencies := job.Args.Filter.products(), tenant.EnabledCurrencies()
	return w.r.export(ctx, job.Args.RunID, tenant, "products", job.CreatedAt.UTC().Format("20060102-150405"), exportSource{
		what: "products", sub: "variants", header: catalogcsv.Header(currencies),
		total: func(ctx context.Context) (int64, error) { return w.r.store.CountProducts(ctx, tenant, q) },
		next: func(ctx context.Context, after uuid.UUID) ([][]string, uuid.UUID, int, int, error) {
			batch, err := w.r.store.ProductsAfter(ctx, tenant, q, after, exportBatch)
			if err != nil || len(batch) == 0 {
				return nil, uuid.Nil, 0, 0, err
			}
			var rows [][]string
			subs := 0
			for _, p := range batch {
				rows = append(rows, catalogcsv.Rows(p, tenant.DefaultLocale, currencies)...)
				subs += len(p.Variants)
			}
			return rows, batch[len(batch)-1].ID, len(batch), subs, nil
		},
	})
}

type contentExportWorker struct {
	river.WorkerDefaults[ContentExportArgs]
	r *Runner
}

func (w *contentExportWorker) Work(ctx context.Context, job *river.Job[ContentExportArgs]) error {
	tenant, err := w.r.store.TenantByID(ctx, job.Args.TenantID)
	if err != nil {
		return err
	}
	q := job.Args.Filter.nodes()
	return w.r.export(ctx, job.Args.RunID, tenant, "content", job.CreatedAt.UTC().Format("20060102-150405"), exportSource{
		what: "nodes", sub: "translations", header: catalogcsv.ContentHeader(),
		total: func(ctx context.Context) (int64, error) { return w.r.store.CountNodes(ctx, tenant, q) },
		next: func(ctx context.Context, after uuid.UUID) ([][]string, uuid.UUID, int, int, error) {
			batch, err := w.r.store.NodesAfter(ctx, tenant, q, after, exportBatch)
			if err != nil || len(batch) == 0 {
				return nil, uuid.Nil, 0, 0, err
			}
			var rows [][]string
			subs := 0
			for i := range batch {
				rows = append(rows, catalogcsv.ContentRows(&batch[i])...)
				subs += len(batch[i].Translations)
			}
			return rows, batch[len(batch)-1].ID, len(batch), subs, nil
		},
	})
}

// export writes src's CSV in chunks to the run's file, batch by batch, recording progress and
// checking for a cancel between batches. A retry starts the file again.
func (r *Runner) export(ctx context.Context, runID uuid.UUID, tenant *models.Tenant, name, stamp string, src exportSource) error {
	store := r.store
	run := &models.JobRun{ID: runID, TenantID: &tenant.ID}
	total, err := src.total(ctx)
	if err != nil {
		return err
	}
	if err := store.JobProgress(ctx, run.ID, 0, total); err != nil {
		return err
	}
	file, err := store.StartJobFile(ctx, run, fmt.Sprintf("%s-%s-%s.csv", name, tenant.Slug, stamp), "text/csv; charset=utf-8")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	seq := 0
	flush := func(final bool) error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		for buf.Len() >= r.chunk || final && buf.Len() > 0 {
			if err := store.AppendJobFile(ctx, file, seq, bytes.Clone(buf.Next(min(buf.Len(), r.chunk)))); err != nil {
				return err
			}
			seq++
		}
		return nil
	}
	if err := cw.Write(src.header); err != nil {
		return err
	}
	var done, subs int64
	after := uuid.Nil
	for {
		if err := r.cancelled(ctx, run.ID); err != nil {
			return err
		}
		rows, last, items, n, err := src.next(ctx, after)
		if err != nil {
			return err
		}
		if items == 0 {
			break
		}
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
		done, subs, after = done+int64(items), subs+int64(n), last
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
	return store.FinishJobRun(ctx, run.ID, fmt.Sprintf("Exported %d %s with %d %s (%d bytes).", done, src.what, subs, src.sub, file.Size))
}
