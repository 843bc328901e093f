// Package backend opens the services the process depends on — the database, Redis and NATS —
// and reports on them: which ones are in use and whether each answers.
package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	redisstore "github.com/gofiber/storage/redis/v3"
	"github.com/nats-io/nats.go"
	"github.com/redis/go-redis/v9"

	"github.com/rustok/rustok-admin/internal/config"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/models"
)

// Backends holds the open connections. Storage and NATS are nil on the embedded default.
type Backends struct {
	Store   *models.Store
	Storage fiber.Storage // Redis-backed shared storage, or nil for process memory
	Redis   redis.UniversalClient
	NATS    *nats.Conn
	Bus     *events.Bus // in-process event subscribers; the relay always delivers to it

	databaseName string
}

// Check is one dependency probed by /readyz.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Open connects to everything cfg names. It fails fast, with the dependency named, when one
// that is configured does not answer.
func Open(ctx context.Context, cfg config.Config) (*Backends, error) {
	store, err := models.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	b := &Backends{Store: store, Bus: events.NewBus(), databaseName: describeDatabase(cfg.DatabaseURL)}
	if cfg.RedisURL != "" {
		client, err := OpenRedis(ctx, cfg.RedisURL)
		if err != nil {
			b.Close()
			return nil, err
		}
		b.Redis = client
		b.Storage = redisstore.NewFromConnection(client)
	}
	if cfg.NATSURL != "" {
		// Reconnect quickly and notice a dead link within seconds: while it is down this
		// process's cached decisions are bounded (internal/freshness), and when it is back
		// they are reloaded, so the sooner it is back the better.
		nc, err := nats.Connect(cfg.NATSURL, nats.Name("rustok"), nats.Timeout(2*time.Second),
			nats.MaxReconnects(-1), nats.RetryOnFailedConnect(false), nats.ReconnectWait(250*time.Millisecond),
			nats.ReconnectJitter(100*time.Millisecond, time.Second), nats.PingInterval(2*time.Second), nats.MaxPingsOutstanding(2))
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("nats: %w", err)
		}
		b.NATS = nc
	}
	return b, nil
}

func init() {
	// go-redis logs reconnect trouble on its own; send it through slog like everything else.
	redis.SetLogger(redisLogger{})
}

type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.WarnContext(ctx, "redis", "msg", fmt.Sprintf(format, v...))
}

// OpenRedis connects to a redis:// URL and checks that it answers.
func OpenRedis(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	// Fail fast when Redis is down: a page waiting seconds on retries helps nobody.
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = time.Second, time.Second, time.Second
	opts.MaxRetries = 1
	client := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	return client, nil
}

// LogAttrs names the backend in use for each concern; it is the first log line after start.
func (b *Backends) LogAttrs() []any {
	shared, nc, transport := "memory", "off", "in-process"
	if b.Redis != nil {
		shared = "redis"
	}
	if b.NATS != nil {
		nc = b.NATS.ConnectedUrlRedacted()
		transport = "in-process+nats-jetstream"
	}
	return []any{slog.String("database", b.databaseName), slog.String("sessions", shared),
		slog.String("rate_limits", shared), slog.String("events", transport), slog.String("nats", nc)}
}

// Checks lists what /readyz pings: always the database, Redis and NATS when configured.
func (b *Backends) Checks() []Check {
	checks := []Check{{Name: "database", Ping: b.Store.Ping}}
	if b.Redis != nil {
		checks = append(checks, Check{Name: "redis", Ping: func(ctx context.Context) error {
			return b.Redis.Ping(ctx).Err()
		}})
	}
	if b.NATS != nil {
		checks = append(checks, Check{Name: "nats", Ping: func(ctx context.Context) error {
			if !b.NATS.IsConnected() {
				return errors.New("not connected (" + b.NATS.Status().String() + ")")
			}
			return b.NATS.FlushWithContext(ctx)
		}})
	}
	return checks
}

// Close closes every connection that was opened.
func (b *Backends) Close() {
	if b.NATS != nil {
		b.NATS.Close()
	}
	if b.Redis != nil {
		b.Redis.Close()
	}
	if b.Store != nil {
		b.Store.Close()
	}
}

// describeDatabase names the database without its password.
func describeDatabase(databaseURL string) string {
	if databaseURL == "" {
		return "sqlite:" + models.DefaultSQLitePath
	}
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "sqlite:" + databaseURL
	}
	return "postgres:" + u.Redacted()
}
