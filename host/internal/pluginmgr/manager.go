// Package pluginmgr finds, verifies, launches and supervises the plugin
// processes, and hands the rest of the host a [payment.Provider] per plugin
// whose calls carry a deadline and fail fast while the plugin is down.
//
// Lifecycle: [New] (no side effects) → [Manager.Start] (discover, verify,
// launch every plugin in parallel, supervise) → calls → [Manager.Stage] and
// [Stage.Commit] to reload the directory without a restart →
// [Manager.BeginShutdown] (no more restarts) → [Manager.Close] (drain and
// stop every process).
package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/sdk/payment"
)

// Options configure a [Manager].
type Options struct {
	Dir    string
	Verify VerifyMode
	// Pins maps plugin names to "sha256:<hex>".
	Pins map[string]string
	// StartTimeout bounds a launch, handshake and Describe included;
	// default 10s. A plugin still not up is killed with its process group.
	StartTimeout time.Duration
	CallTimeout  time.Duration // default deadline of every call; default 15s
	// DrainTimeout bounds the wait for in-flight calls of a process being
	// replaced, removed or shut down; default 20s.
	DrainTimeout time.Duration
	Logger       hclog.Logger
	// Backoff bounds the delay between restarts of a crashed plugin;
	// defaults 200ms doubling up to 30s, with jitter. The delay resets only
	// once a process stayed up for StableAfter (default 30s).
	MinBackoff, MaxBackoff time.Duration
	StableAfter            time.Duration
	// Observer, when set, sees every call's outcome and latency.
	Observer Observer
	// RequirePins makes Start fail unless every binary in the directory
	// matches its pin (production), instead of leaving refused ones out.
	RequirePins bool
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
	// Permanent: down, and retrying cannot help.
	Permanent bool
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
	// Permanent is true when retrying cannot help (binary changed and
	// refused, not a plugin, wrong protocol): an operator must act, then
	// reload.
	Permanent bool `json:"permanent"`
}

// Manager owns the plugin processes.
type Manager struct {
	opts    Options
	log     hclog.Logger
	mu      sync.RWMutex
	plugins map[string]*proc
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup // supervisors
	bg      sync.WaitGroup // processes draining after a reload
	closing atomic.Bool
	stageMu sync.Mutex // one reload at a time
}

