package ogone

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// Configuration keys.
const (
	keyPSPID     = "pspid"
	keySHAIn     = "sha_in"
	keySHAOut    = "sha_out"
	keyAlgorithm = "hash_algorithm"
	keyCharset   = "charset"
	keyEnv       = "environment"
	keyOperation = "operation"
	keyLanguage  = "language"
	// DirectLink (maintenance and query): an API user of the account,
	// its password, and the DirectLink SHA-IN passphrase ("Checks for
	// DirectLink"), which is not the hosted page's.
	keyDLUser     = "directlink_user"
	keyDLPassword = "directlink_password"
	keyDLSHAIn    = "directlink_sha_in"
)

// Operations.
const (
	OperationAuthorisation = "RES"
	OperationSale          = "SAL"
)

var environments = map[string]string{
	"test":       "https://secure.ogone.com/ncol/test/",
	"production": "https://secure.ogone.com/ncol/prod/",
}

// pageURL is the payment page for the environment and character set.
func pageURL(cfg payment.Config) (string, bool) {
	base, ok := environments[cfg[keyEnv]]
	if !ok {
		u, err := url.Parse(cfg[keyEnv])
		if err != nil || u.Host == "" || u.RawQuery != "" || !(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))) {
			return "", false
		}
		base = strings.TrimRight(cfg[keyEnv], "/") + "/"
	}
	if cfg[keyCharset] == CharsetLatin1 {
		return base + "orderstandard.asp", true
	}
	return base + "orderstandard_utf8.asp", true
}

func isLoopback(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }

var (
	pspidRe    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,30}$`)
	languageRe = regexp.MustCompile(`^[a-z]{2}_[A-Z]{2}$`)
)

func schema() []payment.ConfigField {
	minPassphrase := int64(8) // Ogone refuses shorter passphrases
	return []payment.ConfigField{
		{Key: keyPSPID, Label: "PSPID", Type: payment.FieldString, Required: true, Help: "Your Ogone merchant id."},
		{Key: keySHAIn, Label: "SHA-IN passphrase", Type: payment.FieldString, Required: true, Secret: true, Min: &minPassphrase,
			Help: "At least 8 characters, as Ogone requires."},
		{Key: keySHAOut, Label: "SHA-OUT passphrase", Type: payment.FieldString, Required: true, Secret: true, Min: &minPassphrase, Help: "Must differ from SHA-IN."},
		{Key: keyAlgorithm, Label: "Hash algorithm", Type: payment.FieldEnum, Default: SHA512, Enum: []string{SHA1, SHA256, SHA512}},
		{Key: keyCharset, Label: "Payment page", Type: payment.FieldEnum, Default: CharsetUTF8, Enum: []string{CharsetUTF8, CharsetLatin1},
			Help: "UTF-8 uses orderstandard_utf8.asp, ISO-8859-1 orderstandard.asp."},
		{Key: keyEnv, Label: "Environment", Type: payment.FieldString, Default: "test", Help: "test, production, or the base URL of a local sandbox."},
		{Key: keyOperation, Label: "Operation", Type: payment.FieldEnum, Default: OperationSale, Enum: []string{OperationSale, OperationAuthorisation},
			Help: "SAL: sale; RES: authorisation only, captured later in the back office."},
		{Key: keyLanguage, Label: "Default language", Type: payment.FieldString, Default: "en_US"},
		{Key: keyDLUser, Label: "DirectLink API user (USERID)", Type: payment.FieldString,
			Help: "An API user from the User Manager. Without the three DirectLink keys the mode takes payments but cannot refund, capture, cancel or query."},
		{Key: keyDLPassword, Label: "DirectLink API user's password (PSWD)", Type: payment.FieldString, Secret: true},
		{Key: keyDLSHAIn, Label: "DirectLink SHA-IN passphrase", Type: payment.FieldString, Secret: true,
			Help: "From Technical information > Data and origin verification > Checks for DirectLink."},
	}
}

// validate applies the schema (payment.ApplySchema: required keys, types,
// enums, bounds, defaults) and adds the rules a schema cannot say.
func validate(given payment.Config) []payment.ConfigProblem {
	cfg, p := payment.ApplySchema(schema(), given)
	add := func(k, m string) { p = append(p, payment.ConfigProblem{Key: k, Message: m}) }
	if v := cfg[keyPSPID]; v != "" && !pspidRe.MatchString(v) {
		add(keyPSPID, "must be your PSPID (letters, digits, . _ -)")
	}
	if cfg[keySHAIn] != "" && cfg[keySHAIn] == cfg[keySHAOut] {
		add(keySHAOut, "must differ from sha_in")
	}
	if _, ok := pageURL(cfg); !ok {
		add(keyEnv, "must be test, production, or an https URL (http only on loopback)")
	}
	if !languageRe.MatchString(cfg[keyLanguage]) {
		add(keyLanguage, "must look like en_US")
	}
	if set := directLinkKeys(cfg); set > 0 && set < 3 {
		for _, k := range []string{keyDLUser, keyDLPassword, keyDLSHAIn} {
			if cfg[k] == "" {
				add(k, "required with the other DirectLink keys (set all three, or none to take payments only)")
			}
		}
	}
	if u := cfg[keyDLUser]; u != "" && !userIDRe.MatchString(u) {
		add(keyDLUser, "must be the API user's login (letters, digits, . _ - @)")
	}
	return p
}

var userIDRe = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,100}$`)

// directLinkKeys counts the DirectLink keys set.
func directLinkKeys(cfg payment.Config) int {
	n := 0
	for _, k := range []string{keyDLUser, keyDLPassword, keyDLSHAIn} {
		if cfg[k] != "" {
			n++
		}
	}
	return n
}

// noDirectLink is why a configuration without DirectLink credentials
// cannot run operations.
const noDirectLink = "no DirectLink API user: set directlink_user, directlink_password and directlink_sha_in"

// unsupported lists what a configuration without DirectLink cannot do.
func unsupported(cfg payment.Config) []payment.UnsupportedCapability {
	if directLinkKeys(cfg) == 3 {
		return nil
	}
	var out []payment.UnsupportedCapability
	for _, c := range []payment.Capability{payment.CapabilityRefund, payment.CapabilityCapture, payment.CapabilityCancel, payment.CapabilityQuery} {
		out = append(out, payment.UnsupportedCapability{Capability: c, Reason: noDirectLink})
	}
	return out
}
