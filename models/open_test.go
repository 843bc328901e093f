package models_test

import (
	"path/filepath"
	"testing"

	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// TestOpenSQLiteFile checks the embedded default: a file database in WAL mode with a busy
// timeout and foreign keys on, its folder created on demand.
func TestOpenSQLiteFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nested", "rustok.db")
	store, err := models.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if store.Dialect() != migrations.SQLite {
		t.Fatalf("dialect %s", store.Dialect())
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "5000", "foreign_keys": "1"} {
		var got string
		if err := store.DB().Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}
