// Package plugin is the go-plugin glue of the payhost plugin contract: the
// handshake, the versioned plugin set and the gRPC adapters between
// [payment.Provider] and the wire messages of
// sdk/proto/payhost/plugin/v1/provider.proto.
//
// A plugin's main is one call:
//
//	func main() { plugin.Serve(mypsp.New()) }
//
// The host uses [ClientConfig] and [Dispense] to launch a plugin binary and
// obtain a [payment.Provider] that forwards every call over gRPC.
//
// Errors cross the boundary intact: a [*payment.Error] returned by the plugin
// reaches the host with the same code and message. Transport failures (a
// crashed or killed plugin) become [payment.CodePluginUnavailable] and expired
// deadlines [payment.CodeTimeout].
package plugin
