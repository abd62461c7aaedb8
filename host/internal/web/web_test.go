package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

func TestPagesRender(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	fr := p.PrinterFor(language.French)
	page := CheckoutPage{
		Base: Base{P: fr, ShopName: "Boutique <Démo>", Static: StaticPrefix}, OrderRef: "1001",
		Lines:  []LineView{{Label: "Thé", Quantity: 2, Amount: fr.Amount(3000, "EUR")}},
		Total:  fr.Amount(3490, "EUR"),
		Offers: []Offer{{ID: "cheque", Label: fr.T("mode.cheque.label"), Description: "d", Logo: LogoFor("cheque", "deferred")}},
		Action: "/checkout/co_x",
	}
	w := httptest.NewRecorder()
	if err := p.Render(w, 200, "checkout", page); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, want := range []string{`<html lang="fr">`, "Boutique &lt;Démo&gt;", "34,90\u00a0€", "Chèque", `value="cheque"`, StaticPrefix + "/payhost.css", "Commande 1001"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if w.Header().Get("Content-Language") != "fr" || w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers: %v", w.Header())
	}
	if err := p.Render(httptest.NewRecorder(), 200, "nope", page); err == nil {
		t.Error("an unknown page rendered")
	}
}

func TestStaticAssets(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"payhost.css", "logos/card.svg", "logos/cheque.svg", "logos/bank.svg", "logos/wallet.svg", "logos/test.svg", "logos/free.svg"} {
		w := httptest.NewRecorder()
		p.Static().ServeHTTP(w, httptest.NewRequest("GET", StaticPrefix+"/"+name, nil))
		if w.Code != 200 || w.Body.Len() == 0 {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
}

// BenchmarkCheckoutPage measures rendering the hosted chooser (French,
// seven modes, three lines): the page a buyer waits for.
func BenchmarkCheckoutPage(b *testing.B) {
	p, err := New()
	if err != nil {
		b.Fatal(err)
	}
	fr := p.PrinterFor(language.French)
	page := CheckoutPage{Base: Base{P: fr, ShopName: "Demo Shop", Static: StaticPrefix}, OrderRef: "1001", Action: "/checkout/co_x"}
	for i := range 3 {
		page.Lines = append(page.Lines, LineView{Label: "Thé", Quantity: int64(i + 1), Amount: fr.Amount(1290*int64(i+1), "EUR")})
	}
	for _, m := range []string{"test", "mercanet", "ogone", "paypal", "systempay", "cheque", "transfer"} {
		page.Offers = append(page.Offers, Offer{ID: m, Label: fr.T("mode." + m + ".label"), Description: fr.T("mode." + m + ".description"), Logo: LogoFor(m, "")})
	}
	b.ReportAllocs()
	for b.Loop() {
		page.Total = fr.Amount(7230, "EUR")
		if err := p.Render(httptest.NewRecorder(), 200, "checkout", page); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWidgetFallbackTexts: the widget's built-in copy of its failure texts
// (used before payhost answered, or when it cannot be reached) is the
// catalogs' text in both languages, not English alone.
func TestWidgetFallbackTexts(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	js, err := Asset("widget.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []language.Tag{language.English, language.French} {
		pr := p.PrinterFor(tag)
		for _, key := range []string{"widget.unreachable", "widget.error"} {
			text := pr.T(key)
			if text == key || !strings.Contains(string(js), text) {
				t.Errorf("widget.js lacks the %s text of %s: %q", tag, key, text)
			}
		}
	}
	for _, english := range []string{`"payhost cannot be reached`, `"Error " +`} {
		if strings.Contains(string(js), english) {
			t.Errorf("widget.js still has the English-only text %s", english)
		}
	}
}
