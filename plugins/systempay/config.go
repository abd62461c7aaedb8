package systempay

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// Configuration keys.
const (
	keySiteID         = "site_id"
	keyKeyTest        = "key_test"
	keyKeyProduction  = "key_production"
	keyCtxMode        = "ctx_mode"
	keyAlgorithm      = "signature_algorithm"
	keyPaymentURL     = "payment_url"
	keyCaptureDelay   = "capture_delay"
	keyValidationMode = "validation_mode"
	keyPaymentCards   = "payment_cards"
	keyRESTTest       = "rest_password_test"
	keyRESTProduction = "rest_password_production"
	keyAPIURL         = "api_url"
)

// DefaultPaymentURL is Systempay's; PayZen uses
// https://secure.payzen.eu/vads-payment/, Lyra Collect
// https://secure.lyra.com/vads-payment/.
const DefaultPaymentURL = "https://paiement.systempay.fr/vads-payment/"

// DefaultAPIURL is the base of Systempay's REST API V4 (one host for TEST
// and PRODUCTION: the password decides); PayZen uses
// https://api.payzen.eu/api-payment/, Lyra Collect https://api.lyra.com/api-payment/.
const DefaultAPIURL = "https://api.systempay.fr/api-payment/"

// testPasswordPrefix starts every TEST REST password (Lyra's documentation).
const testPasswordPrefix = "testpassword_"

var (
	siteIDRe = regexp.MustCompile(`^[0-9]{8}$`)
	cardsRe  = regexp.MustCompile(`^[A-Z0-9_]+(;[A-Z0-9_]+)*$`)
)

func schema() []payment.ConfigField {
	return []payment.ConfigField{
		{Key: keySiteID, Label: "Shop id", Type: payment.FieldString, Required: true, Help: "vads_site_id, 8 digits."},
		{Key: keyKeyTest, Label: "TEST key", Type: payment.FieldString, Secret: true},
		{Key: keyKeyProduction, Label: "PRODUCTION key", Type: payment.FieldString, Secret: true},
		{Key: keyCtxMode, Label: "Context mode", Type: payment.FieldEnum, Default: "TEST", Enum: []string{"TEST", "PRODUCTION"}},
		{Key: keyAlgorithm, Label: "Signature algorithm", Type: payment.FieldEnum, Default: HMACSHA256, Enum: []string{HMACSHA256, SHA1}},
		{Key: keyPaymentURL, Label: "Payment URL", Type: payment.FieldURL, Default: DefaultPaymentURL,
			Help: "Systempay by default; PayZen https://secure.payzen.eu/vads-payment/, Lyra Collect https://secure.lyra.com/vads-payment/."},
		{Key: keyCaptureDelay, Label: "Capture delay (days)", Type: payment.FieldInt},
		{Key: keyValidationMode, Label: "Validation mode", Type: payment.FieldEnum, Enum: []string{"", "0", "1"}, Help: "1: payments wait for a manual validation."},
		{Key: keyPaymentCards, Label: "Accepted cards", Type: payment.FieldString, Help: "e.g. CB;VISA;MASTERCARD; empty for all."},
		{Key: keyRESTTest, Label: "REST API password (TEST)", Type: payment.FieldString, Secret: true,
			Help: "Back office: Settings > Shop > REST API keys (testpassword_...). Not the vads signing key. Without it, refunds, captures, cancellations and queries are unavailable in TEST."},
		{Key: keyRESTProduction, Label: "REST API password (PRODUCTION)", Type: payment.FieldString, Secret: true,
			Help: "The production REST password. Without it, refunds, captures, cancellations and queries are unavailable in PRODUCTION."},
		{Key: keyAPIURL, Label: "REST API URL", Type: payment.FieldURL, Default: DefaultAPIURL,
			Help: "Systempay by default; PayZen https://api.payzen.eu/api-payment/, Lyra Collect https://api.lyra.com/api-payment/."},
	}
}

