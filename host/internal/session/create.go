package session

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// CartInput is a cart as a shop submits it. TotalAmount is optional: when
// given it must equal the computed total.
type CartInput struct {
	Type           string `json:"type"`
	Currency       string `json:"currency"`
	Country        string `json:"country"`
	Lines          []Line `json:"lines"`
	ShippingAmount int64  `json:"shipping_amount"`
	TotalAmount    *int64 `json:"total_amount"`
}

// CreateRequest asks for a new payment session.
type CreateRequest struct {
	Mode      string           `json:"mode"`
	OrderRef  string           `json:"order_ref"`
	Cart      CartInput        `json:"cart"`
	Customer  payment.Customer `json:"customer"`
	ReturnURL string           `json:"return_url"`
	CancelURL string           `json:"cancel_url"`
	// CheckoutID links the session to the checkout it is an attempt of
	// (set by the checkout service, never by the shop's JSON).
	CheckoutID string `json:"-"`
}

var (
	countryRe  = regexp.MustCompile(`^[A-Z]{2}$`)
	cartTypeRe = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)
)

// Limits on shop input; beyond them a request is refused, not truncated.
const (
	maxLines       = 500
	maxTextLength  = 255
	maxOrderRefLen = 64
	maxURLLength   = 2048
)

// CheckCart validates a cart and returns it with its computed total: the sum
// of quantity × unit_amount plus shipping, in minor units, with overflow
// checks. A given total_amount that differs is CodeAmountMismatch.
func CheckCart(in CartInput) (Cart, error) {
	c := Cart{
		Type:           strings.TrimSpace(in.Type),
		Currency:       strings.ToUpper(strings.TrimSpace(in.Currency)),
		Country:        strings.ToUpper(strings.TrimSpace(in.Country)),
		Lines:          in.Lines,
		ShippingAmount: in.ShippingAmount,
	}
	if c.Type == "" {
		c.Type = "web"
	}
	if !cartTypeRe.MatchString(c.Type) {
		return Cart{}, errorf(CodeInvalidRequest, "cart.type %q is not a cart type (lowercase letters and _)", in.Type)
	}
	if _, ok := currency.Lookup(c.Currency); !ok {
		return Cart{}, errorf(CodeInvalidRequest, "cart.currency %q is not an ISO 4217 currency code", in.Currency)
	}
	if !countryRe.MatchString(c.Country) {
		return Cart{}, errorf(CodeInvalidRequest, "cart.country %q is not an ISO 3166-1 alpha-2 code", in.Country)
	}
	if len(c.Lines) > maxLines {
		return Cart{}, errorf(CodeInvalidRequest, "cart.lines has %d lines, at most %d are accepted", len(c.Lines), maxLines)
	}
	if c.ShippingAmount < 0 {
		return Cart{}, errorf(CodeInvalidRequest, "cart.shipping_amount must not be negative")
	}
	total := c.ShippingAmount
	for i, l := range c.Lines {
		switch {
		case l.Quantity <= 0:
			return Cart{}, errorf(CodeInvalidRequest, "cart.lines[%d].quantity must be a positive integer", i)
		case l.UnitAmount < 0:
			return Cart{}, errorf(CodeInvalidRequest, "cart.lines[%d].unit_amount must not be negative", i)
		case l.TaxRate < 0 || l.TaxRate > 100_00:
			return Cart{}, errorf(CodeInvalidRequest, "cart.lines[%d].tax_rate must be between 0 and 10000 basis points", i)
		case len(l.Label) > maxTextLength || len(l.SKU) > maxTextLength:
			return Cart{}, errorf(CodeInvalidRequest, "cart.lines[%d] label and sku are limited to %d bytes", i, maxTextLength)
		}
		if l.UnitAmount != 0 && l.Quantity > math.MaxInt64/l.UnitAmount {
			return Cart{}, errorf(CodeInvalidRequest, "cart.lines[%d] amount overflows", i)
		}
		sub := l.Quantity * l.UnitAmount
		if total > math.MaxInt64-sub {
			return Cart{}, errorf(CodeInvalidRequest, "cart total overflows")
		}
		total += sub
	}
	c.TotalAmount = total
	if in.TotalAmount != nil && *in.TotalAmount != total {
		return Cart{}, errorf(CodeAmountMismatch, "cart.total_amount is %d but the lines and shipping add up to %d", *in.TotalAmount, total)
	}
	return c, nil
}

