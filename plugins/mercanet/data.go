package mercanet

import (
	"errors"
	"strings"
)

// Pair is one key=value of a Data string.
type Pair struct{ Key, Value string }

// EncodeData joins pairs as Sips expects: key=value separated by '|'.
// A '|' cannot be escaped in the syntax, so free text must not contain
// one; callers pass values through cleanText first.
func EncodeData(pairs []Pair) string {
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		parts = append(parts, p.Key+"="+p.Value)
	}
	return strings.Join(parts, "|")
}

// ParseData splits a Data string on '|' and each pair on its first '=', so
// values may contain '=' (returnContext often does). A repeated key or a
// pair without '=' is an error: the message is malformed.
func ParseData(data string) (map[string]string, error) {
	out := map[string]string{}
	if data == "" {
		return nil, errors.New("empty Data")
	}
	for _, part := range strings.Split(data, "|") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return nil, errors.New("a Data pair has no key=value form")
		}
		if _, dup := out[k]; dup {
			return nil, errors.New("Data repeats the key " + k)
		}
		out[k] = v
	}
	return out, nil
}

// cleanText makes free text safe for the Data syntax: no '|', no control
// characters, at most max runes.
func cleanText(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		switch {
		case r == '|':
			r = ' '
		case r < 0x20 || r == 0x7f:
			continue
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
