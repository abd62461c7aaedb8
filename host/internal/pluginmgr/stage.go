package pluginmgr

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/payhost/payhost/sdk/payment"
)

// StageOptions are the re-read plugins settings a reload applies.
type StageOptions struct {
	Dir    string
	Verify VerifyMode
	Pins   map[string]string
	// RequirePins refuses the reload unless every binary matches its pin.
	RequirePins bool
}

// Change is what a reload does to one plugin.
type Change string

// Changes reported by a [Stage].
const (
	Keep    Change = "unchanged"
	Add     Change = "added"
	Replace Change = "replaced"
	Remove  Change = "removed"
	Refused Change = "refused" // unchanged and still not loadable
)

// Stage is a reload in preparation: the plugins directory read again, new
// and changed binaries verified against the new pins and started beside the
// running ones, nothing switched yet. The caller checks its configuration
// against the stage ([Stage.Modes], [Stage.Provider]), then calls exactly
// one of [Stage.Commit] or [Stage.Abort]. One stage exists at a time.
type Stage struct {
	m       *Manager
	opts    StageOptions
	entries map[string]*staged
	once    sync.Once
}

type staged struct {
	bin    Binary
	pin    string
	change Change
	proc   *proc     // the running plugin, nil for a new one
	inst   *instance // started for Add and Replace
	reason string    // for Refused
}

// Stage reads the directory again and starts what is new or changed. It
// fails, leaving the running set untouched, when the directory is unusable
// or a new or changed binary is refused or does not start; the error lists
// every reason.
func (m *Manager) Stage(ctx context.Context, o StageOptions) (*Stage, error) {
	if o.Verify != VerifyStrict && o.Verify != VerifyWarn {
		return nil, fmt.Errorf("plugins.verify: %q is neither strict nor warn", o.Verify)
	}
	if m.closing.Load() {
		return nil, errShuttingDown
	}
	m.stageMu.Lock()
	ok := false
	defer func() {
		if !ok {
			m.stageMu.Unlock()
		}
	}()
	// Close may have run while this waited for the previous stage.
	if m.closing.Load() {
		return nil, errShuttingDown
	}
	bins, err := Discover(o.Dir)
	if err != nil {
		return nil, err
	}
	results := Verify(bins, o.Pins)
	if o.RequirePins {
		if err := requirePins(results); err != nil {
			return nil, err
		}
	}
	m.mu.RLock()
	procs := make(map[string]*proc, len(m.plugins))
	for name, p := range m.plugins {
		procs[name] = p
	}
	m.mu.RUnlock()

	s := &Stage{m: m, opts: o, entries: map[string]*staged{}}
	var problems []string
	for i, b := range bins {
		e := &staged{bin: b, pin: results[i].Status, proc: procs[b.Name]}
		s.entries[b.Name] = e
		var running, sameBinary bool
		if e.proc != nil {
			e.proc.mu.RLock()
			running = e.proc.loaded && (e.proc.inst != nil || !e.proc.permanent)
			sameBinary = e.proc.sha == b.SHA256 && e.proc.path == b.Path
			e.proc.mu.RUnlock()
		}
		reason := m.refusal(o.Verify, results[i])
		switch {
		case reason != "" && sameBinary && !running:
			e.change, e.reason = Refused, reason
		case reason != "":
			problems = append(problems, fmt.Sprintf("plugin %s: %s", b.Name, reason))
		case running && sameBinary:
			e.change = Keep
		case running:
			e.change = Replace
		default:
			e.change = Add
		}
	}
	for name, p := range procs {
		if _, found := s.entries[name]; !found {
			s.entries[name] = &staged{bin: Binary{Name: name, Path: p.path}, change: Remove, proc: p}
		}
	}
	if len(problems) > 0 {
		return nil, stageError(problems)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, e := range s.entries {
		if e.change != Add && e.change != Replace {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst, err := m.launch(ctx, e.bin.Name, e.bin.Path, e.bin.SHA256, false, m.log.Named(e.bin.Name))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, fmt.Sprintf("plugin %s did not start: %v", e.bin.Name, err))
				return
			}
			e.inst = inst
		}()
	}
	wg.Wait()
	if len(problems) == 0 {
		owner := map[string]string{}
		for _, name := range s.names() {
			e := s.entries[name]
			d, ok := s.desc(e)
			if !ok {
				continue
			}
			if dup := dupMode(d, owner); dup != "" {
				problems = append(problems, fmt.Sprintf("plugin %s: %s", name, dup))
			}
			for _, mode := range d.Modes {
				owner[mode.ID] = name
			}
		}
	}
	if len(problems) > 0 {
		s.kill()
		return nil, stageError(problems)
	}
	ok = true
	return s, nil
}

func stageError(problems []string) error {
	sort.Strings(problems)
	return fmt.Errorf("plugins: %s", strings.Join(problems, "; "))
}

