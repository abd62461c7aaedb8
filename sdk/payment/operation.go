package payment

// RefundRequest refunds Amount (minor units) of a paid session.
type RefundRequest struct {
	Session Session
	Config  Config
	// OperationID is the host's id for this refund; use it as the
	// provider's idempotency key so a retry never refunds twice.
	OperationID string
	Amount      int64
	OperationHistory
}

// CaptureRequest captures Amount of an authorized session.
type CaptureRequest struct {
	Session     Session
	Config      Config
	OperationID string
	Amount      int64
	OperationHistory
}

// CancelRequest cancels a session at the provider.
type CancelRequest struct {
	Session     Session
	Config      Config
	OperationID string
	OperationHistory
}

// OperationHistory is what the host knows around an operation, for
// providers without idempotency keys: before sending again an operation
// whose earlier answer was lost, such a plugin looks at the payment's
// operations at the provider and sends only when the earlier attempt is
// provably absent.
type OperationHistory struct {
	// Attempt is 1 on the host's first call for this operation and grows
	// each time it asks again: an earlier call timed out, crashed or
	// answered pending. From 2 on, an earlier call may have been applied
	// at the provider although its answer never arrived.
	Attempt int
	// ProviderOperationID is what an earlier call of this operation
	// answered (a pending refund's id), if any.
	ProviderOperationID string
	// Operations are the session's other operations as the host knows
	// them, so a plugin can tell which of the provider's records are
	// already accounted for.
	Operations []OperationRecord
}

// OperationRecord is one operation of a session as the host knows it.
type OperationRecord struct {
	ID string
	// Kind is "refund", "capture" or "cancel".
	Kind   string
	Amount int64
	// Status is the host's view: "requested", "pending", "succeeded",
	// "failed" or "unknown" (no answer came).
	Status              string
	ProviderOperationID string
}

// OperationStatus is the state of a refund, capture or cancel at the provider.
type OperationStatus string

const (
	OperationSucceeded OperationStatus = "succeeded"
	OperationPending   OperationStatus = "pending"
	OperationFailed    OperationStatus = "failed"
	// OperationUnknown: the provider answered without saying whether the
	// operation happened (an uncertain or undocumented status). The host
	// asks again later, as after a timeout; it is never a success.
	OperationUnknown OperationStatus = "unknown"
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
