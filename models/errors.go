package models

import "errors"

// Sentinel errors returned by the store. Callers test them with errors.Is; the wrapped message
// carries the detail for logs.
var (
	// ErrNotFound means the row does not exist (or is not visible in this tenant).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique value (slug, email, domain) is already taken.
	ErrConflict = errors.New("already exists")
	// ErrInvalid means the input broke a domain rule; it wraps a ValidationError.
	ErrInvalid = errors.New("invalid input")
	// ErrStale means the row changed after the form being saved was loaded; it wraps a
	// *StaleError naming who changed what since (models/version.go).
	ErrStale = errors.New("changed since the form was loaded")
	// ErrBadCredentials means the email is unknown, the password wrong or the account not active.
	// Callers show one message for all three so accounts cannot be enumerated.
	ErrBadCredentials = errors.New("incorrect email or password")
	// ErrBusy means another process held SQLite's write lock for longer than busy_timeout: the
	// transaction changed nothing and may be tried again.
	ErrBusy = errors.New("database busy")
	// ErrNotFailed means a retry named an event that has not failed, so there is nothing to retry.
	ErrNotFailed = errors.New("event has not failed")
)

// ValidationError carries one message per form field. It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

// Error joins the field messages.
func (e *ValidationError) Error() string {
	msg := "invalid input"
	for f, m := range e.Fields {
		msg += "; " + f + ": " + m
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalid) true for a ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// fieldErrors collects field messages while a value is validated.
type fieldErrors map[string]string

// add records the first message for a field.
func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// err returns a *ValidationError, or nil when no field failed.
func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}
