// Package sandbox plays Mercanet's side of the Paypage POST protocol for
// tests and the local demo: paymentInit (refusing a bad seal or a missing
// field as Mercanet does), a hosted page with accept / refuse / cancel, the
// sealed automatic response to automaticResponseUrl and manual response to
// normalReturnUrl, and the Office getTransactionData call.
//
// The hosted page also offers "accept without automatic response", so the
// host's reconciliation through getTransactionData can be exercised.
package sandbox

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// Merchants known to the sandbox: the public Mercanet and Sips test shops.
var defaultMerchants = map[string]string{
	"211000021310001": "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o",
	"002001000000001": "002001000000001_KEY1",
}

// merchantNames are the shop names the hosted page shows (set with the
// contract at Worldline); a merchant without one shows its merchantId.
var merchantNames = map[string]string{"211000021310001": "Demo Shop"}

// Server is the simulated Mercanet.
type Server struct {
	merchants map[string]string
	client    *http.Client
	mu        sync.Mutex
	txns      map[string]*txn // by merchantId + "/" + transactionReference
	tokens    map[string]*txn // hosted page token -> transaction
	mux       *http.ServeMux
	// Deliveries counts automatic responses sent, for tests.
	deliveries int
}

type txn struct {
	merchant, key, algorithm, iface string
	fields                          map[string]string
	status                          string // Office transactionStatus; "" until the customer chose
	responseCode, authorisationID   string
}

// New returns the sandbox; merchants maps merchantId to secret key (nil
// means the public test shops).
func New(merchants map[string]string) *Server {
	if merchants == nil {
		merchants = defaultMerchants
	}
	s := &Server{merchants: merchants, client: &http.Client{Timeout: 10 * time.Second},
		txns: map[string]*txn{}, tokens: map[string]*txn{}, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /paymentInit", s.paymentInit)
	s.mux.HandleFunc("POST /page/{token}", s.choose)
	newOffice(s) // the Office server's routes (office.go)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Deliveries returns how many automatic responses were sent.
func (s *Server) Deliveries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveries
}

var pages = template.Must(template.New("").Parse(`
{{define "error"}}<!doctype html><meta charset="utf-8"><title>Mercanet sandbox: error</title>
<h1>Payment request refused</h1><p>responseCode={{.Code}}</p><p>{{.Message}}</p>{{end}}
`))

func fail(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	pages.ExecuteTemplate(w, "error", map[string]string{"Code": code, "Message": msg})
}

// paymentInit checks the request as Mercanet does: interface version,
// known merchant, seal, mandatory fields, unused transactionReference.
func (s *Server) paymentInit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		fail(w, "30", "unreadable form")
		return
	}
	data, seal, iface := r.PostForm.Get("Data"), r.PostForm.Get("Seal"), r.PostForm.Get("InterfaceVersion")
	algo := sealSHA256
	if a := r.PostForm.Get("SealAlgorithm"); a != "" {
		if a != sealHMACSHA256 {
			fail(w, "30", "unknown SealAlgorithm")
			return
		}
		algo = a
	}
	if data == "" || seal == "" || !strings.HasPrefix(iface, "HP_") {
		fail(w, "30", "Data, Seal and InterfaceVersion are required")
		return
	}
	raw := data
	if r.PostForm.Get("Encode") == "base64" {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			fail(w, "30", "Data is not base64")
			return
		}
		raw = string(b)
	}
	fields, err := sipsFields(raw)
	if err != nil {
		fail(w, "30", "format error in Data: "+err.Error())
		return
	}
	key, ok := s.merchants[fields["merchantId"]]
	if !ok {
		fail(w, "03", "invalid merchant contract")
		return
	}
	if !sealMatches(paypageSeal(data, key, algo), seal, key) {
		fail(w, "34", "the seal does not match (check the secret key and keyVersion)")
		return
	}
	for _, f := range []string{"amount", "currencyCode", "merchantId", "normalReturnUrl", "keyVersion", "transactionReference"} {
		if fields[f] == "" {
			fail(w, "12", "missing field "+f)
			return
		}
	}
	if n, err := strconv.ParseInt(fields["amount"], 10, 64); err != nil || n <= 0 {
		fail(w, "12", "amount must be a positive integer of minor units")
		return
	}
	id := fields["merchantId"] + "/" + fields["transactionReference"]
	token := randomHex(12)
	t := &txn{merchant: fields["merchantId"], key: key, algorithm: algo, iface: iface, fields: fields}
	s.mu.Lock()
	if _, used := s.txns[id]; used {
		s.mu.Unlock()
		fail(w, "94", "duplicated transaction: transactionReference already used")
		return
	}
	s.txns[id] = t
	s.tokens[token] = t
	s.mu.Unlock()
	amount, _ := strconv.ParseInt(fields["amount"], 10, 64)
	cur, _ := currency.ByNumeric(fields["currencyCode"])
	sandboxpage.Render(w, r, sandboxpage.Page{Provider: "Mercanet · BNP Paribas", Color: "#00915a", Merchant: cmp.Or(merchantNames[t.merchant], t.merchant),
		Amount: amount, Currency: cur.Code, Reference: fields["transactionReference"], Action: "page/" + token,
		Choices: []string{"accept", "refuse", "cancel", "accept-silent"}, Language: fields["customerLanguage"]})
}

