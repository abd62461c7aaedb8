// Package shopsig signs what the host sends to a shop (the return redirect's
// parameters, webhooks) with the site's webhook secret, so the shop can trust
// it. The algorithms are documented in the README.
package shopsig

import (
	"net/url"
	"time"

	"github.com/payhost/payhost/sdk/shop"
)

// ReturnParams returns the query parameters added to the shop's return or
// cancel URL (see sdk/shop for the rule shops verify).
func ReturnParams(secret, sessionID, status string, livemode bool, now time.Time) url.Values {
	return shop.ReturnParams(secret, sessionID, status, livemode, now)
}

// VerifyReturn checks return parameters as a shop would.
func VerifyReturn(secret string, q url.Values, now time.Time, maxAge time.Duration) bool {
	return shop.VerifyReturn(secret, q, now, maxAge) == nil
}

// Webhook returns the Payhost-Signature header of a webhook body.
func Webhook(secret string, now time.Time, body []byte) string {
	return shop.SignWebhook(secret, now, body)
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
