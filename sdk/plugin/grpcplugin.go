package plugin

import (
	"context"

	"github.com/hashicorp/go-hclog"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/payhost/payhost/sdk/internal/pluginpb"
	"github.com/payhost/payhost/sdk/payment"
)

// GRPCPlugin is the go-plugin [goplugin.GRPCPlugin] for a provider. Impl is
// set in the plugin process and nil in the host.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	Impl payment.Provider
	// Logger receives panics recovered in the plugin; nil means [Logger].
	Logger hclog.Logger
}

// GRPCServer registers the provider's gRPC service in the plugin process.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	log := p.Logger
	if log == nil {
		log = Logger("plugin")
	}
	pluginpb.RegisterProviderServer(s, &server{impl: p.Impl, log: log})
	return nil
}

// GRPCClient returns a [payment.Provider] that calls the plugin over conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewClient(conn), nil
}
