package mercanet

import "github.com/payhost/payhost/sdk/payment"

// responseCode is one documented Sips responseCode and what it means for
// the session. An empty status means "no state change": the message is
// recorded, the session waits for a definitive answer.
type responseCode struct {
	status  payment.Status
	message string
}

// responseCodes maps every documented responseCode (Worldline Sips 2.0
// guide). "00" is resolved by the capture mode (see statusFor).
var responseCodes = map[string]responseCode{
	"00": {payment.StatusPaid, "authorisation accepted"},
	"02": {payment.StatusRefused, "authorisation to request by phone (threshold exceeded)"},
	"03": {payment.StatusRefused, "invalid merchant contract"},
	"05": {payment.StatusRefused, "authorisation refused"},
	"12": {payment.StatusRefused, "invalid transaction or parameters"},
	"14": {payment.StatusRefused, "invalid card data or security code"},
	"17": {payment.StatusCancelled, "cancelled by the buyer"},
	"24": {payment.StatusRefused, "operation impossible"},
	"25": {payment.StatusRefused, "transaction not found"},
	"30": {payment.StatusRefused, "format error"},
	"34": {payment.StatusRefused, "suspected fraud (or a seal made with the wrong key version)"},
	"40": {payment.StatusRefused, "function not supported"},
	"51": {payment.StatusRefused, "amount too high"},
	"54": {payment.StatusRefused, "card expired"},
	"60": {payment.StatusPending, "transaction pending"},
	"63": {payment.StatusRefused, "security rules not met"},
	"75": {payment.StatusRefused, "too many attempts on the card data"},
	"90": {"", "service temporarily unavailable"},
	"94": {"", "duplicated transaction: the reference was already used"},
	"97": {payment.StatusExpired, "timeframe exceeded"},
	"99": {"", "temporary problem at the Sips server"},
}

// statusFor maps a responseCode; an accepted authorisation waits for the
// merchant's validation in VALIDATION capture mode.
func statusFor(code, captureMode string) (payment.Status, string) {
	rc, ok := responseCodes[code]
	if !ok {
		return "", "undocumented response code " + code
	}
	if code == "00" && captureMode == CaptureValidation {
		return payment.StatusAuthorized, rc.message + ", waiting for validation"
	}
	return rc.status, rc.message
}
