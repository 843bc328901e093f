// Package migrations holds the versioned, append-only schema changes of RusToK Admin, one
// flavour per database, embedded in the binary and applied with goose.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// files holds both flavours; a migration is added to both folders under the same number, or,
// when SQL cannot express it, written once in Go (goMigrations, fold_titles.go).
//
//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Dialect names a database flavour: "postgres" or "sqlite".
type Dialect string

// The two supported flavours.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// NewProvider returns a goose provider over the embedded migrations of the dialect. On PostgreSQL
// it takes a session advisory lock, so several processes starting at once migrate one at a time.
func NewProvider(db *sql.DB, dialect Dialect) (*goose.Provider, error) {
	sub, err := fs.Sub(files, string(dialect))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithGoMigrations(goMigrations(dialect)...)}
	gd := goose.DialectSQLite3
	if dialect == Postgres {
		gd = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Up applies every pending migration and returns how many ran.
func Up(ctx context.Context, db *sql.DB, dialect Dialect) (int, error) {
	p, err := NewProvider(db, dialect)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrations: up: %w", err)
	}
	return len(res), nil
}

// Fingerprint returns a short hash of every embedded migration of the dialect. The test kit
// names its template databases after it, so a changed migration gets a fresh template.
func Fingerprint(dialect Dialect) string {
	h := fnv.New32a()
	entries, _ := fs.ReadDir(files, string(dialect))
	for _, e := range entries {
		b, _ := fs.ReadFile(files, string(dialect)+"/"+e.Name())
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	for _, name := range goMigrationNames {
		h.Write([]byte(name))
	}
	return fmt.Sprintf("%08x", h.Sum32())
}
