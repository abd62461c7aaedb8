package httpapi

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"net/http"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

var payPage = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Payment</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.6rem 1.2rem;margin:.3rem 0}dt{font-weight:600}</style>
</head><body>
<h1>Payment of {{.Amount}} {{.Currency}}</h1>
{{with .Form}}
<p>You are being sent to the payment page.</p>
<form id="pay" method="{{.Method}}" action="{{.URL}}"{{if .AcceptCharset}} accept-charset="{{.AcceptCharset}}"{{end}}>{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<button type="submit">{{if .Label}}{{.Label}}{{else}}Continue to payment{{end}}</button></form>
<script>document.getElementById("pay").submit()</script>
{{end}}
{{with .Choices}}
<p>Test payment: choose the outcome.</p>
{{range .}}<form method="{{.Method}}" action="{{.URL}}"{{if .AcceptCharset}} accept-charset="{{.AcceptCharset}}"{{end}}>{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}<button type="submit">{{.Label}}</button></form>{{end}}
{{end}}
{{with .Instructions}}
<p>{{.Text}}</p>
<dl>{{range .Details}}<dt>{{.Name}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
{{end}}
{{with .ShopURL}}<p><a href="{{.}}">Back to the shop</a></p>{{end}}
</body></html>
`))

var messagePage = template.Must(template.New("msg").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto"><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

type payView struct {
	Amount       string
	Currency     string
	Form         *payment.Form
	Choices      []payment.Form
	Instructions *payment.Instructions
	ShopURL      string
}

func (s *Server) page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = messagePage.Execute(w, struct{ Title, Text string }{title, text})
}

// handlePay shows the customer what to do for a session: the provider form
// (auto-submitted), a redirect, the test choices, or instructions. A session
// that is already settled sends the browser back to the shop.
func (s *Server) handlePay(w http.ResponseWriter, r *http.Request) {
	sess, _, err := s.svc.Get(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.browserError(w, r, err)
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
	v := payView{Amount: formatAmount(sess.Amount, sess.Currency), Currency: sess.Currency, Form: a.Form, Choices: a.Choices, Instructions: a.Instructions}
	if a.Instructions != nil {
		if loc, err := s.svc.ShopRedirect(sess); err == nil {
			v.ShopURL = loc
		}
	}
	var buf bytes.Buffer
	if err := payPage.Execute(&buf, v); err != nil {
		s.log.Error("rendering pay page", "session_id", sess.ID, "error", err)
		s.page(w, http.StatusInternalServerError, "Error", "The payment page could not be shown.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	_, _ = buf.WriteTo(w)
}

func (s *Server) redirectToShop(w http.ResponseWriter, r *http.Request, sess *session.Session) {
	loc, err := s.svc.ShopRedirect(sess)
	if err != nil {
		s.browserError(w, r, err)
		return
	}
	http.Redirect(w, r, loc, http.StatusSeeOther)
}

func (s *Server) browserError(w http.ResponseWriter, r *http.Request, err error) {
	switch session.ErrorCode(err) {
	case session.CodeNotFound:
		s.page(w, http.StatusNotFound, "Unknown payment", "This payment does not exist.")
	default:
		s.log.Error("browser request failed", "path", r.URL.Path, "error", err)
		s.page(w, http.StatusInternalServerError, "Error", "Something went wrong; your payment is being checked.")
	}
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
		s.browserError(w, r, err)
		return
	}
	http.Redirect(w, r, res.Location, http.StatusSeeOther)
}

// providerRequest captures a request as plugins see it: the body's raw bytes
// and the URL as the provider called it.
func (s *Server) providerRequest(w http.ResponseWriter, r *http.Request) (payment.HTTPRequest, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "request body unreadable", http.StatusBadRequest)
		}
		return payment.HTTPRequest{}, false
	}
	if bad := checkProviderBody(r.Header.Get("Content-Type"), body); bad != nil {
		writeError(w, http.StatusBadRequest, bad.code, bad.msg)
		return payment.HTTPRequest{}, false
	}
	return payment.HTTPRequest{
		Method:     r.Method,
		URL:        s.publicURL + r.URL.RequestURI(),
		Header:     r.Header.Clone(),
		Body:       body,
		RemoteAddr: r.RemoteAddr,
	}, true
}
