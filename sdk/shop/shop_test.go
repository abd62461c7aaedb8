package shop

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

// Known answer computed independently (Python hmac):
// hmac.new(b"whsec_test_0123456789", b'1763800000.{"id":"ps_1","status":"paid"}', sha256).hexdigest().
func TestWebhookKnownAnswer(t *testing.T) {
	body := []byte(`{"id":"ps_1","status":"paid"}`)
	at := time.Unix(1763800000, 0)
	got := SignWebhook("whsec_test_0123456789", at, body)
	const want = "t=1763800000,v1=ebeb2b5335b1bf0440c814a632915e2173d6eed5d9fb96f6906330afbac7f364"
	if got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if err := VerifyWebhook("whsec_test_0123456789", got, body, at.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"other body", got, []byte(`{"id":"ps_1","status":"refused"}`), at, ErrSignature},
		{"other secret", SignWebhook("another_secret", at, body), body, at, ErrSignature},
		{"too old", got, body, at.Add(10 * time.Minute), ErrTooOld},
		{"from the future", got, body, at.Add(-10 * time.Minute), ErrTooOld},
		{"no v1", "t=1763800000", body, at, ErrMalformed},
		{"garbage", "nonsense", body, at, ErrMalformed},
		{"rotated secret listed second", "t=1763800000,v1=00," + got[len("t=1763800000,"):], body, at, nil},
	}
	for _, tc := range tests {
		if err := VerifyWebhook("whsec_test_0123456789", tc.header, tc.body, tc.now, 5*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// The return signature matches the host's known answer
// (host/internal/shopsig: 884b3cfd...), computed independently with
// openssl dgst -sha256 -hmac whsec over "1800000000.ps_abc.paid.true".
func TestReturn(t *testing.T) {
	if got := ReturnParams("whsec", "ps_abc", "paid", true, time.Unix(1_800_000_000, 0)).Get("sig"); got != "884b3cfdd217e3f7e6507c5c1bd2ee0d098b9c429f17396bc6c54b242abb4cd6" {
		t.Errorf("sig %s", got)
	}
	now := time.Unix(1763800000, 0)
	q := ReturnParams("secret_for_returns", "ps_abc", "paid", false, now)
	if err := VerifyReturn("secret_for_returns", q, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	q.Set("livemode", "true")
	if err := VerifyReturn("secret_for_returns", q, now, time.Minute); !errors.Is(err, ErrSignature) {
		t.Errorf("test payment passed off as live: %v", err)
	}
	q.Set("livemode", "false")
	q.Set("status", "refused")
	if err := VerifyReturn("secret_for_returns", q, now, time.Minute); !errors.Is(err, ErrSignature) {
		t.Errorf("changed status: %v", err)
	}
	if err := VerifyReturn("secret_for_returns", url.Values{}, now, time.Minute); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty: %v", err)
	}
}