// Eligibility returns which modes the site may offer for the cart.
func (s *Service) Eligibility(ctx context.Context, siteID string, in CartInput) (eligibility.Result, error) {
	site, ok := s.sites[siteID]
	if !ok {
		return eligibility.Result{}, errorf(CodeNotFound, "unknown site")
	}
	cart, err := CheckCart(in)
	if err != nil {
		return eligibility.Result{}, err
	}
	return s.evaluate(site, cart), nil
}

func (s *Service) evaluate(site *Site, cart Cart) eligibility.Result {
	es := site.eligibilitySite()
	if s.switches != nil {
		for id, m := range es.Modes {
			if m.Enabled && s.switches.Disabled(site.ID, id) {
				m.Enabled = false
				es.Modes[id] = m
			}
		}
	}
	return eligibility.Evaluate(
		eligibility.Cart{Type: cart.Type, Currency: cart.Currency, Country: cart.Country, Total: cart.TotalAmount},
		es,
		s.catalog.Available(),
	)
}

func checkShopURL(field, raw string, required bool) error {
	if raw == "" {
		if required {
			return errorf(CodeInvalidRequest, "%s is required", field)
		}
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > maxURLLength {
		return errorf(CodeInvalidRequest, "%s must be an absolute http(s) URL of at most %d bytes", field, maxURLLength)
	}
	return nil
}

func checkCreate(req *CreateRequest) error {
	req.Mode = strings.TrimSpace(req.Mode)
	if req.Mode == "" {
		return errorf(CodeInvalidRequest, "mode is required")
	}
	return CheckOrder(req)
}

// CheckOrder validates (and trims) what a session takes besides its mode:
// order reference, customer and shop URLs. Checkouts take the same.
func CheckOrder(req *CreateRequest) error {
	req.OrderRef = strings.TrimSpace(req.OrderRef)
	switch {
	case req.OrderRef == "":
		return errorf(CodeInvalidRequest, "order_ref is required")
	case len(req.OrderRef) > maxOrderRefLen:
		return errorf(CodeInvalidRequest, "order_ref is limited to %d bytes", maxOrderRefLen)
	case len(req.Customer.Name) > maxTextLength || len(req.Customer.Locale) > 35:
		return errorf(CodeInvalidRequest, "customer name or locale is too long")
	}
	if req.Customer.Email != "" {
		if a, err := mail.ParseAddress(req.Customer.Email); err != nil || a.Address != req.Customer.Email || len(req.Customer.Email) > maxTextLength {
			return errorf(CodeInvalidRequest, "customer.email %q is not an e-mail address", req.Customer.Email)
		}
	}
	if err := checkShopURL("return_url", req.ReturnURL, true); err != nil {
		return err
	}
	return checkShopURL("cancel_url", req.CancelURL, false)
}

// Create validates the request, checks eligibility, allocates the provider
// reference, stores the session as created, asks the plugin to begin and
// stores the result (pending with an action, or settled at once).
func (s *Service) Create(ctx context.Context, siteID string, req CreateRequest) (*Session, error) {
	site, ok := s.sites[siteID]
	if !ok {
		return nil, errorf(CodeNotFound, "unknown site")
	}
	if err := checkCreate(&req); err != nil {
		return nil, err
	}
	cart, err := CheckCart(req.Cart)
	if err != nil {
		return nil, err
	}
	avail, known := s.mode(req.Mode)
	if allowed, reason := s.evaluate(site, cart).Allows(req.Mode); !allowed {
		if reason == eligibility.ReasonPluginUnavailable {
			_, configured := site.Modes[req.Mode]
			switch {
			case !known && !configured:
				return nil, errorf(CodeUnknownMode, "mode %q does not exist", req.Mode)
			case known && avail.Permanent:
				return nil, errorf(CodePluginUnavailable, "the plugin of mode %q failed permanently and needs an operator; retrying will not help", req.Mode)
			case known:
				// The plugin is loaded but restarting: a retry will succeed.
				return nil, errorf(CodePluginUnavailable, "the plugin of mode %q is restarting; retry shortly", req.Mode)
			}
		}
		return nil, &Error{Code: CodeModeNotEligible, Message: fmt.Sprintf("mode %q is not available for this cart: %s", req.Mode, reason)}
	}
	mode := avail.Mode
	now := s.clock()
	sess := &Session{
		SiteID:     site.ID,
		Mode:       mode.ID,
		Plugin:     avail.Plugin,
		Kind:       mode.Kind,
		Status:     StatusCreated,
		Amount:     cart.TotalAmount,
		Currency:   cart.Currency,
		Country:    cart.Country,
		CartType:   cart.Type,
		OrderRef:   req.OrderRef,
		Cart:       cart,
		Customer:   req.Customer,
		ReturnURL:  req.ReturnURL,
		CancelURL:  req.CancelURL,
		CheckoutID: req.CheckoutID,
		CreatedAt:  now,
		UpdatedAt:  now,
		ExpiresAt:  now.Add(site.lifetime(mode.Kind)),
		// The janitor checks the session on the query schedule (modes that
		// can Query their provider) or at expiry.
		NextCheckAt: s.firstCheck(now, site.ID, mode),
	}
	if sess.CancelURL == "" {
		sess.CancelURL = sess.ReturnURL
	}
	sess.NextCheckAt = s.strandedCheck(sess, sess.NextCheckAt)
	if err := s.insert(ctx, sess, mode.Reference.WithDefault()); err != nil {
		return nil, err
	}
	s.metrics.SessionCreated(sess.Mode)
	return s.begin(ctx, sess)
}

// begin asks the plugin to start the payment of a created session and
// stores the answer. A transient failure (plugin down, timeout, provider
// unreachable) leaves the session created, so that a retry of the same
// request (same Idempotency-Key) can begin it again: plugins derive their
// providers' idempotency keys from the session, so no second order is made.
func (s *Service) begin(ctx context.Context, sess *Session) (*Session, error) {
	site, ok := s.sites[sess.SiteID]
	if !ok {
		return nil, errorf(CodeInternal, "session %s belongs to unknown site %s", sess.ID, sess.SiteID)
	}
	avail, known := s.mode(sess.Mode)
	if !known {
		return nil, errorf(CodePluginUnavailable, "no loaded plugin offers mode %s", sess.Mode)
	}
	prov, err := s.provider(sess.Plugin)
	if err != nil {
		return sess, err
	}
	resp, err := prov.Begin(ctx, payment.BeginRequest{Session: s.paymentSession(sess, site), Config: site.Modes[sess.Mode].Config})
	if err != nil {
		perr := pluginError(sess.Plugin, err)
		s.log.Warn("begin failed", "session_id", sess.ID, "mode", sess.Mode, "code", perr.Code, "error", err)
		if settled(err) {
			// The provider refused outright: nothing can be pending there.
			if _, uerr := s.store.UpdateSession(ctx, sess.ID, s.transitionFunc(SourceAPI, StatusFailed, eventInfo{reason: string(payment.ErrorCode(err))})); uerr != nil {
				s.log.Error("recording failed begin", "session_id", sess.ID, "error", uerr)
			}
		}
		return nil, perr
	}
	return s.applyBegin(ctx, sess, site, avail.Mode, resp)
}

// insert allocates a reference and stores the session, retrying on a
// reference collision (random references only).
func (s *Service) insert(ctx context.Context, sess *Session, f payment.ReferenceFormat) error {
	for attempt := 0; ; attempt++ {
		id := s.sessionID
		if id == "" {
			var err error
			if id, err = s.newID("ps_"); err != nil {
				return err
			}
		}
		sess.ID = id
		if err := s.allocateReference(ctx, sess, f); err != nil {
			return err
		}
		created := Event{SessionID: sess.ID, Time: sess.CreatedAt, Source: SourceAPI, Result: ResultApplied, To: StatusCreated}
		err := s.store.CreateSession(ctx, sess, []Event{created}, nil)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrAttemptActive) {
			return wrapErr(CodeAttemptActive, err, "a payment of this checkout is already under way or done")
		}
		if sess.CheckoutID != "" && errors.Is(err, ErrNotFound) {
			return wrapErr(CodeNotFound, err, "no such checkout")
		}
		if s.sessionID != "" && errors.Is(err, ErrConflict) {
			if _, gerr := s.store.Session(ctx, id); gerr == nil {
				// A request with the same key, presumed dead, stored it meanwhile.
				return errorf(CodeIdempotencyInProgress, "a request with this Idempotency-Key is still being processed")
			}
		}
		if !errors.Is(err, ErrConflict) || attempt >= 5 {
			return wrapErr(CodeInternal, err, "storing the session failed")
		}
	}
}

