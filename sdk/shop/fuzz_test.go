package shop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

const fuzzSecret = "whsec_fuzz_0123456789abcdef"

func macByRule(msg string) string {
	m := hmac.New(sha256.New, []byte(fuzzSecret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// FuzzVerifyWebhook checks the shop's webhook verification: nothing
// panics; a header passes only when one of its v1 values is the HMAC of
// "t.body" (computed here) for its t, and t is within the tolerance; and
// what SignWebhook writes always passes at its own time.
func FuzzVerifyWebhook(f *testing.F) {
	at := time.Unix(1_764_460_800, 0)
	body := []byte(`{"id":"ps_1","status":"paid"}`)
	good := SignWebhook(fuzzSecret, at, body)
	for _, h := range []string{good, good + ",v1=00", "v1=00," + good, strings.ToUpper(good), strings.Replace(good, "t=", "t=0", 1),
		"t=1764460800", "t=,v1=", "t=1764460800,v1=" + strings.Repeat("0", 64), "garbage", ""} {
		f.Add(h, body, int64(0))
	}
	f.Add(good, []byte(`{"id":"ps_1","status":"paid"} `), int64(0))
	f.Add(good, body, int64(301))
	f.Fuzz(func(t *testing.T, header string, body []byte, skew int64) {
		now := at.Add(time.Duration(skew) * time.Second)
		err := VerifyWebhook(fuzzSecret, header, body, now, 5*time.Minute)
		if err == nil {
			var ts string
			var sigs []string
			for _, part := range strings.Split(header, ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
				switch k {
				case "t":
					ts = v
				case "v1":
					sigs = append(sigs, strings.ToLower(v))
				}
			}
			n, perr := strconv.ParseInt(ts, 10, 64)
			want := macByRule(ts + "." + string(body))
			found := false
			for _, s := range sigs {
				found = found || s == want
			}
			if perr != nil || !found {
				t.Fatalf("header %q passed for body %q", header, body)
			}
			if d := now.Unix() - n; d > 300 || d < -300 {
				t.Fatalf("header %q passed %ds away from its time", header, d)
			}
		}
		if skew > -1e9 && skew < 1e9 {
			if err := VerifyWebhook(fuzzSecret, SignWebhook(fuzzSecret, now, body), body, now, time.Minute); err != nil {
				t.Fatalf("SignWebhook's own header refused: %v", err)
			}
		}
	})
}

// FuzzVerifyReturn checks the return parameters the same way.
func FuzzVerifyReturn(f *testing.F) {
	at := time.Unix(1_764_460_800, 0)
	good := ReturnParams(fuzzSecret, "ps_1", "paid", false, at).Encode()
	f.Add(good, int64(0))
	f.Add(strings.Replace(good, "paid", "refused", 1), int64(0))
	f.Add(strings.Replace(good, "livemode=false", "livemode=true", 1), int64(0))
	f.Add(good, int64(3600))
	f.Add("livemode=false&session=ps_1&status=paid&t=1764460800", int64(0))
	f.Add(good+"&status=refused", int64(0))
	f.Fuzz(func(t *testing.T, query string, skew int64) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		now := at.Add(time.Duration(skew) * time.Second)
		if VerifyReturn(fuzzSecret, q, now, 10*time.Minute) != nil {
			return
		}
		live := q.Get("livemode")
		if (live != "true" && live != "false") || q.Get("sig") != macByRule(q.Get("t")+"."+q.Get("session")+"."+q.Get("status")+"."+live) {
			t.Fatalf("parameters %q passed", query)
		}
		n, err := strconv.ParseInt(q.Get("t"), 10, 64)
		if d := now.Unix() - n; err != nil || d > 600 || d < -600 {
			t.Fatalf("parameters %q passed %ds away from their time", query, d)
		}
	})
}
