package plugin

import (
	"os"
	"os/signal"
	"syscall"
	"time"

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
//
// The plugin's lifetime belongs to the host: SIGTERM and SIGHUP are ignored
// (a signal sent to the host's whole process group, as systemd and a
// terminal do, must not stop a plugin while the host drains its calls; the
// host stops it over the connection when it is done), and the process
// exits by itself when its parent, the host, is gone.
func Serve(p payment.Provider) {
	ServeWithLogger(p, Logger("plugin"))
}

// ServeWithLogger is [Serve] with the logger the plugin also uses itself.
func ServeWithLogger(p payment.Provider, logger hclog.Logger) {
	signal.Ignore(syscall.SIGTERM, syscall.SIGHUP)
	go exitWithParent(logger, os.Getppid(), 250*time.Millisecond)
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

// exitWithParent ends the process once its parent is no longer ppid: the
// host died without stopping its plugins (SIGKILL, crash), and the plugin
// was handed to another parent. On Linux the host also asks the kernel for a
// parent-death signal; this covers the other systems and a host killed
// between fork and exec.
func exitWithParent(logger hclog.Logger, ppid int, every time.Duration) {
	if ppid <= 1 {
		return // started by init or without a parent to watch
	}
	for range time.Tick(every) {
		if os.Getppid() != ppid {
			logger.Warn("the host is gone; exiting", "host_pid", ppid)
			os.Exit(0)
		}
	}
}
