package models

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/events"
)

// User statuses; only active users may sign in.
const (
	UserActive   = "active"
	UserInactive = "inactive"
	UserBanned   = "banned"
)

// MinPasswordLength is the shortest password accepted for a new or changed password.
const MinPasswordLength = 12

// ProductionPasswordParams are the argon2id parameters of every real hash (OWASP's second
// recommended set: 19 MiB, t=2, p=1).
var ProductionPasswordParams = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// PasswordParams are the parameters new hashes are made with: ProductionPasswordParams, unless
// the test kit has swapped in cheap ones (testkit.init) so that tests do not spend their time
// hashing. A hash records its own parameters, so verifying works with either.
var PasswordParams = &ProductionPasswordParams

// dummyHash is compared against when the email is unknown, so that a wrong email costs as much
// time as a wrong password and response times do not reveal which accounts exist. It is made on
// first use (under the caller's hash slot): hashing at start-up would cost every command 60 ms
// and 20 MB.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("rustok-timing-equaliser", PasswordParams)
	return h
})

// hashPassword hashes a new password with PasswordParams, waiting for a hash slot
// (passwordHashes) while ctx lasts.
func hashPassword(ctx context.Context, password string) (hash string, err error) {
	if werr := passwordHashes.do(ctx, func() { hash, err = argon2id.CreateHash(password, PasswordParams) }); werr != nil {
		return "", werr
	}
	return hash, err
}

// checkPassword compares a password with a stored hash (with dummyHash when there is none),
// waiting for a hash slot while ctx lasts.
func checkPassword(ctx context.Context, password, hash string) (ok bool, err error) {
	werr := passwordHashes.do(ctx, func() {
		if hash == "" {
			_, _ = argon2id.ComparePasswordAndHash(password, dummyHash())
			return
		}
		ok, _ = argon2id.ComparePasswordAndHash(password, hash)
	})
	return ok, werr
}

// CheckUserPassword reports whether password is the user's, for a change that must re-confirm
// it (the account page), at the cost of one hash like a sign-in.
func (s *Store) CheckUserPassword(ctx context.Context, u *User, password string) (bool, error) {
	var stored User
	if err := s.Conn(ctx).Select("password_hash").Where("id = ?", u.ID).Take(&stored).Error; err != nil {
		return false, translate(err, "user")
	}
	return checkPassword(ctx, password, stored.PasswordHash)
}

// User is a person who can sign in. Roles in tenants are Casbin grouping rows (see Membership).
type User struct {
	ID           uuid.UUID `gorm:"type:uuid;primaryKey"`
	Email        string    `gorm:"not null"`
	Name         string    `gorm:"not null"`
	PasswordHash string    `gorm:"not null"`
	Status       string    `gorm:"not null"`
	LastLoginAt  *time.Time
	TimeZone     *string // the IANA zone the user's browser reported, nil until it has (user_zone.go)
	// TimeZoneFixed says the user chose TimeZone on the account page: the browser's report no
	// longer changes it (migration 00022).
	TimeZoneFixed bool `gorm:"not null;default:false"`
	// SessionEpoch is the epoch the user's sessions must carry: a password change moves it, which
	// ends every session signed in before (migration 00020).
	SessionEpoch int64 `gorm:"not null;default:0"`
	// TOTPSecret is the base32 secret of two-factor sign-in, nil while it is off; TOTPEnabledAt
	// is when it was turned on and TOTPLastStep the time step of the last code accepted, so a
	// code is never accepted twice (twofactor.go, migration 00021). Never shown, never in an event.
	TOTPSecret    *string    `gorm:"column:totp_secret" json:"-"`
	TOTPEnabledAt *time.Time `gorm:"column:totp_enabled_at"`
	TOTPLastStep  int64      `gorm:"column:totp_last_step;not null;default:0" json:"-"`
	Version       int        `gorm:"not null;default:1"` // bumped by every change of name or status (version.go)
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// UserInput is what a caller may set when creating a user.
type UserInput struct {
	Email    string
	Name     string
	Password string
}

// NormalizeEmail trims and lowercases an address; emails are compared without regard to case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate checks the email, the name length and the password length.
func (in *UserInput) Validate() error {
	fe := fieldErrors{}
	if in.Email == "" {
		fe.add("email", "Email is required.")
	} else if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 {
		fe.add("email", "Enter an email address such as jane@example.com.")
	}
	if len([]rune(in.Name)) > 200 {
		fe.add("name", "Name must be at most 200 characters.")
	}
	if len([]rune(in.Password)) < MinPasswordLength {
		fe.add("password", "Use at least 12 characters.")
	} else if len(in.Password) > 1024 {
		fe.add("password", "Use at most 1024 characters.")
	}
	return fe.err()
}

// CreateUser validates the input, hashes the password with argon2id and inserts an active user.
func (s *Store) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	in.Email = NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: uuid.Must(uuid.NewV7()), Email: in.Email, Name: in.Name, PasswordHash: hash, Status: UserActive, Version: 1}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.Conn(ctx).Create(u).Error; err != nil {
			return translate(err, "create user")
		}
		return s.Append(ctx, &events.UserRegistered{UserRef: events.UserRef{UserID: u.ID}, Email: u.Email, Name: u.Name})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByID returns the user with the id.
