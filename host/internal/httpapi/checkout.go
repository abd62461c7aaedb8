package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/web"
	"github.com/payhost/payhost/shared/locale"
)

// handleCreateCheckout serves POST /v1/checkouts.
func (s *Server) handleCreateCheckout(w http.ResponseWriter, r *http.Request, siteID string) {
	var wire checkoutRequest
	raw, ok := s.readJSON(w, r, &wire)
	if !ok {
		return
	}
	req := wire.input()
	s.create(w, r, raw,
		func(ctx context.Context) (any, error) {
			st, err := s.checkouts.Create(ctx, siteID, req)
			if err != nil {
				return nil, err
			}
			return s.checkouts.View(st), nil
		},
		func(ctx context.Context, key, hash string) ([]byte, bool, error) {
			return s.checkouts.CreateIdempotent(ctx, siteID, key, hash, req)
		})
}

// handleGetCheckout serves GET /v1/checkouts/{id}.
func (s *Server) handleGetCheckout(w http.ResponseWriter, r *http.Request, siteID string) {
	st, err := s.checkouts.Get(r.Context(), siteID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.checkouts.View(st))
}

// openCheckout reads the checkout of a buyer page and its printer; when
// nothing can be chosen (unknown, expired, paid, under way) it has answered
// with the page saying why, and ok is false.
func (s *Server) openCheckout(w http.ResponseWriter, r *http.Request) (st *checkout.State, p *locale.Printer, ok bool) {
	st, err := s.checkouts.Get(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.browserError(w, r, "", err)
		return nil, nil, false
	}
	p = s.pages.Printer(st.Customer.Locale, r)
	if s.checkoutBlocked(w, r, p, st) {
		return nil, nil, false
	}
	return st, p, true
}

// handleCheckoutPage serves GET /checkout/{id}: the hosted chooser, or the
// page saying why there is nothing to choose (expired, paid, under way).
func (s *Server) handleCheckoutPage(w http.ResponseWriter, r *http.Request) {
	st, p, ok := s.openCheckout(w, r)
	if !ok {
		return
	}
	offers, err := s.checkouts.Offers(r.Context(), st)
	if err != nil {
		s.browserError(w, r, st.Customer.Locale, err)
		return
	}
	page := s.checkoutPage(p, st, offers, web.StaticPrefix)
	page.Action = "/checkout/" + st.ID
	if n := r.URL.Query().Get("attempt"); n != "" && s.pages.Has("attempt."+n) {
		page.Notice = p.T("attempt." + n)
	}
	if err := s.pages.Render(w, http.StatusOK, "checkout", page); err != nil {
		s.log.Error("rendering checkout page", "checkout_id", st.ID, "error", err)
	}
}

// checkoutPage is the chooser's data, shared by the hosted page and the
// widget.
func (s *Server) checkoutPage(p *locale.Printer, st *checkout.State, offers []eligibility.Offer, static string) web.CheckoutPage {
	c := st.Cart
	page := web.CheckoutPage{Base: s.base(p, st.SiteID), OrderRef: st.OrderRef, Total: p.Amount(c.TotalAmount, c.Currency), CancelURL: st.CancelURL}
	page.Static = static
	for _, l := range c.Lines {
		page.Lines = append(page.Lines, web.LineView{Label: l.Label, Quantity: l.Quantity, Amount: p.Amount(l.Quantity*l.UnitAmount, c.Currency)})
	}
	if c.ShippingAmount > 0 {
		page.Shipping = p.Amount(c.ShippingAmount, c.Currency)
	}
	for _, o := range offers {
		page.Offers = append(page.Offers, s.offer(p, o, static))
	}
	return page
}

// offer is a mode as the buyer sees it: the catalog's label and
// description for the built-in modes, the plugin's otherwise.
func (s *Server) offer(p *locale.Printer, o eligibility.Offer, static string) web.Offer {
	v := web.Offer{ID: o.ID, Label: o.Label, Description: o.Description, Kind: string(o.Kind), Logo: o.LogoURL}
	if s.pages.Has("mode." + o.ID + ".label") {
		v.Label = p.T("mode." + o.ID + ".label")
		v.Description = p.T("mode." + o.ID + ".description")
	}
	if v.Logo == "" {
		v.Logo = static + strings.TrimPrefix(web.LogoFor(o.ID, string(o.Kind)), web.StaticPrefix)
	}
	return v
}

// checkoutBlocked shows the page of a checkout on which no mode can be
// picked, and reports whether it did.
func (s *Server) checkoutBlocked(w http.ResponseWriter, r *http.Request, p *locale.Printer, st *checkout.State) bool {
	b := s.base(p, st.SiteID)
	back := web.Link{URL: st.CancelURL, Label: p.T("back.shop"), Primary: true}
	switch st.Status {
	case checkout.StatusExpired:
		s.message(w, r, http.StatusGone, b, "warn", "expired", back)
	case checkout.StatusComplete:
		back.URL = st.ReturnURL
		if loc, err := s.svc.ShopRedirect(st.Success()); err == nil {
			back.URL = loc
		}
		s.message(w, r, http.StatusOK, b, "info", "paid", back)
	case checkout.StatusProcessing:
		back.Primary = false
		active := st.Active()
		abandon := s.abandonLink(p, st, active)
		if !s.resumable(r.Context(), active) {
			abandon.Primary = true
			s.page(w, r, http.StatusConflict, web.Message{Base: b, Kind: "warn", Title: p.T("error.left.title"),
				Text: p.T("error.left.text", providerName(active.Plugin)), Links: []web.Link{abandon, back}})
			return true
		}
		cont := web.Link{URL: "/pay/" + active.ID, Label: p.T("error.active.continue"), Primary: true}
		s.message(w, r, http.StatusConflict, b, "warn", "active", cont, abandon, back)
	default:
		return false
	}
	return true
}