// New returns a manager; nothing runs before [Manager.Start].
func New(o Options) *Manager {
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 20 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 200 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.StableAfter <= 0 {
		o.StableAfter = 30 * time.Second
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

// Start discovers and launches every plugin, all at once, so start-up waits
// at most StartTimeout whatever the number of plugins. A plugin that cannot
// be trusted or started is recorded with its reason (see [Manager.Plugins])
// and does not stop the others; Start fails only when the directory itself
// is unsafe or unreadable, or the verify mode is unknown.
func (m *Manager) Start(ctx context.Context) error {
	if m.opts.Verify != VerifyStrict && m.opts.Verify != VerifyWarn {
		return fmt.Errorf("plugins.verify: %q is neither strict nor warn", m.opts.Verify)
	}
	bins, err := Discover(m.opts.Dir)
	if err != nil {
		return err
	}
	results := Verify(bins, m.opts.Pins)
	if m.opts.RequirePins {
		if err := requirePins(results); err != nil {
			return err
		}
	}
	launched := make([]*instance, len(bins))
	errs := make([]error, len(bins))
	var wg sync.WaitGroup
	for i, b := range bins {
		p := m.newProc(b, results[i].Status)
		m.plugins[b.Name] = p
		if reason := m.refusal(m.opts.Verify, results[i]); reason != "" {
			p.fail(reason, true)
			m.log.Error("plugin refused", "plugin", b.Name, "reason", reason)
			continue
		} else if !results[i].OK {
			m.log.Warn("loading an unverified plugin (plugins.verify: warn)", "plugin", b.Name, "problem", results[i].Problem)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			launched[i], errs[i] = m.launch(ctx, b.Name, b.Path, b.SHA256, false, p.log)
		}()
	}
	wg.Wait()
	modeOwner := map[string]string{}
	for i, b := range bins {
		p := m.plugins[b.Name]
		if errs[i] != nil {
			p.fail(errs[i].Error(), isPermanent(errs[i]))
			m.log.Error("plugin did not start", "plugin", b.Name, "error", errs[i])
			continue
		}
		inst := launched[i]
		if inst == nil {
			continue
		}
		if owner := dupMode(inst.desc, modeOwner); owner != "" {
			p.fail(owner, true)
			m.log.Error("plugin refused", "plugin", b.Name, "reason", owner)
			inst.kill()
			continue
		}
		for _, mode := range inst.desc.Modes {
			modeOwner[mode.ID] = b.Name
		}
		p.install(inst)
		m.log.Info("plugin started", "plugin", b.Name, "version", inst.desc.Version, "modes", len(inst.desc.Modes))
		m.supervise(p)
	}
	return nil
}

func (m *Manager) newProc(b Binary, pin string) *proc {
	return &proc{name: b.Name, path: b.Path, sha: b.SHA256, pin: pin, m: m,
		log: m.log.Named(b.Name), wake: make(chan struct{}, 1)}
}

// dupMode returns a refusal when d offers a mode another plugin offers.
func dupMode(d payment.DescribeResponse, owner map[string]string) string {
	for _, mode := range d.Modes {
		if o, dup := owner[mode.ID]; dup {
			return fmt.Sprintf("offers mode %q, already offered by plugin %s", mode.ID, o)
		}
	}
	return ""
}

func (m *Manager) refusal(verify VerifyMode, r VerifyResult) string {
	switch {
	case r.Status == PinRefused:
		return r.Problem
	case r.OK || verify == VerifyWarn:
		return ""
	case r.Status == PinMismatch:
		return r.Problem + " (plugins.verify: strict)"
	default:
		return "not pinned and plugins.verify is strict: run `payhost plugins pin` after checking the binary"
	}
}

func (m *Manager) supervise(p *proc) {
	ctx, cancel := context.WithCancel(m.ctx)
	p.stopSupervisor = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		p.supervise(ctx)
	}()
}

// Provider returns the provider of a loaded plugin. Its calls carry the
// manager's call deadline (or the caller's, if sooner), go to the plugin's
// current process (the new one once a reload replaced it) and fail at once
// with [payment.CodePluginUnavailable] while the plugin is down.
func (m *Manager) Provider(name string) (payment.Provider, bool) {
	m.mu.RLock()
	p, ok := m.plugins[name]
	m.mu.RUnlock()
	if !ok || !p.isLoaded() {
		return nil, false
	}
	return &managed{p: p}, true
}

// Modes lists the modes of every loaded plugin, sorted by mode id.
func (m *Manager) Modes() []ModeInfo {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []ModeInfo
	for _, p := range m.plugins {
		p.mu.RLock()
		loaded, desc, healthy, perm := p.loaded, p.desc, p.inst != nil && !p.down, p.permanent
		p.mu.RUnlock()
		if !loaded {
			continue
		}
		for _, mode := range desc.Modes {
			out = append(out, ModeInfo{Plugin: p.name, Mode: mode, Healthy: healthy, Permanent: !healthy && perm})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mode.ID < out[j].Mode.ID })
	return out
}

// Plugins describes every discovered plugin, sorted by name.
func (m *Manager) Plugins() []Info {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Info, 0, len(m.plugins))
	for _, p := range m.plugins {
		out = append(out, p.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// BeginShutdown stops restarting plugins: from now on a plugin that exits
// stays down. The running processes keep serving the calls still in flight
// until [Manager.Close].
func (m *Manager) BeginShutdown() {
	m.closing.Store(true)
}

// Close stops supervision, lets the calls in flight finish (bounded by
// DrainTimeout) and stops every plugin process with its process group. A
// reload being staged is waited for (its Commit then stops what it
// started), so no process is installed behind Close's back.
func (m *Manager) Close() error {
	m.closing.Store(true)
	m.stageMu.Lock()
	defer m.stageMu.Unlock()
	m.cancel()
	m.wg.Wait()
	m.mu.Lock()
	procs := make([]*proc, 0, len(m.plugins))
	for _, p := range m.plugins {
		procs = append(procs, p)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		if inst := p.detach(); inst != nil {
			wg.Add(1)
			go func() { defer wg.Done(); inst.stop(m.opts.DrainTimeout) }()
		}
	}
	wg.Wait()
	m.bg.Wait()
	return nil
}

// proc is one plugin name and its current process.
type proc struct {
	name           string
	m              *Manager
	log            hclog.Logger
	wake           chan struct{}
	stopSupervisor context.CancelFunc

	mu        sync.RWMutex
	path, sha string
	pin       string
	loaded    bool // described itself once; its modes are offered
	desc      payment.DescribeResponse
	inst      *instance // nil while no process runs
	down      bool      // a call saw the transport fail; the supervisor decides
	restarts  int
	err       string
	permanent bool
}

func (p *proc) isLoaded() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.loaded
}

func (p *proc) info() Info {
	p.mu.RLock()
	defer p.mu.RUnlock()
	info := Info{Name: p.name, Path: p.path, SHA256: p.sha, Pin: p.pin, Version: p.desc.Version,
		Healthy: p.inst != nil && !p.down, Restarts: p.restarts, Err: p.err, Permanent: p.permanent, Modes: []string{}}
	for _, mode := range p.desc.Modes {
		info.Modes = append(info.Modes, mode.ID)
	}
	return info
}

func (p *proc) fail(reason string, permanent bool) {
	p.mu.Lock()
	p.err, p.permanent = reason, permanent
	p.mu.Unlock()
}

// install makes inst the plugin's process and returns the one it replaces.
func (p *proc) install(inst *instance) *instance {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.inst
	p.inst, p.desc, p.loaded, p.down, p.err, p.permanent = inst, inst.desc, true, false, "", false
	p.sha = inst.sha
	return old
}

// installIfDown makes inst the plugin's process unless another took the
// place meanwhile (a reload committed a new version).
func (p *proc) installIfDown(inst *instance) bool {
	p.mu.Lock()
	free := p.inst == nil && p.loaded
	p.mu.Unlock()
	if !free {
		return false
	}
	p.install(inst)
	return true
}

// detachIf forgets the current process if it is still inst.
func (p *proc) detachIf(inst *instance) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inst != inst {
		return false
	}
	p.inst = nil
	return true
}

// detach forgets the current process and returns it.
func (p *proc) detach() *instance {
	p.mu.Lock()
	defer p.mu.Unlock()
	inst := p.inst
	p.inst = nil
	return inst
}

// acquire returns the process to call with one more call counted in
// flight, or nil while the plugin is down, with the reason.
func (p *proc) acquire() (*instance, string) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.down || p.inst == nil || !p.loaded {
		if !p.loaded {
			return nil, "is not loaded (" + p.err + ")"
		}
		if p.permanent {
			return nil, "failed permanently (" + p.err + "); an operator must fix it and reload"
		}
		return nil, "is not running (restarting)"
	}
	p.inst.inflight.Add(1)
	return p.inst, ""
}

