// Package locale picks the buyer's language and formats what buyer pages
// show in it: messages from catalogs (golang.org/x/text/message) and money
// amounts per language and currency ("25,90 €", "€25.90", "¥500"). The host's
// pages and the provider sandboxes' pages both use it, each with its own
// catalog.
//
// Supported languages are English (the fallback) and French.
package locale

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

	iso "github.com/payhost/payhost/sdk/currency"
)

// Supported lists the languages with catalogs, the fallback first.
var supported = []language.Tag{language.English, language.French}

var matcher = language.NewMatcher(supported)

// Match picks the buyer's language: the customer's locale when the shop
// gave one we support, then the browser's Accept-Language, then English.
func Match(customerLocale, acceptLanguage string) language.Tag {
	if customerLocale != "" {
		if t, err := language.Parse(strings.ReplaceAll(customerLocale, "_", "-")); err == nil {
			if tag, _, conf := matcher.Match(t); conf >= language.High {
				return base(tag)
			}
		}
	}
	if acceptLanguage != "" {
		if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
			if tag, _, conf := matcher.Match(tags...); conf > language.No {
				return base(tag)
			}
		}
	}
	return language.English
}

// base reduces a matched tag to its supported language ("fr-u-rg-frzzzz" →
// "fr").
func base(t language.Tag) language.Tag {
	b, _ := t.Base()
	for _, s := range supported {
		if sb, _ := s.Base(); sb == b {
			return s
		}
	}
	return language.English
}

// Catalog holds one set of translated messages: a JSON object of key →
// message per language, in files named after the language (en.json,
// fr.json). Messages use fmt verbs for their arguments.
type Catalog struct {
	cat  *catalog.Builder
	keys map[string]bool
}

// NewCatalog reads dir of fsys. Every supported language must have a file,
// and every file the same keys: a message missing in one language is an
// error here rather than a key shown to a buyer.
func NewCatalog(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{cat: catalog.NewBuilder(catalog.Fallback(language.English))}
	for i, tag := range supported {
		name := path.Join(dir, tag.String()+".json")
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(raw, &msgs); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		if i == 0 {
			c.keys = make(map[string]bool, len(msgs))
			for k := range msgs {
				c.keys[k] = true
			}
		} else if missing := diff(c.keys, msgs); missing != "" {
			return nil, fmt.Errorf("catalog %s: keys differ from %s.json: %s", name, supported[0], missing)
		}
		for k, m := range msgs {
			if err := c.cat.SetString(tag, k, m); err != nil {
				return nil, fmt.Errorf("catalog %s: %s: %w", name, k, err)
			}
		}
	}
	return c, nil
}

func diff(want map[string]bool, got map[string]string) string {
	var out []string
	for k := range want {
		if _, ok := got[k]; !ok {
			out = append(out, "-"+k)
		}
	}
	for k := range got {
		if !want[k] {
			out = append(out, "+"+k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// Has reports whether key is a message of the catalog.
func (c *Catalog) Has(key string) bool { return c.keys[key] }

// Printer renders messages and amounts in one language.
type Printer struct {
	tag language.Tag
	p   *message.Printer
	cat *Catalog
}

// Printer returns the printer of tag (a tag from Match).
func (c *Catalog) Printer(tag language.Tag) *Printer {
	return &Printer{tag: tag, p: message.NewPrinter(tag, message.Catalog(c.cat)), cat: c}
}

// Lang is the language's BCP 47 code, for the page's lang attribute.
func (p *Printer) Lang() string { return p.tag.String() }

// T returns the message key with args. A key missing from the catalog is
// returned as is, which the catalog tests prevent.
func (p *Printer) T(key string, args ...any) string {
	return p.p.Sprintf(key, args...)
}

// Amount formats minor units of an ISO 4217 currency in the printer's
// language.
func (p *Printer) Amount(minor int64, code string) string { return FormatAmount(p.tag, minor, code) }

// numberStyle is how a language writes amounts.
type numberStyle struct {
	group, decimal string
	// symbolAfter puts the symbol after the number, separated by a
	// no-break space (French); otherwise it comes first, unspaced.
	symbolAfter bool
}

var styles = map[string]numberStyle{
	"en": {group: ",", decimal: "."},
	"fr": {group: "\u202f", decimal: ",", symbolAfter: true},
}

// FormatAmount formats minor units of currency code for language tag:
// FormatAmount(fr, 2590, "EUR") = "25,90 €" (with no-break spaces),
// FormatAmount(en, 2590, "EUR") = "€25.90", FormatAmount(en, 500, "JPY") =
// "¥500". Integer arithmetic only; an unknown currency shows its code.
func FormatAmount(tag language.Tag, minor int64, code string) string {
	tag = base(tag)
	st := styles[tag.String()]
	exp := 2
	if c, ok := iso.Lookup(code); ok {
		exp = c.Exponent
	}
	neg := minor < 0
	digits := iso.Currency{Exponent: exp}.FormatMinor(minor)
	digits = strings.TrimPrefix(digits, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(st.group)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += st.decimal + frac
	}
	sym := Symbol(tag, code)
	var out string
	switch {
	case st.symbolAfter:
		out = num + "\u00a0" + sym
	case len(sym) > 1 && isLetters(sym):
		out = sym + "\u00a0" + num // "CHF 12.00"
	default:
		out = sym + num
	}
	if neg {
		out = "-" + out
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// Symbol is the currency's symbol in the language, from CLDR through
// golang.org/x/text/currency ("€", "$US" in French, "¥"); its ISO code when
// x/text does not know the currency.
func Symbol(tag language.Tag, code string) string {
	u, err := currency.ParseISO(code)
	if err != nil {
		return code
	}
	// x/text formats "<symbol> <number>"; only the symbol is wanted.
	s := message.NewPrinter(tag).Sprint(currency.Symbol(u.Amount(0)))
	if i := strings.LastIndexAny(s, " \u00a0"); i > 0 {
		return strings.TrimSpace(s[:i])
	}
	return code
}
