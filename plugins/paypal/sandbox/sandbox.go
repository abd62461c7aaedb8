// Package sandbox plays PayPal's side of Orders v2 + webhooks for tests and
// the local demo: the OAuth2 token endpoint (Basic auth checked), orders
// create / get / capture with idempotency by PayPal-Request-Id, capture
// refunds, an approval page, webhooks signed with the sandbox's own
// certificate (served under /certs/) and retried on non-2xx, and
// verify-webhook-signature.
//
// A back office (/backoffice/...) registers REST apps, expires tokens,
// completes pending captures and slows order creation down, so tests can
// reach every branch.
package sandbox

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/shared/sandboxpage"
)

// App is a REST app: its credentials and its webhook registration.
type App struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	WebhookURL   string `json:"webhook_url"`
	WebhookID    string `json:"webhook_id"`
	// BrandName is the business name buyers see on the approval page
	// (the account's; an order's experience_context.brand_name, when the
	// order sets one, wins); empty shows the client id.
	BrandName string `json:"brand_name"`
}

// Demo is the app `make run` uses.
var Demo = App{ClientID: "demo-client-id", ClientSecret: "demo-client-secret", WebhookURL: "http://localhost:8080/notify/paypal", WebhookID: "DEMO-WEBHOOK-ID", BrandName: "Demo Shop"}

// Server is the simulated PayPal.
type Server struct {
	prefix string
	key    *rsa.PrivateKey
	cert   []byte // PEM
	client *http.Client
	mux    *http.ServeMux

	mu          sync.Mutex
	apps        map[string]App
	tokens      map[string]tokenInfo
	tokenTTL    time.Duration
	orders      map[string]*order
	captures    map[string]*order // capture id -> order
	idempotent  map[string]stored // app + path + PayPal-Request-Id -> answer
	createDelay time.Duration
	retryDelay  time.Duration
	deliveries  []Delivery
}

type tokenInfo struct {
	app     string
	expires time.Time
}

type stored struct {
	status int
	body   []byte
}

// Delivery is one webhook attempt.
type Delivery struct {
	EventType string `json:"event_type"`
	EventID   string `json:"event_id"`
	Status    int    `json:"status"`
}

type money struct {
	CurrencyCode string `json:"currency_code"`
	Value        string `json:"value"`
}

type order struct {
	app       string
	ID        string
	Status    string
	Amount    money
	Reference string
	Return    string
	Cancel    string
	plan      string // capture status on capture: COMPLETED, PENDING, DECLINED
	locale    string // the buyer's language, from the experience context
	capture   *captureRec
}

type captureRec struct {
	ID       string
	Status   string
	Reason   string
	Refunded int64 // minor units
}

// New returns the sandbox; prefix is the path it is mounted under (links
// and certificate URLs include it).
func New(prefix string) (*Server, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "messageverificationcerts.sandbox.payhost.local", Organization: []string{"payhost sandbox"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(5 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	s := &Server{prefix: prefix, key: key, cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		client: &http.Client{Timeout: 10 * time.Second}, mux: http.NewServeMux(),
		apps: map[string]App{Demo.ClientID: Demo}, tokens: map[string]tokenInfo{}, tokenTTL: time.Hour,
		orders: map[string]*order{}, captures: map[string]*order{}, idempotent: map[string]stored{}, retryDelay: 5 * time.Second}
	s.mux.HandleFunc("POST /v1/oauth2/token", s.token)
	s.mux.HandleFunc("POST /v2/checkout/orders", s.auth(s.createOrder))
	s.mux.HandleFunc("GET /v2/checkout/orders/{id}", s.auth(s.getOrder))
	s.mux.HandleFunc("POST /v2/checkout/orders/{id}/capture", s.auth(s.captureOrder))
	s.mux.HandleFunc("POST /v2/payments/captures/{id}/refund", s.auth(s.refund))
	s.mux.HandleFunc("POST /v1/notifications/verify-webhook-signature", s.auth(s.verify))
	s.mux.HandleFunc("GET /checkoutnow", s.approvalPage)
	s.mux.HandleFunc("POST /checkoutnow/{id}", s.approve)
	s.mux.HandleFunc("GET /certs/sandbox.pem", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(s.cert)
	})
	s.mux.HandleFunc("POST /backoffice/apps", s.addApp)
	s.mux.HandleFunc("POST /backoffice/tokens/expire", s.expireTokens)
	s.mux.HandleFunc("POST /backoffice/captures/{id}/complete", s.completeCapture)
	s.mux.HandleFunc("POST /backoffice/settings", s.settings)
	s.mux.HandleFunc("GET /backoffice/orders", s.listOrders)
	s.mux.HandleFunc("GET /backoffice/deliveries", s.listDeliveries)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// CertificatePEM is the certificate webhooks are signed with.
func (s *Server) CertificatePEM() []byte { return s.cert }

func (s *Server) base(r *http.Request) string { return "http://" + r.Host + s.prefix }

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func writeJSON(w http.ResponseWriter, status int, v any) []byte {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return b
}

func apiError(w http.ResponseWriter, status int, name, message, issue string) {
	body := map[string]any{"name": name, "message": message, "debug_id": randomID(6)}
	if issue != "" {
		body["details"] = []map[string]string{{"issue": issue, "description": message}}
	}
	writeJSON(w, status, body)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	s.mu.Lock()
	app, known := s.apps[id]
	s.mu.Unlock()
	if !ok || !known || app.ClientSecret != secret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client Authentication failed"})
		return
	}
	r.ParseForm()
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	tok := "A21AA" + randomID(24)
	s.mu.Lock()
	s.tokens[tok] = tokenInfo{app: id, expires: time.Now().Add(s.tokenTTL)}
	ttl := s.tokenTTL
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(ttl / time.Second)})
}

