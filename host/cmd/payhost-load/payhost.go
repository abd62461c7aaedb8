package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the benchmark's own schema

	"github.com/payhost/payhost/host/internal/app"
	"github.com/payhost/payhost/sdk/shop"
)

const (
	siteKey       = "load_site_key_0123456789abcdef"
	adminKey      = "load_admin_key_0123456789abcdef"
	webhookSecret = "load_webhook_secret_0123456789"
	signingKey    = "load_signing_key_0123456789abcd"
)

// configYAML is the host's configuration: one site in test mode with the
// offline plugin's modes, webhooks to the local receiver.
const configYAML = `
environment: development
listen: "127.0.0.1:0"
public_url: "{{PUBLIC}}"
database: {driver: {{DRIVER}}, dsn: "{{DSN}}"}
webhooks: {poll_interval: 100ms}
janitor: {interval: 1s}
plugins: {dir: "{{DIR}}", verify: warn, start_timeout: 30s, call_timeout: 10s}
admin: {api_key: "` + adminKey + `"}
log: {level: {{LOG}}}
sites:
  - id: load
    test_mode: true
    api_key: "` + siteKey + `"
    webhook: {url: "{{HOOK}}", secret: "` + webhookSecret + `"}
    cart_types: [web, click_and_collect]
    modes:
      test: {enabled: true, order: 1, config: {signing_key: "` + signingKey + `"}}
      free: {enabled: true, order: 2}
      cheque:
        enabled: true
        order: 3
        eligibility: {max_amount: 100000, currencies: [EUR], countries: [FR, BE]}
        config: {payee: "Load Shop", address: "1 rue du Test, Paris"}
      transfer:
        enabled: true
        order: 4
        eligibility: {min_amount: 1000}
        config: {account_holder: "Load Shop", iban: "FR1420041010050500013M02606", bic: "PSSTFRPPPAR"}
`

// receiver is the shop's webhook endpoint: it verifies each signature and
// counts the distinct events delivered.
type receiver struct {
	srv      *http.Server
	url      string
	received atomic.Int64
	bad      atomic.Int64
	mu       sync.Mutex
	seen     map[string]bool
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/hook", seen: map[string]bool{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil || shop.VerifyWebhook(webhookSecret, req.Header.Get("Payhost-Signature"), body, time.Now(), 5*time.Minute) != nil {
			r.bad.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		dup := r.seen[req.Header.Get("Payhost-Event-Id")]
		r.seen[req.Header.Get("Payhost-Event-Id")] = true
		r.mu.Unlock()
		if !dup {
			r.received.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) Close() { r.srv.Close() }

// target is a running payhost and a client for it.
type target struct {
	main   *app.Main
	base   string
	client *http.Client
	// cleanup drops what the run created (PostgreSQL schema).
	cleanup func()
}

// startPayhost runs the host in-process with the plugins in dir, on a new
// SQLite file under tmp or a new schema of the PostgreSQL database.
func startPayhost(ctx context.Context, engine, pgDSN, dir, tmp, hook, logLevel string, clients, fill int, out io.Writer) (*target, error) {
	t := &target{cleanup: func() {}}
	var dsn string
	switch engine {
	case "sqlite":
		dsn = filepath.Join(tmp, fmt.Sprintf("payhost-%d.db", time.Now().UnixNano()))
	case "postgres":
		if pgDSN == "" {
			return nil, fmt.Errorf("postgres: give -postgres or PAYHOST_TEST_POSTGRES")
		}
		var err error
		dsn, t.cleanup, err = pgSchema(ctx, pgDSN)
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown engine %q", engine)
	}
	if fill > 0 {
		start := time.Now()
		if err := prefill(ctx, engine, dsn, fill); err != nil {
			t.cleanup()
			return nil, err
		}
		fmt.Fprintf(out, "payhost %s: prefilled %d sessions, %d events, %d delivered webhooks in %.0f s\n", engine, fill, 2*fill, 2*fill, time.Since(start).Seconds())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.cleanup()
		return nil, err
	}
	t.base = "http://" + ln.Addr().String()
	var logs io.Writer = os.Stderr
	if logLevel == "" {
		logLevel, logs = "error", io.Discard
	}
	cfg := strings.NewReplacer("{{PUBLIC}}", t.base, "{{DRIVER}}", engine, "{{DSN}}", dsn, "{{DIR}}", dir,
		"{{HOOK}}", hook, "{{LOG}}", logLevel).Replace(configYAML)
	cfgPath := filepath.Join(tmp, "payhost-load.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		ln.Close()
		t.cleanup()
		return nil, err
	}
	t.main = &app.Main{
		ConfigPath: cfgPath,
		Getenv:     func(string) (string, bool) { return "", false },
		Listener:   ln,
		LogOutput:  logs,
	}
	if err := t.main.Open(ctx); err != nil {
		t.cleanup()
		return nil, err
	}
	go t.main.Serve()
	t.client = newClient(clients)
	return t, nil
}

func (t *target) Close() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = t.main.Shutdown(sctx)
	t.cleanup()
}

