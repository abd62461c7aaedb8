package paypal

import (
	"net/url"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// Configuration keys.
const (
	keyClientID     = "client_id"
	keyClientSecret = "client_secret"
	keyEnvironment  = "environment"
	keyWebhookID    = "webhook_id"
	keyVerification = "webhook_verification"
	keyBrandName    = "brand_name"
	keyLandingPage  = "landing_page"
)

// Webhook verification methods.
const (
	VerifyAPI     = "api"
	VerifyOffline = "offline"
)

var environments = map[string]string{
	"sandbox": "https://api-m.sandbox.paypal.com",
	"live":    "https://api-m.paypal.com",
}

// apiBase returns the REST base URL and whether it is a local sandbox.
func apiBase(env string) (base string, local bool, ok bool) {
	if b, found := environments[env]; found {
		return b, false, true
	}
	u, err := url.Parse(env)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return "", false, false
	}
	return strings.TrimRight(env, "/"), true, true
}

func isLoopback(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }

func schema() []payment.ConfigField {
	maxBrandName := int64(127) // PayPal's limit
	return []payment.ConfigField{
		{Key: keyClientID, Label: "Client id", Type: payment.FieldString, Required: true},
		{Key: keyClientSecret, Label: "Client secret", Type: payment.FieldString, Required: true, Secret: true},
		{Key: keyEnvironment, Label: "Environment", Type: payment.FieldString, Default: "sandbox",
			Help: "sandbox, live, or the http://127.0.0.1:port/paypal URL of the local sandbox."},
		{Key: keyWebhookID, Label: "Webhook id", Type: payment.FieldString, Required: true, Help: "The id PayPal gave the webhook registration."},
		{Key: keyVerification, Label: "Webhook verification", Type: payment.FieldEnum, Default: VerifyOffline, Enum: []string{VerifyOffline, VerifyAPI},
			Help: "offline: check the RSA signature with PayPal's certificate; api: ask verify-webhook-signature."},
		{Key: keyBrandName, Label: "Brand name", Type: payment.FieldString, Max: &maxBrandName, Help: "Shown on PayPal's pages (127 characters at most)."},
		{Key: keyLandingPage, Label: "Landing page", Type: payment.FieldEnum, Default: "NO_PREFERENCE", Enum: []string{"NO_PREFERENCE", "LOGIN", "GUEST_CHECKOUT"}},
	}
}

// validate applies the schema (payment.ApplySchema: required keys, types,
// enums, bounds, defaults) and adds the rules a schema cannot say.
func validate(given payment.Config) []payment.ConfigProblem {
	cfg, p := payment.ApplySchema(schema(), given)
	add := func(k, m string) { p = append(p, payment.ConfigProblem{Key: k, Message: m}) }
	for _, k := range []string{keyClientID, keyClientSecret, keyWebhookID} {
		if strings.ContainsAny(cfg[k], " \t\r\n") {
			add(k, "contains white space (a copy-paste error?)")
		}
	}
	if _, _, ok := apiBase(cfg[keyEnvironment]); !ok {
		add(keyEnvironment, "must be sandbox, live, or a loopback http URL (the local sandbox)")
	}
	return p
}
