package session

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// eventInfo is what an event records besides its transition.
type eventInfo struct {
	reason          string
	providerTxID    string
	providerCode    string
	providerMessage string
	authCode        string
	payload         map[string]string
}

func outcomeInfo(o *payment.Outcome, secrets []string) eventInfo {
	return eventInfo{
		providerTxID:    o.ProviderTransactionID,
		providerCode:    o.ResponseCode,
		providerMessage: o.ResponseMessage,
		authCode:        o.AuthorizationCode,
		payload:         redact(o.Payload, secrets),
	}
}

// event builds an event; metrics count it once its transaction commits
// (see observedStore).
func (s *Service) event(cur *Session, src Source, res Result, to Status, info eventInfo) Event {
	return Event{
		SessionID:             cur.ID,
		Time:                  s.clock(),
		Source:                src,
		Result:                res,
		From:                  cur.Status,
		To:                    to,
		Reason:                info.reason,
		ProviderTransactionID: info.providerTxID,
		ProviderCode:          info.providerCode,
		ProviderMessage:       info.providerMessage,
		AuthorizationCode:     info.authCode,
		Payload:               info.payload,
	}
}

// transition decides a move with Decide and returns the change to store: on
// Apply the new session, an applied event and the shop webhook; otherwise
// only a duplicate or rejected event. cur may already carry other updates
// (action, provider data) which are stored only when the move applies.
func (s *Service) transition(cur *Session, src Source, to Status, info eventInfo) (Change, error) {
	switch Decide(cur.Status, to) {
	case Apply:
		ev := s.event(cur, src, ResultApplied, to, info)
		cur.Status = to
		cur.UpdatedAt = ev.Time
		if !to.open() {
			cur.NextCheckAt = time.Time{} // nothing left for the janitor
		}
		if to == StatusAuthorized {
			// An authorization lives as long as the provider keeps it
			// capturable, not the site's session lifetime.
			cur.ExpiresAt = ev.Time.Add(s.captureWindow(cur.Mode))
		}
		if info.providerTxID != "" {
			cur.ProviderTransactionID = info.providerTxID
		}
		msg, err := s.webhook(cur)
		if err != nil {
			return Change{}, err
		}
		return Change{Session: cur, Events: []Event{ev}, Outbox: []OutboxMessage{msg}}, nil
	case Duplicate:
		if info.providerTxID != "" && cur.ProviderTransactionID != "" && info.providerTxID != cur.ProviderTransactionID {
			// Same state through another provider transaction: a second
			// payment for one session. Never merged silently.
			info.reason = "conflicting_transaction"
			return Change{Events: []Event{s.event(cur, src, ResultRejected, to, info)}}, nil
		}
		return Change{Events: []Event{s.event(cur, src, ResultDuplicate, to, info)}}, nil
	default:
		if src != SourceAPI && lateSuccess(cur.Status, to) {
			return s.latePayment(cur, src, to, info)
		}
		if info.reason == "" {
			info.reason = "transition_not_allowed"
		}
		return Change{Events: []Event{s.event(cur, src, ResultRejected, to, info)}}, nil
	}
}

// lateSuccess reports a verified payment or authorization for a session
// closed without one: money was taken that the shop does not expect.
func lateSuccess(from, to Status) bool {
	switch from {
	case StatusCancelled, StatusExpired, StatusRefused, StatusFailed:
		return to == StatusPaid || to == StatusAuthorized
	}
	return false
}

// ReasonLatePayment is the reason of the event recording a late payment.
const ReasonLatePayment = "late_payment"

// EventLatePayment is the "event" of the webhook telling the shop of a late
// payment.
const EventLatePayment = "session.late_payment"

// LatePaymentView is the late payment a session.late_payment webhook
// reports.
type LatePaymentView struct {
	Status                Status `json:"status"`
	Amount                int64  `json:"amount"`
	Currency              string `json:"currency"`
	ProviderTransactionID string `json:"provider_transaction_id,omitempty"`
}

