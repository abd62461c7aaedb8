package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/web"
	"github.com/payhost/payhost/shared/locale"
)

// The widget's public endpoints. They answer only with the checkout's
// client secret (Authorization: Bearer <client_secret>), only to the
// site's allowed_origins when a browser calls them (CORS), say nothing
// beyond what the buyer's chooser shows, and are rate-limited per client
// address. Their texts are in the buyer's language: the widget shows them
// as they come.

// publicCheckout is what the widget renders.
type publicCheckout struct {
	ID       string            `json:"id"`
	Status   string            `json:"status"`
	Lang     string            `json:"lang"`
	ShopName string            `json:"shop_name"`
	OrderRef string            `json:"order_ref"`
	Lines    []publicLine      `json:"lines"`
	Shipping string            `json:"shipping,omitempty"`
	Total    string            `json:"total"`
	Modes    []publicMode      `json:"modes"`
	Text     map[string]string `json:"text"`
	// Message explains why nothing can be picked (expired, paid, under
	// way), with where to go.
	Message *publicMessage `json:"message,omitempty"`
}

type publicLine struct {
	Label    string `json:"label"`
	Quantity int64  `json:"quantity"`
	Amount   string `json:"amount"`
}

type publicMode struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description"`
	LogoURL     string `json:"logo_url"`
}

type publicMessage struct {
	Title     string `json:"title"`
	Text      string `json:"text"`
	LinkURL   string `json:"link_url,omitempty"`
	LinkLabel string `json:"link_label,omitempty"`
	// SessionID is the attempt under way and AbandonLabel its "choose
	// another payment method" button (POST .../abandon).
	SessionID    string `json:"session_id,omitempty"`
	AbandonLabel string `json:"abandon_label,omitempty"`
}

