package main

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"

	"github.com/payhost/payhost/sdk/shop"
	"github.com/payhost/payhost/shared/locale"
)

// Config is what the shop needs to know about payhost and itself.
type Config struct {
	Listen        string
	PublicURL     string // this shop, as browsers reach it
	Payhost       string // the payhost host
	APIKey        string // the site's API key: server side only
	WebhookSecret string // verifies webhooks and signed returns
}

//go:embed templates/*.html
var templates embed.FS

// Product is one article of the catalogue; prices in cents, tax included.
type Product struct {
	SKU, Label string
	Price      int64
}

var catalogue = []Product{
	{"TEA-SENCHA", "Thé vert Sencha, 100 g", 1290},
	{"TEA-EARLGREY", "Earl Grey, 100 g", 990},
	{"MUG", "Mug en grès", 1500},
	{"SAMPLE", "Échantillon offert", 0},
}

// Order is what the shop remembers of a checkout.
type Order struct {
	Ref          string
	Locale       string // the buyer's, from the cart
	CheckoutID   string
	ClientSecret string
	CheckoutURL  string
	Total        int64
	Created      time.Time
}

// Delivery is a verified webhook.
type Delivery struct {
	EventID    string
	Received   time.Time
	SessionID  string
	CheckoutID string
	OrderRef   string
	Status     string
	Mode       string
	Amount     int64
}

// Shop is the storefront's HTTP handler.
type Shop struct {
	cfg    Config
	client *http.Client
	pages  *template.Template
	mux    *http.ServeMux

	mu         sync.Mutex
	orders     map[string]*Order
	deliveries []Delivery
	seen       map[string]bool
}

// New returns the shop; it does no I/O.
func New(cfg Config) (*Shop, error) {
	t, err := template.New("").Funcs(template.FuncMap{"money": money}).ParseFS(templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	s := &Shop{cfg: cfg, client: &http.Client{Timeout: 30 * time.Second}, pages: t, mux: http.NewServeMux(),
		orders: map[string]*Order{}, seen: map[string]bool{}}
	s.mux.HandleFunc("GET /{$}", s.cart)
	s.mux.HandleFunc("POST /checkout", s.checkout)
	s.mux.HandleFunc("GET /pay/{ref}", s.pay)
	s.mux.HandleFunc("GET /return", s.back)
	s.mux.HandleFunc("GET /cancel", s.back)
	s.mux.HandleFunc("POST /hook", s.hook)
	s.mux.HandleFunc("GET /webhooks", s.webhooks)
	s.mux.HandleFunc("GET /orders", s.ordersPage)
	s.mux.HandleFunc("POST /orders/{ref}/{op}", s.operate)
	return s, nil
}

func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// money shows an amount in cents of euros (the demo sells in EUR) as the
// checkout shows it to the buyer: in the cart's language ("30,70 €" in
// French, "€30.70" in English), or in English, the language of the shop's
// own pages, where there is no cart (the operator's pages).
func money(cents int64, lang ...string) string {
	tag := language.English
	if len(lang) > 0 && lang[0] != "" {
		if t, err := language.Parse(lang[0]); err == nil {
			tag = t
		}
	}
	return locale.FormatAmount(tag, cents, "EUR")
}

func (s *Shop) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		slog.Error("rendering", "page", name, "error", err)
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// api calls payhost with the site key; out receives the JSON answer.
func (s *Shop) api(method, path string, in, out any, idempotencyKey string) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.cfg.Payhost+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.APIKey)
	req.Header.Set("Content-Type", "application/json")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return resp.StatusCode, fmt.Errorf("payhost answered %d %s: %s", resp.StatusCode, e.Error.Code, e.Error.Message)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

// cartForm is the cart as the catalogue's form submits it.
type cartForm struct {
	Qty      map[string]int64
	Type     string
	Country  string
	Locale   string
	Lines    []map[string]any
	Shipping int64
	Total    int64
}

func readCart(v url.Values) cartForm {
	c := cartForm{Qty: map[string]int64{}, Type: v.Get("type"), Country: v.Get("country"), Locale: v.Get("locale")}
	if c.Type == "" {
		c.Type = "web"
	}
	if c.Country == "" {
		c.Country = "FR"
	}
	if c.Locale == "" {
		c.Locale = "fr-FR"
	}
	first := len(v) == 0
	for _, p := range catalogue {
		q, _ := strconv.ParseInt(v.Get("qty_"+p.SKU), 10, 64)
		if first && p.SKU == "TEA-SENCHA" {
			q = 2 // a cart to start with
		}
		if q <= 0 || q > 99 {
			continue
		}
		c.Qty[p.SKU] = q
		c.Lines = append(c.Lines, map[string]any{"sku": p.SKU, "label": p.Label, "quantity": q, "unit_amount": p.Price, "tax_rate": 2000})
		c.Total += q * p.Price
	}
	if c.Total > 0 && c.Type != "click_and_collect" {
		c.Shipping = 490
		c.Total += c.Shipping
	}
	return c
}

