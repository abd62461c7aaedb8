package payment

import "context"

// Provider is what a payment plugin implements. The host calls it through
// gRPC; tests may call an implementation in-process.
//
// Required: Describe, ValidateConfig, Begin, HandleReturn, HandleNotification.
// Optional (embed [Unimplemented] for the ones a provider lacks, and leave the
// matching [Capabilities] flag false): IdentifyCallback, Refund, Capture,
// Cancel, Query.
//
// A refused payment is not an error: it is an [Outcome] with [StatusRefused].
// An error means no trustworthy answer could be obtained; use [*Error] with a
// [Code] so the host can tell a bad signature from an unreachable provider.
type Provider interface {
	// Describe names the plugin and lists its modes. It must not depend on
	// configuration and is called once per plugin start.
	Describe(ctx context.Context, req DescribeRequest) (DescribeResponse, error)
	// ValidateConfig reports every problem of a mode's configuration, so the
	// host refuses a bad configuration at start-up.
	ValidateConfig(ctx context.Context, req ValidateConfigRequest) (ValidateConfigResponse, error)
	// Begin starts a payment: it builds the provider's signed form, calls the
	// provider's API, returns instructions, or settles at once.
	Begin(ctx context.Context, req BeginRequest) (BeginResponse, error)
	// IdentifyCallback tells which session an incoming request is about when
	// its URL does not (a static notification URL). The answer is not
	// verified; the host then calls HandleReturn or HandleNotification with
	// that session, which verifies.
	IdentifyCallback(ctx context.Context, req IdentifyCallbackRequest) (IdentifyCallbackResponse, error)
	// HandleReturn verifies the customer's browser coming back from the
	// provider. Only a provider-signed return whose signature verifies may
	// carry a settling outcome (set Outcome.Verified).
	HandleReturn(ctx context.Context, req CallbackRequest) (CallbackResponse, error)
	// HandleNotification verifies the provider's server-to-server
	// notification, which is authoritative.
	HandleNotification(ctx context.Context, req CallbackRequest) (CallbackResponse, error)
	// Refund refunds all or part of a paid session.
	Refund(ctx context.Context, req RefundRequest) (OperationResponse, error)
	// Capture captures all or part of an authorized session.
	Capture(ctx context.Context, req CaptureRequest) (OperationResponse, error)
	// Cancel cancels a pending or authorized session at the provider.
	Cancel(ctx context.Context, req CancelRequest) (OperationResponse, error)
	// Query asks the provider for the current state of a session
	// (reconciliation when a notification never came).
	Query(ctx context.Context, req QueryRequest) (QueryResponse, error)
}

// Unimplemented answers [CodeUnsupported] for every optional method. Embed it
// in a provider and implement only what the provider supports.
type Unimplemented struct{}

// IdentifyCallback reports that the provider always puts the session in the URL.
func (Unimplemented) IdentifyCallback(context.Context, IdentifyCallbackRequest) (IdentifyCallbackResponse, error) {
	return IdentifyCallbackResponse{}, Errorf(CodeUnsupported, "identify callback is not supported")
}

// Refund reports that refunds are not supported.
func (Unimplemented) Refund(context.Context, RefundRequest) (OperationResponse, error) {
	return OperationResponse{}, Errorf(CodeUnsupported, "refund is not supported")
}

// Capture reports that captures are not supported.
func (Unimplemented) Capture(context.Context, CaptureRequest) (OperationResponse, error) {
	return OperationResponse{}, Errorf(CodeUnsupported, "capture is not supported")
}

// Cancel reports that cancellation is not supported.
func (Unimplemented) Cancel(context.Context, CancelRequest) (OperationResponse, error) {
	return OperationResponse{}, Errorf(CodeUnsupported, "cancel is not supported")
}

// Query reports that status queries are not supported.
func (Unimplemented) Query(context.Context, QueryRequest) (QueryResponse, error) {
	return QueryResponse{}, Errorf(CodeUnsupported, "query is not supported")
}
