package pluginmgr

import (
	"errors"
	"fmt"
	"testing"

	goplugin "github.com/hashicorp/go-plugin"
)

// TestClassifyStart pins which launch failures are permanent. A plugin that
// dies before its handshake makes go-plugin say "Unrecognized remote plugin
// message" too, with "Failed to read any lines": that one is retried, and
// so is everything but a checksum or protocol problem when the same binary
// already answered Describe.
func TestClassifyStart(t *testing.T) {
	noLines := errors.New("Unrecognized remote plugin message: \nFailed to read any lines from plugin's stdout")
	junk := errors.New("Unrecognized remote plugin message: hello")
	exited := errors.New("plugin exited before we could connect")
	checksum := fmt.Errorf("exec: %w", goplugin.ErrChecksumsDoNotMatch)
	core := errors.New("incompatible core API version with plugin. Plugin version: 2, Core version: 1")
	api := errors.New("incompatible API version with plugin. Plugin version: 9, Client versions: [1]")
	proto := errors.New(`unsupported plugin protocol "netrpc". Supported: [grpc]`)
	denied := errors.New("fork/exec /p: permission denied")
	format := errors.New("fork/exec /p: exec format error")
	for _, tc := range []struct {
		name      string
		err       error
		knownGood bool
		permanent bool
	}{
		{"died before handshake", noLines, false, false},
		{"died before handshake, restart", noLines, true, false},
		{"exited before connect", exited, false, false},
		{"not a plugin", junk, false, true},
		{"non-handshake line on restart", junk, true, false},
		{"exec format error", format, false, true},
		{"exec format error on restart", format, true, false},
		{"permission denied", denied, false, true},
		{"permission denied on restart", denied, true, false},
		{"checksum mismatch", checksum, false, true},
		{"checksum mismatch on restart", checksum, true, true},
		{"core protocol", core, true, true},
		{"api version", api, false, true},
		{"transport protocol", proto, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classifyStart("/p", tc.err, tc.knownGood)
			if isPermanent(got) != tc.permanent {
				t.Errorf("classifyStart(%q, knownGood=%v) = %v, permanent %v; want permanent %v",
					tc.err, tc.knownGood, got, isPermanent(got), tc.permanent)
			}
			if !errors.Is(got, tc.err) && !errors.Is(tc.err, goplugin.ErrChecksumsDoNotMatch) {
				t.Errorf("the cause is lost: %v", got)
			}
		})
	}
}
