package ogone

import "github.com/payhost/payhost/sdk/payment"

// statusCode is what an Ogone STATUS means for the session. An empty status
// changes nothing: the message is recorded, the session waits (uncertain
// results need a manual check in Ogone's back office).
type statusCode struct {
	status  payment.Status
	message string
}

// statuses maps Ogone's STATUS values (e-Commerce "Statuses and errors").
var statuses = map[string]statusCode{
	"0":  {"", "invalid or incomplete"},
	"1":  {payment.StatusCancelled, "cancelled by the customer"},
	"2":  {payment.StatusRefused, "authorisation refused"},
	"4":  {payment.StatusPending, "order stored"},
	"40": {payment.StatusPending, "stored, waiting for an external result"},
	"41": {payment.StatusPending, "waiting for the customer's payment"},
	"46": {payment.StatusPending, "waiting for authentication"},
	"5":  {payment.StatusAuthorized, "authorised"},
	"50": {payment.StatusPending, "authorised, waiting for an external result"},
	"51": {payment.StatusPending, "authorisation waiting"},
	"52": {"", "authorisation not known: uncertain, check in the back office"},
	"55": {payment.StatusPending, "standby"},
	"59": {payment.StatusPending, "authorisation to be requested manually"},
	"6":  {payment.StatusCancelled, "authorised and cancelled"},
	"61": {"", "authorisation deletion waiting"},
	"62": {"", "authorisation deletion uncertain"},
	"63": {"", "authorisation deletion refused"},
	"64": {payment.StatusCancelled, "authorised and cancelled"},
	"7":  {payment.StatusCancelled, "payment deleted"},
	"71": {"", "payment deletion pending"},
	"72": {"", "payment deletion uncertain"},
	"73": {"", "payment deletion refused"},
	"74": {payment.StatusCancelled, "payment deleted"},
	"75": {"", "deletion processed by merchant"},
	"8":  {payment.StatusRefunded, "refunded"},
	"81": {"", "refund pending"},
	"82": {"", "refund uncertain"},
	"83": {"", "refund refused"},
	"84": {"", "refund declined by the acquirer"},
	"85": {payment.StatusRefunded, "refund processed by merchant"},
	"9":  {payment.StatusPaid, "payment requested"},
	"91": {payment.StatusPending, "payment processing"},
	"92": {"", "payment uncertain: check in the back office"},
	"93": {payment.StatusRefused, "payment refused"},
	// ogone-operations.md §6: a refund declined by the acquirer (ogone.md
	// reads "payment declined", but its own mapping leaves 94 out of the
	// refusals). Never a refused payment: the money was taken.
	"94": {"", "refund declined by the acquirer"},
	"95": {payment.StatusPaid, "payment processed by merchant"},
	"99": {payment.StatusPending, "being processed"},
}

func statusFor(code string) (payment.Status, string) {
	if s, ok := statuses[code]; ok {
		return s.status, s.message
	}
	return "", "undocumented STATUS " + code
}
