package pluginmgr

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

// instance is one running plugin process.
type instance struct {
	sha      string
	client   *goplugin.Client
	cmd      *exec.Cmd
	rpc      goplugin.ClientProtocol
	provider payment.Provider
	desc     payment.DescribeResponse
	started  time.Time
	inflight atomic.Int64
}

// permanentError marks a launch failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

func isPermanent(err error) bool {
	var pe permanentError
	return errors.As(err, &pe)
}

// launch starts the binary at path (go-plugin checks its SHA-256 right
// before running it), dispenses the provider and checks Describe, all
// within StartTimeout. On failure the process is killed with its whole
// process group, so a wrapper whose child holds the output pipe cannot
// block the host. knownGood says this very binary (same SHA-256) already
// answered Describe: a restart, whose failures are mostly transient.
func (m *Manager) launch(ctx context.Context, name, path, sha string, knownGood bool, log hclog.Logger) (*instance, error) {
	sum, err := hex.DecodeString(sha)
	if err != nil || len(sum) == 0 {
		return nil, permanent(fmt.Errorf("checksum %q: unreadable binary", sha))
	}
	ctx, cancel := context.WithTimeout(ctx, m.opts.StartTimeout)
	defer cancel()
	cfg := plugin.ClientConfig(plugin.ClientOptions{
		Path: path, SHA256: sum, StartTimeout: m.opts.StartTimeout, Logger: log,
	})
	inst := &instance{sha: sha, client: goplugin.NewClient(cfg), cmd: cfg.Cmd, started: time.Now()}
	fail := func(err error) (*instance, error) {
		inst.kill()
		return nil, err
	}
	// go-plugin gives up the handshake after StartTimeout by itself; the
	// group kill in fail then frees the output pipe a left-over child may
	// hold.
	rpc, err := inst.client.Client()
	if err != nil {
		return fail(classifyStart(path, err, knownGood))
	}
	inst.rpc = rpc
	prov, err := plugin.Dispense(rpc)
	if err != nil {
		return fail(permanent(fmt.Errorf("plugin protocol: %w", err)))
	}
	desc, err := prov.Describe(ctx, payment.DescribeRequest{})
	if err != nil {
		if ctx.Err() != nil {
			return fail(fmt.Errorf("describe: not answered within the start timeout %s", m.opts.StartTimeout))
		}
		return fail(fmt.Errorf("describe: %w", err))
	}
	if err := checkDescribe(name, desc); err != nil {
		return fail(permanent(err))
	}
	inst.provider, inst.desc = prov, desc
	return inst, nil
}

// classifyStart tells a binary that can never work (changed since it was
// verified, not a payhost plugin, another protocol) from a failure worth
// retrying. When knownGood, the same binary already answered Describe, so
// only a checksum mismatch or another protocol is permanent: a wrapper that
// failed once, or a plugin that died before its handshake, must be retried.
func classifyStart(path string, err error, knownGood bool) error {
	msg := err.Error()
	lower := strings.ToLower(msg)
	switch {
	case errors.Is(err, goplugin.ErrChecksumsDoNotMatch):
		return permanent(errors.New("the binary changed since it was verified (checksum mismatch): check it, pin it and reload"))
	// go-plugin spells these in lower case ("incompatible core API version").
	case strings.Contains(lower, "incompatible api version"),
		strings.Contains(lower, "incompatible core api version"),
		strings.Contains(lower, "unsupported plugin protocol"):
		return permanent(fmt.Errorf("%s speaks another plugin protocol: %w", path, err))
	case knownGood:
		// Anything else, on a restart of a binary that worked: retry.
	// go-plugin says "Unrecognized remote plugin message" also when stdout
	// closed without a line ("Failed to read any lines"), which is what a
	// plugin dying before its handshake produces: only a line that is not a
	// handshake shows a binary that is not a plugin.
	case strings.Contains(msg, "Unrecognized remote plugin message") &&
		!strings.Contains(msg, "Failed to read any lines"),
		strings.Contains(msg, "exec format error"),
		strings.Contains(msg, "permission denied"):
		return permanent(fmt.Errorf("%s is not a payhost plugin: %w", path, err))
	}
	return fmt.Errorf("starting %s: %w", path, err)
}

// kill ends the process and its group at once.
func (i *instance) kill() {
	killGroup(i.cmd)
	i.client.Kill()
}

// stop waits for the calls in flight (at most drain), asks the plugin to
// exit over its connection, and kills whatever is left of its group.
func (i *instance) stop(drain time.Duration) {
	deadline := time.Now().Add(drain)
	for i.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	i.client.Kill()
	killGroup(i.cmd)
}

func checkDescribe(name string, d payment.DescribeResponse) error {
	if d.ProtocolVersion != payment.ProtocolVersion {
		return fmt.Errorf("speaks SDK protocol %d, the host speaks %d", d.ProtocolVersion, payment.ProtocolVersion)
	}
	if d.Name != name {
		return fmt.Errorf("describes itself as %q but its file is named %s%s", d.Name, Prefix, name)
	}
	// The same rules the conformance runner (sdk/plugincheck) reports.
	if problems := payment.DescribeProblems(d); len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func sameModes(a, b payment.DescribeResponse) bool {
	if len(a.Modes) != len(b.Modes) {
		return false
	}
	for i := range a.Modes {
		if a.Modes[i].ID != b.Modes[i].ID || a.Modes[i].Kind != b.Modes[i].Kind {
			return false
		}
	}
	return true
}
