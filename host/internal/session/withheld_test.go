package session_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/sqlite"
	"github.com/payhost/payhost/sdk/payment"
)

// opsCatalog offers one mode that describes cancel and query.
type opsCatalog struct{}

var opsMode = payment.Mode{ID: "ops", Label: "Ops", Kind: payment.KindDeferred,
	Capabilities: payment.Capabilities{Cancel: true, Query: true, Refund: true, PartialRefund: true},
	Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetAlphanumeric, Length: 20}}

func (opsCatalog) Provider(name string) (payment.Provider, bool) { return refProvider{}, name == "ref" }
func (opsCatalog) Available() []eligibility.Available {
	return []eligibility.Available{{Plugin: "ref", Healthy: true, Mode: opsMode}}
}

// TestWithheldCapabilities: a capability the plugin withholds for one
// site's configuration is refused there with the plugin's reason, shown to
// operators, and left alone on a site that has it.
func TestWithheldCapabilities(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const reason = "no API password configured"
	withheld := []payment.Withheld{{Capability: payment.CapabilityCancel, Reason: reason}, {Capability: payment.CapabilityQuery, Reason: reason}}
	c := &clock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	svc := session.NewService(session.Options{
		Store: st, Catalog: opsCatalog{}, PublicURL: "https://pay.example", Now: c.Now,
		Sites: []session.Site{
			{ID: "shop", WebhookSecret: "secret_secret_secret", Modes: map[string]session.SiteMode{"ops": {Enabled: true, Withheld: withheld}}},
			{ID: "other", WebhookSecret: "secret_secret_secret", Modes: map[string]session.SiteMode{"ops": {Enabled: true}}},
		},
	})
	ctx := context.Background()
	for _, site := range []string{"shop", "other"} {
		s, err := create(svc, site, "ops")
		if err != nil {
			t.Fatal(err)
		}
		_, _, opErr := svc.Operate(ctx, site, s.ID, session.OperationRequest{Kind: session.OperationCancel})
		_, qErr := svc.Reconcile(ctx, s.ID, session.SourceOperator)
		for what, err := range map[string]error{"cancel": opErr, "query": qErr} {
			if session.ErrorCode(err) != session.CodeUnsupported {
				t.Errorf("%s %s: %v, want unsupported", site, what, err)
			}
			// On "other" the plugin itself answers unsupported (it
			// implements nothing); only the withholding site gives the reason.
			if got := strings.Contains(err.Error(), reason); got != (site == "shop") {
				t.Errorf("%s %s: %v", site, what, err)
			}
		}
		got, _, _ := svc.Get(ctx, site, s.ID)
		if (site == "shop") != got.NextCheckAt.IsZero() {
			t.Errorf("%s: next check %v; a site that cannot query waits for expiry", site, got.NextCheckAt)
		}
	}
	mcs := svc.ModeCapabilities()
	if len(mcs) != 2 || mcs[0].Site != "other" || !mcs[0].Capabilities.Cancel || len(mcs[0].Withheld) != 0 ||
		mcs[1].Site != "shop" || mcs[1].Capabilities.Cancel || mcs[1].Capabilities.Query || !mcs[1].Capabilities.Refund || mcs[1].Withheld[0].Reason != reason {
		t.Errorf("ModeCapabilities = %+v", mcs)
	}
}

func TestCapabilitiesWithout(t *testing.T) {
	all := payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true, Query: true}
	got := all.Without([]payment.Withheld{{Capability: payment.CapabilityRefund}, {Capability: payment.CapabilityPartialCapture}})
	want := payment.Capabilities{Capture: true, Cancel: true, Query: true}
	if got != want {
		t.Errorf("Without = %+v, want %+v", got, want)
	}
}
