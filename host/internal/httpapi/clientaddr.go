package httpapi

import (
	"net"
	"net/netip"
	"strings"
)

// clientBehind finds the client of a request that came through trusted
// reverse proxies: when the TCP peer (remoteAddr) is one of them, the
// client is the right-most X-Forwarded-For address that is not a trusted
// proxy (each proxy appends the address it got the request from, so what
// is left of the first untrusted one may be anything the client wrote).
// It answers the client as "ip:0" and true, or false when the peer is not
// a trusted proxy or the header names no usable address.
func clientBehind(remoteAddr string, forwarded []string, trusted []netip.Prefix) (string, bool) {
	peer, ok := parseHop(remoteAddr)
	if !ok || !isTrusted(peer, trusted) {
		return "", false
	}
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(strings.TrimSpace(hops[i]))
		if !ok {
			break // a trusted proxy wrote something unusable: stop at it
		}
		client = a
		if !isTrusted(a, trusted) {
			break
		}
	}
	if client == peer {
		return "", false
	}
	return net.JoinHostPort(client.String(), "0"), true
}

// parseHop reads an address with or without a port ("1.2.3.4",
// "1.2.3.4:5678", "[2001:db8::1]:443", "2001:db8::1").
func parseHop(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
