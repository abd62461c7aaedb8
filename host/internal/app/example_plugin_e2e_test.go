package app_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const hmacpayMode = `      hmacpay:
        enabled: true
        order: 9
        config:
          payment_url: "https://pay.hmacpay.example/pay"
          merchant_id: "m-1001"
          secret_key: "e2e-hmacpay-key"
`

// TestExampleGoPluginPays takes one session to paid through the real host
// with examples/go-plugin, a standalone module built as a third-party
// author builds it: the redirect the plugin signs, then the provider's
// signed notification (computed here as examples/go-plugin/sim does).
func TestExampleGoPluginPays(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "payhost-plugin-hmacpay"), "./cmd/payhost-plugin-hmacpay")
	build.Dir = filepath.Join(moduleRoot(), "examples", "go-plugin")
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the example: %v\n%s", err, out)
	}
	offline, err := os.ReadFile(filepath.Join(pluginDir, "payhost-plugin-offline"))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "payhost-plugin-offline"), offline, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	h := startHost(t, hostOptions{dir: dir, modes: hmacpayMode})
	payHMAC(t, h, hmacJourney{plugin: "hmacpay", merchant: "m-1001", key: "e2e-hmacpay-key", amount: 1999})
}

// hmacJourney is a session through one of the HMAC example plugins (Go
// and Node), which sign the same protocol.
type hmacJourney struct {
	plugin, merchant, key string
	amount                int64
}

// payHMAC creates a session of the journey's mode, checks the redirect the
// plugin signs as the provider would, then sends a forged notification
// (refused as invalid_signature, with an event) and the provider's signed
// one, computed as examples/go-plugin/sim signs it: the session is paid.
func payHMAC(t *testing.T, h *host, j hmacJourney) {
	t.Helper()
	s := h.create(j.plugin, j.amount)
	r := h.do("GET", "/pay/"+s.ID, "", nil)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther && r.status != http.StatusFound || !strings.HasPrefix(loc, "https://pay."+j.plugin+".example/pay?") {
		t.Fatalf("/pay: %d to %q, want a redirect to the provider", r.status, loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	amount := strconv.FormatInt(j.amount, 10)
	if q.Get("amount") != amount || q.Get("merchant_id") != j.merchant || q.Get("signature") != hmacHex(j.key, withoutSignature(q)) {
		t.Fatalf("the signed request %v does not verify as the provider checks it", q)
	}
	ans := url.Values{"reference": {q.Get("reference")}, "amount": {amount}, "currency": {"EUR"}, "status": {"paid"}, "transaction_id": {"tx-" + j.plugin}}
	ans.Set("signature", hmacHex(j.key, ans))

	forged := withoutSignature(ans)
	forged.Set("amount", "1")
	forged.Set("signature", ans.Get("signature"))
	if r := h.do("POST", "/notify/"+j.plugin+"/"+s.ID, "", forged); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "invalid_signature") {
		t.Fatalf("a forged notification answered %d %s, want 400 invalid_signature (the plugin's typed error)", r.status, r.body)
	}
	r = h.expect(h.do("POST", "/notify/"+j.plugin+"/"+s.ID, "", ans), http.StatusOK)
	if string(r.body) != "OK" {
		t.Errorf("notification answer %q, want the plugin's OK", r.body)
	}
	got := h.get(s.ID)
	if got.Status != "paid" {
		t.Fatalf("session %s after the signed notification, want paid: %v", got.Status, timeline(got))
	}
	rejected := false
	for _, e := range got.Events {
		rejected = rejected || e.Source == "notification" && e.Reason == "invalid_signature"
	}
	if !rejected {
		t.Errorf("the forged notification left no invalid_signature event: %v", timeline(got))
	}
}

func withoutSignature(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != "signature" {
			out[k] = v
		}
	}
	return out
}

func hmacHex(key string, q url.Values) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(q.Encode()))
	return hex.EncodeToString(m.Sum(nil))
}
