package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Operator roles, from least to most allowed.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// checkOperators applies the rules of the operator accounts: unique names,
// a known role, a bcrypt hash, named and dated keys of the usual strength,
// and no key given twice.
func checkOperators(ops []Operator, prod bool) []string {
	var p []string
	names := map[string]bool{}
	keys := map[string]string{}
	for i, o := range ops {
		where := fmt.Sprintf("admin.operators[%d]", i)
		switch {
		case strings.TrimSpace(o.Name) == "":
			p = append(p, where+".name: required")
		case names[o.Name]:
			p = append(p, fmt.Sprintf("%s.name: %q is given twice", where, o.Name))
		}
		names[o.Name] = true
		switch o.Role {
		case RoleViewer, RoleOperator, RoleAdmin:
		default:
			p = append(p, fmt.Sprintf("%s.role: must be viewer, operator or admin, not %q", where, o.Role))
		}
		if h := o.PasswordHash; h != "" && !(strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$")) {
			p = append(p, where+".password_hash: must be a bcrypt hash ($2a$, $2b$ or $2y$, e.g. from htpasswd -nbBC 12)")
		}
		if o.PasswordHash == "" && len(o.Keys) == 0 {
			p = append(p, where+": give a password_hash, keys, or both")
		}
		for j, k := range o.Keys {
			kw := fmt.Sprintf("%s.keys[%d]", where, j)
			if strings.TrimSpace(k.Name) == "" {
				p = append(p, kw+".name: required")
			}
			if _, err := time.Parse(time.DateOnly, k.Created); err != nil {
				p = append(p, kw+".created: must be a date YYYY-MM-DD")
			}
			p = append(p, checkKey(kw+".secret", k.Secret, prod)...)
			if other, dup := keys[k.Secret.Value()]; dup && k.Secret.Value() != "" {
				p = append(p, fmt.Sprintf("%s.secret: the same key as %s", kw, other))
			}
			keys[k.Secret.Value()] = kw
		}
	}
	return p
}

// dateToStringHook gives back a YAML date (2026-11-01, which YAML decodes
// as a time) as the text it was, for string fields such as a key's
// created date.
func dateToStringHook(from, to reflect.Type, data any) (any, error) {
	if t, ok := data.(time.Time); ok && to.Kind() == reflect.String {
		if t.Equal(t.Truncate(24 * time.Hour)) {
			return t.Format(time.DateOnly), nil
		}
		return t.Format(time.RFC3339), nil
	}
	return data, nil
}
