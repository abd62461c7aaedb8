// Package config loads the host's YAML configuration with viper, applies
// PAYHOST_* environment overrides and defaults, resolves env:/file: secrets
// and validates everything, reporting every problem by its key path.
package config

import (
	"errors"
	"fmt"
	"reflect"
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
	Database  Database
	Plugins   Plugins
	Admin     Admin
	Log       Log
	Limits    Limits
	Webhooks  Webhooks
	Janitor   Janitor
	Sites     []Site
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
}

// EnvName is the environment variable overriding a key.
func EnvName(key string) string {
	return "PAYHOST_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Load reads the file at path, applies environment overrides read through
// getenv, fills defaults, resolves secrets and validates. A validation
// failure is a *ValidationError listing every problem.
func Load(path string, getenv func(string) (string, bool)) (*Config, error) {
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
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.Metadata = &md
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
			secretHook,
			scalarToStringHook,
		)
	})
	if err != nil {
		return nil, &ValidationError{Problems: decodeProblems(err)}
	}
	if err := resolve(&cfg, getenv); err != nil {
		return nil, err
	}
	normalise(&cfg)
	if problems := validate(&cfg); len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return &cfg, nil
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
	v.SetDefault("janitor.interval", "30s")
	v.SetDefault("janitor.query_schedule", []string{"5m", "1h", "24h", "24h", "24h"})
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

func decodeProblems(err error) []string {
	var problems []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line == "" || strings.HasPrefix(line, "decoding failed") || strings.HasSuffix(line, "error(s) decoding:") {
			continue
		}
		problems = append(problems, line)
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
