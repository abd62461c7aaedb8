package pluginmgr

import (
	"context"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// managed wraps a plugin's provider: every call goes to the plugin's
// current process (counted in flight, so a replaced process drains before it
// stops), fails fast while the plugin is down and is bounded by the
// manager's call timeout.
type managed struct{ p *proc }

var _ payment.Provider = (*managed)(nil)

func call[Req, Resp any](ctx context.Context, m *managed, method string, req Req, f func(payment.Provider, context.Context, Req) (Resp, error)) (resp Resp, err error) {
	start := time.Now()
	defer func() {
		if o := m.p.m.opts.Observer; o != nil {
			outcome := "ok"
			if err != nil {
				outcome = string(payment.ErrorCode(err))
			}
			o.PluginCall(m.p.name, method, outcome, time.Since(start))
		}
	}()
	inst, why := m.p.acquire()
	if inst == nil {
		return resp, payment.Errorf(payment.CodePluginUnavailable, "plugin %s %s", m.p.name, why)
	}
	defer inst.inflight.Add(-1)
	cctx, cancel := context.WithTimeout(ctx, m.p.m.opts.CallTimeout)
	defer cancel()
	resp, err = f(inst.provider, cctx, req)
	// A call the caller gave up on (a client that disconnected) says
	// nothing about the plugin: marking it down would fail everyone's
	// calls until the supervisor's check.
	if payment.ErrorCode(err) == payment.CodePluginUnavailable && ctx.Err() == nil {
		m.p.markDown(inst)
	}
	return resp, err
}
func (m *managed) Describe(ctx context.Context, req payment.DescribeRequest) (payment.DescribeResponse, error) {
	return call(ctx, m, "Describe", req, payment.Provider.Describe)
}

func (m *managed) ValidateConfig(ctx context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	return call(ctx, m, "ValidateConfig", req, payment.Provider.ValidateConfig)
}

func (m *managed) Begin(ctx context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	return call(ctx, m, "Begin", req, payment.Provider.Begin)
}

func (m *managed) IdentifyCallback(ctx context.Context, req payment.IdentifyCallbackRequest) (payment.IdentifyCallbackResponse, error) {
	return call(ctx, m, "IdentifyCallback", req, payment.Provider.IdentifyCallback)
}

func (m *managed) HandleReturn(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	return call(ctx, m, "HandleReturn", req, payment.Provider.HandleReturn)
}

func (m *managed) HandleNotification(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	return call(ctx, m, "HandleNotification", req, payment.Provider.HandleNotification)
}

func (m *managed) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	return call(ctx, m, "Refund", req, payment.Provider.Refund)
}

func (m *managed) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	return call(ctx, m, "Capture", req, payment.Provider.Capture)
}

func (m *managed) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	return call(ctx, m, "Cancel", req, payment.Provider.Cancel)
}

func (m *managed) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	return call(ctx, m, "Query", req, payment.Provider.Query)
}