// latePayment records a late payment without moving the session: the
// event, the needs_attention mark, the amount taken (so that it can be
// refunded through the API) and a session.late_payment webhook whose
// event id is stable, so a provider's repeated notifications make one.
func (s *Service) latePayment(cur *Session, src Source, to Status, info eventInfo) (Change, error) {
	info.reason = ReasonLatePayment
	ev := s.event(cur, src, ResultRecorded, to, info)
	cur.NeedsAttention = true
	cur.UpdatedAt = ev.Time
	if to == StatusPaid && cur.CapturedAmount == 0 {
		cur.CapturedAmount = cur.Amount
	}
	if info.providerTxID != "" {
		cur.ProviderTransactionID = info.providerTxID
	}
	body, err := json.Marshal(struct {
		Event       string          `json:"event"`
		LatePayment LatePaymentView `json:"late_payment"`
		View
	}{EventLatePayment, LatePaymentView{Status: to, Amount: cur.Amount, Currency: cur.Currency, ProviderTransactionID: info.providerTxID}, s.View(cur)})
	if err != nil {
		return Change{}, fmt.Errorf("webhook payload: %w", err)
	}
	msg := OutboxMessage{EventID: cur.ID + ":late_payment:" + string(to), SessionID: cur.ID, SiteID: cur.SiteID,
		Status: cur.Status, Payload: body, CreatedAt: ev.Time}
	return Change{Session: cur, Events: []Event{ev}, Outbox: []OutboxMessage{msg}}, nil
}

// captureWindow is how long an authorization of the mode stays
// capturable at its provider.
func (s *Service) captureWindow(mode string) time.Duration {
	if avail, ok := s.mode(mode); ok && avail.Mode.CaptureWindow > 0 {
		return avail.Mode.CaptureWindow
	}
	return payment.DefaultCaptureWindow
}

func (s *Service) transitionFunc(src Source, to Status, info eventInfo) UpdateFunc {
	return func(cur *Session) (Change, error) { return s.transition(cur, src, to, info) }
}

// recordFunc writes one event without touching the session.
func (s *Service) recordFunc(src Source, res Result, to Status, info eventInfo) UpdateFunc {
	return func(cur *Session) (Change, error) {
		return Change{Events: []Event{s.event(cur, src, res, to, info)}}, nil
	}
}

// webhook builds the outbox message announcing the session's new state.
func (s *Service) webhook(cur *Session) (OutboxMessage, error) {
	body, err := json.Marshal(s.View(cur))
	if err != nil {
		return OutboxMessage{}, fmt.Errorf("webhook payload: %w", err)
	}
	id := cur.ID + ":" + string(cur.Status)
	if cur.Status == StatusPartiallyRefunded {
		// Several partial refunds are several events.
		id += ":" + strconv.FormatInt(cur.RefundedAmount, 10)
	}
	return OutboxMessage{
		EventID:   id,
		SessionID: cur.ID,
		SiteID:    cur.SiteID,
		Status:    cur.Status,
		Payload:   body,
		CreatedAt: cur.UpdatedAt,
	}, nil
}

// checkOutcome compares what the provider stated with the session; it returns
// a reason code for the first mismatch, or "". A success outcome must state
// amount, currency and reference (the trust rule of design §1).
func checkOutcome(s *Session, o *payment.Outcome) string {
	st := Status(o.Status)
	if o.Status != payment.StatusUnknown && (!st.Known() || st == StatusCreated) {
		return "unknown_status"
	}
	if st.Success() && (o.Currency == "" || o.Reference == "") {
		return "incomplete_outcome"
	}
	if o.Currency != "" && !strings.EqualFold(o.Currency, s.Currency) {
		return "currency_mismatch"
	}
	if (o.Currency != "" || o.Amount != 0) && o.Amount != s.Amount {
		return "amount_mismatch"
	}
	if o.Reference != "" && o.Reference != s.Reference {
		return "reference_mismatch"
	}
	return ""
}

// secretValues lists the mode's secret configuration values, so that they are
// removed from anything stored even if a plugin forgot to.
func secretValues(m payment.Mode, cfg payment.Config) []string {
	var out []string
	for _, f := range m.ConfigSchema {
		if f.Secret && cfg[f.Key] != "" {
			out = append(out, cfg[f.Key])
		}
	}
	return out
}

// scrub replaces every secret value (of at least four characters, as in
// redact) found in a text.
func scrub(text string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			text = strings.ReplaceAll(text, sec, "[redacted]")
		}
	}
	return text
}

// redact copies a payload, replacing any value that contains a secret.
func redact(p map[string]string, secrets []string) map[string]string {
	if p == nil {
		return nil
	}
	out := make(map[string]string, len(p))
	for k, v := range p {
		for _, sec := range secrets {
			if len(sec) >= 4 && strings.Contains(v, sec) {
				v = "[redacted]"
				break
			}
		}
		out[k] = v
	}
	return out
}
