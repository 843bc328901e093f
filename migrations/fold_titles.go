package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/rustok/rustok-admin/internal/textsearch"
)

// foldTitlesVersion is migration 00009, written in Go in both flavours because SQL cannot fold
// case the Unicode way: it recomputes node_translations.title_search with textsearch.Fold, the
// folding the models now use when they write a title and when they search. Down goes back to
// strings.ToLower, the rule of 00007.
const foldTitlesVersion = 9

// goMigrations are the migrations written in Go, for the dialect. Fingerprint hashes their names.
func goMigrations(dialect Dialect) []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(foldTitlesVersion,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return refoldTitles(ctx, tx, dialect, textsearch.Fold) }},
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return refoldTitles(ctx, tx, dialect, strings.ToLower) }}),
		riverMigration(dialect),
	}
}

// goMigrationNames name the Go migrations in Fingerprint; change the name when the code changes.
var goMigrationNames = []string{"00009_fold_titles.go:v1", "00013_river.go:v8"}

// refoldTitles sets title_search = fold(title) on every translation, in batches ordered by id.
func refoldTitles(ctx context.Context, tx *sql.Tx, dialect Dialect, fold func(string) string) error {
	update := "UPDATE node_translations SET title_search = ? WHERE id = ?"
	if dialect == Postgres {
		update = "UPDATE node_translations SET title_search = $1 WHERE id = $2"
	}
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, batchQuery(dialect), after)
		if err != nil {
			return fmt.Errorf("fold titles: %w", err)
		}
		type row struct{ id, title, search string }
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.title, &r.search); err != nil {
				rows.Close()
				return fmt.Errorf("fold titles: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("fold titles: %w", err)
		}
		for _, r := range batch {
			if folded := fold(r.title); folded != r.search {
				if _, err := tx.ExecContext(ctx, update, folded, r.id); err != nil {
					return fmt.Errorf("fold titles: %w", err)
				}
			}
		}
		if len(batch) < foldBatch {
			return nil
		}
		after = batch[len(batch)-1].id
	}
}

// foldBatch is how many translations refoldTitles reads at a time.
const foldBatch = 500

func batchQuery(dialect Dialect) string {
	if dialect == Postgres {
		return fmt.Sprintf("SELECT CAST(id AS text), title, title_search FROM node_translations WHERE CAST(id AS text) > $1 ORDER BY CAST(id AS text) LIMIT %d", foldBatch)
	}
	return fmt.Sprintf("SELECT id, title, title_search FROM node_translations WHERE id > ? ORDER BY id LIMIT %d", foldBatch)
}

// Name is how operators see a migration in `rustok migrate`: its file, or for a Go migration,
// which has none, the file that holds its code.
func Name(s *goose.Source) string {
	if s == nil {
		return ""
	}
	if s.Path != "" {
		return s.Path
	}
	if s.Version == foldTitlesVersion {
		return "00009_fold_titles.go"
	}
	return fmt.Sprintf("%05d (Go)", s.Version)
}
