package storetest

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

func checkoutStore(t *testing.T, st session.Store) checkout.Store {
	t.Helper()
	cs, ok := st.(checkout.Store)
	if !ok {
		t.Fatalf("%T does not implement checkout.Store", st)
	}
	return cs
}

func newCheckout(id string) *checkout.Checkout {
	return &checkout.Checkout{
		ID: id, SiteID: "shop", OrderRef: "order-" + id,
		Cart: session.Cart{Type: "web", Currency: "EUR", Country: "FR", ShippingAmount: 499, TotalAmount: 1999,
			Lines: []session.Line{{SKU: "SKU-1", Label: "Thé vert", Quantity: 1, UnitAmount: 1500, TaxRate: 550}}},
		Customer:  payment.Customer{Email: "ada@example.com", Name: "Ada", Locale: "fr-FR"},
		ReturnURL: "https://shop.example/return", CancelURL: "https://shop.example/cancel",
		ClientSecret: id + "_secret_x", CreatedAt: base, ExpiresAt: base.Add(time.Hour),
	}
}

func testCheckouts(t *testing.T, st session.Store) {
	ctx := context.Background()
	cs := checkoutStore(t, st)
	c := newCheckout("co_a")
	if err := cs.CreateCheckout(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := cs.CreateCheckout(ctx, newCheckout("co_a")); !errors.Is(err, session.ErrConflict) {
		t.Errorf("duplicate checkout: %v, want ErrConflict", err)
	}
	got, err := cs.Checkout(ctx, "co_a")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("checkout round trip:\n got %+v\nwant %+v", got, c)
	}
	if _, err := cs.Checkout(ctx, "co_none"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("missing checkout: %v", err)
	}

	// Sessions of a checkout: one active at a time.
	s1 := NewSession("ps_c1", base)
	s1.CheckoutID = "co_a"
	mustCreate(t, st, s1)
	if s, _ := st.Session(ctx, "ps_c1"); s.CheckoutID != "co_a" {
		t.Errorf("session checkout_id %q", s.CheckoutID)
	}
	s2 := NewSession("ps_c2", base.Add(time.Second))
	s2.CheckoutID = "co_a"
	if err := st.CreateSession(ctx, s2, nil, nil); !errors.Is(err, session.ErrAttemptActive) {
		t.Fatalf("second attempt while one is created: %v, want ErrAttemptActive", err)
	}
	if _, err := st.UpdateSession(ctx, "ps_c1", func(s *session.Session) (session.Change, error) {
		s.Status = session.StatusRefused
		return session.Change{Session: s}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, s2, nil, nil); err != nil {
		t.Fatalf("attempt after a refusal: %v", err)
	}
	orphan := NewSession("ps_c3", base)
	orphan.CheckoutID = "co_none"
	if err := st.CreateSession(ctx, orphan, nil, nil); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("session of a missing checkout: %v, want ErrNotFound", err)
	}
	mustCreate(t, st, NewSession("ps_plain", base))
	list, err := cs.CheckoutSessions(ctx, "co_a")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "ps_c1" || list[1].ID != "ps_c2" {
		t.Errorf("checkout sessions: %v", ids(list))
	}
}

// testConcurrentAttempts: picks racing on one checkout create one session.
func testConcurrentAttempts(t *testing.T, st session.Store) {
	ctx := context.Background()
	cs := checkoutStore(t, st)
	if err := cs.CreateCheckout(ctx, newCheckout("co_race")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSession("ps_race"+string(rune('a'+i)), base)
			s.Reference = "R" + string(rune('a'+i))
			s.CheckoutID = "co_race"
			errs[i] = st.CreateSession(ctx, s, nil, nil)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, session.ErrAttemptActive):
			t.Errorf("racing attempt: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d racing attempts created, want 1", ok)
	}
}

func ids(list []*session.Session) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}
