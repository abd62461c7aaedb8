package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestBadBytesRefused sends NUL bytes and invalid UTF-8 in every place a
// request can carry them to the store (path segments, query, forms, JSON
// strings and keys), on both engines: each is refused with 400
// invalid_input and writes nothing. PostgreSQL cannot store either in a
// text column, so before this check they came back as 500.
func TestBadBytesRefused(t *testing.T) {
	engines(t, func(t *testing.T, o hostOptions) {
		h := startHost(t, o)
		s := h.create("test", 5000)
		paid := h.payForms(s.ID)["paid"].fields
		withField := func(k, v string) url.Values {
			f := url.Values{}
			for name, vs := range paid {
				f[name] = append([]string(nil), vs...)
			}
			f.Set(k, v)
			return f
		}
		// createRaw is a creation body with old replaced by new in its JSON
		// text, so the bytes reach the host exactly as written.
		createRaw := func(old, new string) string {
			b, err := json.Marshal(createReq("test", 5000))
			if err != nil {
				t.Fatal(err)
			}
			out := strings.Replace(string(b), old, new, 1)
			if out == string(b) {
				t.Fatalf("%q not in %s", old, b)
			}
			return out
		}
		eligibility := func(old, new string) string {
			b, _ := json.Marshal(map[string]any{"cart": cart(5000, "EUR", "FR")})
			return strings.Replace(string(b), old, new, 1)
		}
		tests := []struct {
			name, method, path, key string
			body                    any
		}{
			{"pay id NUL", "GET", "/pay/%00", "", nil},
			{"pay id invalid UTF-8", "GET", "/pay/ps_%FF", "", nil},
			{"pay query NUL", "GET", "/pay/" + s.ID + "?x=%00", "", nil},
			{"return id NUL", "POST", "/return/ps_a%00", "", paid},
			{"return query NUL", "GET", "/return/" + s.ID + "?status=paid%00", "", nil},
			{"return form NUL", "POST", "/return/" + s.ID, "", withField("status", "paid\x00")},
			{"notify id NUL", "POST", "/notify/offline/ps_a%00", "", paid},
			{"notify plugin NUL", "POST", "/notify/off%00line", "", paid},
			{"notify plugin invalid UTF-8", "POST", "/notify/%C3%28/" + s.ID, "", paid},
			{"notify form NUL", "POST", "/notify/offline/" + s.ID, "", withField("session", s.ID+"\x00")},
			{"notify form name NUL", "POST", "/notify/offline/" + s.ID, "", withField("x\x00", "1")},
			{"notify raw NUL in body", "POST", "/notify/offline/" + s.ID, "", "status=paid&\x00"},
			{"shop get id NUL", "GET", "/v1/sessions/ps_a%00", siteKey, nil},
			{"shop refund id NUL", "POST", "/v1/sessions/ps_a%00/refund", siteKey, nil},
			{"order_ref NUL", "POST", "/v1/sessions", siteKey, createRaw(`"order-42"`, `"order\u000042"`)},
			{"order_ref invalid UTF-8", "POST", "/v1/sessions", siteKey, createRaw(`"order-42"`, "\"order\xff42\"")},
			{"order_ref unpaired surrogate", "POST", "/v1/sessions", siteKey, createRaw(`"order-42"`, `"order\ud80042"`)},
			{"customer name NUL", "POST", "/v1/sessions", siteKey, createRaw(`"Ada"`, `"A\u0000da"`)},
			{"customer email invalid UTF-8", "POST", "/v1/sessions", siteKey, createRaw(`"ada@example.com"`, "\"ada\xc3@example.com\"")},
			{"return_url NUL", "POST", "/v1/sessions", siteKey, createRaw(`"https://shop.example/cancel"`, `"https://shop.example/c\u0000"`)},
			{"line label NUL", "POST", "/v1/sessions", siteKey, createRaw(`"Thing"`, `"Th\u0000ing"`)},
			{"line sku invalid UTF-8", "POST", "/v1/sessions", siteKey, createRaw(`"SKU-1"`, "\"SKU-\xed\xa0\x80\"")},
			{"mode NUL", "POST", "/v1/sessions", siteKey, createRaw(`"test"`, `"test\u0000"`)},
			{"key NUL", "POST", "/v1/sessions", siteKey, createRaw(`"order_ref"`, `"order_ref\u0000"`)},
			{"eligibility currency NUL", "POST", "/v1/eligibility", siteKey, eligibility(`"EUR"`, `"EU\u0000"`)},
			{"eligibility country invalid UTF-8", "POST", "/v1/eligibility", siteKey, eligibility(`"FR"`, "\"F\x80\"")},
			{"admin list site NUL", "GET", "/admin/v1/sessions?site=%00", adminKey, nil},
			{"admin list status invalid UTF-8", "GET", "/admin/v1/sessions?status=%FF", adminKey, nil},
			{"admin get id NUL", "GET", "/admin/v1/sessions/%00", adminKey, nil},
			{"admin confirm id invalid UTF-8", "POST", "/admin/v1/sessions/ps_%FE/confirm", adminKey, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := h.with(t)
				r := h.expect(h.do(tt.method, tt.path, tt.key, tt.body), http.StatusBadRequest)
				if got := r.errorCode(t); got != "invalid_input" {
					t.Errorf("code = %q, want invalid_input", got)
				}
			})
		}
		// Nothing was written: one session, still pending, with only its
		// creation events.
		var list struct {
			Sessions []sessionJSON `json:"sessions"`
		}
		h.expect(h.do("GET", "/admin/v1/sessions?site=shop", adminKey, nil), http.StatusOK).json(t, &list)
		if len(list.Sessions) != 1 {
			t.Errorf("%d sessions after the bad requests, want 1", len(list.Sessions))
		}
		if got := h.get(s.ID); got.Status != "pending" || len(got.Events) != 2 {
			t.Errorf("session after the bad requests: %s with %d events", got.Status, len(got.Events))
		}
		// Latin-1 bytes in a provider's query stay acceptable (Ogone's
		// ISO-8859-1 pages send them): only the plugin can judge them.
		r := h.do("GET", "/return/"+s.ID+"?NCERROR=%E9", "", nil)
		if r.status != http.StatusSeeOther {
			t.Errorf("a return with a Latin-1 byte answered %d: %s", r.status, r.body)
		}
	})
}

