package payment_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

func TestHTTPRequestRoundTrip(t *testing.T) {
	body := "Data=amount%3D1000&Seal=ab%FF"
	in := httptest.NewRequest(http.MethodPost, "/notify/mercanet/ps_1?x=1", strings.NewReader(body))
	in.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	in.RemoteAddr = "203.0.113.7:443"

	got, err := payment.NewHTTPRequest(in, "https://pay.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "POST" || got.URL != "https://pay.example.com/notify/mercanet/ps_1?x=1" || string(got.Body) != body ||
		got.HeaderValue("content-type") != "application/x-www-form-urlencoded" || got.RemoteAddr != "203.0.113.7:443" {
		t.Fatalf("captured %+v", got)
	}
	in.Header.Set("Content-Type", "text/plain")
	if got.HeaderValue("Content-Type") != "application/x-www-form-urlencoded" {
		t.Error("the headers are shared with the original request, not copied")
	}

	out, err := got.HTTP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := out.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if out.Form.Get("x") != "1" || out.PostForm.Get("Data") != "amount=1000" || out.Host != "pay.example.com" || out.RemoteAddr != "203.0.113.7:443" {
		t.Errorf("converted back: form %v, host %s", out.Form, out.Host)
	}
	if string(got.Body) != body {
		t.Error("reading the converted request changed the original body")
	}

	if _, err := (payment.HTTPRequest{URL: "://bad"}).HTTP(context.Background()); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("bad URL: %v, want invalid_request", err)
	}
}

func TestNewHTTPRequestBodyLimit(t *testing.T) {
	rec := httptest.NewRecorder()
	in := httptest.NewRequest(http.MethodPost, "/notify/x", strings.NewReader(strings.Repeat("a", 100)))
	in.Body = http.MaxBytesReader(rec, in.Body, 10)
	_, err := payment.NewHTTPRequest(in, "https://pay.example.com")
	var tooLarge *http.MaxBytesError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("over the limit: %v, want a *http.MaxBytesError", err)
	}
}
