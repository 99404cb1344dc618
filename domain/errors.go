// Package domain holds Zhifa's entities and the rules of administrative enforcement, with no I/O.
// The interfaces that storage, media and push implement live here too.
package domain

import (
	"errors"
	"fmt"
)

// Code classifies an Error. Only the HTTP layer turns a code into a status number.
type Code string

const (
	Invalid            Code = "invalid"
	Unauthorized       Code = "unauthorized"
	Forbidden          Code = "forbidden"
	NotFound           Code = "not_found"
	Conflict           Code = "conflict"
	PreconditionFailed Code = "precondition_failed"
	// PreconditionRequired: a change of a versioned object must name the version it changes.
	PreconditionRequired Code = "precondition_required"
	Unprocessable        Code = "unprocessable"
	TooManyRequests      Code = "too_many_requests"
	Unavailable          Code = "unavailable"
	// TooLarge: a body or a declared size over its limit.
	TooLarge Code = "too_large"
	// UnsupportedMediaType: a body of a type the endpoint does not take.
	UnsupportedMediaType Code = "unsupported_media_type"
	// ChecksumMismatch: a chunk's bytes do not match the checksum sent with them (tus 460).
	ChecksumMismatch Code = "checksum_mismatch"
	// Locked: another request is writing the resource now; retry shortly.
	Locked Code = "locked"
	// Gone: the resource existed and has expired.
	Gone     Code = "gone"
	Internal Code = "internal"
)

// Codes of the sign-in that tell a person what to do, beside the generic unauthorized.
const (
	// AccountPending: the password is right, but the enterprise's registration waits for its
	// supervisors to activate it.
	AccountPending Code = "account_pending"
	// MustChangePassword: the account signed in with a one-time password reaches only the
	// change of it.
	MustChangePassword Code = "password_change_required"
)

// Error is the one error type the domain, the store and the handlers speak.
type Error struct {
	Code    Code
	Message string
	// Fields maps a request field to what is wrong with it, for validation errors.
	Fields map[string]string
	Err    error
	// format and args are what Errorf made Message of, so that the message can be said again
	// in the reader's language (Localized).
	format string
	args   []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), format: format, args: args}
}

// With adds field messages and the underlying error to e, and returns it.
func (e *Error) With(fields map[string]string, err error) *Error {
	e.Fields, e.Err = fields, err
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, Internal for any other error
// and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// FieldErrors collects validation messages per field and becomes one Invalid error.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when nothing was added, otherwise an Invalid *Error carrying the fields.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "the request has invalid fields", Fields: f}
}
