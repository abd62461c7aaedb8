package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/payhost/payhost/host/internal/shopsig"
	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

// floor is the bare server plus the work payhost must do for a paid session
// whatever its store: the offline plugin's Begin and HandleNotification over
// go-plugin's gRPC with mTLS (the real binary, as the host launches it), and
// two signed webhooks (pending, then paid) POSTed to a receiver that
// verifies them, by four delivery goroutines as the host's worker has.
// Its rows are the bare server's (one insert, one update, database/sql
// defaults); the session the plugin needs is kept in memory. No store,
// however fast, takes payhost above this server's rate: what separates
// payhost from it is the host's own work (its store, validation, events,
// outbox), what separates it from the bare server is the architecture's.
type floor struct {
	*bare
	plugin *goplugin.Client
	// prov is nil when the floor leaves the plugin out (webhooks only):
	// it then verifies the notification itself, as the bare server does.
	prov  payment.Provider
	cfg   payment.Config
	hook  string
	hooks chan []byte
	wg    sync.WaitGroup
	hc    *http.Client

	mu       sync.Mutex
	sessions map[string]payment.Session
}

// floorParallel is the host's default number of concurrent deliveries.
const floorParallel = 4

func startFloor(tmp, pluginsDir, hook string, clients int, withPlugin bool) (*floor, error) {
	b, err := openBare(tmp, clients)
	if err != nil {
		return nil, err
	}
	f := &floor{
		bare:     b,
		cfg:      payment.Config{"signing_key": signingKey},
		hook:     hook,
		hooks:    make(chan []byte, 4096),
		sessions: map[string]payment.Session{},
	}
	if withPlugin {
		f.plugin = goplugin.NewClient(plugin.ClientConfig(plugin.ClientOptions{
			Path:         filepath.Join(pluginsDir, "payhost-plugin-offline"),
			StartTimeout: 30 * time.Second,
			Logger:       hclog.NewNullLogger(),
		}))
		rpc, err := f.plugin.Client()
		if err == nil {
			f.prov, err = plugin.Dispense(rpc)
		}
		if err != nil {
			f.plugin.Kill()
			b.db.Close()
			return nil, fmt.Errorf("offline plugin: %w", err)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = floorParallel
	f.hc = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range floorParallel {
		f.wg.Add(1)
		go f.deliver()
	}
	if err := b.serve(f.create, f.notify); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func (f *floor) Close() {
	// Shutdown, not Close: it waits for handlers, which queue webhooks.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if f.srv != nil { // nil when serving failed to start
		_ = f.srv.Shutdown(ctx)
	}
	f.db.Close()
	close(f.hooks)
	f.wg.Wait()
	if f.plugin != nil {
		f.plugin.Kill()
	}
}

// createRequest is what the load's clients send, decoded as the host
// decodes it (every field, not only those the bare server reads).
type createRequest struct {
	Mode     string `json:"mode"`
	OrderRef string `json:"order_ref"`
	Cart     struct {
		Type     string `json:"type"`
		Currency string `json:"currency"`
		Country  string `json:"country"`
		Lines    []struct {
			SKU        string `json:"sku"`
			Label      string `json:"label"`
			Quantity   int64  `json:"quantity"`
			UnitAmount int64  `json:"unit_amount"`
			TaxRate    int64  `json:"tax_rate"`
		} `json:"lines"`
		ShippingAmount int64 `json:"shipping_amount"`
		TotalAmount    int64 `json:"total_amount"`
	} `json:"cart"`
	Customer struct {
		Email  string `json:"email"`
		Name   string `json:"name"`
		Locale string `json:"locale"`
	} `json:"customer"`
	ReturnURL string `json:"return_url"`
	CancelURL string `json:"cancel_url"`
}

func (f *floor) create(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(key), []byte(siteKey)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req createRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	total := req.Cart.ShippingAmount
	lines := make([]payment.Line, 0, len(req.Cart.Lines))
	for _, l := range req.Cart.Lines {
		total += l.Quantity * l.UnitAmount
		lines = append(lines, payment.Line{SKU: l.SKU, Label: l.Label, Quantity: l.Quantity, UnitAmount: l.UnitAmount})
	}
	rnd := make([]byte, 16)
	_, _ = rand.Read(rnd)
	s := payment.Session{
		ID: "ps_" + hex.EncodeToString(rnd), SiteID: "load", Mode: req.Mode, Reference: strings.ToUpper(hex.EncodeToString(rnd[:6])),
		OrderRef: req.OrderRef, Amount: total, Currency: req.Cart.Currency, Country: req.Cart.Country,
		Customer: payment.Customer{Email: req.Customer.Email, Name: req.Customer.Name, Locale: req.Customer.Locale},
		Lines:    lines, Status: payment.StatusPending, CreatedAt: time.Now(), TestMode: true,
	}
	s.URLs = payment.URLs{Pay: f.base + "/pay/" + s.ID, Return: f.base + "/return/" + s.ID, Cancel: f.base + "/return/" + s.ID + "?cancel=1",
		Notify: f.base + "/notify/" + s.ID, NotifyStatic: f.base + "/notify"}
	var begun payment.BeginResponse
	if f.prov != nil {
		var err error
		if begun, err = f.prov.Begin(r.Context(), payment.BeginRequest{Session: s, Config: f.cfg}); err != nil {
			http.Error(w, "plugin: "+err.Error(), http.StatusBadGateway)
			return
		}
	} else {
		begun.ProviderTransactionID = "TEST-" + hex.EncodeToString(rnd[6:14])
	}
	s.ProviderTransactionID = begun.ProviderTransactionID
	cart, _ := json.Marshal(req.Cart)
	if _, err := f.db.ExecContext(r.Context(), `INSERT INTO sessions (id, status, amount, currency, reference, cart, txn, created_at)
		VALUES (?, 'pending', ?, ?, ?, ?, ?, ?)`, s.ID, total, s.Currency, s.Reference, string(cart), s.ProviderTransactionID, time.Now().UnixNano()); err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	f.mu.Lock()
	f.sessions[s.ID] = s
	f.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"id": s.ID, "status": "pending", "reference": s.Reference, "amount": total,
		"currency": s.Currency, "mode": s.Mode, "cart": req.Cart, "customer": req.Customer, "choices": begun.Choices})
	f.hooks <- body
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}

