package models_test

import (
	"sync"
	"testing"

	"gorm.io/gorm/schema"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// allModels lists every GORM model; add a new model here and the test checks its columns.
var allModels = []any{&models.Tenant{}, &models.User{}, &models.CasbinRule{}, &models.Role{}, &models.PasswordToken{}, &models.Node{}, &models.NodeTranslation{}, &events.Row{}}

// TestModelsMatchMigratedSchema fails when a model field has no column in the migrated
// database, so a model change without its migration is caught before it reaches a query.
func TestModelsMatchMigratedSchema(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	db := store.DB()
	for _, m := range allModels {
		s, err := schema.Parse(m, &sync.Map{}, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(s.Table, func(t *testing.T) {
			if !db.Migrator().HasTable(s.Table) {
				t.Fatalf("model %s: table %q does not exist after migrations", s.Name, s.Table)
			}
			cols, err := db.Migrator().ColumnTypes(s.Table)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, c := range cols {
				have[c.Name()] = true
			}
			for _, f := range s.Fields {
				if f.DBName != "" && !have[f.DBName] {
					t.Errorf("model %s field %s: no column %q in table %q", s.Name, f.Name, f.DBName, s.Table)
				}
			}
		})
	}
}
