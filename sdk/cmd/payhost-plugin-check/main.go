// Command payhost-plugin-check runs the payhost conformance checks on a
// plugin binary written in any language:
//
//	payhost-plugin-check [--json] [--config FILE] ./payhost-plugin-mypsp
//
// See package github.com/payhost/payhost/sdk/plugincheck for the checks.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/payhost/payhost/sdk/plugincheck"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := plugincheck.Main(ctx, "payhost-plugin-check", os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
