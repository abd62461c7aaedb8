package console

import (
	"crypto/sha256"
	"crypto/subtle"

	"golang.org/x/crypto/bcrypt"

	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/httpapi"
)

// Access knows the operators: their roles, password hashes and personal
// keys, and admin.api_key (an admin named "admin.api_key").
type Access struct {
	ops  map[string]config.Operator
	keys []opKey
	// dummy is compared against when the name is unknown, so that a login
	// takes as long for an unknown name as for a wrong password.
	dummy []byte
}

type opKey struct {
	sum        [32]byte
	name, role string
}

// NewAccess builds the operators' access from the configuration.
func NewAccess(a config.Admin) *Access {
	acc := &Access{ops: map[string]config.Operator{}}
	acc.dummy, _ = bcrypt.GenerateFromPassword([]byte("payhost-dummy-password"), bcrypt.MinCost)
	if !a.APIKey.IsZero() {
		acc.keys = append(acc.keys, opKey{sum: sha256.Sum256([]byte(a.APIKey.Value())), name: "admin.api_key", role: httpapi.RoleAdmin})
	}
	for _, o := range a.Operators {
		acc.ops[o.Name] = o
		for _, k := range o.Keys {
			acc.keys = append(acc.keys, opKey{sum: sha256.Sum256([]byte(k.Secret.Value())), name: o.Name, role: o.Role})
		}
	}
	return acc
}

// OperatorForKey implements httpapi.OperatorKeys: every key is compared
// (hashes of equal length, in constant time), whichever matches.
func (a *Access) OperatorForKey(key string) (name, role string, ok bool) {
	sum := sha256.Sum256([]byte(key))
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
			name, role, ok = k.name, k.role, true
		}
	}
	return name, role, ok
}

// Password checks an operator's password; it returns the role.
func (a *Access) Password(name, password string) (role string, ok bool) {
	o, known := a.ops[name]
	if !known || o.PasswordHash == "" {
		_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(password))
		return "", false
	}
	if bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte(password)) != nil {
		return "", false
	}
	return o.Role, true
}

// Role returns an operator's current role ("" once removed from the
// configuration: a login of a removed operator stops working).
func (a *Access) Role(name string) string { return a.ops[name].Role }
