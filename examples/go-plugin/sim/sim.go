// Package sim simulates the hmacpay provider for tests: it checks a
// payment request the way the provider does and answers with the signed
// return and notification the provider would send.
package sim

import (
	"errors"
	"fmt"
	"net/url"

	"example.com/payhost-plugin-hmacpay"
)

// Provider is the simulated provider, knowing one merchant's key.
type Provider struct {
	MerchantID string
	SecretKey  string
}

// Pay takes the URL the plugin redirected the browser to, checks its
// signature and merchant, and returns the signed answer for status ("paid",
// "refused" or "cancelled"): the query of the return and the body of the
// notification are both this.
func (p Provider) Pay(redirectURL, status, transactionID string) (url.Values, error) {
	u, err := url.Parse(redirectURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	sig := q.Get("signature")
	q.Del("signature")
	if sig != hmacpay.Sign(p.SecretKey, q) {
		return nil, errors.New("sim: bad request signature")
	}
	if q.Get("merchant_id") != p.MerchantID {
		return nil, fmt.Errorf("sim: unknown merchant %q", q.Get("merchant_id"))
	}
	ans := url.Values{
		"reference":      {q.Get("reference")},
		"amount":         {q.Get("amount")},
		"currency":       {q.Get("currency")},
		"status":         {status},
		"transaction_id": {transactionID},
	}
	ans.Set("signature", hmacpay.Sign(p.SecretKey, ans))
	return ans, nil
}
