// Package eligibility decides which payment modes a cart may use. It is a
// pure function of the cart, the site's configuration and the modes the
// loaded plugins offer, so every rule is testable without I/O.
package eligibility

import (
	"slices"
	"sort"

	"github.com/payhost/payhost/sdk/payment"
)

// Cart is what eligibility looks at. Total is in minor units; Currency and
// Country are already normalised (ISO 4217 and ISO 3166-1 alpha-2, upper case).
type Cart struct {
	Type     string
	Currency string
	Country  string
	Total    int64
}

// SiteMode is one mode as a site configures it. Zero bounds and empty lists
// mean "no restriction beyond the plugin's own".
type SiteMode struct {
	Enabled           bool
	Order             int
	MinAmount         int64
	MaxAmount         int64
	Currencies        []string
	Countries         []string
	ExcludedCountries []string
}

// Site is the part of a site's configuration eligibility needs.
type Site struct {
	TestMode bool
	// CartTypes allowed for the site; empty means only "web".
	CartTypes []string
	Modes     map[string]SiteMode
}

// Available is one mode a loaded plugin offers.
type Available struct {
	Plugin  string
	Healthy bool
	// Permanent is set when the plugin is down and only an operator can
	// bring it back (retrying will not help).
	Permanent bool
	Mode      payment.Mode
}

// Reason says why a mode is refused. Reasons are part of the HTTP API.
type Reason string

// Refusal reasons, in the order the rules are checked.
const (
	ReasonPluginUnavailable Reason = "plugin_unavailable"
	ReasonModeDisabled      Reason = "mode_disabled"
	ReasonTestModeOnly      Reason = "test_mode_only"
	ReasonCartType          Reason = "cart_type_not_allowed"
	ReasonZeroTotal         Reason = "zero_total"
	ReasonRequiresZeroTotal Reason = "requires_zero_total"
	ReasonCurrency          Reason = "currency_not_supported"
	ReasonCountry           Reason = "country_not_allowed"
	ReasonBelowMinimum      Reason = "amount_below_minimum"
	ReasonAboveMaximum      Reason = "amount_above_maximum"
)

// Offer is a mode the cart may use.
type Offer struct {
	ID          string
	Plugin      string
	Label       string
	Description string
	LogoURL     string
	Kind        payment.Kind
	Order       int
}

// Refusal is a mode the cart may not use, with the first rule it failed.
type Refusal struct {
	ID     string
	Reason Reason
}

// Result lists offers (by the site's order, then id) and refusals (by id).
type Result struct {
	Offers  []Offer
	Refused []Refusal
}

// Allows reports whether the mode is offered, or why not. A mode that is
// neither configured nor offered by any plugin reports
// [ReasonPluginUnavailable]; callers tell "unknown mode" from that.
func (r Result) Allows(modeID string) (bool, Reason) {
	for _, o := range r.Offers {
		if o.ID == modeID {
			return true, ""
		}
	}
	for _, rf := range r.Refused {
		if rf.ID == modeID {
			return false, rf.Reason
		}
	}
	return false, ReasonPluginUnavailable
}

// Evaluate applies the rules to every mode the site configures or a plugin
// offers. Each mode gets one entry: an offer, or a refusal with the first
// failing rule.
func Evaluate(cart Cart, site Site, available []Available) Result {
	byID := make(map[string]Available, len(available))
	for _, a := range available {
		byID[a.Mode.ID] = a
	}
	ids := make([]string, 0, len(site.Modes)+len(available))
	for id := range site.Modes {
		ids = append(ids, id)
	}
	for _, a := range available {
		if _, ok := site.Modes[a.Mode.ID]; !ok {
			ids = append(ids, a.Mode.ID)
		}
	}
	sort.Strings(ids)
	ids = slices.Compact(ids)

	var res Result
	for _, id := range ids {
		a, offered := byID[id]
		sm, configured := site.Modes[id]
		reason := Reason("")
		if !offered || !a.Healthy {
			reason = ReasonPluginUnavailable
		} else if !configured || !sm.Enabled {
			reason = ReasonModeDisabled
		} else {
			reason = check(cart, site, sm, a.Mode)
		}
		if reason != "" {
			res.Refused = append(res.Refused, Refusal{ID: id, Reason: reason})
			continue
		}
		m := a.Mode
		res.Offers = append(res.Offers, Offer{ID: id, Plugin: a.Plugin, Label: m.Label, Description: m.Description, LogoURL: m.LogoURL, Kind: m.Kind, Order: sm.Order})
	}
	sort.SliceStable(res.Offers, func(i, j int) bool { return res.Offers[i].Order < res.Offers[j].Order })
	return res
}

// check applies the rules of an enabled mode of a healthy plugin.
func check(cart Cart, site Site, sm SiteMode, m payment.Mode) Reason {
	cartTypes := site.CartTypes
	if len(cartTypes) == 0 {
		cartTypes = []string{"web"}
	}
	switch {
	case m.TestOnly && !site.TestMode:
		return ReasonTestModeOnly
	case !slices.Contains(cartTypes, cart.Type):
		return ReasonCartType
	case cart.Total == 0 && !m.ZeroAmount:
		return ReasonZeroTotal
	case cart.Total != 0 && m.ZeroAmount:
		return ReasonRequiresZeroTotal
	case !allowed(m.Currencies, cart.Currency) || !allowed(sm.Currencies, cart.Currency):
		return ReasonCurrency
	case !allowed(m.Countries, cart.Country) || !allowed(sm.Countries, cart.Country) || slices.Contains(sm.ExcludedCountries, cart.Country):
		return ReasonCountry
	}
	if m.ZeroAmount {
		return ""
	}
	switch {
	case below(cart.Total, m.MinAmount) || below(cart.Total, sm.MinAmount):
		return ReasonBelowMinimum
	case above(cart.Total, m.MaxAmount) || above(cart.Total, sm.MaxAmount):
		return ReasonAboveMaximum
	}
	return ""
}

// allowed treats an empty list as "any".
func allowed(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

func below(total, minimum int64) bool { return minimum > 0 && total < minimum }
func above(total, maximum int64) bool { return maximum > 0 && total > maximum }
