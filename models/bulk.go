package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// MaxBulk is how many rows one bulk action may touch, whatever the list.
const MaxBulk = 100

// BulkSkip is a row a bulk action left alone, and why.
type BulkSkip struct {
	ID     uuid.UUID
	Title  string // how the list names the row; "" if unknown or not found
	Reason string
}

// BulkResult says which rows a bulk action changed and which it skipped, in the order given.
type BulkResult struct {
	Done    []uuid.UUID
	Skipped []BulkSkip
}

// notInTenant is the reason a bulk action gives for an id that is not one of the tenant's rows.
const notInTenant = "Not found in this tenant."

// bulkIDs drops repeated ids, keeping the first of each, and refuses an empty list or one of
// more than MaxBulk; noun names the rows in the message ("nodes").
func bulkIDs(ids []uuid.UUID, noun string) ([]uuid.UUID, error) {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	fe := fieldErrors{}
	switch {
	case len(out) == 0:
		fe.add("ids", "Select at least one "+singular(noun)+".")
	case len(out) > MaxBulk:
		fe.add("ids", fmt.Sprintf("Select at most %d %s at a time.", MaxBulk, noun))
	}
	return out, fe.err()
}

func singular(noun string) string {
	if n := len(noun); n > 1 && noun[n-1] == 's' {
		return noun[:n-1]
	}
	return noun
}

// BulkAction is one bulk action over a tenant's rows of type T: how to lock the selection, how
// to name a row, and what to do to each. Every list with bulk actions declares one per action
// and runs it with RunBulk.
type BulkAction[T any] struct {
	Noun  string                                                                                  // plural, for messages: "nodes"
	Lock  func(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]T, error) // loads and locks the tenant's rows among ids
	Title func(T) string                                                                          // how the result names a skipped row
	Apply func(ctx context.Context, row T) error                                                  // a *ValidationError skips the row
}

// RunBulk runs the action on each of the tenant's rows among ids in ONE transaction, after
// locking them all. Repeated ids count once; none, or more than MaxBulk, is a *ValidationError
// on "ids". An id that is not the tenant's row is skipped ("Not found in this tenant."); so is
// a row Apply refuses with a *ValidationError, its "status" message (or its first) being the
// reason. Any other error rolls everything back.
func RunBulk[T any](ctx context.Context, s *Store, tenantID uuid.UUID, ids []uuid.UUID, a BulkAction[T]) (BulkResult, error) {
	ids, err := bulkIDs(ids, a.Noun)
	if err != nil {
		return BulkResult{}, err
	}
	ctx = events.WithTenant(ctx, tenantID)
	var res BulkResult
	err = s.WithTx(ctx, func(ctx context.Context) error {
		res = BulkResult{}
		rows, err := a.Lock(ctx, tenantID, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			row, ok := rows[id]
			if !ok {
				res.Skipped = append(res.Skipped, BulkSkip{ID: id, Reason: notInTenant})
				continue
			}
			err := a.Apply(ctx, row)
			var ve *ValidationError
			switch {
			case err == nil:
				res.Done = append(res.Done, id)
			case errors.As(err, &ve):
				res.Skipped = append(res.Skipped, BulkSkip{ID: id, Title: a.Title(row), Reason: bulkReason(ve)})
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return BulkResult{}, err
	}
	return res, nil
}

// bulkReason is the message of a refused row: the one on "status", else any.
func bulkReason(ve *ValidationError) string {
	if m := ve.Fields["status"]; m != "" {
		return m
	}
	for _, m := range ve.Fields {
		return m
	}
	return "Refused."
}
