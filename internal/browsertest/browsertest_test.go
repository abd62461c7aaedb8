package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestJourney(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `<html><body><p id="lang">%s</p><form method="post" action="/next"><button id="go">Go</button></form></body></html>`,
				r.Header.Get("Accept-Language"))
		case "/next":
			fmt.Fprint(w, `<html><body><p id="done">Done: 25,90&nbsp;€</p><script>setTimeout(() => document.body.insertAdjacentHTML("beforeend", "<p id=late>late</p>"), 200)</script></body></html>`)
		}
	}))
	defer srv.Close()
	b := Start(t, Options{Lang: "fr-FR"})
	p := b.Page(t)
	p.Go(srv.URL + "/")
	if got := p.Text("#lang"); !strings.HasPrefix(got, "fr-FR") {
		t.Errorf("Accept-Language %q", got)
	}
	p.Click("#go")
	if url := p.WaitURL(srv.URL + "/next"); url != srv.URL+"/next" {
		t.Errorf("URL %s", url)
	}
	p.WaitText("#late", "late")
	if got := p.Text("#done"); got != "Done: 25,90\u00a0€" {
		t.Errorf("text %q", got)
	}
	path := p.Screenshot("done")
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("screenshot %s: %v", path, err)
	}
	os.RemoveAll(b.shots)
}
