// Package models holds the GORM models of RusToK Admin and every operation on them. All SQL lives
// here, behind Store; every write goes through Store.WithTx.
package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/migrations"
)

// Store is the storage layer: one GORM handle and the dialect behind it.
type Store struct {
	db         *gorm.DB
	dialect    migrations.Dialect
	listeners  events.Listeners
	dropEvents bool // WithoutOutbox
}

// txKey marks the transaction carried in a context by WithTx.
type txKey struct{}

// DefaultSQLitePath is where the embedded database lives when DATABASE_URL is unset.
const DefaultSQLitePath = "data/rustok.db"

// Open connects to databaseURL: a postgres:// URL, or a SQLite file path or DSN. An empty URL
// opens the embedded default at DefaultSQLitePath (WAL, busy timeout, foreign keys on).
func Open(databaseURL string) (*Store, error) {
	if databaseURL == "" {
		databaseURL = DefaultSQLitePath
	}
	cfg := &gorm.Config{
		Logger:         slowQueryLogger{threshold: 200 * time.Millisecond},
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		db, err := gorm.Open(postgres.Open(databaseURL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		// As many idle as open: with fewer, a burst above the idle count closes connections
		// after use and opens new ones at once (measured: +11–18 % req/s at 16 clients).
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return NewStore(db, migrations.Postgres), nil
	}
	dsn := sqliteDSN(databaseURL)
	if path := sqlitePath(databaseURL); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	db, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// SQLite allows one writer at a time; one connection turns lock contention into a queue
	// instead of SQLITE_BUSY errors, and keeps an in-memory database alive between queries.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	return NewStore(db, migrations.SQLite), nil
}

// sqliteDSN adds the pragmas we rely on to a SQLite path or DSN.
func sqliteDSN(s string) string {
	const pragmas = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
	if !strings.Contains(s, "mode=memory") {
		s = addParam(s, "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	}
	return addParam(s, pragmas)
}

func addParam(s, p string) string {
	if strings.Contains(s, "?") {
		return s + "&" + p
	}
	return s + "?" + p
}

// sqlitePath returns the file a SQLite DSN points at, or "" for an in-memory database.
func sqlitePath(s string) string {
	if strings.Contains(s, "mode=memory") || strings.HasPrefix(s, ":memory:") {
		return ""
	}
	s = strings.TrimPrefix(s, "file:")
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return s
}

// NewStore wraps an open GORM handle.
func NewStore(db *gorm.DB, dialect migrations.Dialect) *Store {
	return &Store{db: db, dialect: dialect}
}

// WithoutOutbox returns a store on the same database whose Append validates events and then drops
// them: every write is the same, minus its outbox rows and lock. For the outbox-cost benchmark
// only (bench/events_test.go); nothing that serves requests may use it.
func (s *Store) WithoutOutbox() *Store {
	return &Store{db: s.db, dialect: s.dialect, dropEvents: true}
}

// Dialect reports which database flavour the store talks to.
func (s *Store) Dialect() migrations.Dialect { return s.dialect }

// DB returns the GORM handle without a context; for wiring and tests only.
func (s *Store) DB() *gorm.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Migrate applies pending migrations and returns how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	return migrations.Up(ctx, sqlDB, s.dialect)
}

// PendingMigrations returns how many migrations are not applied yet.
func (s *Store) PendingMigrations(ctx context.Context) (int, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return 0, err
	}
	p, err := migrations.NewProvider(sqlDB, s.dialect)
	if err != nil {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range st {
		if m.AppliedAt.IsZero() {
			n++
		}
	}
	return n, nil
}

// Conn returns the transaction carried by ctx, or the pool bound to ctx. Every query in this
// package starts with it, so a method joins its caller's transaction without knowing about it.
func (s *Store) Conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.db.WithContext(ctx)
}

// WithTx runs fn in a transaction. If ctx already carries one, fn joins it and the outermost
// WithTx decides commit or rollback; otherwise a new transaction commits when fn returns nil.
// Events appended inside wake the relay only after the outermost commit.
func (s *Store) WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	ctx, hooks := events.WithCommitHooks(ctx, &s.listeners)
	var err error
	if s.dialect == migrations.Postgres {
		err = s.pgTransaction(ctx, fn) // events ride with the COMMIT
	} else {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(ctx, txKey{}, tx))
		})
	}
	if err == nil {
		hooks.Run()
	}
	return s.busy(err)
}

// SQLite's primary result codes for a database locked by another connection.
const (
	sqliteBusy   = 5 // SQLITE_BUSY
	sqliteLocked = 6 // SQLITE_LOCKED
)

// busy marks SQLite's "database is locked" errors with ErrBusy. One connection per process and
// BEGIN IMMEDIATE make them rare — another process held the write lock for longer than
// busy_timeout — and the transaction has then changed nothing, so callers may say "try again"
// instead of failing.
func (s *Store) busy(err error) error {
	var coded interface{ Code() int } // the SQLite driver's *Error
	if err == nil || s.dialect != migrations.SQLite || errors.Is(err, ErrBusy) || !errors.As(err, &coded) {
		return err
	}
	if code := coded.Code() & 0xff; code == sqliteBusy || code == sqliteLocked {
		return fmt.Errorf("%w: %v", ErrBusy, err)
	}
	return err
}

// OnCommit calls fn with the events of every transaction this store commits, right after the
// commit; the returned func stops it.
func (s *Store) OnCommit(fn func([]events.Envelope)) func() { return s.listeners.Add(fn) }

// Append writes events to the outbox in the transaction carried by ctx; call it inside WithTx.
func (s *Store) Append(ctx context.Context, evts ...events.Event) error {
	if !InTx(ctx) {
		return errors.New("models: events must be appended inside WithTx")
	}
	if s.dropEvents {
		for _, ev := range evts {
			if err := ev.Validate(); err != nil {
				return err
			}
		}
		return nil
	}
	return events.Append(ctx, s.Conn(ctx), evts...)
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// translate maps GORM errors onto the package's sentinels.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", what, ErrConflict)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// slowQueryLogger logs queries slower than threshold through slog, with the request id of the
// context. Failed queries are not logged here: the caller gets the error and decides.
const maxLoggedSQL = 1000

type slowQueryLogger struct{ threshold time.Duration }

func (l slowQueryLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (slowQueryLogger) Info(context.Context, string, ...any)       {}
func (slowQueryLogger) Warn(context.Context, string, ...any)       {}
func (slowQueryLogger) Error(context.Context, string, ...any)      {}

// ParamsFilter keeps the values out of the logged SQL (gorm.ParamsFilter): a slow statement may
// carry a password hash, a two-factor secret or a customer's data; its placeholders say enough.
func (slowQueryLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func (l slowQueryLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	if elapsed := time.Since(begin); elapsed >= l.threshold {
		sql, rows := fc()
		if len(sql) > maxLoggedSQL { // a batch INSERT can be megabytes; its start says what it was
			sql = sql[:maxLoggedSQL] + fmt.Sprintf("… (%d bytes)", len(sql))
		}
		slog.WarnContext(ctx, "slow query", "duration_ms", elapsed.Milliseconds(), "rows", rows, "sql", sql)
	}
}
