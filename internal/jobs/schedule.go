package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
)

// ScheduledMoveArgs is a scheduled publish or unpublish of a node or product: River runs it at
// the schedule's time, and it moves the target as the user who scheduled it, with the move's
// normal event.
type ScheduledMoveArgs struct {
	ScheduleID uuid.UUID  `json:"schedule_id"`
	TenantID   uuid.UUID  `json:"tenant_id"`
	ActorID    *uuid.UUID `json:"actor_id,omitempty"`
}

// Kind names the job in River.
func (ScheduledMoveArgs) Kind() string { return "schedule.move" }

// SetSchedule sets the target's publish or unpublish time (at), or cancels it (at nil). An
// earlier schedule of the same action is replaced: its job is cancelled in the same transaction
// as the new one is enqueued. A time not in the future is a *models.ValidationError on
// "<action>_at".
func (r *Runner) SetSchedule(ctx context.Context, tenant *models.Tenant, actor *uuid.UUID, targetType string, targetID uuid.UUID, action string, at *time.Time) error {
	return r.SetSchedules(ctx, tenant, actor, targetType, targetID, map[string]*time.Time{action: at})
}

// SetSchedules sets or cancels several of the target's schedules (action → time, nil to
// cancel) in one transaction: all of them change, or none.
func (r *Runner) SetSchedules(ctx context.Context, tenant *models.Tenant, actor *uuid.UUID, targetType string, targetID uuid.UUID, times map[string]*time.Time) error {
	for action, at := range times {
		if at != nil && !at.After(time.Now()) {
			return &models.ValidationError{Fields: map[string]string{action + "_at": "Choose a time in the future."}}
		}
	}
	return r.store.WithSQLTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		old, err := r.store.SchedulesOf(ctx, tenant.ID, targetType, targetID)
		if err != nil {
			return err
		}
		for _, action := range []string{models.SchedulePublish, models.ScheduleUnpublish} {
			at, given := times[action]
			if !given {
				continue
			}
			if o, ok := old[action]; ok {
				if _, err := r.client.JobCancelTx(ctx, tx, o.RiverJobID); err != nil && !errors.Is(err, river.ErrNotFound) {
					return fmt.Errorf("jobs: cancel the old schedule: %w", err)
				}
				if _, err := r.store.DeleteSchedule(ctx, o.ID); err != nil {
					return err
				}
			}
			if at == nil {
				continue
			}
			sc := &models.Schedule{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, TargetType: targetType, TargetID: targetID,
				Action: action, RunAt: at.UTC(), CreatedBy: actor}
			res, err := r.client.InsertTx(ctx, tx, ScheduledMoveArgs{ScheduleID: sc.ID, TenantID: tenant.ID, ActorID: actor},
				&river.InsertOpts{ScheduledAt: *at})
			if err != nil {
				return fmt.Errorf("jobs: schedule: %w", err)
			}
			sc.RiverJobID = res.Job.ID
			if err := r.store.PutSchedule(ctx, sc); err != nil {
				return err
			}
		}
		return nil
	})
}

type scheduleWorker struct {
	river.WorkerDefaults[ScheduledMoveArgs]
	r *Runner
}

// Work makes the scheduled move. Taking the schedule row away is part of the move's
// transaction, so the move happens once however many processes run the job; a schedule changed
// or cancelled since is gone, and the job does nothing. A move the workflow refuses (the target
// was moved by hand meanwhile) ends the schedule with a log line instead of retrying.
func (w *scheduleWorker) Work(ctx context.Context, job *river.Job[ScheduledMoveArgs]) error {
	store, a := w.r.store, job.Args
	sc, err := store.ScheduleByID(ctx, a.ScheduleID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	tenant, err := store.TenantByID(ctx, sc.TenantID) // the schedule's own tenant
	if err != nil {
		return err
	}
	to := models.ScheduleTarget(sc.TargetType, sc.Action)
	// The move is made as the user who scheduled it, so they must still be allowed to make it.
	if why, err := w.r.mayStillMove(ctx, sc); err != nil {
		return err
	} else if why != "" {
		w.r.log.Warn("scheduled move dropped", "target", sc.TargetType, "id", sc.TargetID.String(), "to", to, "why", why)
		_, err := store.DeleteSchedule(ctx, sc.ID)
		return err
	}
	if sc.CreatedBy != nil {
		ctx = events.WithActor(ctx, *sc.CreatedBy)
	}
	err = store.WithTx(ctx, func(ctx context.Context) error {
		if still, err := store.DeleteSchedule(ctx, sc.ID); err != nil || !still {
			return err
		}
		if sc.TargetType == models.ScheduleNode {
			_, err = store.TransitionNode(ctx, tenant, sc.TargetID, to)
		} else {
			_, err = store.TransitionProduct(ctx, tenant, sc.TargetID, to)
		}
		return err
	})
	var ve *models.ValidationError
	if errors.As(err, &ve) || errors.Is(err, models.ErrNotFound) {
		w.r.log.Warn("scheduled move refused", "target", sc.TargetType, "id", sc.TargetID.String(), "to", to, "err", err.Error())
		_, derr := store.DeleteSchedule(ctx, sc.ID)
		return derr
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		// The last attempt: the schedule would otherwise stay, showing a time long past.
		w.r.log.Error("scheduled move failed", "target", sc.TargetType, "id", sc.TargetID.String(), "to", to, "err", err.Error())
		_, _ = store.DeleteSchedule(context.WithoutCancel(ctx), sc.ID)
	}
	return err
}

// mayStillMove says why the schedule's user may no longer make its move ("" when they may):
// gone, deactivated, or without the publish permission now.
func (r *Runner) mayStillMove(ctx context.Context, sc *models.Schedule) (string, error) {
	resource := "nodes"
	if sc.TargetType == models.ScheduleProduct {
		resource = "products"
	}
	why, err := r.mayStill(ctx, sc.CreatedBy, sc.TenantID, resource, "publish")
	if why != "" {
		why = "the user who scheduled it " + why
	}
	return why, err
}

// mayStill says why the user who started a job may no longer do resource:action in the tenant
// ("" when they may): removed, deactivated, or without the permission now. A job runs as its
// user, so it checks when it runs, not only when it was started.
func (r *Runner) mayStill(ctx context.Context, user *uuid.UUID, tenantID uuid.UUID, resource, action string) (string, error) {
	if user == nil {
		return "was removed", nil
	}
	u, err := r.store.UserByID(ctx, *user)
	if errors.Is(err, models.ErrNotFound) {
		return "was removed", nil
	} else if err != nil {
		return "", err
	}
	if u.Status != models.UserActive {
		return "is deactivated", nil
	}
	if r.allowed == nil {
		return "", nil
	}
	ok, err := r.allowed(ctx, u.ID, tenantID, resource, action)
	if err != nil {
		return "", err
	}
	if !ok {
		return "may no longer " + action + " " + resource, nil
	}
	return "", nil
}