func (s *Store) UserByID(ctx context.Context, id uuid.UUID) (*User, error) {
	var u User
	if err := s.Conn(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, translate(err, "user "+id.String())
	}
	return &u, nil
}

// UserByEmail returns the user with the email, compared without regard to case.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	if err := s.Conn(ctx).Where("lower(email) = ?", NormalizeEmail(email)).Take(&u).Error; err != nil {
		return nil, translate(err, "user by email")
	}
	return &u, nil
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.Conn(ctx).Model(&User{}).Count(&n).Error
	return n, translate(err, "count users")
}

// Client is who is on the other end of a sign-in: recorded in the sign-in events.
type Client struct {
	IP        string
	UserAgent string
}

// Authenticate returns the active user with the email and password, or ErrBadCredentials for an
// unknown email, a wrong password and an inactive account alike. Failure records
// user.login_failed; success records nothing yet: the caller asks for the second factor when the
// user has one (User.TwoFactor) and then calls RecordSignIn.
func (s *Store) Authenticate(ctx context.Context, email, password string, client Client) (*User, error) {
	email = NormalizeEmail(email)
	u, err := s.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	stored := "" // unknown email: spend the same time on the dummy hash, then fail the same way
	if u != nil {
		stored = u.PasswordHash
	}
	ok, err := checkPassword(ctx, password, stored)
	if err != nil {
		return nil, err
	}
	if !ok || u.Status != UserActive {
		if err := s.RecordSignInFailure(ctx, email, client); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	return u, nil
}

// RecordSignInFailure records user.login_failed for the address (a wrong password, or a wrong
// second factor after the right password).
func (s *Store) RecordSignInFailure(ctx context.Context, email string, client Client) error {
	email = NormalizeEmail(email)
	if len(email) > 254 {
		email = email[:254]
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		return s.Append(ctx, &events.UserLoginFailed{AttemptID: events.LoginAttemptID(email), Email: email, IP: client.IP, UserAgent: client.agent()})
	})
}

// agent is the user agent as events and session rows keep it: at most 500 bytes.
func (c Client) agent() string {
	if len(c.UserAgent) > 500 {
		return strings.ToValidUTF8(c.UserAgent[:500], "")
	}
	return c.UserAgent
}

