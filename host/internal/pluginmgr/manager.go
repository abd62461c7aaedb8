// Package pluginmgr finds, verifies, launches and supervises the plugin
// processes, and hands the rest of the host a [payment.Provider] per plugin
// whose calls carry a deadline and fail fast while the plugin is down.
package pluginmgr

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

// Options configure a [Manager].
type Options struct {
	Dir    string
	Verify VerifyMode
	// Pins maps plugin names to "sha256:<hex>".
	Pins         map[string]string
	StartTimeout time.Duration // handshake bound; default 10s
	CallTimeout  time.Duration // default deadline of every call; default 15s
	Logger       hclog.Logger
	// Backoff bounds the delay between restarts of a crashed plugin;
	// defaults 200ms doubling up to 30s.
	MinBackoff, MaxBackoff time.Duration
	// Observer, when set, sees every call's outcome and latency.
	Observer Observer
}

// Observer receives plugin call outcomes (metrics). outcome is "ok" or the
// SDK error code.
type Observer interface {
	PluginCall(plugin, method, outcome string, d time.Duration)
}

// ModeInfo is one mode offered by a plugin that described itself.
type ModeInfo struct {
	Plugin  string
	Mode    payment.Mode
	Healthy bool
}

// Info describes one plugin for operators.
type Info struct {
	Name     string   `json:"name"`
	Path     string   `json:"path"`
	SHA256   string   `json:"sha256,omitempty"`
	Pin      string   `json:"pin"`
	Version  string   `json:"version,omitempty"`
	Modes    []string `json:"modes"`
	Healthy  bool     `json:"healthy"`
	Restarts int      `json:"restarts"`
	// Err says why the plugin is not loaded or not running.
	Err string `json:"error,omitempty"`
}

