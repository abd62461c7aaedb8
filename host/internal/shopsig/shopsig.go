// Package shopsig signs what the host sends to a shop (the return redirect's
// parameters, webhooks) with the site's webhook secret, so the shop can trust
// it. The algorithms are documented in the README.
package shopsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"
)

// ReturnParams returns the query parameters added to the shop's return or
// cancel URL: session, status, t (unix seconds) and
// sig = hex(HMAC-SHA256(secret, t + "." + session + "." + status)).
func ReturnParams(secret, sessionID, status string, now time.Time) url.Values {
	t := strconv.FormatInt(now.Unix(), 10)
	return url.Values{
		"session": {sessionID},
		"status":  {status},
		"t":       {t},
		"sig":     {sign(secret, t+"."+sessionID+"."+status)},
	}
}

// VerifyReturn checks return parameters as a shop would: the signature in
// constant time and the timestamp no older than maxAge.
func VerifyReturn(secret string, q url.Values, now time.Time, maxAge time.Duration) bool {
	t, err := strconv.ParseInt(q.Get("t"), 10, 64)
	if err != nil {
		return false
	}
	if age := now.Sub(time.Unix(t, 0)); age > maxAge || age < -maxAge {
		return false
	}
	want := sign(secret, q.Get("t")+"."+q.Get("session")+"."+q.Get("status"))
	return hmac.Equal([]byte(want), []byte(q.Get("sig")))
}

// AppendReturnParams adds the signed parameters to a shop URL, keeping the
// shop's own query parameters.
func AppendReturnParams(shopURL string, params url.Values) (string, error) {
	u, err := url.Parse(shopURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func sign(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}
