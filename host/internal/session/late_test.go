package session_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

// statusProvider reports, verified, the status its notification's body
// names ("status=paid"), for the session's amount.
type statusProvider struct{ refProvider }

var statusMode = payment.Mode{ID: "card", Label: "Card", Kind: payment.KindRedirect,
	Reference: payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetAlphanumeric, Length: 12}}

func (statusProvider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{Name: "status", ProtocolVersion: payment.ProtocolVersion, Modes: []payment.Mode{statusMode}}, nil
}

func (statusProvider) Begin(_ context.Context, r payment.BeginRequest) (payment.BeginResponse, error) {
	return payment.BeginResponse{RedirectURL: "https://psp.example/" + r.Session.ID}, nil
}

func (statusProvider) HandleNotification(_ context.Context, r payment.CallbackRequest) (payment.CallbackResponse, error) {
	q, err := url.ParseQuery(string(r.Request.Body))
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	return payment.CallbackResponse{Outcome: &payment.Outcome{Status: payment.Status(q.Get("status")), Verified: true,
		Amount: r.Session.Amount, Currency: r.Session.Currency, Reference: r.Session.Reference, ProviderTransactionID: "tx-" + q.Get("status")}}, nil
}

type statusCatalog struct{}

func (statusCatalog) Provider(name string) (payment.Provider, bool) {
	return statusProvider{}, name == "status"
}
func (statusCatalog) Available() []eligibility.Available {
	return []eligibility.Available{{Plugin: "status", Healthy: true, Mode: statusMode}}
}

// TestLatePayments: a verified paid or authorized outcome for a session
// already cancelled, expired, refused or failed keeps the status, marks
// the session as needing attention, records the payment and queues one
// late_payment webhook, whichever closed status and late outcome.
func TestLatePayments(t *testing.T) {
	for _, closed := range []payment.Status{payment.StatusCancelled, payment.StatusExpired, payment.StatusRefused, payment.StatusFailed} {
		for _, late := range []payment.Status{payment.StatusPaid, payment.StatusAuthorized} {
			t.Run(string(closed)+"/"+string(late), func(t *testing.T) {
				ctx := context.Background()
				st := openStore(t)
				svc := session.NewService(session.Options{
					Store: st, Catalog: statusCatalog{}, PublicURL: "https://pay.example",
					Sites: []session.Site{{ID: "shop", WebhookSecret: "secret_secret_secret",
						Modes: map[string]session.SiteMode{"card": {Enabled: true}}}},
					Now: time.Now,
				})
				total := int64(1000)
				s, err := svc.Create(ctx, "shop", session.CreateRequest{Mode: "card", OrderRef: "o-1", ReturnURL: "https://shop.example/back",
					Cart: session.CartInput{Type: "web", Currency: "EUR", Country: "FR", TotalAmount: &total,
						Lines: []session.Line{{SKU: "A", Label: "A", Quantity: 1, UnitAmount: 1000}}}})
				if err != nil {
					t.Fatal(err)
				}
				notify := func(status payment.Status) (*session.Session, error) {
					res, err := svc.HandleNotification(ctx, "status", s.ID, payment.HTTPRequest{Method: "POST",
						Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("status=" + string(status))})
					return res.Session, err
				}
				if got, err := notify(closed); err != nil || got.Status != session.Status(closed) {
					t.Fatalf("closing: %+v, %v", got, err)
				}
				for range 2 { // the provider says it twice
					if _, err := notify(late); err != nil {
						t.Fatalf("late %s answered %v: the provider must get its 2xx", late, err)
					}
				}
				got, err := st.Session(ctx, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != session.Status(closed) || !got.NeedsAttention || got.ProviderTransactionID != "tx-"+string(late) {
					t.Errorf("after the late %s: status %s, needs attention %v, transaction %q", late, got.Status, got.NeedsAttention, got.ProviderTransactionID)
				}
				if wantCaptured := map[payment.Status]int64{payment.StatusPaid: 1000}[late]; got.CapturedAmount != wantCaptured {
					t.Errorf("captured %d, want %d", got.CapturedAmount, wantCaptured)
				}
				msgs, err := st.Outbox(ctx, s.ID)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, m := range msgs {
					if strings.Contains(m.EventID, ":late_payment:") {
						n++
						if m.EventID != s.ID+":late_payment:"+string(late) || !strings.Contains(string(m.Payload), `"event":"session.late_payment"`) {
							t.Errorf("late payment webhook %s: %s", m.EventID, m.Payload)
						}
					}
				}
				if n != 1 {
					t.Errorf("%d late payment webhooks, want 1", n)
				}
				if c, err := st.CountNeedingAttention(ctx); err != nil || c != 1 {
					t.Errorf("needing attention: %d, %v", c, err)
				}
			})
		}
	}
}
