// Package web renders the server-side HTML pages of the host and serves
// their static assets: html/template pages on one layout, embedded CSS and
// logos, messages from the catalogs in messages/ (package shared/locale),
// amounts formatted per language and currency. It knows nothing of
// sessions or checkouts: handlers fill the page data. The buyer pages use
// it today; an operator console can reuse it with its own templates.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"golang.org/x/text/language"

	"github.com/payhost/payhost/shared/locale"
)

//go:embed templates/*.html messages/*.json static
var files embed.FS

// StaticPrefix is where Static is mounted; the version segment changes
// whenever the assets do, so they can be cached for long.
const StaticPrefix = "/static/v1"

// Pages renders pages. It is safe for concurrent use.
type Pages struct {
	cat   *locale.Catalog
	pages map[string]*template.Template
}

// ParsePages parses templates/layout.html of fsys and, with each other
// templates/NAME.html, one page NAME that can extend the layout. funcs may
// be nil. The console renders its pages the same way.
func ParsePages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// New parses the embedded templates and catalogs.
func New() (*Pages, error) {
	cat, err := locale.NewCatalog(files, "messages")
	if err != nil {
		return nil, err
	}
	p := &Pages{cat: cat, pages: map[string]*template.Template{}}
	if p.pages, err = ParsePages(files, nil); err != nil {
		return nil, err
	}
	return p, nil
}

// Printer returns the printer for the buyer: the customer's locale first,
// then the browser's Accept-Language.
func (p *Pages) Printer(customerLocale string, r *http.Request) *locale.Printer {
	accept := ""
	if r != nil {
		accept = r.Header.Get("Accept-Language")
	}
	return p.cat.Printer(locale.Match(customerLocale, accept))
}

// PrinterFor returns the printer of a language tag.
func (p *Pages) PrinterFor(tag language.Tag) *locale.Printer { return p.cat.Printer(tag) }

// Has reports whether the catalog has a message key (optional messages,
// such as a mode's translated label).
func (p *Pages) Has(key string) bool { return p.cat.Has(key) }

// Base is what every page's data carries.
type Base struct {
	P        *locale.Printer
	ShopName string
	// Static is the assets' URL prefix (StaticPrefix, or an absolute URL
	// when the page is shown from another origin).
	Static string
}

// Link is a link shown as a button.
type Link struct {
	URL, Label string
	Primary    bool
	// Post makes it a form posting Fields to URL (an action that changes
	// something, which a link must not do).
	Post   bool
	Fields []Field
	// History makes it the browser's Back (URL unused): the way back when
	// the page does not know where the buyer came from.
	History bool
}

// Message is a page with a title, a text and ways out.
type Message struct {
	Base
	// Kind is a CSS class: "info", "warn", "error".
	Kind        string
	Title, Text string
	Links       []Link
}

// Render writes the page name with data (a struct embedding Base) and
// status. The page is rendered into a buffer first: a template error
// never leaves half a page.
func (p *Pages) Render(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Language", dataLang(data))
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

func dataLang(data any) string {
	if b, ok := data.(interface{ lang() string }); ok {
		return b.lang()
	}
	return "en"
}

func (b Base) lang() string {
	if b.P == nil {
		return "en"
	}
	return b.P.Lang()
}

// Static serves the embedded assets under StaticPrefix.
func (p *Pages) Static() http.Handler {
	sub, _ := fs.Sub(files, "static")
	fsrv := http.StripPrefix(StaticPrefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fsrv.ServeHTTP(w, r)
	})
}

// Asset returns an embedded asset's bytes (the widget script is served
// outside StaticPrefix).
func Asset(name string) ([]byte, error) { return files.ReadFile(path.Join("static", name)) }

// WidgetVersion is the version of static/widget.js; bump it with any
// change a cached copy must not miss (/widget/v<N>.js is immutable).
const WidgetVersion = "1"
