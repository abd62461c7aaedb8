package session

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/payhost/payhost/host/internal/shopsig"
	"github.com/payhost/payhost/sdk/payment"
)

// ReturnResult tells the HTTP layer where to send the customer's browser.
type ReturnResult struct {
	Session *Session
	// Location is the shop's return (or cancel) URL with the signed
	// session, status, t and sig parameters.
	Location string
}

// HandleReturn processes the customer's browser coming back from the
// provider. It never fails the customer: whatever happens (bad signature,
// plugin down), the return is recorded when possible and the browser goes
// back to the shop with the session's current, signed status. Only a
// verified outcome changes the state (design §1 trust rule).
func (s *Service) HandleReturn(ctx context.Context, id string, req payment.HTTPRequest) (ReturnResult, error) {
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return ReturnResult{}, err
	}
	site, ok := s.sites[sess.SiteID]
	if !ok {
		return ReturnResult{}, errorf(CodeNotFound, "no such session")
	}
	if after, err := s.processReturn(ctx, sess, site, req); err != nil {
		s.log.Warn("return not applied", "session_id", sess.ID, "code", ErrorCode(err), "error", err)
	} else {
		sess = after
	}
	loc, err := s.ShopRedirect(sess)
	if err != nil {
		return ReturnResult{}, err
	}
	return ReturnResult{Session: sess, Location: loc}, nil
}

func (s *Service) processReturn(ctx context.Context, sess *Session, site *Site, req payment.HTTPRequest) (*Session, error) {
	prov, err := s.provider(sess.Plugin)
	if err != nil {
		return nil, err
	}
	mode, _ := s.mode(sess.Mode)
	secrets := secretValues(mode.Mode, site.Modes[sess.Mode].Config)
	resp, err := prov.HandleReturn(ctx, payment.CallbackRequest{Session: s.paymentSession(sess, site), Config: site.Modes[sess.Mode].Config, Request: req})
	if err != nil {
		perr := pluginError(sess.Plugin, err)
		if perr.Code == CodeInvalidSignature || perr.Code == CodeInvalidRequest {
			s.record(ctx, sess.ID, SourceReturn, ResultRejected, "", eventInfo{reason: perr.Code})
		}
		return nil, perr
	}
	o := resp.Outcome
	if o == nil {
		return s.store.UpdateSession(ctx, sess.ID, s.recordFunc(SourceReturn, ResultRecorded, "", eventInfo{reason: "unsigned_return"}))
	}
	info := outcomeInfo(o, secrets)
	if reason := checkOutcome(sess, o); reason != "" {
		info.reason = reason
		return s.store.UpdateSession(ctx, sess.ID, s.recordFunc(SourceReturn, ResultRejected, Status(o.Status), info))
	}
	if !o.Verified || o.Status == payment.StatusUnknown {
		info.reason = "unverified_return"
		if o.Verified {
			info.reason = "no_status"
		}
		return s.store.UpdateSession(ctx, sess.ID, s.recordFunc(SourceReturn, ResultRecorded, Status(o.Status), info))
	}
	return s.store.UpdateSession(ctx, sess.ID, s.transitionFunc(SourceReturn, Status(o.Status), info))
}

// record writes a standalone event, logging (not returning) a storage error:
// it is used on paths that already fail for another reason.
func (s *Service) record(ctx context.Context, id string, src Source, res Result, to Status, info eventInfo) {
	if _, err := s.store.UpdateSession(ctx, id, s.recordFunc(src, res, to, info)); err != nil {
		s.log.Error("recording event failed", "session_id", id, "reason", info.reason, "error", err)
	}
}

// ShopRedirect is the URL the browser goes to for a session in its
// current state. A failed attempt of a checkout (refused, cancelled,
// failed, expired) goes back to the checkout, where the buyer may pick
// another mode; otherwise the shop's cancel URL for a cancelled session,
// the return URL for the rest, with signed parameters.
func (s *Service) ShopRedirect(sess *Session) (string, error) {
	site, ok := s.sites[sess.SiteID]
	if !ok {
		return "", errorf(CodeNotFound, "no such session")
	}
	if sess.CheckoutID != "" && sess.Status.Terminal() && !sess.Status.Success() {
		return s.publicURL + "/checkout/" + sess.CheckoutID + "?attempt=" + url.QueryEscape(string(sess.Status)), nil
	}
	target := sess.ReturnURL
	if sess.Status == StatusCancelled && sess.CancelURL != "" {
		target = sess.CancelURL
	}
	loc, err := shopsig.AppendReturnParams(target, shopsig.ReturnParams(site.WebhookSecret, sess.ID, string(sess.Status), !site.TestMode, s.clock()))
	if err != nil {
		return "", wrapErr(CodeInternal, err, "building the shop return URL failed")
	}
	return loc, nil
}

// NotificationResult is what to answer the provider.
type NotificationResult struct {
	Session  *Session
	Response payment.HTTPResponse
}

