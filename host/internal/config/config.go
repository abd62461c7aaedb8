// Package config loads the host's YAML configuration with viper, applies
// PAYHOST_* environment overrides and defaults, resolves env:/file: secrets
// and validates everything, reporting every problem by its key path.
package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Config is the whole host configuration.
type Config struct {
	// Environment is "development" (default) or "production"; production
	// requires https, env:/file: secrets and strict plugin pins by default.
	Environment string
	// Listen is the HTTP listen address.
	Listen string
	// PublicURL is the address customers and providers reach the host at;
	// return and notification URLs are built on it.
	PublicURL string `mapstructure:"public_url"`
	// TrustedProxies are the reverse proxies (IP addresses or CIDR
	// prefixes) whose X-Forwarded-For the host believes: behind them, a
	// buyer's address (the widget's rate limit, the console's login limit,
	// the audit log) is the last one they added that is not theirs.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	Database       Database
	Plugins        Plugins
	Admin          Admin
	Log            Log
	Limits         Limits
	Webhooks       Webhooks
	Janitor        Janitor
	Shutdown       Shutdown
	Sites          []Site

	// envRead are the variables Load looked up (overrides and env:
	// references): not unknown, whatever their prefix.
	envRead map[string]bool
}

// Shutdown bounds a graceful stop (SIGTERM, SIGINT).
type Shutdown struct {
	// Delay keeps serving, with /readyz answering 503, before the listener
	// closes, so a load balancer stops routing here first (default 0s).
	Delay time.Duration
	// DrainTimeout bounds the wait for requests and plugin calls in flight
	// (default 20s); what is still running then is cut.
	DrainTimeout time.Duration `mapstructure:"drain_timeout"`
}

// Webhooks configures the delivery worker.
type Webhooks struct {
	// PollInterval is how often the outbox is checked (default 1s).
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Parallel bounds concurrent deliveries (default 4).
	Parallel int
}

// Janitor configures the background reconciliation.
type Janitor struct {
	// Interval between runs (default 30s).
	Interval time.Duration
	// QuerySchedule is the delay before each Query of a pending session or
	// operation, counted from the previous one (default 5m, 1h, 24h ×3).
	QuerySchedule []time.Duration `mapstructure:"query_schedule"`
	// StrandedAfter is how long a session may stay created, its Begin
	// never answered (the host died mid-creation) and no retry of the
	// shop resuming it, before it expires (default 15m).
	StrandedAfter time.Duration `mapstructure:"stranded_after"`
	// Retention bounds what the janitor keeps.
	Retention Retention
}

// Retention is how long data that only serves a while is kept; sessions
// and their events are never pruned.
type Retention struct {
	// IdempotencyKeys: shops' Idempotency-Keys (default 720h, 30 days).
	IdempotencyKeys time.Duration `mapstructure:"idempotency_keys"`
	// WebhookPayloads: bodies of delivered webhooks; the delivery records
	// stay (default 2160h, 90 days).
	WebhookPayloads time.Duration `mapstructure:"webhook_payloads"`
}

// Database selects the store.
type Database struct {
	Driver string // sqlite (default) or postgres
	DSN    string // a file path for sqlite, a connection string for postgres
}

// Plugins configures the plugin manager.
type Plugins struct {
	Dir          string
	Verify       string            // strict or warn
	Pins         map[string]string // plugin name -> "sha256:<hex>"
	StartTimeout time.Duration     `mapstructure:"start_timeout"`
	CallTimeout  time.Duration     `mapstructure:"call_timeout"`
}

// Admin configures the operator API.
type Admin struct {
	// APIKey enables the operator API; empty disables it.
	APIKey Secret `mapstructure:"api_key"`
	// Operators are the people who may use the operator console and the
	// operator API with their own password or keys (README "Operator
	// console").
	Operators []Operator
}

// Operator is one person's access to the console and the operator API.
type Operator struct {
	Name string
	// Role is viewer (read), operator (act on sessions) or admin (modes,
	// reload, plugins).
	Role string
	// PasswordHash is a bcrypt hash ($2a$/$2b$/$2y$); empty disables the
	// console login.
	PasswordHash string `mapstructure:"password_hash"`
	// Keys are personal API keys; several may be valid during a rotation.
	Keys []OperatorKey
}

// OperatorKey is one named, dated personal API key.
type OperatorKey struct {
	Name    string
	Created string // YYYY-MM-DD
	Secret  Secret
}

