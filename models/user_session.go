package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
)

// UserSession is a browser session of a user as the account page lists it (migration 00021).
// The session itself lives in Redis or memory under its cookie's id; the session carries this
// row's ID, a separate handle, so the database never holds what would sign anyone in.
type UserSession struct {
	ID           uuid.UUID `gorm:"type:uuid;primaryKey"`
	UserID       uuid.UUID `gorm:"type:uuid;not null"`
	UserAgent    string    `gorm:"not null"`
	IP           string    `gorm:"not null"`
	SecondFactor string    `gorm:"not null"` // "totp", "recovery_code" or "" (none)
	SignedInAt   time.Time `gorm:"not null"`
	LastSeenAt   time.Time `gorm:"not null"`
	EndedAt      *time.Time
}

// SessionLimits are the two timeouts a session has: a session idle for longer than Idle, or
// signed in longer than MaxAge ago, is over although nothing ended it.
type SessionLimits struct {
	Idle   time.Duration
	MaxAge time.Duration
}

// ActiveSessions returns the user's sessions that are neither ended nor past a limit, the most
// recently seen first.
func (s *Store) ActiveSessions(ctx context.Context, userID uuid.UUID, lim SessionLimits) ([]UserSession, error) {
	now := time.Now().UTC()
	var out []UserSession
	err := s.Conn(ctx).Where("user_id = ? AND ended_at IS NULL AND last_seen_at > ? AND signed_in_at > ?",
		userID, now.Add(-lim.Idle), now.Add(-lim.MaxAge)).Order("last_seen_at DESC, id").Limit(200).Find(&out).Error
	return out, translate(err, "sessions")
}

// ActiveSessionIDs returns the handles of the user's sessions that nothing has ended (the
// principal cache holds them, so a request checks its own without a statement). Rows of
// sessions that timed out are ended at the user's next sign-in (RecordSignIn), so the list stays
// as short as the sessions the user really has.
func (s *Store) ActiveSessionIDs(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.Conn(ctx).Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID).Order("id").Pluck("id", &ids).Error
	return ids, translate(err, "session ids")
}

// SessionActive reports whether the user's session with the handle exists and nothing ended it.
func (s *Store) SessionActive(ctx context.Context, userID, id uuid.UUID) (bool, error) {
	var n int64
	err := s.Conn(ctx).Model(&UserSession{}).Where("id = ? AND user_id = ? AND ended_at IS NULL", id, userID).Count(&n).Error
	return n > 0, translate(err, "session")
}

// TouchSession records that the session was seen now and from where; false when it has ended.
func (s *Store) TouchSession(ctx context.Context, id uuid.UUID, ip string) (bool, error) {
	res := s.Conn(ctx).Model(&UserSession{}).Where("id = ? AND ended_at IS NULL", id).
		Updates(map[string]any{"last_seen_at": time.Now().UTC(), "ip": ip})
	return res.RowsAffected > 0, translate(res.Error, "touch session")
}

// endTimedOut ends the user's rows of sessions past a limit (nobody signed them out, they timed
// out) and deletes rows ended more than endedKept ago, so a user's rows stay few.
func (s *Store) endTimedOut(ctx context.Context, userID uuid.UUID, lim SessionLimits) error {
	now := time.Now().UTC()
	if lim.Idle > 0 && lim.MaxAge > 0 {
		if err := s.Conn(ctx).Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL AND (last_seen_at <= ? OR signed_in_at <= ?)",
			userID, now.Add(-lim.Idle), now.Add(-lim.MaxAge)).Update("ended_at", now).Error; err != nil {
			return translate(err, "end timed-out sessions")
		}
	}
	return translate(s.Conn(ctx).Where("user_id = ? AND ended_at < ?", userID, now.Add(-endedKept)).Delete(&UserSession{}).Error, "forget old sessions")
}

// endedKept is how long the row of an ended session is kept.
const endedKept = 30 * 24 * time.Hour

// ErrNoSuchSession is ending a session the user does not have (or no longer has).
var ErrNoSuchSession = errors.New("models: no such session")

// SessionEnd says which of a user's sessions to end: Only one, All, or All but Except.
type SessionEnd struct {
	Only   uuid.UUID // just this one (the account page's "Sign out" on a row, signing out)
	All    bool      // every one (an admin's "Sign out everywhere")
	Except uuid.UUID // with All: every one but this (the account page's "Sign out everywhere else")
	// Tenant is the tenant whose admin ends them from the user's page (uuid.Nil: the user
	// themselves); the same rules as a password reset apply (IssuePasswordReset).
	Tenant uuid.UUID
	// Limits end the rows of sessions that timed out first, so they are not counted as ended now.
	Limits SessionLimits
}

// EndSessions ends sessions of the user and records user.updated ("sessions" n active → m
// active), which every process hears: its principal cache drops the user, so a request of an
// ended session is signed out on whichever process it reaches (handlers.loadUser). It returns
// how many ended; ErrNoSuchSession when Only names none of the user's active sessions.
func (s *Store) EndSessions(ctx context.Context, userID uuid.UUID, end SessionEnd) (int, error) {
	if (end.Only == uuid.Nil) == !end.All || (end.Except != uuid.Nil && !end.All) {
		return 0, fmt.Errorf("models: EndSessions needs either Only or All: %w", ErrNoSuchSession)
	}
	var n int
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if end.Tenant != uuid.Nil {
			if err := s.checkUserIsTenants(ctx, end.Tenant, userID, "end this user's sessions"); err != nil {
				return err
			}
		}
		if err := s.endTimedOut(ctx, userID, end.Limits); err != nil {
			return err
		}
		var before int64
		if err := s.Conn(ctx).Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID).Count(&before).Error; err != nil {
			return translate(err, "count sessions")
		}
		q := s.Conn(ctx).Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID)
		if !end.All {
			q = q.Where("id = ?", end.Only)
		}
		if end.Except != uuid.Nil {
			q = q.Where("id <> ?", end.Except)
		}
		res := q.Update("ended_at", time.Now().UTC())
		if res.Error != nil {
			return translate(res.Error, "end sessions")
		}
		n = int(res.RowsAffected)
		if n == 0 {
			if !end.All {
				return ErrNoSuchSession
			}
			return nil
		}
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: userID},
			Changes: events.Changes{}.Diff("sessions", strconv.Itoa(int(before))+" active", strconv.Itoa(int(before)-n)+" active")})
	})
	return n, err
}
