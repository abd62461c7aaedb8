package session

import (
	"errors"
	"fmt"
)

// Error is the host's application error: a machine-readable code and a human
// message. The HTTP layer maps codes to statuses in one place.
type Error struct {
	Code    string
	Message string
	// Err is the underlying cause, for logs; never shown to clients.
	Err error
}

// Error codes returned by the service.
const (
	CodeInvalidRequest        = "invalid_request"
	CodeNotFound              = "not_found"
	CodeAmountMismatch        = "amount_mismatch"
	CodeModeNotEligible       = "mode_not_eligible"
	CodeUnknownMode           = "unknown_mode"
	CodePluginUnavailable     = "plugin_unavailable"
	CodePluginError           = "plugin_error"
	CodeProviderRejected      = "provider_rejected"
	CodeProviderUnavailable   = "provider_unavailable"
	CodeInvalidSignature      = "invalid_signature"
	CodeOutcomeMismatch       = "outcome_mismatch"
	CodeInvalidState          = "invalid_state"
	CodeUnsupported           = "unsupported"
	CodeIdempotencyKeyReused  = "idempotency_key_reused"
	CodeAmountExceeded        = "amount_exceeded"
	CodeIdempotencyInProgress = "idempotency_in_progress"
	CodeInternal              = "internal"
	// CodeAttemptActive: a checkout already has a session being paid or
	// paid.
	CodeAttemptActive = "attempt_active"
	// CodeCheckoutExpired: the checkout's time is over.
	CodeCheckoutExpired = "checkout_expired"
)

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func wrapErr(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeNotFound
// for ErrNotFound, and CodeInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	}
	return CodeInternal
}

// ErrorMessage returns the human message of err, safe to show a client.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Message
	case errors.Is(err, ErrNotFound):
		return "no such session"
	}
	return "internal error"
}
