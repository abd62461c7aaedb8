package session

import (
	"context"
	"encoding/json"
	"errors"
)

// CreateIdempotent is Create guarded by the shop's Idempotency-Key: the first
// request with a key creates the session and stores the response; a repeat
// with the same body gets the stored response (replayed = true); a repeat
// with another body is CodeIdempotencyKeyReused; a repeat while the first is
// still running is CodeIdempotencyInProgress.
//
// The first claim reserves the session's id and holds the key for a lease
// bounded by the plugin call timeout. A request that fails before its
// session is stored releases the key, so the shop can retry afresh. Once
// the session exists the key stays bound to it: a retry after a failure,
// or after the lease lapsed because the host died mid-creation, resumes
// that same session (stores it if it never was, begins it again if it is
// still created) and never creates a second one.
func (s *Service) CreateIdempotent(ctx context.Context, siteID, key, requestHash string, req CreateRequest) (body []byte, replayed bool, err error) {
	id, err := s.newID("ps_")
	if err != nil {
		return nil, false, err
	}
	now := s.clock()
	claim := IdempotencyKey{SiteID: siteID, Key: key, RequestHash: requestHash, CreatedAt: now, SessionID: id, LeaseUntil: now.Add(s.keyLease)}
	rec, held, err := s.store.ClaimIdempotencyKey(ctx, claim)
	if err != nil {
		return nil, false, wrapErr(CodeInternal, err, "recording the idempotency key failed")
	}
	switch {
	case rec.RequestHash != requestHash:
		return nil, false, errorf(CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body")
	case rec.Response != nil && rec.Response.StatusCode != 0:
		return rec.Response.Body, true, nil
	case !held:
		return nil, false, errorf(CodeIdempotencyInProgress, "a request with this Idempotency-Key is still being processed")
	}
	if rec.SessionID != "" {
		id = rec.SessionID
	}
	release := func() {
		if rerr := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), siteID, key); rerr != nil {
			s.log.Error("releasing idempotency key failed", "site", siteID, "error", rerr)
		}
	}
	sess, err := s.store.Session(ctx, id)
	switch {
	case err == nil:
		return s.resume(ctx, siteID, key, sess, release)
	case !errors.Is(err, ErrNotFound):
		release()
		return nil, false, wrapErr(CodeInternal, err, "reading the session of the idempotency key")
	}
	sc := *s
	sc.sessionID = id
	sess, err = sc.Create(ctx, siteID, req)
	if err != nil {
		release()
		return nil, false, err
	}
	return s.complete(ctx, siteID, key, sess, false)
}

// resume answers a retry for a session already stored: begun meanwhile,
// its state; still created (its Begin failed or its host died), begun
// again: plugins derive their providers' idempotency keys from the
// session, so the provider makes no second order.
func (s *Service) resume(ctx context.Context, siteID, key string, sess *Session, release func()) ([]byte, bool, error) {
	if sess.Status != StatusCreated {
		return s.complete(ctx, siteID, key, sess, true)
	}
	begun, err := s.begin(ctx, sess)
	if err != nil {
		release()
		return nil, false, err
	}
	return s.complete(ctx, siteID, key, begun, false)
}

// complete stores and returns the response of an idempotent creation.
func (s *Service) complete(ctx context.Context, siteID, key string, sess *Session, replayed bool) (body []byte, _ bool, err error) {
	body, err = json.Marshal(s.View(sess))
	if err != nil {
		return nil, false, wrapErr(CodeInternal, err, "encoding the session failed")
	}
	if err := s.store.CompleteIdempotencyKey(ctx, siteID, key, IdempotentResponse{StatusCode: 201, Body: body, SessionID: sess.ID}); err != nil {
		// The session exists; the shop gets it now, and a retry would
		// create another one, which the log makes visible.
		s.log.Error("storing idempotent response failed", "site", siteID, "session_id", sess.ID, "error", err)
	}
	return body, replayed, nil
}
