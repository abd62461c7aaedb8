package pluginmgr

import (
	"crypto/subtle"
	"fmt"
	"sort"
	"strings"
)

// VerifyMode says what to do with a plugin whose binary is not pinned or
// does not match its pin.
type VerifyMode string

const (
	// VerifyStrict refuses unpinned and changed binaries (production).
	VerifyStrict VerifyMode = "strict"
	// VerifyWarn logs them and loads them anyway (development).
	VerifyWarn VerifyMode = "warn"
)

// Pin states reported by [Verify].
const (
	PinOK       = "pinned"
	PinMismatch = "mismatch"
	PinMissing  = "unpinned"
	PinRefused  = "refused"
	PinNoBinary = "missing"
)

// VerifyResult is the check of one binary (or one pin without a binary).
type VerifyResult struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	Status  string `json:"status"`
	Problem string `json:"problem,omitempty"`
	// OK is true only for a pinned binary that matches its pin.
	OK bool `json:"ok"`
}

// Verify compares discovered binaries with the configured pins
// ("sha256:<hex>" by plugin name). Pins naming no binary are reported too.
func Verify(bins []Binary, pins map[string]string) []VerifyResult {
	seen := map[string]bool{}
	out := make([]VerifyResult, 0, len(bins))
	for _, b := range bins {
		seen[b.Name] = true
		r := VerifyResult{Name: b.Name, Path: b.Path, SHA256: b.SHA256}
		pin, pinned := pins[b.Name]
		switch {
		case b.Problem != "":
			r.Status, r.Problem = PinRefused, b.Path+" "+b.Problem
		case !pinned:
			r.Status, r.Problem = PinMissing, "no pin in plugins.pins: run `payhost plugins pin` after checking the binary"
		case !pinMatches(pin, b.SHA256):
			r.Status, r.Problem = PinMismatch, fmt.Sprintf("checksum sha256:%s does not match the pin %s", b.SHA256, pin)
		default:
			r.Status, r.OK = PinOK, true
		}
		out = append(out, r)
	}
	var missing []string
	for name := range pins {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		out = append(out, VerifyResult{Name: name, Status: PinNoBinary, Problem: "pinned but no " + Prefix + name + " in the plugins directory"})
	}
	return out
}

func pinMatches(pin, sum string) bool {
	want, ok := strings.CutPrefix(strings.TrimSpace(pin), "sha256:")
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(want)), []byte(sum)) == 1
}

// PinsYAML renders pins for the discovered binaries, ready to paste under
// `plugins:` in the configuration.
func PinsYAML(bins []Binary) string {
	var b strings.Builder
	b.WriteString("pins:\n")
	for _, bin := range bins {
		if bin.Problem != "" {
			fmt.Fprintf(&b, "  # %s: not pinned, %s\n", bin.Name, bin.Problem)
			continue
		}
		fmt.Fprintf(&b, "  %s: \"sha256:%s\"\n", bin.Name, bin.SHA256)
	}
	return b.String()
}
