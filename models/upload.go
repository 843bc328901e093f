package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Upload is a file a user sent for an import, stored in chunks (upload_chunks) as it arrives,
// so no process holds it whole in memory, any process can check it, and the import job reads it
// again after a restart. It is usable once Complete, until ExpiresAt.
type Upload struct {
	ID        uuid.UUID  `gorm:"type:uuid;primaryKey"`
	TenantID  uuid.UUID  `gorm:"type:uuid;not null"`
	CreatedBy *uuid.UUID `gorm:"type:uuid"`
	Name      string     `gorm:"not null"`
	Size      int64      `gorm:"not null"`
	Complete  bool       `gorm:"not null"`
	ExpiresAt time.Time  `gorm:"not null"`
	CreatedAt time.Time
	// The check of the upload, run as a job: its state, token (the check that counts), the
	// mapping it reads the file with, the products checked so far and its result (the caller's
	// JSON).
	CheckState   string `gorm:"not null"`
	CheckToken   string `gorm:"not null"`
	CheckMapping string `gorm:"not null"`
	CheckDone    int64  `gorm:"not null"`
	CheckResult  string `gorm:"not null"`
}

// Check states of an upload.
const (
	UploadChecking = "checking"
	UploadChecked  = "done"
)

// TableName is the table of uploads.
func (Upload) TableName() string { return "uploads" }

type uploadChunk struct {
	UploadID uuid.UUID `gorm:"type:uuid;primaryKey"`
	Seq      int       `gorm:"primaryKey"`
	Data     []byte    `gorm:"not null"`
}

func (uploadChunk) TableName() string { return "upload_chunks" }

// ErrUploadRead marks a SaveUpload that failed reading what was sent (not writing it).
var ErrUploadRead = errors.New("upload: reading the file failed")

// UploadLifetime is how long an upload can be checked and imported.
const UploadLifetime = 24 * time.Hour

// uploadChunkSize is how many bytes of an upload one chunk row holds.
const uploadChunkSize = 256 << 10

// SaveUpload stores what r yields as the tenant's upload named name, a chunk at a time, and
// marks it complete. A read error (the request cut off, the size limit passed) is returned and
// the partial upload removed.
func (s *Store) SaveUpload(ctx context.Context, tenantID uuid.UUID, by *uuid.UUID, name string, r io.Reader) (*Upload, error) {
	now := s.db.NowFunc()
	u := &Upload{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, CreatedBy: by, Name: name, ExpiresAt: now.Add(UploadLifetime), CreatedAt: now}
	if err := s.Conn(ctx).Create(u).Error; err != nil {
		return nil, translate(err, "upload")
	}
	buf := make([]byte, uploadChunkSize)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if werr := s.Conn(ctx).Create(&uploadChunk{UploadID: u.ID, Seq: seq, Data: buf[:n]}).Error; werr != nil {
				s.dropUpload(u.ID)
				return nil, translate(werr, "upload chunk")
			}
			u.Size += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			s.dropUpload(u.ID)
			return nil, fmt.Errorf("%w: %w", ErrUploadRead, err)
		}
	}
	u.Complete = true
	if err := s.Conn(ctx).Model(u).Updates(map[string]any{"size": u.Size, "complete": true}).Error; err != nil {
		return nil, translate(err, "upload")
	}
	return u, nil
}

// dropUpload removes a partial upload; it runs on a context of its own, as the request's may
// be the reason it failed.
func (s *Store) dropUpload(id uuid.UUID) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.db.WithContext(ctx).Where("upload_id = ?", id).Delete(&uploadChunk{})
	s.db.WithContext(ctx).Where("id = ?", id).Delete(&Upload{})
}

// UploadByID returns the tenant's complete upload; another tenant's, an expired or a partial one
// is ErrNotFound.
func (s *Store) UploadByID(ctx context.Context, tenantID, id uuid.UUID) (*Upload, error) {
	var u Upload
	err := s.Conn(ctx).Where("tenant_id = ? AND id = ? AND complete AND expires_at > ?", tenantID, id, s.db.NowFunc()).Take(&u).Error
	if err != nil {
		return nil, translate(err, "upload "+id.String())
	}
	return &u, nil
}

// OpenUpload reads the upload back, one chunk at a time.
func (s *Store) OpenUpload(ctx context.Context, u *Upload) io.Reader {
	return &uploadReader{ctx: ctx, s: s, id: u.ID, size: u.Size}
}