// handleCheckoutPick serves POST /checkout/{id}: the buyer picked a mode
// on the hosted page (a plain form post, no JavaScript needed). The
// session is created as POST /v1/sessions would, and the buyer sent to its
// pay page (or straight back to the shop when it settled at once).
func (s *Server) handleCheckoutPick(w http.ResponseWriter, r *http.Request) {
	st, p, ok := s.openCheckout(w, r)
	if !ok {
		return
	}
	sess, err := s.checkouts.Pick(r.Context(), st, r.PostFormValue("mode"))
	if err != nil {
		s.pickFailed(w, r, p, st, err)
		return
	}
	http.Redirect(w, r, s.afterPick(sess), http.StatusSeeOther)
}

// afterPick is where the browser goes once a session is created: its pay
// page, or the shop when it settled at once (free orders).
func (s *Server) afterPick(sess *session.Session) string {
	if sess.Status == session.StatusPending {
		return s.publicURL + "/pay/" + sess.ID
	}
	if loc, err := s.svc.ShopRedirect(sess); err == nil {
		return loc
	}
	return s.publicURL + "/pay/" + sess.ID
}

func (s *Server) pickFailed(w http.ResponseWriter, r *http.Request, p *locale.Printer, st *checkout.State, err error) {
	code := session.ErrorCode(err)
	b := s.base(p, st.SiteID)
	again := web.Link{URL: "/checkout/" + st.ID, Label: p.T("back.checkout"), Primary: true}
	switch code {
	case session.CodeAttemptActive, session.CodeCheckoutExpired:
		// Raced with another tab: show the checkout's current state.
		if cur, gerr := s.checkouts.Get(r.Context(), "", st.ID); gerr == nil && s.checkoutBlocked(w, r, p, cur) {
			return
		}
		s.message(w, r, http.StatusConflict, b, "warn", "active", again)
	case session.CodeModeNotEligible, session.CodeUnknownMode, session.CodeInvalidRequest,
		session.CodePluginUnavailable, session.CodeProviderUnavailable, session.CodePluginError, session.CodeProviderRejected:
		if statusFor(code) >= 500 {
			s.log.Warn("checkout pick failed", "checkout_id", st.ID, "code", code, "error", err)
		}
		s.message(w, r, statusFor(code), b, "warn", "unavailable", again)
	default:
		s.log.Error("checkout pick failed", "checkout_id", st.ID, "code", code, "error", err)
		s.message(w, r, http.StatusInternalServerError, b, "error", "internal", again)
	}
}

// abandonLink is the "choose another payment method" button of an attempt
// under way: a form posting the attempt's id and its token (see
// checkout.AbandonToken) to /checkout/{id}/abandon.
func (s *Server) abandonLink(p *locale.Printer, st *checkout.State, active *session.Session) web.Link {
	return web.Link{URL: "/checkout/" + st.ID + "/abandon", Label: p.T("abandon.button"), Post: true,
		Fields: []web.Field{{Name: "session", Value: active.ID}, {Name: "token", Value: st.AbandonToken(active.ID)}}}
}

// resumable reports whether /pay can still take the buyer on with an
// attempt: not when it is a provider form the buyer was already sent
// (form-post providers refuse a transaction posted twice).
func (s *Server) resumable(ctx context.Context, sess *session.Session) bool {
	if sess.Action == nil || sess.Action.Form == nil {
		return true
	}
	_, events, err := s.svc.Get(ctx, "", sess.ID)
	if err != nil {
		s.log.Warn("reading an attempt's events", "session_id", sess.ID, "error", err)
		return true // the abandon button is there anyway
	}
	return !session.FormShown(events)
}

// handleCheckoutAbandon serves POST /checkout/{id}/abandon: the buyer
// leaves the attempt under way (typically Back from a provider's page) to
// choose another mode. The session service asks the provider first where
// it can: an attempt that turned out paid sends the buyer to the shop as
// paid; otherwise it is cancelled and the buyer is back on the chooser.
func (s *Server) handleCheckoutAbandon(w http.ResponseWriter, r *http.Request) {
	st, err := s.checkouts.Get(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.browserError(w, r, "", err)
		return
	}
	p := s.pages.Printer(st.Customer.Locale, r)
	b := s.base(p, st.SiteID)
	chooser := s.publicURL + "/checkout/" + st.ID
	sid := r.PostFormValue("session")
	if !st.CheckAbandonToken(sid, r.PostFormValue("token")) {
		s.page(w, r, http.StatusForbidden, web.Message{Base: b, Kind: "warn", Title: p.T("error.stale.title"), Text: p.T("error.stale.text"),
			Links: []web.Link{{URL: chooser, Label: p.T("back.checkout"), Primary: true}}})
		return
	}
	sess, err := s.checkouts.Abandon(r.Context(), st, sid)
	switch {
	case session.ErrorCode(err) == session.CodeInvalidState:
		// Already ended (another tab, the provider's return): the chooser
		// says where the checkout stands.
		http.Redirect(w, r, chooser, http.StatusSeeOther)
	case err != nil:
		s.log.Error("abandoning an attempt failed", "checkout_id", st.ID, "session_id", sid, "error", err)
		s.message(w, r, http.StatusInternalServerError, b, "error", "internal", web.Link{URL: chooser, Label: p.T("back.checkout"), Primary: true})
	case sess.Status == session.StatusCancelled:
		http.Redirect(w, r, chooser+"?attempt=abandoned", http.StatusSeeOther)
	default:
		s.redirectToShop(w, r, sess)
	}
}
