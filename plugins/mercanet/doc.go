// Package mercanet is the payhost plugin for BNP Paribas Mercanet on
// Worldline Sips 2.0, "Paypage POST" interface: the customer's browser
// posts a sealed Data string to Mercanet's paymentInit; Mercanet answers
// with a sealed manual response (browser, to normalReturnUrl) and a sealed
// automatic response (server to server, to automaticResponseUrl). The
// Office server (JSON, sealed both ways) reconciles a payment whose
// responses never arrived (getTransactionData) and runs refunds,
// validations and cancellations (cashManagement).
//
// Files: seal.go (the seal rules), data.go (the Data syntax), config.go
// (schema, environments, validation, Office credentials), begin.go,
// response.go (verification and response codes), office.go (Office calls,
// answer verification, Query), operations.go (Refund, Capture, Cancel and
// their retries).
package mercanet
