// Package sandbox plays Ogone's side of the e-Commerce hosted page for tests
// and the local demo: orderstandard_utf8.asp and orderstandard.asp refusing
// a bad SHA-IN ("unknown order/1/s"), a hosted page with accept / decline /
// exception / cancel, the redirection with SHA-OUT-signed parameters, and
// the post-sale request (online, then deferred retries while the shop does
// not answer 200).
//
// Merchants are configured as in Ogone's back office: a default demo
// merchant, and POST /backoffice/merchants (JSON) to add one.
package sandbox

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/shared/sandboxpage"
)

// Merchant is a merchant's back-office configuration.
type Merchant struct {
	PSPID string `json:"pspid"`
	// Name is the shop's name, shown to buyers on the payment page as
	// Ogone's back office configures it; empty shows the PSPID.
	Name      string `json:"name"`
	SHAIn     string `json:"sha_in"`
	SHAOut    string `json:"sha_out"`
	Algorithm string `json:"algorithm"` // SHA-1, SHA-256 or SHA-512
	// PostSaleURL receives the direct HTTP server-to-server request.
	PostSaleURL string `json:"postsale_url"`
	// RetryDelay between deferred post-sale attempts; Attempts in all.
	RetryDelay time.Duration `json:"retry_delay"`
	Attempts   int           `json:"attempts"`
}

// Demo is the merchant `make run` uses.
var Demo = Merchant{PSPID: "payhostdemo", Name: "Demo Shop", SHAIn: "demo-sha-in-passphrase", SHAOut: "demo-sha-out-passphrase",
	Algorithm: hashSHA512, PostSaleURL: "http://localhost:8080/notify/ogone", RetryDelay: 10 * time.Second, Attempts: 5}

// Attempt is one post-sale delivery, for tests and curious developers.
type Attempt struct {
	OrderID string `json:"order_id"`
	Status  int    `json:"status"` // HTTP status; 0 = network error
}

// Server is the simulated Ogone.
type Server struct {
	mu        sync.Mutex
	merchants map[string]Merchant
	orders    map[string]bool // PSPID/ORDERID already used
	pages     map[string]*order
	attempts  []Attempt
	last      map[string]*settled // PSPID/ORDERID -> the last post-sale sent
	client    *http.Client
	mux       *http.ServeMux
}

// settled remembers what the back office needs to capture or resend.
type settled struct {
	m       Merchant
	charset string
	values  url.Values // the feedback as last sent, signed
}

type order struct {
	m       Merchant
	charset string
	params  map[string]string // upper-case names, values in UTF-8
}

