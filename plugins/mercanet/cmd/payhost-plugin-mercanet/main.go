// Command payhost-plugin-mercanet serves the Mercanet mode to the payhost
// host. It is started by the host, not by hand.
package main

import (
	"github.com/payhost/payhost/plugins/mercanet"
	"github.com/payhost/payhost/sdk/plugin"
)

func main() { plugin.Serve(mercanet.New(nil)) }
