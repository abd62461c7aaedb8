package payment

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// NewHTTPRequest captures an incoming request as a plugin sees it: the
// method, the URL as the caller used it (publicBase, such as
// "https://pay.example.com", followed by r's path and query: behind a
// proxy r.URL has no scheme or host), a copy of the headers, the body's raw
// bytes and the remote address. It reads r.Body to the end; limit it first
// with [http.MaxBytesReader] (the error then wraps [*http.MaxBytesError]).
// The host builds every return and notification with it, and so can a
// third-party host or a plugin's test.
func NewHTTPRequest(r *http.Request, publicBase string) (HTTPRequest, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return HTTPRequest{}, fmt.Errorf("reading the request body: %w", err)
		}
		body = b
	}
	return HTTPRequest{
		Method:     r.Method,
		URL:        strings.TrimSuffix(publicBase, "/") + r.URL.RequestURI(),
		Header:     r.Header.Clone(),
		Body:       body,
		RemoteAddr: r.RemoteAddr,
	}, nil
}

// HTTP returns the request as an *http.Request, so a plugin can use the
// standard library on it (ParseForm, Cookie, a provider SDK's verifier). Its
// body reads Body's bytes; the original stays unchanged.
func (r HTTPRequest) HTTP(ctx context.Context) (*http.Request, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", Errorf(CodeInvalidRequest, "unusable request URL"), err)
	}
	req.Header = http.Header(r.Header).Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.RemoteAddr = r.RemoteAddr
	req.RequestURI = ""
	return req, nil
}
