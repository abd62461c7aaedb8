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
	s := h.create("hmacpay", 1999)

	r := h.do("GET", "/pay/"+s.ID, "", nil)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther && r.status != http.StatusFound || !strings.HasPrefix(loc, "https://pay.hmacpay.example/pay?") {
		t.Fatalf("/pay: %d to %q, want a redirect to the provider", r.status, loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("amount") != "1999" || q.Get("merchant_id") != "m-1001" || q.Get("signature") == "" {
		t.Fatalf("signed request %v", q)
	}
	ans := url.Values{"reference": {q.Get("reference")}, "amount": {strconv.Itoa(1999)}, "currency": {"EUR"}, "status": {"paid"}, "transaction_id": {"tx-e2e"}}
	mac := hmac.New(sha256.New, []byte("e2e-hmacpay-key"))
	mac.Write([]byte(ans.Encode()))
	ans.Set("signature", hex.EncodeToString(mac.Sum(nil)))

	forged := url.Values{}
	for k, v := range ans {
		forged[k] = v
	}
	forged.Set("amount", "1")
	if r := h.do("POST", "/notify/hmacpay/"+s.ID, "", forged); r.status == http.StatusOK {
		t.Fatalf("a forged notification was accepted: %s", r.body)
	}
	r = h.expect(h.do("POST", "/notify/hmacpay/"+s.ID, "", ans), http.StatusOK)
	if string(r.body) != "OK" {
		t.Errorf("notification answer %q, want the plugin's OK", r.body)
	}
	if got := h.get(s.ID); got.Status != "paid" {
		t.Errorf("session %s after the signed notification, want paid: %v", got.Status, timeline(got))
	}
}
