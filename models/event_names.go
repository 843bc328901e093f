package models

import (
	"context"

	"github.com/google/uuid"
)

// TenantMembers returns every user holding a role in the tenant, ordered by name then email,
// with only id, email and name loaded: the choices of the event log's person filter.
func (s *Store) TenantMembers(ctx context.Context, tenantID uuid.UUID) ([]User, error) {
	var users []User
	err := s.Conn(ctx).Select("id", "email", "name").
		Where("CAST(id AS TEXT) IN (?)", s.members(ctx, tenantID)).Order("name, email").Find(&users).Error
	if err != nil {
		return nil, translate(err, "members of tenant")
	}
	return users, nil
}
