package session

import (
	"context"
	"slices"
)

// SourceBuyer marks what the buyer's browser did on the host's own pages
// (saw a provider form, abandoned an attempt).
const SourceBuyer Source = "buyer"

// Reasons of the buyer's events.
const (
	// ReasonFormShown records that /pay sent the buyer to the provider
	// with a form post. Form-post providers (Mercanet, Systempay, Ogone)
	// refuse the same transaction twice, so the form is never sent again.
	ReasonFormShown = "provider_form_shown"
	// ReasonAbandoned is the cancellation of an attempt the buyer left to
	// choose another payment method.
	ReasonAbandoned = "abandoned_by_buyer"
)

// MarkFormShown records that the buyer was sent to the provider's form.
func (s *Service) MarkFormShown(ctx context.Context, id string) error {
	_, err := s.store.UpdateSession(ctx, id, s.recordFunc(SourceBuyer, ResultRecorded, "", eventInfo{reason: ReasonFormShown}))
	return err
}

// FormShown reports whether events record that the provider's form was
// already sent (see ReasonFormShown).
func FormShown(events []Event) bool {
	return slices.ContainsFunc(events, func(e Event) bool { return e.Source == SourceBuyer && e.Reason == ReasonFormShown })
}

// Abandon ends an attempt the buyer left (Back from the provider's page,
// or a deferred payment they will not make) so that they may choose
// another mode. Where the mode can Query its provider, it asks first: a
// verified outcome is applied (a payment that went through is kept, never
// cancelled). Otherwise the session is cancelled (reason
// abandoned_by_buyer, event and webhook as any cancellation). A payment
// that still arrives for it later is a late payment: needs_attention and a
// session.late_payment webhook (see latePayment). A session no longer
// created or pending is returned as it is.
func (s *Service) Abandon(ctx context.Context, id string) (*Session, error) {
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if !abandonable(sess.Status) {
		return sess, nil
	}
	if avail, ok := s.mode(sess.Mode); ok && s.capabilities(sess.SiteID, avail.Mode).Query {
		after, err := s.Reconcile(ctx, id, SourceBuyer)
		switch {
		case err != nil:
			// The buyer is not kept waiting on the provider: cancelled now,
			// a payment it reports later is caught as a late payment.
			s.log.Warn("query before abandon failed", "session_id", id, "code", ErrorCode(err), "error", err)
		case !abandonable(after.Status):
			return after, nil
		}
	}
	after, err := s.store.UpdateSession(ctx, id, func(cur *Session) (Change, error) {
		if !abandonable(cur.Status) {
			return Change{}, nil
		}
		return s.transition(cur, SourceBuyer, StatusCancelled, eventInfo{reason: ReasonAbandoned})
	})
	if err != nil {
		return nil, wrapErr(CodeInternal, err, "cancelling the abandoned attempt failed")
	}
	return after, nil
}

func abandonable(st Status) bool { return st == StatusCreated || st == StatusPending }
