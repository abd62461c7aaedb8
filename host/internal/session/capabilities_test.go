package session_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

// opsProvider is a deferred mode that refunds; its first refund call times
// out (the answer is lost) and every call is recorded.
type opsProvider struct {
	refProvider
	mu    sync.Mutex
	calls []payment.RefundRequest
}

var opsMode = payment.Mode{ID: "ops", Label: "Ops", Kind: payment.KindDeferred,
	Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Query: true},
	Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetNumeric, Length: 9}}

func (p *opsProvider) Refund(_ context.Context, r payment.RefundRequest) (payment.OperationResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, r)
	if r.Amount == 300 && r.Attempt == 1 {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeTimeout, "no answer")
	}
	return payment.OperationResponse{Status: payment.OperationSucceeded, ProviderOperationID: "credit-" + r.OperationID}, nil
}

type opsCatalog struct{ p *opsProvider }

func (c opsCatalog) Provider(name string) (payment.Provider, bool) { return c.p, name == "ops" }
func (opsCatalog) Available() []eligibility.Available {
	return []eligibility.Available{{Plugin: "ops", Healthy: true, Mode: opsMode}}
}

// TestWithheldCapabilities: a configuration that withholds refund and query
// (its plugin's ValidateConfig said why) refuses them with the reason, and
// operators see the reason; another site with the full configuration
// refunds, and a retried refund tells the plugin its attempt number and the
// session's other operations.
func TestWithheldCapabilities(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c := &clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	prov := &opsProvider{}
	withheld := []payment.UnsupportedCapability{{Capability: payment.CapabilityRefund, Reason: "api_password is not set"},
		{Capability: payment.CapabilityQuery, Reason: "api_password is not set"}}
	svc := session.NewService(session.Options{
		Store: st, Catalog: opsCatalog{prov}, PublicURL: "https://pay.example", Now: c.Now,
		Sites: []session.Site{
			{ID: "shop", WebhookSecret: "secret_secret_secret", Modes: map[string]session.SiteMode{"ops": {Enabled: true}}},
			{ID: "lite", WebhookSecret: "secret_secret_secret", Modes: map[string]session.SiteMode{"ops": {Enabled: true, Unsupported: withheld}}},
		},
	})
	paid := func(site string) *session.Session {
		t.Helper()
		s, err := create(svc, site, "ops")
		if err != nil {
			t.Fatal(err)
		}
		if s, err = svc.Confirm(ctx, s.ID); err != nil || s.Status != session.StatusPaid {
			t.Fatalf("confirm: %v", err)
		}
		return s
	}

	lite := paid("lite")
	_, _, err := svc.Operate(ctx, "lite", lite.ID, session.OperationRequest{Kind: session.OperationRefund, Amount: 100})
	if session.ErrorCode(err) != session.CodeUnsupported || !strings.Contains(err.Error(), "api_password is not set") {
		t.Errorf("refund on the withholding site: %v", err)
	}
	if _, err := svc.Reconcile(ctx, lite.ID, session.SourceOperator); session.ErrorCode(err) != session.CodeUnsupported || !strings.Contains(err.Error(), "api_password") {
		t.Errorf("query on the withholding site: %v", err)
	}
	caps := map[string]session.ModeCapabilities{}
	for _, m := range svc.SiteModeCapabilities() {
		caps[m.Site] = m
	}
	if l := caps["lite"]; l.Capabilities != (payment.Capabilities{}) || len(l.Unsupported) != 2 || l.Unsupported[0].Reason == "" {
		t.Errorf("lite: %+v", l)
	}
	if s := caps["shop"]; s.Capabilities != opsMode.Capabilities || len(s.Unsupported) != 0 {
		t.Errorf("shop: %+v", s)
	}
	if len(prov.calls) != 0 {
		t.Fatalf("the plugin was called for a withheld capability: %+v", prov.calls)
	}

	s := paid("shop")
	first, _, err := svc.Operate(ctx, "shop", s.ID, session.OperationRequest{Kind: session.OperationRefund, Amount: 200})
	if err != nil || first.Status != session.OperationSucceeded {
		t.Fatalf("first refund: %+v %v", first, err)
	}
	lost, _, err := svc.Operate(ctx, "shop", s.ID, session.OperationRequest{Kind: session.OperationRefund, Amount: 300})
	if err != nil || lost.Status != session.OperationUnknown {
		t.Fatalf("refund with a lost answer: %+v %v", lost, err)
	}
	c.Set(c.Now().Add(2 * time.Hour))
	if _, err := svc.RunJanitor(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if len(prov.calls) != 3 {
		t.Fatalf("%d calls", len(prov.calls))
	}
	if h := prov.calls[1].OperationHistory; h.Attempt != 1 || len(h.Operations) != 1 || h.Operations[0].ProviderOperationID != "credit-"+first.ID {
		t.Errorf("first call of the second refund: %+v", h)
	}
	retry := prov.calls[2]
	if retry.OperationID != lost.ID || retry.Attempt != 2 || len(retry.Operations) != 1 ||
		retry.Operations[0] != (payment.OperationRecord{ID: first.ID, Kind: "refund", Amount: 200, Status: "succeeded", ProviderOperationID: "credit-" + first.ID}) {
		t.Errorf("the retry: %+v", retry)
	}
	after, _, _ := svc.Get(ctx, "shop", s.ID)
	if after.RefundedAmount != 500 || after.Status != session.StatusPartiallyRefunded {
		t.Errorf("after the retry: %s, refunded %d", after.Status, after.RefundedAmount)
	}
}
