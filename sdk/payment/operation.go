package payment

// RefundRequest refunds Amount (minor units) of a paid session.
type RefundRequest struct {
	Session Session
	Config  Config
	// OperationID is the host's id for this refund; use it as the
	// provider's idempotency key so a retry never refunds twice.
	OperationID string
	Amount      int64
	// Retry is true when the host asks again about an operation it may
	// already have sent (the janitor, after a timeout, a crash or a pending
	// answer). The provider may have acted on the first attempt: look there
	// before sending anything again (see [Session.Operations]).
	Retry bool
}

// CaptureRequest captures Amount of an authorized session.
type CaptureRequest struct {
	Session     Session
	Config      Config
	OperationID string
	Amount      int64
	// Retry: as in [RefundRequest].
	Retry bool
}

// CancelRequest cancels a session at the provider.
type CancelRequest struct {
	Session     Session
	Config      Config
	OperationID string
	// Retry: as in [RefundRequest].
	Retry bool
}

// OperationStatus is the state of a refund, capture or cancel at the provider.
type OperationStatus string

const (
	OperationSucceeded OperationStatus = "succeeded"
	OperationPending   OperationStatus = "pending"
	OperationFailed    OperationStatus = "failed"
	// OperationUnknown: the provider answered but its answer does not say
	// whether the operation happened (an uncertain or undocumented status).
	// The host asks again later, with Retry set; never a success.
	OperationUnknown OperationStatus = "unknown"
	// OperationRequested is the host's state of an operation it recorded
	// but has no answer for yet; it appears only in [SessionOperation].
	OperationRequested OperationStatus = "requested"
)

// SessionOperation is one refund, capture or cancellation of the session as
// the host knows it, before the current call. Plugins whose provider has no
// idempotency key use them to tell which of the provider's operations are
// already accounted for.
type SessionOperation struct {
	ID string
	// Kind is "refund", "capture" or "cancel".
	Kind   string
	Amount int64
	Status OperationStatus
	// ProviderOperationID is what the plugin returned for it, if anything.
	ProviderOperationID string
}

// OperationResponse is the provider's answer to an operation.
type OperationResponse struct {
	Status              OperationStatus
	ProviderOperationID string
	ResponseCode        string
	ResponseMessage     string
	Payload             map[string]string
}

// QueryRequest asks for a session's state at the provider.
type QueryRequest struct {
	Session Session
	Config  Config
}

// QueryResponse carries the provider's current view of the session.
type QueryResponse struct {
	Outcome Outcome
}