// syncBuffer is a log sink safe for the host's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestUnknownPluginNotification: a notification for a plugin the host does
// not have is 404 with a JSON error, not 503 (which asks the sender to
// retry), and a flood of them is logged as one rate-limited warning, never
// as errors.
func TestUnknownPluginNotification(t *testing.T) {
	logs := &syncBuffer{}
	h := startHost(t, hostOptions{logs: logs})
	for i := 0; i < 40; i++ {
		path := "/notify/nope"
		if i%2 == 1 {
			path = "/notify/mercanet/ps_aaaaaaaaaaaaaaaaaaaaaaaaaa" // not in this host's plugin directory
		}
		r := h.expect(h.do("POST", path, "", url.Values{"status": {"paid"}}), http.StatusNotFound)
		if got := r.errorCode(t); got != "unknown_plugin" {
			t.Fatalf("code = %q, want unknown_plugin", got)
		}
		if r.header.Get("Retry-After") != "" {
			t.Fatalf("Retry-After %q on a 404", r.header.Get("Retry-After"))
		}
	}
	h.expect(h.do("GET", "/notify/nope", "", nil), http.StatusNotFound)
	// A known plugin still answers as before.
	s := h.create("test", 1000)
	h.expect(h.do("POST", "/notify/offline/"+s.ID, "", h.payForms(s.ID)["paid"].fields), http.StatusOK)

	out := logs.String()
	if n := strings.Count(out, "[ERROR]"); n != 0 {
		t.Errorf("%d error lines:\n%s", n, out)
	}
	if n := strings.Count(out, "unknown plugin"); n < 1 || n > 3 {
		t.Errorf("%d warnings for 41 unknown-plugin notifications in about a second, want 1 to 3:\n%s", n, out)
	}
}