// keyFor returns the key of a context mode.
func keyFor(cfg payment.Config, ctxMode string) string {
	if ctxMode == "PRODUCTION" {
		return cfg[keyKeyProduction]
	}
	if ctxMode == "TEST" {
		return cfg[keyKeyTest]
	}
	return ""
}

func validate(cfg payment.Config) []payment.ConfigProblem {
	var p []payment.ConfigProblem
	add := func(k, m string) { p = append(p, payment.ConfigProblem{Key: k, Message: m}) }
	if !siteIDRe.MatchString(cfg[keySiteID]) {
		add(keySiteID, "must be the 8-digit shop id")
	}
	switch cfg[keyCtxMode] {
	case "TEST":
		if cfg[keyKeyTest] == "" {
			add(keyKeyTest, "required in TEST context mode")
		}
	case "PRODUCTION":
		if cfg[keyKeyProduction] == "" {
			add(keyKeyProduction, "required in PRODUCTION context mode")
		}
	default:
		add(keyCtxMode, "must be TEST or PRODUCTION")
	}
	if cfg[keyKeyTest] != "" && cfg[keyKeyTest] == cfg[keyKeyProduction] {
		add(keyKeyProduction, "must differ from key_test")
	}
	switch cfg[keyAlgorithm] {
	case HMACSHA256, SHA1:
	default:
		add(keyAlgorithm, "must be HMAC-SHA-256 or SHA-1")
	}
	if u, err := url.Parse(cfg[keyPaymentURL]); err != nil || u.Host == "" || !(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))) {
		add(keyPaymentURL, "must be an https URL (http only on loopback, for the sandbox)")
	}
	if d := cfg[keyCaptureDelay]; d != "" {
		if n, err := strconv.Atoi(d); err != nil || n < 0 || n > 365 {
			add(keyCaptureDelay, "must be a number of days from 0 to 365")
		}
	}
	switch cfg[keyValidationMode] {
	case "", "0", "1":
	default:
		add(keyValidationMode, "must be empty, 0 or 1")
	}
	if c := cfg[keyPaymentCards]; c != "" && !cardsRe.MatchString(c) {
		add(keyPaymentCards, "card brands separated by ';', e.g. CB;VISA")
	}
	if pw := cfg[keyRESTTest]; pw != "" && !strings.HasPrefix(pw, testPasswordPrefix) {
		add(keyRESTTest, "a TEST REST password starts with "+testPasswordPrefix)
	}
	if pw := cfg[keyRESTProduction]; pw != "" && strings.HasPrefix(pw, testPasswordPrefix) {
		add(keyRESTProduction, "this is a TEST REST password")
	}
	if u, err := url.Parse(cfg[keyAPIURL]); cfg[keyAPIURL] != "" && (err != nil || u.Host == "" || !(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname())))) {
		add(keyAPIURL, "must be an https URL (http only on loopback, for the sandbox)")
	}
	return p
}

// restPassword is the REST password of the configured context mode.
func restPassword(cfg payment.Config) string {
	if cfg[keyCtxMode] == "PRODUCTION" {
		return cfg[keyRESTProduction]
	}
	return cfg[keyRESTTest]
}

// unsupported lists what a configuration without the REST password of its
// context mode cannot do: every server-to-server operation.
func unsupported(cfg payment.Config) []payment.UnsupportedCapability {
	if restPassword(cfg) != "" {
		return nil
	}
	key := keyRESTTest
	if cfg[keyCtxMode] == "PRODUCTION" {
		key = keyRESTProduction
	}
	reason := key + " is not set: refunds, captures, cancellations and status queries go through Lyra's REST API, which needs the REST password of the " + cfg[keyCtxMode] + " context"
	var out []payment.UnsupportedCapability
	for _, c := range []payment.Capability{payment.CapabilityRefund, payment.CapabilityPartialRefund, payment.CapabilityCapture,
		payment.CapabilityPartialCapture, payment.CapabilityCancel, payment.CapabilityQuery} {
		out = append(out, payment.UnsupportedCapability{Capability: c, Reason: reason})
	}
	return out
}

func isLoopback(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }
