// Package shop is for shops integrating payhost: it verifies what payhost
// sends them, the signed return redirect and the signed webhooks, with the
// site's webhook secret. It has no dependency beyond the standard library.
//
// Webhook: the header Payhost-Signature is "t=<unix seconds>,v1=<hex>",
// where hex = lowercase hex HMAC-SHA256(secret, t + "." + body) over the raw
// request body. Payhost-Event-Id identifies the event (session and status)
// for deduplication.
//
// Return: the shop's return URL gets session, status, t and
// sig = lowercase hex HMAC-SHA256(secret, t + "." + session + "." + status).
package shop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Headers payhost sets on webhooks.
const (
	SignatureHeader = "Payhost-Signature"
	EventIDHeader   = "Payhost-Event-Id"
)

// Verification errors.
var (
	ErrMalformed = errors.New("payhost signature: malformed")
	ErrSignature = errors.New("payhost signature: does not match")
	ErrTooOld    = errors.New("payhost signature: timestamp outside the tolerance")
)

func mac(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// SignWebhook returns the Payhost-Signature header value for body at time t.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts+"."+string(body))
}

// VerifyWebhook checks a webhook: the signature over the raw body in
// constant time, and the timestamp within tolerance of now (which bounds
// replays). Several v1 values are accepted (secret rotation).
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrMalformed
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrMalformed
	}
	want := mac(secret, ts+"."+string(body))
	match := false
	for _, s := range sigs {
		if hmac.Equal([]byte(want), []byte(strings.ToLower(s))) {
			match = true
		}
	}
	if !match {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(t, 0)); d > tolerance || d < -tolerance {
		return ErrTooOld
	}
	return nil
}

// ReturnParams returns the signed parameters payhost adds to the shop's
// return (or cancel) URL. livemode is false for a test-mode site: such a
// payment moved no money.
func ReturnParams(secret, sessionID, status string, livemode bool, now time.Time) url.Values {
	t := strconv.FormatInt(now.Unix(), 10)
	live := strconv.FormatBool(livemode)
	return url.Values{"session": {sessionID}, "status": {status}, "livemode": {live}, "t": {t},
		"sig": {mac(secret, t+"."+sessionID+"."+status+"."+live)}}
}

// VerifyReturn checks the parameters of a return redirect: the signature
// in constant time and t within maxAge of now. Only then may the shop show
// the status; the webhook remains the record.
func VerifyReturn(secret string, q url.Values, now time.Time, maxAge time.Duration) error {
	t, err := strconv.ParseInt(q.Get("t"), 10, 64)
	if err != nil || q.Get("sig") == "" {
		return ErrMalformed
	}
	live := q.Get("livemode")
	if live != "true" && live != "false" {
		return ErrMalformed
	}
	want := mac(secret, q.Get("t")+"."+q.Get("session")+"."+q.Get("status")+"."+live)
	if !hmac.Equal([]byte(want), []byte(q.Get("sig"))) {
		return ErrSignature
	}
	if age := now.Sub(time.Unix(t, 0)); age > maxAge || age < -maxAge {
		return ErrTooOld
	}
	return nil
}
