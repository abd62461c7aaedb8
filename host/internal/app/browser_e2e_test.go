package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/internal/browsertest"
)

// The buyer's journeys in a real headless Chromium, against the real
// binaries: the payhost host with every plugin, the provider sandbox and
// the demo shop, each its own process on a loopback port. The buyer only
// clicks; the tests read what the pages say. A failing journey leaves a
// screenshot (path in the log; PAYHOST_SCREENSHOTS sets the directory).

// storefrontConfig is the demo setup of dev/payhost.dev.yaml with the
// sandbox's test merchants of the other end-to-end tests.
const storefrontConfig = `
environment: development
listen: "127.0.0.1:0"
public_url: "http://placeholder.invalid"
database: {driver: sqlite, dsn: "{{DB}}"}
webhooks: {poll_interval: 50ms}
plugins: {dir: "{{DIR}}", verify: warn, start_timeout: 20s, call_timeout: 5s}
admin: {api_key: "env:E2E_ADMIN_KEY"}
log: {level: warn}
sites:
  - id: demo
    name: "Demo Shop"
    test_mode: true
    api_key: "env:E2E_SITE_KEY"
    webhook: {url: "{{SHOP}}/hook", secret: "env:E2E_WEBHOOK_SECRET"}
    allowed_origins: ["{{SHOP}}"]
    cart_types: [web, click_and_collect, marketplace]
    modes:
      test: {enabled: true, order: 1, config: {signing_key: "env:E2E_SIGNING_KEY"}}
      free: {enabled: true, order: 2}
      cheque:
        enabled: true
        order: 20
        eligibility: {max_amount: 500000, currencies: [EUR], countries: [FR]}
        config: {payee: "Demo Shop SARL", address: "1 rue de la Paix, 75002 Paris"}
      transfer:
        enabled: true
        order: 30
        eligibility: {min_amount: 1000, currencies: [EUR]}
        config: {account_holder: "Demo Shop SARL", iban: "FR1420041010050500013M02606", bic: "PSSTFRPPPAR"}
`

type storefront struct {
	host    *instance
	shop    string
	sandbox string
}

func startStorefront(t *testing.T) *storefront {
	t.Helper()
	sandbox := startSandbox(t)
	shopAddr := freePort(t)
	shop := "http://" + shopAddr
	modes := fmt.Sprintf(mercanetMode, sandbox) +
		strings.ReplaceAll(strings.ReplaceAll(ogoneMode, "%s", sandbox), "OPERATION", "SAL") +
		strings.ReplaceAll(strings.ReplaceAll(paypalMode, "%s", sandbox), "VERIFICATION", "offline") +
		strings.ReplaceAll(systempayMode, "%s", sandbox)
	cfg := strings.NewReplacer("{{DB}}", filepath.Join(t.TempDir(), "payhost.db"), "{{DIR}}", providerDir, "{{SHOP}}", shop).
		Replace(storefrontConfig) + modes
	cfgPath := filepath.Join(t.TempDir(), "payhost.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	host := startInstance(t, cfgPath, "", "payhost")
	sandboxPost(t, sandbox+"/paypal/backoffice/apps", map[string]string{"client_id": "e2e-client", "client_secret": "e2e-client-secret",
		"webhook_url": host.base + "/notify/paypal", "webhook_id": "E2E-WEBHOOK"})
	sandboxPost(t, sandbox+"/ogone/backoffice/merchants", map[string]any{"pspid": "e2eshop", "sha_in": "e2e-sha-in-passphrase",
		"sha_out": "e2e-sha-out-passphrase", "algorithm": "SHA-512", "postsale_url": host.base + "/notify/ogone",
		"retry_delay": int64(200 * time.Millisecond), "attempts": 4})
	sandboxPost(t, sandbox+"/systempay/backoffice/shops", map[string]any{"site_id": "87654321", "key_test": "e2e-test-key-0001",
		"key_production": "e2e-production-key-0001", "retry_delay": int64(200 * time.Millisecond), "retries": 4})

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, shopBin, "--listen", shopAddr, "--public-url", shop, "--payhost", host.base,
		"--api-key", siteKey, "--webhook-secret", webhookSecret)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
		t.Fatalf("demo shop did not start: %v", err)
	}
	return &storefront{host: host, shop: shop, sandbox: sandbox}
}

// shot saves a screenshot of a step when PAYHOST_SCREENSHOTS is set (to
// look at the pages a buyer sees); failures are always captured.
func shot(p *browsertest.Page, name string) {
	if os.Getenv("PAYHOST_SCREENSHOTS") != "" {
		p.Screenshot(name)
	}
}

// checkout fills the demo shop's cart and opens its payment page, where the
// widget shows the modes; it returns the widget's total.
func (sf *storefront) checkout(p *browsertest.Page, cart url.Values) string {
	p.Go(sf.shop + "/?" + cart.Encode())
	p.Click("#checkout")
	p.WaitURL(sf.shop + "/pay/")
	total := p.Text(".phw [data-testid=total]")
	shot(p, "widget")
	return total
}

