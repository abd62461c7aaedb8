// Package paymenttest checks that a payment.Provider keeps the rules the
// host relies on, so a plugin author finds a broken contract in their own
// tests rather than at the host's start-up:
//
//	func TestContract(t *testing.T) { paymenttest.Check(t, mypsp.New()) }
package paymenttest

import (
	"context"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// Check runs the contract checks that need no provider, in-process:
// Describe is well-formed ([payment.DescribeProblems]), ValidateConfig
// refuses an unknown mode with invalid_request and reports every required
// key of an empty configuration without echoing values (and withholds only
// declared capabilities, each with a reason), and callbacks with
// an empty request never yield a verified settling outcome. The built
// binary is checked over the wire, as the host runs it, by
// github.com/payhost/payhost/sdk/plugincheck (payhost-plugin-check).
func Check(t *testing.T, p payment.Provider) {
	t.Helper()
	ctx := context.Background()
	d, err := p.Describe(ctx, payment.DescribeRequest{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	for _, problem := range payment.DescribeProblems(d) {
		t.Errorf("Describe: %s", problem)
	}
	if len(d.Modes) == 0 {
		t.FailNow()
	}
	if _, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: "no-such-mode-" + d.Name}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("ValidateConfig of an unknown mode: %v, want invalid_request", err)
	}
	for _, m := range d.Modes {
		resp, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: m.ID, Config: payment.Config{}})
		if err != nil {
			t.Errorf("mode %s: ValidateConfig of an empty configuration: %v (report problems, not an error)", m.ID, err)
			continue
		}
		reported := map[string]bool{}
		for _, pr := range resp.Problems {
			reported[pr.Key] = true
		}
		for _, u := range resp.Unsupported {
			if !m.Capabilities.Has(u.Capability) || u.Reason == "" {
				t.Errorf("mode %s: ValidateConfig withholds %q (reason %q): only a declared capability, with a reason", m.ID, u.Capability, u.Reason)
			}
		}
		for _, f := range m.ConfigSchema {
			if f.Required && f.Default == "" && !reported[f.Key] {
				t.Errorf("mode %s: the required key %s is missing but ValidateConfig reports nothing about it", m.ID, f.Key)
			}
		}
		empty := payment.CallbackRequest{Session: payment.Session{ID: "ps_contract", Mode: m.ID}, Config: payment.Config{}}
		for name, call := range map[string]func(context.Context, payment.CallbackRequest) (payment.CallbackResponse, error){
			"HandleReturn": p.HandleReturn, "HandleNotification": p.HandleNotification,
		} {
			resp, err := call(ctx, empty)
			if err == nil && resp.Outcome != nil && resp.Outcome.Verified && resp.Outcome.Status != payment.StatusUnknown {
				t.Errorf("mode %s: %s settled an empty request as %s: only a verified provider message may", m.ID, name, resp.Outcome.Status)
			}
		}
	}
}
