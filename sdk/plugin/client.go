package plugin

import (
	"context"
	"crypto/sha256"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/payhost/payhost/sdk/internal/pluginpb"
	"github.com/payhost/payhost/sdk/payment"
)

// ClientOptions configure how the host launches one plugin binary.
type ClientOptions struct {
	// Path of the executable.
	Path string
	// SHA256 of the binary as checked by the host; go-plugin checks it again
	// right before executing, so a file swapped after the check is refused.
	SHA256 []byte
	// StartTimeout bounds the handshake.
	StartTimeout time.Duration
	// Logger receives the plugin's log lines.
	Logger hclog.Logger
}

// ClientConfig returns the go-plugin configuration the host uses to launch a
// plugin: gRPC only, AutoMTLS, the SHA-256 check, and an empty environment
// (SkipHostEnv) so the host's secrets never reach a plugin. On Unix the
// plugin runs in a process group of its own (its pid is the group id: the
// host kills the group to stop whatever the plugin started) and, on Linux,
// dies with the host (parent-death signal).
func ClientConfig(o ClientOptions) *goplugin.ClientConfig {
	cmd := exec.Command(o.Path)
	cmd.SysProcAttr = sysProcAttr()
	cfg := &goplugin.ClientConfig{
		HandshakeConfig:  Handshake(),
		VersionedPlugins: VersionedPlugins(nil),
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     o.StartTimeout,
		Logger:           o.Logger,
		GRPCDialOptions:  localDialOptions(),
	}
	if o.SHA256 != nil {
		cfg.SecureConfig = &goplugin.SecureConfig{Checksum: o.SHA256, Hash: sha256.New()}
	}
	return cfg
}

// Dispense returns the provider served by a started go-plugin client.
func Dispense(c goplugin.ClientProtocol) (payment.Provider, error) {
	raw, err := c.Dispense(Name)
	if err != nil {
		return nil, err
	}
	p, ok := raw.(payment.Provider)
	if !ok {
		return nil, payment.Errorf(payment.CodeInternal, "plugin dispensed %T, not a provider", raw)
	}
	return p, nil
}

// Client is a [payment.Provider] that forwards every call over gRPC.
type Client struct {
	rpc pluginpb.ProviderClient
}

var _ payment.Provider = (*Client)(nil)

// NewClient returns a provider calling the plugin behind conn.
func NewClient(conn grpc.ClientConnInterface) *Client {
	return &Client{rpc: pluginpb.NewProviderClient(conn)}
}

// Describe implements [payment.Provider].
func (c *Client) Describe(ctx context.Context, _ payment.DescribeRequest) (payment.DescribeResponse, error) {
	resp, err := c.rpc.Describe(ctx, &pluginpb.DescribeRequest{})
	if err != nil {
		return payment.DescribeResponse{}, fromStatus(ctx, err)
	}
	return describeFromPB(resp), nil
}

// ValidateConfig implements [payment.Provider].
func (c *Client) ValidateConfig(ctx context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	resp, err := c.rpc.ValidateConfig(ctx, &pluginpb.ValidateConfigRequest{Mode: req.Mode, Config: req.Config, TestMode: req.TestMode})
	if err != nil {
		return payment.ValidateConfigResponse{}, fromStatus(ctx, err)
	}
	return validateConfigFromPB(resp), nil
}

// Begin implements [payment.Provider].
func (c *Client) Begin(ctx context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	resp, err := c.rpc.Begin(ctx, &pluginpb.BeginRequest{Session: sessionToPB(req.Session), Config: req.Config})
	if err != nil {
		return payment.BeginResponse{}, fromStatus(ctx, err)
	}
	return beginFromPB(resp), nil
}

// IdentifyCallback implements [payment.Provider].
func (c *Client) IdentifyCallback(ctx context.Context, req payment.IdentifyCallbackRequest) (payment.IdentifyCallbackResponse, error) {
	resp, err := c.rpc.IdentifyCallback(ctx, &pluginpb.IdentifyCallbackRequest{Request: httpRequestToPB(req.Request)})
	if err != nil {
		return payment.IdentifyCallbackResponse{}, fromStatus(ctx, err)
	}
	return payment.IdentifyCallbackResponse{SessionID: resp.GetSessionId(), Reference: resp.GetReference()}, nil
}

// HandleReturn implements [payment.Provider].
func (c *Client) HandleReturn(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	resp, err := c.rpc.HandleReturn(ctx, callbackToPB(req))
	if err != nil {
		return payment.CallbackResponse{}, fromStatus(ctx, err)
	}
	return callbackFromPB(resp), nil
}

// HandleNotification implements [payment.Provider].
func (c *Client) HandleNotification(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	resp, err := c.rpc.HandleNotification(ctx, callbackToPB(req))
	if err != nil {
		return payment.CallbackResponse{}, fromStatus(ctx, err)
	}
	return callbackFromPB(resp), nil
}

// Refund implements [payment.Provider].
func (c *Client) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	resp, err := c.rpc.Refund(ctx, refundToPB(req))
	if err != nil {
		return payment.OperationResponse{}, fromStatus(ctx, err)
	}
	return operationFromPB(resp), nil
}

// Capture implements [payment.Provider].
func (c *Client) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	resp, err := c.rpc.Capture(ctx, captureToPB(req))
	if err != nil {
		return payment.OperationResponse{}, fromStatus(ctx, err)
	}
	return operationFromPB(resp), nil
}

// Cancel implements [payment.Provider].
func (c *Client) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	resp, err := c.rpc.Cancel(ctx, cancelToPB(req))
	if err != nil {
		return payment.OperationResponse{}, fromStatus(ctx, err)
	}
	return operationFromPB(resp), nil
}

// Query implements [payment.Provider].
func (c *Client) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	resp, err := c.rpc.Query(ctx, &pluginpb.QueryRequest{Session: sessionToPB(req.Session), Config: req.Config})
	if err != nil {
		return payment.QueryResponse{}, fromStatus(ctx, err)
	}
	out := payment.QueryResponse{}
	if o := outcomeFromPB(resp.GetOutcome()); o != nil {
		out.Outcome = *o
	}
	return out, nil
}
