package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/payhost/payhost/sdk/payment"
)

// LaunchOptions configure [Launch]. The zero value launches without a
// checksum check, with a 20-second start timeout and a silent logger.
type LaunchOptions struct {
	// SHA256, when set, is the checksum the binary must have; go-plugin
	// checks it right before executing.
	SHA256 []byte
	// StartTimeout bounds the handshake and the first Describe.
	StartTimeout time.Duration
	// Logger receives the plugin's log lines; nil discards them.
	Logger hclog.Logger
}

// Running is a plugin process started by [Launch]: its provider, and Stop.
type Running struct {
	client   *goplugin.Client
	rpc      goplugin.ClientProtocol
	provider payment.Provider
	describe payment.DescribeResponse
}

// Launch starts the plugin binary at path exactly as the payhost host does
// (see [ClientConfig]: gRPC, AutoMTLS, an empty environment, a process group
// of its own), dispenses its provider and calls Describe, all within the
// start timeout or ctx. A third-party host or a test uses it instead of
// handling go-plugin's client by hand; Stop ends the process. On error
// nothing is left running.
func Launch(ctx context.Context, path string, o LaunchOptions) (*Running, error) {
	if o.StartTimeout <= 0 {
		o.StartTimeout = 20 * time.Second
	}
	if o.Logger == nil {
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Off})
	}
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	r := &Running{client: goplugin.NewClient(ClientConfig(ClientOptions{
		Path: path, SHA256: o.SHA256, StartTimeout: o.StartTimeout, Logger: o.Logger,
	}))}
	rpc, err := r.client.Client()
	if err != nil {
		r.client.Kill()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	r.rpc = rpc
	if r.provider, err = Dispense(rpc); err != nil {
		r.client.Kill()
		return nil, fmt.Errorf("dispensing %s: %w", path, err)
	}
	if r.describe, err = r.provider.Describe(ctx, payment.DescribeRequest{}); err != nil {
		r.client.Kill()
		return nil, fmt.Errorf("describe: %w", err)
	}
	return r, nil
}

// Provider is the plugin's provider; every call crosses the process boundary.
func (r *Running) Provider() payment.Provider { return r.provider }

// Describe is what the plugin answered at launch.
func (r *Running) Describe() payment.DescribeResponse { return r.describe }

// ProtocolVersion is the contract version negotiated in the handshake.
func (r *Running) ProtocolVersion() int { return r.client.NegotiatedVersion() }

// Pid is the plugin's process id (0 once it is gone).
func (r *Running) Pid() int {
	if rc := r.client.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Exited reports whether the plugin process has ended.
func (r *Running) Exited() bool { return r.client.Exited() }

// ErrNotStopped is returned by [Running.Shutdown] when the plugin did not
// exit by itself after the host's shutdown request.
var ErrNotStopped = errors.New("the plugin did not exit after the host's shutdown request")

// Shutdown asks the plugin to stop over the connection (go-plugin's
// controller), as the host does when it goes away, and waits until the
// process has exited or ctx is done; then it kills whatever is left. It
// returns [ErrNotStopped] when the plugin had to be killed.
func (r *Running) Shutdown(ctx context.Context) error {
	_ = r.rpc.Close() // the graceful request; the answer does not matter
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !r.client.Exited() {
		select {
		case <-ctx.Done():
			r.client.Kill()
			return ErrNotStopped
		case <-t.C:
		}
	}
	r.client.Kill() // releases the client's resources
	return nil
}

// Stop ends the plugin: a graceful request, then a kill of its process
// group after two seconds. It is safe to call more than once.
func (r *Running) Stop() { r.client.Kill() }
