package ogone

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

func TestPublishedVectors(t *testing.T) {
	for _, v := range providertest.Load(t, "ogone") {
		t.Run(v.Name, func(t *testing.T) {
			algo := SHA1
			switch {
			case strings.Contains(v.Algorithm, "SHA256"):
				algo = SHA256
			case strings.Contains(v.Algorithm, "SHA512"):
				algo = SHA512
			}
			list := shaIn
			if strings.Contains(v.Name, "sha_out") {
				list = shaOut
			}
			var params []Param
			for _, in := range v.Inputs {
				params = append(params, Param{in[0], in[1]})
			}
			if got := Sign(params, v.Key, algo, list); got != v.Expected {
				t.Errorf("%s = %s, want %s", algo, got, v.Expected)
			}
		})
	}
}

const (
	pspid   = "MyPSPID"
	passIn  = "Mysecretsig1875!?"
	passOut = "Another-secret_9"
)

func config(charset string) payment.Config {
	return payment.Config{keyPSPID: pspid, keySHAIn: passIn, keySHAOut: passOut, keyAlgorithm: SHA512,
		keyCharset: charset, keyEnv: "test", keyOperation: OperationSale, keyLanguage: "en_US"}
}

func session() payment.Session {
	return payment.Session{ID: "ps_og1", Mode: ModeID, Reference: "ORDER0001", Amount: 1908, Currency: "EUR",
		Customer: payment.Customer{Name: "Zoë Łukasiewicz", Email: "zoe@example.com", Locale: "fr-FR"},
		URLs:     payment.URLs{Return: "https://pay.example/return/ps_og1", Cancel: "https://pay.example/return/ps_og1?cancel=1"}}
}

// feedback builds a post-sale body signed with SHA-OUT over params, in the
// given character set.
func feedback(params []Param, pass, algo, charset string) url.Values {
	v := url.Values{}
	enc := make([]Param, len(params))
	for i, p := range params {
		enc[i] = Param{p.Name, EncodeCharset(p.Value, charset)}
		v.Set(p.Name, enc[i].Value)
	}
	v.Set("SHASIGN", Sign(enc, EncodeCharset(pass, charset), algo, shaOut))
	return v
}

func baseFeedback(status, amount, cur string) []Param {
	return []Param{{"orderID", "ORDER0001"}, {"currency", cur}, {"amount", amount}, {"PM", "CreditCard"},
		{"ACCEPTANCE", "test123"}, {"STATUS", status}, {"CARDNO", "XXXXXXXXXXXX1111"}, {"PAYID", "3021093"},
		{"NCERROR", "0"}, {"BRAND", "VISA"}, {"ECI", "7"}, {"COMPLUS", "ps_og1"}, {"CN", "Zoë Müller"}}
}

func post(cfg payment.Config, s payment.Session, body url.Values) (payment.CallbackResponse, error) {
	return New().HandleNotification(context.Background(), payment.CallbackRequest{Session: s, Config: cfg,
		Request: payment.HTTPRequest{Method: "POST", URL: "/notify/ogone", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(body.Encode())}})
}

func TestStatusGroups(t *testing.T) {
	groups := map[payment.Status][]string{
		payment.StatusAuthorized: {"5"},
		payment.StatusPaid:       {"9", "95"},
		payment.StatusPending:    {"41", "46", "50", "51", "91", "4", "40", "55", "59", "99"},
		payment.StatusRefused:    {"2", "93"},
		payment.StatusCancelled:  {"1", "6", "64", "7", "74"},
		payment.StatusRefunded:   {"8", "85"},
		"":                       {"0", "52", "92", "61", "81", "84", "94", "123"},
	}
	for want, codes := range groups {
		for _, code := range codes {
			resp, err := post(config(CharsetUTF8), session(), feedback(baseFeedback(code, "19.08", "EUR"), passOut, SHA512, CharsetUTF8))
			if err != nil || resp.Outcome == nil || resp.Outcome.Status != want || !resp.Outcome.Verified {
				t.Errorf("STATUS %s: %+v, %v; want %q", code, resp.Outcome, err, want)
			}
		}
	}
}