// returned waits for the shop's return page and gives the session and the
// state the shop read from the API.
// paidWithTest pays on the test mode's page the buyer is on, waits for the
// shop's return page to say paid, and reads the session's checkout.
func (sf *storefront) paidWithTest(t *testing.T, p *browsertest.Page) (string, checkoutJSON) {
	t.Helper()
	p.Click(".choices button.primary")
	sid, status := sf.returned(t, p)
	if status != "paid" {
		t.Fatalf("return page: %s", status)
	}
	var s struct {
		CheckoutID string `json:"checkout_id"`
	}
	sf.host.h.expect(sf.host.h.do("GET", "/v1/sessions/"+sid, siteKey, nil), http.StatusOK).json(t, &s)
	return sid, sf.host.h.getCheckout(s.CheckoutID)
}

func (sf *storefront) returned(t *testing.T, p *browsertest.Page) (sessionID, status string) {
	t.Helper()
	u, err := url.Parse(p.WaitURL(sf.shop + "/return"))
	if err != nil {
		t.Fatal(err)
	}
	status = p.Text("[data-testid=status]")
	shot(p, "return")
	return u.Query().Get("session"), status
}

// delivered waits for the shop's webhook page to list the session's event,
// which names the checkout.
func (sf *storefront) delivered(p *browsertest.Page, sessionID, status string) {
	p.Go(sf.shop + "/webhooks")
	p.WaitText(fmt.Sprintf(`tr.delivery[data-session=%q][data-status=%q][data-checkout^="co_"]`, sessionID, status), status)
	shot(p, "webhooks")
}

func frCart() url.Values {
	return url.Values{"qty_TEA-SENCHA": {"2"}, "type": {"web"}, "country": {"FR"}, "locale": {"fr-FR"}}
}
func enCart() url.Values {
	return url.Values{"qty_TEA-SENCHA": {"2"}, "type": {"web"}, "country": {"FR"}, "locale": {"en-GB"}}
}

