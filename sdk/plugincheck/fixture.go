package plugincheck

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// canary returns a value unlikely to occur anywhere by chance.
func canary(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// fixtureConfig fills every key of m's schema with a value of its declared
// type (the default when there is one), secrets with secret, URLs under
// baseURL, then applies the overrides given for the mode.
func fixtureConfig(m payment.Mode, secret, baseURL string, override payment.Config) payment.Config {
	cfg := payment.Config{}
	for _, f := range m.ConfigSchema {
		v := f.Default
		switch {
		case f.Secret:
			v = secret + "-" + f.Key // distinct, since plugins may refuse two equal keys
		case v != "":
		case f.Type == payment.FieldEnum && len(f.Enum) > 0:
			v = f.Enum[0]
		case f.Type == payment.FieldInt:
			v = "1"
		case f.Type == payment.FieldBool:
			v = "false"
		case f.Type == payment.FieldURL:
			v = strings.TrimSuffix(baseURL, "/") + "/" + f.Key
		default:
			v = "fixture"
		}
		cfg[f.Key] = v
	}
	for k, v := range override {
		cfg[k] = v
	}
	return cfg
}

// wrongConfig gives every key a value that is wrong for its declared type
// (int, bool, URL and enum keys get a word; string keys keep their fixture
// value) and returns the keys that must be reported and the values that
// must never be echoed.
func wrongConfig(m payment.Mode, fixture payment.Config) (payment.Config, []string, []string) {
	cfg := payment.Config{}
	var mustReport, values []string
	for k, v := range fixture {
		cfg[k] = v
	}
	for _, f := range m.ConfigSchema {
		switch f.Type {
		case payment.FieldInt, payment.FieldBool, payment.FieldURL, payment.FieldEnum:
			v := canary("zz-wrong-")
			cfg[f.Key] = v
			mustReport = append(mustReport, f.Key)
			values = append(values, v)
		}
	}
	return cfg, mustReport, values
}

// fixtureSession is a session of mode m as the host would send it.
func fixtureSession(m payment.Mode, id string) payment.Session {
	amount := int64(1234)
	switch {
	case m.ZeroAmount:
		amount = 0
	case m.MinAmount > amount:
		amount = m.MinAmount
	case m.MaxAmount > 0 && m.MaxAmount < amount:
		amount = m.MaxAmount
	}
	currency, country := "EUR", "FR"
	if len(m.Currencies) > 0 {
		currency = m.Currencies[0]
	}
	if len(m.Countries) > 0 {
		country = m.Countries[0]
	}
	base := "https://payhost.example"
	return payment.Session{
		ID: id, SiteID: "site_check", Mode: m.ID, Reference: reference(m.Reference.WithDefault()),
		OrderRef: "order-check-1", Amount: amount, Currency: currency, Country: country,
		Customer:  payment.Customer{Email: "buyer@example.com", Name: "Ada Buyer", Locale: "en"},
		Lines:     []payment.Line{{SKU: "sku-1", Label: "Check item", Quantity: 1, UnitAmount: amount, TaxRate: 2000}},
		Status:    payment.StatusPending,
		CreatedAt: time.Now().UTC().Truncate(time.Second),
		TestMode:  true,
		URLs: payment.URLs{
			Pay:          base + "/pay/" + id,
			Return:       base + "/return/" + id,
			Cancel:       base + "/return/" + id + "?cancel=1",
			Notify:       base + "/notify/" + m.ID + "/" + id,
			NotifyStatic: base + "/notify/" + m.ID,
		},
	}
}

// reference returns a reference in format f, as the host generates one.
func reference(f payment.ReferenceFormat) string {
	if f.Kind == payment.ReferenceDailySequence {
		return fmt.Sprintf("%0*d", f.Length, f.SequenceMin+1)
	}
	chars := "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	switch f.Charset {
	case payment.CharsetNumeric:
		chars = "0123456789"
	case payment.CharsetAlphanumeric:
		chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	}
	b := make([]byte, f.Length)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}
