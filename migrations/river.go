package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// riverVersion is migration 00013: River's own tables (river_job, river_leader, river_queue …),
// through River's migrator inside our migration's transaction, so `rustok migrate up|down|status`
// stays the one entry point. It brings River's schema to riverSchemaVersion, the newest of the
// River release in go.mod (v0.51.2); a River upgrade with a new schema version gets a new
// migration of ours that moves it on, so what a version of this file does never changes.
const (
	riverVersion       = 13
	riverSchemaVersion = 8
)

func riverMigration(dialect Dialect) *goose.Migration {
	if dialect == SQLite {
		// In goose's transaction: SQLite has one connection, which goose holds while it migrates.
		return goose.NewGoMigration(riverVersion,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return migrateRiverTx(ctx, tx, rivermigrate.DirectionUp, riverSchemaVersion)
			}},
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
				return migrateRiverTx(ctx, tx, rivermigrate.DirectionDown, -1) // -1: all of River's schema
			}})
	}
	// On PostgreSQL outside goose's transaction (RunDB): River's migrator runs each of its
	// versions in a transaction of its own, which PostgreSQL needs (a version adds an enum value
	// that the next one uses, and PostgreSQL refuses that within one transaction). A failure
	// part-way leaves the versions before it applied, recorded in river_migration; the next
	// `migrate up` goes on from there.
	return goose.NewGoMigration(riverVersion,
		&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			return migrateRiverPG(ctx, db, rivermigrate.DirectionUp, riverSchemaVersion)
		}},
		&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			return migrateRiverPG(ctx, db, rivermigrate.DirectionDown, -1)
		}})
}

// migrateRiverPG runs River's PostgreSQL migrations on db, in direction, to target.
func migrateRiverPG(ctx context.Context, db *sql.DB, direction rivermigrate.Direction, target int) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err == nil {
		_, err = m.Migrate(ctx, direction, &rivermigrate.MigrateOpts{TargetVersion: target})
	}
	if err != nil {
		return fmt.Errorf("river schema %s: %w", direction, err)
	}
	return nil
}

// migrateRiverTx runs River's SQLite migrations in tx, in direction, to target.
func migrateRiverTx(ctx context.Context, tx *sql.Tx, direction rivermigrate.Direction, target int) error {
	m, err := rivermigrate.New(riversqlite.New(nil), nil)
	if err == nil {
		_, err = m.MigrateTx(ctx, tx, direction, &rivermigrate.MigrateOpts{TargetVersion: target})
	}
	if err != nil {
		return fmt.Errorf("river schema %s: %w", direction, err)
	}
	return nil
}