type uploadReader struct {
	ctx        context.Context
	s          *Store
	id         uuid.UUID
	seq        int
	rest       []byte
	done       bool
	read, size int64
}

func (r *uploadReader) Read(p []byte) (int, error) {
	for len(r.rest) == 0 {
		if r.done {
			return 0, io.EOF
		}
		var c uploadChunk
		err := r.s.Conn(r.ctx).Where("upload_id = ? AND seq = ?", r.id, r.seq).Take(&c).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			if r.read != r.size {
				// Removed while read (expired): never a silently shorter file.
				return 0, fmt.Errorf("upload %s: %d of %d bytes left: %w", r.id, r.read, r.size, ErrNotFound)
			}
			r.done = true
			continue
		}
		if err != nil {
			return 0, translate(err, "upload chunk")
		}
		r.seq++
		r.rest = c.Data
		r.read += int64(len(c.Data))
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// StartUploadCheck marks the upload as being checked with mapping (JSON) under a new token,
// which it returns; a check still running under an older token no longer counts.
func (s *Store) StartUploadCheck(ctx context.Context, u *Upload, mapping string) (string, error) {
	token := uuid.NewString()
	err := s.Conn(ctx).Model(&Upload{}).Where("tenant_id = ? AND id = ?", u.TenantID, u.ID).Updates(map[string]any{
		"check_state": UploadChecking, "check_token": token, "check_mapping": mapping, "check_done": 0, "check_result": ""}).Error
	if err != nil {
		return "", translate(err, "upload check")
	}
	u.CheckState, u.CheckToken, u.CheckMapping, u.CheckDone, u.CheckResult = UploadChecking, token, mapping, 0, ""
	return token, nil
}

// UploadCheckProgress records how many products the check under token has done, and reports
// whether that check still counts (no newer one replaced it).
func (s *Store) UploadCheckProgress(ctx context.Context, id uuid.UUID, token string, done int64) (bool, error) {
	res := s.Conn(ctx).Model(&Upload{}).Where("id = ? AND check_token = ?", id, token).Update("check_done", done)
	if res.Error != nil {
		return false, translate(res.Error, "upload check")
	}
	return res.RowsAffected == 1, nil
}

// FinishUploadCheck stores the result of the check under token, unless a newer check replaced
// it; it reports whether it was stored.
func (s *Store) FinishUploadCheck(ctx context.Context, id uuid.UUID, token, result string, done int64) (bool, error) {
	res := s.Conn(ctx).Model(&Upload{}).Where("id = ? AND check_token = ?", id, token).
		Updates(map[string]any{"check_state": UploadChecked, "check_result": result, "check_done": done})
	if res.Error != nil {
		return false, translate(res.Error, "upload check")
	}
	return res.RowsAffected == 1, nil
}

// UploadForCheck returns an upload for its check job: complete, of the tenant, with the token
// still current; otherwise ErrNotFound.
func (s *Store) UploadForCheck(ctx context.Context, tenantID, id uuid.UUID, token string) (*Upload, error) {
	var u Upload
	err := s.Conn(ctx).Where("tenant_id = ? AND id = ? AND complete AND check_token = ?", tenantID, id, token).Take(&u).Error
	if err != nil {
		return nil, translate(err, "upload "+id.String())
	}
	return &u, nil
}

// KeepUpload makes the tenant's upload last UploadLifetime from now: an import started from it
// reads it again on every attempt.
func (s *Store) KeepUpload(ctx context.Context, u *Upload) error {
	u.ExpiresAt = s.db.NowFunc().Add(UploadLifetime)
	err := s.Conn(ctx).Model(&Upload{}).Where("tenant_id = ? AND id = ?", u.TenantID, u.ID).Update("expires_at", u.ExpiresAt).Error
	return translate(err, "upload")
}

// DeleteExpiredUploads removes the uploads past their expiry, with their chunks, and returns
// how many.
func (s *Store) DeleteExpiredUploads(ctx context.Context) (int64, error) {
	var ids []uuid.UUID
	if err := s.Conn(ctx).Model(&Upload{}).Where("expires_at < ?", s.db.NowFunc()).Pluck("id", &ids).Error; err != nil {
		return 0, translate(err, "expired uploads")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Conn(ctx).Where("upload_id IN ?", ids).Delete(&uploadChunk{}).Error; err != nil {
			return err
		}
		return s.Conn(ctx).Where("id IN ?", ids).Delete(&Upload{}).Error
	})
	if err != nil {
		return 0, translate(err, "expired uploads")
	}
	return int64(len(ids)), nil
}
