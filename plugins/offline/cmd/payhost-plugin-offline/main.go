// Command payhost-plugin-offline serves the offline modes (test, free,
// cheque, transfer) to the payhost host. It is started by the host, not by
// hand.
package main

import (
	"github.com/payhost/payhost/plugins/offline"
	"github.com/payhost/payhost/sdk/plugin"
)

func main() { plugin.Serve(offline.New()) }
