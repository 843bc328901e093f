package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// staleErr fails the test unless err is a *StaleError matching ErrStale, and returns it.
func staleErr(t *testing.T, err error) *models.StaleError {
	t.Helper()
	var se *models.StaleError
	if !errors.Is(err, models.ErrStale) || !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *StaleError", err)
	}
	return se
}

// versionedForm is one of the four update paths, seen as a form: save a value of one field
// from a form loaded at a version (nil: no form), and read that field and the version back.
type versionedForm struct {
	name  string
	save  func(version *int, value string) error
	read  func() (string, int)
	field models.ChangedField // how a refusal names the field
}

func TestStaleSavesAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	ann := testkit.User(t, store).Name("Ann").Create()
	asAnn := events.WithActor(ctx, ann.ID)

	other := testkit.Tenant(t, store).Create()
	u := testkit.User(t, store).Create()
	r, err := store.CreateRole(ctx, tn.ID, "editor", "")
	if err != nil {
		t.Fatal(err)
	}
	n := testkit.Node(t, store, tn).Translation("en", "Title", "").Create()
	forms := []versionedForm{
		{"a tenant", func(v *int, value string) error {
			_, err := store.UpdateTenant(asAnn, other.ID, models.TenantUpdate{Name: &value, Version: v})
			return err
		}, func() (string, int) {
			got, _ := store.TenantByID(ctx, other.ID)
			return got.Name, got.Version
		}, models.ChangedField{Name: "name"}},
		{"a user", func(v *int, value string) error {
			_, err := store.UpdateUser(asAnn, u.ID, models.UserUpdate{Name: &value, Version: v})
			return err
		}, func() (string, int) {
			got, _ := store.UserByID(ctx, u.ID)
			return got.Name, got.Version
		}, models.ChangedField{Name: "name"}},
		{"a role", func(v *int, value string) error {
			_, err := store.UpdateRole(asAnn, tn.ID, "editor", models.RoleUpdate{Description: &value, Version: v})
			return err
		}, func() (string, int) {
			got, _ := store.RoleByID(ctx, tn.ID, r.ID)
			return got.Description, got.Version
		}, models.ChangedField{Name: "description"}},
		{"a node", func(v *int, value string) error {
			_, err := store.UpdateNode(asAnn, tn, n.ID, models.NodeInput{Version: v,
				Translations: []models.TranslationInput{{Locale: "en", Title: "Title", Excerpt: value}}})
			return err
		}, func() (string, int) {
			got, _ := store.NodeByID(ctx, tn.ID, n.ID)
			return got.Translation("en").Excerpt, got.Version
		}, models.ChangedField{Name: "excerpt", Locale: "en"}},
	}
	for _, f := range forms {
		t.Run(f.name+": a save from the loaded version bumps it; a second save from that version is refused and names the first", func(t *testing.T) {
			if _, v := f.read(); v != 1 {
				t.Fatalf("a new row has version %d, want 1", v)
			}
			if err := f.save(ptr(1), "first"); err != nil {
				t.Fatal(err)
			}
			if got, v := f.read(); got != "first" || v != 2 {
				t.Fatalf("after the first save: %q at version %d", got, v)
			}
			rec := testkit.Events(t, store)
			se := staleErr(t, f.save(ptr(1), "second"))
			if se.Loaded != 1 || se.Current != 2 || len(se.Changes) != 1 {
				t.Fatalf("refusal %+v", se)
			}
			ch := se.Changes[0]
			if ch.ActorID == nil || *ch.ActorID != ann.ID || !slices.Contains(ch.Fields, f.field) || ch.At.IsZero() {
				t.Errorf("change %+v, want Ann's, naming %+v", ch, f.field)
			}
			if got, v := f.read(); got != "first" || v != 2 || len(rec.Types(t)) != 0 {
				t.Errorf("the refused save wrote: %q at version %d, events %v", got, v, rec.Types(t))
			}
			if err := f.save(ptr(2), "third"); err != nil {
				t.Fatalf("a save from the current version: %v", err)
			}
			if err := f.save(nil, "fourth"); err != nil {
				t.Fatalf("a save without a form: %v", err)
			}
			if got, v := f.read(); got != "fourth" || v != 4 {
				t.Errorf("after saves without a check: %q at version %d, want fourth at 4", got, v)
			}
			if se := staleErr(t, f.save(ptr(0), "no version")); len(se.Changes) != 0 {
				t.Errorf("a form without a version names changes: %+v", se.Changes)
			}
		})
	}
}

func TestVersionedWriteLosesToAnEarlierCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Name("Before").Create()
	ann := testkit.User(t, store).Create()

	// Two writers read version 1; Ann's write commits first; the other one then writes what it
	// read: its conditional UPDATE matches no row.
	read, err := store.TenantByID(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	name := "Ann's"
	if _, err := store.UpdateTenant(events.WithActor(ctx, ann.ID), tn.ID, models.TenantUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	read.Name = "Lost"
	se := staleErr(t, store.SaveTenantAsRead(ctx, read))
	if se.Loaded != 1 || se.Current != 2 || len(se.Changes) != 1 || *se.Changes[0].ActorID != ann.ID {
		t.Errorf("refusal %+v", se)
	}
	if got, _ := store.TenantByID(ctx, tn.ID); got.Name != "Ann's" || got.Version != 2 {
		t.Errorf("stored %q at version %d", got.Name, got.Version)
	}
	if read.Version != 1 {
		t.Errorf("the losing row says version %d, want the 1 it read", read.Version)
	}
}

func TestWritesThatBumpTheVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	tn := testkit.Tenant(t, store).Create()
	nodeVersion := func(id uuid.UUID) int {
		n, err := store.NodeByID(ctx, tn.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return n.Version
	}

	t.Run("workflow moves, one by one or in bulk, and detaching subpages bump nodes", func(t *testing.T) {
		n := testkit.Node(t, store, tn).Translation("en", "Moves", "").Create()
		if _, err := store.TransitionNode(ctx, tn, n.ID, models.NodePublished); err != nil {
			t.Fatal(err)
		}
		if _, err := store.BulkTransition(ctx, tn, []uuid.UUID{n.ID}, models.NodeArchived); err != nil {
			t.Fatal(err)
		}
		if v := nodeVersion(n.ID); v != 3 {
			t.Errorf("version %d after two moves, want 3", v)
		}
		parent := testkit.Node(t, store, tn).Kind(models.NodePage).Create()
		child := testkit.Node(t, store, tn).Kind(models.NodePage).Parent(parent.ID).Create()
		if err := store.DeleteNode(ctx, tn, parent.ID); err != nil {
			t.Fatal(err)
		}
		if v := nodeVersion(child.ID); v != 2 {
			t.Errorf("subpage version %d after its parent was deleted, want 2", v)
		}
	})

	t.Run("a save that changes nothing keeps the version", func(t *testing.T) {
		n := testkit.Node(t, store, tn).Translation("en", "Same", "").Create()
		if _, err := store.UpdateNode(ctx, tn, n.ID, models.NodeInput{Version: ptr(1), Translations: []models.TranslationInput{{Locale: "en", Title: "Same"}}}); err != nil {
			t.Fatal(err)
		}
		if v := nodeVersion(n.ID); v != 1 {
			t.Errorf("version %d", v)
		}
	})

	t.Run("activation bumps a tenant", func(t *testing.T) {
		other := testkit.Tenant(t, store).Inactive().Create()
		if got, _ := store.TenantByID(ctx, other.ID); got.Version != 2 {
			t.Errorf("version %d after deactivation, want 2", got.Version)
		}
	})

	t.Run("signing in, a new password and a role leave a user's version alone: the user form shows none of them", func(t *testing.T) {
		u := testkit.User(t, store).WithRole(tn, "customer").Create()
		if _, err := store.Authenticate(ctx, u.Email, u.Password, models.Client{}); err != nil {
			t.Fatal(err)
		}
		if err := store.ChangePassword(ctx, u.ID, "another long password"); err != nil {
			t.Fatal(err)
		}
		if err := store.AssignRole(ctx, u.ID, "manager", tn.ID.String()); err != nil {
			t.Fatal(err)
		}
		if got, _ := store.UserByID(ctx, u.ID); got.Version != 1 {
			t.Errorf("version %d, want 1", got.Version)
		}
	})
}
