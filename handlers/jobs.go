package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/models"
	jobviews "github.com/rustok/rustok-admin/views/jobs"
	nodeviews "github.com/rustok/rustok-admin/views/nodes"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// jobListLimit is how many of a tenant's newest jobs the jobs page shows.
const jobListLimit = 100

// jobPerms is the permission acting on a job of each kind needs (cancel, retry, download),
// beyond seeing the jobs page (events:list).
var jobPerms = map[string]authz.Perm{
	models.JobProductsExport: p("products", "export"),
	models.JobNodesExport:    p("nodes", "export"),
	models.JobProductsImport: p("products", "import"),
}

// mayActOnJob reports whether the viewer may act on a job of this kind in tenant t.
func (a *App) mayActOnJob(c *fiber.Ctx, t *models.Tenant, kind string) bool {
	perm, ok := jobPerms[kind]
	return ok && a.may(c, t, perm)
}

// jobsList shows the tenant's jobs; htmx polls it while a job may still change.
func (a *App) jobsList(c *fiber.Ctx) error {
	t := currentTenant(c)
	runs, err := a.store.ListJobRuns(ctx(c), t.ID, jobListLimit)
	if err != nil {
		return err
	}
	mayKind := map[string]bool{}
	for kind := range jobPerms {
		mayKind[kind] = a.mayActOnJob(c, t, kind)
	}
	return a.renderJobs(c, jobviews.List{Tenant: t, Jobs: runs, May: func(kind string) bool { return mayKind[kind] }}, "Jobs", "jobs")
}

// platformJobsList shows the newest jobs of every tenant to the platform's staff, with the
// actions of their tenants for a super admin (who may take them all).
func (a *App) platformJobsList(c *fiber.Ctx) error {
	runs, err := a.store.ListAllJobRuns(ctx(c), jobListLimit)
	if err != nil {
		return err
	}
	super := a.isSuper(c)
	return a.renderJobs(c, jobviews.List{Jobs: runs, May: func(string) bool { return super }}, "All jobs", "platform-jobs")
}

// renderJobs renders a jobs page, with the last error of each failed job.
func (a *App) renderJobs(c *fiber.Ctx, l jobviews.List, title, section string) error {
	l.CSRF, l.Errors = a.csrfToken(c), map[uuid.UUID]string{}
	for _, j := range l.Jobs {
		if j.State == models.JobDiscarded || j.State == models.JobRetryable {
			l.Errors[j.ID] = a.jobs.LastError(ctx(c), j.RiverJobID)
		}
	}
	pg := a.pageFor(c, title)
	pg.Section = section
	return render(c, fiber.StatusOK, jobviews.ListPage(pg, l))
}

// jobByParam is the tenant's job run named by :id, if the viewer may act on its kind; another
// tenant's id is a 404 and a kind the viewer may not act on a 403.
func (a *App) jobByParam(c *fiber.Ctx) (*models.JobView, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	t := currentTenant(c)
	run, err := a.store.JobRunByID(ctx(c), t.ID, id)
	if err != nil {
		return nil, err
	}
	if !a.mayActOnJob(c, t, run.Kind) {
		return nil, fiber.ErrForbidden
	}
	return run, nil
}

// jobCancelPost cancels a job that may still run.
func (a *App) jobCancelPost(c *fiber.Ctx) error {
	run, err := a.jobByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	if !run.Active() {
		return a.flashRedirect(c, "info", "That job had already ended: nothing to cancel.", jobviews.URL(t.Slug))
	}
	if err := a.jobs.Cancel(ctx(c), t.ID, run.ID); err != nil {
		return err
	}
	return a.flashRedirect(c, "success", jobviews.KindLabel(run.Kind)+" cancelled.", jobviews.URL(t.Slug))
}

// jobRetryPost runs a failed or cancelled job again.
func (a *App) jobRetryPost(c *fiber.Ctx) error {
	run, err := a.jobByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	if !jobviews.Retryable(*run) {
		return a.flashRedirect(c, "info", "Only a failed or cancelled job can be retried.", jobviews.URL(t.Slug))
	}
	if err := a.jobs.Retry(ctx(c), t.ID, run.ID); err != nil {
		return err
	}
	return a.flashRedirect(c, "success", jobviews.KindLabel(run.Kind)+" queued again.", jobviews.URL(t.Slug))
}

