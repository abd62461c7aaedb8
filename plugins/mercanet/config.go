package mercanet

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// Configuration keys.
const (
	keyMerchantID       = "merchant_id"
	keySecretKey        = "secret_key"
	keyKeyVersion       = "key_version"
	keySealAlgorithm    = "seal_algorithm"
	keyInterfaceVersion = "interface_version"
	keyEnvironment      = "environment"
	keyCaptureMode      = "capture_mode"
	keyCaptureDay       = "capture_day"
	keyOffice           = "office"
	keyOfficeSecretKey  = "office_secret_key"
	keyOfficeKeyVersion = "office_key_version"
)

// Capture modes.
const (
	CaptureAuthor     = "AUTHOR_CAPTURE"
	CaptureValidation = "VALIDATION"
	CaptureImmediate  = "IMMEDIATE"
)

// environments maps the named environments to their endpoints. An explicit
// base URL (the local sandbox) serves both under its path.
var environments = map[string]endpoints{
	"simu":       {paymentInit: "https://payment-webinit.simu.mercanet.com/paymentInit"},
	"test":       {paymentInit: "https://payment-webinit-mercanet.test.sips-services.com/paymentInit", office: "https://office-server-mercanet.test.sips-services.com"},
	"production": {paymentInit: "https://payment-webinit.mercanet.com/paymentInit", office: "https://office-server.mercanet.com"},
}

type endpoints struct {
	paymentInit string
	office      string // "" when the environment has no Office server (simu)
}

// Office paths, the same on every Sips host.
const (
	getTransactionDataPath = "/rs-services/v2/diagnostic/getTransactionData"
	cashManagementPath     = "/rs-services/v2/cashManagement/"
)

func resolveEnvironment(env string) (endpoints, bool) {
	if e, ok := environments[env]; ok {
		return e, true
	}
	u, err := url.Parse(env)
	if err != nil || u.Host == "" || u.RawQuery != "" || !(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return endpoints{}, false
	}
	base := strings.TrimRight(env, "/")
	return endpoints{paymentInit: base + "/paymentInit", office: base}, true
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

var (
	merchantIDRe = regexp.MustCompile(`^[0-9]{15}$`)
	interfaceRe  = regexp.MustCompile(`^HP_[23]\.[0-9]{1,2}$`)
)

func schema() []payment.ConfigField {
	return []payment.ConfigField{
		{Key: keyMerchantID, Label: "Merchant id", Type: payment.FieldString, Required: true, Help: "15 digits, from the Mercanet extranet."},
		{Key: keySecretKey, Label: "Secret key", Type: payment.FieldString, Required: true, Secret: true, Help: "The secret key of key_version."},
		{Key: keyKeyVersion, Label: "Key version", Type: payment.FieldInt, Default: "1", Min: ptr(int64(1)), Max: ptr(int64(99))},
		{Key: keySealAlgorithm, Label: "Seal algorithm", Type: payment.FieldEnum, Default: SealSHA256, Enum: []string{SealSHA256, SealHMACSHA256}},
		{Key: keyInterfaceVersion, Label: "Interface version", Type: payment.FieldString, Default: "HP_2.20"},
		{Key: keyEnvironment, Label: "Environment", Type: payment.FieldString, Default: "simu",
			Help: "simu, test, production, or the base URL of a local sandbox (http://127.0.0.1:port/mercanet)."},
		{Key: keyCaptureMode, Label: "Capture mode", Type: payment.FieldEnum, Default: CaptureAuthor, Enum: []string{CaptureAuthor, CaptureValidation, CaptureImmediate}},
		{Key: keyCaptureDay, Label: "Capture day", Type: payment.FieldInt, Min: ptr(int64(0)), Max: ptr(int64(maxCaptureDay)), Help: "Days before capture (0-99); empty for the contract's default."},
		{Key: keyOffice, Label: "Office server", Type: payment.FieldBool, Default: "true",
			Help: "false when the merchant contract has no Office (M2M) option: payments still work; refunds, validations, cancellations and status queries are then withheld."},
		{Key: keyOfficeSecretKey, Label: "Office secret key", Type: payment.FieldString, Secret: true,
			Help: "Only when the Office key differs from secret_key (Mercanet issues one key for every connector)."},
		{Key: keyOfficeKeyVersion, Label: "Office key version", Type: payment.FieldInt, Min: ptr(int64(1)), Max: ptr(int64(99)),
			Help: "The version of office_secret_key; empty means key_version."},
	}
}

// validate applies the schema (payment.ApplySchema: required keys, types,
// enums, bounds, defaults) and adds the rules a schema cannot say.
func validate(given payment.Config) []payment.ConfigProblem {
	cfg, p := payment.ApplySchema(schema(), given)
	add := func(k, m string) { p = append(p, payment.ConfigProblem{Key: k, Message: m}) }
	if v := cfg[keyMerchantID]; v != "" && !merchantIDRe.MatchString(v) {
		add(keyMerchantID, "must be the 15-digit merchant id")
	}
	for _, k := range []string{keySecretKey, keyOfficeSecretKey} {
		if strings.ContainsAny(cfg[k], " \t\r\n") {
			add(k, "contains white space (a copy-paste error?)")
		}
	}
	if v := cfg[keyInterfaceVersion]; v != "" && !interfaceRe.MatchString(v) {
		add(keyInterfaceVersion, "must be a Paypage POST version such as HP_2.20 or HP_3.4")
	}
	if _, ok := resolveEnvironment(cfg[keyEnvironment]); !ok {
		add(keyEnvironment, "must be simu, test, production, or an https URL (http only on loopback)")
	}
	if cfg[keyOfficeKeyVersion] != "" && cfg[keyOfficeSecretKey] == "" {
		add(keyOfficeKeyVersion, "set only with office_secret_key")
	}
	return p
}

// officeCredentials are what an Office call is sealed with.
type officeCredentials struct {
	base, merchant, key, version string
}

// officeFor resolves the Office server and credentials of a configuration,
// or says why the configuration has none (shown to operators as the reason
// the operations are withheld).
func officeFor(cfg payment.Config) (officeCredentials, string) {
	if cfg[keyOffice] == "false" {
		return officeCredentials{}, "the merchant contract has no Office server option (office: false)"
	}
	env, ok := resolveEnvironment(cfg[keyEnvironment])
	if !ok || env.office == "" {
		return officeCredentials{}, "the " + cfg[keyEnvironment] + " environment has no Office server"
	}
	c := officeCredentials{base: env.office, merchant: cfg[keyMerchantID], key: cfg[keySecretKey], version: cfg[keyKeyVersion]}
	if k := cfg[keyOfficeSecretKey]; k != "" {
		c.key, c.version = k, cfg[keyKeyVersion]
		if v := cfg[keyOfficeKeyVersion]; v != "" {
			c.version = v
		}
	}
	if c.key == "" {
		return officeCredentials{}, "no secret key for the Office server"
	}
	return c, ""
}

// unsupported lists the operations a configuration cannot run, with why.
func unsupported(cfg payment.Config) []payment.UnsupportedCapability {
	_, why := officeFor(cfg)
	if why == "" {
		return nil
	}
	var out []payment.UnsupportedCapability
	for _, c := range []payment.Capability{payment.CapabilityRefund, payment.CapabilityCapture, payment.CapabilityCancel, payment.CapabilityQuery} {
		out = append(out, payment.UnsupportedCapability{Capability: c, Reason: why})
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// maxCaptureDay is captureDay's largest value (Sips: 0 to 99 days).
const maxCaptureDay = 99
