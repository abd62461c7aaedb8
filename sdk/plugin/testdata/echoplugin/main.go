// Command echoplugin is a minimal plugin used by the SDK's tests: it reports
// what it sees of its environment and answers errors on request.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

type echo struct{ payment.Unimplemented }

func (echo) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "echo", Version: "env=" + os.Getenv("PAYHOST_TEST_SECRET"), ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{ID: "echo", Label: "Echo", Kind: payment.KindInstant}},
	}, nil
}

func (echo) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	if req.Config["fail"] != "" {
		return payment.ValidateConfigResponse{}, payment.Errorf(payment.Code(req.Config["fail"]), "asked to fail")
	}
	if v := req.Config["plain"]; v != "" {
		return payment.ValidateConfigResponse{}, fmt.Errorf("connecting with password %s: refused", v)
	}
	if req.Config["panic"] != "" {
		panic("asked to panic")
	}
	if req.Config["exit"] != "" {
		os.Exit(3)
	}
	return payment.ValidateConfigResponse{}, nil
}

func (echo) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	return payment.BeginResponse{Outcome: &payment.Outcome{Status: payment.StatusPaid, Verified: true, Amount: req.Session.Amount, Currency: req.Session.Currency}}, nil
}

func (echo) HandleReturn(context.Context, payment.CallbackRequest) (payment.CallbackResponse, error) {
	return payment.CallbackResponse{}, nil
}

func (echo) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	return payment.CallbackResponse{Response: payment.HTTPResponse{StatusCode: 200, Body: req.Request.Body}}, nil
}

// IdentifyCallback echoes the body as the session id, as a plugin reading
// a provider's field would: whatever bytes arrived.
func (echo) IdentifyCallback(_ context.Context, req payment.IdentifyCallbackRequest) (payment.IdentifyCallbackResponse, error) {
	return payment.IdentifyCallbackResponse{SessionID: string(req.Request.Body)}, nil
}

func main() { plugin.Serve(echo{}) }
