package plugin

import (
	"os"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/payhost/payhost/sdk/payment"
)

// Logger returns the logger a plugin should use: JSON lines on stderr, which
// go-plugin forwards into the host's log with the plugin's name. Never log
// configuration values: they include merchant secrets.
func Logger(name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:       name,
		Level:      hclog.Trace, // the host's logger decides what is kept
		Output:     os.Stderr,
		JSONFormat: true,
	})
}

// Serve runs p as a payhost plugin and returns when the host disconnects.
// It is meant to be the whole of a plugin's main function. Run by hand
// (without the host's handshake), the binary prints a short explanation and
// exits.
func Serve(p payment.Provider) {
	ServeWithLogger(p, Logger("plugin"))
}

// ServeWithLogger is [Serve] with the logger the plugin also uses itself.
func ServeWithLogger(p payment.Provider, logger hclog.Logger) {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake(),
		VersionedPlugins: map[int]goplugin.PluginSet{
			payment.ProtocolVersion: {Name: &GRPCPlugin{Impl: p, Logger: logger}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return goplugin.DefaultGRPCServer(append(opts, localServerOptions()...))
		},
		Logger: logger,
	})
}