func (f *floor) notify(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f.mu.Lock()
	s, ok := f.sessions[id]
	f.mu.Unlock()
	if !ok {
		http.Error(w, "unknown session", http.StatusNotFound)
		return
	}
	o, ok := f.verify(r, s)
	if !ok {
		http.Error(w, "refused", http.StatusBadRequest)
		return
	}
	if _, err := f.db.ExecContext(r.Context(), `UPDATE sessions SET status = ?, txn = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
		string(o.Status), o.ProviderTransactionID, time.Now().UnixNano(), id); err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	f.mu.Lock()
	delete(f.sessions, id)
	f.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"id": s.ID, "status": o.Status, "reference": s.Reference, "amount": s.Amount,
		"currency": s.Currency, "mode": s.Mode, "lines": s.Lines, "customer": s.Customer, "provider_transaction_id": o.ProviderTransactionID})
	f.hooks <- body
	w.WriteHeader(http.StatusOK)
}

// verify reads a notification's outcome through the plugin, or as the bare
// server does without it.
func (f *floor) verify(r *http.Request, s payment.Session) (*payment.Outcome, bool) {
	if f.prov == nil {
		if err := r.ParseForm(); err != nil || !signedFor(r.PostForm, s.ID) {
			return nil, false
		}
		return &payment.Outcome{Status: payment.Status(r.PostForm.Get("status")), ProviderTransactionID: r.PostForm.Get("txn")}, true
	}
	preq, err := payment.NewHTTPRequest(r, f.base)
	if err != nil {
		return nil, false
	}
	res, err := f.prov.HandleNotification(r.Context(), payment.CallbackRequest{Session: s, Config: f.cfg, Request: preq})
	if err != nil || res.Outcome == nil {
		return nil, false
	}
	return res.Outcome, true
}

// deliver POSTs queued webhooks, signed as the host signs them.
func (f *floor) deliver() {
	defer f.wg.Done()
	for body := range f.hooks {
		var ev struct{ ID, Status string }
		_ = json.Unmarshal(body, &ev)
		req, err := http.NewRequest(http.MethodPost, f.hook, bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Payhost-Event-Id", ev.ID+":"+ev.Status)
		req.Header.Set("Payhost-Signature", shopsig.Webhook(webhookSecret, time.Now(), body))
		resp, err := f.hc.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 512))
			resp.Body.Close()
		}
	}
}
