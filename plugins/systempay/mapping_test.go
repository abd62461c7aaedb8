package systempay

import (
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
