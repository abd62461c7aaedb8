// Command payhost-plugin-ogone serves the Ogone mode to the payhost host.
// It is started by the host, not by hand.
package main

import (
	"github.com/payhost/payhost/plugins/ogone"
	"github.com/payhost/payhost/sdk/plugin"
)

func main() { plugin.Serve(ogone.New()) }
