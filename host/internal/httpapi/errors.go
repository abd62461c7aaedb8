package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

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
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" && !permanentFailure(msg) {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, b)
}

// permanentFailure reports a 503 only an operator can end: a plugin that
// failed permanently (the session service and the plugin manager both say
// so in the message). Retry-After would promise a recovery that will not
// come by itself.
func permanentFailure(msg string) bool {
	return strings.Contains(msg, "failed permanently")
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

// readJSON reads a JSON request body strictly (unmarshalStrict) into v and
// returns its bytes; on failure it has answered the client.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "the request body must be sent with Content-Type: application/json")
		return nil, false
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "the request body is too large")
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "invalid_request", "the request body could not be read")
		return nil, false
	}
	if err := unmarshalStrict(raw, v); err != nil {
		var bad *inputError
		if !errors.As(err, &bad) {
			bad = invalidJSON("%v", err)
		}
		writeError(w, http.StatusBadRequest, bad.code, bad.msg)
		return nil, false
	}
	return raw, true
}

// isJSON reports whether a Content-Type declares JSON in UTF-8 (the only
// charset JSON has).
func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// decodeJSON is readJSON for handlers that do not need the bytes.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	_, ok := s.readJSON(w, r, v)
	return ok
}