func (s *Stage) names() []string {
	names := make([]string, 0, len(s.entries))
	for name := range s.entries {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// desc is what the plugin will describe once the stage is committed.
func (s *Stage) desc(e *staged) (payment.DescribeResponse, bool) {
	switch e.change {
	case Add, Replace:
		return e.inst.desc, true
	case Keep:
		e.proc.mu.RLock()
		defer e.proc.mu.RUnlock()
		return e.proc.desc, e.proc.loaded
	}
	return payment.DescribeResponse{}, false
}

// Modes lists the modes offered once the stage is committed.
func (s *Stage) Modes() []ModeInfo {
	var out []ModeInfo
	for _, name := range s.names() {
		e := s.entries[name]
		d, ok := s.desc(e)
		if !ok {
			continue
		}
		healthy := e.inst != nil || e.proc.info().Healthy
		for _, mode := range d.Modes {
			out = append(out, ModeInfo{Plugin: name, Mode: mode, Healthy: healthy})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mode.ID < out[j].Mode.ID })
	return out
}

// Provider returns the provider a plugin will have once the stage is
// committed: the new process for an added or replaced plugin, so its
// ValidateConfig is asked before any call is switched to it.
func (s *Stage) Provider(name string) (payment.Provider, bool) {
	e, ok := s.entries[name]
	switch {
	case !ok:
		return nil, false
	case e.inst != nil:
		return e.inst.provider, true
	case e.change == Keep:
		return s.m.Provider(name)
	}
	return nil, false
}

// Plugins describes the plugins as they will be once the stage is committed.
func (s *Stage) Plugins() []Info {
	var out []Info
	for _, name := range s.names() {
		e := s.entries[name]
		if e.change == Remove {
			continue
		}
		info := Info{Name: name, Path: e.bin.Path, SHA256: e.bin.SHA256, Pin: e.pin, Modes: []string{}}
		if e.proc != nil {
			cur := e.proc.info()
			info.Restarts, info.Healthy, info.Err, info.Permanent = cur.Restarts, cur.Healthy, cur.Err, cur.Permanent
		}
		if e.change == Refused {
			info.Err, info.Permanent = e.reason, true
		}
		if d, ok := s.desc(e); ok {
			info.Version = d.Version
			for _, mode := range d.Modes {
				info.Modes = append(info.Modes, mode.ID)
			}
		}
		if e.inst != nil {
			info.Healthy, info.Err, info.Permanent = true, "", false
		}
		out = append(out, info)
	}
	return out
}

// Changes lists what the stage does, by plugin name.
func (s *Stage) Changes() map[string]Change {
	out := make(map[string]Change, len(s.entries))
	for name, e := range s.entries {
		out[name] = e.change
	}
	return out
}

func (s *Stage) kill() {
	for _, e := range s.entries {
		if e.inst != nil {
			e.inst.kill()
			e.inst = nil
		}
	}
}

// Abort stops what the stage started; the running set stays as it was.
func (s *Stage) Abort() {
	s.once.Do(func() {
		s.kill()
		s.m.stageMu.Unlock()
	})
}

// errShuttingDown refuses a reload once the manager is shutting down.
var errShuttingDown = errors.New("the host is shutting down")

// Commit switches to the stage: new calls go to the added and replaced
// plugins' new processes at once; the processes they replace, and those of
// removed plugins, finish their calls in flight (at most DrainTimeout) and
// stop in the background. Once the manager is shutting down it changes
// nothing, stops what the stage started and returns an error: a process
// installed after [Manager.Close] would never be stopped.
func (s *Stage) Commit() error {
	err := errors.New("the stage was already committed or aborted")
	s.once.Do(func() {
		defer s.m.stageMu.Unlock()
		m := s.m
		if m.closing.Load() {
			s.kill()
			err = errShuttingDown
			return
		}
		err = nil
		m.mu.Lock()
		defer m.mu.Unlock()
		retire := func(inst *instance) {
			if inst == nil {
				return
			}
			m.bg.Add(1)
			go func() { defer m.bg.Done(); inst.stop(m.opts.DrainTimeout) }()
		}
		for name, e := range s.entries {
			switch e.change {
			case Add, Replace:
				p := e.proc
				if p == nil {
					p = m.newProc(e.bin, e.pin)
					m.plugins[name] = p
				}
				p.mu.Lock()
				p.path, p.pin = e.bin.Path, e.pin
				p.mu.Unlock()
				retire(p.install(e.inst))
				if p.stopSupervisor == nil {
					m.supervise(p)
				}
				m.log.Info("plugin "+string(e.change), "plugin", name, "version", e.inst.desc.Version)
			case Remove:
				delete(m.plugins, name)
				if e.proc.stopSupervisor != nil {
					e.proc.stopSupervisor()
				}
				e.proc.mu.Lock()
				e.proc.loaded, e.proc.err = false, "removed from the plugins directory"
				e.proc.mu.Unlock()
				retire(e.proc.detach())
				m.log.Info("plugin removed", "plugin", name)
			case Keep, Refused:
				if e.proc != nil {
					e.proc.mu.Lock()
					e.proc.pin = e.pin
					e.proc.mu.Unlock()
				}
			}
		}
	})
	return err
}
