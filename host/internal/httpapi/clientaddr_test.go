package httpapi

import (
	"net/netip"
	"testing"
)

func TestClientBehind(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("2001:db8::/32")}
	tests := []struct {
		name, peer string
		xff        []string
		want       string // "" = the peer stays the client
	}{
		{"no proxy configured for this peer", "203.0.113.7:5000", []string{"198.51.100.1"}, ""},
		{"one proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"a spoofed entry left of the real client", "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1:0"},
		{"two proxies", "127.0.0.1:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1:0"},
		{"several headers", "127.0.0.1:5000", []string{"1.1.1.1", "198.51.100.1", "10.9.9.9"}, "198.51.100.1:0"},
		{"only proxies", "127.0.0.1:5000", []string{"10.0.0.2, 10.0.0.3"}, "10.0.0.2:0"},
		{"no header", "10.1.2.3:5000", nil, ""},
		{"garbage from a proxy", "10.1.2.3:5000", []string{"198.51.100.1, nonsense"}, ""},
		{"garbage from the client", "10.1.2.3:5000", []string{"nonsense, 198.51.100.1"}, "198.51.100.1:0"},
		{"IPv6 with brackets and a port", "[2001:db8::5]:443", []string{"[2001:db9::1]:1234"}, "[2001:db9::1]:0"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, "198.51.100.1:0"},
		{"a zone is not an address", "10.1.2.3:5000", []string{"fe80::1%eth0"}, ""},
	}
	for _, tc := range tests {
		got, ok := clientBehind(tc.peer, tc.xff, trusted)
		if tc.want == "" && ok || tc.want != "" && got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, ok, tc.want)
		}
	}
	if _, ok := clientBehind("10.1.2.3:5000", []string{"198.51.100.1"}, nil); ok {
		t.Error("no trusted proxy: the header was believed")
	}
}
