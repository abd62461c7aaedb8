package paypal_test

import (
	"testing"

	"github.com/payhost/payhost/plugins/paypal"
	"github.com/payhost/payhost/sdk/paymenttest"
)

// TestContract runs the SDK's contract checks on the plugin.
func TestContract(t *testing.T) { paymenttest.Check(t, paypal.New(paypal.Options{})) }
