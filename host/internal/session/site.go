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
	// Unsupported lists the mode's capabilities this configuration cannot
	// offer, with the plugin's reason (from ValidateConfig).
	Unsupported []payment.UnsupportedCapability
}

// capabilities are what the mode offers with this site's configuration.
func (s *Site) capabilities(m payment.Mode) payment.Capabilities {
	return m.Capabilities.Without(s.Modes[m.ID].Unsupported)
}

// unsupportedReason says why the site's configuration of a mode lacks a
// capability ("" when the plugin gave no reason).
func (s *Site) unsupportedReason(mode, capability string) string {
	for _, u := range s.Modes[mode].Unsupported {
		if u.Capability == capability {
			return u.Reason
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

// SiteView is a site's modes as operators see them: what each mode can do
// with the site's configuration, and why it cannot do the rest.
type SiteView struct {
	ID       string         `json:"id"`
	TestMode bool           `json:"test_mode"`
	Modes    []SiteModeView `json:"modes"`
}

// SiteModeView is one configured mode of a site.
type SiteModeView struct {
	ID      string `json:"id"`
	Enabled bool   `json:"enabled"`
	Plugin  string `json:"plugin,omitempty"`
	// Capabilities names the operations available (refund, partial_refund,
	// capture, partial_capture, cancel, query).
	Capabilities []string          `json:"capabilities"`
	Unsupported  []UnsupportedView `json:"unsupported"`
}

// UnsupportedView is a capability the mode offers but this configuration
// cannot, with the plugin's reason.
type UnsupportedView struct {
	Capability string `json:"capability"`
	Reason     string `json:"reason"`
}

// Sites describes every site's modes, sorted by site and mode id.
func (s *Service) Sites() []SiteView {
	out := make([]SiteView, 0, len(s.sites))
	for _, site := range s.sites {
		v := SiteView{ID: site.ID, TestMode: site.TestMode, Modes: []SiteModeView{}}
		for id, sm := range site.Modes {
			mv := SiteModeView{ID: id, Enabled: sm.Enabled, Capabilities: []string{}, Unsupported: []UnsupportedView{}}
			if avail, ok := s.mode(id); ok {
				mv.Plugin = avail.Plugin
				c := site.capabilities(avail.Mode)
				for _, x := range []struct {
					on   bool
					name string
				}{{c.Refund, payment.CapabilityRefund}, {c.PartialRefund, payment.CapabilityPartialRefund}, {c.Capture, payment.CapabilityCapture},
					{c.PartialCapture, payment.CapabilityPartialCapture}, {c.Cancel, payment.CapabilityCancel}, {c.Query, payment.CapabilityQuery}} {
					if x.on {
						mv.Capabilities = append(mv.Capabilities, x.name)
					}
				}
			}
			for _, u := range sm.Unsupported {
				mv.Unsupported = append(mv.Unsupported, UnsupportedView{Capability: u.Capability, Reason: u.Reason})
			}
			v.Modes = append(v.Modes, mv)
		}
		sort.Slice(v.Modes, func(i, j int) bool { return v.Modes[i].ID < v.Modes[j].ID })
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