// pgSchema creates a schema of its own for one run and returns a DSN that
// uses it, so the run starts empty and leaves nothing behind.
func pgSchema(ctx context.Context, dsn string) (string, func(), error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	name := fmt.Sprintf("payhost_load_%d", time.Now().UnixNano())
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating schema: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		_, _ = db.Exec("DROP SCHEMA " + name + " CASCADE")
		db.Close()
	}, nil
}

func newClient(clients int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        clients * 2,
			MaxIdleConnsPerHost: clients * 2,
			IdleConnTimeout:     time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var cartJSON = `{"type":"web","currency":"EUR","country":"FR","lines":[{"sku":"SKU-1","label":"Thing","quantity":2,"unit_amount":1250,"tax_rate":2000}],"shipping_amount":0,"total_amount":2500}`

func createBody(client int, n int64) []byte {
	return []byte(`{"mode":"test","order_ref":"load-` + strconv.Itoa(client) + `-` + strconv.FormatInt(n, 10) + `","cart":` + cartJSON +
		`,"customer":{"email":"ada@example.com","name":"Ada","locale":"fr-FR"},"return_url":"https://shop.example/return","cancel_url":"https://shop.example/cancel"}`)
}

// post sends a request and returns the body when the status is want.
func post(ctx context.Context, c *http.Client, rawURL, contentType, key string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("POST %s: status %d: %.200s", req.URL.Path, resp.StatusCode, b)
	}
	return b, nil
}

// notifyForm is what the offline plugin's test mode posts as the provider:
// the fields, signed as plugins/offline documents.
func notifyForm(id, reference string, amount int64, currency string) url.Values {
	txn := make([]byte, 8)
	_, _ = rand.Read(txn)
	f := url.Values{
		"session": {id}, "reference": {reference}, "amount": {strconv.FormatInt(amount, 10)}, "currency": {currency},
		"status": {"paid"}, "txn": {"TEST-" + hex.EncodeToString(txn)}, "t": {strconv.FormatInt(time.Now().Unix(), 10)},
	}
	f.Set("sig", hex.EncodeToString(testModeMAC(f)))
	return f
}

// payhostPair creates a session and sends its signed "paid" notification.
func (t *target) payhostPair() work {
	var seq atomic.Int64
	return func(ctx context.Context, c int, rec func(op, time.Duration)) error {
		start := time.Now()
		b, err := post(ctx, t.client, t.base+"/v1/sessions", "application/json", siteKey, createBody(c, seq.Add(1)), http.StatusCreated)
		if err != nil {
			return err
		}
		rec(opCreate, time.Since(start))
		var s struct {
			ID, Reference, Currency, Status string
			Amount                          int64
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s.Status != "pending" {
			return fmt.Errorf("created session is %s, want pending", s.Status)
		}
		form := notifyForm(s.ID, s.Reference, s.Amount, s.Currency)
		start = time.Now()
		if _, err := post(ctx, t.client, t.base+"/notify/offline/"+s.ID, "application/x-www-form-urlencoded", "", []byte(form.Encode()), http.StatusOK); err != nil {
			return err
		}
		rec(opNotify, time.Since(start))
		return nil
	}
}

var eligibilityBody = []byte(`{"explain":true,"cart":` + cartJSON + `}`)

// payhostEligibility asks which modes the cart may use, with reasons.
func (t *target) payhostEligibility() work {
	return func(ctx context.Context, c int, rec func(op, time.Duration)) error {
		start := time.Now()
		if _, err := post(ctx, t.client, t.base+"/v1/eligibility", "application/json", siteKey, eligibilityBody, http.StatusOK); err != nil {
			return err
		}
		rec(opEligibility, time.Since(start))
		return nil
	}
}
