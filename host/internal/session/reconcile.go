package session

import (
	"context"

	"github.com/payhost/payhost/sdk/payment"
)

// Reconcile asks the provider for the session's state (the plugin's Query)
// and applies a verified answer through the state machine, exactly as a
// notification would be. It exists because some providers (Mercanet) never
// retry a lost notification. Every attempt is recorded as an event.
func (s *Service) Reconcile(ctx context.Context, id string, src Source) (*Session, error) {
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	site, ok := s.sites[sess.SiteID]
	if !ok {
		return nil, errorf(CodeInternal, "session %s belongs to unknown site %s", sess.ID, sess.SiteID)
	}
	avail, known := s.mode(sess.Mode)
	if !known {
		return nil, errorf(CodePluginUnavailable, "no loaded plugin offers mode %s", sess.Mode)
	}
	if !s.capabilities(sess.SiteID, avail.Mode).Query {
		return nil, errorf(CodeUnsupported, "mode %s cannot query its provider%s", sess.Mode, s.unsupportedReason(sess.SiteID, sess.Mode, payment.CapabilityQuery))
	}
	prov, err := s.provider(sess.Plugin)
	if err != nil {
		return nil, err
	}
	resp, err := prov.Query(ctx, payment.QueryRequest{Session: s.paymentSession(sess, site), Config: site.Modes[sess.Mode].Config})
	if err != nil {
		perr := pluginError(sess.Plugin, err)
		s.record(ctx, sess.ID, src, ResultRecorded, "", eventInfo{reason: "query_failed_" + perr.Code})
		return nil, perr
	}
	o := &resp.Outcome
	info := outcomeInfo(o, secretValues(avail.Mode, site.Modes[sess.Mode].Config))
	switch {
	case !o.Verified:
		info.reason = "unverified_query"
		s.record(ctx, sess.ID, src, ResultRejected, Status(o.Status), info)
		return nil, errorf(CodePluginError, "the plugin's query answer is not verified")
	case o.Status == payment.StatusUnknown:
		info.reason = "query_no_state"
		return s.store.UpdateSession(ctx, sess.ID, s.recordFunc(src, ResultRecorded, "", info))
	}
	if reason := checkOutcome(sess, o); reason != "" {
		info.reason = reason
		s.record(ctx, sess.ID, src, ResultRejected, Status(o.Status), info)
		return nil, errorf(CodeOutcomeMismatch, "the provider's answer does not match the session (%s)", reason)
	}
	after, err := s.store.UpdateSession(ctx, sess.ID, s.transitionFunc(src, Status(o.Status), info))
	if err != nil {
		return nil, wrapErr(CodeInternal, err, "storing the query result failed")
	}
	return after, nil
}