// Log configures the host's logger.
type Log struct {
	Level  string // trace, debug, info, warn, error
	Format string // text or json
}

// Limits bound what the host accepts.
type Limits struct {
	MaxBodyBytes int64 `mapstructure:"max_body_bytes"`
}

// Site is one shop.
type Site struct {
	ID string
	// Name is the shop's name shown to buyers (default: the id).
	Name string
	// AllowedOrigins are the shop's web origins ("https://shop.example")
	// allowed to call the checkout widget's public endpoints (CORS).
	AllowedOrigins []string `mapstructure:"allowed_origins"`
	TestMode       bool     `mapstructure:"test_mode"`
	APIKey         Secret   `mapstructure:"api_key"`
	Webhook        Webhook
	// CartTypes the site sells; default ["web"].
	CartTypes        []string      `mapstructure:"cart_types"`
	SessionLifetime  time.Duration `mapstructure:"session_lifetime"`
	DeferredLifetime time.Duration `mapstructure:"deferred_lifetime"`
	Modes            map[string]Mode
}

// Webhook is where and how the host notifies the shop.
type Webhook struct {
	URL    string
	Secret Secret
	// RetrySchedule lists the delays before each retry (default: about
	// 24 h, see the README); Timeout bounds one attempt (default 10s).
	RetrySchedule []time.Duration `mapstructure:"retry_schedule"`
	Timeout       time.Duration
}

// Mode is one payment mode as a site configures it.
type Mode struct {
	Enabled     bool
	Order       int
	Eligibility Eligibility
	// Config is handed to the plugin. Keys are lower case (viper folds
	// case); every value may be an env:/file: reference.
	Config map[string]string
	// Literal marks the Config keys written in the file rather than as an
	// env:/file: reference (production refuses secrets given so).
	Literal map[string]bool `mapstructure:"-"`
}

// Eligibility restricts a mode beyond what its plugin supports.
type Eligibility struct {
	MinAmount         int64    `mapstructure:"min_amount"`
	MaxAmount         int64    `mapstructure:"max_amount"`
	Currencies        []string `mapstructure:"currencies"`
	Countries         []string `mapstructure:"countries"`
	ExcludedCountries []string `mapstructure:"excluded_countries"`
}

// envOverrides are the scalar keys an environment variable may override:
// PAYHOST_ + the key path upper-cased with dots as underscores.
var envOverrides = []string{
	"environment", "listen", "public_url",
	"database.driver", "database.dsn",
	"plugins.dir", "plugins.verify", "plugins.start_timeout", "plugins.call_timeout",
	"admin.api_key", "log.level", "log.format", "limits.max_body_bytes",
	"shutdown.delay", "shutdown.drain_timeout",
	"webhooks.poll_interval", "webhooks.parallel", "janitor.interval",
}

// otherEnv are the PAYHOST_* variables read elsewhere.
var otherEnv = []string{"PAYHOST_CONFIG", "PAYHOST_TEST_POSTGRES"}

// OverrideVars lists the PAYHOST_* variables that override a key, sorted.
func OverrideVars() []string {
	var out []string
	for _, k := range envOverrides {
		out = append(out, EnvName(k))
	}
	slices.Sort(out)
	return out
}

// EnvVars lists every PAYHOST_* variable the host reads, sorted.
func EnvVars() []string {
	out := append(OverrideVars(), otherEnv...)
	slices.Sort(out)
	return out
}

// UnknownEnv returns the PAYHOST_* variables of environ (KEY=value lines)
// the host does not read, neither as an override nor through an env:
// reference of c (which may be nil): a typo there would otherwise go
// unnoticed.
func (c *Config) UnknownEnv(environ []string) []string {
	var read map[string]bool
	if c != nil {
		read = c.envRead
	}
	return UnknownEnv(environ, read)
}

