// Command brokenplugin breaks the contract on purpose, so the conformance
// runner's tests can assert which checks catch what: a mode without a
// label, a plain error for an unknown mode, configuration values echoed in
// problems, a relative redirect, an outgoing call that ignores the host's
// deadline, forged notifications accepted as paid, and a secret in an
// error message.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugin"
)

type broken struct{ payment.Unimplemented }

func (broken) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "broken", Version: "0.0.1", ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{
			ID: "broken", Kind: payment.KindRedirect, // no Label
			ConfigSchema: []payment.ConfigField{
				{Key: "api_url", Label: "API", Type: payment.FieldURL, Required: true},
				{Key: "secret_key", Label: "Key", Type: payment.FieldString, Required: true, Secret: true},
			},
		}},
	}, nil
}

func (broken) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	if req.Mode != "broken" {
		return payment.ValidateConfigResponse{}, errors.New("no such mode") // not a *payment.Error
	}
	var resp payment.ValidateConfigResponse
	if v := req.Config["api_url"]; v == "" || v[0] == 'z' {
		resp.Problems = append(resp.Problems, payment.ConfigProblem{Key: "api_url", Message: fmt.Sprintf("%q is not a URL", v)})
	}
	return resp, nil
}

func (broken) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	// The call's context is dropped: the request outlives the host's deadline.
	c := &http.Client{Timeout: 5 * time.Second}
	if r, err := c.Get(req.Config["api_url"]); err == nil {
		r.Body.Close()
	}
	return payment.BeginResponse{RedirectURL: "/pay/" + req.Session.ID}, nil
}

func (broken) HandleReturn(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidSignature, "signature does not match key %s", req.Config["secret_key"])
}

func (broken) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	f, _ := req.Request.Form()
	if f.Get("status") == "paid" {
		return payment.CallbackResponse{Outcome: &payment.Outcome{Status: payment.StatusPaid, Verified: true, Amount: req.Session.Amount, Currency: req.Session.Currency}}, nil
	}
	return payment.CallbackResponse{}, nil
}

func main() { plugin.Serve(broken{}) }
