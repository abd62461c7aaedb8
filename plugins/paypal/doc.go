// Package paypal is the payhost plugin for PayPal Checkout with the Orders
// v2 REST API and webhooks: Begin creates the order and sends the buyer to
// its approval link; the approved return captures server to server (the
// authoritative answer); webhooks, verified offline with PayPal's
// certificate or through the verify-webhook-signature API, settle what the
// return did not.
//
// Files: config.go, client.go (OAuth2 token cache, idempotency keys, error
// mapping), money.go, begin.go, capture.go (return and capture), webhook.go
// (identification and verification), refund.go, query.go.
package paypal
