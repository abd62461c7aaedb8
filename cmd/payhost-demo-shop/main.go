// Command payhost-demo-shop is the reference integration of payhost: a small
// storefront that sells through the public HTTP API and the sdk/shop
// helpers only. `make run` starts it on http://127.0.0.1:9000 beside the
// host and the provider sandbox.
//
// What a shop copies from here:
//   - cart → POST /v1/checkouts, then the checkout widget (/widget.js) in
//     the shop's own page (or a redirect to the checkout's url);
//   - the return page verifies the signed redirect (shop.VerifyReturn) and
//     reads the state from GET /v1/sessions/{id};
//   - webhooks verified with shop.VerifyWebhook, deduplicated on
//     Payhost-Event-Id;
//   - refunds, captures and cancellations through the API.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/payhost/payhost/internal/devserver"
)

func main() {
	cfg := Config{}
	flag.StringVar(&cfg.Listen, "listen", "127.0.0.1:9000", "address to listen on")
	flag.StringVar(&cfg.PublicURL, "public-url", "http://localhost:9000", "this shop's URL as the buyer's browser sees it")
	flag.StringVar(&cfg.Payhost, "payhost", "http://localhost:8080", "the payhost host's URL")
	flag.StringVar(&cfg.APIKey, "api-key", envOr("DEMO_SHOP_API_KEY", "demo_site_key_0123456789abcdef"), "the site's API key (env DEMO_SHOP_API_KEY)")
	flag.StringVar(&cfg.WebhookSecret, "webhook-secret", envOr("DEMO_SHOP_WEBHOOK_SECRET", "demo_webhook_secret_0123456789"),
		"the site's webhook secret (env DEMO_SHOP_WEBHOOK_SECRET)")
	flag.Parse()
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "payhost-demo-shop:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func run(cfg Config) error {
	shop, err := New(cfg)
	if err != nil {
		return err
	}
	return devserver.Serve("payhost-demo-shop", cfg.Listen, shop)
}
