package offline_test

import (
	"testing"

	"github.com/payhost/payhost/plugins/offline"
	"github.com/payhost/payhost/sdk/paymenttest"
)

// TestContract runs the SDK's contract checks on the plugin.
func TestContract(t *testing.T) { paymenttest.Check(t, offline.New()) }
