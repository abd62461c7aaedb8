package payment

import (
	"net/url"
	"reflect"
	"testing"
)

// FuzzForm checks HTTPRequest.Form against url.ParseQuery on each part:
// nothing panics; the parameters are the query's, followed by the body's
// when (and only when) it is a form; and the result encodes and reads back
// the same.
func FuzzForm(f *testing.F) {
	for _, s := range [][3]string{
		{"/return/ps_1?a=1&b=2", "a=3&c=%C3%A9", "application/x-www-form-urlencoded"},
		{"/notify/x", "vads_amount=1524&signature=abc%2B%2F%3D", "application/x-www-form-urlencoded; charset=utf-8"},
		{"/notify/x?SHASIGN=AB", "{\"id\":1}", "application/json"},
		{"/r?%zz=1", "", ""},
		{"/r", "a=%", "application/x-www-form-urlencoded"},
		{"/r?a=1;b=2", "x=1", "APPLICATION/X-WWW-FORM-URLENCODED"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, rawURL, body, contentType string) {
		r := HTTPRequest{Method: "POST", URL: rawURL, Body: []byte(body), Header: map[string][]string{"Content-Type": {contentType}}}
		got, err := r.Form()
		if err != nil {
			return
		}
		u, uerr := url.Parse(rawURL)
		if uerr != nil {
			t.Fatalf("Form accepted an unparsable URL %q", rawURL)
		}
		want, qerr := url.ParseQuery(u.RawQuery)
		if qerr != nil {
			t.Fatalf("Form accepted an unparsable query %q", u.RawQuery)
		}
		if body != "" && isFormContentType(contentType) {
			b, berr := url.ParseQuery(body)
			if berr != nil {
				t.Fatalf("Form accepted an unparsable body %q", body)
			}
			for k, vs := range b {
				want[k] = append(want[k], vs...)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Form(%q, %q, %q) = %v, want %v", rawURL, body, contentType, got, want)
		}
		back, err := url.ParseQuery(got.Encode())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Fatalf("%v encodes as %q, read back as %v, %v", got, got.Encode(), back, err)
		}
	})
}
