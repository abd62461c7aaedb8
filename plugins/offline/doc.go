// Package offline is the built-in plugin of pseudo payment modes that need
// no outside provider:
//
//   - test: a simulated provider for integration work, offered only to
//     sites in test mode. Its pay page offers four signed forms (pay,
//     authorize only, refuse, cancel) that post to the host's return URL;
//     the same fields posted to the notification URL act as the provider's
//     notification. Refund, capture and cancel succeed at once, except an
//     operation of 4242 minor units, which takes 3 s (to let tests
//     interrupt the plugin mid-call).
//   - free: settles a zero-amount cart at once.
//   - cheque and transfer: deferred modes that show the customer how to pay
//     and stay pending until an operator confirms receipt.
//
// # Test-mode signature
//
// Every test-mode form carries the fields session, reference, amount (minor
// units), currency, status (paid, authorized, refused or cancelled), txn, t (Unix
// seconds) and sig. sig is the lowercase hexadecimal HMAC-SHA256, keyed with
// the mode's signing_key, of the fields other than sig written as
// name=value, sorted by name and joined with "&":
//
//	amount=1200&currency=EUR&reference=K3J9...&session=ps_...&status=paid&t=1763800000&txn=TEST-...
//
// A message whose sig does not verify is refused with invalid_signature and
// never turned into a state.
package offline
