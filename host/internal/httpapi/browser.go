package httpapi

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/web"
	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/locale"
)

// providerNames are the names buyers know providers by.
var providerNames = map[string]string{
	"mercanet": "Mercanet (BNP Paribas)", "systempay": "Systempay", "ogone": "Ogone", "paypal": "PayPal", "offline": "payhost",
}

func providerName(plugin string) string {
	if n, ok := providerNames[plugin]; ok {
		return n
	}
	return plugin
}

// base is the common data of a buyer page for a site.
func (s *Server) base(p *locale.Printer, siteID string) web.Base {
	b := web.Base{P: p, Static: web.StaticPrefix}
	if site, ok := s.svc.Site(siteID); ok {
		b.ShopName = site.Name
	}
	return b
}

// message shows a page with a title, a text and links, in the buyer's
// language.
func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, b web.Base, kind, key string, links ...web.Link) {
	m := web.Message{Base: b, Kind: kind, Title: b.P.T("error." + key + ".title"), Text: b.P.T("error." + key + ".text"), Links: links}
	if err := s.pages.Render(w, status, "message", m); err != nil {
		s.log.Error("rendering page", "path", r.URL.Path, "error", err)
	}
}

// page shows a message page built by the caller.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, m web.Message) {
	if err := s.pages.Render(w, status, "message", m); err != nil {
		s.log.Error("rendering page", "path", r.URL.Path, "error", err)
	}
}

// handlePay shows the customer what to do for a session: the provider form
// (auto-submitted), a redirect, the test choices, or instructions. A session
// that is already settled sends the browser back to the shop (or, for a
// failed attempt of a checkout, to the checkout).
func (s *Server) handlePay(w http.ResponseWriter, r *http.Request) {
	sess, events, err := s.svc.Get(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.browserError(w, r, "", err)
		return
	}
	a := sess.Action
	if sess.Status != session.StatusPending || a == nil {
		s.redirectToShop(w, r, sess)
		return
	}
	if a.RedirectURL != "" {
		http.Redirect(w, r, a.RedirectURL, http.StatusSeeOther)
		return
	}
	p := s.pages.Printer(sess.Customer.Locale, r)
	v := web.PayPage{
		Base: s.base(p, sess.SiteID), Amount: p.Amount(sess.Amount, sess.Currency), OrderRef: sess.OrderRef,
		Provider: providerName(sess.Plugin),
	}
	if a.Form != nil {
		if session.FormShown(events) {
			s.leftProvider(w, r, p, sess)
			return
		}
		// Recorded before the form goes out: a buyer back on this page
		// (another tab, a stale link) is not sent to post it again. Only a
		// browser's own navigation uses it up (browsers say so with
		// Sec-Fetch-Dest, over https and to localhost): a link previewer or
		// mail scanner fetching a pay link a shop sent by e-mail does not.
		if r.Header.Get("Sec-Fetch-Dest") == "document" {
			if err := s.svc.MarkFormShown(r.Context(), sess.ID); err != nil {
				s.log.Warn("recording the provider form shown", "session_id", sess.ID, "error", err)
			}
		}
		f := webForm(*a.Form)
		v.Form = &f
	}
	for _, c := range a.Choices {
		ch := web.Choice{Form: webForm(c), Label: c.Label}
		// The test mode's choices carry their outcome in a "status" field.
		if st := fieldValue(c, "status"); st != "" && s.pages.Has("pay.test."+st) {
			ch.Label = p.T("pay.test." + st)
			if st == "paid" {
				ch.Class = "primary"
			}
		}
		v.Choices = append(v.Choices, ch)
	}
	if in := a.Instructions; in != nil {
		v.Instructions = s.instructions(p, sess, in)
		if loc, err := s.svc.ShopRedirect(sess); err == nil {
			v.ShopURL = loc
		}
	}
	if err := s.pages.Render(w, http.StatusOK, "pay", v); err != nil {
		s.log.Error("rendering pay page", "session_id", sess.ID, "error", err)
	}
}

// leftProvider is /pay for a provider form the buyer was already sent: the
// provider would refuse it posted again, so the page says the payment
// cannot resume and offers, for a checkout, to choose another payment
// method (the abandon path), else the way back to the shop.
func (s *Server) leftProvider(w http.ResponseWriter, r *http.Request, p *locale.Printer, sess *session.Session) {
	b := s.base(p, sess.SiteID)
	m := web.Message{Base: b, Kind: "warn", Title: p.T("error.left.title"), Text: p.T("error.left.shop", providerName(sess.Plugin))}
	back := web.Link{URL: sess.CancelURL, Label: p.T("back.shop"), Primary: true}
	if sess.CheckoutID != "" {
		if st, err := s.checkouts.Get(r.Context(), "", sess.CheckoutID); err == nil && st.Active() != nil && st.Active().ID == sess.ID {
			m.Text = p.T("error.left.text", providerName(sess.Plugin))
			abandon := s.abandonLink(p, st, sess)
			abandon.Label, abandon.Primary, back.Primary = p.T("abandon.again"), true, false
			m.Links = append(m.Links, abandon)
			back.URL = st.CancelURL
		}
	}
	if back.URL == "" {
		back.URL = sess.ReturnURL
	}
	m.Links = append(m.Links, back)
	s.page(w, r, http.StatusConflict, m)
}

