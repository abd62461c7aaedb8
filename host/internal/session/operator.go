package session

import (
	"context"
	"errors"

	"github.com/payhost/payhost/sdk/payment"
)

// Get returns a session and its events. siteID restricts the lookup to one
// site ("" for operators): another site's session is ErrNotFound, so a key
// never learns that it exists.
func (s *Service) Get(ctx context.Context, siteID, id string) (*Session, []Event, error) {
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if siteID != "" && sess.SiteID != siteID {
		return nil, nil, ErrNotFound
	}
	events, err := s.store.Events(ctx, id)
	if err != nil {
		return nil, nil, wrapErr(CodeInternal, err, "reading events failed")
	}
	return sess, events, nil
}

// Record returns a session with its events and operations, read at one
// instant (a session's page or JSON must not show an operation succeeded
// beside the session as it was before); siteID "" is any site.
func (s *Service) Record(ctx context.Context, siteID, id string) (*Session, []Event, []Operation, error) {
	sess, events, ops, err := s.store.SessionRecord(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, nil, err
		}
		return nil, nil, nil, wrapErr(CodeInternal, err, "reading the session failed")
	}
	if siteID != "" && sess.SiteID != siteID {
		return nil, nil, nil, ErrNotFound
	}
	return sess, events, ops, nil
}

// List lists sessions for operators.
func (s *Service) List(ctx context.Context, f Filter) ([]*Session, error) {
	if f.Status != "" && !f.Status.Known() {
		return nil, errorf(CodeInvalidRequest, "status %q is not a session state", f.Status)
	}
	if f.SiteID != "" {
		if _, ok := s.sites[f.SiteID]; !ok {
			return nil, errorf(CodeInvalidRequest, "site %q does not exist", f.SiteID)
		}
	}
	return s.store.Sessions(ctx, f)
}

// Confirm records that an operator received a deferred payment (cheque,
// transfer): pending → paid. Confirming twice is a no-op; any other state or
// kind is CodeInvalidState.
func (s *Service) Confirm(ctx context.Context, id string) (*Session, error) {
	var stateErr error
	after, err := s.store.UpdateSession(ctx, id, func(cur *Session) (Change, error) {
		if cur.Kind != payment.KindDeferred {
			return Change{}, errorf(CodeInvalidState, "session %s is in mode %s, which is not confirmed by an operator", cur.ID, cur.Mode)
		}
		ch, err := s.transition(cur, SourceOperator, StatusPaid, eventInfo{})
		if err == nil && len(ch.Events) == 1 && ch.Events[0].Result == ResultRejected {
			stateErr = errorf(CodeInvalidState, "session %s is %s and cannot be confirmed", cur.ID, ch.Events[0].From)
		}
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	if stateErr != nil {
		return after, stateErr
	}
	return after, nil
}

// Resolve clears a session's needs_attention mark once an operator has
// dealt with it (refunded the late payment, or the shop revived the
// order), recording who-knows-why in the timeline. Resolving a session
// that needs nothing is a no-op.
func (s *Service) Resolve(ctx context.Context, id string) (*Session, error) {
	return s.store.UpdateSession(ctx, id, func(cur *Session) (Change, error) {
		if !cur.NeedsAttention {
			return Change{}, nil
		}
		ev := s.event(cur, SourceOperator, ResultRecorded, cur.Status, eventInfo{reason: "attention_resolved"})
		cur.NeedsAttention = false
		cur.UpdatedAt = ev.Time
		return Change{Session: cur, Events: []Event{ev}}, nil
	})
}

// Operations lists a session's operations (the caller checked access).
func (s *Service) Operations(ctx context.Context, id string) ([]Operation, error) {
	return s.store.Operations(ctx, id)
}

// Deliveries lists a session's outbox messages and delivery attempts.
func (s *Service) Deliveries(ctx context.Context, id string) ([]OutboxMessage, []Delivery, error) {
	if _, err := s.store.Session(ctx, id); err != nil {
		return nil, nil, err
	}
	msgs, err := s.store.Outbox(ctx, id)
	if err != nil {
		return nil, nil, wrapErr(CodeInternal, err, "reading the outbox")
	}
	ds, err := s.store.Deliveries(ctx, id)
	if err != nil {
		return nil, nil, wrapErr(CodeInternal, err, "reading deliveries")
	}
	return msgs, ds, nil
}

// Redeliver queues an outbox message of a session again.
// A message whose payload retention removed cannot be sent again.
func (s *Service) Redeliver(ctx context.Context, id string, outboxID int64) error {
	err := s.store.Redeliver(ctx, id, outboxID, s.clock())
	if errors.Is(err, ErrPruned) {
		return wrapErr(CodeInvalidState, err, "the payload of this webhook was removed by retention; it cannot be sent again")
	}
	return err
}