type appHandler func(w http.ResponseWriter, r *http.Request, app App)

func (s *Server) auth(h appHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		info, ok := s.tokens[tok]
		app := s.apps[info.app]
		s.mu.Unlock()
		if !ok || time.Now().After(info.expires) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "Token signature verification failed"})
			return
		}
		h(w, r, app)
	}
}

// replay answers a request already made with the same PayPal-Request-Id.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, app App) (key string, done bool) {
	rid := r.Header.Get("PayPal-Request-Id")
	if rid == "" {
		return "", false
	}
	key = app.ClientID + " " + r.URL.Path + " " + rid
	s.mu.Lock()
	st, ok := s.idempotent[key]
	s.mu.Unlock()
	if ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st.status)
		w.Write(st.body)
	}
	return key, ok
}

func (s *Server) remember(key string, status int, body []byte) {
	if key == "" {
		return
	}
	s.mu.Lock()
	s.idempotent[key] = stored{status, body}
	s.mu.Unlock()
}

func (s *Server) orderJSON(r *http.Request, o *order) map[string]any {
	pu := map[string]any{"reference_id": o.Reference, "custom_id": o.Reference, "invoice_id": o.Reference, "amount": o.Amount}
	if o.capture != nil {
		pu["payments"] = map[string]any{"captures": []any{s.captureJSON(o)}}
	}
	links := []map[string]string{{"href": s.base(r) + "/v2/checkout/orders/" + o.ID, "rel": "self", "method": "GET"}}
	if o.Status == "PAYER_ACTION_REQUIRED" {
		links = append(links, map[string]string{"href": s.base(r) + "/checkoutnow?token=" + o.ID, "rel": "payer-action", "method": "GET"})
	}
	return map[string]any{"id": o.ID, "status": o.Status, "purchase_units": []any{pu}, "links": links}
}

