package payment

import "net/url"

// HTTPRequest is an incoming HTTP request (a browser return or a provider
// notification) as the host received it. Body holds the raw bytes: verify
// signatures over them, never over a re-encoding.
type HTTPRequest struct {
	Method string
	// URL is the full request URL as received, query string included.
	URL        string
	Header     map[string][]string
	Body       []byte
	RemoteAddr string
}

// Query parses the URL's query string.
func (r HTTPRequest) Query() (url.Values, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	return url.ParseQuery(u.RawQuery)
}

// HeaderValue returns the first value of a header, case-insensitively.
func (r HTTPRequest) HeaderValue(name string) string {
	for k, v := range r.Header {
		if len(v) > 0 && equalFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// Form returns the parameters of the request: the query string, plus the body
// when it is application/x-www-form-urlencoded. Body values come after query
// values of the same name.
func (r HTTPRequest) Form() (url.Values, error) {
	q, err := r.Query()
	if err != nil {
		return nil, err
	}
	if len(r.Body) > 0 && isFormContentType(r.HeaderValue("Content-Type")) {
		b, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return nil, err
		}
		for k, vs := range b {
			q[k] = append(q[k], vs...)
		}
	}
	return q, nil
}

// HTTPResponse is the exact answer the host gives a provider, after it has
// committed the outcome.
type HTTPResponse struct {
	StatusCode int
	Header     map[string][]string
	Body       []byte
}

// IdentifyCallbackRequest carries a request whose URL does not name the session.
type IdentifyCallbackRequest struct {
	Request HTTPRequest
}

// IdentifyCallbackResponse names the session, by host session id when the
// provider echoes it, or by the reference the host generated.
type IdentifyCallbackResponse struct {
	SessionID string
	Reference string
}

// CallbackRequest carries a return or a notification for a known session.
type CallbackRequest struct {
	Session Session
	Config  Config
	Request HTTPRequest
}

// CallbackResponse is a verified reading of a return or notification.
type CallbackResponse struct {
	// Outcome is nil when the request carries nothing to record (a return
	// without parameters).
	Outcome *Outcome
	// Response is what the host answers the provider once the outcome is
	// committed. Zero means 200 with an empty body.
	Response HTTPResponse
}

// Outcome is what a provider says about a payment.
//
// A refund the provider reports (StatusRefunded or
// StatusPartiallyRefunded, e.g. a PayPal PAYMENT.CAPTURE.REFUNDED webhook)
// describes that one refund: Amount and Currency are the refund's, and
// ProviderTransactionID is the provider's id of the refund, which the host
// matches with the refund operations it made, so that a refund is never
// counted twice and one made at the provider is recorded once.
type Outcome struct {
	Status Status
	// Verified is true only when the provider signed this data and the
	// signature verified. An unverified outcome never moves a session to a
	// success state.
	Verified bool
	// Amount (minor units), Currency (ISO 4217 alphabetic) and Reference
	// are as the provider stated them; the host checks them against the
	// session. Leave empty only when the provider's message has no such field.
	Amount                int64
	Currency              string
	Reference             string
	ProviderTransactionID string
	AuthorizationCode     string
	ResponseCode          string
	ResponseMessage       string
	ThreeDS               ThreeDS
	// Payload is the message's fields with secrets removed, for the event log.
	Payload map[string]string
}

// ThreeDS is the 3-D Secure result as the provider reports it.
type ThreeDS struct {
	Status string
	ECI    string
}
