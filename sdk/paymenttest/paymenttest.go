// Package paymenttest checks that a payment.Provider keeps the rules the
// host relies on, so a plugin author finds a broken contract in their own
// tests rather than at the host's start-up:
//
//	func TestContract(t *testing.T) { paymenttest.Check(t, mypsp.New()) }
package paymenttest

import (
	"context"
	"regexp"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

var (
	idRe  = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	keyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// Check runs the contract checks that need no provider: Describe is
// well-formed (protocol version, mode ids, kinds, amount limits, reference
// formats, configuration schemas with lower-case keys), ValidateConfig
// refuses an unknown mode with invalid_request and reports every required
// key of an empty configuration without echoing values (and withholds only
// declared capabilities, each with a reason), and callbacks with
// an empty request never yield a verified settling outcome.
func Check(t *testing.T, p payment.Provider) {
	t.Helper()
	ctx := context.Background()
	d, err := p.Describe(ctx, payment.DescribeRequest{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if d.Name == "" || !idRe.MatchString(d.Name) {
		t.Errorf("Describe: name %q must be 1-32 characters of a-z, 0-9, _ and - (the binary is payhost-plugin-<name>)", d.Name)
	}
	if d.ProtocolVersion != payment.ProtocolVersion {
		t.Errorf("Describe: protocol version %d, the SDK speaks %d", d.ProtocolVersion, payment.ProtocolVersion)
	}
	if len(d.Modes) == 0 {
		t.Fatal("Describe: no mode")
	}
	ids := map[string]bool{}
	for _, m := range d.Modes {
		checkMode(t, m, ids)
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

func checkMode(t *testing.T, m payment.Mode, ids map[string]bool) {
	t.Helper()
	switch {
	case !idRe.MatchString(m.ID):
		t.Errorf("mode id %q must be 1-32 characters of a-z, 0-9, _ and -", m.ID)
	case ids[m.ID]:
		t.Errorf("mode id %q is repeated", m.ID)
	}
	ids[m.ID] = true
	if m.Label == "" {
		t.Errorf("mode %s has no label", m.ID)
	}
	switch m.Kind {
	case payment.KindRedirect, payment.KindDeferred, payment.KindInstant:
	default:
		t.Errorf("mode %s has unknown kind %q", m.ID, m.Kind)
	}
	if m.MinAmount < 0 || m.MaxAmount < 0 || (m.MaxAmount > 0 && m.MinAmount > m.MaxAmount) {
		t.Errorf("mode %s has inconsistent amount limits %d..%d", m.ID, m.MinAmount, m.MaxAmount)
	}
	r := m.Reference
	switch r.Kind {
	case payment.ReferenceRandom:
		if r.Length < 6 || r.Length > 64 {
			t.Errorf("mode %s: random references of %d characters are too short or too long to be unique", m.ID, r.Length)
		}
	case payment.ReferenceDailySequence:
		if r.Charset != payment.CharsetNumeric || r.SequenceMin < 0 || r.SequenceMax <= r.SequenceMin {
			t.Errorf("mode %s: a daily sequence needs numeric references and min < max", m.ID)
		}
	default:
		t.Errorf("mode %s: unknown reference kind %q", m.ID, r.Kind)
	}
	keys := map[string]bool{}
	for _, f := range m.ConfigSchema {
		if !keyRe.MatchString(f.Key) || keys[f.Key] {
			t.Errorf("mode %s: configuration key %q must be unique lower snake_case (the host's configuration folds case)", m.ID, f.Key)
		}
		keys[f.Key] = true
		if f.Type == payment.FieldEnum && len(f.Enum) == 0 {
			t.Errorf("mode %s: enum %s lists no value", m.ID, f.Key)
		}
		if f.Secret && f.Default != "" {
			t.Errorf("mode %s: secret %s must not have a default", m.ID, f.Key)
		}
	}
}
