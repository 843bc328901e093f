// Package websession keeps the browser sessions of the admin in a fiber.Storage (Redis, or
// memory on the embedded default): a cookie holds a random id, the store holds the session
// under that id, and the store's TTL is the session's absolute lifetime.
//
// It replaces Fiber's session middleware (issue 12, docs/BENCHMARKS.md "Request path"): that
// one decodes every session with a new gob.Decoder, which compiles the decoder for
// map[string]interface{} again on every request (7 % of a signed-in list's server CPU in the
// profile). A session here is one small struct encoded as JSON, read once per request and
// written only when something in it changed. Sessions Fiber wrote before (gob) are still read,
// so an upgrade signs no one out.
package websession

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/utils"
)

// Data is what a session holds.
type Data struct {
	UserID string `json:"uid,omitempty"`
	AuthAt int64  `json:"auth_at,omitempty"` // unix seconds of sign-in: the absolute timeout counts from here
	Epoch  int64  `json:"epoch,omitempty"`   // the user's session epoch at sign-in (models.User.SessionEpoch)
	SeenAt int64  `json:"seen_at,omitempty"` // unix seconds of the last request: the idle timeout counts from here
	// SessionID is the handle of the session's row in user_sessions (the account page lists
	// them); it is not the cookie's id, which only the store knows.
	SessionID string `json:"sid,omitempty"`
	// Factor is the second factor this session signed in with ("totp", "recovery_code"), or
	// that it set up; "" for a password alone. A tenant that requires two-factor sign-in asks it.
	Factor string `json:"factor,omitempty"`
	// PendingUID is the user whose password was right and who still has to give their second
	// factor, since PendingAt (unix seconds); PendingNext is where they go after.
	PendingUID   string `json:"pending_uid,omitempty"`
	PendingAt    int64  `json:"pending_at,omitempty"`
	PendingNext  string `json:"pending_next,omitempty"`
	PendingEpoch int64  `json:"pending_epoch,omitempty"` // the user's session epoch at the password: a change since voids it
	// Enrolling is the TOTP secret being set up, until a code confirms it.
	Enrolling string `json:"enrolling,omitempty"`
	FlashKind string `json:"flash_kind,omitempty"`
	FlashMsg  string `json:"flash_msg,omitempty"`
	CSRF      string `json:"csrf,omitempty"` // the synchronizer token of the session's forms
	// InviteLink is the set-password link of a user just invited, shown once on their page
	// (only the token's hash is stored anywhere else).
	InviteLink string `json:"invite_link,omitempty"`
}

// Config says where sessions live and how their cookie is set.
type Config struct {
	Storage    fiber.Storage // keys are the bare session ids (prefix them with backend.Prefixed); nil = Memory()
	Cookie     string        // the cookie's name
	Expiration time.Duration // the store's TTL, renewed on every save
	Secure     bool          // the cookie's Secure flag
}

// Store reads and writes sessions.
type Store struct{ cfg Config }

// New returns a Store for cfg.
func New(cfg Config) *Store {
	if cfg.Storage == nil {
		cfg.Storage = Memory()
	}
	return &Store{cfg: cfg}
}

// Session is one request's session. Change Data, then Save.
type Session struct {
	Data
	id    string
	fresh bool // not in the store (yet)
	store *Store
	c     *fiber.Ctx
}

// ID is the session's id, as its cookie carries it.
func (s *Session) ID() string { return s.id }

// Fresh reports whether the session was not in the store when the request began.
func (s *Session) Fresh() bool { return s.fresh }

// Get returns the request's session: the stored one its cookie names, else a new empty one
// with a new id (an id the store does not know is never adopted, so a planted cookie cannot
// fix a session id). Stored bytes that decode neither as JSON nor as Fiber's gob count as no
// session. Nothing is written until Save.
func (st *Store) Get(c *fiber.Ctx) (*Session, error) {
	s := &Session{store: st, c: c}
	if id := c.Cookies(st.cfg.Cookie); id != "" {
		raw, err := st.cfg.Storage.Get(id)
		if err != nil {
			return nil, err
		}
		if raw != nil && decode(raw, &s.Data) {
			s.id = utils.CopyString(id)
			return s, nil
		}
		s.Data = Data{}
	}
	s.id, s.fresh = utils.UUIDv4(), true
	return s, nil
}

// Save writes the session with a renewed TTL and sets its cookie (HTTP-only, SameSite=Lax,
// for the browser session only).
func (s *Session) Save() error {
	raw, err := json.Marshal(&s.Data)
	if err != nil {
		return err
	}
	if err := s.store.cfg.Storage.Set(s.id, raw, s.store.cfg.Expiration); err != nil {
		return err
	}
	s.fresh = false
	s.c.Cookie(&fiber.Cookie{Name: s.store.cfg.Cookie, Value: s.id, Path: "/", HTTPOnly: true,
		Secure: s.store.cfg.Secure, SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: true})
	return nil
}

// Regenerate deletes the session from the store and gives it a new id, keeping its data for
// the next Save: on sign-in and sign-out, so an id known before can never be used after.
func (s *Session) Regenerate() error {
	if !s.fresh {
		if err := s.store.cfg.Storage.Delete(s.id); err != nil {
			return err
		}
	}
	s.id, s.fresh = utils.UUIDv4(), true
	return nil
}

// decode reads a stored session: JSON, or the gob map Fiber's session middleware wrote
// (keys uid, auth_at, seen_at, flash_kind, flash_msg, csrf, invite_link).
func decode(raw []byte, d *Data) bool {
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, d) == nil
	}
	m := map[string]any{}
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&m); err != nil {
		return false
	}
	d.UserID, _ = m["uid"].(string)
	d.AuthAt, _ = m["auth_at"].(int64)
	d.SeenAt, _ = m["seen_at"].(int64)
	d.FlashKind, _ = m["flash_kind"].(string)
	d.FlashMsg, _ = m["flash_msg"].(string)
	d.CSRF, _ = m["csrf"].(string)
	d.InviteLink, _ = m["invite_link"].(string)
	return true
}

func init() {
	// Sessions written before issue 12 by Fiber's csrf middleware hold a csrf.Token; gob
	// cannot decode them without the type.
	gob.Register(csrf.Token{})
}