// HandleNotification processes a provider's server-to-server notification
// for plugin, about session id (empty: the plugin identifies it). The state
// change, its events and the shop webhook are committed in one transaction
// before the provider's expected answer is returned; any error means the
// host must answer non-2xx so the provider retries.
func (s *Service) HandleNotification(ctx context.Context, plugin, id string, req payment.HTTPRequest) (NotificationResult, error) {
	prov, err := s.provider(plugin)
	if err != nil {
		return NotificationResult{}, err
	}
	sess, err := s.identify(ctx, prov, plugin, id, req)
	if err != nil {
		return NotificationResult{}, err
	}
	site, ok := s.sites[sess.SiteID]
	if !ok {
		return NotificationResult{}, errorf(CodeNotFound, "no such session")
	}
	if sess.Plugin != plugin {
		s.record(ctx, sess.ID, SourceNotification, ResultRejected, "", eventInfo{reason: "plugin_mismatch"})
		return NotificationResult{}, errorf(CodeOutcomeMismatch, "session %s does not belong to plugin %s", sess.ID, plugin)
	}
	mode, _ := s.mode(sess.Mode)
	secrets := secretValues(mode.Mode, site.Modes[sess.Mode].Config)
	resp, err := prov.HandleNotification(ctx, payment.CallbackRequest{Session: s.paymentSession(sess, site), Config: site.Modes[sess.Mode].Config, Request: req})
	if err != nil {
		perr := pluginError(plugin, err)
		if perr.Code == CodeInvalidSignature || perr.Code == CodeInvalidRequest {
			s.record(ctx, sess.ID, SourceNotification, ResultRejected, "", eventInfo{reason: perr.Code})
		}
		return NotificationResult{}, perr
	}
	response := resp.Response
	if response.StatusCode == 0 {
		response.StatusCode = http.StatusOK
	}
	o := resp.Outcome
	if o == nil {
		after, err := s.store.UpdateSession(ctx, sess.ID, s.recordFunc(SourceNotification, ResultRecorded, "", eventInfo{reason: "no_outcome"}))
		if err != nil {
			return NotificationResult{}, wrapErr(CodeInternal, err, "recording the notification failed")
		}
		return NotificationResult{Session: after, Response: response}, nil
	}
	info := outcomeInfo(o, secrets)
	if !o.Verified {
		info.reason = "unverified_notification"
		s.record(ctx, sess.ID, SourceNotification, ResultRejected, Status(o.Status), info)
		return NotificationResult{}, errorf(CodeInvalidSignature, "the notification is not verified")
	}
	if st := Status(o.Status); st == StatusRefunded || st == StatusPartiallyRefunded {
		after, err := s.providerRefund(ctx, sess, o, info)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return NotificationResult{}, e
			}
			return NotificationResult{}, wrapErr(CodeInternal, err, "storing the refund failed")
		}
		return NotificationResult{Session: after, Response: response}, nil
	}
	if reason := checkOutcome(sess, o); reason != "" {
		info.reason = reason
		s.log.Warn("notification rejected", "session_id", sess.ID, "plugin", plugin, "reason", reason)
		s.record(ctx, sess.ID, SourceNotification, ResultRejected, Status(o.Status), info)
		return NotificationResult{}, errorf(CodeOutcomeMismatch, "the notification does not match the session (%s)", reason)
	}
	fn := s.transitionFunc(SourceNotification, Status(o.Status), info)
	if o.Status == payment.StatusUnknown {
		info.reason = "no_status"
		fn = s.recordFunc(SourceNotification, ResultRecorded, "", info)
	}
	after, err := s.store.UpdateSession(ctx, sess.ID, fn)
	if err != nil {
		return NotificationResult{}, wrapErr(CodeInternal, err, "storing the notification failed")
	}
	return NotificationResult{Session: after, Response: response}, nil
}

// identify finds the session a notification is about.
func (s *Service) identify(ctx context.Context, prov payment.Provider, plugin, id string, req payment.HTTPRequest) (*Session, error) {
	if id != "" {
		return s.store.Session(ctx, id)
	}
	ident, err := prov.IdentifyCallback(ctx, payment.IdentifyCallbackRequest{Request: req})
	if err != nil {
		return nil, pluginError(plugin, err)
	}
	if ident.SessionID != "" {
		return s.store.Session(ctx, ident.SessionID)
	}
	if ident.Reference == "" {
		return nil, errorf(CodeInvalidRequest, "the notification names no session")
	}
	var found *Session
	for _, a := range s.catalog.Available() {
		if a.Plugin != plugin {
			continue
		}
		list, err := s.store.SessionsByReference(ctx, a.Mode.ID, ident.Reference)
		if err != nil {
			return nil, wrapErr(CodeInternal, err, "looking up the reference failed")
		}
		for _, c := range list {
			if found != nil {
				return nil, errorf(CodeInvalidRequest, "reference %s names several sessions", ident.Reference)
			}
			found = c
		}
	}
	if found == nil {
		return nil, ErrNotFound
	}
	return found, nil
}

// isNotFound reports a missing session.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
