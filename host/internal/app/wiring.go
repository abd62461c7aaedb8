package app

import (
	"context"
	"crypto/subtle"
	"fmt"
	"sort"
	"strings"

	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

// modeSource is the plugin manager, or a reload staged in it.
type modeSource interface {
	Modes() []pluginmgr.ModeInfo
	Provider(name string) (payment.Provider, bool)
	Plugins() []pluginmgr.Info
}

var (
	_ modeSource = (*pluginmgr.Manager)(nil)
	_ modeSource = (*pluginmgr.Stage)(nil)
)

// catalog adapts the plugin manager to what the session service needs.
type catalog struct{ m *pluginmgr.Manager }

func (c catalog) Provider(plugin string) (payment.Provider, bool) { return c.m.Provider(plugin) }

func (c catalog) Available() []eligibility.Available {
	modes := c.m.Modes()
	out := make([]eligibility.Available, len(modes))
	for i, mi := range modes {
		out[i] = eligibility.Available{Plugin: mi.Plugin, Healthy: mi.Healthy, Permanent: mi.Permanent, Mode: mi.Mode}
	}
	return out
}

// pluginList shows the plugins to operators.
type pluginList struct{ m *pluginmgr.Manager }

func (p pluginList) PluginsJSON() any { return p.m.Plugins() }

func (p pluginList) HasPlugin(name string) bool {
	for _, info := range p.m.Plugins() {
		if info.Name == name {
			return true
		}
	}
	return false
}

// auth checks API keys in constant time against every key.
type auth struct {
	sites map[string]string // key -> site id
	admin string
}

func newAuth(cfg *config.Config) *auth {
	a := &auth{sites: map[string]string{}, admin: cfg.Admin.APIKey.Value()}
	for _, s := range cfg.Sites {
		a.sites[s.APIKey.Value()] = s.ID
	}
	return a
}

func (a *auth) SiteForKey(key string) (string, bool) {
	found := ""
	for k, site := range a.sites {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			found = site
		}
	}
	return found, found != ""
}

func (a *auth) IsAdminKey(key string) bool {
	return subtle.ConstantTimeCompare([]byte(a.admin), []byte(key)) == 1
}

// buildSites turns the configuration's sites into the service's, checking
// every enabled mode against the plugin that offers it: the mode must exist,
// its keys must be in the plugin's schema, defaults are applied, and the
// plugin's ValidateConfig must find no problem. Every problem is reported,
// naming site, mode and key.
func buildSites(ctx context.Context, cfg *config.Config, mgr modeSource) ([]session.Site, error) {
	sites, problems := checkSites(ctx, cfg, mgr, true)
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid mode configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return sites, nil
}

// checkSites is buildSites returning the problems as a list; without ask,
// the plugins' ValidateConfig is not called (only what their schemas say).
func checkSites(ctx context.Context, cfg *config.Config, mgr modeSource, ask bool) ([]session.Site, []string) {
	offered := map[string]pluginmgr.ModeInfo{}
	for _, mi := range mgr.Modes() {
		offered[mi.Mode.ID] = mi
	}
	var problems []string
	sites := make([]session.Site, 0, len(cfg.Sites))
	prod := cfg.Environment == "production"
	for i, sc := range cfg.Sites {
		site := session.Site{
			ID:               sc.ID,
			Name:             sc.Name,
			AllowedOrigins:   sc.AllowedOrigins,
			TestMode:         sc.TestMode,
			CartTypes:        sc.CartTypes,
			SessionLifetime:  sc.SessionLifetime,
			DeferredLifetime: sc.DeferredLifetime,
			WebhookSecret:    sc.Webhook.Secret.Value(),
			Modes:            map[string]session.SiteMode{},
		}
		for _, id := range sortedKeys(sc.Modes) {
			mc := sc.Modes[id]
			where := fmt.Sprintf("sites[%d].modes.%s", i, id)
			mi, ok := offered[id]
			if !ok {
				if mc.Enabled {
					problems = append(problems, fmt.Sprintf("%s: no loaded plugin offers this mode%s", where, refusedHint(mgr)))
				}
				continue
			}
			conf, schemaProblems := applySchema(mi.Mode, mc.Config, mc.Enabled)
			if prod {
				schemaProblems = append(schemaProblems, literalSecrets(mi.Mode, mc)...)
			}
			for _, p := range schemaProblems {
				problems = append(problems, where+"."+p) // p starts with "config.<key>:"
			}
			var unsupported []payment.UnsupportedCapability
			if ask && mc.Enabled && len(schemaProblems) == 0 {
				var vp []string
				vp, unsupported = validate(ctx, mgr, mi, where, conf, sc.TestMode)
				problems = append(problems, vp...)
			}
			site.Modes[id] = session.SiteMode{
				Enabled: mc.Enabled,
				Order:   mc.Order,
				Eligibility: eligibility.SiteMode{
					MinAmount:         mc.Eligibility.MinAmount,
					MaxAmount:         mc.Eligibility.MaxAmount,
					Currencies:        mc.Eligibility.Currencies,
					Countries:         mc.Eligibility.Countries,
					ExcludedCountries: mc.Eligibility.ExcludedCountries,
				},
				Config:      conf,
				Unsupported: unsupported,
			}
		}
		sites = append(sites, site)
	}
	return sites, problems
}

