package systempay

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestErrorCodes: every documented ERROR code is a failure (nothing was
// done); an undocumented one leaves the outcome unknown, never succeeded.
func TestErrorCodes(t *testing.T) {
	for code := range errorCodes {
		r, err := operationError(&apiError{Code: code, Message: "m"})
		if err != nil || r.Status != payment.OperationFailed || r.ResponseCode != code {
			t.Errorf("%s: %+v %v", code, r, err)
		}
	}
	for _, code := range []string{"PSP_999", "ACQ_001", "AUTH_123", "CLIENT_1", ""} {
		r, err := operationError(&apiError{Code: code})
		if err != nil || r.Status != payment.OperationUnknown {
			t.Errorf("%q: %+v %v; want unknown", code, r, err)
		}
	}
}

// TestCreditStatuses maps a refund's CREDIT transaction, every documented
// detailedStatus and an undocumented one.
func TestCreditStatuses(t *testing.T) {
	tests := []struct {
		status, detailed string
		want             payment.OperationStatus // "" for unknown (an error)
	}{
		{"PAID", "AUTHORISED", payment.OperationSucceeded}, {"PAID", "CAPTURED", payment.OperationSucceeded},
		{"PAID", "PARTIALLY_AUTHORISED", payment.OperationSucceeded},
		{"RUNNING", "UNDER_VERIFICATION", payment.OperationPending}, {"RUNNING", "WAITING_AUTHORISATION", payment.OperationPending},
		{"RUNNING", "INITIAL", payment.OperationPending}, {"RUNNING", "WAITING_FOR_PAYMENT", payment.OperationPending},
		{"RUNNING", "PENDING", payment.OperationPending}, {"RUNNING", "SUSPENDED", payment.OperationPending},
		{"RUNNING", "REFUND_TO_RETRY", payment.OperationPending},
		{"UNPAID", "REFUSED", payment.OperationFailed}, {"UNPAID", "ERROR", payment.OperationFailed},
		{"UNPAID", "CANCELLED", payment.OperationFailed}, {"UNPAID", "EXPIRED", payment.OperationFailed},
		{"UNPAID", "CAPTURE_FAILED", payment.OperationFailed},
		{"PAID", "SOMETHING_NEW", ""}, {"", "", ""}, {"RUNNING", "AUTHORISED", ""},
	}
	for _, tc := range tests {
		tx := transaction{UUID: "u", Status: tc.status, DetailedStatus: tc.detailed, OperationType: "CREDIT", Amount: 100}
		r, err := creditResult(tx, 100)
		if tc.want == "" {
			if err != nil || r.Status != payment.OperationUnknown {
				t.Errorf("%s/%s: %+v %v; want unknown", tc.status, tc.detailed, r, err)
			}
			continue
		}
		if err != nil || r.Status != tc.want || r.ProviderOperationID != "u" {
			t.Errorf("%s/%s: %+v %v; want %s", tc.status, tc.detailed, r, err, tc.want)
		}
	}
	if r, err := creditResult(transaction{Status: "PAID", DetailedStatus: "CAPTURED", Amount: 99}, 100); err != nil || r.Status != payment.OperationUnknown {
		t.Errorf("a CREDIT of another amount: %+v %v", r, err)
	}
}

// TestQueryRESTStatuses: Query reads the REST detailedStatus list
// (systempay-operations.md §5), not the form's: every documented status is
// mapped, ERROR closes the session, the transient ones are pending, and
// what is not a payment to settle (or undocumented) changes nothing.
func TestQueryRESTStatuses(t *testing.T) {
	tests := []struct {
		detailed string
		want     payment.Status
	}{
		{"AUTHORISED", payment.StatusPaid}, {"CAPTURED", payment.StatusPaid},
		{"AUTHORISED_TO_VALIDATE", payment.StatusAuthorized},
		{"WAITING_AUTHORISATION", payment.StatusPending}, {"WAITING_AUTHORISATION_TO_VALIDATE", payment.StatusPending},
		{"UNDER_VERIFICATION", payment.StatusPending}, {"INITIAL", payment.StatusPending}, {"WAITING_FOR_PAYMENT", payment.StatusPending},
		{"PENDING", payment.StatusPending}, {"SUSPENDED", payment.StatusPending}, {"REFUND_TO_RETRY", payment.StatusPending},
		{"REFUSED", payment.StatusRefused}, {"ERROR", payment.StatusRefused}, {"CAPTURE_FAILED", payment.StatusRefused},
		{"NOT_CREATED", payment.StatusRefused}, {"CANCELLED", payment.StatusCancelled}, {"ABANDONED", payment.StatusCancelled},
		{"EXPIRED", payment.StatusExpired},
		{"ACCEPTED", payment.StatusUnknown}, {"PRE_AUTHORISED", payment.StatusUnknown}, {"PARTIALLY_AUTHORISED", payment.StatusUnknown},
		{"TELEPORTED", payment.StatusUnknown},
	}
	const uuid = "c97b7e6f3dbc4c239baf283654f34710"
	for _, tc := range tests {
		t.Run(tc.detailed, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"status":"SUCCESS","answer":{"shopId":"69876357","uuid":"%s","amount":1000,"currency":"EUR","status":"X","detailedStatus":"%s","operationType":"DEBIT"}}`, uuid, tc.detailed)
			}))
			defer srv.Close()
			cfg := payment.Config{"site_id": "69876357", "ctx_mode": "TEST", "rest_password_test": "testpassword_x", "api_url": srv.URL}
			q, err := New().Query(context.Background(), payment.QueryRequest{Session: payment.Session{Currency: "EUR", Amount: 1000, ProviderTransactionID: uuid}, Config: cfg})
			o := q.Outcome
			if err != nil || o.Status != tc.want || !o.Verified || o.ResponseCode != tc.detailed || strings.Contains(o.ResponseMessage, "undocumented") != (tc.detailed == "TELEPORTED") {
				t.Errorf("%+v %v; want %q", o, err, tc.want)
			}
		})
	}
}
