package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/payhost/payhost/host/internal/session"
)

// hasDuplicateKey reports whether a JSON value has a duplicate key in any
// object (by exact name), read with a plain token walk.
func hasDuplicateKey(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		keys   map[string]bool
		object bool
		expect bool // next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				if top != nil && top.object {
					top.expect = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, object: true, expect: true})
				continue
			case '[':
				if top != nil && top.object {
					top.expect = true
				}
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
				continue
			}
		case string:
			if top != nil && top.object && top.expect {
				if top.keys[v] {
					return true
				}
				top.keys[v] = true
				top.expect = false
				continue
			}
		}
		if top != nil && top.object {
			top.expect = true
		}
	}
}

// FuzzCreateRequest feeds arbitrary bodies to the strict decoder of the
// session creation request, then to the cart check. Nothing panics; what
// the decoder accepts is valid UTF-8 JSON with no duplicate key and no NUL
// in any string, decodes the same with encoding/json, and survives a round
// trip; a cart the check accepts has the total of its lines and shipping,
// computed here with big integers, within int64.
func FuzzCreateRequest(f *testing.F) {
	good := `{"mode":"test","order_ref":"order-42","cart":{"type":"web","currency":"EUR","country":"FR","lines":[{"sku":"SKU-1","label":"Thing","quantity":2,"unit_amount":1500,"tax_rate":2000}],"shipping_amount":490,"total_amount":3490},"customer":{"email":"ada@example.com","name":"Ada","locale":"fr-FR"},"return_url":"https://shop.example/return","cancel_url":"https://shop.example/cancel"}`
	for _, s := range []string{
		good,
		good + " {}",
		strings.Replace(good, `"total_amount":3490`, `"total_amount":1,"total_amount":3490`, 1),
		strings.Replace(good, `"mode"`, `"MODE"`, 1),
		strings.Replace(good, `"Ada"`, `"A\u0000da"`, 1),
		strings.Replace(good, `"Ada"`, "\"A\xffda\"", 1),
		strings.Replace(good, `"quantity":2`, `"quantity":9223372036854775807`, 1),
		strings.Replace(good, `"unit_amount":1500`, `"unit_amount":-1`, 1),
		`{"cart":{"lines":[{},{}]}}`, `null`, `[]`, `{"mode":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if req, ok := checkStrict[createRequest](t, raw); ok {
			checkCartTotal(t, req.Cart)
		}
	})
}

// FuzzCheckoutRequest: the checkout creation request, through its own wire
// type, holds to what FuzzCreateRequest checks.
func FuzzCheckoutRequest(f *testing.F) {
	good := `{"order_ref":"order-42","cart":{"type":"web","currency":"EUR","country":"FR","lines":[{"sku":"SKU-1","label":"Thing","quantity":2,"unit_amount":1500,"tax_rate":2000}],"shipping_amount":490,"total_amount":3490},"customer":{"email":"ada@example.com","name":"Ada","locale":"fr-FR"},"return_url":"https://shop.example/return","cancel_url":"https://shop.example/cancel","expires_in":3600}`
	for _, s := range []string{
		good,
		good + "x",
		strings.Replace(good, `"expires_in":3600`, `"expires_in":3600,"expires_in":1`, 1),
		strings.Replace(good, `"order_ref"`, `"Order_Ref"`, 1),
		strings.Replace(good, `"Ada"`, `"A\ud800da"`, 1),
		strings.Replace(good, `"Ada"`, "\"A\xffda\"", 1),
		strings.Replace(good, `"expires_in":3600`, `"expires_in":1e3`, 1),
		`{"mode":"test"}`, `{}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if req, ok := checkStrict[checkoutRequest](t, raw); ok {
			checkCartTotal(t, req.Cart)
		}
	})
}

