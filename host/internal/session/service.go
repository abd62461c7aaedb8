package session

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/sdk/payment"
)

// Catalog is what the service needs from the plugin manager.
type Catalog interface {
	// Provider returns the plugin's provider; its calls carry deadlines and
	// fail fast with payment.CodePluginUnavailable while the plugin is down.
	Provider(plugin string) (payment.Provider, bool)
	// Available lists every mode of every loaded plugin with its health.
	Available() []eligibility.Available
}

// Options configures a Service.
type Options struct {
	Store   Store
	Catalog Catalog
	Sites   []Site
	// PublicURL is the host's external base URL, without trailing slash.
	PublicURL string
	Logger    hclog.Logger
	// QuerySchedule is the delay before each janitor Query of a pending
	// session or an open operation (default 5m, 1h, 24h ×3).
	QuerySchedule []time.Duration
	// Metrics observes transitions; nil records nothing.
	Metrics Metrics
	// Now and Random are injectable for tests; defaults are time.Now and
	// crypto/rand.
	Now    func() time.Time
	Random io.Reader
	// CallTimeout is the plugin call deadline: an Idempotency-Key's
	// claim lasts it plus a margin for the database work around the call
	// (default 15 s).
	CallTimeout time.Duration
	// StrandedAfter is how long a session may stay created, its Begin
	// never answered, before the janitor expires it (default 15 min).
	StrandedAfter time.Duration
	// KeyRetention and PayloadRetention are how long the janitor keeps
	// idempotency keys (default 30 days) and the payloads of delivered
	// webhooks (default 90 days). Sessions and events are never pruned.
	KeyRetention, PayloadRetention time.Duration
	// Switches, when set, hides the modes an admin switched off.
	Switches ModeFilter
}

// Service orchestrates sessions: eligibility, creation through the plugin's
// Begin, returns, notifications and operator actions, every state change
// going through Decide and one store transaction.
type Service struct {
	store     Store
	catalog   Catalog
	sites     map[string]*Site
	publicURL string
	log       hclog.Logger
	now       func() time.Time
	random    io.Reader
	schedule  []time.Duration
	metrics   Metrics
	// keyLease bounds the claim of an Idempotency-Key by a request in
	// progress: a retry after it presumes the request dead.
	keyLease time.Duration
	// strandedAfter is how long a session may stay created (its Begin
	// never answered, its host died) before the janitor expires it.
	strandedAfter time.Duration
	// sessionID, when set, is the id Create gives the session (reserved
	// by the idempotency key).
	sessionID string
	// keyRetention and payloadRetention: see Options.
	keyRetention, payloadRetention time.Duration
	switches                       ModeFilter
}

