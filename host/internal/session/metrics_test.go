package session_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// retriedStore runs every update function one extra time first and
// throws that run away, as a database retrying a transaction does.
type retriedStore struct{ session.Store }

func (r retriedStore) UpdateSession(ctx context.Context, id string, fn session.UpdateFunc) (*session.Session, error) {
	if cur, err := r.Store.Session(ctx, id); err == nil {
		fn(cur) // the attempt that did not commit
	}
	return r.Store.UpdateSession(ctx, id, fn)
}

type countingMetrics struct {
	mu          sync.Mutex
	transitions map[session.Status]int
	pruned      map[string]int
}

func (m *countingMetrics) SessionCreated(string) {}
func (m *countingMetrics) Transition(_ string, to session.Status, _ session.Source, _ session.Result, _ string) {
	m.mu.Lock()
	m.transitions[to]++
	m.mu.Unlock()
}

// TestMetricsCountCommittedChanges: a retried transaction counts once.
func TestMetricsCountCommittedChanges(t *testing.T) {
	st := openStore(t)
	m := &countingMetrics{transitions: map[session.Status]int{}}
	modes := map[string]session.SiteMode{"seq": {Enabled: true}}
	svc := session.NewService(session.Options{
		Store: retriedStore{st}, Catalog: catalog{}, PublicURL: "https://pay.example", Metrics: m,
		Sites: []session.Site{{ID: "shop", WebhookSecret: "secret_secret_secret", Modes: modes}},
		Now:   (&clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}).Now,
	})
	s, err := create(svc, "shop", "seq")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Confirm(context.Background(), s.ID); err != nil {
		t.Fatal(err)
	}
	if m.transitions[session.StatusPending] != 1 || m.transitions[session.StatusPaid] != 1 {
		t.Errorf("transitions counted %v, want pending and paid once each", m.transitions)
	}
}

func (m *countingMetrics) Pruned(kind string, n int) {
	m.mu.Lock()
	m.pruned[kind] += n
	m.mu.Unlock()
}

// TestJanitorPrunesKeys: the janitor deletes idempotency keys past their
// retention (so the key may be used afresh) and counts them.
func TestJanitorPrunesKeys(t *testing.T) {
	st := openStore(t)
	m := &countingMetrics{transitions: map[session.Status]int{}, pruned: map[string]int{}}
	c := &clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	svc := session.NewService(session.Options{
		Store: st, Catalog: catalog{}, PublicURL: "https://pay.example", Metrics: m, KeyRetention: 48 * time.Hour,
		Sites: []session.Site{{ID: "shop", WebhookSecret: "secret_secret_secret", Modes: map[string]session.SiteMode{"seq": {Enabled: true}}}},
		Now:   c.Now,
	})
	total := int64(1000)
	req := session.CreateRequest{Mode: "seq", OrderRef: "o-1", ReturnURL: "https://shop.example/back",
		Cart: session.CartInput{Type: "web", Currency: "EUR", Country: "FR", TotalAmount: &total,
			Lines: []session.Line{{SKU: "A", Label: "A", Quantity: 1, UnitAmount: 1000}}}}
	if _, _, err := svc.CreateIdempotent(context.Background(), "shop", "key-1", "hash", req); err != nil {
		t.Fatal(err)
	}
	c.Set(c.Now().Add(24 * time.Hour))
	if rep, err := svc.RunJanitor(context.Background(), 10); err != nil || rep.PrunedKeys != 0 {
		t.Fatalf("within retention: %+v, %v", rep, err)
	}
	c.Set(c.Now().Add(25 * time.Hour))
	if rep, err := svc.RunJanitor(context.Background(), 10); err != nil || rep.PrunedKeys != 1 {
		t.Fatalf("past retention: %+v, %v", rep, err)
	}
	if m.pruned["idempotency_keys"] != 1 {
		t.Errorf("pruned metrics = %v", m.pruned)
	}
	if _, replayed, err := svc.CreateIdempotent(context.Background(), "shop", "key-1", "other", req); err != nil || replayed {
		t.Errorf("the key after pruning: replayed=%v, %v", replayed, err)
	}
}
