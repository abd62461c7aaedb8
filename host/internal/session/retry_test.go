package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// TestRetryAfterCrashIsNotAFirstAttempt: an operation left "requested" (the
// host stopped during its first call) is retried by the janitor as attempt
// 2, so a plugin without idempotency keys looks at the provider before
// sending it again.
func TestRetryAfterCrashIsNotAFirstAttempt(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c := &clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	prov := &opsProvider{}
	svc := session.NewService(session.Options{
		Store: st, Catalog: opsCatalog{prov}, PublicURL: "https://pay.example", Now: c.Now,
		Sites: []session.Site{{ID: "shop", WebhookSecret: "secret_secret_secret", Modes: map[string]session.SiteMode{"ops": {Enabled: true}}}},
	})
	s, err := create(svc, "shop", "ops")
	if err != nil {
		t.Fatal(err)
	}
	if s, err = svc.Confirm(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	now := c.Now()
	_, err = st.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
		return session.Change{Operations: []session.Operation{{ID: "op_crashed", SessionID: s.ID, SiteID: "shop", Kind: session.OperationRefund,
			Amount: 100, Status: session.OperationRequested, CreatedAt: now, UpdatedAt: now, NextCheckAt: now.Add(2 * time.Minute)}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Set(now.Add(time.Hour))
	if _, err := svc.RunJanitor(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if len(prov.calls) != 1 || prov.calls[0].OperationID != "op_crashed" || prov.calls[0].Attempt != 2 {
		t.Fatalf("janitor calls: %+v", prov.calls)
	}
	ops, err := svc.Operations(ctx, s.ID)
	if err != nil || len(ops) != 1 || ops[0].Status != session.OperationSucceeded {
		t.Errorf("after the retry: %+v %v", ops, err)
	}
}
