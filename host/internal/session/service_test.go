package session_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/sqlite"
	"github.com/payhost/payhost/host/internal/store/sqlstore"
	"github.com/payhost/payhost/sdk/payment"
)

// refProvider is an in-process provider whose modes only differ by the
// reference format they declare; Begin answers deferred instructions.
type refProvider struct{ payment.Unimplemented }

var refModes = []payment.Mode{
	{ID: "seq", Label: "Daily sequence", Kind: payment.KindDeferred,
		Reference: payment.ReferenceFormat{Kind: payment.ReferenceDailySequence, Charset: payment.CharsetNumeric, Length: 6, SequenceMin: 1, SequenceMax: 40}},
	{ID: "num", Label: "Numeric", Kind: payment.KindDeferred,
		Reference: payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetNumeric, Length: 9}},
	{ID: "alnum", Label: "Alphanumeric", Kind: payment.KindDeferred,
		Reference: payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetAlphanumeric, Length: 30}},
}

func (refProvider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{Name: "ref", ProtocolVersion: payment.ProtocolVersion, Modes: refModes}, nil
}
func (refProvider) ValidateConfig(context.Context, payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	return payment.ValidateConfigResponse{}, nil
}
func (refProvider) Begin(_ context.Context, r payment.BeginRequest) (payment.BeginResponse, error) {
	return payment.BeginResponse{Instructions: &payment.Instructions{Text: "ref " + r.Session.Reference}}, nil
}
func (refProvider) HandleReturn(context.Context, payment.CallbackRequest) (payment.CallbackResponse, error) {
	return payment.CallbackResponse{}, nil
}
func (refProvider) HandleNotification(context.Context, payment.CallbackRequest) (payment.CallbackResponse, error) {
	return payment.CallbackResponse{}, nil
}

type catalog struct{}

func (catalog) Provider(name string) (payment.Provider, bool) { return refProvider{}, name == "ref" }
func (catalog) Available() []eligibility.Available {
	out := make([]eligibility.Available, len(refModes))
	for i, m := range refModes {
		out[i] = eligibility.Available{Plugin: "ref", Healthy: true, Mode: m}
	}
	return out
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// openStore opens a fresh SQLite store, closed when the test ends.
func openStore(t *testing.T) *sqlstore.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newService(t *testing.T, c *clock) *session.Service {
	t.Helper()
	st := openStore(t)
	modes := map[string]session.SiteMode{}
	for _, m := range refModes {
		modes[m.ID] = session.SiteMode{Enabled: true}
	}
	return session.NewService(session.Options{
		Store: st, Catalog: catalog{}, PublicURL: "https://pay.example",
		Sites: []session.Site{{ID: "shop", WebhookSecret: "secret_secret_secret", Modes: modes}, {ID: "other", WebhookSecret: "secret_secret_secret", Modes: modes}},
		Now:   c.Now,
	})
}

func create(svc *session.Service, site, mode string) (*session.Session, error) {
	total := int64(1000)
	return svc.Create(context.Background(), site, session.CreateRequest{
		Mode: mode, OrderRef: "o-1", ReturnURL: "https://shop.example/back",
		Cart: session.CartInput{Type: "web", Currency: "EUR", Country: "FR", TotalAmount: &total,
			Lines: []session.Line{{SKU: "A", Label: "A", Quantity: 1, UnitAmount: 1000}}},
	})
}

// TestDailySequenceReferences: parallel creations get distinct consecutive
// references, zero-padded to the declared length; the sequence restarts on
// the next UTC day, is independent per site, and runs out cleanly.
func TestDailySequenceReferences(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 22, 23, 59, 0, 0, time.FixedZone("CET", 3600))}
	svc := newService(t, c)
	const n = 25
	refs := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := create(svc, "shop", "seq")
			if err != nil {
				t.Error(err)
				return
			}
			if s.ReferenceScope != "2026-11-22" {
				t.Errorf("scope %q: the day is the UTC day", s.ReferenceScope)
			}
			refs <- s.Reference
		}()
	}
	wg.Wait()
	close(refs)
	seen := map[string]bool{}
	for r := range refs {
		seen[r] = true
	}
	for i := 1; i <= n; i++ {
		if want := fmt.Sprintf("%06d", i); !seen[want] {
			t.Errorf("reference %s was not issued; got %v", want, seen)
		}
	}
	if s, _ := create(svc, "other", "seq"); s == nil || s.Reference != "000001" {
		t.Errorf("other site's first reference = %+v", s)
	}
	for i := n + 1; i <= 40; i++ {
		if _, err := create(svc, "shop", "seq"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := create(svc, "shop", "seq")
	if code := session.ErrorCode(err); code != session.CodeProviderUnavailable {
		t.Errorf("past the sequence maximum: %v (code %s)", err, code)
	}
	c.Set(time.Date(2026, 11, 23, 0, 0, 1, 0, time.UTC))
	if s, err := create(svc, "shop", "seq"); err != nil || s.Reference != "000001" || s.ReferenceScope != "2026-11-23" {
		t.Errorf("next day = %+v, %v", s, err)
	}
}

func TestRandomReferences(t *testing.T) {
	svc := newService(t, &clock{now: time.Now()})
	tests := []struct {
		mode string
		re   *regexp.Regexp
	}{
		{"num", regexp.MustCompile(`^[0-9]{9}$`)},
		{"alnum", regexp.MustCompile(`^[A-Za-z0-9]{30}$`)},
	}
	for _, tc := range tests {
		seen := map[string]bool{}
		for range 50 {
			s, err := create(svc, "shop", tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.re.MatchString(s.Reference) || seen[s.Reference] {
				t.Errorf("%s reference %q (repeated: %v)", tc.mode, s.Reference, seen[s.Reference])
			}
			seen[s.Reference] = true
		}
	}
}

func TestSiteScoping(t *testing.T) {
	svc := newService(t, &clock{now: time.Now()})
	s, err := create(svc, "shop", "num")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Get(context.Background(), "other", s.ID); !errors.Is(err, session.ErrNotFound) && session.ErrorCode(err) != session.CodeNotFound {
		t.Errorf("another site read the session: %v", err)
	}
	if got, _, err := svc.Get(context.Background(), "shop", s.ID); err != nil || got.ID != s.ID {
		t.Errorf("own site: %+v, %v", got, err)
	}
}
