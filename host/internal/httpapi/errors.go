package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/payhost/payhost/host/internal/session"
)

// statusFor is the one mapping from service error codes to HTTP statuses.
func statusFor(code string) int {
	switch code {
	case session.CodeInvalidRequest, session.CodeInvalidSignature, session.CodeOutcomeMismatch:
		return http.StatusBadRequest
	case session.CodeNotFound:
		return http.StatusNotFound
	case session.CodeAmountMismatch, session.CodeModeNotEligible, session.CodeUnknownMode, session.CodeIdempotencyKeyReused, session.CodeAmountExceeded:
		return http.StatusUnprocessableEntity
	case session.CodeInvalidState, session.CodeUnsupported, session.CodeIdempotencyInProgress, session.CodeAttemptActive:
		return http.StatusConflict
	case session.CodeCheckoutExpired:
		return http.StatusGone
	case session.CodePluginUnavailable, session.CodeProviderUnavailable:
		return http.StatusServiceUnavailable
	case session.CodePluginError, session.CodeProviderRejected:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, b)
}

// fail writes a service error as JSON, logging what the client does not see.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := session.ErrorCode(err)
	status := statusFor(code)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", code, "error", err)
	}
	writeError(w, status, code, session.ErrorMessage(err))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body strictly: one object, no unknown fields.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "the request body is too large")
			return false
		}
		writeError(w, http.StatusBadRequest, "invalid_json", "the request body is not valid JSON for this endpoint: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "invalid_json", "the request body holds more than one JSON value")
		return false
	}
	return true
}