func (c cartForm) json() map[string]any {
	lines := c.Lines
	if lines == nil {
		lines = []map[string]any{}
	}
	return map[string]any{"type": c.Type, "currency": "EUR", "country": c.Country, "lines": lines,
		"shipping_amount": c.Shipping, "total_amount": c.Total}
}

// cart shows the catalogue and, for the current cart, which payment
// methods payhost allows (POST /v1/eligibility with explain).
func (s *Shop) cart(w http.ResponseWriter, r *http.Request) {
	c := readCart(r.URL.Query())
	var elig struct {
		Modes []struct {
			ID, Label string
		} `json:"modes"`
		Refused []struct {
			ID, Reason string
		} `json:"refused"`
	}
	_, err := s.api("POST", "/v1/eligibility", map[string]any{"cart": c.json(), "explain": true}, &elig, "")
	s.render(w, http.StatusOK, "cart.html", map[string]any{"Catalogue": catalogue, "Cart": c, "Eligibility": elig, "Error": err,
		"Types": []string{"web", "click_and_collect", "marketplace"}, "Countries": []string{"FR", "BE", "DE", "US"}})
}

func newRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "DEMO-" + time.Now().UTC().Format("150405") + "-" + hex.EncodeToString(b)
}

// checkout creates the payhost checkout of the cart and shows the shop's
// payment page. The order reference is the Idempotency-Key: a double
// click creates one checkout.
func (s *Shop) checkout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	c := readCart(r.PostForm)
	ref := r.PostForm.Get("ref")
	if ref == "" {
		ref = newRef()
	}
	var co struct {
		ID           string `json:"id"`
		URL          string `json:"url"`
		ClientSecret string `json:"client_secret"`
	}
	_, err := s.api("POST", "/v1/checkouts", map[string]any{
		"order_ref": ref, "cart": c.json(),
		"customer":   map[string]any{"email": "buyer@example.com", "name": "Ada Lovelace", "locale": c.Locale},
		"return_url": s.cfg.PublicURL + "/return", "cancel_url": s.cfg.PublicURL + "/cancel?order=" + url.QueryEscape(ref),
	}, &co, ref)
	if err != nil {
		s.render(w, http.StatusBadGateway, "message.html", map[string]any{"Title": "Checkout failed", "Text": err.Error()})
		return
	}
	s.mu.Lock()
	s.orders[ref] = &Order{Ref: ref, Locale: c.Locale, CheckoutID: co.ID, ClientSecret: co.ClientSecret, CheckoutURL: co.URL, Total: c.Total, Created: time.Now()}
	s.mu.Unlock()
	http.Redirect(w, r, "/pay/"+url.PathEscape(ref), http.StatusSeeOther)
}

// pay is the shop's own payment page: the order and the payhost widget.
func (s *Shop) pay(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o := s.orders[r.PathValue("ref")]
	s.mu.Unlock()
	if o == nil {
		s.render(w, http.StatusNotFound, "message.html", map[string]any{"Title": "Unknown order"})
		return
	}
	s.render(w, http.StatusOK, "pay.html", map[string]any{"Order": o, "Payhost": s.cfg.Payhost})
}

type sessionView struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	Mode           string `json:"mode"`
	Amount         int64  `json:"amount"`
	OrderRef       string `json:"order_ref"`
	CheckoutID     string `json:"checkout_id"`
	RefundedAmount int64  `json:"refunded_amount"`
}

// back is the return (and cancel) page: the signed redirect is verified,
// then the state is read from the API, which is what counts.
func (s *Shop) back(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("session") == "" {
		// The buyer left the checkout page through "cancel".
		s.render(w, http.StatusOK, "message.html", map[string]any{"Title": "Order not paid",
			"Text": "You left the payment page; order " + q.Get("order") + " was not paid.", "Status": "cancelled"})
		return
	}
	if err := shop.VerifyReturn(s.cfg.WebhookSecret, q, time.Now(), 10*time.Minute); err != nil {
		s.render(w, http.StatusBadRequest, "message.html", map[string]any{"Title": "Invalid return", "Text": err.Error()})
		return
	}
	var sess sessionView
	if _, err := s.api("GET", "/v1/sessions/"+url.PathEscape(q.Get("session")), nil, &sess, ""); err != nil {
		s.render(w, http.StatusBadGateway, "message.html", map[string]any{"Title": "Could not read the payment", "Text": err.Error()})
		return
	}
	s.render(w, http.StatusOK, "return.html", map[string]any{"Session": sess})
}

