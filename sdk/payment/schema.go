package payment

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ApplySchema checks a mode's configuration against the schema the mode
// declares and returns it with the defaults filled in. It is the one
// implementation of the schema's rules: the host calls it before a
// configuration reaches the plugin, a third-party host should too, and a
// plugin's ValidateConfig may start with it, then add only the rules a
// schema cannot say (a format, two keys that must differ).
//
// The rules: no unknown key; a required key is present and not empty after
// defaults; a value has its declared type (int: a base-10 integer; bool:
// true or false; url: an absolute http or https URL; duration: a Go
// duration with its unit, such as 30s; enum: one of Enum) and lies within
// Min and Max when they are set (an int's value, a duration's seconds, a
// string's length). A problem never quotes the value: it may be a secret.
func ApplySchema(schema []ConfigField, cfg Config) (Config, []ConfigProblem) {
	out := Config{}
	var problems []ConfigProblem
	known := make(map[string]bool, len(schema))
	for _, f := range schema {
		known[f.Key] = true
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !known[k] {
			problems = append(problems, ConfigProblem{Key: k, Message: "unknown key"})
			continue
		}
		out[k] = cfg[k]
	}
	for _, f := range schema {
		v, given := out[f.Key]
		if (!given || v == "") && f.Default != "" {
			v = f.Default
			out[f.Key] = v
		}
		if v == "" {
			if f.Required {
				problems = append(problems, ConfigProblem{Key: f.Key, Message: "required"})
			}
			continue
		}
		if msg := checkValue(f, v); msg != "" {
			problems = append(problems, ConfigProblem{Key: f.Key, Message: msg})
		}
	}
	return out, problems
}

func checkValue(f ConfigField, v string) string {
	bounded := func(n int64, unit string) string {
		switch {
		case f.Min != nil && n < *f.Min:
			return fmt.Sprintf("must be at least %d%s", *f.Min, unit)
		case f.Max != nil && n > *f.Max:
			return fmt.Sprintf("must be at most %d%s", *f.Max, unit)
		}
		return ""
	}
	switch f.Type {
	case FieldInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "must be an integer"
		}
		return bounded(n, "")
	case FieldBool:
		if v != "true" && v != "false" {
			return "must be true or false"
		}
	case FieldURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "must be an absolute http or https URL"
		}
	case FieldDuration:
		d, err := time.ParseDuration(v)
		if err != nil || strings.Trim(v, "0123456789.") == "" {
			return "must be a duration with its unit, such as 30s or 5m"
		}
		return bounded(int64(d/time.Second), " seconds")
	case FieldEnum:
		if !slices.Contains(f.Enum, v) {
			return "must be one of " + strings.Join(f.Enum, ", ")
		}
	case FieldString, "":
		return bounded(int64(len([]rune(v))), " characters")
	default:
		return fmt.Sprintf("the plugin declares the unknown type %q", f.Type)
	}
	return ""
}
