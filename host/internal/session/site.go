package session

import (
	"sort"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/sdk/payment"
)

// Site is a shop's configuration as the service needs it.
type Site struct {
	ID       string
	TestMode bool
	// CartTypes allowed; empty means only "web".
	CartTypes []string
	// SessionLifetime bounds redirect and instant sessions;
	// DeferredLifetime bounds deferred ones (cheque, transfer).
	SessionLifetime  time.Duration
	DeferredLifetime time.Duration
	// WebhookSecret signs return redirects and webhooks.
	WebhookSecret string
	Modes         map[string]SiteMode
}

// SiteMode is one mode as a site configures it.
type SiteMode struct {
	Enabled     bool
	Order       int
	Eligibility eligibility.SiteMode
	// Config is the plugin configuration with secrets resolved and the
	// schema's defaults applied.
	Config payment.Config
	// Withheld lists the capabilities the plugin said this configuration
	// cannot offer, with its reasons (ValidateConfig).
	Withheld []payment.Withheld
}

// withheldReason says why the site's configuration of a mode cannot offer
// a capability, or "" when it can.
func (m SiteMode) withheldReason(c payment.Capability) string {
	for _, w := range m.Withheld {
		if w.Capability == c {
			return w.Reason
		}
	}
	return ""
}

func (s *Site) eligibilitySite() eligibility.Site {
	modes := make(map[string]eligibility.SiteMode, len(s.Modes))
	for id, m := range s.Modes {
		em := m.Eligibility
		em.Enabled = m.Enabled
		em.Order = m.Order
		modes[id] = em
	}
	return eligibility.Site{TestMode: s.TestMode, CartTypes: s.CartTypes, Modes: modes}
}

func (s *Site) lifetime(k payment.Kind) time.Duration {
	if k == payment.KindDeferred {
		if s.DeferredLifetime > 0 {
			return s.DeferredLifetime
		}
		return 30 * 24 * time.Hour
	}
	if s.SessionLifetime > 0 {
		return s.SessionLifetime
	}
	return 24 * time.Hour
}

// ModeCapabilities is what one site's configuration of a mode can do, for
// operators.
type ModeCapabilities struct {
	Site, Mode, Plugin string
	Enabled            bool
	// Loaded is false when no loaded plugin offers the mode.
	Loaded bool
	// Capabilities are the described ones less the withheld ones.
	Capabilities payment.Capabilities
	Withheld     []payment.Withheld
}

// ModeCapabilities lists every configured mode of every site, by site then
// mode id.
func (s *Service) ModeCapabilities() []ModeCapabilities {
	var out []ModeCapabilities
	for _, site := range s.sites {
		for id, m := range site.Modes {
			mc := ModeCapabilities{Site: site.ID, Mode: id, Enabled: m.Enabled, Withheld: m.Withheld}
			if avail, ok := s.mode(id); ok {
				mc.Loaded, mc.Plugin = true, avail.Plugin
				mc.Capabilities = avail.Mode.Capabilities.Without(m.Withheld)
			}
			out = append(out, mc)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Site != out[j].Site {
			return out[i].Site < out[j].Site
		}
		return out[i].Mode < out[j].Mode
	})
	return out
}
