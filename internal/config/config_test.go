package config_test

import (
	"flag"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/config"
)

func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	t.Run("no environment gives the embedded default", func(t *testing.T) {
		c, err := config.FromEnv(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":8080" || c.DatabaseURL != "" || c.RedisURL != "" || c.NATSURL != "" || c.CookieSecure ||
			c.LogFormat != "text" || c.LogLevel != "info" || !c.AutoMigrate || c.SessionIdleTimeout != 30*time.Minute {
			t.Fatalf("defaults: %+v", c)
		}
		if c.MetricsAddr != "" || !c.MetricsAllowed(net.ParseIP("127.0.0.1")) || !c.MetricsAllowed(net.ParseIP("::1")) ||
			c.MetricsAllowed(net.ParseIP("10.1.2.3")) {
			t.Fatalf("metrics defaults: on %q to %v", c.MetricsAddr, c.MetricsAllow)
		}
		if c.SignInURL() != "http://localhost:8080/login" {
			t.Fatalf("sign-in URL %q", c.SignInURL())
		}
	})

	t.Run("every variable of the runtime contract is read", func(t *testing.T) {
		c, err := config.FromEnv(env(map[string]string{
			"ADDR": "127.0.0.1:9000", "DATABASE_URL": "postgres://x@db/rustok", "REDIS_URL": "redis://r:6379/1",
			"NATS_URL": "nats://n:4222", "RUSTOK_ADMIN_EMAIL": "ops@example.com", "RUSTOK_ADMIN_PASSWORD": "secret secret",
			"COOKIE_SECURE": "true", "LOG_FORMAT": "json", "LOG_LEVEL": "debug", "SUMMARY_MAX_AGE": "0",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:9000" || c.DatabaseURL != "postgres://x@db/rustok" || c.RedisURL != "redis://r:6379/1" ||
			c.NATSURL != "nats://n:4222" || c.AdminEmail != "ops@example.com" || c.AdminPassword != "secret secret" ||
			!c.CookieSecure || c.LogFormat != "json" || c.LogLevel != "debug" || c.SummaryMaxAge != 0 {
			t.Fatalf("read: %+v", c)
		}
		if c.SignInURL() != "http://127.0.0.1:9000/login" {
			t.Fatalf("sign-in URL %q", c.SignInURL())
		}
	})

	t.Run("METRICS_ALLOW takes addresses and networks, METRICS_ADDR a listener", func(t *testing.T) {
		c, err := config.FromEnv(env(map[string]string{"METRICS_ALLOW": "10.0.0.0/8, 192.0.2.7", "METRICS_ADDR": "127.0.0.1:9090"}))
		if err != nil {
			t.Fatal(err)
		}
		for ip, want := range map[string]bool{"10.9.8.7": true, "192.0.2.7": true, "192.0.2.8": false, "127.0.0.1": false} {
			if got := c.MetricsAllowed(net.ParseIP(ip)); got != want {
				t.Errorf("MetricsAllowed(%s) = %v, want %v", ip, got, want)
			}
		}
		if c.MetricsAddr != "127.0.0.1:9090" {
			t.Fatalf("METRICS_ADDR read as %q", c.MetricsAddr)
		}
	})

	for name, tc := range map[string]struct{ key, val, want string }{
		"a bad COOKIE_SECURE is refused":        {"COOKIE_SECURE", "yes please", "COOKIE_SECURE"},
		"a bad LOG_FORMAT is refused":           {"LOG_FORMAT", "xml", "LOG_FORMAT"},
		"a bad LOG_LEVEL is refused":            {"LOG_LEVEL", "loud", "LOG_LEVEL"},
		"a bad ADDR is refused":                 {"ADDR", "8080", "ADDR"},
		"a bad METRICS_ADDR is refused":         {"METRICS_ADDR", "9090", "METRICS_ADDR"},
		"a bad METRICS_ALLOW is refused":        {"METRICS_ALLOW", "10.0.0.0/8, intranet", "METRICS_ALLOW"},
		"a bad SUMMARY_MAX_AGE is refused":      {"SUMMARY_MAX_AGE", "5", "SUMMARY_MAX_AGE"},
		"a negative SUMMARY_MAX_AGE is refused": {"SUMMARY_MAX_AGE", "-1s", "SUMMARY_MAX_AGE"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.FromEnv(env(map[string]string{tc.key: tc.val}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func TestServeFlagsOverrideMetricsSettings(t *testing.T) {
	t.Parallel()
	c := config.Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"-metrics-addr", "127.0.0.1:9100", "-metrics-allow", "10.0.0.0/8,192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9100" || !c.MetricsAllowed(net.ParseIP("10.2.3.4")) || c.MetricsAllowed(net.ParseIP("127.0.0.1")) {
		t.Fatalf("flags read as addr %q allow %v", c.MetricsAddr, c.MetricsAllow)
	}
}