// hook receives payhost's webhooks: signature verified over the raw body,
// deduplicated on Payhost-Event-Id, answered 2xx.
func (s *Shop) hook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	if err := shop.VerifyWebhook(s.cfg.WebhookSecret, r.Header.Get("Payhost-Signature"), body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	var sess sessionView
	if err := json.Unmarshal(body, &sess); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	id := r.Header.Get("Payhost-Event-Id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen[id] {
		s.seen[id] = true
		s.deliveries = append(s.deliveries, Delivery{EventID: id, Received: time.Now(), SessionID: sess.ID, CheckoutID: sess.CheckoutID,
			OrderRef: sess.OrderRef, Status: sess.Status, Mode: sess.Mode, Amount: sess.Amount})
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Shop) webhooks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		list[len(list)-1-i] = d
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "webhooks.html", map[string]any{"Deliveries": list})
}

type orderRow struct {
	*Order
	Status  string
	Session *sessionView
	// Ops are the operations the payment's status allows, each with the
	// Idempotency-Key its form sends: decided when the page is shown, so
	// a form posted twice (a double click, a retry after a timeout)
	// refunds once.
	Ops []opForm
}

type opForm struct{ Name, Key string }

// operationsFor lists what payhost accepts for a session in status.
func operationsFor(status string) []string {
	switch status {
	case "paid", "partially_refunded":
		return []string{"refund"}
	case "authorized":
		return []string{"capture", "cancel"}
	case "pending":
		return []string{"cancel"}
	}
	return nil
}

func (s *Shop) ordersPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	orders := make([]*Order, 0, len(s.orders))
	for _, o := range s.orders {
		orders = append(orders, o)
	}
	s.mu.Unlock()
	sort.Slice(orders, func(i, j int) bool { return orders[i].Created.After(orders[j].Created) })
	var rows []orderRow
	for _, o := range orders {
		row := orderRow{Order: o}
		var co struct {
			Status    string `json:"status"`
			SessionID string `json:"session_id"`
		}
		if _, err := s.api("GET", "/v1/checkouts/"+o.CheckoutID, nil, &co, ""); err != nil {
			row.Status = "unknown (" + err.Error() + ")"
		} else {
			row.Status = co.Status
		}
		if co.SessionID != "" {
			var sess sessionView
			if _, err := s.api("GET", "/v1/sessions/"+co.SessionID, nil, &sess, ""); err == nil {
				row.Session = &sess
				for _, op := range operationsFor(sess.Status) {
					row.Ops = append(row.Ops, opForm{Name: op, Key: "demo-" + op + "-" + o.Ref + "-" + rand.Text()})
				}
			}
		}
		rows = append(rows, row)
	}
	s.render(w, http.StatusOK, "orders.html", map[string]any{"Orders": rows, "Flash": r.URL.Query().Get("flash")})
}

// operate refunds, captures or cancels an order's payment.
func (s *Shop) operate(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("op")
	if op != "refund" && op != "capture" && op != "cancel" {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	o := s.orders[r.PathValue("ref")]
	s.mu.Unlock()
	if o == nil {
		http.NotFound(w, r)
		return
	}
	var co struct {
		SessionID string `json:"session_id"`
	}
	key := r.PostFormValue("idempotency_key")
	if key == "" {
		http.Error(w, "the form has no idempotency_key: reload the orders page", http.StatusBadRequest)
		return
	}
	flash := op + " requested"
	if _, err := s.api("GET", "/v1/checkouts/"+o.CheckoutID, nil, &co, ""); err != nil {
		flash = err.Error()
	} else if co.SessionID == "" {
		flash = "nothing was paid for order " + o.Ref
	} else {
		var res struct {
			Operation struct{ Status string } `json:"operation"`
		}
		if _, err := s.api("POST", "/v1/sessions/"+co.SessionID+"/"+op, nil, &res, key); err != nil {
			flash = op + ": " + err.Error()
		} else {
			flash = op + ": " + res.Operation.Status
		}
	}
	http.Redirect(w, r, "/orders?flash="+url.QueryEscape(strings.TrimSpace(flash)), http.StatusSeeOther)
}
