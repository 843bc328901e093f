package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/rustok/rustok-admin/internal/events"
)

// pgTx is a PostgreSQL transaction that WithTx begins and ends itself on one pooled connection,
// instead of through database/sql's Tx, so that its commit can carry the transaction's events:
// the outbox rows Append collected (events.Deferred) and COMMIT reach the server in one
// pipelined round trip. A round trip was two thirds of an event's cost on a node create
// (docs/BENCHMARKS.md, issue 12 item 6).
//
// It is the GORM ConnPool of the transaction's statements. It is a TxCommitter only so that GORM
// treats it as a transaction: nested Transaction calls join it (DisableNestedTransaction, as
// nested WithTx calls do) and GORM never commits or rolls it back itself.
type pgTx struct{ conn *sql.Conn }

var errTxOwned = errors.New("models: the transaction is committed or rolled back by Store.WithTx")

func (t *pgTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.conn.PrepareContext(ctx, query)
}

func (t *pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(ctx, query, args...)
}

func (t *pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.conn.QueryContext(ctx, query, args...)
}

func (t *pgTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.conn.QueryRowContext(ctx, query, args...)
}

func (t *pgTx) Commit() error   { return errTxOwned }
func (t *pgTx) Rollback() error { return errTxOwned }

// errCommitRolledBack: COMMIT answered ROLLBACK, because a statement of the transaction failed
// and fn went on as if it had not.
var errCommitRolledBack = fmt.Errorf("models: commit: %w", pgx.ErrTxCommitRollback)

// pgTransaction runs fn in a pgTx: BEGIN, fn's statements, then the events and COMMIT in one
// round trip, or ROLLBACK if fn fails or panics. A connection whose state is unknown after an
// error (the rollback failed) is discarded, never returned to the pool inside a transaction.
func (s *Store) pgTransaction(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("models: begin: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		pgRollback(conn)
		return fmt.Errorf("models: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			pgRollback(conn)
		}
	}()
	ctx, deferred := events.WithDeferred(ctx)
	tx := s.db.Session(&gorm.Session{Context: ctx, NewDB: true, DisableNestedTransaction: true})
	tx.Statement.ConnPool = &pgTx{conn: conn}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	if err := pgCommit(ctx, conn, deferred); err != nil {
		return err
	}
	committed = true
	return nil
}

// pgCommit sends the deferred events' statement and COMMIT as one pgx batch (one round trip),
// or COMMIT alone when there are none. If the insert fails, the server skips the COMMIT and the
// caller rolls back.
func pgCommit(ctx context.Context, conn *sql.Conn, deferred *events.Deferred) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("models: commit: driver connection is %T, not pgx's", dc)
		}
		checkTag := func(tag pgconn.CommandTag) error {
			if tag.String() != "COMMIT" {
				return errCommitRolledBack
			}
			return nil
		}
		if deferred.Empty() {
			tag, err := sc.Conn().Exec(ctx, "COMMIT")
			if err != nil {
				return fmt.Errorf("models: commit: %w", err)
			}
			return checkTag(tag)
		}
		query, args := deferred.Statement()
		var at []time.Time
		b := &pgx.Batch{}
		b.Queue(query, args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var t time.Time
				if err := rows.Scan(&t); err != nil {
					return err
				}
				at = append(at, t)
			}
			return rows.Err()
		})
		b.Queue("COMMIT").Exec(checkTag)
		if err := sc.Conn().SendBatch(ctx, b).Close(); err != nil {
			if errors.Is(err, errCommitRolledBack) {
				return err
			}
			return fmt.Errorf("models: commit with events: %w", err)
		}
		return deferred.Written(at)
	})
}

// pgRollback ends the connection's transaction, if any (ROLLBACK outside one only warns). If
// that fails the connection is discarded: driver.ErrBadConn from Raw closes it.
func pgRollback(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return driver.ErrBadConn
		}
		if _, err := sc.Conn().Exec(ctx, "ROLLBACK"); err != nil {
			return driver.ErrBadConn
		}
		return nil
	})
}