func TestOutcomeFields(t *testing.T) {
	resp, err := post(config(CharsetUTF8), session(), feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA512, CharsetUTF8))
	if err != nil {
		t.Fatal(err)
	}
	o := resp.Outcome
	if o.Amount != 1908 || o.Currency != "EUR" || o.Reference != "ORDER0001" || o.ProviderTransactionID != "3021093" ||
		o.AuthorizationCode != "test123" || o.ThreeDS.ECI != "7" || o.Payload["BRAND"] != "VISA" || o.Payload["CN"] != "Zoë Müller" {
		t.Errorf("outcome %+v", o)
	}
	if _, ok := o.Payload["SHASIGN"]; ok {
		t.Error("SHASIGN kept in the payload")
	}
	if resp.Response.StatusCode != 200 || string(resp.Response.Body) != "OK" {
		t.Errorf("answer %+v", resp.Response)
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		amount, cur string
		want        int64
	}{{"15", "EUR", 1500}, {"19.08", "EUR", 1908}, {"0.5", "EUR", 50}, {"99", "EUR", 9900}, {"500", "JPY", 500}, {"1.23", "KWD", 1230}}
	for _, tc := range tests {
		s := session()
		s.Amount, s.Currency = tc.want, tc.cur
		resp, err := post(config(CharsetUTF8), s, feedback(baseFeedback("9", tc.amount, tc.cur), passOut, SHA512, CharsetUTF8))
		if err != nil || resp.Outcome.Amount != tc.want || resp.Outcome.Currency != tc.cur {
			t.Errorf("%s %s: %+v, %v", tc.amount, tc.cur, resp.Outcome, err)
		}
	}
	for _, bad := range []struct{ amount, cur string }{{"19.089", "EUR"}, {"500.5", "JPY"}, {"1e3", "EUR"}, {"-1", "EUR"}} {
		_, err := post(config(CharsetUTF8), session(), feedback(baseFeedback("9", bad.amount, bad.cur), passOut, SHA512, CharsetUTF8))
		if bad.amount == "-1" {
			continue // a negative amount parses; the host's amount check refuses it
		}
		if payment.ErrorCode(err) != payment.CodeInvalidRequest {
			t.Errorf("amount %s %s: %v", bad.amount, bad.cur, err)
		}
	}
	eur, _ := currency.Lookup("EUR")
	jpy, _ := currency.Lookup("JPY")
	kwd, _ := currency.Lookup("KWD")
	for _, tc := range []struct {
		minor int64
		c     currency.Currency
		want  string
		ok    bool
	}{{1500, eur, "1500", true}, {500, jpy, "50000", true}, {1230, kwd, "123", true}, {1234, kwd, "", false}} {
		got, ok := amountField(tc.minor, tc.c)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("AMOUNT(%d %s) = %q, %v", tc.minor, tc.c.Code, got, ok)
		}
	}
}

