package payment

// RefundRequest refunds Amount (minor units) of a paid session.
type RefundRequest struct {
	Session Session
	Config  Config
	// OperationID is the host's id for this refund; use it as the
	// provider's idempotency key so a retry never refunds twice.
	OperationID string
	Amount      int64
	// Retry is true when the host asks again about an operation whose
	// earlier attempt has an unknown outcome (timeout, lost answer, crash):
	// the provider may have applied it. A provider without idempotency keys
	// must look at the payment's operations before sending it again.
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
)

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
