// Package plugincheck is the conformance runner for payhost plugin
// binaries, in any language. [Run] launches a binary exactly as the host
// does (go-plugin, AutoMTLS, an empty environment: see
// [github.com/payhost/payhost/sdk/plugin.Launch]) and runs a named suite of
// checks over the wire:
//
//   - handshake: the go-plugin handshake succeeds and negotiates protocol 1
//   - describe: the Describe answer is well-formed
//   - validate_config/*: an unknown mode is refused with invalid_request; an
//     empty configuration reports every required key; values of the wrong
//     declared type or outside an enum are reported, and no problem echoes
//     a configured value
//   - begin/<mode>: Begin on a fixture session gives a well-formed redirect
//     (absolute URL), form (absolute URL, GET or POST, named fields),
//     choices, instructions or outcome, or a typed error
//   - callbacks/<mode>: empty, garbage and replayed returns and
//     notifications never give a verified settling outcome
//   - typed_errors: every error seen kept its contract code over the wire
//   - deadline: an outgoing call the plugin makes is abandoned when the
//     host's deadline passes
//   - concurrency: 50 concurrent calls answer as the same calls made one by one
//   - secrets: the configured secrets never appear in an answer, an error,
//     a payload or the plugin's log
//   - shutdown: the plugin exits when the host asks it to stop
//   - host_gone: the plugin exits when its parent, the host, dies
//
// The command payhost-plugin-check (and payhost plugins test) print one
// line per check and exit non-zero on any failure.
package plugincheck
