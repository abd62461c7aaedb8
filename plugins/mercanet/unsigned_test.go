package mercanet

import (
	"context"
	"net/url"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestUnsealedResponsesRefused: the automatic and manual responses are
// sealed; without Seal, or with a seal computed without a key (anyone can
// compute SHA-256 of Data alone), nothing is verified.
func TestUnsealedResponsesRefused(t *testing.T) {
	p := New(nil)
	sealed := response(t, basePairs("00"), SealHMACSHA256, testKey, false)
	noSeal := response(t, basePairs("00"), SealHMACSHA256, testKey, false)
	noSeal.Del("Seal")
	cfg := config(SealHMACSHA256)
	if _, err := notify(p, cfg, noSeal); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("notification without Seal: %v", err)
	}
	ret := func(form url.Values) error {
		_, err := p.HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
			Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(form.Encode())}})
		return err
	}
	if err := ret(noSeal); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("return without Seal: %v", err)
	}
	if _, err := notify(p, cfg, sealed); err != nil {
		t.Fatalf("the sealed response itself: %v", err)
	}
	for _, algo := range []string{SealSHA256, SealHMACSHA256} {
		keyless := config(algo)
		keyless[keySecretKey] = ""
		forged := response(t, basePairs("00"), algo, "", false)
		if _, err := notify(p, keyless, forged); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("%s seal without a key: %v", algo, err)
		}
	}
}