func (s *Server) captureJSON(o *order) map[string]any {
	c := map[string]any{"id": o.capture.ID, "status": o.capture.Status, "amount": o.Amount, "custom_id": o.Reference,
		"invoice_id": o.Reference, "final_capture": true,
		"supplementary_data": map[string]any{"related_ids": map[string]string{"order_id": o.ID}}}
	if o.capture.Reason != "" {
		c["status_details"] = map[string]string{"reason": o.capture.Reason}
	}
	return c
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, app App) {
	key, done := s.replay(w, r, app)
	if done {
		return
	}
	var req struct {
		Intent        string `json:"intent"`
		PurchaseUnits []struct {
			CustomID string `json:"custom_id"`
			Amount   money  `json:"amount"`
		} `json:"purchase_units"`
		PaymentSource struct {
			PayPal struct {
				ExperienceContext struct {
					ReturnURL string `json:"return_url"`
					CancelURL string `json:"cancel_url"`
					Locale    string `json:"locale"`
				} `json:"experience_context"`
			} `json:"paypal"`
		} `json:"payment_source"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "INVALID_REQUEST", "Request is not well-formed", "MALFORMED_REQUEST_JSON")
		return
	}
	if req.Intent != "CAPTURE" && req.Intent != "AUTHORIZE" || len(req.PurchaseUnits) != 1 {
		apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "intent and one purchase unit are required", "INVALID_PARAMETER_VALUE")
		return
	}
	pu := req.PurchaseUnits[0]
	if _, err := minor(pu.Amount); err != nil {
		apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "amount.value does not fit the currency", "DECIMAL_PRECISION")
		return
	}
	ec := req.PaymentSource.PayPal.ExperienceContext
	if ec.ReturnURL == "" || ec.CancelURL == "" {
		apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "return_url and cancel_url are required", "MISSING_REQUIRED_PARAMETER")
		return
	}
	o := &order{app: app.ClientID, ID: randomID(9)[:17], Status: "PAYER_ACTION_REQUIRED", Amount: pu.Amount, Reference: pu.CustomID,
		Return: ec.ReturnURL, Cancel: ec.CancelURL, locale: ec.Locale}
	s.mu.Lock()
	s.orders[o.ID] = o
	delay := s.createDelay
	s.mu.Unlock()
	body, _ := json.Marshal(s.orderJSON(r, o))
	s.remember(key, http.StatusCreated, body)
	// A slow answer after the order exists: what a client timeout hits.
	time.Sleep(delay)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(body)
}

// minor parses a money value with the currency's decimals (PayPal's
// whole-unit currencies included).
func minor(m money) (int64, error) {
	c, ok := currency.Lookup(m.CurrencyCode)
	if !ok {
		return 0, fmt.Errorf("unknown currency")
	}
	if m.CurrencyCode == "HUF" || m.CurrencyCode == "TWD" {
		if strings.Contains(m.Value, ".") {
			return 0, fmt.Errorf("no decimals")
		}
	}
	return c.ParseMajor(m.Value)
}

func (s *Server) lookupOrder(w http.ResponseWriter, id string, app App) *order {
	s.mu.Lock()
	o := s.orders[id]
	s.mu.Unlock()
	if o == nil || o.app != app.ClientID {
		apiError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", "INVALID_RESOURCE_ID")
		return nil
	}
	return o
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, app App) {
	if o := s.lookupOrder(w, r.PathValue("id"), app); o != nil {
		s.mu.Lock()
		v := s.orderJSON(r, o)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) captureOrder(w http.ResponseWriter, r *http.Request, app App) {
	key, done := s.replay(w, r, app)
	if done {
		return
	}
	o := s.lookupOrder(w, r.PathValue("id"), app)
	if o == nil {
		return
	}
	s.mu.Lock()
	switch o.Status {
	case "APPROVED":
	case "COMPLETED":
		s.mu.Unlock()
		apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "Order already captured.", "ORDER_ALREADY_CAPTURED")
		return
	default:
		s.mu.Unlock()
		apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "Payer has not yet approved the Order for payment.", "ORDER_NOT_APPROVED")
		return
	}
	o.Status = "COMPLETED"
	o.capture = &captureRec{ID: randomID(9)[:17], Status: o.plan}
	eventType := "PAYMENT.CAPTURE.COMPLETED"
	switch o.plan {
	case "PENDING":
		o.capture.Reason, eventType = "PENDING_REVIEW", "PAYMENT.CAPTURE.PENDING"
	case "DECLINED":
		eventType = "PAYMENT.CAPTURE.DENIED"
	}
	s.captures[o.capture.ID] = o
	v := s.orderJSON(r, o)
	resource := s.captureJSON(o)
	s.mu.Unlock()
	body := writeJSON(w, http.StatusCreated, v)
	s.remember(key, http.StatusCreated, body)
	go s.sendWebhook(s.base(r), app, eventType, "capture", resource)
}

func (s *Server) refund(w http.ResponseWriter, r *http.Request, app App) {
	key, done := s.replay(w, r, app)
	if done {
		return
	}
	var req struct {
		Amount *money `json:"amount"`
	}
	json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req)
	s.mu.Lock()
	o := s.captures[r.PathValue("id")]
	if o == nil || o.app != app.ClientID {
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", "INVALID_RESOURCE_ID")
		return
	}
	total, _ := minor(o.Amount)
	amount := total - o.capture.Refunded
	if req.Amount != nil {
		a, err := minor(*req.Amount)
		if err != nil || req.Amount.CurrencyCode != o.Amount.CurrencyCode {
			s.mu.Unlock()
			apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "invalid amount", "INVALID_PARAMETER_VALUE")
			return
		}
		amount = a
	}
	if o.capture.Status != "COMPLETED" && o.capture.Status != "PARTIALLY_REFUNDED" || amount <= 0 || o.capture.Refunded+amount > total {
		s.mu.Unlock()
		apiError(w, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "The refund amount must be less than or equal to the capture amount that has not yet been refunded.", "REFUND_AMOUNT_EXCEEDED")
		return
	}
	o.capture.Refunded += amount
	o.capture.Status = "PARTIALLY_REFUNDED"
	if o.capture.Refunded == total {
		o.capture.Status = "REFUNDED"
	}
	c, _ := currency.Lookup(o.Amount.CurrencyCode)
	value := c.FormatMinor(amount)
	if o.Amount.CurrencyCode == "HUF" || o.Amount.CurrencyCode == "TWD" {
		value = fmt.Sprint(amount / 100)
	}
	refund := map[string]any{"id": randomID(9)[:17], "status": "COMPLETED", "amount": money{o.Amount.CurrencyCode, value},
		"invoice_id": o.Reference, "custom_id": o.Reference}
	s.mu.Unlock()
	body := writeJSON(w, http.StatusCreated, refund)
	s.remember(key, http.StatusCreated, body)
	go s.sendWebhook(s.base(r), app, "PAYMENT.CAPTURE.REFUNDED", "refund", refund)
}

func (s *Server) approvalPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.orders[r.URL.Query().Get("token")]
	var brand string
	if o != nil {
		brand = cmp.Or(s.apps[o.app].BrandName, o.app)
	}
	s.mu.Unlock()
	if o == nil {
		http.Error(w, "unknown order", http.StatusNotFound)
		return
	}
	amount, _ := minor(o.Amount)
	sandboxpage.Render(w, r, sandboxpage.Page{Provider: "PayPal", Color: "#003087", Merchant: brand, Amount: amount,
		Currency: o.Amount.CurrencyCode, Reference: o.ID, Action: "checkoutnow/" + o.ID,
		Choices: []string{"approve", "cancel", "approve-pending", "approve-declined", "approve-no-return"}, Language: o.locale})
}

// approve records the buyer's decision. An approval sends the
// CHECKOUT.ORDER.APPROVED webhook before the browser is redirected back.
func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.orders[r.PathValue("id")]
	if o == nil || o.Status != "PAYER_ACTION_REQUIRED" {
		s.mu.Unlock()
		http.Error(w, "unknown or already decided order", http.StatusConflict)
		return
	}
	choice := r.FormValue("choice")
	if choice == "cancel" {
		target := o.Cancel
		s.mu.Unlock()
		http.Redirect(w, r, addQuery(target, url.Values{"token": {o.ID}}), http.StatusSeeOther)
		return
	}
	o.Status, o.plan = "APPROVED", "COMPLETED"
	switch choice {
	case "approve-pending":
		o.plan = "PENDING"
	case "approve-declined":
		o.plan = "DECLINED"
	}
	app := s.apps[o.app]
	resource := s.orderJSON(r, o)
	target := o.Return
	s.mu.Unlock()
	s.sendWebhook(s.base(r), app, "CHECKOUT.ORDER.APPROVED", "checkout-order", resource)
	if choice == "approve-no-return" {
		fmt.Fprintln(w, "Approved. You may close this window.")
		return
	}
	http.Redirect(w, r, addQuery(target, url.Values{"token": {o.ID}, "PayerID": {"SANDBOXPAYER1"}}), http.StatusSeeOther)
}

func addQuery(raw string, q url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	v := u.Query()
	for k, vs := range q {
		v[k] = vs
	}
	u.RawQuery = v.Encode()
	return u.String()
}

// sendWebhook posts a signed event to the app's webhook URL, retrying on a
// non-2xx answer.
func (s *Server) sendWebhook(base string, app App, eventType, resourceType string, resource any) {
	if app.WebhookURL == "" {
		return
	}
	ev := map[string]any{"id": "WH-" + randomID(10), "event_version": "1.0", "create_time": time.Now().UTC().Format(time.RFC3339Nano),
		"resource_type": resourceType, "resource_version": "2.0", "event_type": eventType, "summary": eventType, "resource": resource}
	body, _ := json.Marshal(ev)
	for attempt := 1; attempt <= 5; attempt++ {
		tid := strings.ToLower(randomID(16))
		ttime := time.Now().UTC().Format(time.RFC3339)
		sig, _ := signTransmission(s.key, transmissionString(tid, ttime, app.WebhookID, body))
		req, _ := http.NewRequest(http.MethodPost, app.WebhookURL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Paypal-Transmission-Id", tid)
		req.Header.Set("Paypal-Transmission-Time", ttime)
		req.Header.Set("Paypal-Transmission-Sig", sig)
		req.Header.Set("Paypal-Cert-Url", base+"/certs/sandbox.pem")
		req.Header.Set("Paypal-Auth-Algo", "SHA256withRSA")
		status := 0
		if resp, err := s.client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, Delivery{EventType: eventType, EventID: ev["id"].(string), Status: status})
		delay := s.retryDelay
		s.mu.Unlock()
		if status/100 == 2 {
			return
		}
		time.Sleep(delay)
	}
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, app App) {
	var req struct {
		TransmissionID   string          `json:"transmission_id"`
		TransmissionTime string          `json:"transmission_time"`
		TransmissionSig  string          `json:"transmission_sig"`
		WebhookID        string          `json:"webhook_id"`
		WebhookEvent     json.RawMessage `json:"webhook_event"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "INVALID_REQUEST", "Request is not well-formed", "MALFORMED_REQUEST_JSON")
		return
	}
	block, _ := pem.Decode(s.cert)
	cert, _ := x509.ParseCertificate(block.Bytes)
	status := "FAILURE"
	// PayPal checks against the event as it sent it; the raw JSON passed
	// here is the body the listener received.
	if transmissionVerifies(cert, transmissionString(req.TransmissionID, req.TransmissionTime, req.WebhookID, req.WebhookEvent), req.TransmissionSig) {
		status = "SUCCESS"
	}
	writeJSON(w, http.StatusOK, map[string]string{"verification_status": status})
}

