package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// resolve reads every env:/file: reference. All failures are collected.
func resolve(cfg *Config, getenv func(string) (string, bool)) error {
	var problems []string
	sec := func(key string, s *Secret) {
		v, err := resolveValue(key, s.ref, getenv)
		if err != nil {
			problems = append(problems, err.Error())
			return
		}
		s.value = v
	}
	sec("admin.api_key", &cfg.Admin.APIKey)
	for i := range cfg.Admin.Operators {
		for j := range cfg.Admin.Operators[i].Keys {
			sec(fmt.Sprintf("admin.operators[%d].keys[%d].secret", i, j), &cfg.Admin.Operators[i].Keys[j].Secret)
		}
	}
	if dsn, err := resolveValue("database.dsn", cfg.Database.DSN, getenv); err != nil {
		problems = append(problems, err.Error())
	} else {
		cfg.Database.DSN = dsn
	}
	for i := range cfg.Sites {
		s := &cfg.Sites[i]
		sec(fmt.Sprintf("sites[%d].api_key", i), &s.APIKey)
		sec(fmt.Sprintf("sites[%d].webhook.secret", i), &s.Webhook.Secret)
		for id, m := range s.Modes {
			m.Literal = map[string]bool{}
			s.Modes[id] = m
			for k, v := range m.Config {
				m.Literal[k] = !isReference(v)
				r, err := resolveValue(fmt.Sprintf("sites[%d].modes.%s.config.%s", i, id, k), v, getenv)
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				m.Config[k] = r
			}
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return &ValidationError{Problems: problems}
	}
	return nil
}

func normalise(cfg *Config) {
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	for i := range cfg.Sites {
		s := &cfg.Sites[i]
		if s.Name == "" {
			s.Name = s.ID
		}
		if len(s.CartTypes) == 0 {
			s.CartTypes = []string{"web"}
		}
		if s.SessionLifetime == 0 {
			s.SessionLifetime = 24 * time.Hour
		}
		if s.DeferredLifetime == 0 {
			s.DeferredLifetime = 30 * 24 * time.Hour
		}
		for id, m := range s.Modes {
			e := &m.Eligibility
			e.Currencies = upper(e.Currencies)
			e.Countries = upper(e.Countries)
			e.ExcludedCountries = upper(e.ExcludedCountries)
			if m.Config == nil {
				m.Config = map[string]string{}
			}
			s.Modes[id] = m
		}
	}
	if cfg.Plugins.Verify == "" {
		cfg.Plugins.Verify = "warn"
		if cfg.Environment == "production" {
			cfg.Plugins.Verify = "strict"
		}
	}
}

func upper(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	return out
}

var (
	siteIDPattern   = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	modeIDPattern   = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	pinPattern      = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

const minKeyLength = 16

func validate(cfg *Config) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	prod := cfg.Environment == "production"
	if prod && cfg.Plugins.Verify != "strict" {
		add("plugins.verify: must be strict in production (every plugin binary pinned)")
	}

	if cfg.Environment != "development" && cfg.Environment != "production" {
		add("environment: %q is neither development nor production", cfg.Environment)
	}
	if cfg.Listen == "" {
		add("listen: required")
	}
	if u, err := url.Parse(cfg.PublicURL); cfg.PublicURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		add("public_url: must be an absolute http(s) URL without query, e.g. https://pay.example.com")
	} else if prod && u.Scheme != "https" {
		add("public_url: must use https in production")
	}
	for i, tp := range cfg.TrustedProxies {
		if _, err := ParseProxy(tp); err != nil {
			add("trusted_proxies[%d]: %q is neither an IP address nor a CIDR prefix (10.0.0.0/8)", i, tp)
		}
	}
	switch cfg.Database.Driver {
	case "sqlite", "postgres":
	default:
		add("database.driver: %q is neither sqlite nor postgres", cfg.Database.Driver)
	}
	if cfg.Database.DSN == "" {
		add("database.dsn: required")
	}
	if cfg.Plugins.Dir == "" {
		add("plugins.dir: required")
	}
	if cfg.Plugins.Verify != "strict" && cfg.Plugins.Verify != "warn" {
		add("plugins.verify: %q is neither strict nor warn", cfg.Plugins.Verify)
	}
	for name, pin := range cfg.Plugins.Pins {
		if !pinPattern.MatchString(pin) {
			add("plugins.pins.%s: must be sha256: followed by 64 lowercase hex digits", name)
		}
	}
	// One problem per key, so that a key which failed to decode (and was
	// left zero) is not reported again here (see skipDecoded).
	if cfg.Plugins.StartTimeout <= 0 {
		add("plugins.start_timeout: must be a positive duration")
	}
	if cfg.Plugins.CallTimeout <= 0 {
		add("plugins.call_timeout: must be a positive duration")
	}
	if cfg.Shutdown.Delay < 0 {
		add("shutdown.delay: cannot be negative")
	}
	if cfg.Shutdown.DrainTimeout <= 0 {
		add("shutdown.drain_timeout: must be a positive duration")
	}
	if hclog.LevelFromString(cfg.Log.Level) == hclog.NoLevel {
		add("log.level: %q is not one of trace, debug, info, warn, error", cfg.Log.Level)
	}
	if cfg.Log.Format != "text" && cfg.Log.Format != "json" {
		add("log.format: %q is neither text nor json", cfg.Log.Format)
	}
	if cfg.Limits.MaxBodyBytes < 1024 {
		add("limits.max_body_bytes: must be at least 1024")
	}
	if cfg.Webhooks.PollInterval <= 0 {
		add("webhooks.poll_interval: must be a positive duration")
	}
	if cfg.Webhooks.Parallel < 1 {
		add("webhooks.parallel: must be at least 1")
	}
	if cfg.Janitor.StrandedAfter <= 0 {
		add("janitor.stranded_after: must be a positive duration")
	}
	if cfg.Janitor.Retention.IdempotencyKeys < 24*time.Hour {
		add("janitor.retention.idempotency_keys: must be at least 24h (shops retry for that long)")
	}
	if cfg.Janitor.Retention.WebhookPayloads < time.Hour {
		add("janitor.retention.webhook_payloads: must be at least 1h")
	}
	if cfg.Janitor.Interval <= 0 {
		add("janitor.interval: must be a positive duration")
	}
	if len(cfg.Janitor.QuerySchedule) == 0 {
		add("janitor.query_schedule: must not be empty")
	}
	for _, d := range cfg.Janitor.QuerySchedule {
		if d <= 0 {
			add("janitor.query_schedule: delays must be positive")
		}
	}
	admin := cfg.Admin.APIKey
	if !admin.IsZero() {
		p = append(p, checkKey("admin.api_key", admin, prod)...)
	}
	p = append(p, checkOperators(cfg.Admin.Operators, prod)...)

	if len(cfg.Sites) == 0 {
		add("sites: at least one site is required")
	}
	ids, keys := map[string]bool{}, map[string]string{}
	for i, s := range cfg.Sites {
		at := fmt.Sprintf("sites[%d]", i)
		if !siteIDPattern.MatchString(s.ID) {
			add("%s.id: %q must be 1-32 characters of a-z, 0-9, _ and -", at, s.ID)
		} else if ids[s.ID] {
			add("%s.id: %q is used by another site", at, s.ID)
		}
		ids[s.ID] = true
		if prod && s.TestMode {
			add("%s.test_mode: refused in production (anyone could mark a session paid from its pay page); use a development host for tests", at)
		}
		if s.APIKey.IsZero() {
			add("%s.api_key: required", at)
		} else {
			p = append(p, checkKey(at+".api_key", s.APIKey, prod)...)
			if other, dup := keys[s.APIKey.Value()]; dup {
				add("%s.api_key: the same key as %s", at, other)
			}
			if s.APIKey.Value() == admin.Value() {
				add("%s.api_key: the same key as admin.api_key", at)
			}
			keys[s.APIKey.Value()] = at + ".api_key"
		}
		if s.Webhook.Secret.IsZero() {
			add("%s.webhook.secret: required (it signs returns and webhooks to the shop)", at)
		} else {
			p = append(p, checkKey(at+".webhook.secret", s.Webhook.Secret, prod)...)
		}
		if s.Webhook.URL != "" {
			if u, err := url.Parse(s.Webhook.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add("%s.webhook.url: must be an absolute http(s) URL", at)
			}
		}
		for _, d := range s.Webhook.RetrySchedule {
			if d <= 0 {
				add("%s.webhook.retry_schedule: delays must be positive", at)
			}
		}
		if s.Webhook.Timeout < 0 {
			add("%s.webhook.timeout: must be positive", at)
		}
		if s.SessionLifetime < time.Second {
			add("%s.session_lifetime: must be at least 1s", at)
		}
		if s.DeferredLifetime < time.Second {
			add("%s.deferred_lifetime: must be at least 1s", at)
		}
		for _, o := range s.AllowedOrigins {
			if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
				add("%s.allowed_origins: %q must be an origin, scheme://host[:port] without a path", at, o)
			}
		}
		for _, ct := range s.CartTypes {
			if !modeIDPattern.MatchString(ct) {
				add("%s.cart_types: %q must be 1-32 characters of a-z, 0-9, _ and -", at, ct)
			}
		}
		for id, m := range s.Modes {
			mat := fmt.Sprintf("%s.modes.%s", at, id)
			if !modeIDPattern.MatchString(id) {
				add("%s: mode ids are 1-32 characters of a-z, 0-9, _ and -", mat)
			}
			e := m.Eligibility
			if e.MinAmount < 0 || e.MaxAmount < 0 {
				add("%s.eligibility: amounts are minor units and cannot be negative", mat)
			}
			if e.MaxAmount > 0 && e.MinAmount > e.MaxAmount {
				add("%s.eligibility: min_amount %d is above max_amount %d", mat, e.MinAmount, e.MaxAmount)
			}
			for _, c := range e.Currencies {
				if !currencyPattern.MatchString(c) {
					add("%s.eligibility.currencies: %q is not an ISO 4217 code", mat, c)
				}
			}
			for _, c := range append(slices.Clone(e.Countries), e.ExcludedCountries...) {
				if !countryPattern.MatchString(c) {
					add("%s.eligibility: country %q is not an ISO 3166-1 alpha-2 code", mat, c)
				}
			}
		}
	}
	slices.Sort(p)
	return p
}

// checkKey applies the rules of an API key or signing secret.
func checkKey(key string, s Secret, prod bool) []string {
	var p []string
	if len(s.Value()) < minKeyLength {
		p = append(p, fmt.Sprintf("%s: must be at least %d bytes", key, minKeyLength))
	}
	if prod && !isReference(s.ref) {
		p = append(p, key+": in production, give secrets as env:NAME or file:/path, not in the file")
	}
	return p
}

// ParseProxy reads a trusted_proxies entry: an address (one host) or a
// CIDR prefix.
func ParseProxy(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}
