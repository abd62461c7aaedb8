package systempay

import (
	"net/url"
	"regexp"
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
	minDelay, maxDelay := int64(0), int64(maxCaptureDelay)
	return []payment.ConfigField{
		{Key: keySiteID, Label: "Shop id", Type: payment.FieldString, Required: true, Help: "vads_site_id, 8 digits."},
		{Key: keyKeyTest, Label: "TEST key", Type: payment.FieldString, Secret: true},
		{Key: keyKeyProduction, Label: "PRODUCTION key", Type: payment.FieldString, Secret: true},
		{Key: keyCtxMode, Label: "Context mode", Type: payment.FieldEnum, Default: "TEST", Enum: []string{"TEST", "PRODUCTION"}},
		{Key: keyAlgorithm, Label: "Signature algorithm", Type: payment.FieldEnum, Default: HMACSHA256, Enum: []string{HMACSHA256, SHA1}},
		{Key: keyPaymentURL, Label: "Payment URL", Type: payment.FieldURL, Default: DefaultPaymentURL,
			Help: "Systempay by default; PayZen https://secure.payzen.eu/vads-payment/, Lyra Collect https://secure.lyra.com/vads-payment/."},
		{Key: keyCaptureDelay, Label: "Capture delay (days)", Type: payment.FieldInt, Min: &minDelay, Max: &maxDelay},
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

// validate applies the schema (payment.ApplySchema: required keys, types,
// enums, bounds, defaults) and adds the rules a schema cannot say.
func validate(given payment.Config) []payment.ConfigProblem {
	cfg, p := payment.ApplySchema(schema(), given)
	add := func(k, m string) { p = append(p, payment.ConfigProblem{Key: k, Message: m}) }
	if v := cfg[keySiteID]; v != "" && !siteIDRe.MatchString(v) {
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
	}
	if cfg[keyKeyTest] != "" && cfg[keyKeyTest] == cfg[keyKeyProduction] {
		add(keyKeyProduction, "must differ from key_test")
	}
	for _, k := range []string{keyPaymentURL, keyAPIURL} {
		// The schema checked it is an absolute URL; http only for the sandbox.
		if u, err := url.Parse(cfg[k]); err == nil && u.Scheme == "http" && u.Host != "" && !isLoopback(u.Hostname()) {
			add(k, "must be an https URL (http only on loopback, for the sandbox)")
		}
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

// maxCaptureDelay is the largest vads_capture_delay the configuration
// accepts, in days.
const maxCaptureDelay = 365
