package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for the admin connection

	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// Dialect returns the database the tests run on: TEST_DB=postgres or sqlite (the default).
func Dialect() migrations.Dialect {
	if envOr("TEST_DB", "sqlite") == "postgres" {
		return migrations.Postgres
	}
	return migrations.SQLite
}

// NewDB returns a store over a fresh, migrated database of its own, closed and dropped when
// the test ends, so tests may run with t.Parallel(). On PostgreSQL it is cloned from a template
// migrated once per set of migrations; on SQLite it is a private in-memory database.
func NewDB(t testing.TB) *models.Store {
	t.Helper()
	if Dialect() == migrations.Postgres {
		return newPostgresDB(t)
	}
	return NewSQLiteDB(t)
}

// NewSQLiteDB returns a migrated in-memory SQLite store regardless of TEST_DB.
func NewSQLiteDB(t testing.TB) *models.Store {
	t.Helper()
	store, err := models.Open("file:rustok-" + randomName() + "?mode=memory&cache=shared")
	if err != nil {
		t.Fatalf("testkit: open sqlite: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(context.Background()); err != nil {
		t.Fatalf("testkit: migrate sqlite: %v", err)
	}
	return store
}

// NewEmptyDB returns a database with no migrations applied (for migration tests), and its URL.
func NewEmptyDB(t testing.TB) (*models.Store, string) {
	t.Helper()
	if Dialect() == migrations.Postgres {
		name := "rustok_t_" + randomName()
		admin := postgresAdmin(t)
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatalf("testkit: create database: %v", err)
		}
		return openPostgres(t, admin, name)
	}
	dsn := "file:rustok-" + randomName() + "?mode=memory&cache=shared"
	store, err := models.Open(dsn)
	if err != nil {
		t.Fatalf("testkit: open sqlite: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store, dsn
}

// PostgresURL returns the URL of a fresh migrated PostgreSQL database, for tests that start the
// real binary. It skips (fails under CI) when PostgreSQL is not reachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := postgresAdmin(t)
	name := "rustok_t_" + randomName()
	cloneTemplate(t, admin, name)
	t.Cleanup(func() { dropDatabase(admin, name) })
	return withDatabase(pgAdminURL, name)
}

var (
	pgOnce     sync.Once
	pgAdmin    *sql.DB
	pgAdminURL string
	pgErr      error
	tplOnce    sync.Once
	tplName    string
	tplErr     error
)

// postgresAdmin returns a connection to the maintenance database, trying TEST_DATABASE_URL,
// then the postgres and root users.
func postgresAdmin(t testing.TB) *sql.DB {
	t.Helper()
	pgOnce.Do(func() {
		candidates := []string{envOr("TEST_DATABASE_URL", defaultPostgresURL)}
		if os.Getenv("TEST_DATABASE_URL") == "" {
			candidates = append(candidates, "postgres://root@127.0.0.1:5432/postgres?sslmode=disable")
		}
		for _, u := range candidates {
			if !reachable(u, "5432") {
				pgErr = fmt.Errorf("no PostgreSQL at %s", u)
				continue
			}
			db, err := sql.Open("pgx", u)
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				err = db.PingContext(ctx)
				cancel()
			}
			if err == nil {
				pgAdmin, pgAdminURL, pgErr = db, u, nil
				return
			}
			pgErr = err
		}
	})
	if pgErr != nil {
		skipOrFail(t, "PostgreSQL suite needs a server: %v (set TEST_DATABASE_URL, or start it with scripts/services.sh)", pgErr)
	}
	return pgAdmin
}

func newPostgresDB(t testing.TB) *models.Store {
	t.Helper()
	admin := postgresAdmin(t)
	name := "rustok_t_" + randomName()
	cloneTemplate(t, admin, name)
	store, _ := openPostgres(t, admin, name)
	return store
}

// cloneTemplate creates database name from the migrated template.
func cloneTemplate(t testing.TB, admin *sql.DB, name string) {
	t.Helper()
	tplOnce.Do(func() { tplName, tplErr = ensureTemplate(admin) })
	if tplErr != nil {
		t.Fatalf("testkit: template database: %v", tplErr)
	}
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		_, err = admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + tplName)
		// Another process may be cloning the same template this instant.
		if err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("testkit: clone template: %v", err)
	}
}

// openPostgres opens a store on database name and drops the database when the test ends.
func openPostgres(t testing.TB, admin *sql.DB, name string) (*models.Store, string) {
	t.Helper()
	dbURL := withDatabase(pgAdminURL, name)
	store, err := models.Open(dbURL)
	if err != nil {
		t.Fatalf("testkit: open %s: %v", name, err)
	}
	t.Cleanup(func() {
		store.Close()
		dropDatabase(admin, name)
	})
	return store, dbURL
}

func dropDatabase(admin *sql.DB, name string) {
	_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
}

// ensureTemplate creates and migrates the template database for the current migrations once
// across all test processes: an advisory lock serialises them, and the template appears under
// its final name only after it is fully migrated.
func ensureTemplate(admin *sql.DB) (string, error) {
	ctx := context.Background()
	name := "rustok_tpl_" + migrations.Fingerprint(migrations.Postgres)
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(727274)")
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	store, err := models.Open(withDatabase(pgAdminURL, building))
	if err != nil {
		return "", err
	}
	_, err = store.Migrate(ctx)
	store.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

// withDatabase returns the URL with its database name replaced.
func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Path = "/" + name
	return u.String()
}

// randomName returns 12 random lowercase hex characters, safe in database names.
func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
