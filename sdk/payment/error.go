package payment

import (
	"errors"
	"fmt"
)

// Code classifies an [Error]. Codes cross the plugin boundary intact.
type Code string

// The error vocabulary shared by plugins and the host.
const (
	// CodeInvalidRequest: the request is malformed (missing field, bad value).
	CodeInvalidRequest Code = "invalid_request"
	// CodeInvalidConfig: the mode configuration cannot work.
	CodeInvalidConfig Code = "invalid_config"
	// CodeInvalidSignature: a return or notification failed verification.
	// Nothing in it may be trusted.
	CodeInvalidSignature Code = "invalid_signature"
	// CodeUnsupported: the provider does not offer this operation.
	CodeUnsupported Code = "unsupported"
	// CodeProviderRejected: the provider answered and refused the API call
	// (not a refused payment, which is an [Outcome]).
	CodeProviderRejected Code = "provider_rejected"
	// CodeProviderUnavailable: the provider could not be reached or gave no
	// usable answer; the state at the provider is unknown.
	CodeProviderUnavailable Code = "provider_unavailable"
	// CodeTimeout: the call's deadline passed; the state is unknown.
	CodeTimeout Code = "timeout"
	// CodePluginUnavailable: the plugin process is not running or not
	// answering. Set by the host side of the boundary, never by a plugin.
	CodePluginUnavailable Code = "plugin_unavailable"
	// CodeInternal: a bug or an unexpected condition in the plugin.
	CodeInternal Code = "internal"
)

// Error is the error type of the contract: a [Code] and a message safe to show
// to an operator. Messages must never contain secrets.
type Error struct {
	Code    Code
	Message string
}

// Errorf returns an [*Error] with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &payment.Error{Code: payment.CodeTimeout}) works.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// ErrorCode returns the code of the first [*Error] in err's chain, or
// [CodeInternal] for any other non-nil error, or "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
