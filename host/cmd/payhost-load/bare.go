package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// bare is the yardstick: the least a server must do for the same two
// requests. It authenticates the shop, decodes the cart, inserts a session
// row, answers JSON; then verifies the notification's HMAC and updates the
// row. One SQLite file with the host's pragmas (WAL, synchronous NORMAL) and
// one writer connection, statements as database/sql runs them by default.
type bare struct {
	db     *sql.DB
	srv    *http.Server
	base   string
	client *http.Client
}

func startBare(tmp string, clients int) (*bare, error) {
	b, err := openBare(tmp, clients)
	if err != nil {
		return nil, err
	}
	if err := b.serve(b.create, b.notify); err != nil {
		b.db.Close()
		return nil, err
	}
	return b, nil
}

// openBare creates the bare server's database and its clients' HTTP client.
func openBare(tmp string, clients int) (*bare, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	path := filepath.Join(tmp, fmt.Sprintf("bare-%d.db", time.Now().UnixNano()))
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL, amount INTEGER NOT NULL,
		currency TEXT NOT NULL, reference TEXT NOT NULL, cart TEXT NOT NULL, txn TEXT, created_at INTEGER NOT NULL,
		updated_at INTEGER) STRICT`); err != nil {
		db.Close()
		return nil, err
	}
	return &bare{db: db, client: newClient(clients)}, nil
}

// serve starts the HTTP server on loopback with the two routes.
func (b *bare) serve(create, notify http.HandlerFunc) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.base = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/sessions", create)
	mux.HandleFunc("POST /notify/{id}", notify)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return nil
}

func (b *bare) Close() {
	b.srv.Close()
	b.db.Close()
}

func (b *bare) create(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(key), []byte(siteKey)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var req struct {
		Mode string `json:"mode"`
		Cart struct {
			Currency string `json:"currency"`
			Lines    []struct {
				Quantity   int64 `json:"quantity"`
				UnitAmount int64 `json:"unit_amount"`
			} `json:"lines"`
			ShippingAmount int64 `json:"shipping_amount"`
		} `json:"cart"`
	}
	raw := http.MaxBytesReader(w, r.Body, 1<<20)
	if err := json.NewDecoder(raw).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	total := req.Cart.ShippingAmount
	for _, l := range req.Cart.Lines {
		total += l.Quantity * l.UnitAmount
	}
	cart, _ := json.Marshal(req.Cart)
	rnd := make([]byte, 16)
	_, _ = rand.Read(rnd)
	id := "ps_" + hex.EncodeToString(rnd)
	ref := strings.ToUpper(hex.EncodeToString(rnd[:6]))
	if _, err := b.db.ExecContext(r.Context(), `INSERT INTO sessions (id, status, amount, currency, reference, cart, created_at)
		VALUES (?, 'pending', ?, ?, ?, ?, ?)`, id, total, req.Cart.Currency, ref, string(cart), time.Now().UnixNano()); err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "status": "pending", "reference": ref, "amount": total, "currency": req.Cart.Currency})
}

func (b *bare) notify(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f := r.PostForm
	if !signedFor(f, r.PathValue("id")) {
		http.Error(w, "invalid signature", http.StatusBadRequest)
		return
	}
	amount, _ := strconv.ParseInt(f.Get("amount"), 10, 64)
	res, err := b.db.ExecContext(r.Context(), `UPDATE sessions SET status = ?, txn = ?, updated_at = ? WHERE id = ? AND amount = ? AND status = 'pending'`,
		f.Get("status"), f.Get("txn"), time.Now().UnixNano(), r.PathValue("id"), amount)
	if err != nil {
		http.Error(w, "storage", http.StatusInternalServerError)
		return
	}
	if n, _ := res.RowsAffected(); n != 1 {
		http.Error(w, "unknown session", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}

// testModeMAC is the offline plugin's test-mode signature of f, as
// plugins/offline documents it: HMAC-SHA256 of its fields but sig, sorted by
// name, written name=value and joined by "&".
func testModeMAC(f url.Values) []byte {
	names := make([]string, 0, len(f))
	for k := range f {
		if k != "sig" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + f.Get(n)
	}
	m := hmac.New(sha256.New, []byte(signingKey))
	m.Write([]byte(strings.Join(parts, "&")))
	return m.Sum(nil)
}

// signedFor tells whether f is a notification about session id signed as
// the offline plugin's test mode signs it.
func signedFor(f url.Values, id string) bool {
	got, err := hex.DecodeString(f.Get("sig"))
	return err == nil && hmac.Equal(got, testModeMAC(f)) && f.Get("session") == id
}

// barePair is payhostPair against the bare server.
func (b *bare) barePair() work {
	return func(ctx context.Context, c int, rec func(op, time.Duration)) error {
		start := time.Now()
		body, err := post(ctx, b.client, b.base+"/v1/sessions", "application/json", siteKey, createBody(c, 0), http.StatusCreated)
		if err != nil {
			return err
		}
		rec(opCreate, time.Since(start))
		var s struct {
			ID, Reference, Currency string
			Amount                  int64
		}
		if err := json.Unmarshal(body, &s); err != nil {
			return err
		}
		if s.ID == "" {
			return errors.New("no id")
		}
		form := notifyForm(s.ID, s.Reference, s.Amount, s.Currency)
		start = time.Now()
		if _, err := post(ctx, b.client, b.base+"/notify/"+s.ID, "application/x-www-form-urlencoded", "", []byte(form.Encode()), http.StatusOK); err != nil {
			return err
		}
		rec(opNotify, time.Since(start))
		return nil
	}
}