// New returns the sandbox with the demo merchant.
func New() *Server {
	s := &Server{merchants: map[string]Merchant{Demo.PSPID: Demo}, orders: map[string]bool{}, pages: map[string]*order{}, last: map[string]*settled{},
		client: &http.Client{Timeout: 10 * time.Second}, mux: http.NewServeMux()}
	for _, env := range []string{"test", "prod"} {
		s.mux.HandleFunc("POST /ncol/"+env+"/orderstandard_utf8.asp", s.orderStandard(pageUTF8))
		s.mux.HandleFunc("POST /ncol/"+env+"/orderstandard.asp", s.orderStandard(pageLatin1))
		s.mux.HandleFunc("POST /ncol/"+env+"/page/{token}", s.choose)
	}
	s.mux.HandleFunc("POST /backoffice/merchants", s.addMerchant)
	s.mux.HandleFunc("GET /backoffice/postsales", s.listAttempts)
	s.mux.HandleFunc("POST /backoffice/capture", s.capture)
	s.mux.HandleFunc("POST /backoffice/resend", s.resend)
	s.registerDirectLink()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

var pages = template.Must(template.New("").Parse(`
{{define "error"}}<!doctype html><meta charset="utf-8"><title>Ogone sandbox: error</title><h1>An error has occurred</h1><p>{{.}}</p>{{end}}
`))

func fail(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	pages.ExecuteTemplate(w, "error", msg)
}

// orderStandard checks SHA-IN over the received bytes and shows the page.
func (s *Server) orderStandard(charset string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			fail(w, "unknown order/0/s")
			return
		}
		params := map[string]string{}
		upper := map[string]string{}
		for name, vs := range r.PostForm {
			params[name] = vs[0]
			v := vs[0]
			if charset == pageLatin1 {
				v = fromLatin1(v)
			}
			upper[strings.ToUpper(name)] = v
		}
		s.mu.Lock()
		m, known := s.merchants[upper["PSPID"]]
		s.mu.Unlock()
		pass := m.SHAIn
		if charset == pageLatin1 {
			pass = latin1(pass)
		}
		if !known || upper["SHASIGN"] == "" || pass == "" || !strings.EqualFold(shaSign(params, pass, m.Algorithm, shaInList), upper["SHASIGN"]) {
			fail(w, "unknown order/1/s")
			return
		}
		for _, f := range []string{"ORDERID", "AMOUNT", "CURRENCY"} {
			if upper[f] == "" {
				fail(w, "unknown order/0/s ("+f+" missing)")
				return
			}
		}
		key := m.PSPID + "/" + upper["ORDERID"]
		token := randomHex(12)
		s.mu.Lock()
		if s.orders[key] {
			s.mu.Unlock()
			fail(w, "order already processed: ORDERID must be unique")
			return
		}
		s.orders[key] = true
		s.pages[token] = &order{m: m, charset: charset, params: upper}
		s.mu.Unlock()
		// AMOUNT is the amount × 100 whatever the currency's decimals.
		amount, _ := strconv.ParseInt(upper["AMOUNT"], 10, 64)
		if c, ok := currency.Lookup(upper["CURRENCY"]); ok && c.Exponent != 2 {
			for e := c.Exponent; e < 2; e++ {
				amount /= 10
			}
		}
		sandboxpage.Render(w, r, sandboxpage.Page{Provider: "Ogone · Ingenico ePayments", Color: "#2b4c7e", Merchant: cmp.Or(m.Name, m.PSPID),
			Amount: amount, Currency: upper["CURRENCY"], Reference: upper["ORDERID"], Buyer: upper["CN"], Action: "page/" + token,
			Choices: []string{"accept", "decline", "exception", "cancel"}, Language: upper["LANGUAGE"]})
	}
}

// choose settles the order: post-sale request first (online), then the
// browser goes to the matching URL with the signed parameters.
func (s *Server) choose(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o, ok := s.pages[r.PathValue("token")]
	delete(s.pages, r.PathValue("token"))
	s.mu.Unlock()
	if !ok {
		fail(w, "unknown or used payment page")
		return
	}
	p := o.params
	status, ncerror, target := "", "0", p["ACCEPTURL"]
	switch r.FormValue("choice") {
	case "accept":
		status = "9"
		if p["OPERATION"] == operationRES {
			status = "5"
		}
	case "decline":
		status, ncerror, target = "2", "30001001", p["DECLINEURL"]
	case "exception":
		status, target = "92", p["EXCEPTIONURL"]
	case "cancel":
		status, target = "1", p["CANCELURL"]
	default:
		fail(w, "unknown choice")
		return
	}
	feedback := []struct{ Name, Value string }{
		{Name: "orderID", Value: p["ORDERID"]}, {Name: "currency", Value: p["CURRENCY"]}, {Name: "amount", Value: majorAmount(p["AMOUNT"], p["CURRENCY"])},
		{Name: "PM", Value: "CreditCard"}, {Name: "STATUS", Value: status}, {Name: "CARDNO", Value: "XXXXXXXXXXXX1111"},
		{Name: "ED", Value: "1230"}, {Name: "CN", Value: p["CN"]}, {Name: "TRXDATE", Value: time.Now().UTC().Format("01/02/06")},
		{Name: "PAYID", Value: fmt.Sprint(3000000 + time.Now().UnixNano()%1000000)}, {Name: "NCERROR", Value: ncerror},
		{Name: "BRAND", Value: "VISA"}, {Name: "IP", Value: "127.0.0.1"}, {Name: "ECI", Value: "7"}, {Name: "COMPLUS", Value: p["COMPLUS"]},
	}
	if status == "9" || status == "5" {
		feedback = append(feedback, struct{ Name, Value string }{"ACCEPTANCE", "test123"})
	}
	pass := o.m.SHAOut
	values := url.Values{}
	encoded := map[string]string{}
	for _, f := range feedback {
		if f.Value == "" {
			continue
		}
		v := f.Value
		if o.charset == pageLatin1 {
			v = latin1(v)
		}
		encoded[f.Name] = v
		values.Set(f.Name, v)
	}
	if o.charset == pageLatin1 {
		pass = latin1(pass)
	}
	values.Set("SHASIGN", shaSign(encoded, pass, o.m.Algorithm, shaOutList))
	s.mu.Lock()
	s.last[o.m.PSPID+"/"+p["ORDERID"]] = &settled{m: o.m, charset: o.charset, values: values}
	s.mu.Unlock()

	if o.m.PostSaleURL != "" {
		s.postSale(o.m, p["ORDERID"], values, 1)
	}
	redirect, err := url.Parse(target)
	if err != nil || target == "" {
		fail(w, "no redirection URL")
		return
	}
	q := redirect.Query()
	for k, v := range values {
		q[k] = v
	}
	if plus, err := url.ParseQuery(p["PARAMPLUS"]); err == nil {
		for k, v := range plus {
			q[k] = v
		}
	}
	redirect.RawQuery = q.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusSeeOther)
}

