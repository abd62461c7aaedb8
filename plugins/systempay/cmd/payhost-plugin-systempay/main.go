// Command payhost-plugin-systempay serves the Systempay mode (Lyra's vads
// form API) to the payhost host. It is started by the host, not by hand.
package main

import (
	"github.com/payhost/payhost/plugins/systempay"
	"github.com/payhost/payhost/sdk/plugin"
)

func main() { plugin.Serve(systempay.New()) }
