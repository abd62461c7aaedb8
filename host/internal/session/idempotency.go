package session

import (
	"context"
	"encoding/json"
	"time"
)

// staleClaim is how long an unanswered idempotency claim blocks its key: past
// it the request that made it is presumed dead (host crash) and a retry may
// take the key over.
const staleClaim = 2 * time.Minute

// CreateIdempotent is Create guarded by the shop's Idempotency-Key: the first
// request with a key creates the session and stores the response; a repeat
// with the same body gets the stored response (replayed = true); a repeat
// with another body is CodeIdempotencyKeyReused; a repeat while the first is
// still running is CodeIdempotencyInProgress. A request that fails before a
// session exists releases its key so the shop can retry; once the session
// exists the key is bound to it (a response with status 0), and a retry
// after a transient failure begins that same session again instead of
// creating another one.
func (s *Service) CreateIdempotent(ctx context.Context, siteID, key, requestHash string, req CreateRequest) (body []byte, replayed bool, err error) {
	claim := IdempotencyKey{SiteID: siteID, Key: key, RequestHash: requestHash, CreatedAt: s.clock()}
	for attempt := 0; ; attempt++ {
		existing, err := s.store.ClaimIdempotencyKey(ctx, claim)
		if err != nil {
			return nil, false, wrapErr(CodeInternal, err, "recording the idempotency key failed")
		}
		if existing == nil {
			break
		}
		switch {
		case existing.RequestHash != requestHash:
			return nil, false, errorf(CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body")
		case existing.Response != nil && existing.Response.StatusCode == 0:
			return s.resume(ctx, siteID, key, existing.Response.SessionID)
		case existing.Response != nil:
			return existing.Response.Body, true, nil
		case attempt == 0 && s.clock().Sub(existing.CreatedAt) > staleClaim:
			if err := s.store.ReleaseIdempotencyKey(ctx, siteID, key); err != nil {
				return nil, false, wrapErr(CodeInternal, err, "releasing a stale idempotency key failed")
			}
			continue
		}
		return nil, false, errorf(CodeIdempotencyInProgress, "a request with this Idempotency-Key is still being processed")
	}
	bound := false
	sc := *s
	sc.afterInsert = func(ctx context.Context, sess *Session) {
		if err := s.store.CompleteIdempotencyKey(ctx, siteID, key, IdempotentResponse{StatusCode: 0, SessionID: sess.ID}); err != nil {
			s.log.Error("binding the idempotency key to its session failed", "session_id", sess.ID, "error", err)
			return
		}
		bound = true
	}
	sess, err := sc.Create(ctx, siteID, req)
	if err != nil {
		if !bound || !transient(err) {
			if rerr := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), siteID, key); rerr != nil {
				s.log.Error("releasing idempotency key failed", "site", siteID, "error", rerr)
			}
		}
		return nil, false, err
	}
	return s.complete(ctx, siteID, key, sess, false)
}

// transient reports an error after which the same session may be begun again.
func transient(err error) bool {
	switch ErrorCode(err) {
	case CodePluginUnavailable, CodeProviderUnavailable:
		return true
	}
	return false
}

// resume begins again a session whose first Begin failed transiently.
func (s *Service) resume(ctx context.Context, siteID, key, sessionID string) ([]byte, bool, error) {
	sess, err := s.store.Session(ctx, sessionID)
	if err != nil {
		return nil, false, wrapErr(CodeInternal, err, "reading the session of the idempotency key")
	}
	if sess.Status != StatusCreated {
		// Begun meanwhile (by a concurrent retry): answer with its state.
		return s.complete(ctx, siteID, key, sess, true)
	}
	begun, err := s.begin(ctx, sess)
	if err != nil {
		if !transient(err) {
			if rerr := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), siteID, key); rerr != nil {
				s.log.Error("releasing idempotency key failed", "site", siteID, "error", rerr)
			}
		}
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