func (s *Service) allocateReference(ctx context.Context, sess *Session, f payment.ReferenceFormat) error {
	switch f.Kind {
	case payment.ReferenceDailySequence:
		scope := sess.CreatedAt.UTC().Format("2006-01-02")
		n, err := s.store.NextSequence(ctx, sess.SiteID, sess.Mode, scope, f.SequenceMin, f.SequenceMax)
		if errors.Is(err, ErrSequenceExhausted) {
			return wrapErr(CodeProviderUnavailable, err, "no provider reference is left for today in mode %s", sess.Mode)
		}
		if err != nil {
			return wrapErr(CodeInternal, err, "allocating a reference failed")
		}
		ref := strconv.FormatInt(n, 10)
		if len(ref) < f.Length {
			ref = strings.Repeat("0", f.Length-len(ref)) + ref
		}
		sess.Reference, sess.ReferenceScope = ref, scope
		return nil
	default:
		ref, err := s.randomReference(f)
		if err != nil {
			return err
		}
		sess.Reference, sess.ReferenceScope = ref, ""
		return nil
	}
}

const (
	digits = "0123456789"
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower  = "abcdefghijklmnopqrstuvwxyz"
)

func (s *Service) randomReference(f payment.ReferenceFormat) (string, error) {
	alphabet := upper + digits
	switch f.Charset {
	case payment.CharsetNumeric:
		alphabet = digits
	case payment.CharsetAlphanumeric:
		alphabet = upper + lower + digits
	}
	n := f.Length // WithDefault gave a format; the plugin manager refused lengths outside 6..64
	out := make([]byte, n)
	buf := make([]byte, 1)
	// Rejection sampling keeps every character equally likely.
	limit := 256 - 256%len(alphabet)
	for i := 0; i < n; {
		if _, err := s.random.Read(buf); err != nil {
			return "", wrapErr(CodeInternal, err, "random reference")
		}
		if int(buf[0]) >= limit {
			continue
		}
		out[i] = alphabet[int(buf[0])%len(alphabet)]
		i++
	}
	return string(out), nil
}