func (s *Server) addApp(w http.ResponseWriter, r *http.Request) {
	var a App
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&a); err != nil || a.ClientID == "" || a.ClientSecret == "" {
		http.Error(w, "client_id and client_secret are required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.apps[a.ClientID] = a
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) expireTokens(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	for k := range s.tokens {
		delete(s.tokens, k)
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) completeCapture(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.captures[r.PathValue("id")]
	if o == nil || o.capture.Status != "PENDING" {
		s.mu.Unlock()
		http.Error(w, "no pending capture with this id", http.StatusConflict)
		return
	}
	o.capture.Status, o.capture.Reason = "COMPLETED", ""
	resource := s.captureJSON(o)
	app := s.apps[o.app]
	s.mu.Unlock()
	go s.sendWebhook(s.base(r), app, "PAYMENT.CAPTURE.COMPLETED", "capture", resource)
	w.WriteHeader(http.StatusNoContent)
}

// settings adjusts timings: {"create_delay_ms", "retry_delay_ms", "token_ttl_s"}.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CreateDelayMS *int64 `json:"create_delay_ms"`
		RetryDelayMS  *int64 `json:"retry_delay_ms"`
		TokenTTLS     *int64 `json:"token_ttl_s"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if in.CreateDelayMS != nil {
		s.createDelay = time.Duration(*in.CreateDelayMS) * time.Millisecond
	}
	if in.RetryDelayMS != nil {
		s.retryDelay = time.Duration(*in.RetryDelayMS) * time.Millisecond
	}
	if in.TokenTTLS != nil {
		s.tokenTTL = time.Duration(*in.TokenTTLS) * time.Second
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := []map[string]any{}
	for _, o := range s.orders {
		if ref := r.URL.Query().Get("reference"); ref == "" || ref == o.Reference {
			item := map[string]any{"id": o.ID, "status": o.Status, "reference": o.Reference}
			if o.capture != nil {
				item["capture_id"], item["capture_status"] = o.capture.ID, o.capture.Status
			}
			out = append(out, item)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := append([]Delivery(nil), s.deliveries...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
