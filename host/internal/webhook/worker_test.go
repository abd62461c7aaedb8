package webhook_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/sqlite"
	"github.com/payhost/payhost/host/internal/store/storetest"
	"github.com/payhost/payhost/host/internal/webhook"
)

// The worker keeps one connection per parallel delivery to a shop, instead
// of opening a new one for most deliveries (a few more may open while a
// finished delivery hands its connection back).
func TestDeliveriesReuseConnections(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "payhost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Now().Add(-time.Minute)
	const n = 160
	for i := range n {
		s := storetest.NewSession(fmt.Sprintf("ps_hook_%02d", i), at)
		msg := session.OutboxMessage{EventID: s.ID + ":pending", SessionID: s.ID, SiteID: s.SiteID, Status: session.StatusPending,
			Payload: []byte(`{}`), CreatedAt: at}
		if err := st.CreateSession(ctx, s, nil, []session.OutboxMessage{msg}); err != nil {
			t.Fatal(err)
		}
	}
	var conns atomic.Int64
	var mu sync.Mutex
	got := map[string]bool{}
	shop := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get("Payhost-Event-Id")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	shop.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	shop.Start()
	defer shop.Close()
	const parallel = 4
	w := webhook.New(webhook.Options{Store: st, Parallel: parallel,
		Targets: map[string]webhook.Target{"shop": {URL: shop.URL, Secret: "webhook_secret_for_tests_0001"}}})
	for delivered := 0; delivered < n; {
		k := w.RunOnce(ctx)
		if k == 0 {
			t.Fatalf("%d of %d delivered, then nothing to claim", delivered, n)
		}
		delivered += k
	}
	if len(got) != n {
		t.Fatalf("shop received %d distinct events, want %d", len(got), n)
	}
	if c := conns.Load(); c > 2*parallel {
		t.Errorf("%d connections opened for %d deliveries, want at most %d", c, n, 2*parallel)
	}
}