// instructions localizes a deferred mode's instructions: the catalog's
// text for the mode when it has one, the detail names translated, the
// amount formatted for the buyer.
func (s *Server) instructions(p *locale.Printer, sess *session.Session, in *payment.Instructions) *web.Instructions {
	out := &web.Instructions{Text: in.Text}
	if s.pages.Has("instructions." + sess.Mode) {
		out.Text = p.T("instructions." + sess.Mode)
	}
	for _, d := range in.Details {
		f := web.Field{Name: d.Name, Value: d.Value}
		if s.pages.Has("detail." + d.Name) {
			f.Name = p.T("detail." + d.Name)
		}
		if d.Name == "Amount" {
			f.Value = p.Amount(sess.Amount, sess.Currency)
		}
		out.Details = append(out.Details, f)
	}
	return out
}

func webForm(f payment.Form) web.Form {
	out := web.Form{Method: f.Method, URL: f.URL, AcceptCharset: f.AcceptCharset}
	for _, fl := range f.Fields {
		out.Fields = append(out.Fields, web.Field{Name: fl.Name, Value: fl.Value})
	}
	return out
}

func fieldValue(f payment.Form, name string) string {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl.Value
		}
	}
	return ""
}

func (s *Server) redirectToShop(w http.ResponseWriter, r *http.Request, sess *session.Session) {
	loc, err := s.svc.ShopRedirect(sess)
	if err != nil {
		s.browserError(w, r, sess.Customer.Locale, err)
		return
	}
	http.Redirect(w, r, loc, http.StatusSeeOther)
}

// browserError shows a buyer a page for a failed request, in their
// language (customerLocale when known).
func (s *Server) browserError(w http.ResponseWriter, r *http.Request, customerLocale string, err error) {
	b := web.Base{P: s.pages.Printer(customerLocale, r), Static: web.StaticPrefix}
	switch session.ErrorCode(err) {
	case session.CodeNotFound:
		s.message(w, r, http.StatusNotFound, b, "warn", "notfound", s.wayBack(r, &b))
	default:
		s.log.Error("browser request failed", "path", r.URL.Path, "error", err)
		s.message(w, r, http.StatusInternalServerError, b, "error", "internal")
	}
}

// wayBack is the way out of a page that knows no shop (unknown id): the
// shop the browser came from when the Referer's origin is one of a site's
// allowed_origins (only those: a link to any Referer would let any page
// put its own link on payhost's), else the browser's Back.
func (s *Server) wayBack(r *http.Request, b *web.Base) web.Link {
	if ref, err := url.Parse(r.Referer()); err == nil && (ref.Scheme == "https" || ref.Scheme == "http") && ref.Host != "" {
		origin := ref.Scheme + "://" + ref.Host
		if site, ok := s.svc.SiteForOrigin(origin); ok {
			b.ShopName = site.Name
			return web.Link{URL: origin + "/", Label: b.P.T("back.site", site.Name), Primary: true}
		}
	}
	return web.Link{History: true, Label: b.P.T("back.website"), Primary: true}
}

// handleReturn takes the browser back from the provider: the plugin verifies
// what it carries, the service records it, and the browser goes to the shop
// with the signed status.
func (s *Server) handleReturn(w http.ResponseWriter, r *http.Request) {
	req, ok := s.providerRequest(w, r)
	if !ok {
		return
	}
	res, err := s.svc.HandleReturn(r.Context(), r.PathValue("id"), req)
	if err != nil {
		s.browserError(w, r, "", err)
		return
	}
	http.Redirect(w, r, res.Location, http.StatusSeeOther)
}

// providerRequest captures a request as plugins see it: the body's raw bytes
// and the URL as the provider called it.
func (s *Server) providerRequest(w http.ResponseWriter, r *http.Request) (payment.HTTPRequest, bool) {
	req, err := payment.NewHTTPRequest(r, s.publicURL)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "request body unreadable", http.StatusBadRequest)
		}
		return payment.HTTPRequest{}, false
	}
	if bad := checkProviderBody(r.Header.Get("Content-Type"), req.Body); bad != nil {
		writeError(w, http.StatusBadRequest, bad.code, bad.msg)
		return payment.HTTPRequest{}, false
	}
	return req, true
}
