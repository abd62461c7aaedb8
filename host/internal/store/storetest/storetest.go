// Package storetest is the conformance suite every session.Store
// implementation must pass, so SQLite and later engines behave the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

// Run runs the suite; open must return a new, empty store for each call.
func Run(t *testing.T, open func(t *testing.T) session.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, session.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"NotFound", testNotFound},
		{"Conflicts", testConflicts},
		{"ByReference", testByReference},
		{"ListFilters", testList},
		{"UpdateCommits", testUpdateCommits},
		{"UpdateRollsBack", testUpdateRollsBack},
		{"CallerGoesAway", testCallerGoesAway},
		{"OutboxDedupe", testOutboxDedupe},
		{"Sequences", testSequences},
		{"IdempotencyKeys", testIdempotency},
		{"BoundIdempotencyKey", testBoundIdempotencyKey},
		{"IdempotencyLease", testIdempotencyLease},
		{"NeedsAttention", testNeedsAttention},
		{"Retention", testRetention},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentSequences", testConcurrentSequences},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Operations", testOperations},
		{"RecordIsOneInstant", testRecordIsOneInstant},
		{"DueSessions", testDueSessions},
		{"OutboxDelivery", testOutboxDelivery},
		{"DeliveryBatches", testDeliveryBatches},
		{"ConcurrentOutboxClaims", testConcurrentOutboxClaims},
		{"Checkouts", testCheckouts},
		{"ConcurrentAttempts", testConcurrentAttempts},
		{"Console", testConsole},
		{"Ping", func(t *testing.T, s session.Store) {
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

var base = time.Date(2026, 11, 22, 10, 30, 0, 123456789, time.UTC)

// NewSession returns a session with every field set.
func NewSession(id string, at time.Time) *session.Session {
	return &session.Session{
		ID: id, SiteID: "shop", Mode: "test", Plugin: "offline", Kind: payment.KindRedirect,
		Status: session.StatusCreated, Amount: 1999, Currency: "EUR", Country: "FR", CartType: "web",
		OrderRef: "order-" + id, Reference: "REF" + id, ReferenceScope: "",
		Cart: session.Cart{Type: "web", Currency: "EUR", Country: "FR", ShippingAmount: 499, TotalAmount: 1999,
			Lines: []session.Line{{SKU: "SKU-1", Label: "Thé vert", Quantity: 1, UnitAmount: 1500, TaxRate: 550}}},
		Customer:  payment.Customer{Email: "ada@example.com", Name: "Ada", Locale: "fr-FR"},
		ReturnURL: "https://shop.example/return", CancelURL: "https://shop.example/cancel",
		Action: &session.Action{Form: &payment.Form{URL: "https://psp.example/pay", Method: "POST",
			Fields: []payment.Field{{Name: "a", Value: "b"}}}},
		ProviderTransactionID: "tx-" + id, ProviderData: map[string]string{"k": "v"},
		CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(24 * time.Hour), Version: 1,
		CapturedAmount: 1999, RefundedAmount: 500, NextCheckAt: at.Add(5 * time.Minute), CheckAttempts: 2,
	}
}

func event(id string, from, to session.Status, at time.Time) session.Event {
	return session.Event{SessionID: id, Time: at, Source: session.SourceAPI, Result: session.ResultApplied, From: from, To: to,
		Reason: "r", ProviderTransactionID: "tx", ProviderCode: "00", ProviderMessage: "ok", AuthorizationCode: "A1",
		Payload: map[string]string{"p": "1"}}
}

func outbox(s *session.Session, st session.Status) session.OutboxMessage {
	return session.OutboxMessage{EventID: s.ID + ":" + string(st), SessionID: s.ID, SiteID: s.SiteID, Status: st,
		Payload: []byte(`{"status":"` + string(st) + `"}`), CreatedAt: base}
}

func mustCreate(t *testing.T, st session.Store, s *session.Session) {
	t.Helper()
	if err := st.CreateSession(context.Background(), s, []session.Event{event(s.ID, "", session.StatusCreated, s.CreatedAt)}, nil); err != nil {
		t.Fatalf("create %s: %v", s.ID, err)
	}
}

func testCreateAndGet(t *testing.T, st session.Store) {
	ctx := context.Background()
	s := NewSession("ps_a", base)
	if err := st.CreateSession(ctx, s, []session.Event{event(s.ID, "", session.StatusCreated, base)}, []session.OutboxMessage{outbox(s, session.StatusCreated)}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Session(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, s)
	}
	bare := &session.Session{ID: "ps_bare", SiteID: "shop", Mode: "free", Status: session.StatusCreated, CreatedAt: base}
	if err := st.CreateSession(ctx, bare, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Session(ctx, bare.ID); err != nil || got.Action != nil || !got.ExpiresAt.IsZero() || got.CreatedAt != base {
		t.Errorf("bare session = %+v, %v", got, err)
	}
	evs, err := st.Events(ctx, s.ID)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events = %v, %v", evs, err)
	}
	want := event(s.ID, "", session.StatusCreated, base)
	want.ID = evs[0].ID
	if !reflect.DeepEqual(evs[0], want) || evs[0].ID == 0 {
		t.Errorf("event:\n got %+v\nwant %+v", evs[0], want)
	}
	ob, err := st.Outbox(ctx, s.ID)
	if err != nil || len(ob) != 1 || ob[0].EventID != "ps_a:created" || string(ob[0].Payload) != `{"status":"created"}` || ob[0].SiteID != "shop" || !ob[0].CreatedAt.Equal(base) {
		t.Errorf("outbox = %+v, %v", ob, err)
	}
}

func testNotFound(t *testing.T, st session.Store) {
	ctx := context.Background()
	if _, err := st.Session(ctx, "ps_none"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Session: %v", err)
	}
	if _, err := st.UpdateSession(ctx, "ps_none", func(*session.Session) (session.Change, error) { return session.Change{}, nil }); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("UpdateSession: %v", err)
	}
	if evs, err := st.Events(ctx, "ps_none"); err != nil || len(evs) != 0 {
		t.Errorf("Events: %v %v", evs, err)
	}
}

func testConflicts(t *testing.T, st session.Store) {
	ctx := context.Background()
	a := NewSession("ps_a", base)
	mustCreate(t, st, a)
	if err := st.CreateSession(ctx, NewSession("ps_a", base), nil, nil); !errors.Is(err, session.ErrConflict) {
		t.Errorf("duplicate id: %v", err)
	}
	b := NewSession("ps_b", base)
	b.Reference = a.Reference
	if err := st.CreateSession(ctx, b, []session.Event{event("ps_b", "", session.StatusCreated, base)}, nil); !errors.Is(err, session.ErrConflict) {
		t.Errorf("duplicate reference: %v", err)
	}
	if evs, _ := st.Events(ctx, "ps_b"); len(evs) != 0 {
		t.Errorf("a refused create left events: %v", evs)
	}
	// The same reference is fine on another site, another mode or another day.
	for i, edit := range []func(*session.Session){
		func(s *session.Session) { s.SiteID = "other" },
		func(s *session.Session) { s.Mode = "cheque" },
		func(s *session.Session) { s.ReferenceScope = "2026-11-23" },
	} {
		c := NewSession(fmt.Sprintf("ps_c%d", i), base)
		c.Reference = a.Reference
		edit(c)
		if err := st.CreateSession(ctx, c, nil, nil); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func testByReference(t *testing.T, st session.Store) {
	ctx := context.Background()
	a, b := NewSession("ps_a", base), NewSession("ps_b", base.Add(time.Second))
	b.SiteID, b.Reference = "other", a.Reference
	mustCreate(t, st, a)
	mustCreate(t, st, b)
	got, err := st.SessionsByReference(ctx, "test", a.Reference)
	if err != nil || len(got) != 2 {
		t.Fatalf("by reference = %v, %v", got, err)
	}
	if got, _ := st.SessionsByReference(ctx, "cheque", a.Reference); len(got) != 0 {
		t.Errorf("other mode matched: %v", got)
	}
}

func testList(t *testing.T, st session.Store) {
	ctx := context.Background()
	for i := range 5 {
		s := NewSession(fmt.Sprintf("ps_%d", i), base.Add(time.Duration(i)*time.Minute))
		if i%2 == 1 {
			s.SiteID = "other"
		}
		if i == 4 {
			s.Status = session.StatusPaid
		}
		mustCreate(t, st, s)
	}
	ids := func(ss []*session.Session) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	tests := []struct {
		f    session.Filter
		want []string
	}{
		{session.Filter{}, []string{"ps_4", "ps_3", "ps_2", "ps_1", "ps_0"}},
		{session.Filter{Limit: 2}, []string{"ps_4", "ps_3"}},
		{session.Filter{SiteID: "shop"}, []string{"ps_4", "ps_2", "ps_0"}},
		{session.Filter{SiteID: "shop", Status: session.StatusCreated}, []string{"ps_2", "ps_0"}},
		{session.Filter{Status: session.StatusPaid}, []string{"ps_4"}},
		{session.Filter{SiteID: "nope"}, nil},
	}
	for _, tc := range tests {
		got, err := st.Sessions(ctx, tc.f)
		if err != nil || !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("Sessions(%+v) = %v, %v; want %v", tc.f, ids(got), err, tc.want)
		}
	}
}

func testUpdateCommits(t *testing.T, st session.Store) {
	ctx := context.Background()
	s := NewSession("ps_a", base)
	mustCreate(t, st, s)
	later := base.Add(time.Minute)
	after, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
		if cur.Status != session.StatusCreated {
			return session.Change{}, fmt.Errorf("fn saw %s", cur.Status)
		}
		cur.Status, cur.UpdatedAt, cur.Action = session.StatusPending, later, nil
		return session.Change{Session: cur, Events: []session.Event{event(s.ID, session.StatusCreated, session.StatusPending, later)},
			Outbox: []session.OutboxMessage{outbox(s, session.StatusPending)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != session.StatusPending || after.Version != s.Version+1 {
		t.Errorf("returned %+v", after)
	}
	got, _ := st.Session(ctx, s.ID)
	if !reflect.DeepEqual(got, after) {
		t.Errorf("stored differs from returned:\n%+v\n%+v", got, after)
	}
	if evs, _ := st.Events(ctx, s.ID); len(evs) != 2 || evs[1].To != session.StatusPending || evs[0].ID >= evs[1].ID {
		t.Errorf("events = %+v", evs)
	}
	if ob, _ := st.Outbox(ctx, s.ID); len(ob) != 1 {
		t.Errorf("outbox = %+v", ob)
	}
	// A change with events only keeps the session and its version.
	again, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
		return session.Change{Events: []session.Event{event(s.ID, session.StatusPending, session.StatusPending, later)}}, nil
	})
	if err != nil || again.Version != after.Version || again.Status != session.StatusPending {
		t.Errorf("events-only update = %+v, %v", again, err)
	}
}

// testCallerGoesAway: a caller whose context has ended before its
// transaction gets the context's error and nothing is written; once the
// transaction has begun, it commits whatever the caller does (a client that
// disconnects mid-request must not interrupt the database: on PostgreSQL
// that closes the pooled connection).
func testCallerGoesAway(t *testing.T, st session.Store) {
	s := NewSession("ps_a", base)
	mustCreate(t, st, s)
	later := base.Add(time.Minute)
	toPending := func(cur *session.Session) (session.Change, error) {
		cur.Status, cur.UpdatedAt, cur.Action = session.StatusPending, later, nil
		return session.Change{Session: cur, Events: []session.Event{event(s.ID, session.StatusCreated, session.StatusPending, later)},
			Outbox: []session.OutboxMessage{outbox(s, session.StatusPending)}}, nil
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.UpdateSession(gone, s.ID, toPending); !errors.Is(err, context.Canceled) {
		t.Fatalf("update with an ended context: %v, want context.Canceled", err)
	}
	ctx := context.Background()
	if cur, _ := st.Session(ctx, s.ID); cur.Status != session.StatusCreated {
		t.Fatalf("an update refused before it began was written: %s", cur.Status)
	}
	leaving, cancel := context.WithCancel(context.Background())
	defer cancel()
	after, err := st.UpdateSession(leaving, s.ID, func(cur *session.Session) (session.Change, error) {
		cancel() // the client goes away while its transaction runs
		return toPending(cur)
	})
	if err != nil {
		t.Fatalf("a transaction whose caller left mid-way: %v, want it committed", err)
	}
	got, _ := st.Session(ctx, s.ID)
	if got.Status != session.StatusPending || got.Version != after.Version {
		t.Errorf("stored %s v%d, returned %s v%d", got.Status, got.Version, after.Status, after.Version)
	}
	if evs, _ := st.Events(ctx, s.ID); len(evs) != 2 {
		t.Errorf("events = %d, want 2", len(evs))
	}
	if ob, _ := st.Outbox(ctx, s.ID); len(ob) != 1 {
		t.Errorf("outbox = %d, want 1", len(ob))
	}
}

type sentinel struct{ msg string }

func (e *sentinel) Error() string { return e.msg }

func testUpdateRollsBack(t *testing.T, st session.Store) {
	ctx := context.Background()
	s := NewSession("ps_a", base)
	mustCreate(t, st, s)
	want := &sentinel{"refused"}
	_, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
		cur.Status = session.StatusPaid
		return session.Change{Session: cur, Events: []session.Event{event(s.ID, "", "", base)}}, want
	})
	var got *sentinel
	if !errors.As(err, &got) || got != want {
		t.Fatalf("error %v does not pass through", err)
	}
	cur, _ := st.Session(ctx, s.ID)
	if cur.Status != session.StatusCreated || cur.Version != s.Version {
		t.Errorf("rolled-back update was written: %+v", cur)
	}
	if evs, _ := st.Events(ctx, s.ID); len(evs) != 1 {
		t.Errorf("rolled-back events were written: %+v", evs)
	}
}

func testOutboxDedupe(t *testing.T, st session.Store) {
	ctx := context.Background()
	s := NewSession("ps_a", base)
	mustCreate(t, st, s)
	for range 2 {
		if _, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
			return session.Change{Outbox: []session.OutboxMessage{outbox(s, session.StatusPaid)}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if ob, _ := st.Outbox(ctx, s.ID); len(ob) != 1 {
		t.Errorf("the same event id was queued %d times", len(ob))
	}
}

func testSequences(t *testing.T, st session.Store) {
	ctx := context.Background()
	next := func(site, scope string, min, max int64) (int64, error) {
		return st.NextSequence(ctx, site, "systempay", scope, min, max)
	}
	for want := int64(1); want <= 3; want++ {
		if v, err := next("shop", "2026-11-22", 1, 3); err != nil || v != want {
			t.Fatalf("next = %d, %v; want %d", v, err, want)
		}
	}
	if _, err := next("shop", "2026-11-22", 1, 3); !errors.Is(err, session.ErrSequenceExhausted) {
		t.Errorf("past max: %v", err)
	}
	if v, err := next("shop", "2026-11-23", 1, 3); err != nil || v != 1 {
		t.Errorf("new scope = %d, %v", v, err)
	}
	if v, err := next("other", "2026-11-22", 1, 3); err != nil || v != 1 {
		t.Errorf("other site = %d, %v", v, err)
	}
	if v, err := next("third", "x", 100, 200); err != nil || v != 100 {
		t.Errorf("min 100 = %d, %v", v, err)
	}
}

func testIdempotency(t *testing.T, st session.Store) {
	ctx := context.Background()
	lease := base.Add(time.Minute)
	k := session.IdempotencyKey{SiteID: "shop", Key: "k1", RequestHash: "h1", CreatedAt: base, SessionID: "ps_a", LeaseUntil: lease}
	if rec, held, err := st.ClaimIdempotencyKey(ctx, k); err != nil || !held || rec.SessionID != "ps_a" || !rec.LeaseUntil.Equal(lease) {
		t.Fatalf("first claim = %+v %v, %v", rec, held, err)
	}
	rec, held, err := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "k1", RequestHash: "h2", CreatedAt: base.Add(time.Second), SessionID: "ps_b"})
	if err != nil || held || rec.RequestHash != "h1" || rec.Response != nil || !rec.CreatedAt.Equal(base) || rec.SessionID != "ps_a" {
		t.Fatalf("second claim = %+v %v, %v", rec, held, err)
	}
	if _, held, _ := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "other", Key: "k1", RequestHash: "h", CreatedAt: base}); !held {
		t.Error("keys are not scoped by site")
	}
	resp := session.IdempotentResponse{StatusCode: 201, Body: []byte(`{"id":"ps_a"}`), SessionID: "ps_a"}
	if err := st.CompleteIdempotencyKey(ctx, "shop", "k1", resp); err != nil {
		t.Fatal(err)
	}
	// Completed: replayed forever, never taken over, never released.
	rec, held, _ = st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "k1", RequestHash: "h1", CreatedAt: base.Add(time.Hour)})
	if held || rec.Response == nil || !reflect.DeepEqual(*rec.Response, resp) {
		t.Fatalf("completed claim = %+v %v", rec, held)
	}
	st.ReleaseIdempotencyKey(ctx, "shop", "k1")
	if rec, _, _ := st.ClaimIdempotencyKey(ctx, k); rec.Response == nil {
		t.Error("a completed key was released")
	}
	// Released without a session: deleted, the shop may start afresh.
	st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "k2", RequestHash: "h", CreatedAt: base, SessionID: "ps_none"})
	if err := st.ReleaseIdempotencyKey(ctx, "shop", "k2"); err != nil {
		t.Fatal(err)
	}
	if rec, held, _ := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "k2", RequestHash: "other", CreatedAt: base, SessionID: "ps_new"}); !held || rec.SessionID != "ps_new" {
		t.Errorf("a released key is still claimed: %+v", rec)
	}
	if err := st.CompleteIdempotencyKey(ctx, "shop", "nope", resp); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("completing an unknown key: %v", err)
	}
}

