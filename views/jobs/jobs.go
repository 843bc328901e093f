// Package jobs renders the background jobs page.
package jobs

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	jobrunner "github.com/rustok/rustok-admin/internal/jobs"
	"github.com/rustok/rustok-admin/internal/paths"
	"github.com/rustok/rustok-admin/models"
)

// List is a tenant's jobs page: its newest jobs, what the viewer may do with them, and the
// last error of each failed one.
type List struct {
	Tenant *models.Tenant // nil on the platform's page, which lists every tenant's jobs
	Jobs   []models.JobView
	CSRF   string
	// May reports whether the viewer may act on (cancel, retry, download) a job of this kind.
	May    func(kind string) bool
	Errors map[uuid.UUID]string // run → its last error
}

// Polling reports whether a job may still change, so the page refreshes itself.
func (l List) Polling() bool {
	for _, j := range l.Jobs {
		if j.Active() {
			return true
		}
	}
	return false
}

// PageURL is the page the list is on: the tenant's, or the platform's.
func (l List) PageURL() string {
	if l.Tenant == nil {
		return paths.URL(paths.PlatformJobs)
	}
	return URL(l.Tenant.Slug)
}

// SlugOf is the tenant a job's actions go to.
func (l List) SlugOf(j models.JobView) string {
	if l.Tenant != nil {
		return l.Tenant.Slug
	}
	return j.TenantSlug
}

// URL is the tenant's jobs page.
func URL(slug string) string { return paths.URL(paths.Jobs, slug) }

// CancelURL, RetryURL and FileURL are a job's actions.
func CancelURL(slug string, id uuid.UUID) string {
	return paths.URL(paths.JobCancel, slug, id.String())
}
func RetryURL(slug string, id uuid.UUID) string { return paths.URL(paths.JobRetry, slug, id.String()) }
func FileURL(slug string, id uuid.UUID) string  { return paths.URL(paths.JobFile, slug, id.String()) }

// KindLabel is how a job kind reads.
func KindLabel(kind string) string {
	switch kind {
	case models.JobProductsExport:
		return "Products export"
	case models.JobNodesExport:
		return "Content export"
	case models.JobProductsImport:
		return "Products import"
	}
	return kind
}

// DownloadLabel names a job's file on its button: an import's is its failed rows.
func DownloadLabel(kind string) string {
	if kind == models.JobProductsImport {
		return "Failed rows"
	}
	return "Download"
}

// SoFar is a running import's counts so far ("" for other jobs, or once it has a result).
func SoFar(j models.JobView) string {
	if j.Kind != models.JobProductsImport || j.Result != "" || j.Stats == "" {
		return ""
	}
	var s jobrunner.ImportStats
	if err := json.Unmarshal([]byte(j.Stats), &s); err != nil || s.Products == 0 {
		return ""
	}
	return fmt.Sprintf("So far: %d created, %d updated, %d unchanged, %d rejected.", s.Created, s.Updated, s.Unchanged, s.Rejected)
}

// StateLabel and StateTone say a job's state in words and colour.
func StateLabel(state string) string {
	switch state {
	case models.JobAvailable, models.JobPending, models.JobScheduled:
		return "queued"
	case models.JobRunning:
		return "running"
	case models.JobRetryable:
		return "will retry"
	case models.JobCompleted:
		return "done"
	case models.JobCancelled:
		return "cancelled"
	case models.JobDiscarded:
		return "failed"
	case "":
		return "record expired" // River removed its row (after JobRetention)
	}
	return state
}

func StateTone(state string) string {
	switch state {
	case models.JobCompleted:
		return "green"
	case models.JobDiscarded:
		return "red"
	case models.JobRetryable, models.JobRunning:
		return "amber"
	}
	return "grey"
}

// Retryable reports whether a job may be run again from the page.
func Retryable(j models.JobView) bool {
	return j.State == models.JobDiscarded || j.State == models.JobCancelled
}
