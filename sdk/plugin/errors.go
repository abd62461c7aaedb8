package plugin

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/payhost/payhost/sdk/internal/pluginpb"
	"github.com/payhost/payhost/sdk/payment"
)

// grpcCodes maps SDK codes to the closest gRPC code, so generic gRPC tooling
// reads the status sensibly; the SDK code itself travels in the details.
var grpcCodes = map[payment.Code]codes.Code{
	payment.CodeInvalidRequest:      codes.InvalidArgument,
	payment.CodeInvalidConfig:       codes.FailedPrecondition,
	payment.CodeInvalidSignature:    codes.PermissionDenied,
	payment.CodeUnsupported:         codes.Unimplemented,
	payment.CodeProviderRejected:    codes.FailedPrecondition,
	payment.CodeProviderUnavailable: codes.Unavailable,
	payment.CodeTimeout:             codes.DeadlineExceeded,
	payment.CodePluginUnavailable:   codes.Unavailable,
	payment.CodeInternal:            codes.Internal,
}

// internalMessage is all the host learns of an error that is not a
// *payment.Error; the plugin's own log has the text (see guard).
const internalMessage = "the plugin failed while handling the call"

// toStatus turns a provider error into a gRPC status carrying the SDK code.
// An error that is not a *payment.Error becomes internal: its text may
// contain anything, so only a generic message crosses.
func toStatus(err error) error {
	var pe *payment.Error
	if !errors.As(err, &pe) {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			pe = payment.Errorf(payment.CodeTimeout, "the plugin call timed out")
		case errors.Is(err, context.Canceled):
			pe = payment.Errorf(payment.CodeTimeout, "the plugin call was cancelled")
		default:
			pe = payment.Errorf(payment.CodeInternal, "%s", internalMessage)
		}
	}
	gc, ok := grpcCodes[pe.Code]
	if !ok {
		gc = codes.Unknown
	}
	st := status.New(gc, pe.Message)
	if withDetails, err := st.WithDetails(&pluginpb.Error{Code: string(pe.Code), Message: pe.Message}); err == nil {
		st = withDetails
	}
	return st.Err()
}

// fromStatus turns what the gRPC client returned back into a *payment.Error.
func fromStatus(ctx context.Context, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return &payment.Error{Code: payment.CodePluginUnavailable, Message: "the plugin could not be reached: " + err.Error()}
	}
	for _, d := range st.Details() {
		if e, ok := d.(*pluginpb.Error); ok {
			return &payment.Error{Code: payment.Code(e.GetCode()), Message: e.GetMessage()}
		}
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return &payment.Error{Code: payment.CodeTimeout, Message: "the plugin did not answer in time"}
	case codes.Canceled:
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &payment.Error{Code: payment.CodeTimeout, Message: "the plugin did not answer in time"}
		}
		return &payment.Error{Code: payment.CodePluginUnavailable, Message: "the plugin call was cancelled: " + st.Message()}
	case codes.Unavailable:
		return &payment.Error{Code: payment.CodePluginUnavailable, Message: "the plugin is unavailable: " + st.Message()}
	case codes.Unimplemented:
		return &payment.Error{Code: payment.CodeUnsupported, Message: st.Message()}
	}
	return &payment.Error{Code: payment.CodeInternal, Message: "plugin error: " + st.Message()}
}
