// Package lifeline holds the domain types and service interfaces shared by every
// part of the platform. It imports the standard library only.
package lifeline

import (
	"errors"
	"fmt"
)

// Error codes are stable: clients branch on them and http maps each to a status.
const (
	ECONFLICT     = "conflict"     // the request contradicts the current state (e.g. a stream version)
	EINTERNAL     = "internal"     // a fault of ours; the detail is logged, never shown
	EINVALID      = "invalid"      // the request is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the thing named does not exist
	ETOOLARGE     = "too_large"    // the request is over a size limit
	EUNAVAILABLE  = "unavailable"  // the platform cannot serve the request now; retry later
	EUNAUTHORIZED = "unauthorized" // the caller is not who they must be
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	EUNSUPPORTED  = "unsupported"  // the media type or operation is not supported
	EIDEMPOTENCY  = "idempotency_key_reused"
	ELIMIT        = "limit_exceeded" // a volume limit is used up; retry after it resets
)

// Error is the one error type of the platform. Code and Message are safe to show
// to a caller; Field names the offending input where there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("lifeline: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("lifeline: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error about one input field.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any other
// error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the *Error's message, or a
// generic one for anything else so internal details never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	return "An internal error has occurred. It has been logged; please try again later."
}

// ErrorField returns the offending field named by err, if any.
func ErrorField(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Field
	}
	return ""
}
