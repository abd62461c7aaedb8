package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
)

type siteHandler func(w http.ResponseWriter, r *http.Request, siteID string)

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	return strings.TrimSpace(h[7:]), true
}

// shop authenticates a site API key; the site it names scopes everything the
// handler does.
func (s *Server) shop(h siteHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="payhost"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "an Authorization: Bearer <site API key> header is required")
			return
		}
		site, ok := s.auth.SiteForKey(key)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="payhost", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "the API key is not valid")
			return
		}
		h(w, r, site)
	}
}

func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := bearer(r)
		who, role := "admin.api_key", RoleAdmin
		if ok && !s.auth.IsAdminKey(key) && s.operators != nil {
			who, role, ok = s.operators.OperatorForKey(key)
		} else if ok {
			ok = s.auth.IsAdminKey(key)
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="payhost-admin"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "an Authorization: Bearer <admin key> header is required")
			return
		}
		s.authorized(w, r, who, role, h)
	}
}

type modeOffer struct {
	ID          string `json:"id"`
	Plugin      string `json:"plugin"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Kind        string `json:"kind"`
	LogoURL     string `json:"logo_url"`
}

type modeRefusal struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type eligibilityResponse struct {
	Modes   []modeOffer   `json:"modes"`
	Refused []modeRefusal `json:"refused,omitempty"`
}

func (s *Server) handleEligibility(w http.ResponseWriter, r *http.Request, siteID string) {
	var req eligibilityRequest
	if !s.decodeJSON(w, r, &req) {
		return
	}
	res, err := s.svc.Eligibility(r.Context(), siteID, req.Cart.input())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := eligibilityResponse{Modes: make([]modeOffer, 0, len(res.Offers))}
	for _, o := range res.Offers {
		out.Modes = append(out.Modes, offerJSON(o))
	}
	if req.Explain {
		out.Refused = make([]modeRefusal, 0, len(res.Refused))
		for _, rf := range res.Refused {
			out.Refused = append(out.Refused, modeRefusal{ID: rf.ID, Reason: string(rf.Reason)})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func offerJSON(o eligibility.Offer) modeOffer {
	return modeOffer{ID: o.ID, Plugin: o.Plugin, Label: o.Label, Description: o.Description, Kind: string(o.Kind), LogoURL: o.LogoURL}
}

const maxIdempotencyKey = 255

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, siteID string) {
	var wire createRequest
	raw, ok := s.readJSON(w, r, &wire)
	if !ok {
		return
	}
	req := wire.input()
	s.create(w, r, raw,
		func(ctx context.Context) (any, error) {
			sess, err := s.svc.Create(ctx, siteID, req)
			if err != nil {
				return nil, err
			}
			return s.svc.View(sess), nil
		},
		func(ctx context.Context, key, hash string) ([]byte, bool, error) {
			return s.svc.CreateIdempotent(ctx, siteID, key, hash, req)
		})
}

// create answers 201 with what plain makes or, under an Idempotency-Key,
// with what keyed made the first time (header Idempotent-Replayed on a
// replay); keyed gets the key and the body's SHA-256 in hex.
func (s *Server) create(w http.ResponseWriter, r *http.Request, raw []byte,
	plain func(ctx context.Context) (any, error),
	keyed func(ctx context.Context, key, hash string) ([]byte, bool, error)) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		v, err := plain(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, v)
		return
	}
	if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		writeError(w, http.StatusBadRequest, "invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters")
		return
	}
	sum := sha256.Sum256(raw)
	body, replayed, err := keyed(r.Context(), key, hex.EncodeToString(sum[:]))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(append(bytes.TrimRight(body, "\n"), '\n'))
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, siteID string) {
	sess, events, ops, err := s.svc.Record(r.Context(), siteID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.ViewWithEvents(sess, events, ops))
}

type operationResponse struct {
	Operation session.OperationView `json:"operation"`
	Session   session.View          `json:"session"`
}

// handleOperation serves refund, capture and cancel. 201 when the provider
// settled the operation (succeeded or failed), 202 while it is pending or
// unknown (the janitor follows it up).
func (s *Server) handleOperation(kind session.OperationKind) siteHandler {
	return func(w http.ResponseWriter, r *http.Request, siteID string) {
		var req operationRequest
		if r.ContentLength != 0 {
			if !s.decodeJSON(w, r, &req) {
				return
			}
		}
		key := r.Header.Get("Idempotency-Key")
		if len(key) > maxIdempotencyKey {
			writeError(w, http.StatusBadRequest, "invalid_request", "Idempotency-Key is too long")
			return
		}
		op, sess, err := s.svc.Operate(r.Context(), siteID, r.PathValue("id"), session.OperationRequest{Kind: kind, Amount: req.Amount, IdempotencyKey: key})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		status := http.StatusCreated
		if op.Open() {
			status = http.StatusAccepted
		}
		writeJSON(w, status, operationResponse{Operation: session.ViewOperation(op), Session: s.svc.View(sess)})
	}
}
