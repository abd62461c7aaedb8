// Package session owns payment sessions: their data, the state machine that
// decides every transition, and the service that orchestrates plugins and
// storage around them.
package session

import (
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// Status is a session's state. See transition.go for the allowed moves.
type Status string

// The session states of design §4.
const (
	StatusCreated           Status = "created"
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

// Session is one payment attempt for one cart in one mode.
type Session struct {
	// ID is "ps_" followed by at least 128 random bits.
	ID       string
	SiteID   string
	Mode     string
	Plugin   string
	Kind     payment.Kind
	Status   Status
	Amount   int64 // minor units
	Currency string
	Country  string
	CartType string
	OrderRef string
	// Reference is the provider reference; unique per (SiteID, Mode,
	// ReferenceScope).
	Reference string
	// ReferenceScope is "" for references unique forever and the UTC day
	// ("2006-01-02") for daily sequences.
	ReferenceScope string
	Cart           Cart
	Customer       payment.Customer
	ReturnURL      string
	CancelURL      string
	// Action is what /pay shows, from the plugin's Begin.
	Action                *Action
	ProviderTransactionID string
	ProviderData          map[string]string
	CreatedAt             time.Time
	UpdatedAt             time.Time
	ExpiresAt             time.Time
	// Version increases by one on every stored update.
	Version int64
}

// Cart is the shop's cart as submitted (amounts in minor units, tax included).
type Cart struct {
	Type           string `json:"type"`
	Currency       string `json:"currency"`
	Country        string `json:"country"`
	Lines          []Line `json:"lines"`
	ShippingAmount int64  `json:"shipping_amount"`
	TotalAmount    int64  `json:"total_amount"`
}

// Line is one cart line.
type Line struct {
	SKU        string `json:"sku"`
	Label      string `json:"label"`
	Quantity   int64  `json:"quantity"`
	UnitAmount int64  `json:"unit_amount"`
	TaxRate    int64  `json:"tax_rate"`
}

// Action is what the customer's browser does on /pay/{id}.
type Action struct {
	Form         *payment.Form         `json:"form,omitempty"`
	RedirectURL  string                `json:"redirect_url,omitempty"`
	Choices      []payment.Form        `json:"choices,omitempty"`
	Instructions *payment.Instructions `json:"instructions,omitempty"`
}

// Source says who caused an event.
type Source string

// Event sources.
const (
	SourceAPI          Source = "api"
	SourceReturn       Source = "return"
	SourceNotification Source = "notification"
	SourceOperator     Source = "operator"
	SourceJanitor      Source = "janitor"
)

// Result says what became of an attempted change.
type Result string

// Event results.
const (
	// ResultApplied: the transition was made.
	ResultApplied Result = "applied"
	// ResultDuplicate: the session already was in that state; nothing changed.
	ResultDuplicate Result = "duplicate"
	// ResultRejected: the transition or message was refused (not allowed,
	// mismatch, bad signature); nothing changed.
	ResultRejected Result = "rejected"
	// ResultRecorded: information kept without a transition (an unsigned
	// return, a provider message with no state).
	ResultRecorded Result = "recorded"
)

// Event is one entry of a session's timeline. Every attempted transition
// writes one, whatever its result.
type Event struct {
	ID        int64
	SessionID string
	Time      time.Time
	Source    Source
	Result    Result
	From      Status
	To        Status
	// Reason is a machine-readable code for rejected and recorded events
	// (amount_mismatch, invalid_signature, transition_not_allowed...).
	Reason                string
	ProviderTransactionID string
	ProviderCode          string
	ProviderMessage       string
	AuthorizationCode     string
	// Payload is the provider message with secrets removed.
	Payload map[string]string
}

// OutboxMessage is a webhook to the shop, queued in the transaction that
// made the state change it reports.
type OutboxMessage struct {
	ID int64
	// EventID is stable per session and status (sessionID + ":" + status),
	// so the shop can dedupe; inserting an existing EventID is a no-op.
	EventID   string
	SessionID string
	SiteID    string
	Status    Status
	// Payload is the JSON body to POST.
	Payload   []byte
	CreatedAt time.Time
}