// NewService returns a service; it does no I/O.
func NewService(o Options) *Service {
	s := &Service{
		store:     o.Store,
		catalog:   o.Catalog,
		sites:     make(map[string]*Site, len(o.Sites)),
		publicURL: strings.TrimRight(o.PublicURL, "/"),
		log:       o.Logger,
		now:       o.Now,
		random:    o.Random,
		schedule:  o.QuerySchedule,
		metrics:   o.Metrics,
		switches:  o.Switches,
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 15 * time.Second
	}
	s.keyLease = o.CallTimeout + 10*time.Second
	s.keyRetention, s.payloadRetention = o.KeyRetention, o.PayloadRetention
	if s.keyRetention <= 0 {
		s.keyRetention = 30 * 24 * time.Hour
	}
	if s.payloadRetention <= 0 {
		s.payloadRetention = 90 * 24 * time.Hour
	}
	s.strandedAfter = o.StrandedAfter
	if s.strandedAfter <= 0 {
		s.strandedAfter = 15 * time.Minute
	}
	if len(s.schedule) == 0 {
		s.schedule = []time.Duration{5 * time.Minute, time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	}
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	s.store = observedStore{Store: o.Store, m: s.metrics}
	for i := range o.Sites {
		s.sites[o.Sites[i].ID] = &o.Sites[i]
	}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	return s
}

// Site returns a site's configuration.
func (s *Service) Site(id string) (*Site, bool) {
	site, ok := s.sites[id]
	return site, ok
}

// AnySiteAllowsOrigin reports whether some site lists origin in its
// allowed_origins (CORS preflights, which do not say which checkout).
func (s *Service) AnySiteAllowsOrigin(origin string) bool {
	for _, site := range s.sites {
		for _, o := range site.AllowedOrigins {
			if o == origin {
				return true
			}
		}
	}
	return false
}

// SiteForOrigin returns a site listing origin in its allowed_origins (a
// buyer's page links back to the shop the browser came from).
func (s *Service) SiteForOrigin(origin string) (*Site, bool) {
	for _, site := range s.sites {
		if slices.Contains(site.AllowedOrigins, origin) {
			return site, true
		}
	}
	return nil, false
}

// Ping checks storage.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

func (s *Service) clock() time.Time { return s.now().UTC() }

// idEncoding is lowercase base32 with its alphabet in ASCII order, so
// that ids sort as their bytes do.
var idEncoding = base32.NewEncoding("234567abcdefghijklmnopqrstuvwxyz").WithPadding(base32.NoPadding)

// idEpoch starts the time prefix of ids.
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// newID returns prefix + 32 base32 characters: 40 bits of milliseconds
// since 2020 (wrapping in 2054, which only costs locality) and 120 random
// bits. Ids made at nearly the same time sort together, so every index
// keyed by a session id (the sessions' own, and those of events, outbox,
// deliveries, queue heads, operations) grows at its end instead of
// rewriting a random page for each new session: fewer pages per commit,
// and a group commit's sessions share them. 120 random bits keep an id
// unguessable: a pay page is addressed by it.
func (s *Service) newID(prefix string) (string, error) {
	b := make([]byte, 20)
	ms := uint64(s.clock().Sub(idEpoch).Milliseconds())
	for i := 4; i >= 0; i-- {
		b[i], ms = byte(ms), ms>>8
	}
	if _, err := io.ReadFull(s.random, b[5:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return prefix + idEncoding.EncodeToString(b), nil
}

// mode finds a mode among the loaded plugins.
func (s *Service) mode(id string) (eligibility.Available, bool) {
	for _, a := range s.catalog.Available() {
		if a.Mode.ID == id {
			return a, true
		}
	}
	return eligibility.Available{}, false
}

func (s *Service) provider(plugin string) (payment.Provider, error) {
	p, ok := s.catalog.Provider(plugin)
	if !ok {
		return nil, errorf(CodePluginUnavailable, "plugin %s is not loaded", plugin)
	}
	return p, nil
}

// urls are the host endpoints for a session.
func (s *Service) urls(sess *Session) payment.URLs {
	ret := s.publicURL + "/return/" + sess.ID
	return payment.URLs{
		Pay:          s.publicURL + "/pay/" + sess.ID,
		Return:       ret,
		Cancel:       ret + "?cancel=1",
		Notify:       s.publicURL + "/notify/" + sess.Plugin + "/" + sess.ID,
		NotifyStatic: s.publicURL + "/notify/" + sess.Plugin,
	}
}

// paymentSession is the session as a plugin sees it.
func (s *Service) paymentSession(sess *Session, site *Site) payment.Session {
	lines := make([]payment.Line, len(sess.Cart.Lines))
	for i, l := range sess.Cart.Lines {
		lines[i] = payment.Line{SKU: l.SKU, Label: l.Label, Quantity: l.Quantity, UnitAmount: l.UnitAmount, TaxRate: l.TaxRate}
	}
	return payment.Session{
		ID:                    sess.ID,
		SiteID:                sess.SiteID,
		Mode:                  sess.Mode,
		Reference:             sess.Reference,
		OrderRef:              sess.OrderRef,
		Amount:                sess.Amount,
		Currency:              sess.Currency,
		Country:               sess.Country,
		Customer:              sess.Customer,
		Lines:                 lines,
		Status:                payment.Status(sess.Status),
		CreatedAt:             sess.CreatedAt,
		TestMode:              site.TestMode,
		ProviderTransactionID: sess.ProviderTransactionID,
		ProviderData:          sess.ProviderData,
		URLs:                  s.urls(sess),
	}
}

// pluginError turns an error from a plugin call into a service error; the
// plugin's message is kept for operators, its code decides the class.
func pluginError(plugin string, err error) *Error {
	code := payment.ErrorCode(err)
	switch code {
	case payment.CodePluginUnavailable:
		return wrapErr(CodePluginUnavailable, err, "plugin %s is unavailable, retry later", plugin)
	case payment.CodeTimeout:
		return wrapErr(CodePluginUnavailable, err, "plugin %s did not answer in time, retry later", plugin)
	case payment.CodeProviderUnavailable:
		return wrapErr(CodeProviderUnavailable, err, "the payment provider could not be reached, retry later")
	case payment.CodeProviderRejected:
		return wrapErr(CodeProviderRejected, err, "the payment provider refused the request")
	case payment.CodeInvalidSignature:
		return wrapErr(CodeInvalidSignature, err, "signature verification failed")
	case payment.CodeUnsupported:
		return wrapErr(CodeUnsupported, err, "the mode does not support this operation")
	case payment.CodeInvalidRequest:
		return wrapErr(CodeInvalidRequest, err, "the plugin refused the request")
	}
	return wrapErr(CodePluginError, err, "plugin %s failed", plugin)
}

// settled reports whether a plugin error leaves the state at the provider
// known: only then may a session be marked failed.
func settled(err error) bool {
	switch payment.ErrorCode(err) {
	case payment.CodeProviderRejected, payment.CodeInvalidRequest, payment.CodeInvalidConfig:
		return true
	}
	return false
}
