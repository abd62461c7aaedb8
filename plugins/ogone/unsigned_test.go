package ogone

import (
	"context"
	"net/url"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestUnsignedFeedbackRefused: Ogone signs every redirection and post-sale
// request that carries SHA-OUT parameters. One that arrives with them but
// without SHASIGN lost its signature and is refused, on the return as on
// the notification; and with no SHA-OUT passphrase configured, nothing
// verifies (anyone could compute that SHASIGN).
func TestUnsignedFeedbackRefused(t *testing.T) {
	p := New()
	signed := feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA512, CharsetUTF8)
	without := func(names ...string) url.Values {
		v := url.Values{}
		for k, vs := range signed {
			v[k] = vs
		}
		for _, n := range names {
			v.Del(n)
		}
		return v
	}
	tests := []struct {
		name string
		q    url.Values
	}{
		{"no SHASIGN", without("SHASIGN")},
		{"no SHASIGN nor STATUS", without("SHASIGN", "STATUS")},
		{"only PAYID and amount", url.Values{"PAYID": {"3021093"}, "amount": {"19.08"}, "orderID": {"ORDER0001"}}},
		{"empty SHASIGN", func() url.Values { v := without(); v.Set("SHASIGN", ""); return v }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := payment.CallbackRequest{Session: session(), Config: config(CharsetUTF8),
				Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_og1?" + tt.q.Encode()}}
			if resp, err := p.HandleReturn(context.Background(), req); payment.ErrorCode(err) != payment.CodeInvalidSignature {
				t.Errorf("return: %+v, %v; want invalid_signature", resp.Outcome, err)
			}
			if resp, err := post(config(CharsetUTF8), session(), tt.q); payment.ErrorCode(err) != payment.CodeInvalidSignature {
				t.Errorf("notification: %+v, %v; want invalid_signature", resp.Outcome, err)
			}
		})
	}
	t.Run("empty SHA-OUT passphrase", func(t *testing.T) {
		cfg := config(CharsetUTF8)
		cfg[keySHAOut] = ""
		forged := feedback(baseFeedback("9", "19.08", "EUR"), "", SHA512, CharsetUTF8)
		if resp, err := post(cfg, session(), forged); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("signed with an empty passphrase: %+v, %v", resp.Outcome, err)
		}
	})
	t.Run("the host's own cancel flag is not an Ogone parameter", func(t *testing.T) {
		req := payment.CallbackRequest{Session: session(), Config: config(CharsetUTF8),
			Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_og1?cancel=1"}}
		if resp, err := p.HandleReturn(context.Background(), req); err != nil || resp.Outcome != nil {
			t.Errorf("bare cancel return: %+v, %v", resp.Outcome, err)
		}
	})
}
