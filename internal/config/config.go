// Package config turns the environment (and command-line flags) into a Config.
package config

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/rustok/rustok-admin/internal/paths"
)

// Config is everything the process needs to know at start. The environment variable names are
// the runtime contract of DESIGN.md; flags of the same meaning override them.
type Config struct {
	Addr          string // ADDR, listen address
	DatabaseURL   string // DATABASE_URL; empty = SQLite file data/rustok.db
	RedisURL      string // REDIS_URL; empty = in-memory storage
	NATSURL       string // NATS_URL; empty = in-process transport
	AdminEmail    string // RUSTOK_ADMIN_EMAIL, bootstrap super admin
	AdminPassword string // RUSTOK_ADMIN_PASSWORD; empty = generated and printed once
	CookieSecure  bool   // COOKIE_SECURE, mark cookies Secure (serve behind HTTPS)
	LogFormat     string // LOG_FORMAT, json or text
	LogLevel      string // LOG_LEVEL, debug, info, warn or error
	// TrustedProxies (TRUSTED_PROXIES, comma-separated IPs or CIDRs) may set X-Forwarded-For
	// and X-Forwarded-Host; from anyone else those headers are ignored.
	TrustedProxies []string
	// MetricsAllow (METRICS_ALLOW, comma-separated IPs or CIDRs; default loopback) may read
	// /metrics on the main listener; anyone else gets 404. The client address is the one
	// TRUSTED_PROXIES let through.
	MetricsAllow []string
	// MetricsAddr (METRICS_ADDR, host:port) serves /metrics on a listener of its own, and then
	// not on ADDR at all; METRICS_ALLOW does not apply there (the port is the boundary).
	MetricsAddr string

	AutoMigrate        bool          // serve applies pending migrations (flag -migrate=false turns it off)
	SessionIdleTimeout time.Duration // a session unused this long ends
	SessionMaxAge      time.Duration // a session ends this long after sign-in, used or not
	ShutdownTimeout    time.Duration // how long SIGTERM waits for in-flight requests
	// SummaryMaxAge (SUMMARY_MAX_AGE, a Go duration; default 5s) bounds how long a process
	// keeps a dashboard snapshot, a list count or a list page without hearing an event
	// (internal/summary); 0 keeps nothing, so every view reads the database.
	SummaryMaxAge time.Duration
	// ImportMaxBytes (IMPORT_MAX_MB, whole megabytes; default 50) bounds an uploaded import file;
	// ImportMaxRows (IMPORT_MAX_ROWS; default 200,000) the rows it may hold.
	ImportMaxBytes int64
	ImportMaxRows  int
}

// Default returns the configuration with no environment at all: the embedded default.
func Default() Config {
	return Config{
		Addr:               ":8080",
		MetricsAllow:       []string{"127.0.0.0/8", "::1"},
		AdminEmail:         "admin@example.com",
		LogFormat:          "text",
		LogLevel:           "info",
		AutoMigrate:        true,
		SessionIdleTimeout: 30 * time.Minute,
		SessionMaxAge:      12 * time.Hour,
		ShutdownTimeout:    15 * time.Second,
		SummaryMaxAge:      5 * time.Second,
		ImportMaxBytes:     50 << 20,
		ImportMaxRows:      200_000,
	}
}

// FromEnv reads the environment through getenv (os.Getenv in main, a map in tests).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Default()
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("ADDR", &c.Addr)
	str("DATABASE_URL", &c.DatabaseURL)
	str("REDIS_URL", &c.RedisURL)
	str("NATS_URL", &c.NATSURL)
	str("RUSTOK_ADMIN_EMAIL", &c.AdminEmail)
	c.AdminPassword = getenv("RUSTOK_ADMIN_PASSWORD")
	str("LOG_FORMAT", &c.LogFormat)
	str("LOG_LEVEL", &c.LogLevel)
	c.TrustedProxies = splitList(getenv("TRUSTED_PROXIES"))
	str("METRICS_ADDR", &c.MetricsAddr)
	if v := splitList(getenv("METRICS_ALLOW")); v != nil {
		c.MetricsAllow = v
	}
	if v := getenv("COOKIE_SECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("COOKIE_SECURE: want true or false, got %q", v)
		}
		c.CookieSecure = b
	}
	if v := strings.TrimSpace(getenv("SUMMARY_MAX_AGE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return c, fmt.Errorf("SUMMARY_MAX_AGE: want a duration from 0s to 1m (e.g. 5s), got %q", v)
		}
		c.SummaryMaxAge = d
	}
	if v := strings.TrimSpace(getenv("IMPORT_MAX_MB")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 2048 {
			return c, fmt.Errorf("IMPORT_MAX_MB: want whole megabytes from 1 to 2048, got %q", v)
		}
		c.ImportMaxBytes = int64(n) << 20
	}
	if v := strings.TrimSpace(getenv("IMPORT_MAX_ROWS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("IMPORT_MAX_ROWS: want a whole number of rows, 1 or more, got %q", v)
		}
		c.ImportMaxRows = n
	}
	return c, c.Validate()
}

// RegisterFlags adds flags that override the environment for the serve command.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL or SQLite path (DATABASE_URL)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "redis:// URL (REDIS_URL)")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "nats:// URL (NATS_URL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text (LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (LOG_LEVEL)")
	fs.BoolVar(&c.CookieSecure, "cookie-secure", c.CookieSecure, "mark cookies Secure (COOKIE_SECURE)")
	fs.BoolVar(&c.AutoMigrate, "migrate", c.AutoMigrate, "apply pending migrations at start")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve /metrics only on this host:port (METRICS_ADDR)")
	fs.Func("metrics-allow", "comma-separated IPs or CIDRs that may read /metrics on ADDR (METRICS_ALLOW)", func(v string) error {
		c.MetricsAllow = splitList(v)
		return nil
	})
}

// splitList splits a comma-separated list, dropping blanks; nil when nothing is left.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// MetricsAllowed reports whether ip may read /metrics on the main listener.
func (c *Config) MetricsAllowed(ip net.IP) bool {
	if ip == nil {
		return false
	}
	for _, a := range c.MetricsAllow {
		if _, n, err := net.ParseCIDR(a); err == nil && n.Contains(ip) {
			return true
		}
		if p := net.ParseIP(a); p != nil && p.Equal(ip) {
			return true
		}
	}
	return false
}

// Validate rejects values the server cannot start with.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("ADDR: %q is not host:port (%v)", c.Addr, err)
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("METRICS_ADDR: %q is not host:port (%v)", c.MetricsAddr, err)
		}
	}
	for _, a := range c.MetricsAllow {
		if _, _, err := net.ParseCIDR(a); err != nil && net.ParseIP(a) == nil {
			return fmt.Errorf("METRICS_ALLOW: %q is neither an IP address nor a CIDR", a)
		}
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return fmt.Errorf("LOG_FORMAT: want json or text, got %q", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel)
	}
	return nil
}

// SignInURL is the address printed for people: the listen address made clickable.
func (c *Config) SignInURL() string {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "http://localhost:8080" + paths.Login
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + paths.Login
}