// literalSecrets lists the keys the mode's schema declares secret that the
// file gives as literal values (refused in production).
func literalSecrets(m payment.Mode, mc config.Mode) []string {
	var out []string
	for _, f := range m.ConfigSchema {
		if _, given := mc.Config[f.Key]; given && f.Secret && mc.Literal[f.Key] {
			out = append(out, fmt.Sprintf("config.%s: a secret; in production give it as env:NAME or file:/path, not in the file", f.Key))
		}
	}
	return out
}

// applySchema checks a mode's configuration against the schema its plugin
// declares (payment.ApplySchema: unknown keys, required keys, types, enums,
// bounds) and fills the defaults, before the plugin's ValidateConfig sees it.
// A disabled mode may be half configured: only its unknown keys are
// problems.
func applySchema(m payment.Mode, given map[string]string, enabled bool) (payment.Config, []string) {
	conf, found := payment.ApplySchema(m.ConfigSchema, given)
	declared := map[string]bool{}
	for _, f := range m.ConfigSchema {
		declared[f.Key] = true
	}
	problems := make([]string, 0, len(found))
	for _, p := range found {
		msg := p.Message
		if !enabled && declared[p.Key] {
			continue
		}
		if !declared[p.Key] {
			keys := make([]string, 0, len(m.ConfigSchema))
			for _, f := range m.ConfigSchema {
				keys = append(keys, f.Key)
			}
			sort.Strings(keys)
			msg += " (the mode accepts: " + strings.Join(keys, ", ") + ")"
		}
		problems = append(problems, fmt.Sprintf("config.%s: %s", p.Key, msg))
	}
	return conf, problems
}

// validate asks the plugin; besides the problems it returns the
// capabilities this configuration withholds, with the plugin's reasons.
func validate(ctx context.Context, mgr modeSource, mi pluginmgr.ModeInfo, where string, conf payment.Config, testMode bool) ([]string, []payment.UnsupportedCapability) {
	p, ok := mgr.Provider(mi.Plugin)
	if !ok {
		return []string{where + ": plugin " + mi.Plugin + " is not running"}, nil
	}
	resp, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Mode: mi.Mode.ID, Config: conf, TestMode: testMode})
	if err != nil {
		return []string{fmt.Sprintf("%s: plugin %s could not validate the configuration: %v", where, mi.Plugin, err)}, nil
	}
	out := make([]string, 0, len(resp.Problems))
	for _, pr := range resp.Problems {
		out = append(out, fmt.Sprintf("%s.config.%s: %s", where, pr.Key, pr.Message))
	}
	return out, resp.Unsupported
}

// refusedHint explains a missing mode by the plugins that did not load.
func refusedHint(mgr modeSource) string {
	var parts []string
	for _, p := range mgr.Plugins() {
		if p.Err != "" {
			parts = append(parts, fmt.Sprintf("plugin %s: %s", p.Name, p.Err))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
