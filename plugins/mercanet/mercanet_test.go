package mercanet

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

func TestPublishedVectors(t *testing.T) {
	for _, v := range providertest.Load(t, "mercanet") {
		t.Run(v.Name, func(t *testing.T) {
			if strings.Contains(v.Name, "json") {
				fields := map[string]string{}
				for _, in := range v.Inputs {
					fields[in[0]] = in[1]
				}
				if got := SealJSON(fields, v.Key); got != v.Expected {
					t.Errorf("SealJSON = %s, want %s", got, v.Expected)
				}
				return
			}
			var pairs []Pair
			for _, in := range v.Inputs {
				pairs = append(pairs, Pair{in[0], in[1]})
			}
			data := EncodeData(pairs)
			if got := SealPOST(data, v.Key, SealSHA256); got != v.Expected {
				t.Errorf("SealPOST = %s, want %s", got, v.Expected)
			}
			if !VerifyPOST(data, strings.ToUpper(v.Expected), v.Key, SealSHA256) {
				t.Error("upper-case hex seal not accepted")
			}
			if VerifyPOST(data+"|x=1", v.Expected, v.Key, SealSHA256) || VerifyPOST(data, v.Expected, v.Key, SealHMACSHA256) {
				t.Error("a changed Data or the other algorithm verified")
			}
		})
	}
}

// TestHMACBranchByRule: no HMAC vector is published for the POST form; the
// expected values were computed independently (Python hmac/hashlib) by the
// documented rule, over the documentation's Data string.
func TestHMACBranchByRule(t *testing.T) {
	const data = "amount=1200|currencyCode=978|keyVersion=1|merchantId=211000021310001|transactionReference=123456|normalReturnUrl=https://www.marchand.com/normal_return.php"
	const key = "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"
	if got := SealPOST(data, key, SealHMACSHA256); got != "af3ddf083cfbd64191e5b6d28eda201a4385edc5c8be5580ccba64482b8c1779" {
		t.Errorf("HMAC seal = %s", got)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(data))
	if got := SealPOST(b64, key, SealSHA256); got != "37c237441bcd4a0c5423f54d772f14565c5ebc7a751aa8e2d293f905af5f4461" {
		t.Errorf("seal over base64 Data = %s", got)
	}
}

const (
	testMerchant = "211000021310001"
	testKey      = "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"
)

func config(algo string) payment.Config {
	return payment.Config{keyMerchantID: testMerchant, keySecretKey: testKey, keyKeyVersion: "1", keySealAlgorithm: algo,
		keyInterfaceVersion: "HP_2.20", keyEnvironment: "simu", keyCaptureMode: CaptureAuthor}
}

func session() payment.Session {
	return payment.Session{ID: "ps_1", Mode: ModeID, Reference: "abcXYZ0123456789abcdefgh", OrderRef: "cmd|42 été",
		Amount: 1999, Currency: "EUR", Customer: payment.Customer{Email: "zoé@example.com", Locale: "fr-FR"},
		URLs: payment.URLs{Return: "https://pay.example/return/ps_1", Notify: "https://pay.example/notify/mercanet/ps_1"}}
}

func response(t *testing.T, pairs []Pair, algo, key string, encode bool) url.Values {
	t.Helper()
	data := EncodeData(pairs)
	v := url.Values{"InterfaceVersion": {"HP_2.20"}}
	if encode {
		data = base64.StdEncoding.EncodeToString([]byte(data))
		v.Set("Encode", "base64")
	}
	v.Set("Data", data)
	v.Set("Seal", SealPOST(data, key, algo))
	return v
}

func basePairs(code string) []Pair {
	return []Pair{{"merchantId", testMerchant}, {"transactionReference", session().Reference}, {"amount", "1999"},
		{"currencyCode", "978"}, {"responseCode", code}, {"authorisationId", "123456"}, {"keyVersion", "1"},
		{"holderAuthentStatus", "3D_SUCCESS"}, {"returnContext", "a=b;c==d é"}}
}

func notify(p *Provider, cfg payment.Config, form url.Values) (payment.CallbackResponse, error) {
	return p.HandleNotification(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
		Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(form.Encode())}})
}

func TestEveryResponseCode(t *testing.T) {
	p := New(nil)
	tests := []struct {
		code, capture string
		want          payment.Status
	}{
		{"00", CaptureAuthor, payment.StatusPaid}, {"00", CaptureImmediate, payment.StatusPaid}, {"00", CaptureValidation, payment.StatusAuthorized},
		{"60", CaptureAuthor, payment.StatusPending}, {"17", CaptureAuthor, payment.StatusCancelled}, {"97", CaptureAuthor, payment.StatusExpired},
		{"90", CaptureAuthor, ""}, {"99", CaptureAuthor, ""}, {"94", CaptureAuthor, ""}, {"42", CaptureAuthor, ""},
	}
	for _, refused := range []string{"02", "03", "05", "12", "14", "24", "25", "30", "34", "40", "51", "54", "63", "75"} {
		tests = append(tests, struct {
			code, capture string
			want          payment.Status
		}{refused, CaptureAuthor, payment.StatusRefused})
	}
	for _, tc := range tests {
		for _, algo := range []string{SealSHA256, SealHMACSHA256} {
			cfg := config(algo)
			cfg[keyCaptureMode] = tc.capture
			resp, err := notify(p, cfg, response(t, basePairs(tc.code), algo, testKey, false))
			if err != nil {
				t.Fatalf("%s/%s: %v", tc.code, algo, err)
			}
			o := resp.Outcome
			if o.Status != tc.want || !o.Verified || o.ResponseCode != tc.code || o.ResponseMessage == "" {
				t.Errorf("%s (%s, %s) = %+v, want %q", tc.code, tc.capture, algo, o, tc.want)
			}
		}
	}
}

