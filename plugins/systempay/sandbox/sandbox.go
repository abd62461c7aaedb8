// Package sandbox plays the Lyra platform's side of the vads form API for
// tests and the local demo: the vads-payment endpoint refusing a bad
// signature or a reused vads_trans_id, a hosted page with accept / refuse /
// cancel / abandon, the signed IPN to vads_url_check with retries while the
// shop answers a failure status, and the return in the requested
// vads_return_mode.
package sandbox

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/shared/sandboxpage"
)

// Shop is a shop's back-office configuration.
type Shop struct {
	SiteID string `json:"site_id"`
	// Name is the shop's name shown on the payment page, as configured in
	// the back office (a vads_shop_name in the request wins); empty shows
	// the site id.
	Name          string        `json:"name"`
	KeyTest       string        `json:"key_test"`
	KeyProduction string        `json:"key_production"`
	Algorithm     string        `json:"algorithm"`
	RetryDelay    time.Duration `json:"retry_delay"` // between IPN attempts
	Retries       int           `json:"retries"`     // after the first attempt
}

// Demo is the shop `make run` uses.
var Demo = Shop{SiteID: "12345678", Name: "Demo Shop", KeyTest: "1122334455667788", KeyProduction: "8877665544332211", Algorithm: algoHMACSHA256,
	RetryDelay: 15 * time.Second, Retries: 4}

// IPNAttempt is one IPN delivery.
type IPNAttempt struct {
	TransID string `json:"trans_id"`
	Status  int    `json:"status"`
}

// Server is the simulated platform.
type Server struct {
	mu     sync.Mutex
	shops  map[string]Shop
	used   map[string]bool // site/day/lower(trans_id)
	pages  map[string]url.Values
	ipns   []IPNAttempt
	client *http.Client
	mux    *http.ServeMux
	rest   *restAPI // the REST API V4 (rest.go)
}

