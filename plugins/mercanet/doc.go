// Package mercanet is the payhost plugin for BNP Paribas Mercanet on
// Worldline Sips 2.0, "Paypage POST" interface: the customer's browser
// posts a sealed Data string to Mercanet's paymentInit; Mercanet answers
// with a sealed manual response (browser, to normalReturnUrl) and a sealed
// automatic response (server to server, to automaticResponseUrl); the
// Office getTransactionData call reconciles a payment whose responses never
// arrived.
//
// Files: seal.go (the seal rules), data.go (the Data syntax), config.go
// (schema, environments, validation), begin.go, response.go (verification
// and response codes), office.go (getTransactionData).
package mercanet
