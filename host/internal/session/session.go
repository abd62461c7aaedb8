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
	// CheckoutID names the checkout the buyer picked this session's mode
	// on; "" for a session the shop created directly.
	CheckoutID string
	// Action is what /pay shows, from the plugin's Begin.
	Action                *Action
	ProviderTransactionID string
	ProviderData          map[string]string
	CreatedAt             time.Time
	UpdatedAt             time.Time
	ExpiresAt             time.Time
	// Version increases by one on every stored update.
	Version int64
	// CapturedAmount is what a capture took (0 until captured: the full
	// amount is then refundable); RefundedAmount what refunds returned.
	CapturedAmount int64
	RefundedAmount int64
	// NextCheckAt is when the janitor looks at the session again (expiry
	// or a Query); CheckAttempts counts its queries.
	NextCheckAt   time.Time
	CheckAttempts int
	// NeedsAttention marks a session an operator must look at: the
	// provider reported it paid or authorized after it was closed
	// (cancelled, expired, refused, failed). Cleared by the operator.
	NeedsAttention bool
	// Operations are loaded by Store.UpdateSession, inside its transaction,
	// for the update function to decide on; they are not stored through
	// this field (see Change.Operations). Nil elsewhere.
	Operations []Operation
}

// Refundable is what may still be refunded.
func (s *Session) Refundable() int64 {
	base := s.Amount
	if s.CapturedAmount > 0 {
		base = s.CapturedAmount
	}
	return base - s.RefundedAmount
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
	// Attempts made so far (set by ClaimOutbox).
	Attempts int
	// Delivered and GivenUp are set once the message is done.
	DeliveredAt time.Time
	GivenUpAt   time.Time
}

// OperationKind is what an operation asks the provider.
type OperationKind string

// Operation kinds.
const (
	OperationRefund  OperationKind = "refund"
	OperationCapture OperationKind = "capture"
	OperationCancel  OperationKind = "cancel"
)

// OperationStatus is an operation's state. Unknown means the plugin never
// answered (timeout, crash): the janitor asks again, with the same id.
type OperationStatus string

// Operation states.
const (
	OperationRequested OperationStatus = "requested"
	OperationPending   OperationStatus = "pending"
	OperationSucceeded OperationStatus = "succeeded"
	OperationFailed    OperationStatus = "failed"
	OperationUnknown   OperationStatus = "unknown"
)

// Operation is a refund, capture or cancellation of a session.
type Operation struct {
	// ID is "op_" + random; the plugin uses it as the provider's
	// idempotency key.
	ID                  string
	SessionID           string
	SiteID              string
	Kind                OperationKind
	Amount              int64
	Status              OperationStatus
	ProviderOperationID string
	ResponseCode        string
	ResponseMessage     string
	// IdempotencyKey is the shop's Idempotency-Key, if it sent one.
	IdempotencyKey string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	NextCheckAt    time.Time
	CheckAttempts  int
}

// Open reports whether the operation may still change.
func (o *Operation) Open() bool {
	return o.Status == OperationRequested || o.Status == OperationPending || o.Status == OperationUnknown
}

// Delivery is one attempt to deliver an outbox message to the shop.
type Delivery struct {
	ID         int64
	OutboxID   int64
	EventID    string
	SessionID  string
	At         time.Time
	StatusCode int // 0 when no HTTP answer came
	Latency    time.Duration
	// Response is the start of the answer's body; Error the transport error.
	Response string
	Error    string
}

// DeliveryResult is an attempt and what follows it: Delivered marks the
// message done; otherwise Next is its next attempt, or, when zero, the
// message is given up.
type DeliveryResult struct {
	Delivery  Delivery
	Delivered bool
	Next      time.Time
}