// checkStrict decodes raw strictly into a T and, when it is accepted,
// checks it: valid UTF-8 JSON with no duplicate key, read the same by
// encoding/json, surviving a round trip, no NUL, no U+FFFD the client did
// not send.
func checkStrict[T any](t *testing.T, raw []byte) (T, bool) {
	var req T
	if err := unmarshalStrict(raw, &req); err != nil {
		return req, false
	}
	if !utf8.Valid(raw) || !json.Valid(raw) {
		t.Fatalf("accepted %q: not valid UTF-8 JSON", raw)
	}
	if hasDuplicateKey(raw) {
		t.Fatalf("accepted %q with a duplicate key", raw)
	}
	var plain T
	if err := json.Unmarshal(raw, &plain); err != nil || !reflect.DeepEqual(plain, req) {
		t.Fatalf("accepted %q as %+v; encoding/json reads %+v, %v", raw, req, plain, err)
	}
	again, _ := json.Marshal(req)
	var back T
	if err := unmarshalStrict(again, &back); err != nil || !reflect.DeepEqual(back, req) {
		t.Fatalf("%+v → %s → %+v, %v", req, again, back, err)
	}
	if strings.ContainsRune(string(again), 0) || strings.Contains(string(again), `\u0000`) {
		t.Fatalf("accepted a NUL: %q", raw)
	}
	// A replacement character the client did not send is data changed
	// silently (an unpaired surrogate escape decodes to it).
	if strings.ContainsRune(string(again), utf8.RuneError) && !strings.ContainsRune(string(raw), utf8.RuneError) &&
		!strings.Contains(strings.ToLower(string(raw)), `\ufffd`) {
		t.Fatalf("accepted %q, read as U+FFFD", raw)
	}
	return req, true
}

// checkCartTotal: a cart the check accepts has the total of its lines and
// shipping, computed here with big integers, within int64.
func checkCartTotal(t *testing.T, c cartRequest) {
	cart, err := session.CheckCart(c.input())
	if err != nil {
		return
	}
	total := big.NewInt(c.ShippingAmount)
	for _, l := range c.Lines {
		if l.Quantity <= 0 || l.UnitAmount < 0 {
			t.Fatalf("accepted line %+v", l)
		}
		total.Add(total, new(big.Int).Mul(big.NewInt(l.Quantity), big.NewInt(l.UnitAmount)))
	}
	if !total.IsInt64() || total.Int64() != cart.TotalAmount || cart.TotalAmount < 0 {
		t.Fatalf("cart %+v: total %d, by big integers %s", c, cart.TotalAmount, total)
	}
	if c.TotalAmount != nil && *c.TotalAmount != cart.TotalAmount {
		t.Fatalf("accepted total_amount %d for a total of %d", *c.TotalAmount, cart.TotalAmount)
	}
}

// TestHasDuplicateKey checks the fuzz target's own oracle.
func TestHasDuplicateKey(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"a":1,"b":{"a":2}}`:           false,
		`{"a":1,"a":2}`:                 true,
		`{"a":{"b":1,"b":2}}`:           true,
		`{"a":[{"b":1},{"b":2}],"c":3}`: false,
		`{"a":["a","a"],"b":"a"}`:       false,
		`[{"x":1,"y":{"x":2},"x":3}]`:   true,
	} {
		if got := hasDuplicateKey([]byte(raw)); got != want {
			t.Errorf("hasDuplicateKey(%s) = %v", raw, got)
		}
	}
}

func TestSurrogateEscapes(t *testing.T) {
	tests := []struct {
		body string
		ok   bool
	}{
		{`{"order_ref":"A\ud83d\ude00"}`, true}, // a pair: U+1F600
		{`{"order_ref":"A\uD83D\uDE00B"}`, true},
		{`{"order_ref":"\u00e9\\ud800"}`, true}, // an escaped backslash, then text
		{`{"order_ref":"A\ud800"}`, false},
		{`{"order_ref":"A\udc00"}`, false},
		{`{"order_ref":"A\ud800\u0041"}`, false},
		{`{"order_ref":"A\ud800x"}`, false},
		{`{"order_ref\udfff":"A"}`, false},
		{`{"order_ref":"A\ud83d\ud83d"}`, false},
	}
	for _, tc := range tests {
		err := checkSurrogates([]byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.body, err)
		}
		var ie *inputError
		if err != nil && (!errors.As(err, &ie) || ie.code != codeInvalidInput) {
			t.Errorf("%s: %v is not an invalid_input error", tc.body, err)
		}
	}
	var req createRequest
	if err := unmarshalStrict([]byte(`{"order_ref":"A\ud800"}`), &req); err == nil {
		t.Errorf("accepted an unpaired surrogate as %q", req.OrderRef)
	}
}