// choose settles the transaction, sends the automatic response (unless
// asked not to) before the browser goes back with the manual response.
func (s *Server) choose(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t, ok := s.tokens[r.PathValue("token")]
	if ok {
		delete(s.tokens, r.PathValue("token")) // the page can be used once
	}
	s.mu.Unlock()
	if !ok {
		fail(w, "25", "unknown or already used payment page")
		return
	}
	choice := r.FormValue("choice")
	code, status, auto := "", "", true
	switch choice {
	case "accept", "accept-silent":
		code, auto = "00", choice == "accept"
		status = "TO_CAPTURE"
		if t.fields["captureMode"] == captureValidation {
			status = "TO_VALIDATE"
		}
	case "refuse":
		code, status = "05", "REFUSED"
	case "cancel":
		code, status = "17", "ABORTED"
	default:
		fail(w, "12", "unknown choice")
		return
	}
	s.mu.Lock()
	t.status, t.responseCode = status, code
	if code == "00" {
		t.authorisationID = fmt.Sprintf("%06d", time.Now().UnixNano()%1000000)
	}
	s.mu.Unlock()

	response := s.response(t)
	if auto && t.fields["automaticResponseUrl"] != "" {
		s.deliver(t.fields["automaticResponseUrl"], response)
	}
	var fields []sandboxpage.Field
	for _, k := range slices.Sorted(maps.Keys(response)) {
		fields = append(fields, sandboxpage.Field{Name: k, Value: response[k]})
	}
	sandboxpage.PostBack(w, r, t.fields["customerLanguage"], "Mercanet · BNP Paribas", "#00915a", t.fields["normalReturnUrl"], fields)
}

// response builds the sealed response fields (Data, Seal, InterfaceVersion, Encode).
func (s *Server) response(t *txn) map[string]string {
	pairs := []sipsPair{
		{Key: "merchantId", Value: t.merchant},
		{Key: "transactionReference", Value: t.fields["transactionReference"]},
		{Key: "amount", Value: t.fields["amount"]},
		{Key: "currencyCode", Value: t.fields["currencyCode"]},
		{Key: "responseCode", Value: t.responseCode},
		{Key: "acquirerResponseCode", Value: t.responseCode},
		{Key: "keyVersion", Value: t.fields["keyVersion"]},
		{Key: "transactionDateTime", Value: time.Now().UTC().Format(time.RFC3339)},
		{Key: "captureMode", Value: t.fields["captureMode"]},
		{Key: "orderId", Value: t.fields["orderId"]},
	}
	if t.responseCode == "00" {
		pairs = append(pairs, sipsPair{Key: "authorisationId", Value: t.authorisationID},
			sipsPair{Key: "paymentMeanBrand", Value: "CB"}, sipsPair{Key: "maskedPan", Value: "4100##########00"},
			sipsPair{Key: "holderAuthentStatus", Value: "3D_SUCCESS"})
	}
	data := sipsData(pairs)
	return map[string]string{"Data": data, "Seal": paypageSeal(data, t.key, t.algorithm), "InterfaceVersion": t.iface, "Encode": ""}
}

// deliver posts the automatic response once: Mercanet documents no retry.
func (s *Server) deliver(target string, fields map[string]string) {
	v := url.Values{}
	for k, val := range fields {
		v.Set(k, val)
	}
	resp, err := s.client.PostForm(target, v)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.mu.Lock()
	s.deliveries++
	s.mu.Unlock()
}

// getTransactionData answers the Office diagnostic call (JSON, HMAC seal).
func (s *Server) getTransactionData(w http.ResponseWriter, r *http.Request) {
	var req map[string]string
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil {
		writeJSON(w, map[string]string{"responseCode": "30"}, "")
		return
	}
	key, ok := s.merchants[req["merchantId"]]
	if !ok {
		writeJSON(w, map[string]string{"responseCode": "03"}, "")
		return
	}
	if !sealMatches(officeJSONSeal(req, key), req["seal"], key) {
		writeJSON(w, map[string]string{"responseCode": "34"}, key)
		return
	}
	s.mu.Lock()
	t, found := s.txns[req["merchantId"]+"/"+req["transactionReference"]]
	var out map[string]string
	if found && t.status != "" {
		out = map[string]string{"responseCode": "00", "transactionReference": req["transactionReference"], "transactionStatus": t.status,
			"amount": t.fields["amount"], "currencyCode": t.fields["currencyCode"], "acquirerResponseCode": t.responseCode}
		if t.authorisationID != "" {
			out["authorisationId"] = t.authorisationID
		}
	}
	s.mu.Unlock()
	if out == nil {
		out = map[string]string{"responseCode": "25"}
	}
	writeJSON(w, out, key)
}

func writeJSON(w http.ResponseWriter, fields map[string]string, key string) {
	if key != "" {
		fields["seal"] = officeJSONSeal(fields, key)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(fields)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
