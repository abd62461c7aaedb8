package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/console"
	"github.com/payhost/payhost/host/internal/httpapi"
	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// ReloadResult says what a reload changed.
type ReloadResult struct {
	// Applied is false when the reload was refused; Error says why and
	// nothing changed.
	Applied bool   `json:"applied"`
	Error   string `json:"error,omitempty"`
	// Plugins maps each plugin to what happened to it: unchanged, added,
	// replaced, removed or refused.
	Plugins map[string]pluginmgr.Change `json:"plugins"`
	Sites   int                         `json:"sites"`
}

// Reload re-reads the configuration file and the plugins directory and
// switches to them at once, or changes nothing and says why. New and
// changed plugin binaries are verified against the re-read pins and started
// beside the running ones; every configured mode is checked (Describe, its
// schema, ValidateConfig) against what will run; only then do new requests
// and plugin calls go to the new set. Replaced and removed plugin processes
// finish their calls in flight before they stop. Keys that need a restart
// (listen, database) must be unchanged.
func (m *Main) Reload(ctx context.Context) (ReloadResult, error) {
	m.reloadMu.Lock()
	defer m.reloadMu.Unlock()
	res, err := m.reload(ctx)
	if err != nil {
		res.Error = err.Error()
		m.Metrics.Reload("failed")
		m.Logger.Error("reload refused; nothing changed", "error", err)
		return res, err
	}
	res.Applied = true
	m.Metrics.Reload("applied")
	m.Logger.Info("reloaded", "plugins", fmt.Sprint(res.Plugins), "sites", res.Sites)
	return res, nil
}

// consoleReload is Reload for the console's button.
func (m *Main) consoleReload(ctx context.Context) (console.ReloadResult, error) {
	res, err := m.Reload(ctx)
	out := console.ReloadResult{Plugins: make(map[string]string, len(res.Plugins)), Sites: res.Sites}
	for name, ch := range res.Plugins {
		out.Plugins[name] = string(ch)
	}
	return out, err
}

func (m *Main) reload(ctx context.Context) (ReloadResult, error) {
	res := ReloadResult{Plugins: map[string]pluginmgr.Change{}}
	if m.draining.Load() {
		return res, errors.New("the host is shutting down")
	}
	old := m.cur.Load()
	cfg, err := config.Load(m.ConfigPath, m.getenv())
	if err != nil {
		return res, err
	}
	if err := restartOnly(old.cfg, cfg); err != nil {
		return res, err
	}
	stage, err := m.Plugins.Stage(ctx, pluginmgr.StageOptions{Dir: cfg.Plugins.Dir,
		Verify: pluginmgr.VerifyMode(cfg.Plugins.Verify), Pins: cfg.Plugins.Pins, RequirePins: cfg.Environment == "production"})
	if err != nil {
		return res, err
	}
	rs, err := m.build(ctx, cfg, stage)
	if err != nil {
		stage.Abort()
		return res, err
	}
	if err := stage.Commit(); err != nil {
		return res, err
	}
	m.cur.Store(rs)
	old.stopWorkers()
	m.startWorkers(rs)
	res.Plugins, res.Sites = stage.Changes(), len(cfg.Sites)
	return res, nil
}

// restartOnly refuses a reload that changes what only a restart can apply.
func restartOnly(old, cfg *config.Config) error {
	var keys []string
	if old.Listen != cfg.Listen {
		keys = append(keys, "listen")
	}
	if old.Database != cfg.Database {
		keys = append(keys, "database")
	}
	if old.Plugins.StartTimeout != cfg.Plugins.StartTimeout || old.Plugins.CallTimeout != cfg.Plugins.CallTimeout {
		keys = append(keys, "plugins.start_timeout/call_timeout")
	}
	if old.Environment != cfg.Environment {
		keys = append(keys, "environment")
	}
	if old.Log != cfg.Log {
		keys = append(keys, "log")
	}
	// The plugin manager's drain timeout and the shutdown sequence are
	// set once, at start.
	if old.Shutdown != cfg.Shutdown {
		keys = append(keys, "shutdown")
	}
	if len(keys) > 0 {
		return fmt.Errorf("%s changed: restart the host to apply (reload keeps the running configuration)", strings.Join(keys, ", "))
	}
	return nil
}

// ready lists what keeps the host from serving: draining, the database,
// and every enabled mode whose plugin has no healthy process.
func (m *Main) ready(ctx context.Context) []httpapi.ReadyProblem {
	var down []httpapi.ReadyProblem
	if m.draining.Load() {
		down = append(down, httpapi.ReadyProblem{Component: "host", Problem: "shutting down"})
	}
	if err := m.Store.Ping(ctx); err != nil {
		down = append(down, httpapi.ReadyProblem{Component: "database", Problem: "unreachable: " + err.Error()})
	}
	rs := m.cur.Load()
	if rs == nil {
		return down
	}
	owner := map[string]pluginmgr.ModeInfo{}
	for _, mi := range m.Plugins.Modes() {
		owner[mi.Mode.ID] = mi
	}
	infos := map[string]pluginmgr.Info{}
	for _, p := range m.Plugins.Plugins() {
		infos[p.Name] = p
	}
	for _, sc := range rs.cfg.Sites {
		for _, id := range sortedKeys(sc.Modes) {
			if !sc.Modes[id].Enabled {
				continue
			}
			where := fmt.Sprintf("site %s, mode %s", sc.ID, id)
			mi, ok := owner[id]
			switch {
			case !ok:
				down = append(down, httpapi.ReadyProblem{Component: where, Problem: "no loaded plugin offers this mode", Permanent: true})
			case !mi.Healthy:
				info := infos[mi.Plugin]
				problem := "plugin " + mi.Plugin + " is down"
				if info.Err != "" {
					problem += ": " + info.Err
				}
				down = append(down, httpapi.ReadyProblem{Component: where, Problem: problem, Permanent: info.Permanent})
			}
		}
	}
	sort.SliceStable(down, func(i, j int) bool { return down[i].Component < down[j].Component })
	return down
}