// New returns the sandbox with the demo shop.
func New() *Server {
	s := &Server{shops: map[string]Shop{Demo.SiteID: Demo}, used: map[string]bool{}, pages: map[string]url.Values{},
		client: &http.Client{Timeout: 10 * time.Second}, mux: http.NewServeMux(), rest: newREST()}
	s.mux.HandleFunc("POST /vads-payment/", s.payment)
	s.mux.HandleFunc("POST /vads-payment/page/{token}", s.choose)
	s.mux.HandleFunc("POST /backoffice/shops", s.addShop)
	s.mux.HandleFunc("GET /backoffice/ipns", s.listIPNs)
	s.rest.routes(s.mux)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

var pages = template.Must(template.New("").Parse(`
{{define "error"}}<!doctype html><meta charset="utf-8"><title>Systempay sandbox: error</title><h1>Payment request refused</h1><p>Error {{.Code}}: {{.Message}}</p>{{end}}
`))

// fail renders a refusal with the error code of the field at fault
// (UNVERIFIED against the platform's error list except 03 for vads_trans_id).
func fail(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	pages.ExecuteTemplate(w, "error", map[string]string{"Code": code, "Message": msg})
}

func (s *Server) payment(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fail(w, "00", "unreadable form")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	shop, ok := s.shops[f.Get("vads_site_id")]
	s.mu.Unlock()
	if !ok {
		fail(w, "02", "vads_site_id is unknown")
		return
	}
	key := shop.KeyTest
	if f.Get("vads_ctx_mode") == "PRODUCTION" {
		key = shop.KeyProduction
	} else if f.Get("vads_ctx_mode") != "TEST" {
		fail(w, "11", "vads_ctx_mode must be TEST or PRODUCTION")
		return
	}
	if !signatureMatches(f, key, shop.Algorithm) {
		fail(w, "00", "the signature is wrong (check the key of the context mode and the algorithm)")
		return
	}
	for _, req := range []struct{ field, code string }{{"vads_version", "01"}, {"vads_trans_id", "03"}, {"vads_trans_date", "04"},
		{"vads_amount", "09"}, {"vads_currency", "10"}, {"vads_action_mode", "47"}, {"vads_page_action", "46"}, {"vads_payment_config", "07"}} {
		if f.Get(req.field) == "" {
			fail(w, req.code, req.field+" is missing")
			return
		}
	}
	tid, date := f.Get("vads_trans_id"), f.Get("vads_trans_date")
	if len(tid) != 6 || len(date) != 14 {
		fail(w, "03", "vads_trans_id must be 6 characters and vads_trans_date 14 digits")
		return
	}
	used := shop.SiteID + "/" + date[:8] + "/" + strings.ToLower(tid)
	token := randomHex(12)
	s.mu.Lock()
	if s.used[used] {
		s.mu.Unlock()
		fail(w, "03", "vads_trans_id "+tid+" was already used today (UTC)")
		return
	}
	s.used[used] = true
	s.pages[token] = f
	s.mu.Unlock()
	amount, _ := strconv.ParseInt(f.Get("vads_amount"), 10, 64)
	cur, _ := currency.ByNumeric(f.Get("vads_currency"))
	sandboxpage.Render(w, r, sandboxpage.Page{Provider: "Systempay (" + f.Get("vads_ctx_mode") + ")", Color: "#c8102e", Merchant: cmp.Or(f.Get("vads_shop_name"), shop.Name, shop.SiteID),
		Amount: amount, Currency: cur.Code, Reference: tid, Action: "page/" + token,
		Choices: []string{"accept", "refuse", "cancel", "abandon"}, Language: f.Get("vads_language")})
}

func (s *Server) choose(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	req, ok := s.pages[r.PathValue("token")]
	delete(s.pages, r.PathValue("token"))
	shop := s.shops[req.Get("vads_site_id")]
	s.mu.Unlock()
	if !ok {
		fail(w, "03", "unknown or used payment page")
		return
	}
	res := url.Values{}
	for _, k := range []string{"vads_site_id", "vads_ctx_mode", "vads_trans_id", "vads_trans_date", "vads_amount", "vads_currency",
		"vads_action_mode", "vads_page_action", "vads_payment_config", "vads_version", "vads_order_id", "vads_cust_email",
		"vads_capture_delay", "vads_validation_mode", "vads_language"} {
		if v, present := req[k]; present {
			res[k] = v
		}
	}
	res.Set("vads_trans_uuid", randomHex(16))
	res.Set("vads_effective_amount", req.Get("vads_amount"))
	res.Set("vads_operation_type", "DEBIT")
	res.Set("vads_card_brand", "CB")
	res.Set("vads_card_number", "497010XXXXXX0000")
	res.Set("vads_threeds_status", "")
	back := req.Get("vads_url_return")
	switch r.FormValue("choice") {
	case "accept":
		status := "AUTHORISED"
		if req.Get("vads_validation_mode") == "1" {
			status = "AUTHORISED_TO_VALIDATE"
		}
		res.Set("vads_trans_status", status)
		res.Set("vads_result", "00")
		res.Set("vads_auth_result", "00")
		res.Set("vads_auth_mode", "FULL")
		res.Set("vads_auth_number", strings.ToLower(randomHex(3)))
		res.Set("vads_threeds_status", "Y")
		res.Set("vads_threeds_eci", "05")
		if u := req.Get("vads_url_success"); u != "" {
			back = u
		}
	case "refuse":
		res.Set("vads_trans_status", "REFUSED")
		res.Set("vads_result", "05")
		res.Set("vads_auth_result", "05")
		if u := req.Get("vads_url_refused"); u != "" {
			back = u
		}
	case "cancel", "abandon":
		res.Set("vads_trans_status", "ABANDONED")
		res.Set("vads_result", "17")
		if u := req.Get("vads_url_cancel"); u != "" {
			back = u
		}
	default:
		fail(w, "00", "unknown choice")
		return
	}
	s.rest.recordPayment(req, res)
	key := shop.KeyTest
	if req.Get("vads_ctx_mode") == "PRODUCTION" {
		key = shop.KeyProduction
	}
	// The IPN: with vads_url_check_src and vads_hash, which the return lacks.
	if target := req.Get("vads_url_check"); target != "" {
		ipn := url.Values{}
		for k, v := range res {
			ipn[k] = v
		}
		ipn.Set("vads_url_check_src", "PAY")
		ipn.Set("vads_hash", randomHex(32))
		ipn.Set("signature", vadsSignature(ipn, key, shop.Algorithm))
		s.sendIPN(shop, target, ipn, 0)
	}
	if r.FormValue("choice") == "abandon" {
		io.WriteString(w, "Payment abandoned. You may close this window.")
		return
	}
	res.Set("signature", vadsSignature(res, key, shop.Algorithm))
	switch req.Get("vads_return_mode") {
	case "GET":
		u, err := url.Parse(back)
		if err != nil {
			fail(w, "00", "bad return URL")
			return
		}
		q := u.Query()
		for k, v := range res {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	case "POST":
		var fields []sandboxpage.Field
		for _, k := range slices.Sorted(maps.Keys(res)) {
			fields = append(fields, sandboxpage.Field{Name: k, Value: res.Get(k)})
		}
		sandboxpage.PostBack(w, r, res.Get("vads_language"), "Systempay", "#c8102e", back, fields)
	default:
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

// ipnSucceeded is the platform's success rule for the shop's answer.
func ipnSucceeded(status int) bool {
	switch {
	case status >= 200 && status <= 206, status >= 301 && status <= 303, status == 307, status == 308:
		return true
	}
	return false
}

// sendIPN delivers the IPN; a failure is retried retryDelay later, up to
// shop.Retries times ("automatic retry in case of failure").
func (s *Server) sendIPN(shop Shop, target string, ipn url.Values, retry int) {
	status := 0
	noRedirect := &http.Client{Timeout: s.client.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noRedirect.PostForm(target, ipn); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	s.mu.Lock()
	s.ipns = append(s.ipns, IPNAttempt{TransID: ipn.Get("vads_trans_id"), Status: status})
	s.mu.Unlock()
	if ipnSucceeded(status) || retry >= shop.Retries {
		return
	}
	retried := url.Values{}
	for k, v := range ipn {
		retried[k] = v
	}
	retried.Set("vads_url_check_src", "RETRY")
	key := shop.KeyTest
	if ipn.Get("vads_ctx_mode") == "PRODUCTION" {
		key = shop.KeyProduction
	}
	retried.Del("signature")
	retried.Set("signature", vadsSignature(retried, key, shop.Algorithm))
	time.AfterFunc(shop.RetryDelay, func() { s.sendIPN(shop, target, retried, retry+1) })
}

func (s *Server) addShop(w http.ResponseWriter, r *http.Request) {
	var sh Shop
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&sh); err != nil || sh.SiteID == "" || sh.KeyTest == "" {
		http.Error(w, "site_id and key_test are required", http.StatusBadRequest)
		return
	}
	if sh.Algorithm == "" {
		sh.Algorithm = algoHMACSHA256
	}
	if sh.RetryDelay <= 0 {
		sh.RetryDelay = 15 * time.Second
	}
	s.mu.Lock()
	s.shops[sh.SiteID] = sh
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listIPNs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := []IPNAttempt{}
	for _, a := range s.ipns {
		if id := r.URL.Query().Get("trans_id"); id == "" || id == a.TransID {
			out = append(out, a)
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
