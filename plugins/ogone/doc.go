// Package ogone is the payhost plugin for Ogone (Ingenico / Worldline
// e-Commerce) hosted payment page: the browser posts a form signed with
// SHA-IN to orderstandard(_utf8).asp; Ogone redirects the customer back with
// SHA-OUT-signed parameters and calls a static post-sale URL server to
// server with the same parameters.
//
// Files: params.go (the published SHA-IN and SHA-OUT lists), shasign.go
// (the signature rule and character sets), config.go, begin.go,
// feedback.go (identify, return, post-sale), status.go (STATUS codes),
// directlink.go (DirectLink requests signed with the API user, XML answers,
// NCERROR classes) and operations.go (refund, capture, cancel and query
// through maintenancedirect.asp and querydirect.asp, and the history check
// before a retry: Ogone has no idempotency key).
package ogone
