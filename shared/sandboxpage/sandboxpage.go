// Package sandboxpage renders the hosted payment pages of the provider
// simulators (plugins/<name>/sandbox) the way a buyer expects a provider's
// page: the provider's name, the merchant, the amount formatted in the
// buyer's language, and one button per outcome, in French or English
// (shared/locale). The simulators keep their protocol logic; only the HTML
// comes from here.
package sandboxpage

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/payhost/payhost/shared/locale"
)

//go:embed messages/*.json
var files embed.FS

var catalog = mustCatalog()

func mustCatalog() *locale.Catalog {
	c, err := locale.NewCatalog(files, "messages")
	if err != nil {
		panic(err) // the embedded catalogs are checked by the package tests
	}
	return c
}

// Page is a provider's payment page.
type Page struct {
	// Provider is the provider's name ("Mercanet"); Color its brand tint.
	Provider, Color string
	Merchant        string
	// Amount in minor units of Currency (ISO 4217 alphabetic).
	Amount    int64
	Currency  string
	Reference string
	Buyer     string
	// Action is where the choice is posted (field "choice").
	Action string
	// Choices are the outcomes offered, by value ("accept", "refuse"...);
	// the first is the main button.
	Choices []string
	// Language is what the merchant asked for ("fr", "fr_FR", "fr-FR");
	// the browser's Accept-Language is used when it is empty or unknown.
	Language string
}

type choice struct {
	Value, Label string
	Primary      bool
}

var tmpl = template.Must(template.New("").Parse(`{{define "head"}}<!doctype html>
<html lang="{{.P.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.P.T "title" .Provider}}</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#eef0f3;color:#1d2330}
header{background:{{.Color}};color:#fff;padding:.8rem 1rem;font-weight:700;font-size:1.2rem}
.banner{background:#fff4e0;color:#5c3b00;padding:.4rem 1rem;font-size:.85rem}
main{max-width:30rem;margin:1.5rem auto;background:#fff;padding:1.2rem 1.5rem;border-radius:.6rem;border:1px solid #dde1e8}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#5b6475}dd{margin:0;font-weight:600}
.amount{font-size:1.4rem}
form{display:grid;gap:.5rem;margin-top:1rem}
button{font:inherit;padding:.6rem 1rem;border-radius:.4rem;border:1px solid #c6ccd6;background:#fff;cursor:pointer;text-align:left}
button.primary{background:{{.Color}};border-color:{{.Color}};color:#fff;font-weight:600}
button:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}
</style></head><body>
<header>{{.Provider}}</header><div class="banner">{{.P.T "banner"}}</div>{{end}}
{{define "page"}}{{template "head" .}}
<main>
<dl>
<dt>{{.P.T "merchant"}}</dt><dd data-testid="merchant">{{.Merchant}}</dd>
<dt>{{.P.T "amount"}}</dt><dd class="amount" data-testid="amount">{{.Amount}}</dd>
{{with .Reference}}<dt>{{$.P.T "reference"}}</dt><dd>{{.}}</dd>{{end}}
{{with .Buyer}}<dt>{{$.P.T "buyer"}}</dt><dd>{{.}}</dd>{{end}}
</dl>
<p>{{.P.T "choose"}}</p>
<form method="POST" action="{{.Action}}">
{{range .Choices}}<button name="choice" value="{{.Value}}"{{if .Primary}} class="primary"{{end}}>{{.Label}}</button>
{{end}}</form>
</main></body></html>{{end}}
{{define "postback"}}{{template "head" .}}<main>
<p>{{.P.T "returning"}}</p>
<form method="POST" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button class="primary">{{.P.T "back"}}</button></form>
</main><script>document.forms[0].submit()</script></body></html>{{end}}
{{define "error"}}{{template "head" .}}<main><h1>{{.P.T "error.title"}}</h1><p>{{.Text}}</p></main></body></html>{{end}}
`))

func printer(lang string, r *http.Request) *locale.Printer {
	accept := ""
	if r != nil {
		accept = r.Header.Get("Accept-Language")
	}
	return catalog.Printer(locale.Match(lang, accept))
}

// Render writes the payment page.
func Render(w http.ResponseWriter, r *http.Request, pg Page) {
	p := printer(pg.Language, r)
	amount := p.Amount(pg.Amount, pg.Currency)
	data := struct {
		P                                    *locale.Printer
		Provider, Color, Merchant, Reference string
		Buyer, Action, Amount                string
		Choices                              []choice
	}{P: p, Provider: pg.Provider, Color: color(pg.Color), Merchant: pg.Merchant, Reference: pg.Reference, Buyer: pg.Buyer,
		Action: pg.Action, Amount: amount}
	for i, c := range pg.Choices {
		label := c
		switch {
		case c == "accept" || c == "approve":
			label = p.T("choice."+c, amount)
		case catalog.Has("choice." + c):
			label = p.T("choice." + c)
		}
		data.Choices = append(data.Choices, choice{Value: c, Label: label, Primary: i == 0})
	}
	write(w, http.StatusOK, "page", data)
}

// Error writes a refusal page with status 400; text is the provider's
// technical message (shown as is: it is what a developer needs).
func Error(w http.ResponseWriter, r *http.Request, provider, color, text string) {
	data := struct {
		P                     *locale.Printer
		Provider, Color, Text string
	}{P: printer("", r), Provider: provider, Color: color, Text: text}
	write(w, http.StatusBadRequest, "error", data)
}

// Field is one field of a form sent back to the shop.
type Field struct{ Name, Value string }

// PostBack writes the page that sends the buyer back to the shop with a
// form post (the provider's signed answer in fields): submitted by script
// at once, and a button in the buyer's language without script. lang is
// what the merchant asked for, as in Page.Language.
func PostBack(w http.ResponseWriter, r *http.Request, lang, provider, tint, action string, fields []Field) {
	data := struct {
		P                       *locale.Printer
		Provider, Color, Action string
		Fields                  []Field
	}{P: printer(lang, r), Provider: provider, Color: color(tint), Action: action, Fields: fields}
	write(w, http.StatusOK, "postback", data)
}

func color(c string) string {
	if c == "" {
		return "#1f5fbf"
	}
	return c
}

func write(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
