package models

import (
	"context"

	"github.com/google/uuid"
)

// NodeCountsByStatus returns how many of the tenant's nodes are in each status (draft,
// published, archived), in one grouped query; a status without nodes is absent.
func (s *Store) NodeCountsByStatus(ctx context.Context, tenantID uuid.UUID) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.Conn(ctx).Model(&Node{}).Select("status, COUNT(*) AS n").Where("tenant_id = ?", tenantID).
		Group("status").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "count nodes by status")
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// CountTenantMembers returns how many users hold a role in the tenant (as TenantUsers lists them).
func (s *Store) CountTenantMembers(ctx context.Context, tenantID uuid.UUID) (int64, error) {
	var n int64
	if err := s.Conn(ctx).Model(&User{}).Where("CAST(id AS TEXT) IN (?)", s.members(ctx, tenantID)).Count(&n).Error; err != nil {
		return 0, translate(err, "count members")
	}
	return n, nil
}

// CountRoles returns how many roles the tenant has, system roles included.
func (s *Store) CountRoles(ctx context.Context, tenantID uuid.UUID) (int64, error) {
	var n int64
	if err := s.Conn(ctx).Model(&Role{}).Where("tenant_id = ?", tenantID).Count(&n).Error; err != nil {
		return 0, translate(err, "count roles")
	}
	return n, nil
}