func TestRejectedFeedback(t *testing.T) {
	good := feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA512, CharsetUTF8)
	with := func(k, v string) url.Values {
		c := url.Values{}
		for n, vs := range good {
			c[n] = append([]string(nil), vs...)
		}
		c.Set(k, v)
		return c
	}
	otherOrder := baseFeedback("9", "19.08", "EUR")
	otherOrder[0].Value = "ORDER0002"
	tests := []struct {
		name string
		body url.Values
		code payment.Code
	}{
		{"tampered STATUS", with("STATUS", "5"), payment.CodeInvalidSignature},
		{"tampered amount", with("amount", "1.00"), payment.CodeInvalidSignature},
		{"tampered PAYID", with("PAYID", "1"), payment.CodeInvalidSignature},
		{"signed SHASIGN removed", func() url.Values { v := with("x", "1"); v.Del("SHASIGN"); return v }(), payment.CodeInvalidSignature},
		{"SHA-IN passphrase used for SHA-OUT", feedback(baseFeedback("9", "19.08", "EUR"), passIn, SHA512, CharsetUTF8), payment.CodeInvalidSignature},
		{"other algorithm", feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA256, CharsetUTF8), payment.CodeInvalidSignature},
		{"repeated parameter in another case", func() url.Values { v := with("x", "1"); v.Set("status", "9"); return v }(), payment.CodeInvalidRequest},
		{"another order, validly signed", feedback(otherOrder, passOut, SHA512, CharsetUTF8), payment.CodeInvalidRequest},
	}
	for _, tc := range tests {
		resp, err := post(config(CharsetUTF8), session(), tc.body)
		if payment.ErrorCode(err) != tc.code || resp.Outcome != nil {
			t.Errorf("%s: %+v, %v; want %s", tc.name, resp.Outcome, err, tc.code)
		}
		if err != nil && (strings.Contains(err.Error(), passOut) || strings.Contains(err.Error(), passIn)) {
			t.Errorf("%s: error contains a passphrase", tc.name)
		}
	}
	// Parameters outside the SHA-OUT list are ignored, whatever they hold.
	if _, err := post(config(CharsetUTF8), session(), with("unknownparam", "anything")); err != nil {
		t.Errorf("unknown parameter: %v", err)
	}
	// Names are matched case-insensitively.
	lower := url.Values{}
	for n, vs := range good {
		if n != "SHASIGN" {
			n = strings.ToLower(n)
		}
		lower[n] = vs
	}
	if _, err := post(config(CharsetUTF8), session(), lower); err != nil {
		t.Errorf("lower-case names: %v", err)
	}
}

func TestCharsets(t *testing.T) {
	for _, charset := range []string{CharsetUTF8, CharsetLatin1} {
		// Feedback: the accented name arrives in the page's bytes.
		resp, err := post(config(charset), session(), feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA512, charset))
		if err != nil || resp.Outcome.Payload["CN"] != "Zoë Müller" {
			t.Errorf("%s feedback: %+v, %v", charset, resp.Outcome, err)
		}
		// The bytes are hashed as received, so the charset only changes how
		// a non-ASCII passphrase is encoded: signed in one, checked in the
		// other, it fails.
		other := CharsetUTF8
		if charset == CharsetUTF8 {
			other = CharsetLatin1
		}
		accented := config(other)
		accented[keySHAOut] = "Pässwörd-out-1"
		if _, err := post(accented, session(), feedback(baseFeedback("9", "19.08", "EUR"), "Pässwörd-out-1", SHA512, charset)); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("%s signature checked as %s: %v", charset, other, err)
		}
		accented[keyCharset] = charset
		if _, err := post(accented, session(), feedback(baseFeedback("9", "19.08", "EUR"), "Pässwörd-out-1", SHA512, charset)); err != nil {
			t.Errorf("%s accented passphrase: %v", charset, err)
		}

		// Begin: the form signs what the browser will post.
		b, err := New().Begin(context.Background(), payment.BeginRequest{Session: session(), Config: config(charset)})
		if err != nil {
			t.Fatal(err)
		}
		var sent []Param
		var shasign string
		for _, f := range b.Form.Fields {
			if f.Name == "SHASIGN" {
				shasign = f.Value
				continue
			}
			sent = append(sent, Param{f.Name, EncodeCharset(f.Value, charset)})
		}
		if Sign(sent, EncodeCharset(passIn, charset), SHA512, shaIn) != shasign {
			t.Errorf("%s: SHASIGN does not cover the posted fields", charset)
		}
		cn, _ := b.Form.Value("CN")
		wantCN, wantURL := "Zoë Łukasiewicz", "orderstandard_utf8.asp"
		if charset == CharsetLatin1 {
			wantCN, wantURL = "Zoë ?ukasiewicz", "orderstandard.asp"
		}
		if cn != wantCN || !strings.HasSuffix(b.Form.URL, wantURL) || (charset == CharsetLatin1) != (b.Form.AcceptCharset == CharsetLatin1) {
			t.Errorf("%s form: CN %q URL %s charset %q", charset, cn, b.Form.URL, b.Form.AcceptCharset)
		}
	}
}

