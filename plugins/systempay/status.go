package systempay

import "github.com/payhost/payhost/sdk/payment"

// transStatuses maps vads_trans_status. An empty status changes nothing.
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
