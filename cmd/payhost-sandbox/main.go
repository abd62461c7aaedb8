// Command payhost-sandbox serves the simulated payment providers used by
// the tests and by `make run`: each provider's sandbox under its own path
// prefix (/mercanet/...). It never talks to a real provider.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/payhost/payhost/internal/devserver"
	mercanet "github.com/payhost/payhost/plugins/mercanet/sandbox"
	ogone "github.com/payhost/payhost/plugins/ogone/sandbox"
	paypal "github.com/payhost/payhost/plugins/paypal/sandbox"
	systempay "github.com/payhost/payhost/plugins/systempay/sandbox"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8090", "address to listen on")
	flag.Parse()
	if err := run(*listen); err != nil {
		fmt.Fprintln(os.Stderr, "payhost-sandbox:", err)
		os.Exit(1)
	}
}

func run(listen string) error {
	mux := http.NewServeMux()
	mux.Handle("/mercanet/", http.StripPrefix("/mercanet", mercanet.New(nil)))
	mux.Handle("/ogone/", http.StripPrefix("/ogone", ogone.New()))
	pp, err := paypal.New("/paypal")
	if err != nil {
		return err
	}
	mux.Handle("/paypal/", http.StripPrefix("/paypal", pp))
	mux.Handle("/systempay/", http.StripPrefix("/systempay", systempay.New()))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "payhost-sandbox:")
		fmt.Fprintln(w, "  Mercanet: /mercanet/paymentInit, /mercanet/rs-services/v2/diagnostic/getTransactionData,")
		fmt.Fprintln(w, "            /mercanet/rs-services/v2/cashManagement/{refund,cancel,validate},")
		fmt.Fprintln(w, "            POST /mercanet/backoffice/office/{faults,remit}, GET /mercanet/backoffice/office/transactions/{merchant}/{ref}")
		fmt.Fprintln(w, "  Ogone:    /ogone/ncol/test/orderstandard_utf8.asp, /ogone/ncol/test/orderstandard.asp,")
		fmt.Fprintln(w, "            POST /ogone/backoffice/merchants, GET /ogone/backoffice/postsales,")
		fmt.Fprintln(w, "            DirectLink /ogone/ncol/test/maintenancedirect.asp, /ogone/ncol/test/querydirect.asp,")
		fmt.Fprintln(w, "            POST /ogone/backoffice/directlink/users, /ogone/backoffice/directlink/drop")
		fmt.Fprintln(w, "  PayPal:   /paypal/v1/oauth2/token, /paypal/v2/checkout/orders, /paypal/checkoutnow,")
		fmt.Fprintln(w, "            /paypal/certs/sandbox.pem, POST /paypal/backoffice/apps, /paypal/backoffice/settings")
		fmt.Fprintln(w, "  Systempay: /systempay/vads-payment/, POST /systempay/backoffice/shops, GET /systempay/backoffice/ipns,")
		fmt.Fprintln(w, "            POST /systempay/api-payment/V4/{Transaction,Order}/..., POST /systempay/backoffice/rest/{keys,faults,capture-batch}")
	})
	return devserver.Serve("payhost-sandbox", listen, mux)
}
