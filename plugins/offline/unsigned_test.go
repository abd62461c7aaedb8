package offline

import (
	"context"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestUnsignedTestMessagesRefused: a test-mode message without sig is
// refused on both paths, and with no signing_key configured nothing
// verifies (an HMAC with an empty key is anyone's).
func TestUnsignedTestMessagesRefused(t *testing.T) {
	p := newTestProvider()
	unsigned := begin(t, p)["paid"]
	unsigned.Del("sig")
	for _, notification := range []bool{false, true} {
		if _, err := p.handleTest(payment.CallbackRequest{Session: testSession(), Config: payment.Config{"signing_key": key}, Request: post(unsigned)}, notification); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("notification=%v without sig: %v", notification, err)
		}
	}
	forged := begin(t, p)["paid"]
	forged.Set("sig", sign("", forged))
	for _, cfg := range []payment.Config{{"signing_key": ""}, {}} {
		req := payment.CallbackRequest{Session: testSession(), Config: cfg, Request: post(forged)}
		if _, err := p.HandleNotification(context.Background(), req); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("signed with an empty key, config %v: %v", cfg, err)
		}
	}
}
