package shopsig

import (
	"net/url"
	"testing"
	"time"
)

func TestReturnParamsVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	p := ReturnParams("whsec", "ps_abc", "paid", true, now)
	// Known answer computed independently: hex(HMAC-SHA256("whsec", "1800000000.ps_abc.paid.true")).
	if got, want := p.Get("sig"), "884b3cfdd217e3f7e6507c5c1bd2ee0d098b9c429f17396bc6c54b242abb4cd6"; got != want {
		t.Fatalf("sig = %q, want %q", got, want)
	}
	tests := []struct {
		name   string
		mutate func(url.Values)
		secret string
		at     time.Time
		want   bool
	}{
		{"valid", func(url.Values) {}, "whsec", now, true},
		{"wrong secret", func(url.Values) {}, "other", now, false},
		{"status changed", func(q url.Values) { q.Set("status", "refused") }, "whsec", now, false},
		{"session changed", func(q url.Values) { q.Set("session", "ps_x") }, "whsec", now, false},
		{"livemode changed", func(q url.Values) { q.Set("livemode", "false") }, "whsec", now, false},
		{"livemode missing", func(q url.Values) { q.Del("livemode") }, "whsec", now, false},
		{"t changed", func(q url.Values) { q.Set("t", "1800000001") }, "whsec", now, false},
		{"too old", func(url.Values) {}, "whsec", now.Add(2 * time.Hour), false},
		{"garbage t", func(q url.Values) { q.Set("t", "x") }, "whsec", now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range p {
				q[k] = append([]string(nil), v...)
			}
			tt.mutate(q)
			if got := VerifyReturn(tt.secret, q, tt.at, time.Hour); got != tt.want {
				t.Errorf("VerifyReturn = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAppendReturnParamsKeepsShopQuery(t *testing.T) {
	got, err := AppendReturnParams("https://shop.example/done?order=42", url.Values{"status": {"paid"}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	if u.Query().Get("order") != "42" || u.Query().Get("status") != "paid" {
		t.Errorf("got %s", got)
	}
}