func TestVerifiedFields(t *testing.T) {
	p := New(nil)
	resp, err := notify(p, config(SealSHA256), response(t, basePairs("00"), SealSHA256, testKey, true))
	if err != nil {
		t.Fatal(err)
	}
	o := resp.Outcome
	if o.Amount != 1999 || o.Currency != "EUR" || o.Reference != session().Reference || o.AuthorizationCode != "123456" ||
		o.ThreeDS.Status != "3D_SUCCESS" || o.Payload["returnContext"] != "a=b;c==d é" {
		t.Errorf("outcome = %+v", o)
	}
	if resp.Response.StatusCode != 200 {
		t.Errorf("answer = %+v", resp.Response)
	}
}

func TestRejectedResponses(t *testing.T) {
	p := New(nil)
	good := response(t, basePairs("00"), SealSHA256, testKey, false)
	with := func(k, v string) url.Values {
		c := url.Values{}
		for name, vs := range good {
			c[name] = append([]string(nil), vs...)
		}
		c.Set(k, v)
		return c
	}
	otherMerchant := basePairs("00")
	otherMerchant[0].Value = "002001000000001"
	otherRef := basePairs("00")
	otherRef[1].Value = "someoneelse"
	tests := []struct {
		name string
		form url.Values
		cfg  payment.Config
		code payment.Code
	}{
		{"tampered Data", with("Data", strings.Replace(good.Get("Data"), "amount=1999", "amount=1", 1)), config(SealSHA256), payment.CodeInvalidSignature},
		{"responseCode flipped", with("Data", strings.Replace(good.Get("Data"), "responseCode=00", "responseCode=05", 1)), config(SealSHA256), payment.CodeInvalidSignature},
		{"seal of the other algorithm", response(t, basePairs("00"), SealHMACSHA256, testKey, false), config(SealSHA256), payment.CodeInvalidSignature},
		{"SHA-256 seal for an HMAC shop", good, config(SealHMACSHA256), payment.CodeInvalidSignature},
		{"another key", response(t, basePairs("00"), SealSHA256, "002001000000001_KEY1", false), config(SealSHA256), payment.CodeInvalidSignature},
		{"no seal", with("Seal", ""), config(SealSHA256), payment.CodeInvalidSignature},
		{"no Data", with("Data", ""), config(SealSHA256), payment.CodeInvalidSignature},
		{"another merchant, validly sealed", response(t, otherMerchant, SealSHA256, testKey, false), config(SealSHA256), payment.CodeInvalidRequest},
		{"another transaction, validly sealed", response(t, otherRef, SealSHA256, testKey, false), config(SealSHA256), payment.CodeInvalidRequest},
		{"malformed Data, validly sealed", response(t, []Pair{{"merchantId", testMerchant}, {"oops", ""}}, SealSHA256, testKey, false), config(SealSHA256), payment.CodeInvalidRequest},
		{"bad amount, validly sealed", response(t, append(basePairs("00")[:2], Pair{"amount", "19.99"}, Pair{"responseCode", "00"}), SealSHA256, testKey, false), config(SealSHA256), payment.CodeInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := notify(p, tc.cfg, tc.form)
			if payment.ErrorCode(err) != tc.code || resp.Outcome != nil {
				t.Fatalf("got %+v, %v; want %s", resp.Outcome, err, tc.code)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Error("error contains the key")
			}
		})
	}
}

func TestBareReturn(t *testing.T) {
	resp, err := New(nil).HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: config(SealSHA256),
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_1"}})
	if err != nil || resp.Outcome != nil {
		t.Errorf("bare return = %+v, %v", resp, err)
	}
}

func TestBegin(t *testing.T) {
	for _, algo := range []string{SealSHA256, SealHMACSHA256} {
		resp, err := New(nil).Begin(context.Background(), payment.BeginRequest{Session: session(), Config: config(algo)})
		if err != nil {
			t.Fatal(err)
		}
		f := resp.Form
		data, _ := f.Value("Data")
		seal, _ := f.Value("Seal")
		sa, hasSA := f.Value("SealAlgorithm")
		if f.URL != environments["simu"].paymentInit || !VerifyPOST(data, seal, testKey, algo) || hasSA != (algo == SealHMACSHA256) || (hasSA && sa != SealHMACSHA256) {
			t.Errorf("%s form = %+v", algo, f)
		}
		fields, err := ParseData(data)
		if err != nil {
			t.Fatalf("Data %q: %v", data, err)
		}
		want := map[string]string{"amount": "1999", "currencyCode": "978", "merchantId": testMerchant, "transactionReference": session().Reference,
			"normalReturnUrl": session().URLs.Return, "automaticResponseUrl": session().URLs.Notify, "keyVersion": "1",
			"orderId": "cmd 42 été", "customerLanguage": "fr", "customerContact.email": "zoé@example.com", "captureMode": CaptureAuthor}
		for k, v := range want {
			if fields[k] != v {
				t.Errorf("%s = %q, want %q", k, fields[k], v)
			}
		}
	}
	s := session()
	s.Reference = "bad ref!"
	if _, err := New(nil).Begin(context.Background(), payment.BeginRequest{Session: s, Config: config(SealSHA256)}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("bad reference: %v", err)
	}
}

