package session

import (
	"context"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// open reports whether a session may still settle.
func (s Status) open() bool {
	return s == StatusCreated || s == StatusPending || s == StatusAuthorized
}

// firstCheck is when the janitor first looks at a new session: after the
// first query delay for modes that can Query, at expiry otherwise.
func (s *Service) firstCheck(now time.Time, siteID string, mode payment.Mode) time.Time {
	if s.capabilities(siteID, mode).Query {
		return now.Add(s.schedule[0])
	}
	return time.Time{}
}

// strandedCheck brings a created session's next check forward to the
// time it counts as stranded.
func (s *Service) strandedCheck(sess *Session, next time.Time) time.Time {
	if sess.Status != StatusCreated {
		return next
	}
	if at := sess.CreatedAt.Add(s.strandedAfter); next.IsZero() || at.Before(next) {
		return at
	}
	return next
}

// nextDelay is the delay after the n-th check (n from 1).
func (s *Service) nextDelay(n int) (time.Duration, bool) {
	if n < len(s.schedule) {
		return s.schedule[n], true
	}
	return 0, false
}

// JanitorReport says what one janitor run did.
type JanitorReport struct {
	Expired, Queried, Operations int
	// PrunedKeys and PrunedPayloads count what retention removed.
	PrunedKeys, PrunedPayloads int
}

// RunJanitor settles what notifications did not: sessions past their
// lifetime expire (after a last Query where the mode has one), pending
// sessions are queried on the schedule, and open operations are asked
// again with the same operation id. Each session is claimed by bumping its
// next check inside a transaction before any plugin call, so several
// instances never work on one session at once.
func (s *Service) RunJanitor(ctx context.Context, limit int) (JanitorReport, error) {
	var rep JanitorReport
	now := s.clock()
	due, err := s.store.DueSessions(ctx, now, limit)
	if err != nil {
		return rep, wrapErr(CodeInternal, err, "listing due sessions")
	}
	for _, sess := range due {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		expired, queried := s.checkSession(ctx, sess.ID, now)
		if expired {
			rep.Expired++
		}
		if queried {
			rep.Queried++
		}
	}
	ops, err := s.store.DueOperations(ctx, now, limit)
	if err != nil {
		return rep, wrapErr(CodeInternal, err, "listing due operations")
	}
	for _, op := range ops {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if s.retryOperation(ctx, op, now) {
			rep.Operations++
		}
	}
	return rep, s.prune(ctx, now, limit, &rep)
}

// prune applies retention: idempotency keys and delivered webhooks'
// payloads past their age, limit of each per run. Sessions, events,
// operations and delivery records are kept.
func (s *Service) prune(ctx context.Context, now time.Time, limit int, rep *JanitorReport) error {
	n, err := s.store.PruneIdempotencyKeys(ctx, now.Add(-s.keyRetention), limit)
	if err != nil {
		return wrapErr(CodeInternal, err, "pruning idempotency keys")
	}
	rep.PrunedKeys = n
	s.metrics.Pruned("idempotency_keys", n)
	if n, err = s.store.PruneWebhookPayloads(ctx, now.Add(-s.payloadRetention), now, limit); err != nil {
		return wrapErr(CodeInternal, err, "pruning webhook payloads")
	}
	rep.PrunedPayloads = n
	s.metrics.Pruned("webhook_payloads", n)
	return nil
}

// lease moves a due session's next check forward so that no other
// instance picks it while this one calls the plugin.
const lease = 2 * time.Minute

// stranded reports a session still created long after its creation: its
// Begin never answered (its host died) and no retry resumed it. No action
// ever reached the customer, so nothing can be paid: it expires.
func (s *Service) stranded(cur *Session, now time.Time) bool {
	return cur.Status == StatusCreated && !now.Before(cur.CreatedAt.Add(s.strandedAfter))
}

func (s *Service) checkSession(ctx context.Context, id string, now time.Time) (expired, queried bool) {
	var claimed *Session
	_, err := s.store.UpdateSession(ctx, id, func(cur *Session) (Change, error) {
		due := (!cur.NextCheckAt.IsZero() && !cur.NextCheckAt.After(now)) || (!cur.ExpiresAt.IsZero() && !cur.ExpiresAt.After(now))
		if !cur.Status.open() || !due {
			return Change{}, nil
		}
		if s.stranded(cur, now) {
			expired = true
			return s.transition(cur, SourceJanitor, StatusExpired, eventInfo{reason: "never_begun"})
		}
		cur.NextCheckAt = now.Add(lease)
		cur.CheckAttempts++
		copy := *cur
		claimed = &copy
		return Change{Session: cur}, nil
	})
	if err != nil || claimed == nil {
		return err == nil && expired, false
	}
	avail, known := s.mode(claimed.Mode)
	canQuery := known && s.capabilities(claimed.SiteID, avail.Mode).Query
	if canQuery {
		queried = true
		after, err := s.Reconcile(ctx, id, SourceJanitor)
		if err == nil && !after.Status.open() {
			return false, true
		}
		if ErrorCode(err) == CodeUnsupported {
			canQuery = false // this configuration cannot query (e.g. Mercanet simu): wait for expiry
		}
	}
	pastExpiry := !claimed.ExpiresAt.IsZero() && !claimed.ExpiresAt.After(now)
	_, err = s.store.UpdateSession(ctx, id, func(cur *Session) (Change, error) {
		if !cur.Status.open() {
			return Change{}, nil
		}
		if pastExpiry {
			return s.transition(cur, SourceJanitor, StatusExpired, eventInfo{reason: "lifetime_exceeded"})
		}
		if d, more := s.nextDelay(cur.CheckAttempts); more && canQuery {
			cur.NextCheckAt = now.Add(d)
		} else {
			cur.NextCheckAt = time.Time{} // expiry remains
		}
		cur.NextCheckAt = s.strandedCheck(cur, cur.NextCheckAt)
		return Change{Session: cur}, nil
	})
	if err != nil {
		s.log.Error("janitor", "session_id", id, "error", err)
	}
	return pastExpiry, queried
}
