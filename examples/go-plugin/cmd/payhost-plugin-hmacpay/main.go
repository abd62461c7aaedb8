// Command payhost-plugin-hmacpay is the hmacpay payment plugin; the payhost
// host runs it (go-plugin over gRPC). Run by hand it only explains itself.
package main

import (
	"github.com/payhost/payhost/sdk/plugin"

	"example.com/payhost-plugin-hmacpay"
)

func main() { plugin.Serve(hmacpay.New()) }
