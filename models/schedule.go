package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// What a schedule moves and how.
const (
	ScheduleNode      = "node"
	ScheduleProduct   = "product"
	SchedulePublish   = "publish"
	ScheduleUnpublish = "unpublish"
)

// Schedule is a "publish at" or "unpublish at" of a node or product: the River job
// (RiverJobID, scheduled for RunAt) that makes the move as CreatedBy.
type Schedule struct {
	ID         uuid.UUID  `gorm:"type:uuid;primaryKey"`
	TenantID   uuid.UUID  `gorm:"type:uuid;not null"`
	TargetType string     `gorm:"not null"`
	TargetID   uuid.UUID  `gorm:"type:uuid;not null"`
	Action     string     `gorm:"not null"`
	RunAt      time.Time  `gorm:"not null"`
	RiverJobID int64      `gorm:"not null"`
	CreatedBy  *uuid.UUID `gorm:"type:uuid"`
	CreatedAt  time.Time
}

// TableName is the table of schedules.
func (Schedule) TableName() string { return "schedules" }

// ScheduleTarget returns the status a schedule's move ends in: published or draft for a node,
// active or draft for a product.
func ScheduleTarget(targetType, action string) string {
	switch {
	case targetType == ScheduleNode && action == SchedulePublish:
		return NodePublished
	case targetType == ScheduleNode:
		return NodeDraft
	case action == SchedulePublish:
		return ProductActive
	}
	return ProductDraft
}

// SchedulesOf returns the target's schedules (at most a publish and an unpublish), by action.
func (s *Store) SchedulesOf(ctx context.Context, tenantID uuid.UUID, targetType string, targetID uuid.UUID) (map[string]Schedule, error) {
	var list []Schedule
	if err := s.Conn(ctx).Where("tenant_id = ? AND target_type = ? AND target_id = ?", tenantID, targetType, targetID).
		Find(&list).Error; err != nil {
		return nil, translate(err, "schedules")
	}
	out := make(map[string]Schedule, len(list))
	for _, sc := range list {
		out[sc.Action] = sc
	}
	return out, nil
}

// ScheduleByID returns a schedule, or ErrNotFound when it was changed or cancelled since.
func (s *Store) ScheduleByID(ctx context.Context, id uuid.UUID) (*Schedule, error) {
	var sc Schedule
	err := s.Conn(ctx).Where("id = ?", id).Take(&sc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("schedule %s: %w", id, ErrNotFound)
	}
	return &sc, translate(err, "schedule")
}

// PutSchedule writes a schedule (replacing none: delete the old one first); call it in the
// transaction that enqueues its job.
func (s *Store) PutSchedule(ctx context.Context, sc *Schedule) error {
	if sc.ID == uuid.Nil {
		sc.ID = uuid.Must(uuid.NewV7())
	}
	return translate(s.Conn(ctx).Create(sc).Error, "schedule")
}

// DeleteSchedule removes a schedule; it reports whether it was still there.
func (s *Store) DeleteSchedule(ctx context.Context, id uuid.UUID) (bool, error) {
	res := s.Conn(ctx).Where("id = ?", id).Delete(&Schedule{})
	return res.RowsAffected > 0, translate(res.Error, "schedule")
}