// TestStrictJSON: the shop API takes exactly one JSON value, declared as
// such, with each key once and spelled exactly as documented; a wrong
// method on a known path is 405 with Allow.
func TestStrictJSON(t *testing.T) {
	h := startHost(t, hostOptions{})
	good, err := json.Marshal(createReq("test", 3490))
	if err != nil {
		t.Fatal(err)
	}
	body := string(good)
	replace := func(old, new string) string {
		out := strings.Replace(body, old, new, 1)
		if out == body {
			t.Fatalf("%q not in %s", old, body)
		}
		return out
	}
	json415 := []string{"Content-Type", "text/plain"}
	tests := []struct {
		name    string
		path    string
		body    string
		headers []string
		status  int
		code    string
	}{
		{"trailing value", "/v1/sessions", body + ` {}`, nil, 400, "invalid_json"},
		{"trailing brace", "/v1/sessions", body + `}`, nil, 400, "invalid_json"},
		{"trailing garbage", "/v1/sessions", body + `x`, nil, 400, "invalid_json"},
		{"duplicate total_amount", "/v1/sessions", replace(`"total_amount":3490`, `"total_amount":1,"total_amount":3490`), nil, 400, "invalid_json"},
		{"duplicate mode", "/v1/sessions", replace(`"mode":"test"`, `"mode":"cheque","mode":"test"`), nil, 400, "invalid_json"},
		{"key in capitals", "/v1/sessions", replace(`"mode"`, `"MODE"`), nil, 400, "invalid_json"},
		{"nested key in another case", "/v1/sessions", replace(`"email"`, `"Email"`), nil, 400, "invalid_json"},
		{"line key in another case", "/v1/sessions", replace(`"unit_amount"`, `"Unit_Amount"`), nil, 400, "invalid_json"},
		{"unknown line key", "/v1/sessions", replace(`"tax_rate"`, `"vat_rate"`), nil, 400, "invalid_json"},
		{"text/plain", "/v1/sessions", body, json415, 415, "unsupported_media_type"},
		{"form content type", "/v1/sessions", body, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
		{"no content type", "/v1/sessions", body, []string{"Content-Type", ""}, 415, "unsupported_media_type"},
		{"another charset", "/v1/sessions", body, []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415, "unsupported_media_type"},
		{"eligibility as text/plain", "/v1/eligibility", `{"cart":` + mustJSON(t, cart(100, "EUR", "FR")) + `}`, json415, 415, "unsupported_media_type"},
		{"eligibility duplicate explain", "/v1/eligibility", `{"explain":false,"cart":` + mustJSON(t, cart(100, "EUR", "FR")) + `,"explain":true}`, nil, 400, "invalid_json"},
		{"utf-8 charset accepted", "/v1/sessions", body, []string{"Content-Type", "application/json; charset=UTF-8"}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.with(t)
			r := h.expect(h.do("POST", tt.path, siteKey, tt.body, tt.headers...), tt.status)
			if tt.code != "" {
				if got := r.errorCode(t); got != tt.code {
					t.Errorf("code = %q, want %q", got, tt.code)
				}
			}
		})
	}
	t.Run("refund body as text/plain", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 1000)
		r := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, `{"amount":100}`, json415...), http.StatusUnsupportedMediaType)
		if got := r.errorCode(t); got != "unsupported_media_type" {
			t.Errorf("code = %q", got)
		}
	})

	methods := []struct {
		method, path, allow string
	}{
		{"PUT", "/v1/sessions", "POST"},
		{"GET", "/v1/sessions", "POST"},
		{"DELETE", "/v1/sessions/ps_aaaaaaaaaaaaaaaaaaaaaaaaaa", "GET, HEAD"},
		{"GET", "/v1/sessions/ps_aaaaaaaaaaaaaaaaaaaaaaaaaa/refund", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
		{"PATCH", "/notify/offline", "GET, HEAD, POST"},
		{"GET", "/admin/v1/sessions/ps_aaaaaaaaaaaaaaaaaaaaaaaaaa/confirm", "POST"},
	}
	for _, tt := range methods {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			h := h.with(t)
			r := h.expect(h.do(tt.method, tt.path, siteKey, nil), http.StatusMethodNotAllowed)
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if got := r.errorCode(t); got != "method_not_allowed" {
				t.Errorf("code = %q", got)
			}
		})
	}
	h.expect(h.do("PUT", "/v2/nothing", siteKey, nil), http.StatusNotFound)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