// Manager owns the plugin processes.
type Manager struct {
	opts    Options
	log     hclog.Logger
	mu      sync.RWMutex
	plugins map[string]*proc
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New returns a manager; nothing runs before [Manager.Start].
func New(o Options) *Manager {
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.Verify == "" {
		o.Verify = VerifyStrict
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{opts: o, log: o.Logger, plugins: map[string]*proc{}, ctx: ctx, cancel: cancel}
}

// Start discovers and launches every plugin. A plugin that cannot be trusted
// or started is recorded with its reason (see [Manager.Plugins]) and does
// not stop the others; Start fails only when the directory itself is unsafe
// or unreadable, or the verify mode is unknown.
func (m *Manager) Start(ctx context.Context) error {
	if m.opts.Verify != VerifyStrict && m.opts.Verify != VerifyWarn {
		return fmt.Errorf("plugins.verify: %q is neither strict nor warn", m.opts.Verify)
	}
	bins, err := Discover(m.opts.Dir)
	if err != nil {
		return err
	}
	results := Verify(bins, m.opts.Pins)
	modeOwner := map[string]string{}
	for i, b := range bins {
		p := &proc{name: b.Name, path: b.Path, sha: b.SHA256, pin: results[i].Status, m: m,
			log: m.log.Named(b.Name), wake: make(chan struct{}, 1)}
		m.plugins[b.Name] = p
		if reason := m.refusal(results[i]); reason != "" {
			p.err = reason
			m.log.Error("plugin refused", "plugin", b.Name, "reason", reason)
			continue
		} else if !results[i].OK {
			m.log.Warn("loading an unverified plugin (plugins.verify: warn)", "plugin", b.Name, "problem", results[i].Problem)
		}
		if err := p.launch(ctx); err != nil {
			p.err = err.Error()
			m.log.Error("plugin did not start", "plugin", b.Name, "error", err)
			continue
		}
		for _, mode := range p.desc.Modes {
			if owner, dup := modeOwner[mode.ID]; dup {
				p.err = fmt.Sprintf("offers mode %q, already offered by plugin %s", mode.ID, owner)
			}
		}
		if p.err != "" {
			m.log.Error("plugin refused", "plugin", b.Name, "reason", p.err)
			p.stop()
			continue
		}
		for _, mode := range p.desc.Modes {
			modeOwner[mode.ID] = b.Name
		}
		p.loaded = true
		m.log.Info("plugin started", "plugin", b.Name, "version", p.desc.Version, "modes", len(p.desc.Modes))
		m.wg.Add(1)
		go p.supervise()
	}
	return nil
}

func (m *Manager) refusal(r VerifyResult) string {
	switch {
	case r.Status == PinRefused:
		return r.Problem
	case r.OK || m.opts.Verify == VerifyWarn:
		return ""
	case r.Status == PinMismatch:
		return r.Problem + " (plugins.verify: strict)"
	default:
		return "not pinned and plugins.verify is strict: run `payhost plugins pin` after checking the binary"
	}
}

// Provider returns the provider of a loaded plugin. Its calls carry the
// manager's call deadline (or the caller's, if sooner) and fail at once with
// [payment.CodePluginUnavailable] while the plugin is restarting.
func (m *Manager) Provider(name string) (payment.Provider, bool) {
	p, ok := m.plugins[name]
	if !ok || !p.loaded {
		return nil, false
	}
	return &managed{p: p}, true
}

// Modes lists the modes of every loaded plugin, sorted by mode id.
func (m *Manager) Modes() []ModeInfo {
	var out []ModeInfo
	for _, p := range m.plugins {
		if !p.loaded {
			continue
		}
		healthy := p.healthy()
		for _, mode := range p.desc.Modes {
			out = append(out, ModeInfo{Plugin: p.name, Mode: mode, Healthy: healthy})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mode.ID < out[j].Mode.ID })
	return out
}

// Plugins describes every discovered plugin, sorted by name.
func (m *Manager) Plugins() []Info {
	out := make([]Info, 0, len(m.plugins))
	for _, p := range m.plugins {
		p.mu.RLock()
		info := Info{Name: p.name, Path: p.path, SHA256: p.sha, Pin: p.pin, Version: p.desc.Version,
			Healthy: p.provider != nil && !p.down, Restarts: p.restarts, Err: p.err, Modes: []string{}}
		p.mu.RUnlock()
		for _, mode := range p.desc.Modes {
			info.Modes = append(info.Modes, mode.ID)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Close stops supervision and kills every plugin process.
func (m *Manager) Close() error {
	m.cancel()
	m.wg.Wait()
	for _, p := range m.plugins {
		p.stop()
	}
	return nil
}

// proc is one plugin binary and its current process.
type proc struct {
	name, path, sha, pin string
	m                    *Manager
	log                  hclog.Logger
	wake                 chan struct{}
	// loaded and desc are set once by Start, before any concurrent use.
	loaded bool
	desc   payment.DescribeResponse

	mu       sync.RWMutex
	client   *goplugin.Client
	rpc      goplugin.ClientProtocol
	provider payment.Provider // nil while no process runs
	down     bool             // a call saw the transport fail; the supervisor decides

	restarts int
	err      string
}

func (p *proc) healthy() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.provider != nil && !p.down
}

// live returns the provider to call, or nil while the plugin is down.
func (p *proc) live() payment.Provider {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.down {
		return nil
	}
	return p.provider
}

// launch starts the process, dispenses the provider and checks Describe.
// On a restart the plugin must describe the same modes as at start-up.
func (p *proc) launch(ctx context.Context) error {
	sum, err := hex.DecodeString(p.sha)
	if err != nil {
		return fmt.Errorf("checksum: %w", err)
	}
	client := goplugin.NewClient(plugin.ClientConfig(plugin.ClientOptions{
		Path: p.path, SHA256: sum, StartTimeout: p.m.opts.StartTimeout, Logger: p.log,
	}))
	fail := func(err error) error {
		client.Kill()
		return err
	}
	rpc, err := client.Client()
	if err != nil {
		if errors.Is(err, goplugin.ErrChecksumsDoNotMatch) {
			return fail(fmt.Errorf("the binary changed since it was verified: checksum mismatch"))
		}
		return fail(fmt.Errorf("starting %s: %w", p.path, err))
	}
	prov, err := plugin.Dispense(rpc)
	if err != nil {
		return fail(fmt.Errorf("plugin protocol: %w", err))
	}
	cctx, cancel := context.WithTimeout(ctx, p.m.opts.CallTimeout)
	defer cancel()
	desc, err := prov.Describe(cctx, payment.DescribeRequest{})
	if err != nil {
		return fail(fmt.Errorf("describe: %w", err))
	}
	if err := checkDescribe(p.name, desc); err != nil {
		return fail(err)
	}
	if p.loaded && !sameModes(p.desc, desc) {
		return fail(errors.New("after a restart the plugin describes different modes; restart the host to load the new version"))
	}
	p.mu.Lock()
	p.client, p.rpc, p.provider, p.down = client, rpc, prov, false
	if !p.loaded {
		p.desc = desc
	}
	p.mu.Unlock()
	return nil
}

func checkDescribe(name string, d payment.DescribeResponse) error {
	if d.ProtocolVersion != payment.ProtocolVersion {
		return fmt.Errorf("speaks SDK protocol %d, the host speaks %d", d.ProtocolVersion, payment.ProtocolVersion)
	}
	if d.Name != name {
		return fmt.Errorf("describes itself as %q but its file is named %s%s", d.Name, Prefix, name)
	}
	if len(d.Modes) == 0 {
		return errors.New("offers no mode")
	}
	ids := map[string]bool{}
	for _, mode := range d.Modes {
		switch {
		case mode.ID == "" || ids[mode.ID]:
			return fmt.Errorf("mode id %q is empty or repeated", mode.ID)
		case mode.Kind != payment.KindRedirect && mode.Kind != payment.KindDeferred && mode.Kind != payment.KindInstant:
			return fmt.Errorf("mode %s has unknown kind %q", mode.ID, mode.Kind)
		case mode.MinAmount < 0 || mode.MaxAmount < 0 || (mode.MaxAmount > 0 && mode.MinAmount > mode.MaxAmount):
			return fmt.Errorf("mode %s has inconsistent amount limits", mode.ID)
		}
		ids[mode.ID] = true
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

func (p *proc) stop() {
	p.mu.Lock()
	c := p.client
	p.client, p.rpc, p.provider = nil, nil, nil
	p.mu.Unlock()
	if c != nil {
		c.Kill()
	}
}

// markDown is called when a call saw the transport fail: further calls
// fail fast and the supervisor checks the process at once instead of at its
// next tick.
func (p *proc) markDown() {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// alive reports whether the process runs and answers. After a call saw the
// transport fail, a process that has not exited must still answer a ping
// within a second to be trusted again.
func (p *proc) alive() bool {
	p.mu.RLock()
	c, rpc, down := p.client, p.rpc, p.down
	p.mu.RUnlock()
	if c == nil || c.Exited() {
		return false
	}
	if !down {
		return true
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if c.Exited() {
			return false
		}
		if rpc.Ping() == nil {
			p.mu.Lock()
			p.down = false
			p.mu.Unlock()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// supervise watches the process and relaunches it with exponential backoff
// when it exits. go-plugin never restarts a plugin by itself.
func (p *proc) supervise() {
	defer p.m.wg.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	backoff := p.m.opts.MinBackoff
	for {
		select {
		case <-p.m.ctx.Done():
			return
		case <-tick.C:
		case <-p.wake:
		}
		if p.alive() {
			continue
		}
		p.stop()
		p.log.Error("plugin process exited; restarting", "backoff", backoff)
		for {
			err := p.launch(p.m.ctx)
			p.mu.Lock()
			p.restarts++
			if err == nil {
				p.err = ""
			} else {
				p.err = "restart failed: " + err.Error()
			}
			p.mu.Unlock()
			if err == nil {
				p.log.Info("plugin restarted")
				backoff = p.m.opts.MinBackoff
				break
			}
			p.log.Error("plugin restart failed", "error", err, "retry_in", backoff)
			select {
			case <-p.m.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, p.m.opts.MaxBackoff)
		}
	}
}