// postSale sends the direct server-to-server request; when the shop does
// not answer 200 it is retried later ("online but switch to deferred").
func (s *Server) postSale(m Merchant, orderID string, values url.Values, attempt int) {
	status := 0
	resp, err := s.client.PostForm(m.PostSaleURL, values)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	}
	s.mu.Lock()
	s.attempts = append(s.attempts, Attempt{OrderID: orderID, Status: status})
	s.mu.Unlock()
	if status == http.StatusOK || attempt >= m.Attempts {
		return
	}
	time.AfterFunc(m.RetryDelay, func() { s.postSale(m, orderID, values, attempt+1) })
}

func (s *Server) addMerchant(w http.ResponseWriter, r *http.Request) {
	var m Merchant
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&m); err != nil || m.PSPID == "" || m.SHAIn == "" || m.SHAOut == "" {
		http.Error(w, "pspid, sha_in and sha_out are required", http.StatusBadRequest)
		return
	}
	if m.Algorithm == "" {
		m.Algorithm = hashSHA512
	}
	if m.Attempts <= 0 {
		m.Attempts = 5
	}
	if m.RetryDelay <= 0 {
		m.RetryDelay = 10 * time.Second
	}
	s.mu.Lock()
	s.merchants[m.PSPID] = m
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listAttempts(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var out []Attempt
	for _, a := range s.attempts {
		if id := r.URL.Query().Get("orderid"); id == "" || id == a.OrderID {
			out = append(out, a)
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// majorAmount turns AMOUNT (major units × 100) into the feedback's amount
// in major units, as Ogone writes it: "15", "19.08", "0.5".
func majorAmount(amount, code string) string {
	c, ok := currency.Lookup(strings.ToUpper(code))
	if !ok {
		return amount
	}
	two := currency.Currency{Code: c.Code, Exponent: 2}
	var n int64
	fmt.Sscan(amount, &n)
	s := two.FormatMinor(n)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" {
		s = "0"
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// capture is the back-office "data capture" of an authorised (STATUS 5)
// order: a new post-sale request with STATUS 9.
func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	st := s.lookup(w, r)
	if st == nil {
		return
	}
	if st.values.Get("STATUS") != "5" {
		http.Error(w, "only an authorised order (STATUS 5) can be captured", http.StatusConflict)
		return
	}
	values := url.Values{}
	params := map[string]string{}
	for k, v := range st.values {
		if k == "SHASIGN" {
			continue
		}
		if k == "STATUS" {
			v = []string{"9"}
		}
		values[k] = v
		params[k] = v[0]
	}
	pass := st.m.SHAOut
	if st.charset == pageLatin1 {
		pass = latin1(pass)
	}
	values.Set("SHASIGN", shaSign(params, pass, st.m.Algorithm, shaOutList))
	s.mu.Lock()
	st.values = values
	s.mu.Unlock()
	s.postSale(st.m, values.Get("orderID"), values, 1)
	w.WriteHeader(http.StatusNoContent)
}

// resend sends the last post-sale request of an order again, as the back
// office's manual resend does.
func (s *Server) resend(w http.ResponseWriter, r *http.Request) {
	st := s.lookup(w, r)
	if st == nil {
		return
	}
	s.postSale(st.m, st.values.Get("orderID"), st.values, st.m.Attempts)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *settled {
	s.mu.Lock()
	st := s.last[r.FormValue("pspid")+"/"+r.FormValue("orderid")]
	s.mu.Unlock()
	if st == nil {
		http.Error(w, "no settled order with this pspid and orderid", http.StatusNotFound)
	}
	return st
}
