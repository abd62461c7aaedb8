package pluginmgr

import (
	"context"

	"github.com/payhost/payhost/sdk/payment"
)

// managed wraps a plugin's provider: it fails fast while the plugin is down
// and bounds every call by the manager's call timeout.
type managed struct{ p *proc }

var _ payment.Provider = (*managed)(nil)

func call[Req, Resp any](ctx context.Context, m *managed, req Req, f func(payment.Provider, context.Context, Req) (Resp, error)) (Resp, error) {
	var zero Resp
	prov := m.p.live()
	if prov == nil {
		return zero, payment.Errorf(payment.CodePluginUnavailable, "plugin %s is not running (restarting)", m.p.name)
	}
	ctx, cancel := context.WithTimeout(ctx, m.p.m.opts.CallTimeout)
	defer cancel()
	resp, err := f(prov, ctx, req)
	if payment.ErrorCode(err) == payment.CodePluginUnavailable {
		m.p.markDown()
	}
	return resp, err
}

func (m *managed) Describe(ctx context.Context, req payment.DescribeRequest) (payment.DescribeResponse, error) {
	return call(ctx, m, req, payment.Provider.Describe)
}

func (m *managed) ValidateConfig(ctx context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	return call(ctx, m, req, payment.Provider.ValidateConfig)
}

func (m *managed) Begin(ctx context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	return call(ctx, m, req, payment.Provider.Begin)
}

func (m *managed) IdentifyCallback(ctx context.Context, req payment.IdentifyCallbackRequest) (payment.IdentifyCallbackResponse, error) {
	return call(ctx, m, req, payment.Provider.IdentifyCallback)
}

func (m *managed) HandleReturn(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	return call(ctx, m, req, payment.Provider.HandleReturn)
}

func (m *managed) HandleNotification(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	return call(ctx, m, req, payment.Provider.HandleNotification)
}

func (m *managed) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	return call(ctx, m, req, payment.Provider.Refund)
}

func (m *managed) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	return call(ctx, m, req, payment.Provider.Capture)
}

func (m *managed) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	return call(ctx, m, req, payment.Provider.Cancel)
}

func (m *managed) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	return call(ctx, m, req, payment.Provider.Query)
}
