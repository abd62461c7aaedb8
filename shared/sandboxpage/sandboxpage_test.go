package sandboxpage

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		lang, accept string
		want         []string
	}{
		{"fr", "", []string{`lang="fr"`, "Payer 25,90\u00a0€", "Commerçant", "Carte refusée", "Mercanet"}},
		{"", "en-US", []string{`lang="en"`, "Pay €25.90", "Merchant", "Card refused"}},
		{"fr_FR", "en", []string{`lang="fr"`}},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", tt.accept)
		Render(w, r, Page{Provider: "Mercanet", Merchant: "211000021310001", Amount: 2590, Currency: "EUR",
			Action: "page/x", Choices: []string{"accept", "refuse", "cancel"}, Language: tt.lang})
		body := w.Body.String()
		for _, want := range tt.want {
			if !strings.Contains(body, want) {
				t.Errorf("lang %q accept %q: page lacks %q", tt.lang, tt.accept, want)
			}
		}
		if !strings.Contains(body, `name="choice" value="refuse"`) {
			t.Error("choice values changed")
		}
	}
	w := httptest.NewRecorder()
	Error(w, httptest.NewRequest("GET", "/", nil), "Ogone", "", "unknown PSPID")
	if w.Code != 400 || !strings.Contains(w.Body.String(), "unknown PSPID") {
		t.Errorf("error page: %d %s", w.Code, w.Body)
	}
}

func TestPostBack(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{{"fr", "Retour"}, {"en", "Back to the shop"}} {
		w := httptest.NewRecorder()
		PostBack(w, httptest.NewRequest("POST", "/", nil), tc.lang, "Systempay", "", "https://shop.example/return",
			[]Field{{"vads_result", "00"}, {"signature", `a"b<c`}})
		body := w.Body.String()
		for _, want := range []string{tc.want, `action="https://shop.example/return"`, `name="vads_result" value="00"`,
			`name="signature" value="a&#34;b&lt;c"`, "document.forms[0].submit()"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q:\n%s", tc.lang, want, body)
			}
		}
	}
}
