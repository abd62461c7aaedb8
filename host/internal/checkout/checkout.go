// Package checkout is the hosted checkout: a cart waiting for its buyer to
// pick a payment mode. Picking creates a session exactly as POST
// /v1/sessions does (same validation, eligibility checked again at that
// moment) and links it to the checkout. A refused or cancelled attempt
// sends the buyer back to the checkout to pick again; a checkout has at
// most one active attempt (created, pending or successful), which the store
// enforces, so it is paid at most once.
package checkout

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

// Checkout is what the shop asked to be paid, waiting for a mode.
type Checkout struct {
	// ID is "co_" followed by 160 random bits.
	ID        string
	SiteID    string
	OrderRef  string
	Cart      session.Cart
	Customer  payment.Customer
	ReturnURL string
	CancelURL string
	// ClientSecret authorizes the widget's public calls for this checkout
	// only; the shop puts it in its own page.
	ClientSecret string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// Status is a checkout's state, derived from its sessions and the clock.
type Status string

// Checkout states.
const (
	// StatusOpen: the buyer may pick a mode.
	StatusOpen Status = "open"
	// StatusProcessing: an attempt is created or pending.
	StatusProcessing Status = "processing"
	// StatusComplete: an attempt succeeded (authorized, paid, refunded
	// since).
	StatusComplete Status = "complete"
	// StatusExpired: no attempt succeeded in time.
	StatusExpired Status = "expired"
)

// Store keeps checkouts; the sqlstore implements it beside session.Store.
type Store interface {
	CreateCheckout(ctx context.Context, c *Checkout) error
	// Checkout returns one checkout; session.ErrNotFound if absent.
	Checkout(ctx context.Context, id string) (*Checkout, error)
	// CheckoutSessions lists the checkout's sessions, oldest first.
	CheckoutSessions(ctx context.Context, id string) ([]*session.Session, error)
	ClaimIdempotencyKey(ctx context.Context, k session.IdempotencyKey) (rec *session.IdempotencyKey, held bool, err error)
	CompleteIdempotencyKey(ctx context.Context, siteID, key string, resp session.IdempotentResponse) error
	ReleaseIdempotencyKey(ctx context.Context, siteID, key string) error
}

// Sessions is what a checkout needs from the session service.
type Sessions interface {
	Create(ctx context.Context, siteID string, req session.CreateRequest) (*session.Session, error)
	Eligibility(ctx context.Context, siteID string, in session.CartInput) (eligibility.Result, error)
	Site(id string) (*session.Site, bool)
	Abandon(ctx context.Context, id string) (*session.Session, error)
}

// Options configures a Service.
type Options struct {
	Store    Store
	Sessions Sessions
	// PublicURL is the host's external base URL, without trailing slash.
	PublicURL string
	// Now and Random are injectable for tests.
	Now    func() time.Time
	Random io.Reader
}

// Service creates checkouts and turns the buyer's pick into a session.
type Service struct {
	store     Store
	sessions  Sessions
	publicURL string
	now       func() time.Time
	random    io.Reader
}

// NewService returns a service; it does no I/O.
func NewService(o Options) *Service {
	s := &Service{store: o.Store, sessions: o.Sessions, publicURL: strings.TrimRight(o.PublicURL, "/"), now: o.Now, random: o.Random}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	return s
}

// Lifetime bounds.
const (
	DefaultLifetime = 24 * time.Hour
	MaxLifetime     = 7 * 24 * time.Hour
)

// CreateRequest is what POST /v1/checkouts takes: a session's request
// without the mode.
type CreateRequest struct {
	OrderRef  string            `json:"order_ref"`
	Cart      session.CartInput `json:"cart"`
	Customer  payment.Customer  `json:"customer"`
	ReturnURL string            `json:"return_url"`
	CancelURL string            `json:"cancel_url"`
	// ExpiresIn is the checkout's lifetime in seconds (default 24 h, at
	// most 7 days).
	ExpiresIn int64 `json:"expires_in,omitempty"`
}

func errorf(code, format string, args ...any) *session.Error {
	return &session.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func wrapErr(code string, err error, msg string) *session.Error {
	return &session.Error{Code: code, Message: msg, Err: err}
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func (s *Service) random160(prefix string) (string, error) {
	b := make([]byte, 20)
	if _, err := io.ReadFull(s.random, b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return prefix + idEncoding.EncodeToString(b), nil
}

// Create validates the request as a session's and stores the checkout.
func (s *Service) Create(ctx context.Context, siteID string, req CreateRequest) (*State, error) {
	if _, ok := s.sessions.Site(siteID); !ok {
		return nil, errorf(session.CodeNotFound, "unknown site")
	}
	sreq := session.CreateRequest{OrderRef: req.OrderRef, Cart: req.Cart, Customer: req.Customer, ReturnURL: req.ReturnURL, CancelURL: req.CancelURL}
	if err := session.CheckOrder(&sreq); err != nil {
		return nil, err
	}
	cart, err := session.CheckCart(req.Cart)
	if err != nil {
		return nil, err
	}
	life := DefaultLifetime
	if req.ExpiresIn != 0 {
		if req.ExpiresIn < 1 || req.ExpiresIn > int64(MaxLifetime/time.Second) {
			return nil, errorf(session.CodeInvalidRequest, "expires_in must be between 1 and %d seconds", int64(MaxLifetime/time.Second))
		}
		life = time.Duration(req.ExpiresIn) * time.Second
	}
	id, err := s.random160("co_")
	if err != nil {
		return nil, wrapErr(session.CodeInternal, err, "creating the checkout failed")
	}
	secret, err := s.random160("cs_")
	if err != nil {
		return nil, wrapErr(session.CodeInternal, err, "creating the checkout failed")
	}
	now := s.now().UTC()
	c := &Checkout{
		ID: id, SiteID: siteID, OrderRef: sreq.OrderRef, Cart: cart, Customer: sreq.Customer,
		ReturnURL: sreq.ReturnURL, CancelURL: sreq.CancelURL, ClientSecret: id + "_secret_" + strings.TrimPrefix(secret, "cs_"),
		CreatedAt: now, ExpiresAt: now.Add(life),
	}
	if c.CancelURL == "" {
		c.CancelURL = c.ReturnURL
	}
	if err := s.store.CreateCheckout(ctx, c); err != nil {
		return nil, wrapErr(session.CodeInternal, err, "storing the checkout failed")
	}
	return &State{Checkout: c, Status: StatusOpen}, nil
}

// idempotencyPrefix keeps checkout keys apart from session keys in the one
// table: shops' keys are printable ASCII without spaces.
const idempotencyPrefix = "checkout "

// CreateIdempotent is Create guarded by the shop's Idempotency-Key, with the
// rules of session creation: same key and body → the first response again;
// another body → CodeIdempotencyKeyReused; still running →
// CodeIdempotencyInProgress; a failed request frees its key.
func (s *Service) CreateIdempotent(ctx context.Context, siteID, key, requestHash string, req CreateRequest) (body []byte, replayed bool, err error) {
	k := idempotencyPrefix + key
	existing, held, err := s.store.ClaimIdempotencyKey(ctx, session.IdempotencyKey{SiteID: siteID, Key: k, RequestHash: requestHash, CreatedAt: s.now().UTC()})
	if err != nil {
		return nil, false, wrapErr(session.CodeInternal, err, "recording the idempotency key failed")
	}
	if !held {
		switch {
		case existing.RequestHash != requestHash:
			return nil, false, errorf(session.CodeIdempotencyKeyReused, "this Idempotency-Key was used with another request body")
		case existing.Response != nil && existing.Response.StatusCode != 0:
			return existing.Response.Body, true, nil
		}
		return nil, false, errorf(session.CodeIdempotencyInProgress, "a request with this Idempotency-Key is still being processed")
	}
	st, err := s.Create(ctx, siteID, req)
	if err != nil {
		if rerr := s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), siteID, k); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, false, err
	}
	body, err = json.Marshal(s.View(st))
	if err != nil {
		return nil, false, wrapErr(session.CodeInternal, err, "encoding the checkout failed")
	}
	if err := s.store.CompleteIdempotencyKey(ctx, siteID, k, session.IdempotentResponse{StatusCode: 201, Body: body}); err != nil {
		return nil, false, wrapErr(session.CodeInternal, err, "storing the idempotent response failed")
	}
	return body, false, nil
}

// State is a checkout with its attempts and derived status.
type State struct {
	*Checkout
	Sessions []*session.Session
	Status   Status
}

// Success returns the successful attempt, or nil.
func (st *State) Success() *session.Session {
	for _, se := range st.Sessions {
		if se.Status.Success() {
			return se
		}
	}
	return nil
}

// Active returns the attempt being paid (created or pending), or nil.
func (st *State) Active() *session.Session {
	for _, se := range st.Sessions {
		if se.Status == session.StatusCreated || se.Status == session.StatusPending {
			return se
		}
	}
	return nil
}

// Last returns the latest attempt, or nil.
func (st *State) Last() *session.Session {
	if len(st.Sessions) == 0 {
		return nil
	}
	return st.Sessions[len(st.Sessions)-1]
}

func (s *Service) state(ctx context.Context, c *Checkout) (*State, error) {
	sessions, err := s.store.CheckoutSessions(ctx, c.ID)
	if err != nil {
		return nil, wrapErr(session.CodeInternal, err, "reading the checkout's sessions failed")
	}
	st := &State{Checkout: c, Sessions: sessions}
	switch {
	case st.Success() != nil:
		st.Status = StatusComplete
	case st.Active() != nil:
		st.Status = StatusProcessing
	case !s.now().Before(c.ExpiresAt):
		st.Status = StatusExpired
	default:
		st.Status = StatusOpen
	}
	return st, nil
}

// Get returns a checkout with its attempts; siteID "" skips the site check
// (the buyer's pages, which know the unguessable id).
func (s *Service) Get(ctx context.Context, siteID, id string) (*State, error) {
	c, err := s.store.Checkout(ctx, id)
	if errors.Is(err, session.ErrNotFound) || (err == nil && siteID != "" && c.SiteID != siteID) {
		return nil, errorf(session.CodeNotFound, "no such checkout")
	}
	if err != nil {
		return nil, wrapErr(session.CodeInternal, err, "reading the checkout failed")
	}
	return s.state(ctx, c)
}

// Authorize returns the checkout when clientSecret is its client secret
// (compared in constant time); CodeNotFound otherwise, so that a wrong
// secret reveals nothing about the checkout.
func (s *Service) Authorize(ctx context.Context, id, clientSecret string) (*State, error) {
	c, err := s.store.Checkout(ctx, id)
	if errors.Is(err, session.ErrNotFound) || (err == nil && subtle.ConstantTimeCompare([]byte(c.ClientSecret), []byte(clientSecret)) != 1) {
		return nil, errorf(session.CodeNotFound, "no such checkout")
	}
	if err != nil {
		return nil, wrapErr(session.CodeInternal, err, "reading the checkout failed")
	}
	return s.state(ctx, c)
}

// Offers returns the modes the checkout's cart may use now.
func (s *Service) Offers(ctx context.Context, st *State) ([]eligibility.Offer, error) {
	res, err := s.sessions.Eligibility(ctx, st.SiteID, st.cartInput())
	if err != nil {
		return nil, err
	}
	return res.Offers, nil
}

func (c *Checkout) cartInput() session.CartInput {
	total := c.Cart.TotalAmount
	return session.CartInput{Type: c.Cart.Type, Currency: c.Cart.Currency, Country: c.Cart.Country,
		Lines: c.Cart.Lines, ShippingAmount: c.Cart.ShippingAmount, TotalAmount: &total}
}

// Pick creates the session of the buyer's chosen mode, as POST /v1/sessions
// would, linked to the checkout. It refuses an expired checkout
// (CodeCheckoutExpired) and one with an attempt under way or successful
// (CodeAttemptActive); the store checks the latter again atomically.
func (s *Service) Pick(ctx context.Context, st *State, mode string) (*session.Session, error) {
	switch st.Status {
	case StatusExpired:
		return nil, errorf(session.CodeCheckoutExpired, "this checkout has expired")
	case StatusProcessing, StatusComplete:
		return nil, errorf(session.CodeAttemptActive, "a payment of this checkout is already under way or done")
	}
	return s.sessions.Create(ctx, st.SiteID, session.CreateRequest{
		Mode: mode, OrderRef: st.OrderRef, Cart: st.cartInput(), Customer: st.Customer,
		ReturnURL: st.ReturnURL, CancelURL: st.CancelURL, CheckoutID: st.ID,
	})
}

// AbandonToken authorizes the hosted pages' "choose another payment
// method" form for one attempt: an HMAC of the attempt's id under the
// checkout's client secret. Another site's page cannot forge it (the form
// is CSRF-safe), and a form left open in another tab does not cancel a
// newer attempt.
func (c *Checkout) AbandonToken(sessionID string) string {
	m := hmac.New(sha256.New, []byte(c.ClientSecret))
	m.Write([]byte("payhost abandon v1\x00" + sessionID))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckAbandonToken reports whether token is AbandonToken(sessionID).
func (c *Checkout) CheckAbandonToken(sessionID, token string) bool {
	return hmac.Equal([]byte(c.AbandonToken(sessionID)), []byte(token))
}

// Abandon ends the checkout's attempt under way, which must be sessionID
// (else CodeInvalidState: nothing under way, or another attempt since),
// so that the buyer may pick another mode. The session service asks the
// provider first where the mode can: the attempt returned may turn out
// paid rather than cancelled.
func (s *Service) Abandon(ctx context.Context, st *State, sessionID string) (*session.Session, error) {
	active := st.Active()
	if active == nil || active.ID != sessionID {
		return nil, errorf(session.CodeInvalidState, "no payment attempt %q of this checkout is under way", sessionID)
	}
	return s.sessions.Abandon(ctx, active.ID)
}

// URL is the hosted chooser page of a checkout.
func (s *Service) URL(id string) string { return s.publicURL + "/checkout/" + id }

// View is a checkout as the shop API shows it.
type View struct {
	ID     string `json:"id"`
	Site   string `json:"site"`
	Status Status `json:"status"`
	// Livemode is false for a checkout of a test-mode site: no money moves.
	Livemode     bool          `json:"livemode"`
	URL          string        `json:"url"`
	ClientSecret string        `json:"client_secret"`
	OrderRef     string        `json:"order_ref"`
	Amount       int64         `json:"amount"`
	Currency     string        `json:"currency"`
	Cart         session.Cart  `json:"cart"`
	Customer     CustomerView  `json:"customer"`
	ReturnURL    string        `json:"return_url"`
	CancelURL    string        `json:"cancel_url"`
	CreatedAt    time.Time     `json:"created_at"`
	ExpiresAt    time.Time     `json:"expires_at"`
	SessionID    string        `json:"session_id,omitempty"`
	Sessions     []AttemptView `json:"sessions"`
}

// CustomerView is the customer with JSON names.
type CustomerView struct {
	Email  string `json:"email,omitempty"`
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// AttemptView is one session of a checkout.
type AttemptView struct {
	ID     string         `json:"id"`
	Mode   string         `json:"mode"`
	Status session.Status `json:"status"`
}

// View returns the API representation; SessionID names the successful
// attempt, else the active one.
func (s *Service) View(st *State) View {
	v := View{
		ID: st.ID, Site: st.SiteID, Status: st.Status, URL: s.URL(st.ID), ClientSecret: st.ClientSecret,
		OrderRef: st.OrderRef, Amount: st.Cart.TotalAmount, Currency: st.Cart.Currency, Cart: st.Cart,
		Customer: CustomerView(st.Customer), ReturnURL: st.ReturnURL, CancelURL: st.CancelURL,
		CreatedAt: st.CreatedAt, ExpiresAt: st.ExpiresAt, Sessions: []AttemptView{},
	}
	if site, ok := s.sessions.Site(st.SiteID); ok {
		v.Livemode = !site.TestMode
	}
	if v.Cart.Lines == nil {
		v.Cart.Lines = []session.Line{}
	}
	for _, se := range st.Sessions {
		v.Sessions = append(v.Sessions, AttemptView{ID: se.ID, Mode: se.Mode, Status: se.Status})
	}
	if se := st.Success(); se != nil {
		v.SessionID = se.ID
	} else if se := st.Active(); se != nil {
		v.SessionID = se.ID
	}
	return v
}
