package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/payhost/payhost/host/internal/httpapi"
)

var (
	specOnce sync.Once
	spec     validator.Validator
	specErr  error
)

// apiValidator loads the served OpenAPI document once.
func apiValidator(t testing.TB) validator.Validator {
	t.Helper()
	specOnce.Do(func() {
		doc, err := libopenapi.NewDocument(httpapi.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			specErr = fmt.Errorf("%v", errs)
			return
		}
		if ok, verrs := v.ValidateDocument(); !ok {
			specErr = fmt.Errorf("the OpenAPI document is invalid: %v", describe(verrs))
			return
		}
		spec = v
	})
	if specErr != nil {
		t.Fatalf("OpenAPI: %v", specErr)
	}
	return spec
}

func describe[E interface{ Error() string }](errs []E) string {
	var parts []string
	for _, e := range errs {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "; ")
}

// checkAgainstSpec validates one exchange of the end-to-end suite against
// the OpenAPI document: the response always (error bodies included), the
// request when the host accepted it (the suite also sends requests that
// are wrong on purpose).
func checkAgainstSpec(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	p := req.URL.Path
	if !strings.HasPrefix(p, "/v1/") && !strings.HasPrefix(p, "/admin/v1/") && p != "/healthz" && p != "/readyz" {
		return
	}
	v := apiValidator(t)
	r, _ := http.NewRequest(req.Method, req.URL.String(), bytes.NewReader(reqBody))
	r.Header = req.Header.Clone()
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: r}
	if status/100 == 2 {
		if ok, errs := v.ValidateHttpRequest(r); !ok {
			t.Errorf("OpenAPI: %s %s: request does not match the spec: %s", req.Method, p, describe(errs))
		}
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	if status == http.StatusMethodNotAllowed {
		// The spec has no operation for the method refused; the answer must
		// be an error of each operation it allows instead.
		for _, m := range strings.Split(header.Get("Allow"), ", ") {
			if m == http.MethodHead {
				continue
			}
			r.Method = m
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if ok, errs := v.ValidateHttpResponse(r, resp); !ok {
				t.Errorf("OpenAPI: %s %s → 405 (Allow: %s): not an answer of %s %s in the spec: %s\n%s", req.Method, p, header.Get("Allow"), m, p, describe(errs), body)
			}
		}
		return
	}
	if ok, errs := v.ValidateHttpResponse(r, resp); !ok {
		t.Errorf("OpenAPI: %s %s → %d: response does not match the spec: %s\n%s", req.Method, p, status, describe(errs), body)
	}
}

// TestOpenAPICatchesUndocumentedFields shows the check bites: a session
// with a field the spec does not list is refused.
func TestOpenAPICatchesUndocumentedFields(t *testing.T) {
	h := startHost(t, hostOptions{})
	s := h.create("test", 1000)
	good := h.expect(h.do("GET", "/v1/sessions/"+s.ID, siteKey, nil), http.StatusOK)
	v := apiValidator(t)
	req, _ := http.NewRequest("GET", h.base+"/v1/sessions/"+s.ID, nil)
	req.Header.Set("Authorization", "Bearer "+siteKey)
	bad := bytes.Replace(good.body, []byte(`"id":`), []byte(`"internal_note":"oops","id":`), 1)
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(bad)), Request: req}
	ok, errs := v.ValidateHttpResponse(req, resp)
	if ok {
		t.Fatal("a response with an undocumented field passed the OpenAPI check")
	}
	t.Logf("refused as expected: %s", describe(errs))
	resp.Body = io.NopCloser(bytes.NewReader(good.body))
	if ok, errs := v.ValidateHttpResponse(req, resp); !ok {
		t.Errorf("the real response fails: %s", describe(errs))
	}
	served := h.expect(h.do("GET", "/openapi.yaml", "", nil), http.StatusOK)
	if !bytes.Equal(served.body, httpapi.OpenAPI) || !strings.Contains(served.header.Get("Content-Type"), "yaml") {
		t.Error("/openapi.yaml does not serve the document")
	}
}
