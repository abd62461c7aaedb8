package eligibility

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

func offline(healthy bool) []Available {
	return []Available{
		{Plugin: "offline", Healthy: healthy, Mode: payment.Mode{ID: "test", Label: "Test", Kind: payment.KindRedirect, TestOnly: true}},
		{Plugin: "offline", Healthy: healthy, Mode: payment.Mode{ID: "free", Label: "Free", Kind: payment.KindInstant, ZeroAmount: true}},
		{Plugin: "offline", Healthy: healthy, Mode: payment.Mode{ID: "cheque", Label: "Cheque", Kind: payment.KindDeferred}},
		{Plugin: "offline", Healthy: healthy, Mode: payment.Mode{ID: "transfer", Label: "Transfer", Kind: payment.KindDeferred}},
		{Plugin: "card", Healthy: healthy, Mode: payment.Mode{ID: "card", Label: "Card", Kind: payment.KindRedirect,
			Currencies: []string{"EUR", "USD"}, Countries: []string{"FR", "DE", "US"}, MinAmount: 100, MaxAmount: 1_000_000}},
	}
}

func site() Site {
	return Site{
		TestMode:  true,
		CartTypes: []string{"web", "click_and_collect"},
		Modes: map[string]SiteMode{
			"test":     {Enabled: true, Order: 1},
			"free":     {Enabled: true, Order: 2},
			"cheque":   {Enabled: true, Order: 3, MaxAmount: 100000, Currencies: []string{"EUR"}, Countries: []string{"FR", "BE"}},
			"transfer": {Enabled: true, Order: 4, MinAmount: 1000, ExcludedCountries: []string{"US"}},
			"card":     {Enabled: true, Order: 0},
			"paypal":   {Enabled: true, Order: 5}, // no plugin offers it
		},
	}
}

func TestRules(t *testing.T) {
	eurFR := func(total int64) Cart { return Cart{Type: "web", Currency: "EUR", Country: "FR", Total: total} }
	tests := []struct {
		name string
		cart Cart
		edit func(*Site, *[]Available)
		mode string
		want Reason
	}{
		{"offered", eurFR(5000), nil, "cheque", ""},
		{"no plugin", eurFR(5000), nil, "paypal", ReasonPluginUnavailable},
		{"unhealthy plugin", eurFR(5000), func(_ *Site, a *[]Available) { *a = offline(false) }, "cheque", ReasonPluginUnavailable},
		{"unknown mode", eurFR(5000), nil, "bitcoin", ReasonPluginUnavailable},
		{"disabled", eurFR(5000), func(s *Site, _ *[]Available) { m := s.Modes["cheque"]; m.Enabled = false; s.Modes["cheque"] = m }, "cheque", ReasonModeDisabled},
		{"offered by plugin, not configured", eurFR(5000), func(s *Site, _ *[]Available) { delete(s.Modes, "cheque") }, "cheque", ReasonModeDisabled},
		{"test only on a live site", eurFR(5000), func(s *Site, _ *[]Available) { s.TestMode = false }, "test", ReasonTestModeOnly},
		{"test mode site", eurFR(5000), nil, "test", ""},
		{"cart type", Cart{Type: "marketplace", Currency: "EUR", Country: "FR", Total: 5000}, nil, "cheque", ReasonCartType},
		{"default cart types are web only", Cart{Type: "click_and_collect", Currency: "EUR", Country: "FR", Total: 5000}, func(s *Site, _ *[]Available) { s.CartTypes = nil }, "cheque", ReasonCartType},
		{"zero total on a paying mode", eurFR(0), nil, "cheque", ReasonZeroTotal},
		{"free mode with a total", eurFR(5000), nil, "free", ReasonRequiresZeroTotal},
		{"free mode at zero", eurFR(0), nil, "free", ""},
		{"free mode ignores minimums", eurFR(0), func(s *Site, _ *[]Available) { m := s.Modes["free"]; m.MinAmount = 100; s.Modes["free"] = m }, "free", ""},
		{"site currency before country", Cart{Type: "web", Currency: "USD", Country: "DE", Total: 5000}, nil, "cheque", ReasonCurrency},
		{"plugin currency", Cart{Type: "web", Currency: "GBP", Country: "FR", Total: 5000}, nil, "card", ReasonCurrency},
		{"site country", Cart{Type: "web", Currency: "EUR", Country: "DE", Total: 5000}, nil, "cheque", ReasonCountry},
		{"plugin country", Cart{Type: "web", Currency: "EUR", Country: "BE", Total: 5000}, nil, "card", ReasonCountry},
		{"excluded country", Cart{Type: "web", Currency: "USD", Country: "US", Total: 5000}, nil, "transfer", ReasonCountry},
		{"site minimum", eurFR(999), nil, "transfer", ReasonBelowMinimum},
		{"site minimum reached", eurFR(1000), nil, "transfer", ""},
		{"plugin minimum", eurFR(99), nil, "card", ReasonBelowMinimum},
		{"site maximum reached", eurFR(100000), nil, "cheque", ""},
		{"site maximum", eurFR(100001), nil, "cheque", ReasonAboveMaximum},
		{"plugin maximum", eurFR(1_000_001), nil, "card", ReasonAboveMaximum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, a := site(), offline(true)
			if tc.edit != nil {
				tc.edit(&s, &a)
			}
			res := Evaluate(tc.cart, s, a)
			ok, reason := res.Allows(tc.mode)
			if ok != (tc.want == "") || reason != tc.want {
				t.Fatalf("Allows(%s) = %v, %q; want %q\n%+v", tc.mode, ok, reason, tc.want, res)
			}
		})
	}
}

func TestOneEntryPerModeInOrder(t *testing.T) {
	res := Evaluate(Cart{Type: "web", Currency: "EUR", Country: "FR", Total: 5000}, site(), offline(true))
	var offered []string
	for _, o := range res.Offers {
		offered = append(offered, o.ID)
	}
	if want := []string{"card", "test", "cheque", "transfer"}; !reflect.DeepEqual(offered, want) {
		t.Errorf("offers = %v, want %v (by site order)", offered, want)
	}
	want := []Refusal{{"free", ReasonRequiresZeroTotal}, {"paypal", ReasonPluginUnavailable}}
	if !reflect.DeepEqual(res.Refused, want) {
		t.Errorf("refused = %+v, want %+v", res.Refused, want)
	}
	if o := res.Offers[0]; o.Plugin != "card" || o.Label != "Card" || o.Kind != payment.KindRedirect {
		t.Errorf("offer = %+v", o)
	}
}

func TestSameOrderSortsByID(t *testing.T) {
	s := site()
	for id, m := range s.Modes {
		m.Order = 7
		s.Modes[id] = m
	}
	res := Evaluate(Cart{Type: "web", Currency: "EUR", Country: "FR", Total: 5000}, s, offline(true))
	var got []string
	for _, o := range res.Offers {
		got = append(got, o.ID)
	}
	if want := []string{"card", "cheque", "test", "transfer"}; !reflect.DeepEqual(got, want) {
		t.Errorf("offers = %v, want %v", got, want)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	s, a := site(), offline(true)
	for i := range 5 {
		id := fmt.Sprintf("extra%d", i)
		a = append(a, Available{Plugin: "x", Healthy: true, Mode: payment.Mode{ID: id, Kind: payment.KindRedirect, Currencies: []string{"EUR"}}})
		s.Modes[id] = SiteMode{Enabled: true, Order: 10 + i}
	}
	cart := Cart{Type: "web", Currency: "EUR", Country: "FR", Total: 5000}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(cart, s, a)
	}
}
