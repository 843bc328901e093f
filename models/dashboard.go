package models

import (
	"context"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// DashboardCounts are the counts of a tenant's dashboard that change with every write.
type DashboardCounts struct {
	Nodes        map[string]int64 // by status: draft, published, archived (zero included)
	Roles        int64            // system roles included
	FailedEvents int64
}

// DashboardCounts counts the tenant's nodes by status, its roles and its failed events in one
// statement of scalar subqueries:
//
//	SELECT (SELECT count(*) FROM nodes WHERE tenant_id = ? AND status = 'draft') AS draft,
//	       (… 'published') AS published, (… 'archived') AS archived,
//	       (SELECT count(*) FROM roles WHERE tenant_id = ?) AS roles,
//	       (SELECT count(*) FROM sys_events WHERE tenant_id = ? AND status = 'failed') AS failed
//
// (The members are counted from the principal cache's list, today's events from the chart.)
func (s *Store) DashboardCounts(ctx context.Context, tenantID uuid.UUID) (DashboardCounts, error) {
	var row struct {
		Draft, Published, Archived, Roles, Failed int64
	}
	nodes := "(SELECT count(*) FROM nodes WHERE tenant_id = ? AND status = ?)"
	err := s.Conn(ctx).Raw("SELECT "+nodes+" AS draft, "+nodes+" AS published, "+nodes+" AS archived, "+
		"(SELECT count(*) FROM roles WHERE tenant_id = ?) AS roles, "+
		"(SELECT count(*) FROM sys_events WHERE tenant_id = ? AND status = ?) AS failed",
		tenantID, NodeDraft, tenantID, NodePublished, tenantID, NodeArchived, tenantID, tenantID, events.StatusFailed).
		Scan(&row).Error
	if err != nil {
		return DashboardCounts{}, translate(err, "dashboard counts")
	}
	return DashboardCounts{
		Nodes: map[string]int64{NodeDraft: row.Draft, NodePublished: row.Published, NodeArchived: row.Archived},
		Roles: row.Roles, FailedEvents: row.Failed,
	}, nil
}