// jobFile streams a finished job's file, one stored chunk at a time.
func (a *App) jobFile(c *fiber.Ctx) error {
	run, err := a.jobByParam(c)
	if err != nil {
		return err
	}
	f := run.File
	if f == nil || !f.Downloadable(a.now()) {
		return fiber.ErrNotFound // none, not written yet, or expired
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, strings.ReplaceAll(f.Name, `"`, "")))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	// The file goes out as stored, read a chunk at a time while it is sent (Fiber streams the
	// body after the handler returns), so a large export never sits whole in memory.
	return c.SendStream(&chunkReader{store: a.store, file: f}, int(f.Size))
}

// chunkReader reads a job file's chunks in order, fetching the next one when the last is used.
type chunkReader struct {
	store *models.Store
	file  *models.JobFile
	seq   int
	buf   []byte
	done  bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // the request's context ends with the handler
		data, ok, err := r.store.JobFileChunk(ctx, r.file, r.seq)
		cancel()
		if err != nil {
			return 0, err
		}
		if !ok {
			r.done = true
			continue
		}
		r.buf, r.seq = data, r.seq+1
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// productsExportPost starts an export of the products list as filtered (the list's own
// filters, sent with the form) and goes to the jobs page.
func (a *App) productsExportPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	f := jobs.ExportFilter{Search: strings.TrimSpace(c.FormValue("q")), Status: c.FormValue("status"),
		Vendor: c.FormValue("vendor"), ProductType: c.FormValue("type"), Stock: c.FormValue("stock")}
	summary := filterSummary("products", [][2]string{{"matching", quoteIf(f.Search)}, {"status", f.Status},
		{"vendor", f.Vendor}, {"type", f.ProductType}, {"stock", f.Stock}})
	return a.startExport(c, productviews.ListURL(t.Slug), func(actor *uuid.UUID) error {
		_, err := a.jobs.StartExport(ctx(c), t, actor, f, summary)
		return err
	})
}

// nodesExportPost starts an export of the content list as filtered (kind, status, locale,
// author, search) and goes to the jobs page.
func (a *App) nodesExportPost(c *fiber.Ctx) error {
	t := currentTenant(c)
	f := jobs.ExportFilter{Search: strings.TrimSpace(c.FormValue("q")), Kind: c.FormValue("kind"), Status: c.FormValue("status"),
		Locale: c.FormValue("locale")}
	author := ""
	if v := strings.TrimSpace(c.FormValue("author")); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return a.flashRedirect(c, "error", "The author filter is broken, so nothing was exported. Choose the author from the list.", nodeviews.ListURL(t.Slug))
		}
		f.AuthorID, author = id, "author"
	}
	summary := filterSummary("content", [][2]string{{"matching", quoteIf(f.Search)}, {"kind", f.Kind}, {"status", f.Status},
		{"locale", f.Locale}, {"one", author}}) // "one author"
	return a.startExport(c, nodeviews.ListURL(t.Slug), func(actor *uuid.UUID) error {
		_, err := a.jobs.StartContentExport(ctx(c), t, actor, f, summary)
		return err
	})
}

// startExport starts an export as the current user and goes to the jobs page; filters the list
// would refuse go back to the list with its message, and nothing is started.
func (a *App) startExport(c *fiber.Ctx, listURL string, start func(actor *uuid.UUID) error) error {
	u := currentUser(c)
	err := start(&u.ID)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return a.flashRedirect(c, "error", "The list's filters are not valid, so nothing was exported: "+firstMessage(ve), listURL)
	} else if err != nil {
		return err
	}
	return a.flashRedirect(c, "success", "Export started: it shows below with its progress, and its file is ready to download when it is done.",
		jobviews.URL(currentTenant(c).Slug))
}

// filterSummary says what an export of what ("products", "content") covers: "All products",
// or "Products: status active, vendor Acme" from the (label, value) pairs that have a value.
func filterSummary(what string, pairs [][2]string) string {
	var parts []string
	for _, kv := range pairs {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	if len(parts) == 0 {
		return "All " + what
	}
	return strings.ToUpper(what[:1]) + what[1:] + ": " + strings.Join(parts, ", ")
}

func quoteIf(s string) string {
	if s == "" {
		return ""
	}
	return "“" + s + "”"
}

// firstMessage is one of a validation error's messages.
func firstMessage(ve *models.ValidationError) string {
	for _, m := range ve.Fields {
		return m
	}
	return ""
}
