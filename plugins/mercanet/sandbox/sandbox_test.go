package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/payhost/payhost/plugins/mercanet"
)

const (
	merchant = "211000021310001"
	key      = "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"
)

func post(t *testing.T, srv *httptest.Server, path string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func request(pairs []mercanet.Pair, sealKey, algo string) url.Values {
	data := mercanet.EncodeData(pairs)
	v := url.Values{"Data": {data}, "InterfaceVersion": {"HP_2.20"}, "Seal": {mercanet.SealPOST(data, sealKey, algo)}}
	if algo == mercanet.SealHMACSHA256 {
		v.Set("SealAlgorithm", algo)
	}
	return v
}

func pairs(ref string) []mercanet.Pair {
	return []mercanet.Pair{{Key: "amount", Value: "1000"}, {Key: "currencyCode", Value: "978"}, {Key: "merchantId", Value: merchant},
		{Key: "normalReturnUrl", Value: "http://127.0.0.1/return"}, {Key: "keyVersion", Value: "1"}, {Key: "transactionReference", Value: ref}}
}

func TestPaymentInitChecks(t *testing.T) {
	srv := httptest.NewServer(New(nil))
	defer srv.Close()
	unknown := pairs("r1")
	unknown[2].Value = "999999999999999"
	missing := pairs("r2")[:5]
	tests := []struct {
		name string
		form url.Values
		code string
	}{
		{"accepted, SHA-256", request(pairs("ok1"), key, mercanet.SealSHA256), ""},
		{"accepted, HMAC", request(pairs("ok2"), key, mercanet.SealHMACSHA256), ""},
		{"bad seal", request(pairs("r3"), "wrong", mercanet.SealSHA256), "34"},
		{"HMAC seal announced as SHA-256", func() url.Values {
			v := request(pairs("r4"), key, mercanet.SealHMACSHA256)
			v.Del("SealAlgorithm")
			return v
		}(), "34"},
		{"unknown merchant", request(unknown, key, mercanet.SealSHA256), "03"},
		{"missing transactionReference", request(missing, key, mercanet.SealSHA256), "12"},
		{"reused transactionReference", request(pairs("ok1"), key, mercanet.SealSHA256), "94"},
		{"no InterfaceVersion", func() url.Values {
			v := request(pairs("r5"), key, mercanet.SealSHA256)
			v.Del("InterfaceVersion")
			return v
		}(), "30"},
	}
	for _, tc := range tests {
		status, body := post(t, srv, "/paymentInit", tc.form)
		if tc.code == "" {
			if status != http.StatusOK || !strings.Contains(body, `value="accept"`) {
				t.Errorf("%s: %d %s", tc.name, status, body)
			}
			continue
		}
		if status != http.StatusBadRequest || !strings.Contains(body, "responseCode="+tc.code) {
			t.Errorf("%s: %d %s, want responseCode=%s", tc.name, status, body, tc.code)
		}
	}
}