// UnknownEnv returns the PAYHOST_* variables of environ the host does not
// read, neither as an override nor as one of read (the variables a load
// looked up, e.g. through env: references). It needs no valid
// configuration: `config check` warns about a typo whatever else is wrong.
func UnknownEnv(environ []string, read map[string]bool) []string {
	known := EnvVars()
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PAYHOST_") && !slices.Contains(known, k) && !read[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// EnvName is the environment variable overriding a key.
func EnvName(key string) string {
	return "PAYHOST_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Load reads the file at path, applies environment overrides read through
// getenv, fills defaults, resolves secrets and validates. A validation
// failure is a *ValidationError listing every problem.
func Load(path string, lookup func(string) (string, bool)) (*Config, error) {
	cfg, err := LoadPartial(path, lookup)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// LoadPartial is [Load], except that with a *ValidationError it also
// returns the configuration as far as it decoded, so that checks needing
// more than the file (the plugins' schemas) can report their problems in
// the same pass. Such a configuration is for diagnostics only, never to
// serve. Any other error comes with a nil configuration.
func LoadPartial(path string, lookup func(string) (string, bool)) (*Config, error) {
	read := map[string]bool{}
	getenv := func(k string) (string, bool) {
		read[k] = true
		return lookup(k)
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("reading configuration %s: %w", path, err)
	}
	for _, key := range envOverrides {
		if val, ok := getenv(EnvName(key)); ok {
			v.Set(key, val)
		}
	}
	setDefaults(v)

	var cfg Config
	var md mapstructure.Metadata
	var problems []string
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.Metadata = &md
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			durationHook,
			mapstructure.StringToSliceHookFunc(","),
			secretHook,
			scalarToStringHook,
			dateToStringHook,
		)
	})
	if err != nil {
		// Keep going: the other problems are reported in the same pass.
		problems = decodeProblems(err, getenv)
	}
	if err := resolve(&cfg, getenv); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			problems = append(problems, ve.Problems...)
		} else {
			return nil, err
		}
	}
	normalise(&cfg)
	problems = append(problems, skipDecoded(validate(&cfg), problems)...)
	cfg.envRead = read
	if len(problems) > 0 {
		slices.Sort(problems)
		return &cfg, &ValidationError{Problems: slices.Compact(problems)}
	}
	return &cfg, nil
}

// SkipCovered drops the problems about a key path that one of covered
// already reports, or one inside it or containing it: a key that failed
// one check is not reported again by a check of what it left behind.
func SkipCovered(problems, covered []string) []string {
	return skipDecoded(problems, covered)
}

// skipDecoded drops validation problems about keys that already failed to
// decode (their zero value would be reported a second time).
func skipDecoded(validation, decoded []string) []string {
	var out []string
	for _, v := range validation {
		path, _, _ := strings.Cut(v, ":")
		dup := false
		for _, d := range decoded {
			dpath, _, _ := strings.Cut(d, ":")
			if dpath == path || strings.HasPrefix(path, dpath+".") || strings.HasPrefix(dpath, path+".") {
				dup = true
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// durationHook decodes durations written with a unit ("500ms", "10s",
// "24h"). A bare number is refused: "call_timeout: 15" used to mean 15ns.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Duration]() {
		return data, nil
	}
	if from.Kind() != reflect.String {
		switch from.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			return nil, fmt.Errorf("%v has no unit: write %vs, or use ms, m, h", data, data)
		}
		return data, nil
	}
	str := strings.TrimSpace(data.(string))
	if _, err := strconv.ParseFloat(str, 64); err == nil {
		return nil, fmt.Errorf("%q has no unit: write %ss, or use ms, m, h", str, str)
	}
	d, err := time.ParseDuration(str)
	if err != nil {
		return nil, fmt.Errorf("%q is not a duration such as 500ms, 10s, 5m or 24h", str)
	}
	return d, nil
}

func setDefaults(v *viper.Viper) {
	v.SetDefault("environment", "development")
	v.SetDefault("listen", "127.0.0.1:8080")
	v.SetDefault("database.driver", "sqlite")
	v.SetDefault("database.dsn", "var/payhost.db")
	v.SetDefault("plugins.dir", "plugins")
	v.SetDefault("plugins.start_timeout", "10s")
	v.SetDefault("plugins.call_timeout", "15s")
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "text")
	v.SetDefault("limits.max_body_bytes", 1<<20)
	v.SetDefault("webhooks.poll_interval", "1s")
	v.SetDefault("webhooks.parallel", 4)
	v.SetDefault("shutdown.delay", "0s")
	v.SetDefault("shutdown.drain_timeout", "20s")
	v.SetDefault("janitor.interval", "30s")
	v.SetDefault("janitor.query_schedule", []string{"5m", "1h", "24h", "24h", "24h"})
	v.SetDefault("janitor.stranded_after", "15m")
	v.SetDefault("janitor.retention.idempotency_keys", "720h")
	v.SetDefault("janitor.retention.webhook_payloads", "2160h")
}

// secretHook decodes a string into an unresolved Secret.
func secretHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[Secret]() {
		return data, nil
	}
	switch d := data.(type) {
	case string:
		return Secret{ref: d}, nil
	case nil:
		return Secret{}, nil
	}
	return nil, errors.New("must be a string")
}