func TestValidateConfig(t *testing.T) {
	tests := []struct {
		key, value, problem string
	}{
		{keyMerchantID, "12345", keyMerchantID}, {keySecretKey, "", keySecretKey}, {keySecretKey, "a b", keySecretKey},
		{keyKeyVersion, "x", keyKeyVersion}, {keySealAlgorithm, "MD5", keySealAlgorithm}, {keyInterfaceVersion, "IR_WS_2.3", keyInterfaceVersion},
		{keyEnvironment, "http://psp.example/", keyEnvironment}, {keyEnvironment, "http://127.0.0.1:9/mercanet", ""},
		{keyEnvironment, "production", ""}, {keyCaptureMode, "LATER", keyCaptureMode}, {keyCaptureDay, "100", keyCaptureDay}, {keyCaptureDay, "3", ""},
	}
	for _, tc := range tests {
		cfg := config(SealSHA256)
		cfg[tc.key] = tc.value
		resp, _ := New(nil).ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: ModeID, Config: cfg})
		if tc.problem == "" && len(resp.Problems) != 0 || tc.problem != "" && (len(resp.Problems) != 1 || resp.Problems[0].Key != tc.problem) {
			t.Errorf("%s=%q: %+v", tc.key, tc.value, resp.Problems)
		}
	}
}

func TestParseDataSplitsOnFirstEquals(t *testing.T) {
	f, err := ParseData("returnContext={\"a\":\"b=c\"}|orderId=x==y")
	if err != nil || f["returnContext"] != `{"a":"b=c"}` || f["orderId"] != "x==y" {
		t.Errorf("%v %v", f, err)
	}
	for _, bad := range []string{"", "a=1|a=2", "novalue", "=x"} {
		if _, err := ParseData(bad); err == nil {
			t.Errorf("ParseData(%q) accepted", bad)
		}
	}
}

// TestQueryRefusesUnsealedAnswers: an Office answer saying "paid" is only
// trusted with a valid seal; a missing seal is refused like a wrong one.
func TestQueryRefusesUnsealedAnswers(t *testing.T) {
	paid := map[string]string{"responseCode": "00", "getTransDataResponseCode": "00", "transactionReference": session().Reference,
		"transactionStatus": "TO_CAPTURE", "amount": "1999", "originAmount": "1999", "currencyCode": "978"}
	tests := []struct {
		name string
		seal func(map[string]string) string
		code payment.Code
	}{
		{"valid seal", func(f map[string]string) string { return SealJSON(f, testKey) }, ""},
		{"no seal", func(map[string]string) string { return "" }, payment.CodeInvalidSignature},
		{"seal of another key", func(f map[string]string) string { return SealJSON(f, "002001000000001_KEY1") }, payment.CodeInvalidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				out := map[string]string{}
				for k, v := range paid {
					out[k] = v
				}
				if s := tc.seal(out); s != "" {
					out["seal"] = s
				}
				json.NewEncoder(w).Encode(out)
			}))
			defer srv.Close()
			cfg := config(SealSHA256)
			cfg[keyEnvironment] = srv.URL
			resp, err := New(nil).Query(context.Background(), payment.QueryRequest{Session: session(), Config: cfg})
			if payment.ErrorCode(err) != tc.code {
				t.Fatalf("Query = %+v, %v; want %q", resp.Outcome, err, tc.code)
			}
			if tc.code == "" && resp.Outcome.Status != payment.StatusPaid {
				t.Errorf("sealed paid answer = %+v", resp.Outcome)
			}
		})
	}
}

// TestCaptureWindowCoversTheCaptureDay: an authorization may wait for
// capture as long as the largest capture_day accepted; the host must keep
// it that long.
func TestCaptureWindowCoversTheCaptureDay(t *testing.T) {
	d, err := New(nil).Describe(context.Background(), payment.DescribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	m := d.Modes[0]
	i := slices.IndexFunc(m.ConfigSchema, func(f payment.ConfigField) bool { return f.Key == keyCaptureDay })
	if i < 0 {
		t.Fatalf("no %s in the schema", keyCaptureDay)
	}
	if f := m.ConfigSchema[i]; f.Max == nil || m.CaptureWindow < time.Duration(*f.Max)*24*time.Hour {
		t.Errorf("capture window %v, capture_day up to %v days", m.CaptureWindow, f.Max)
	}
}