// RecordSignIn completes a sign-in the caller has checked (Authenticate, and the second factor
// when the user has one: "totp" or "recovery_code", else ""): it records last_login_at, a row
// of user_sessions and user.logged_in saying which second factor was used, all in one
// transaction, and returns the new session's handle. The rows of the user's sessions past lim
// are ended on the way.
func (s *Store) RecordSignIn(ctx context.Context, u *User, client Client, secondFactor string, lim SessionLimits) (uuid.UUID, error) {
	now := time.Now().UTC()
	sid := uuid.Must(uuid.NewV7())
	err := s.WithTx(ctx, func(ctx context.Context) error {
		if err := s.endTimedOut(ctx, u.ID, lim); err != nil {
			return err
		}
		if err := s.Conn(ctx).Model(u).Update("last_login_at", now).Error; err != nil {
			return translate(err, "record sign-in")
		}
		if err := s.Conn(ctx).Create(&UserSession{ID: sid, UserID: u.ID, UserAgent: client.agent(), IP: client.IP,
			SecondFactor: secondFactor, SignedInAt: now, LastSeenAt: now}).Error; err != nil {
			return translate(err, "record session")
		}
		factor := secondFactor
		if factor == "" {
			factor = "none"
		}
		return s.Append(events.WithActor(ctx, u.ID), &events.UserLoggedIn{UserRef: events.UserRef{UserID: u.ID}, IP: client.IP,
			UserAgent: client.agent(), SecondFactor: factor})
	})
	if err != nil {
		return uuid.Nil, err
	}
	u.LastLoginAt = &now
	return sid, nil
}

// ChangePassword sets a new password after checking its length.
func (s *Store) ChangePassword(ctx context.Context, userID uuid.UUID, password string) error {
	return s.ChangePasswordKeeping(ctx, userID, password, uuid.Nil)
}

// ChangePasswordKeeping is ChangePassword that ends every session of the user but keep (the
// session that changed it, which the caller gives the new epoch).
func (s *Store) ChangePasswordKeeping(ctx context.Context, userID uuid.UUID, password string, keep uuid.UUID) error {
	if n := len([]rune(password)); n < MinPasswordLength || len(password) > 1024 {
		return &ValidationError{Fields: map[string]string{"password": "Use between 12 and 1024 characters."}}
	}
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.WithTx(ctx, func(ctx context.Context) error {
		// Every session signed in before ends (User.SessionEpoch); a caller that keeps its own
		// session gives it the new epoch.
		res := s.Conn(ctx).Model(&User{}).Where("id = ?", userID).
			Updates(map[string]any{"password_hash": hash, "session_epoch": gorm.Expr("session_epoch + 1")})
		if res.Error == nil && res.RowsAffected == 0 {
			return translate(gorm.ErrRecordNotFound, "change password")
		} else if res.Error != nil {
			return translate(res.Error, "change password")
		}
		// The ended sessions leave the account page's list (the epoch already signs them out).
		q := s.Conn(ctx).Model(&UserSession{}).Where("user_id = ? AND ended_at IS NULL", userID)
		if keep != uuid.Nil {
			q = q.Where("id <> ?", keep)
		}
		if err := q.Update("ended_at", time.Now().UTC()).Error; err != nil {
			return translate(err, "end sessions")
		}
		return s.Append(ctx, &events.UserPasswordChanged{UserRef: events.UserRef{UserID: userID}})
	})
}

// ChangeEmail gives the user a new sign-in address (normalized), with user.updated (old → new).
// A bad address is a *ValidationError on "email", one another user has too.
func (s *Store) ChangeEmail(ctx context.Context, userID uuid.UUID, email string) (*User, error) {
	email = NormalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, &ValidationError{Fields: map[string]string{"email": "Enter an email address such as jane@example.com."}}
	}
	var u *User
	err := s.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.UserByID(ctx, userID); err != nil {
			return err
		}
		if u.Email == email {
			return nil
		}
		old := u.Email
		err = s.Conn(ctx).Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"email": email, "updated_at": s.db.NowFunc()}).Error
		if errors.Is(translate(err, ""), ErrConflict) {
			return &ValidationError{Fields: map[string]string{"email": "Another account has this email address."}}
		} else if err != nil {
			return translate(err, "change email")
		}
		u.Email = email
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: u.ID}, Changes: events.Changes{}.Diff("email", old, email)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
