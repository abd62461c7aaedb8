package systempay

import "github.com/payhost/payhost/sdk/payment"

// transStatuses maps vads_trans_status (the form and its IPN; the REST
// detailedStatus has its own list, restStatuses). An empty status changes
// nothing.
var transStatuses = map[string]payment.Status{
	"AUTHORISED":                        payment.StatusPaid, // captured automatically after vads_capture_delay
	"CAPTURED":                          payment.StatusPaid,
	"AUTHORISED_TO_VALIDATE":            payment.StatusAuthorized,
	"WAITING_AUTHORISATION":             payment.StatusPending,
	"WAITING_AUTHORISATION_TO_VALIDATE": payment.StatusPending,
	"UNDER_VERIFICATION":                payment.StatusPending,
	"INITIAL":                           payment.StatusPending,
	"SUSPENDED":                         payment.StatusPending,
	"REFUSED":                           payment.StatusRefused,
	"NOT_CREATED":                       payment.StatusRefused,
	"CAPTURE_FAILED":                    payment.StatusRefused,
	"ABANDONED":                         payment.StatusCancelled,
	"CANCELLED":                         payment.StatusCancelled,
	"EXPIRED":                           payment.StatusExpired,
	"ACCEPTED":                          "", // a verification without payment
}

// results describes vads_result.
var results = map[string]string{
	"00": "success", "02": "contact the card issuer", "05": "rejected", "17": "cancelled by the buyer",
	"30": "format error", "96": "technical error",
}

func statusFor(transStatus, validationMode string) (payment.Status, string) {
	st, ok := transStatuses[transStatus]
	if !ok {
		return "", "undocumented vads_trans_status " + transStatus
	}
	if transStatus == "AUTHORISED" && validationMode == "1" {
		st = payment.StatusAuthorized
	}
	return st, transStatus
}

// restStatus is what a REST Transaction's detailedStatus means for the
// session (systempay-operations.md §5). An empty status changes nothing;
// the message says why.
type restStatus struct {
	status  payment.Status
	message string
}

// restStatuses maps the detailedStatus of the payment's DEBIT as Query
// reads it through Transaction/Get or Order/Get. It is not the form's
// vads_trans_status list: the REST list has its own transient and final
// states. Anything missing is undocumented and changes nothing.
var restStatuses = map[string]restStatus{
	"AUTHORISED": {payment.StatusPaid, "authorised, captured automatically at the capture date"},
	"CAPTURED":   {payment.StatusPaid, "captured"},
	// Waiting for the merchant's Validate.
	"AUTHORISED_TO_VALIDATE": {payment.StatusAuthorized, "authorised, to validate"},
	// Transient: the platform settles them later (Lyra's plugin lists
	// them as pending).
	"WAITING_AUTHORISATION":             {payment.StatusPending, "authorisation requested the day before the capture date"},
	"WAITING_AUTHORISATION_TO_VALIDATE": {payment.StatusPending, "to validate, authorisation pending"},
	"UNDER_VERIFICATION":                {payment.StatusPending, "under verification by the acquirer"},
	"INITIAL":                           {payment.StatusPending, "initial"},
	"WAITING_FOR_PAYMENT":               {payment.StatusPending, "waiting for payment"},
	"PENDING":                           {payment.StatusPending, "pending"},
	"SUSPENDED":                         {payment.StatusPending, "suspended"},
	"REFUND_TO_RETRY":                   {payment.StatusPending, "refund to retry"},
	// Final, unpaid.
	"REFUSED":        {payment.StatusRefused, "refused"},
	"ERROR":          {payment.StatusRefused, "error: the payment failed"},
	"CAPTURE_FAILED": {payment.StatusRefused, "capture failed"},
	"NOT_CREATED":    {payment.StatusRefused, "never created"},
	"CANCELLED":      {payment.StatusCancelled, "cancelled"},
	"ABANDONED":      {payment.StatusCancelled, "abandoned"},
	"EXPIRED":        {payment.StatusExpired, "validation window passed"},
	// Documented, but not a payment of the session's amount to settle:
	// left for an operator.
	"ACCEPTED":             {"", "a verification, never captured: no change"},
	"PRE_AUTHORISED":       {"", "a pre-authorisation, never captured: no change"},
	"PARTIALLY_AUTHORISED": {"", "partially authorised: only part of the amount is paid, no change; check the back office"},
}

// restStatusFor maps a REST detailedStatus.
func restStatusFor(detailed string) (payment.Status, string) {
	if s, ok := restStatuses[detailed]; ok {
		return s.status, s.message
	}
	return "", "undocumented detailedStatus " + detailed + ": no change"
}