func TestBeginFields(t *testing.T) {
	b, err := New().Begin(context.Background(), payment.BeginRequest{Session: session(), Config: config(CharsetUTF8)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"PSPID": pspid, "ORDERID": "ORDER0001", "AMOUNT": "1908", "CURRENCY": "EUR", "LANGUAGE": "fr_FR",
		"EMAIL": "zoe@example.com", "ACCEPTURL": session().URLs.Return, "DECLINEURL": session().URLs.Return,
		"EXCEPTIONURL": session().URLs.Return, "CANCELURL": session().URLs.Cancel, "COMPLUS": "ps_og1", "OPERATION": "SAL"}
	for k, v := range want {
		if got, _ := b.Form.Value(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if sig, _ := b.Form.Value("SHASIGN"); len(sig) != 128 {
		t.Errorf("SHA-512 SHASIGN %q", sig)
	}
}

func TestIdentifyAndBareReturn(t *testing.T) {
	p := New()
	body := feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA512, CharsetUTF8)
	id, err := p.IdentifyCallback(context.Background(), payment.IdentifyCallbackRequest{Request: payment.HTTPRequest{Method: "GET", URL: "/notify/ogone?" + body.Encode()}})
	if err != nil || id.SessionID != "ps_og1" || id.Reference != "ORDER0001" {
		t.Errorf("identify = %+v, %v", id, err)
	}
	// Latin-1 bytes in our own identifiers are not a request of ours (and
	// protobuf could not carry them back to the host).
	for _, raw := range []string{"orderID=\xe9", "COMPLUS=ps_\xe9&orderID=1", "orderID=1&COMPLUS=\xff"} {
		id, err := p.IdentifyCallback(context.Background(), payment.IdentifyCallbackRequest{Request: payment.HTTPRequest{Method: "POST",
			Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(raw)}})
		if payment.ErrorCode(err) != payment.CodeInvalidRequest {
			t.Errorf("identify %q = %+v, %v", raw, id, err)
		}
	}
	resp, err := p.HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: config(CharsetUTF8),
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_og1"}})
	if err != nil || resp.Outcome != nil {
		t.Errorf("bare return = %+v, %v", resp, err)
	}
	resp, err = p.HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: config(CharsetUTF8),
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_og1?cancel=1&" + body.Encode()}})
	if err != nil || resp.Outcome == nil || resp.Outcome.Status != payment.StatusPaid {
		t.Errorf("return with parameters = %+v, %v", resp.Outcome, err)
	}
}

func TestValidateConfig(t *testing.T) {
	tests := []struct{ key, value, problem string }{
		{keySHAOut, passIn, keySHAOut}, {keySHAIn, "short", keySHAIn}, {keyAlgorithm, "MD5", keyAlgorithm},
		{keyCharset, "UTF-16", keyCharset}, {keyEnv, "http://evil.example/", keyEnv}, {keyEnv, "http://127.0.0.1:1/ogone/ncol/test", ""},
		{keyOperation, "RFD", keyOperation}, {keyLanguage, "french", keyLanguage}, {keyPSPID, "", keyPSPID},
	}
	for _, tc := range tests {
		cfg := config(CharsetUTF8)
		cfg[tc.key] = tc.value
		resp, _ := New().ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: ModeID, Config: cfg})
		if tc.problem == "" && len(resp.Problems) != 0 || tc.problem != "" && (len(resp.Problems) != 1 || resp.Problems[0].Key != tc.problem) {
			t.Errorf("%s=%q: %+v", tc.key, tc.value, resp.Problems)
		}
		for _, p := range resp.Problems {
			if strings.Contains(p.Message, passIn) {
				t.Error("problem echoes a passphrase")
			}
		}
	}
}

// TestLatestSHAOutParameters: PAYIDSUB and TICKET are signed (the list's
// last revision); changing them breaks the signature.
func TestLatestSHAOutParameters(t *testing.T) {
	for _, name := range []string{"PAYIDSUB", "TICKET"} {
		params := append(baseFeedback("9", "19.08", "EUR"), Param{name, "1"})
		body := feedback(params, passOut, SHA512, CharsetUTF8)
		if _, err := post(config(CharsetUTF8), session(), body); err != nil {
			t.Fatalf("%s signed: %v", name, err)
		}
		body.Set(name, "2")
		if _, err := post(config(CharsetUTF8), session(), body); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("%s changed: %v", name, err)
		}
	}
}
