package models

import "context"

// SaveTenantAsRead writes the tenant's name as the caller read it, through the conditional
// UPDATE every versioned write uses: the test of a write that lost the race to another one,
// without having to interleave two transactions.
func (s *Store) SaveTenantAsRead(ctx context.Context, t *Tenant) error {
	return s.WithTx(ctx, func(ctx context.Context) error { return s.saveVersioned(ctx, t, "test save", "name") })
}
