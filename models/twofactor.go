package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rustok/rustok-admin/internal/events"
)

// Two-factor sign-in (issue 15): a TOTP secret (RFC 6238: 6 digits, 30 s steps, SHA-1, the
// authenticator apps' default) and 10 single-use recovery codes, stored as SHA-256 hashes (they
// are random, 50 bits each, so a slow hash would add nothing). A code is accepted for the step
// before and after the current one too (clock drift), and never twice: the step of the last code
// accepted is stored and only a later one passes, with a conditional update, so two requests
// racing with one code cannot both pass.

// TOTPIssuer is the name authenticator apps show for the account.
const TOTPIssuer = "RusToK Admin"

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

var (
	// ErrBadCode is a second-factor code that is wrong (or a recovery code already used).
	ErrBadCode = errors.New("models: wrong code")
	// ErrCodeUsed is an authenticator code that was already accepted: wait for the next one.
	ErrCodeUsed = errors.New("models: code already used")
	// ErrTwoFactorOn is turning on two-factor sign-in for a user who has it.
	ErrTwoFactorOn = errors.New("models: two-factor sign-in is already on")
	// ErrTwoFactorOff is acting on two-factor sign-in a user does not have.
	ErrTwoFactorOff = errors.New("models: two-factor sign-in is off")
)

// TwoFactor reports whether the user signs in with a second factor.
func (u *User) TwoFactor() bool { return u.TOTPSecret != nil }

// NewTOTPKey makes a new secret for the user's enrolment: its Secret() is what is kept until a
// code confirms it, its URL() what the QR code carries.
func NewTOTPKey(email string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: email, SecretSize: 20})
}

// TOTPKeyFromSecret rebuilds the key of a secret being enrolled (for its QR code).
func TOTPKeyFromSecret(email, secret string) (*otp.Key, error) {
	q := url.Values{"secret": {secret}, "issuer": {TOTPIssuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + TOTPIssuer + ":" + email, RawQuery: q.Encode()}
	return otp.NewKeyFromURL(u.String())
}

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep returns the time step of the code among the current step and its two neighbours, or
// -1 when it matches none of them.
func totpStep(secret, code string, now time.Time) int64 {
	cur := now.Unix() / 30
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return -1
}

// normalizeCode drops the spaces and dashes people type or paste with a code, and lowercases it.
func normalizeCode(code string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code))
}

func isTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// EnableTwoFactor turns on two-factor sign-in with the secret the user enrolled, once a code of
// it is right, and returns the new recovery codes (shown once; only their hashes are kept).
// Event: user.updated two_factor off → on, recovery_codes → "10 unused" (never the secret).
func (s *Store) EnableTwoFactor(ctx context.Context, userID uuid.UUID, secret, code string) ([]string, error) {
	step := totpStep(secret, normalizeCode(code), time.Now())
	if step < 0 {
		return nil, ErrBadCode
	}
	var codes []string
	err := s.WithTx(ctx, func(ctx context.Context) error {
		now := time.Now().UTC()
		res := s.Conn(ctx).Model(&User{}).Where("id = ? AND totp_secret IS NULL", userID).
			Updates(map[string]any{"totp_secret": secret, "totp_enabled_at": now, "totp_last_step": step})
		if res.Error != nil {
			return translate(res.Error, "turn on two-factor sign-in")
		}
		if res.RowsAffected == 0 {
			return ErrTwoFactorOn
		}
		var err error
		if codes, err = s.replaceRecoveryCodes(ctx, userID); err != nil {
			return err
		}
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: userID},
			Changes: events.Changes{}.Diff("two_factor", "off", "on").Diff("recovery_codes", "", strconv.Itoa(len(codes))+" unused")})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with new ones (the old stop
// working) and returns them. Event: user.updated recovery_codes n unused → 10 unused.
func (s *Store) RegenerateRecoveryCodes(ctx context.Context, userID uuid.UUID) ([]string, error) {
	var codes []string
	err := s.WithTx(ctx, func(ctx context.Context) error {
		u, err := s.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		if !u.TwoFactor() {
			return ErrTwoFactorOff
		}
		left, err := s.RecoveryCodesLeft(ctx, userID)
		if err != nil {
			return err
		}
		if codes, err = s.replaceRecoveryCodes(ctx, userID); err != nil {
			return err
		}
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: userID},
			Changes: events.Changes{}.Diff("recovery_codes", strconv.Itoa(left)+" unused", strconv.Itoa(len(codes))+" unused (new)")})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTwoFactor turns two-factor sign-in off and deletes the recovery codes (the caller has
// checked the password and a code). Event: user.updated two_factor on → off.
func (s *Store) DisableTwoFactor(ctx context.Context, userID uuid.UUID) error {
	return s.WithTx(ctx, func(ctx context.Context) error {
		res := s.Conn(ctx).Model(&User{}).Where("id = ? AND totp_secret IS NOT NULL", userID).
			Updates(map[string]any{"totp_secret": nil, "totp_enabled_at": nil, "totp_last_step": 0})
		if res.Error != nil {
			return translate(res.Error, "turn off two-factor sign-in")
		}
		if res.RowsAffected == 0 {
			return ErrTwoFactorOff
		}
		if err := s.Conn(ctx).Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
			return translate(err, "delete recovery codes")
		}
		return s.Append(ctx, &events.UserUpdated{UserRef: events.UserRef{UserID: userID},
			Changes: events.Changes{}.Diff("two_factor", "on", "off")})
	})
}

// VerifySecondFactor checks a code of the user's second factor: an authenticator code (not one
// accepted before) or an unused recovery code, which is used up. It returns "totp" or
// "recovery_code"; ErrBadCode for a wrong code, ErrCodeUsed for an authenticator code already
// accepted. A recovery code records user.updated recovery_codes n unused → n-1 unused.
func (s *Store) VerifySecondFactor(ctx context.Context, userID uuid.UUID, code string) (string, error) {
	code = normalizeCode(code)
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	if !u.TwoFactor() {
		return "", ErrTwoFactorOff
	}
	if isTOTPCode(code) {
		step := totpStep(*u.TOTPSecret, code, time.Now())
		if step < 0 {
			return "", ErrBadCode
		}
		// Still the enrolment whose secret matched (turned off and on again in between is another).
		res := s.Conn(ctx).Model(&User{}).Where("id = ? AND totp_enabled_at = ? AND totp_last_step < ?", userID, *u.TOTPEnabledAt, step).
			Update("totp_last_step", step)
		if res.Error != nil {
			return "", translate(res.Error, "accept code")
		}
		if res.RowsAffected == 0 {
			return "", ErrCodeUsed
		}
		return "totp", nil
	}
	if len(code) != recoveryCodeLen {
		return "", ErrBadCode
	}
	err = s.WithTx(ctx, func(ctx context.Context) error {
		res := s.Conn(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, hashToken(code)).
			Update("used_at", time.Now().UTC())
		if res.Error != nil {
			return translate(res.Error, "use recovery code")
		}
		if res.RowsAffected == 0 {
			return ErrBadCode
		}
		left, err := s.RecoveryCodesLeft(ctx, userID)
		if err != nil {
			return err
		}
		return s.Append(events.WithActor(ctx, userID), &events.UserUpdated{UserRef: events.UserRef{UserID: userID},
			Changes: events.Changes{}.Diff("recovery_codes", strconv.Itoa(left+1)+" unused", strconv.Itoa(left)+" unused")})
	})
	if err != nil {
		return "", err
	}
	return "recovery_code", nil
}

// RecoveryCode is one of a user's recovery codes, by its hash.
type RecoveryCode struct {
	UserID    uuid.UUID `gorm:"type:uuid;primaryKey"`
	CodeHash  string    `gorm:"primaryKey"`
	UsedAt    *time.Time
	CreatedAt time.Time
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID uuid.UUID) (int, error) {
	var n int64
	err := s.Conn(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return int(n), translate(err, "recovery codes")
}

// recoveryCodeLen is a recovery code's length without its dash: 10 characters of a 32-letter
// alphabet, 50 bits.
const recoveryCodeLen = 10

const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789" + "0" // no i, l, o, 1 to misread; 0 pads to 32

func (s *Store) replaceRecoveryCodes(ctx context.Context, userID uuid.UUID) ([]string, error) {
	if err := s.Conn(ctx).Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return nil, translate(err, "replace recovery codes")
	}
	codes := make([]string, RecoveryCodeCount)
	rows := make([]RecoveryCode, RecoveryCodeCount)
	now := time.Now().UTC()
	buf := make([]byte, recoveryCodeLen)
	for i := range codes {
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		var b strings.Builder
		for j, c := range buf {
			if j == recoveryCodeLen/2 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
		}
		codes[i] = b.String()
		rows[i] = RecoveryCode{UserID: userID, CodeHash: hashToken(normalizeCode(codes[i])), CreatedAt: now}
	}
	if err := s.Conn(ctx).Create(&rows).Error; err != nil {
		return nil, translate(err, "store recovery codes")
	}
	return codes, nil
}