func TestBrowserJourneys(t *testing.T) {
	if testing.Short() {
		t.Skip("browser journeys take a minute")
	}
	b := browsertest.Start(t, browsertest.Options{Lang: "fr-FR"})
	sf := startStorefront(t)

	// provider pages: the sandbox page in the buyer's language, then pay.
	sandboxPay := func(want string) func(p *browsertest.Page) {
		return func(p *browsertest.Page) {
			p.WaitText("button[name=choice]", want)
			shot(p, "provider")
			p.Click("button[name=choice].primary")
		}
	}
	journeys := []struct {
		mode   string
		cart   url.Values
		total  string
		pay    func(p *browsertest.Page)
		status string // on the return page
	}{
		{"test", frCart(), "30,70\u00a0€", func(p *browsertest.Page) {
			p.WaitText(".choices button.primary", "Payer")
			shot(p, "pay")
			p.Click(".choices button.primary")
		}, "paid"},
		{"test", enCart(), "€30.70", func(p *browsertest.Page) {
			p.WaitText(".choices button.primary", "Pay")
			p.Click(".choices button.primary")
		}, "paid"},
		{"free", url.Values{"qty_SAMPLE": {"1"}, "type": {"click_and_collect"}, "country": {"FR"}, "locale": {"fr-FR"}}, "0,00\u00a0€", nil, "paid"},
		{"cheque", frCart(), "30,70\u00a0€", func(p *browsertest.Page) {
			p.WaitText(".details", "Bénéficiaire")
			p.WaitText(".details", "30,70\u00a0€")
			shot(p, "instructions")
			p.Click("a.button.primary")
		}, "pending"},
		{"transfer", enCart(), "€30.70", func(p *browsertest.Page) {
			p.WaitText(".details", "IBAN")
			p.WaitText(".details", "€30.70")
			p.Click("a.button.primary")
		}, "pending"},
		{"mercanet", frCart(), "30,70\u00a0€", sandboxPay("Payer 30,70\u00a0€"), "paid"},
		{"mercanet", enCart(), "€30.70", sandboxPay("Pay €30.70"), "paid"},
		{"systempay", frCart(), "30,70\u00a0€", sandboxPay("Payer 30,70\u00a0€"), "paid"},
		{"ogone", enCart(), "€30.70", sandboxPay("Pay €30.70"), "paid"},
		{"paypal", frCart(), "30,70\u00a0€", sandboxPay("Payer 30,70\u00a0€"), "paid"},
	}
	for _, j := range journeys {
		t.Run(j.mode+"/"+j.cart.Get("locale"), func(t *testing.T) {
			p := b.Page(t)
			if total := sf.checkout(p, j.cart); total != j.total {
				t.Errorf("widget total %q, want %q", total, j.total)
			}
			p.Click(fmt.Sprintf(".phw button[data-mode=%q]", j.mode))
			if j.pay != nil {
				j.pay(p)
			}
			sid, status := sf.returned(t, p)
			if status != j.status {
				t.Fatalf("return page: %s, want %s", status, j.status)
			}
			if status == "pending" {
				// Deferred: the money arrives, an operator confirms it.
				sf.host.h.expect(sf.host.h.do("POST", "/admin/v1/sessions/"+sid+"/confirm", adminKey, nil), http.StatusOK)
			}
			sf.delivered(p, sid, "paid")
		})
	}

	t.Run("refused, then another mode on the same checkout", func(t *testing.T) {
		p := b.Page(t)
		sf.checkout(p, frCart())
		p.Click(`.phw button[data-mode="mercanet"]`)
		p.WaitVisible("button[value=refuse]")
		p.Click("button[value=refuse]")
		p.WaitURL(sf.host.base + "/checkout/")
		p.WaitText(".notice", "Votre paiement a été refusé")
		shot(p, "refused")
		p.Click(`form.modes button[data-mode="test"]`)
		sid, c := sf.paidWithTest(t, p)
		if c.Status != "complete" || len(c.Sessions) != 2 || c.Sessions[0].Status != "refused" || c.Sessions[0].Mode != "mercanet" {
			t.Errorf("checkout after the second attempt: %+v", c)
		}
		sf.delivered(p, sid, "paid")
	})

	t.Run("Back from a form-post provider, then another mode", func(t *testing.T) {
		p := b.Page(t)
		sf.checkout(p, frCart())
		p.Click(`.phw button[data-mode="mercanet"]`)
		p.WaitText("button[name=choice]", "Payer 30,70\u00a0€")
		// The buyer changes their mind: Back, to the shop's page. The
		// widget reads the checkout again (it may come from the
		// back/forward cache) and offers another method, not the
		// provider's form posted twice.
		p.Back()
		p.WaitURL(sf.shop + "/pay/")
		p.WaitText(".phw h3", "Paiement interrompu")
		shot(p, "left-provider")
		// (Evaluated, not queried: chromedp's DOM queries do not follow a
		// page restored from the back/forward cache.)
		p.Poll(`!document.querySelector(".phw").innerText.includes("Reprendre")`, "no offer to continue a form the provider would refuse")
		// A reload shows the same (the state is payhost's, not the page's).
		p.Go(p.URL())
		p.WaitText(".phw h3", "Paiement interrompu")
		p.Click(`.phw button[data-action="abandon"]`)
		p.WaitVisible(`.phw button[data-mode="test"]`)
		shot(p, "after-abandon")
		p.Click(`.phw button[data-mode="test"]`)
		_, c := sf.paidWithTest(t, p)
		if c.Status != "complete" || len(c.Sessions) != 2 || c.Sessions[0].Mode != "mercanet" || c.Sessions[0].Status != "cancelled" {
			t.Errorf("checkout after Back and another mode: %+v", c)
		}
		sf.delivered(p, c.Sessions[0].ID, "cancelled")
	})

	t.Run("attempt under way on the hosted page, abandoned", func(t *testing.T) {
		p := b.Page(t)
		h := sf.host.h
		c := h.createCheckout(checkoutReq(2590, "fr-FR"))
		h.expect(h.pick(c.ID, "cheque"), http.StatusSeeOther)
		p.Go(c.URL)
		p.WaitText("h1", "Un paiement est en cours")
		shot(p, "under-way")
		p.Click(`.message form[action$="/abandon"] button`)
		p.WaitText(".notice", "Votre tentative de paiement précédente a été annulée")
		p.WaitVisible(`form.modes button[data-mode="cheque"]`)
		shot(p, "abandoned")
		if got := h.getCheckout(c.ID); got.Status != "open" || len(got.Sessions) != 1 || got.Sessions[0].Status != "cancelled" {
			t.Errorf("checkout after abandon: %+v", got)
		}
	})

	t.Run("cancelled at the provider, then back to the shop", func(t *testing.T) {
		p := b.Page(t)
		sf.checkout(p, enCart())
		p.Click(`.phw button[data-mode="systempay"]`)
		p.Click("button[value=cancel]")
		p.WaitURL(sf.host.base + "/checkout/")
		p.WaitText(".notice", "Your payment was cancelled")
		shot(p, "cancelled")
		p.Click("p.back a")
		p.WaitURL(sf.shop + "/cancel")
		if got := p.Text("[data-testid=status]"); !strings.Contains(got, "was not paid") {
			t.Errorf("shop's cancel page: %q", got)
		}
	})

	t.Run("expired checkout", func(t *testing.T) {
		p := b.Page(t)
		req := checkoutReq(1500, "fr-FR")
		req["expires_in"] = 1
		req["cancel_url"] = sf.shop + "/cancel?order=EXPIRED"
		var c checkoutJSON
		sf.host.h.expect(sf.host.h.do("POST", "/v1/checkouts", siteKey, req), http.StatusCreated).json(t, &c)
		time.Sleep(1100 * time.Millisecond)
		p.Go(c.URL)
		p.WaitText("h1", "Ce paiement a expiré")
		shot(p, "expired")
		p.Click(".message a.button")
		p.WaitURL(sf.shop + "/cancel?order=EXPIRED")
	})

	t.Run("unknown payment", func(t *testing.T) {
		p := b.Page(t)
		p.Go(sf.host.base + "/checkout/co_doesnotexist")
		// No customer: the browser's language (fr-FR) decides.
		p.WaitText("h1", "Paiement introuvable")
		shot(p, "not-found")
	})
}
