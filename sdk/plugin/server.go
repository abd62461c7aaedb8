package plugin

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/payhost/payhost/sdk/internal/pluginpb"
	"github.com/payhost/payhost/sdk/payment"
)

// server adapts a payment.Provider to the generated gRPC service. A panic in
// the provider becomes an internal error for that one call instead of
// killing the plugin process and every call in flight with it.
type server struct {
	pluginpb.UnimplementedProviderServer
	impl payment.Provider
	log  hclog.Logger
}

func guard[T any](ctx context.Context, log hclog.Logger, call func(context.Context) (T, error)) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic in provider call", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = toStatus(payment.Errorf(payment.CodeInternal, "%s", internalMessage))
		}
	}()
	out, err = call(ctx)
	if err == nil {
		if m, ok := any(out).(proto.Message); ok && !validUTF8(m.ProtoReflect()) {
			// Protobuf cannot carry it: the call would fail as a transport
			// error (a 5xx at the host). Such text comes from the request
			// (a provider's callback read as it arrived), so the request is
			// what is refused.
			var zero T
			return zero, toStatus(payment.Errorf(payment.CodeInvalidRequest, "the request holds text that is not valid UTF-8"))
		}
	}
	if err != nil {
		var pe *payment.Error
		if !errors.As(err, &pe) && ctx.Err() == nil {
			// Only a generic message crosses: the text of an arbitrary
			// error may hold anything, a configuration value included.
			log.Error("provider call failed", "error", err.Error())
		}
		err = toStatus(err)
	}
	return out, err
}

func (s *server) Describe(ctx context.Context, _ *pluginpb.DescribeRequest) (*pluginpb.DescribeResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.DescribeResponse, error) {
		resp, err := s.impl.Describe(ctx, payment.DescribeRequest{})
		if err != nil {
			return nil, err
		}
		return describeToPB(resp), nil
	})
}

func (s *server) ValidateConfig(ctx context.Context, req *pluginpb.ValidateConfigRequest) (*pluginpb.ValidateConfigResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.ValidateConfigResponse, error) {
		resp, err := s.impl.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: req.GetMode(), Config: configFromPB(req.GetConfig()), TestMode: req.GetTestMode()})
		if err != nil {
			return nil, err
		}
		return validateConfigToPB(resp), nil
	})
}

func (s *server) Begin(ctx context.Context, req *pluginpb.BeginRequest) (*pluginpb.BeginResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.BeginResponse, error) {
		resp, err := s.impl.Begin(ctx, payment.BeginRequest{Session: sessionFromPB(req.GetSession()), Config: configFromPB(req.GetConfig())})
		if err != nil {
			return nil, err
		}
		return beginToPB(resp), nil
	})
}

func (s *server) IdentifyCallback(ctx context.Context, req *pluginpb.IdentifyCallbackRequest) (*pluginpb.IdentifyCallbackResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.IdentifyCallbackResponse, error) {
		resp, err := s.impl.IdentifyCallback(ctx, payment.IdentifyCallbackRequest{Request: httpRequestFromPB(req.GetRequest())})
		if err != nil {
			return nil, err
		}
		return &pluginpb.IdentifyCallbackResponse{SessionId: resp.SessionID, Reference: resp.Reference}, nil
	})
}

func (s *server) HandleReturn(ctx context.Context, req *pluginpb.CallbackRequest) (*pluginpb.CallbackResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.CallbackResponse, error) {
		resp, err := s.impl.HandleReturn(ctx, callbackFromPBReq(req))
		if err != nil {
			return nil, err
		}
		return callbackToPBResp(resp), nil
	})
}

func (s *server) HandleNotification(ctx context.Context, req *pluginpb.CallbackRequest) (*pluginpb.CallbackResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.CallbackResponse, error) {
		resp, err := s.impl.HandleNotification(ctx, callbackFromPBReq(req))
		if err != nil {
			return nil, err
		}
		return callbackToPBResp(resp), nil
	})
}

func (s *server) Refund(ctx context.Context, req *pluginpb.RefundRequest) (*pluginpb.OperationResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.OperationResponse, error) {
		resp, err := s.impl.Refund(ctx, refundFromPB(req))
		if err != nil {
			return nil, err
		}
		return operationToPB(resp), nil
	})
}

func (s *server) Capture(ctx context.Context, req *pluginpb.CaptureRequest) (*pluginpb.OperationResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.OperationResponse, error) {
		resp, err := s.impl.Capture(ctx, captureFromPB(req))
		if err != nil {
			return nil, err
		}
		return operationToPB(resp), nil
	})
}

func (s *server) Cancel(ctx context.Context, req *pluginpb.CancelRequest) (*pluginpb.OperationResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.OperationResponse, error) {
		resp, err := s.impl.Cancel(ctx, cancelFromPB(req))
		if err != nil {
			return nil, err
		}
		return operationToPB(resp), nil
	})
}

func (s *server) Query(ctx context.Context, req *pluginpb.QueryRequest) (*pluginpb.QueryResponse, error) {
	return guard(ctx, s.log, func(ctx context.Context) (*pluginpb.QueryResponse, error) {
		resp, err := s.impl.Query(ctx, payment.QueryRequest{Session: sessionFromPB(req.GetSession()), Config: configFromPB(req.GetConfig())})
		if err != nil {
			return nil, err
		}
		o := resp.Outcome
		return &pluginpb.QueryResponse{Outcome: outcomeToPB(&o)}, nil
	})
}

// validUTF8 reports whether every string in m, nested messages, lists and
// maps included, is valid UTF-8, as protobuf requires of string fields.
func validUTF8(m protoreflect.Message) bool {
	ok := true
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && ok; i++ {
				ok = validValue(fd, l.Get(i))
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				if fd.MapKey().Kind() == protoreflect.StringKind && !utf8.ValidString(k.String()) {
					ok = false
					return false
				}
				ok = validValue(fd.MapValue(), mv)
				return ok
			})
		default:
			ok = validValue(fd, v)
		}
		return ok
	})
	return ok
}

func validValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return utf8.ValidString(v.String())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return validUTF8(v.Message())
	}
	return true
}