// testIdempotencyLease: a claim whose holder died is taken over once its
// lease lapses, by the same request only, keeping the reserved session.
func testIdempotencyLease(t *testing.T, st session.Store) {
	ctx := context.Background()
	first := session.IdempotencyKey{SiteID: "shop", Key: "crash", RequestHash: "h", CreatedAt: base, SessionID: "ps_first", LeaseUntil: base.Add(20 * time.Second)}
	st.ClaimIdempotencyKey(ctx, first)
	retry := func(at time.Time, hash string) (*session.IdempotencyKey, bool) {
		rec, held, err := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "crash", RequestHash: hash,
			CreatedAt: at, SessionID: "ps_retry", LeaseUntil: at.Add(20 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		return rec, held
	}
	if _, held := retry(base.Add(10*time.Second), "h"); held {
		t.Error("taken over during the lease")
	}
	if _, held := retry(base.Add(30*time.Second), "other"); held {
		t.Error("taken over by another request")
	}
	rec, held := retry(base.Add(30*time.Second), "h")
	if !held || rec.SessionID != "ps_first" || !rec.LeaseUntil.Equal(base.Add(50*time.Second)) {
		t.Fatalf("after the lease: %+v held=%v, want the first session, leased again", rec, held)
	}
	if _, held := retry(base.Add(31*time.Second), "h"); held {
		t.Error("a lease taken over twice")
	}
	// Its session stored, a released key stays bound to it, lease ended.
	mustCreate(t, st, NewSession("ps_first", base))
	if err := st.ReleaseIdempotencyKey(ctx, "shop", "crash"); err != nil {
		t.Fatal(err)
	}
	if rec, held := retry(base.Add(32*time.Second), "h"); !held || rec.SessionID != "ps_first" {
		t.Errorf("after a release with its session stored: %+v held=%v", rec, held)
	}
}

func testConcurrentUpdates(t *testing.T, st session.Store) {
	ctx := context.Background()
	s := NewSession("ps_a", base)
	s.Amount = 0
	mustCreate(t, st, s)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
				cur.Amount++ // a lost update would show as a smaller total
				return session.Change{Session: cur, Events: []session.Event{event(s.ID, cur.Status, cur.Status, base)}}, nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, _ := st.Session(ctx, s.ID)
	if got.Amount != n || got.Version != s.Version+n {
		t.Errorf("after %d concurrent updates: amount %d version %d", n, got.Amount, got.Version)
	}
	if evs, _ := st.Events(ctx, s.ID); len(evs) != n+1 {
		t.Errorf("events = %d", len(evs))
	}
}

func testConcurrentSequences(t *testing.T, st session.Store) {
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []int64
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := st.NextSequence(context.Background(), "shop", "systempay", "2026-11-22", 1, 899999)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got = append(got, v)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("values = %v, want 1..%d each once", got, n)
		}
	}
}

