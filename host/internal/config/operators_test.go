package config

import (
	"strings"
	"testing"
)

func TestCheckOperators(t *testing.T) {
	key := func(v string) Secret { return Secret{ref: v, value: v} }
	hash := "$2a$04$abcdefghijklmnopqrstuuN6Wx5dG6mGm7uYzSU1yHk5n3pA0m2lK"
	tests := []struct {
		name string
		ops  []Operator
		want string // a problem's substring; "" = none
	}{
		{"valid", []Operator{{Name: "alice", Role: "admin", PasswordHash: hash},
			{Name: "bob", Role: "viewer", Keys: []OperatorKey{{Name: "k1", Created: "2026-11-01", Secret: key("bob_key_0123456789abcdef")}}}}, ""},
		{"unknown role", []Operator{{Name: "alice", Role: "root", PasswordHash: hash}}, "role: must be viewer"},
		{"not bcrypt", []Operator{{Name: "alice", Role: "admin", PasswordHash: "plain"}}, "bcrypt"},
		{"nothing to sign in with", []Operator{{Name: "alice", Role: "admin"}}, "give a password_hash"},
		{"duplicate name", []Operator{{Name: "a", Role: "admin", PasswordHash: hash}, {Name: "a", Role: "viewer", PasswordHash: hash}}, "given twice"},
		{"undated key", []Operator{{Name: "a", Role: "admin", Keys: []OperatorKey{{Name: "k", Secret: key("a_key_0123456789abcdefgh")}}}}, "created: must be a date"},
		{"short key", []Operator{{Name: "a", Role: "admin", Keys: []OperatorKey{{Name: "k", Created: "2026-01-01", Secret: key("short")}}}}, "at least"},
		{"shared key", []Operator{
			{Name: "a", Role: "admin", Keys: []OperatorKey{{Name: "k", Created: "2026-01-01", Secret: key("same_key_0123456789abcdef")}}},
			{Name: "b", Role: "viewer", Keys: []OperatorKey{{Name: "k", Created: "2026-01-01", Secret: key("same_key_0123456789abcdef")}}}}, "the same key as"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := strings.Join(checkOperators(tc.ops, false), "\n")
			if (tc.want == "") != (p == "") || !strings.Contains(p, tc.want) {
				t.Fatalf("problems %q, want %q", p, tc.want)
			}
		})
	}
}
