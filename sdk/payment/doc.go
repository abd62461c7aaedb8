// Package payment is the payhost plugin contract expressed as Go types.
//
// A payment plugin implements [Provider]. Every method takes a context (its
// deadline is the host's per-call deadline and crosses the process boundary)
// and one request value, and returns one response value or an [*Error].
//
// Plugins are stateless: each request carries the site's mode configuration
// ([Config]) and the session it is about ([Session]). Anything a plugin must
// remember between calls (a provider order id, say) goes into
// [BeginResponse.ProviderData]; the host stores it and hands it back in
// [Session.ProviderData] on every later call.
//
// Optional capabilities (refund, capture, cancel, query, callback
// identification) are methods of [Provider] too; embed [Unimplemented] to
// answer [CodeUnsupported] for those a provider does not have, and declare
// what it does have in [Capabilities].
//
// The package has no dependency on gRPC or go-plugin: the
// github.com/payhost/payhost/sdk/plugin package carries these types across the
// process boundary.
package payment