// applyBegin stores what Begin returned: an immediate outcome, or the action
// for /pay and the pending state.
func (s *Service) applyBegin(ctx context.Context, sess *Session, site *Site, mode payment.Mode, resp payment.BeginResponse) (*Session, error) {
	action := &Action{Form: resp.Form, RedirectURL: resp.RedirectURL, Choices: resp.Choices, Instructions: resp.Instructions}
	set := 0
	for _, b := range []bool{resp.Form != nil, resp.RedirectURL != "", len(resp.Choices) > 0, resp.Instructions != nil, resp.Outcome != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, errorf(CodePluginError, "plugin %s answered Begin with %d actions, want exactly one", sess.Plugin, set)
	}
	if resp.RedirectURL != "" {
		if u, err := url.Parse(resp.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, errorf(CodePluginError, "plugin %s answered Begin with an invalid redirect URL", sess.Plugin)
		}
	}
	secrets := secretValues(mode, site.Modes[sess.Mode].Config)
	fn := func(cur *Session) (Change, error) {
		cur.ProviderData = resp.ProviderData
		if resp.ProviderTransactionID != "" {
			cur.ProviderTransactionID = resp.ProviderTransactionID
		}
		if resp.Outcome == nil {
			cur.Action = action
			return s.transition(cur, SourceAPI, StatusPending, eventInfo{})
		}
		o := resp.Outcome
		if reason := checkOutcome(cur, o); reason != "" {
			return Change{}, errorf(CodePluginError, "plugin %s settled the session with inconsistent data (%s)", sess.Plugin, reason)
		}
		return s.transition(cur, SourceAPI, Status(o.Status), outcomeInfo(o, secrets))
	}
	out, err := s.store.UpdateSession(ctx, sess.ID, fn)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, wrapErr(CodeInternal, err, "storing the session failed")
	}
	return out, nil
}
