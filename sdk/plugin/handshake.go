package plugin

import (
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/payhost/payhost/sdk/payment"
)

// Name is the name under which the provider is registered in the plugin set.
const Name = "provider"

// Handshake returns the handshake shared by the host and every plugin. The
// cookie only guards against running a plugin binary by hand; it is not a
// security measure (binaries are pinned by SHA-256 for that).
func Handshake() goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion:  1, // go-plugin's own negotiation; the contract version is VersionedPlugins' key
		MagicCookieKey:   "PAYHOST_PLUGIN",
		MagicCookieValue: "5b1c2f0e-payhost-provider-v1",
	}
}

// VersionedPlugins is the plugin set for each contract version this SDK
// speaks, keyed by [payment.ProtocolVersion]. impl is nil on the host side.
func VersionedPlugins(impl payment.Provider) map[int]goplugin.PluginSet {
	return map[int]goplugin.PluginSet{
		payment.ProtocolVersion: {Name: &GRPCPlugin{Impl: impl}},
	}
}
