// Command payhost-plugin-paypal serves the PayPal mode to the payhost host.
// It is started by the host, not by hand.
package main

import (
	"github.com/payhost/payhost/plugins/paypal"
	"github.com/payhost/payhost/sdk/plugin"
)

func main() { plugin.Serve(paypal.New(paypal.Options{})) }