// markDown is called when a call saw the transport fail: further calls
// fail fast and the supervisor checks the process at once instead of at its
// next tick.
func (p *proc) markDown(inst *instance) {
	p.mu.Lock()
	if p.inst == inst {
		p.down = true
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// alive reports whether the current process runs and answers. After a call
// saw the transport fail, a process that has not exited must still answer a
// ping within a second to be trusted again.
// It returns the process it checked.
func (p *proc) alive() (*instance, bool) {
	p.mu.RLock()
	inst, down := p.inst, p.down
	p.mu.RUnlock()
	if inst == nil || inst.client.Exited() {
		return inst, false
	}
	if !down {
		return inst, true
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if inst.client.Exited() {
			return inst, false
		}
		if inst.rpc.Ping() == nil {
			p.mu.Lock()
			if p.inst == inst {
				p.down = false
			}
			p.mu.Unlock()
			return inst, true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return inst, false
}

// jitter spreads a delay over [d/2, d) so plugins that crashed together do
// not come back in lockstep.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// supervise watches the process and relaunches it when it exits, unless the
// host is shutting down or the failure is permanent. go-plugin never
// restarts a plugin by itself. The backoff between launches grows with
// every process that dies young and resets only after one stayed up for
// StableAfter.
func (p *proc) supervise(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	o := p.m.opts
	backoff := o.MinBackoff
	sleep := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return !p.m.closing.Load()
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-p.wake:
		}
		if p.m.closing.Load() {
			return
		}
		p.mu.RLock()
		failed := p.permanent
		p.mu.RUnlock()
		if failed {
			continue
		}
		old, ok := p.alive()
		if ok || (old != nil && !p.detachIf(old)) {
			continue // alive, or replaced by a reload meanwhile
		}
		uptime := time.Duration(0)
		if old != nil {
			uptime = time.Since(old.started)
			old.kill()
		}
		if uptime >= o.StableAfter {
			backoff = o.MinBackoff
			p.log.Error("plugin process exited; restarting", "uptime", uptime.Round(time.Millisecond))
		} else {
			wait := jitter(backoff)
			p.log.Error("plugin process exited soon after start; restarting after a delay", "uptime", uptime.Round(time.Millisecond), "delay", wait)
			if !sleep(wait) {
				return
			}
			backoff = min(backoff*2, o.MaxBackoff)
		}
		for {
			p.mu.RLock()
			path, sha, desc := p.path, p.sha, p.desc
			p.mu.RUnlock()
			// The same SHA-256 answered Describe before: knownGood.
			inst, err := p.m.launch(ctx, p.name, path, sha, true, p.log)
			if err == nil && !sameModes(desc, inst.desc) {
				inst.kill()
				err = permanent(errors.New("after a restart the plugin describes different modes; reload to load the new version"))
			}
			p.mu.Lock()
			p.restarts++
			p.mu.Unlock()
			if err == nil {
				if ctx.Err() != nil || !p.installIfDown(inst) {
					inst.kill() // removed or replaced meanwhile
				} else {
					p.log.Info("plugin restarted")
				}
				break
			}
			if ctx.Err() != nil || p.m.closing.Load() {
				return
			}
			if isPermanent(err) {
				p.fail("restart failed: "+err.Error(), true)
				p.log.Error("plugin restart failed permanently; fix the binary and reload", "error", err)
				break
			}
			p.fail("restart failed: "+err.Error(), false)
			wait := jitter(backoff)
			p.log.Error("plugin restart failed", "error", err, "retry_in", wait)
			if !sleep(wait) {
				return
			}
			backoff = min(backoff*2, o.MaxBackoff)
		}
	}
}

// requirePins fails unless every binary matches its pin.
func requirePins(results []VerifyResult) error {
	var problems []string
	for _, r := range results {
		if !r.OK && r.Status != PinNoBinary {
			problems = append(problems, r.Name+": "+r.Problem)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("production requires a matching pin for every plugin binary: %s", strings.Join(problems, "; "))
	}
	return nil
}