// scalarToStringHook lets YAML numbers and booleans stand in a plugin's
// string configuration (merchant ids are often written unquoted).
func scalarToStringHook(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.String || to != reflect.TypeFor[string]() {
		return data, nil
	}
	switch from.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Bool:
		return fmt.Sprint(data), nil
	}
	return data, nil
}

var (
	quotedPath   = regexp.MustCompile(`^'([^']*)' (.*)$`)
	decodingPath = regexp.MustCompile(`^error decoding '([^']*)': (.*)$`)
	mapIndex     = regexp.MustCompile(`\[([^\]0-9][^\]]*)\]`)
	camelWord    = regexp.MustCompile(`([a-z0-9])([A-Z])`)
	acronymWord  = regexp.MustCompile(`([A-Z]+)([A-Z][a-z])`)
)

// yamlPath turns mapstructure's field path (Sites[0].Modes[cheque].APIKey)
// into the YAML path a user wrote (sites[0].modes.cheque.api_key).
func yamlPath(p string) string {
	p = mapIndex.ReplaceAllString(p, ".$1")
	parts := strings.Split(p, ".")
	for i, part := range parts {
		part = acronymWord.ReplaceAllString(part, "${1}_$2")
		part = camelWord.ReplaceAllString(part, "${1}_$2")
		parts[i] = strings.ToLower(part)
	}
	return strings.Join(parts, ".")
}

// decodeProblems rewrites mapstructure's errors as "yaml.path: problem",
// naming the PAYHOST_* variable when one set the value.
func decodeProblems(err error, getenv func(string) (string, bool)) []string {
	var problems []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line == "" || strings.HasPrefix(line, "decoding failed") || strings.HasSuffix(line, "error(s) decoding:") {
			continue
		}
		path, msg := "", line
		if m := decodingPath.FindStringSubmatch(line); m != nil {
			path, msg = yamlPath(m[1]), m[2]
		} else if m := quotedPath.FindStringSubmatch(line); m != nil {
			path, msg = yamlPath(m[1]), m[2]
		}
		if keys, ok := strings.CutPrefix(msg, "has invalid keys: "); ok {
			for _, k := range strings.Split(keys, ", ") {
				full := k
				if path != "" {
					full = path + "." + k
				}
				problems = append(problems, full+": unknown key")
			}
			continue
		}
		if strings.Contains(msg, "cannot parse value as 'int") || strings.Contains(msg, "expected type 'int") {
			msg = "must be a whole number"
		} else if strings.Contains(msg, "cannot parse value as 'bool") || strings.Contains(msg, "expected type 'bool") {
			msg = "must be true or false"
		}
		if path == "" {
			problems = append(problems, msg)
			continue
		}
		if _, set := getenv(EnvName(path)); set && slices.Contains(envOverrides, path) {
			msg += " (set by " + EnvName(path) + ")"
		}
		problems = append(problems, path+": "+msg)
	}
	if len(problems) == 0 {
		problems = []string{err.Error()}
	}
	return problems
}

// ValidationError lists every problem of a configuration, each starting
// with the key path it is about.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

// LoadPlugins reads only the plugins section (and its PAYHOST_PLUGINS_*
// overrides): enough for `payhost plugins list|pin|verify`, which must work
// before the rest of the configuration (sites, secrets) is complete.
func LoadPlugins(path string, getenv func(string) (string, bool)) (Plugins, error) {
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return Plugins{}, fmt.Errorf("reading configuration %s: %w", path, err)
	}
	for _, key := range envOverrides {
		if val, ok := getenv(EnvName(key)); ok && strings.HasPrefix(key, "plugins.") {
			v.Set(key, val)
		}
	}
	setDefaults(v)
	var cfg struct{ Plugins Plugins }
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(durationHook, scalarToStringHook)
	})
	var problems []string
	if err != nil {
		for _, p := range decodeProblems(err, getenv) {
			if strings.HasPrefix(p, "plugins") {
				problems = append(problems, p)
			}
		}
	}
	p := cfg.Plugins
	if p.Dir == "" {
		problems = append(problems, "plugins.dir: required")
	}
	for name, pin := range p.Pins {
		if !pinPattern.MatchString(pin) {
			problems = append(problems, fmt.Sprintf("plugins.pins.%s: must be sha256: followed by 64 lowercase hex digits", name))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Plugins{}, &ValidationError{Problems: problems}
	}
	return p, nil
}
