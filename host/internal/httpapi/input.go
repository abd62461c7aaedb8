package httpapi

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// checkURL refuses, before any routing, the bytes no endpoint accepts in a
// URL and PostgreSQL cannot store: NUL and other control characters or
// invalid UTF-8 in the path, NUL in the query, and invalid UTF-8 in the
// query except on provider callbacks (an ISO-8859-1 provider page sends its
// return parameters in that charset; only the plugin can read them).
func checkURL(r *http.Request) *inputError {
	p := r.URL.Path
	if !utf8.ValidString(p) {
		return invalidInput("the URL path is not valid UTF-8")
	}
	if strings.ContainsFunc(p, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return invalidInput("the URL path holds a control character")
	}
	provider := strings.HasPrefix(p, "/return/") || strings.HasPrefix(p, "/notify/")
	for name, value := range queryPairs(r.URL.RawQuery) {
		if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
			return invalidInput("the query string holds a NUL character")
		}
		if !provider && (!utf8.ValidString(name) || !utf8.ValidString(value)) {
			return invalidInput("the query string is not valid UTF-8")
		}
	}
	return nil
}

// queryPairs yields the decoded names and values of a query string or form
// body; a pair that does not decode is skipped (its reader refuses it).
func queryPairs(raw string) func(yield func(name, value string) bool) {
	return func(yield func(name, value string) bool) {
		for raw != "" {
			var pair string
			pair, raw, _ = strings.Cut(raw, "&")
			k, v, _ := strings.Cut(pair, "=")
			name, err1 := url.QueryUnescape(k)
			value, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				continue
			}
			if !yield(name, value) {
				return
			}
		}
	}
}

// checkProviderBody refuses NUL in a provider callback's body: as a raw
// byte, in a decoded form field, or in a JSON string. Other bytes are left
// to the plugin, which knows the provider's charset.
func checkProviderBody(contentType string, body []byte) *inputError {
	if bytes.IndexByte(body, 0) >= 0 {
		return invalidInput("the request body holds a NUL byte")
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		for name, value := range queryPairs(string(body)) {
			if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(value, 0) >= 0 {
				return invalidInput("a form field holds a NUL character")
			}
		}
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		dec := json.NewDecoder(bytes.NewReader(body))
		for {
			tok, err := dec.Token()
			if err != nil {
				// The end, or not JSON after all: the plugin judges it.
				return nil
			}
			if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
				return invalidInput("a JSON string holds a NUL character")
			}
		}
	}
	return nil
}
