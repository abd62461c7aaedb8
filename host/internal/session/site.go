package session

import (
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
