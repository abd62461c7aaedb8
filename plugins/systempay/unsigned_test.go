package systempay

import (
	"context"
	"net/url"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestUnsignedMessagesRefused: an IPN or a return with vads_* fields but
// no signature, or whose context mode names no configured key, is refused.
func TestUnsignedMessagesRefused(t *testing.T) {
	cfg := config("TEST", HMACSHA256)
	noSig := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	noSig.Del("signature")
	noCtx := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	noCtx.Del("vads_ctx_mode")
	noCtx.Set("signature", Sign(noCtx, "", HMACSHA256))
	for name, f := range map[string]url.Values{"no signature": noSig, "no vads_ctx_mode, keyless signature": noCtx} {
		if _, err := post(cfg, f); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("IPN with %s: %v", name, err)
		}
		_, err := New().HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
			Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(f.Encode())}})
		if payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("return with %s: %v", name, err)
		}
	}
}
