package models_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestNamesAnswersEveryKindInOneStatementAndOnlyInTheTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Name("Acme").Locales("en", "de").Create()
	other := testkit.Tenant(t, store).Name("Other").Create()
	ann := testkit.User(t, store).Name("Ann").WithRole(tn, "admin").Create()
	role, err := store.RoleByName(ctx, tn.ID, "manager")
	if err != nil {
		t.Fatal(err)
	}
	otherRole, err := store.RoleByName(ctx, other.ID, "manager")
	if err != nil {
		t.Fatal(err)
	}
	both := testkit.Node(t, store, tn).Author(ann.ID).Translation("de", "Sommer", "").Translation("en", "Summer", "").Create()
	germanOnly := testkit.Node(t, store, tn).Author(ann.ID).Translation("de", "Nur Deutsch", "").Create()
	elsewhere := testkit.Node(t, store, other).Author(ann.ID).Translation(other.DefaultLocale, "Not yours", "").Create()

	sql := testkit.CountStatements(t, store)
	sql.Start()
	names, err := store.Names(ctx, models.NameQuery{TenantID: &tn.ID,
		Users:   []uuid.UUID{ann.ID, uuid.New()},
		Tenants: []uuid.UUID{tn.ID, other.ID},
		Roles:   []uuid.UUID{role.ID, otherRole.ID},
		Nodes:   []uuid.UUID{both.ID, germanOnly.ID, elsewhere.ID}})
	if n := len(sql.Stop()); n != 1 {
		t.Errorf("%d statements, want 1", n)
	}
	if err != nil {
		t.Fatal(err)
	}
	if u := names.Users[ann.ID]; u.Name != "Ann" || u.Email != ann.Email || len(names.Users) != 1 {
		t.Errorf("users %v", names.Users)
	}
	if names.Tenants[tn.ID] != "Acme" || names.Tenants[other.ID] != "Other" {
		t.Errorf("tenants %v", names.Tenants)
	}
	if names.Roles[role.ID] != "manager" || len(names.Roles) != 1 {
		t.Errorf("roles %v: another tenant's role must not be named", names.Roles)
	}
	for _, c := range []struct {
		id           uuid.UUID
		prefer, want string
		wantFound    bool
		what         string
	}{
		{both.ID, "en", "Summer", true, "the preferred locale"},
		{both.ID, "", "Sommer", true, "the first locale by name"},
		{germanOnly.ID, "en", "Nur Deutsch", true, "a fallback"},
		{elsewhere.ID, "", "", false, "another tenant's node"},
	} {
		if got, ok := names.NodeTitle(c.id, c.prefer); got != c.want || ok != c.wantFound {
			t.Errorf("%s: %q %v, want %q %v", c.what, got, ok, c.want, c.wantFound)
		}
	}

	sql.Start()
	empty, err := store.Names(ctx, models.NameQuery{})
	if n := len(sql.Stop()); err != nil || n != 0 || len(empty.Users) != 0 {
		t.Errorf("an empty query: %d statements, %v", n, err)
	}
}
