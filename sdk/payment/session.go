package payment

import "time"

// Config is a mode's configuration for one site: keys of the mode's
// ConfigSchema with secrets already resolved. Defaults are applied by the host.
type Config map[string]string

// Status is a session state as a plugin reports it in an [Outcome].
type Status string

const (
	// StatusUnknown: the message is authentic but says nothing that changes
	// the session (a technical error, an uncertain state). Recorded, not applied.
	StatusUnknown           Status = ""
	StatusPending           Status = "pending"
	StatusAuthorized        Status = "authorized"
	StatusPaid              Status = "paid"
	StatusRefused           Status = "refused"
	StatusCancelled         Status = "cancelled"
	StatusExpired           Status = "expired"
	StatusFailed            Status = "failed"
	StatusPartiallyRefunded Status = "partially_refunded"
	StatusRefunded          Status = "refunded"
)

// Session is the payment session a call is about, as the host knows it.
type Session struct {
	ID     string
	SiteID string
	Mode   string
	// Reference is the provider reference the host generated in the mode's
	// [ReferenceFormat] (Mercanet transactionReference, SystemPay
	// vads_trans_id, Ogone ORDERID...).
	Reference string
	// OrderRef is the shop's order reference.
	OrderRef string
	Amount   int64
	// Currency is the ISO 4217 alphabetic code.
	Currency string
	Country  string
	Customer Customer
	Lines    []Line
	// Status is the host's current state of the session.
	Status    Status
	CreatedAt time.Time
	// TestMode is true when the site is in test mode.
	TestMode bool
	// ProviderTransactionID is the provider's id once known.
	ProviderTransactionID string
	// ProviderData is what Begin asked the host to keep.
	ProviderData map[string]string
	URLs         URLs
}

// Customer is who pays.
type Customer struct {
	Email string
	Name  string
	// Locale is a BCP 47 tag such as "fr-FR" or "en".
	Locale string
}

// Line is one cart line; amounts in minor units, tax included.
type Line struct {
	SKU        string
	Label      string
	Quantity   int64
	UnitAmount int64
	// TaxRate in basis points (2000 = 20 %).
	TaxRate int64
}

// URLs are the host's endpoints for a session, to give to the provider.
type URLs struct {
	// Pay is the host page that starts the payment (/pay/{id}).
	Pay string
	// Return is where the provider sends the browser back (/return/{id}).
	Return string
	// Cancel is where the provider sends a cancelling browser; it is the
	// return URL with cancel=1, handled by HandleReturn.
	Cancel string
	// Notify is the session's notification URL (/notify/{plugin}/{id}).
	Notify string
	// NotifyStatic is the plugin's static notification URL (/notify/{plugin}),
	// for providers configured with one URL in their back office.
	NotifyStatic string
}
