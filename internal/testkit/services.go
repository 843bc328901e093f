// Package testkit is RusToK Admin's test utilities: an isolated, migrated database per test on
// PostgreSQL or SQLite, fixture builders, a signed-in HTTP client with CSRF handled, goquery
// helpers, and access to the real Redis and NATS. See "Writing tests" in the README.
package testkit

import (
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults for the services every dev and CI machine runs; TEST_*_URL overrides them.
const (
	defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:6379/0"
	defaultNATSURL     = "nats://127.0.0.1:4222"
)

// InCI reports whether the tests run under CI=true, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// skipOrFail skips the test with a plain reason, or fails it under CI.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf("SKIPPED: "+format, args...)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var reach sync.Map // host:port → bool

// reachable reports whether a TCP service answers at the URL's host and port (cached).
func reachable(rawURL, defaultPort string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += ":" + defaultPort
	}
	if v, ok := reach.Load(host); ok {
		return v.(bool)
	}
	conn, err := net.DialTimeout("tcp", host, time.Second)
	ok := err == nil
	if ok {
		conn.Close()
	}
	reach.Store(host, ok)
	return ok
}

// RedisURL returns the URL of the real Redis, skipping the test (failing under CI) when none
// answers. Tests share the server; they keep apart by using unique keys (session ids, emails).
func RedisURL(t testing.TB) string {
	t.Helper()
	u := envOr("TEST_REDIS_URL", defaultRedisURL)
	if !reachable(u, "6379") {
		skipOrFail(t, "no Redis at %s (set TEST_REDIS_URL, or start it with scripts/services.sh)", u)
	}
	return u
}

// NATSURL returns the URL of the real NATS server, skipping (failing under CI) when none answers.
func NATSURL(t testing.TB) string {
	t.Helper()
	u := envOr("TEST_NATS_URL", defaultNATSURL)
	if !reachable(u, "4222") {
		skipOrFail(t, "no NATS at %s (set TEST_NATS_URL, or start it with scripts/services.sh)", u)
	}
	return u
}
