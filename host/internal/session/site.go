package session

import (
	"sort"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/sdk/payment"
)

// Site is a shop's configuration as the service needs it.
type Site struct {
	ID string
	// Name is shown to buyers.
	Name string
	// AllowedOrigins may call the checkout widget's endpoints (CORS).
	AllowedOrigins []string
	TestMode       bool
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
	// Unsupported are the mode's capabilities this configuration cannot
	// offer, with the plugin's reasons (its ValidateConfig answer).
	Unsupported []payment.UnsupportedCapability
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

// capabilities is what a mode can do for a site: what the plugin declares,
// minus what the site's configuration withholds.
func (s *Service) capabilities(siteID string, m payment.Mode) payment.Capabilities {
	site, ok := s.sites[siteID]
	if !ok {
		return m.Capabilities
	}
	return m.Capabilities.Without(site.Modes[m.ID].Unsupported)
}

// unsupportedReason explains why a site's mode lacks a capability: the
// plugin's reason when the configuration withholds it.
func (s *Service) unsupportedReason(siteID, mode string, c payment.Capability) string {
	if site, ok := s.sites[siteID]; ok {
		for _, u := range site.Modes[mode].Unsupported {
			if u.Capability == c || (c == payment.CapabilityPartialRefund && u.Capability == payment.CapabilityRefund) ||
				(c == payment.CapabilityPartialCapture && u.Capability == payment.CapabilityCapture) {
				return ": " + u.Reason
			}
		}
	}
	return ""
}

// ModeCapabilities is what one enabled mode of a site can do, for operators.
type ModeCapabilities struct {
	Site, Mode, Plugin string
	Enabled            bool
	// Capabilities are the effective ones; Unsupported says why the
	// configuration withholds others the plugin declares.
	Capabilities payment.Capabilities
	Unsupported  []payment.UnsupportedCapability
}

// SiteModeCapabilities lists every configured mode of every site offered
// by a loaded plugin, sorted by site and mode.
func (s *Service) SiteModeCapabilities() []ModeCapabilities {
	var out []ModeCapabilities
	for _, a := range s.catalog.Available() {
		for id, site := range s.sites {
			sm, ok := site.Modes[a.Mode.ID]
			if !ok {
				continue
			}
			out = append(out, ModeCapabilities{Site: id, Mode: a.Mode.ID, Plugin: a.Plugin, Enabled: sm.Enabled,
				Capabilities: s.capabilities(id, a.Mode), Unsupported: sm.Unsupported})
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
