package session_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

const leaked = "hunter2-api-password"

// echoProvider refunds by echoing its secret configuration value in what
// it answers: in a failed answer's message (amount 100) or in an error's
// (amount 200).
type echoProvider struct{ opsProvider }

var echoMode = payment.Mode{ID: "echo", Label: "Echo", Kind: payment.KindDeferred,
	Capabilities: payment.Capabilities{Refund: true, PartialRefund: true},
	Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetNumeric, Length: 9},
	ConfigSchema: []payment.ConfigField{{Key: "api_password", Label: "API password", Type: payment.FieldString, Secret: true}}}

func (p *echoProvider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{Name: "echo", ProtocolVersion: payment.ProtocolVersion, Modes: []payment.Mode{echoMode}}, nil
}

func (p *echoProvider) Refund(_ context.Context, r payment.RefundRequest) (payment.OperationResponse, error) {
	if r.Amount == 200 {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "login %s refused", r.Config["api_password"])
	}
	return payment.OperationResponse{Status: payment.OperationFailed, ResponseCode: "E" + r.Config["api_password"],
		ResponseMessage: "wrong password " + r.Config["api_password"]}, nil
}

type echoCatalog struct{ p *echoProvider }

func (c echoCatalog) Provider(name string) (payment.Provider, bool) { return c.p, name == "echo" }
func (echoCatalog) Available() []eligibility.Available {
	return []eligibility.Available{{Plugin: "echo", Healthy: true, Mode: echoMode}}
}

// TestOperationAnswersRedacted: a secret a plugin echoes in an operation's
// answer or error is stored and shown redacted, as in notifications.
func TestOperationAnswersRedacted(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	svc := session.NewService(session.Options{
		Store: openStore(t), Catalog: echoCatalog{&echoProvider{}}, PublicURL: "https://pay.example", Now: c.Now,
		Sites: []session.Site{{ID: "shop", WebhookSecret: "secret_secret_secret",
			Modes: map[string]session.SiteMode{"echo": {Enabled: true, Config: payment.Config{"api_password": leaked}}}}},
	})
	s, err := create(svc, "shop", "echo")
	if err != nil {
		t.Fatal(err)
	}
	if s, err = svc.Confirm(ctx, s.ID); err != nil || s.Status != session.StatusPaid {
		t.Fatalf("confirm: %v", err)
	}
	for _, amount := range []int64{100, 200} {
		op, _, err := svc.Operate(ctx, "shop", s.ID, session.OperationRequest{Kind: session.OperationRefund, Amount: amount})
		if op == nil || strings.Contains(op.ResponseMessage+op.ResponseCode, leaked) || (err != nil && strings.Contains(err.Error(), leaked)) {
			t.Errorf("refund of %d: %+v %v", amount, op, err)
		}
	}
	ops, err := svc.Operations(ctx, s.ID)
	if err != nil || len(ops) != 2 {
		t.Fatalf("operations %+v %v", ops, err)
	}
	for _, o := range ops {
		if strings.Contains(o.ResponseMessage+o.ResponseCode, leaked) || !strings.Contains(o.ResponseMessage, "[redacted]") {
			t.Errorf("stored operation: %+v", o)
		}
	}
	_, events, err := svc.Get(ctx, "shop", s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if strings.Contains(e.ProviderMessage+e.ProviderCode, leaked) {
			t.Errorf("event: %+v", e)
		}
	}
}
