package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/migrations"
	"github.com/rustok/rustok-admin/models"
)

// TestUpDownUp applies every migration, rolls all of them back to an empty schema, and applies
// them again, on the database TEST_DB names. It catches a Down that forgets something.
func TestUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := testkit.NewEmptyDB(t)
	sqlDB, err := store.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrations.NewProvider(sqlDB, store.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	total := len(p.ListSources())
	if total < 2 {
		t.Fatalf("found %d migrations, want at least 2", total)
	}
	res, err := p.Up(ctx)
	if err != nil || len(res) != total {
		t.Fatalf("up: applied %d of %d: %v", len(res), total, err)
	}
	for _, table := range []string{"tenants", "users", "casbin_rule", "sys_events"} {
		if !store.DB().Migrator().HasTable(table) {
			t.Errorf("after up: table %s missing", table)
		}
	}
	down, err := p.DownTo(ctx, 0)
	if err != nil || len(down) != total {
		t.Fatalf("down to zero: rolled back %d of %d: %v", len(down), total, err)
	}
	for _, table := range []string{"tenants", "users", "casbin_rule", "sys_events"} {
		if store.DB().Migrator().HasTable(table) {
			t.Errorf("after down: table %s still exists", table)
		}
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 0 {
		t.Fatalf("version after down = %d, %v", v, err)
	}
	res, err = p.Up(ctx)
	if err != nil || len(res) != total {
		t.Fatalf("up again: applied %d of %d: %v", len(res), total, err)
	}
	if pending, err := p.HasPending(ctx); err != nil || pending {
		t.Fatalf("pending after up: %v %v", pending, err)
	}
}

// TestFlavoursHaveTheSameMigrations keeps the PostgreSQL and SQLite lists in step.
func TestFlavoursHaveTheSameMigrations(t *testing.T) {
	t.Parallel()
	pg, sl := testkit.NewSQLiteDB(t), testkit.NewSQLiteDB(t)
	sqlDB, _ := pg.DB().DB()
	sqlDB2, _ := sl.DB().DB()
	p1, err := migrations.NewProvider(sqlDB, migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := migrations.NewProvider(sqlDB2, migrations.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	a, b := p1.ListSources(), p2.ListSources()
	if len(a) != len(b) {
		t.Fatalf("postgres has %d migrations, sqlite %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Version != b[i].Version {
			t.Errorf("migration %d: postgres version %d, sqlite %d", i, a[i].Version, b[i].Version)
		}
	}
}

// TestRolesBackfill: tenants that existed before migration 00004 get the system roles and the
// default matrix, as tenants created afterwards do.
func TestRolesBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, p := migratedTo(t, 3)
	id := uuid.New()
	if err := store.DB().Exec(`INSERT INTO tenants (id, slug, name, is_active, default_locale, locales, settings, created_at, updated_at)
		VALUES (?, 'old', 'Old', true, 'en', '["en"]', '{}', ?, ?)`, id, time.Now(), time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var roles, rules int64
	store.DB().Table("roles").Where("tenant_id = ? AND is_system", id).Count(&roles)
	store.DB().Table("casbin_rule").Where("ptype = 'p' AND v1 = ?", id.String()).Count(&rules)
	want := 0
	for _, perms := range models.DefaultMatrix {
		want += len(perms)
	}
	if roles != 3 || rules != int64(want) {
		t.Fatalf("backfilled %d roles and %d rules, want 3 and %d", roles, rules, want)
	}
}

// TestVersionsBackfill: rows that existed before migration 00008 get version 1, as new rows
// do, so a form loaded from them can be saved.
func TestVersionsBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, p := migratedTo(t, 7)
	tenant, user, node, role := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	now := time.Now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, slug, name, is_active, default_locale, locales, settings, created_at, updated_at)
			VALUES (?, 'old', 'Old', true, 'en', '["en"]', '{}', ?, ?)`, []any{tenant, now, now}},
		{`INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at)
			VALUES (?, 'old@example.com', 'Old', 'x', 'active', ?, ?)`, []any{user, now, now}},
		{`INSERT INTO nodes (id, tenant_id, kind, status, author_id, position, created_at, updated_at)
			VALUES (?, ?, 'post', 'draft', ?, 0, ?, ?)`, []any{node, tenant, user, now, now}},
		{`INSERT INTO roles (id, tenant_id, name, description, is_system, created_at, updated_at)
			VALUES (?, ?, 'editor', '', false, ?, ?)`, []any{role, tenant, now, now}},
	} {
		if err := store.DB().Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table, where string
		arg          any
	}{
		{"tenants", "id = ?", tenant}, {"users", "id = ?", user}, {"nodes", "id = ?", node},
		{"roles", "id = ?", role},
	} {
		var versions []int
		if err := store.DB().Table(c.table).Where(c.where, c.arg).Pluck("version", &versions).Error; err != nil {
			t.Fatalf("%s: %v", c.table, err)
		}
		if len(versions) == 0 {
			t.Fatalf("%s: no rows", c.table)
		}
		for _, v := range versions {
			if v != 1 {
				t.Errorf("%s: version %d after the migration, want 1", c.table, v)
			}
		}
	}
}

// TestFoldTitlesBackfill: migration 00009 (Go, both flavours) re-folds the titles stored with
// the lowercasing of 00007, so an old "Größte" is found by "GRÖSSTE" like a new one; Down goes back.
func TestFoldTitlesBackfill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, p := migratedTo(t, 8)
	tenant, user, node := uuid.New(), uuid.New(), uuid.New()
	now := time.Now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO tenants (id, slug, name, is_active, default_locale, locales, settings, created_at, updated_at, version)
			VALUES (?, 'old', 'Old', true, 'en', '["en"]', '{}', ?, ?, 1)`, []any{tenant, now, now}},
		{`INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at, version)
			VALUES (?, 'old@example.com', 'Old', 'x', 'active', ?, ?, 1)`, []any{user, now, now}},
		{`INSERT INTO nodes (id, tenant_id, kind, status, author_id, position, created_at, updated_at, version)
			VALUES (?, ?, 'post', 'draft', ?, 0, ?, ?, 1)`, []any{node, tenant, user, now, now}},
		{`INSERT INTO node_translations (id, node_id, tenant_id, kind, locale, title, title_search, slug, created_at, updated_at)
			VALUES (?, ?, ?, 'post', 'en', 'Die Größte', 'die größte', 'die-groesste', ?, ?)`, []any{uuid.New(), node, tenant, now, now}},
	} {
		if err := store.DB().Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	search := func() string {
		var s string
		if err := store.DB().Raw("SELECT title_search FROM node_translations WHERE node_id = ?", node).Scan(&s).Error; err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if got := search(); got != "die grösste" {
		t.Errorf("title_search %q after 00009, want %q", got, "die grösste")
	}
	if _, err := p.DownTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if got := search(); got != "die größte" {
		t.Errorf("title_search %q after rolling 00009 back, want %q", got, "die größte")
	}
}

// migratedTo returns a fresh database with the migrations up to version applied, and the
// provider to apply the rest.
func migratedTo(t *testing.T, version int64) (*models.Store, *goose.Provider) {
	t.Helper()
	store, _ := testkit.NewEmptyDB(t)
	sqlDB, _ := store.DB().DB()
	p, err := migrations.NewProvider(sqlDB, store.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return store, p
}