func testConcurrentClaims(t *testing.T, st session.Store) {
	const n = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	claimed := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half of them come after the first lease: at most one takes over.
			at := base
			if i%2 == 1 {
				at = base.Add(time.Hour)
			}
			_, held, err := st.ClaimIdempotencyKey(context.Background(), session.IdempotencyKey{SiteID: "shop", Key: "race", RequestHash: "h",
				CreatedAt: at, LeaseUntil: at.Add(time.Minute)})
			if err != nil {
				t.Error(err)
				return
			}
			if held {
				mu.Lock()
				claimed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if claimed < 1 || claimed > 2 {
		t.Errorf("%d goroutines held the key, want 1 (or 2: one first, one after its lease)", claimed)
	}
}

// bound keys: status 0 binds a key to a session; released, it stays bound.
func testBoundIdempotencyKey(t *testing.T, st session.Store) {
	ctx := context.Background()
	mustCreate(t, st, NewSession("ps_x", base))
	k := session.IdempotencyKey{SiteID: "shop", Key: "bound", RequestHash: "h", CreatedAt: base, SessionID: "ps_x", LeaseUntil: base.Add(time.Minute)}
	st.ClaimIdempotencyKey(ctx, k)
	if err := st.CompleteIdempotencyKey(ctx, "shop", "bound", session.IdempotentResponse{StatusCode: 0, SessionID: "ps_x"}); err != nil {
		t.Fatal(err)
	}
	if _, held, _ := st.ClaimIdempotencyKey(ctx, k); held {
		t.Error("a bound key taken over during its lease")
	}
	later := k
	later.CreatedAt = base.Add(2 * time.Minute)
	rec, held, _ := st.ClaimIdempotencyKey(ctx, later)
	if !held || rec.Response == nil || rec.Response.StatusCode != 0 || rec.SessionID != "ps_x" {
		t.Fatalf("bound key = %+v held=%v", rec, held)
	}
	if err := st.ReleaseIdempotencyKey(ctx, "shop", "bound"); err != nil {
		t.Fatal(err)
	}
	if rec, held, _ := st.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: "shop", Key: "bound", RequestHash: "h", CreatedAt: base, SessionID: "ps_y"}); !held || rec.SessionID != "ps_x" {
		t.Errorf("a bound key after release: %+v held=%v", rec, held)
	}
}
