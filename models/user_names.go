package models

import (
	"context"

	"github.com/google/uuid"
)

// UsersByIDs returns the users with the ids, keyed by id; unknown ids are left out. History
// panels use it to name who acted.
func (s *Store) UsersByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]User, error) {
	out := make(map[uuid.UUID]User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []User
	if err := s.Conn(ctx).Select("id", "email", "name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, translate(err, "users by id")
	}
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}
