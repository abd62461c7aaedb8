package payment

// RefundRequest refunds Amount (minor units) of a paid session.
type RefundRequest struct {
	Session Session
	Config  Config
	// OperationID is the host's id for this refund; use it as the
	// provider's idempotency key so a retry never refunds twice.
	OperationID string
	Amount      int64
}

// CaptureRequest captures Amount of an authorized session.
type CaptureRequest struct {
	Session     Session
	Config      Config
	OperationID string
	Amount      int64
}

// CancelRequest cancels a session at the provider.
type CancelRequest struct {
	Session     Session
	Config      Config
	OperationID string
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