// cors sets the CORS headers when origin may read the answer and reports
// whether the request may go on: no Origin (not a browser's cross-origin
// call) or one of allowed.
func cors(w http.ResponseWriter, r *http.Request, allowed func(origin string) bool) bool {
	origin := r.Header.Get("Origin")
	w.Header().Add("Vary", "Origin")
	if origin == "" {
		return true
	}
	if !allowed(origin) {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	return true
}

// handlePublicPreflight answers CORS preflights. The checkout is not known
// yet (a preflight carries no credentials), so any origin some site allows
// gets the answer; the real request is checked against its own site.
func (s *Server) handlePublicPreflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	w.Header().Add("Vary", "Origin")
	if origin == "" || !s.svc.AnySiteAllowsOrigin(origin) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// publicState authorizes a widget call and applies CORS. Before the
// checkout is known (no or wrong secret), origins some site allows may
// read the error; then only the checkout's site's origins may go on.
func (s *Server) publicState(w http.ResponseWriter, r *http.Request) (*checkout.State, *locale.Printer, bool) {
	secret, ok := bearer(r)
	if !ok {
		cors(w, r, s.svc.AnySiteAllowsOrigin)
		writeError(w, http.StatusUnauthorized, "unauthorized", "an Authorization: Bearer <client secret> header is required")
		return nil, nil, false
	}
	st, err := s.checkouts.Authorize(r.Context(), r.PathValue("id"), secret)
	if err != nil {
		cors(w, r, s.svc.AnySiteAllowsOrigin)
		s.fail(w, r, err)
		return nil, nil, false
	}
	var origins []string
	if site, ok := s.svc.Site(st.SiteID); ok {
		origins = site.AllowedOrigins
	}
	if !cors(w, r, func(o string) bool { return slices.Contains(origins, o) }) {
		writeError(w, http.StatusForbidden, "origin_not_allowed", "this origin may not use the checkout widget of this site")
		return nil, nil, false
	}
	return st, s.pages.Printer(st.Customer.Locale, r), true
}

// handlePublicCheckout serves GET /v1/public/checkouts/{id}: the chooser's
// content, localized.
func (s *Server) handlePublicCheckout(w http.ResponseWriter, r *http.Request) {
	st, p, ok := s.publicState(w, r)
	if !ok {
		return
	}
	out := publicCheckout{ID: st.ID, Status: string(st.Status), Lang: p.Lang(), Lines: []publicLine{}, Modes: []publicMode{},
		Text: map[string]string{}}
	for _, k := range []string{"summary", "shipping", "total", "choose", "choose.none", "secured", "secured.by", "item", "qty", "price"} {
		out.Text[k] = p.T(k)
	}
	// The widget's own failure texts, in the buyer's language for the next
	// failure ("{status}" is the HTTP status; the widget has a built-in
	// French and English copy for when payhost was never reached).
	out.Text["unreachable"], out.Text["error"] = p.T("widget.unreachable"), p.T("widget.error")
	static := s.publicURL + web.StaticPrefix
	var offers []eligibility.Offer
	if st.Status == checkout.StatusOpen {
		var err error
		if offers, err = s.checkouts.Offers(r.Context(), st); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		out.Message = s.publicMessage(r.Context(), p, st)
	}
	page := s.checkoutPage(p, st, offers, static)
	out.ShopName, out.OrderRef, out.Shipping, out.Total = page.ShopName, page.OrderRef, page.Shipping, page.Total
	out.Text["order"] = p.T("order", st.OrderRef)
	for _, l := range page.Lines {
		out.Lines = append(out.Lines, publicLine{Label: l.Label, Quantity: l.Quantity, Amount: l.Amount})
	}
	for _, o := range page.Offers {
		out.Modes = append(out.Modes, publicMode{ID: o.ID, Label: o.Label, Description: o.Description, LogoURL: o.Logo})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) publicMessage(ctx context.Context, p *locale.Printer, st *checkout.State) *publicMessage {
	key, link, label := "", st.CancelURL, p.T("back.shop")
	switch st.Status {
	case checkout.StatusExpired:
		key = "expired"
	case checkout.StatusComplete:
		key = "paid"
		if loc, err := s.svc.ShopRedirect(st.Success()); err == nil {
			link = loc
		}
	case checkout.StatusProcessing:
		active := st.Active()
		m := &publicMessage{Title: p.T("error.active.title"), Text: p.T("error.active.text"), SessionID: active.ID, AbandonLabel: p.T("abandon.button")}
		if s.resumable(ctx, active) {
			m.LinkURL, m.LinkLabel = s.publicURL+"/pay/"+active.ID, p.T("error.active.continue")
		} else {
			m.Title, m.Text, m.AbandonLabel = p.T("error.left.title"), p.T("error.left.text", providerName(active.Plugin)), p.T("abandon.again")
		}
		return m
	default:
		return nil
	}
	return &publicMessage{Title: p.T("error." + key + ".title"), Text: p.T("error." + key + ".text"), LinkURL: link, LinkLabel: label}
}

type publicAbandon struct {
	SessionID string `json:"session_id"`
}

// handlePublicAbandon serves POST /v1/public/checkouts/{id}/abandon: the
// buyer, back in the shop's page from a provider they left, chose another
// payment method in the widget. As on the hosted page: a payment the
// provider reports is kept (redirect_url then leads to the shop's return
// page), otherwise the attempt is cancelled and the widget shows the
// chooser again.
func (s *Server) handlePublicAbandon(w http.ResponseWriter, r *http.Request) {
	st, p, ok := s.publicState(w, r)
	if !ok {
		return
	}
	var req publicAbandon
	if !s.decodeJSON(w, r, &req) {
		return
	}
	sess, err := s.checkouts.Abandon(r.Context(), st, req.SessionID)
	if err != nil {
		code := session.ErrorCode(err)
		msg := session.ErrorMessage(err)
		if code == session.CodeInvalidState {
			msg = p.T("error.abandon.none")
		}
		if statusFor(code) >= 500 {
			s.log.Error("widget abandon failed", "checkout_id", st.ID, "code", code, "error", err)
		}
		writeError(w, statusFor(code), code, msg)
		return
	}
	out := map[string]string{"session_id": sess.ID, "session_status": string(sess.Status)}
	if sess.Status.Success() {
		if loc, err := s.svc.ShopRedirect(sess); err == nil {
			out["redirect_url"] = loc
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type publicPick struct {
	Mode string `json:"mode"`
}

// handlePublicPick serves POST /v1/public/checkouts/{id}/sessions: the
// buyer picked a mode in the widget. The answer says where to send the
// browser.
func (s *Server) handlePublicPick(w http.ResponseWriter, r *http.Request) {
	st, p, ok := s.publicState(w, r)
	if !ok {
		return
	}
	var req publicPick
	if !s.decodeJSON(w, r, &req) {
		return
	}
	sess, err := s.checkouts.Pick(r.Context(), st, req.Mode)
	if err != nil {
		code := session.ErrorCode(err)
		msg := session.ErrorMessage(err)
		switch code {
		case session.CodeAttemptActive:
			msg = p.T("error.active.text")
		case session.CodeCheckoutExpired:
			msg = p.T("error.expired.text")
		case session.CodeModeNotEligible, session.CodeUnknownMode, session.CodePluginUnavailable, session.CodeProviderUnavailable,
			session.CodePluginError, session.CodeProviderRejected:
			msg = p.T("error.unavailable.text")
		}
		if statusFor(code) >= 500 {
			s.log.Error("widget pick failed", "checkout_id", st.ID, "code", code, "error", err)
		}
		writeError(w, statusFor(code), code, msg)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"session_id": sess.ID, "redirect_url": s.afterPick(sess)})
}

// handleWidget serves the widget script. It is versioned: /widget.js is
// the current version (cached briefly), /widget/v1.js that version for good.
func (s *Server) handleWidget(immutable bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		js, err := web.Asset("widget.js")
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "widget missing")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Payhost-Widget-Version", web.WidgetVersion)
		if immutable {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "public, max-age=300")
		}
		_, _ = w.Write(js)
	}
}
