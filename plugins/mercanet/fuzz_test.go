package mercanet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

// FuzzParseData checks the Data reader: it never panics, and what it
// accepts has non-empty keys without '=' or '|', values without '|', and
// reads back the same after being written again.
func FuzzParseData(f *testing.F) {
	for _, v := range providertest.Load(f, "mercanet") {
		var pairs []Pair
		for _, in := range v.Inputs {
			pairs = append(pairs, Pair{in[0], in[1]})
		}
		data := EncodeData(pairs)
		f.Add(data)
		f.Add(data + "|" + pairs[0].Key + "=again")
		f.Add(strings.Replace(data, "=", "", 1))
	}
	f.Add("returnContext=a=b;c==d|x=")
	f.Add("|")
	f.Fuzz(func(t *testing.T, data string) {
		fields, err := ParseData(data)
		if err != nil {
			return
		}
		keys := make([]string, 0, len(fields))
		for k, v := range fields {
			if k == "" || strings.ContainsAny(k, "=|") || strings.Contains(v, "|") {
				t.Fatalf("%q read as %q=%q", data, k, v)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pairs := make([]Pair, len(keys))
		for i, k := range keys {
			pairs[i] = Pair{k, fields[k]}
		}
		again, err := ParseData(EncodeData(pairs))
		if err != nil || len(again) != len(fields) {
			t.Fatalf("%q → %v → %v, %v", data, fields, again, err)
		}
		for k, v := range fields {
			if again[k] != v {
				t.Fatalf("%q: %s=%q reads back as %q", data, k, v, again[k])
			}
		}
	})
}

// sealByRule is the documented Paypage POST seal, computed here apart from
// SealPOST: hex SHA-256(Data || key), or hex HMAC-SHA-256(key, Data).
func sealByRule(data, k string, useHMAC bool) string {
	if useHMAC {
		m := hmac.New(sha256.New, []byte(k))
		m.Write([]byte(data))
		return hex.EncodeToString(m.Sum(nil))
	}
	sum := sha256.Sum256([]byte(data + k))
	return hex.EncodeToString(sum[:])
}

// FuzzResponse feeds arbitrary Data, Seal and Encode to the automatic
// response, configured as the published response vectors' merchant: it
// never panics, and an outcome is verified only when Seal is the seal of
// Data by the documented rule with the configured key, about this session.
func FuzzResponse(f *testing.F) {
	const simuMerchant, simuKey, simuRef = "002001000000001", "002001000000001_KEY1", "534654"
	for _, v := range providertest.Load(f, "mercanet") {
		if v.Key != simuKey {
			continue
		}
		var pairs []Pair
		for _, in := range v.Inputs {
			pairs = append(pairs, Pair{in[0], in[1]})
		}
		data := EncodeData(pairs)
		f.Add(data, v.Expected, false, false)
		f.Add(data, strings.ToUpper(v.Expected), false, false)
		f.Add(data, v.Expected, true, false)
		f.Add(strings.Replace(data, "amount=1000", "amount=1", 1), v.Expected, false, false)
		f.Add(data, "", false, false)
		b64 := base64.StdEncoding.EncodeToString([]byte(data))
		f.Add(b64, sealByRule(b64, simuKey, true), true, true)
		f.Add(b64, sealByRule(data, simuKey, true), true, true)
	}
	f.Fuzz(func(t *testing.T, data, seal string, useHMAC, encode bool) {
		cfg := payment.Config{keyMerchantID: simuMerchant, keySecretKey: simuKey, keyKeyVersion: "1", keySealAlgorithm: SealSHA256,
			keyInterfaceVersion: "HP_2.20", keyEnvironment: "simu", keyCaptureMode: CaptureAuthor}
		if useHMAC {
			cfg[keySealAlgorithm] = SealHMACSHA256
		}
		form := url.Values{"Data": {data}, "Seal": {seal}, "InterfaceVersion": {"HP_2.20"}}
		if encode {
			form.Set("Encode", "base64")
		}
		s := payment.Session{ID: "ps_1", Mode: ModeID, Reference: simuRef, Amount: 1000, Currency: "EUR"}
		out, err := New(nil).HandleNotification(context.Background(), payment.CallbackRequest{Session: s, Config: cfg,
			Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(form.Encode())}})
		if err != nil {
			return
		}
		if out.Outcome == nil || !out.Outcome.Verified {
			t.Fatalf("an answered notification without a verified outcome: %+v", out)
		}
		if !strings.EqualFold(seal, sealByRule(data, simuKey, useHMAC)) {
			t.Fatalf("verified Data %q with seal %q", data, seal)
		}
		if out.Outcome.Reference != simuRef {
			t.Fatalf("verified a response about %q", out.Outcome.Reference)
		}
	})
}

// FuzzOfficeAnswer checks the Office answer reader: it never panics, and
// an answer it accepts is a JSON object carrying a seal equal to the seal
// recomputed here, independently, by the documented rule (the values of
// every field but keyVersion, sealAlgorithm and seal, by name, nested
// objects by name, lists in order, numbers as written, null as nothing).
func FuzzOfficeAnswer(f *testing.F) {
	raw, err := os.ReadFile("testdata/office_seals.json")
	if err != nil {
		f.Fatal(err)
	}
	var file struct {
		Key     string `json:"key"`
		Samples []struct {
			Message json.RawMessage `json:"message"`
			Seal    string          `json:"seal"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		f.Fatal(err)
	}
	for _, s := range file.Samples {
		var msg map[string]any
		if err := json.Unmarshal(s.Message, &msg); err != nil {
			f.Fatal(err)
		}
		f.Add(string(s.Message), file.Key) // no seal
		msg["seal"] = s.Seal
		sealed, _ := json.Marshal(msg)
		f.Add(string(sealed), file.Key)
		f.Add(strings.Replace(string(sealed), "978", "979", 1), file.Key) // tampered
		f.Add(string(sealed)+" {}", file.Key)                             // trailing data
	}
	f.Add(`{"responseCode":"00","seal":""}`, "k")
	f.Add(`{"a":{"c":[1,null,true],"b":"x"},"seal":"00"}`, "k")
	f.Fuzz(func(t *testing.T, answer, key string) {
		got, err := verifyOfficeAnswer([]byte(answer), key)
		if err != nil {
			return
		}
		dec := json.NewDecoder(strings.NewReader(answer))
		dec.UseNumber()
		var msg map[string]any
		if err := dec.Decode(&msg); err != nil {
			t.Fatalf("accepted %q: not a JSON object (%v)", answer, err)
		}
		seal, _ := msg["seal"].(string)
		if seal == "" || !strings.EqualFold(seal, officeSealByRule(msg, key)) {
			t.Fatalf("accepted %q: its seal %q is not the one of the rule", answer, seal)
		}
		if _, ok := got.fields["seal"]; ok {
			t.Fatalf("the seal is among the answer's fields: %v", got.fields)
		}
	})
}

// officeSealByRule is the Office seal written again from the sheet, for
// FuzzOfficeAnswer.
func officeSealByRule(msg map[string]any, key string) string {
	var s strings.Builder
	var add func(v any)
	add = func(v any) {
		switch x := v.(type) {
		case string:
			s.WriteString(x)
		case json.Number:
			s.WriteString(string(x))
		case bool:
			fmt.Fprint(&s, x)
		case []any:
			for _, item := range x {
				add(item)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				add(x[k])
			}
		}
	}
	top := map[string]any{}
	for k, v := range msg {
		if k != "seal" && k != "keyVersion" && k != "sealAlgorithm" {
			top[k] = v
		}
	}
	add(top)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(s.String()))
	return hex.EncodeToString(m.Sum(nil))
}
