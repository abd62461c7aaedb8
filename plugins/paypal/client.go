package paypal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// client calls PayPal's REST API for one configuration. Tokens are cached
// per (base URL, client id, secret digest) by the Provider, so a restart
// only costs one token request.
type client struct {
	http   *http.Client
	base   string
	id     string
	secret string
	tokens *tokenCache
	now    func() time.Time
}

type token struct {
	value   string
	expires time.Time
}

// tokenCache keeps OAuth2 tokens until shortly before they expire.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]token
}

func (c *client) cacheKey() string {
	sum := sha256.Sum256([]byte(c.secret))
	return c.base + "|" + c.id + "|" + hex.EncodeToString(sum[:8])
}

func (c *client) token(ctx context.Context, renew bool) (string, error) {
	key := c.cacheKey()
	c.tokens.mu.Lock()
	t, ok := c.tokens.tokens[key]
	c.tokens.mu.Unlock()
	if ok && !renew && c.now().Before(t.expires) {
		return t.value, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", payment.Errorf(payment.CodeInvalidConfig, "API URL: %v", err)
	}
	req.SetBasicAuth(c.id, c.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := c.send(req, &out); err != nil {
		if payment.ErrorCode(err) == payment.CodeProviderRejected {
			return "", payment.Errorf(payment.CodeInvalidConfig, "PayPal refused the client credentials")
		}
		return "", err
	}
	if out.AccessToken == "" {
		return "", payment.Errorf(payment.CodeProviderUnavailable, "PayPal returned no access token")
	}
	// Renew a minute early so a token never expires in flight.
	life := time.Duration(out.ExpiresIn)*time.Second - time.Minute
	if life < 0 {
		life = time.Duration(out.ExpiresIn) * time.Second / 2
	}
	c.tokens.mu.Lock()
	c.tokens.tokens[key] = token{value: out.AccessToken, expires: c.now().Add(life)}
	c.tokens.mu.Unlock()
	return out.AccessToken, nil
}

// call sends a JSON request with a bearer token; requestID, when set, is
// PayPal-Request-Id so that a retried call is not executed twice. A 401
// renews the token once.
func (c *client) call(ctx context.Context, method, path, requestID string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return payment.Errorf(payment.CodeInternal, "encoding the request: %v", err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, attempt > 0)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(payload))
		if err != nil {
			return payment.Errorf(payment.CodeInvalidConfig, "API URL: %v", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Prefer", "return=representation")
		if requestID != "" {
			req.Header.Set("PayPal-Request-Id", requestID)
		}
		err = c.send(req, out)
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusUnauthorized && attempt == 0 {
			continue // expired or revoked token: renew once
		}
		return err
	}
}

// apiError is PayPal's error body with its HTTP status.
type apiError struct {
	status  int
	Name    string `json:"name"`
	Message string `json:"message"`
	DebugID string `json:"debug_id"`
	Details []struct {
		Issue       string `json:"issue"`
		Description string `json:"description"`
	} `json:"details"`
	// OAuth errors use another shape.
	OAuthError string `json:"error"`
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "PayPal HTTP %d", e.status)
	if e.Name != "" || e.OAuthError != "" {
		fmt.Fprintf(&b, " %s%s", e.Name, e.OAuthError)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, d := range e.Details {
		fmt.Fprintf(&b, " [%s]", d.Issue)
	}
	if e.DebugID != "" {
		fmt.Fprintf(&b, " (debug_id %s)", e.DebugID)
	}
	return b.String()
}

// issue reports whether PayPal named this issue in the details.
func (e *apiError) issue(name string) bool {
	for _, d := range e.Details {
		if d.Issue == name {
			return true
		}
	}
	return false
}

// send performs the request and decodes a 2xx answer into out. Errors are
// *payment.Error wrapping an *apiError when PayPal answered.
func (c *client) send(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(req.Context().Err(), context.DeadlineExceeded) {
			return payment.Errorf(payment.CodeTimeout, "PayPal did not answer in time")
		}
		return payment.Errorf(payment.CodeProviderUnavailable, "PayPal is unreachable: %v", redactURL(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return payment.Errorf(payment.CodeProviderUnavailable, "reading PayPal's answer: %v", err)
	}
	if resp.StatusCode/100 == 2 {
		if out == nil || len(raw) == 0 {
			return nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return payment.Errorf(payment.CodeProviderUnavailable, "PayPal's answer is not the expected JSON: %v", err)
		}
		return nil
	}
	ae := &apiError{status: resp.StatusCode}
	_ = json.Unmarshal(raw, ae)
	code := payment.CodeProviderRejected
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		code = payment.CodeInvalidConfig
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		code = payment.CodeProviderUnavailable
	}
	return &wrapped{pe: payment.Errorf(code, "%s", ae.Error()), api: ae}
}

// wrapped is a payment.Error that still carries PayPal's answer for
// errors.As inside the plugin; only the payment.Error crosses to the host.
type wrapped struct {
	pe  *payment.Error
	api *apiError
}

func (w *wrapped) Error() string { return w.pe.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{w.pe, w.api}
}

// redactURL keeps a transport error free of query strings.
func redactURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + " " + strings.SplitN(ue.URL, "?", 2)[0] + ": " + ue.Err.Error()
	}
	return err.Error()
}
