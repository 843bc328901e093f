package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestTimeZoneLocationAcceptsIANANamesOnly(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"UTC", "Europe/Berlin", "Asia/Tokyo", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "America/Port-au-Prince", "Asia/Calcutta"} {
		t.Run(name+" is a time zone", func(t *testing.T) {
			loc, err := models.TimeZoneLocation(name)
			if err != nil || loc == nil || loc.String() != name {
				t.Fatalf("TimeZoneLocation(%q) = %v, %v; want the zone", name, loc, err)
			}
		})
	}
	for _, name := range []string{"", "Local", "Mars/Olympus_Mons", "europe/berlin", "../../etc/passwd", "/usr/share/zoneinfo/UTC",
		"Europe/Berlin ", "Europe//Berlin", "<script>", strings.Repeat("A", models.MaxTimeZoneLength+1)} {
		t.Run("“"+name+"” is refused on the field time_zone", func(t *testing.T) {
			loc, err := models.TimeZoneLocation(name)
			if loc != nil {
				t.Fatalf("TimeZoneLocation(%q) = %v, want nil", name, loc)
			}
			msg := validationFields(t, err)["time_zone"]
			if !errors.Is(err, models.ErrInvalid) || !strings.Contains(msg, "Europe/Berlin") {
				t.Fatalf("TimeZoneLocation(%q): %v; want ErrInvalid naming an example zone", name, err)
			}
		})
	}
}

func TestSetUserTimeZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testkit.NewDB(t)
	acme := testkit.Tenant(t, store).Create()
	globex := testkit.Tenant(t, store).Create()
	u := testkit.User(t, store).WithRole(acme, "manager").WithRole(globex, "customer").Create()

	t.Run("a new user has no zone, so pages show UTC", func(t *testing.T) {
		got, err := store.UserByID(ctx, u.ID)
		if err != nil || got.TimeZone != nil || got.Location() != nil {
			t.Fatalf("new user: time zone %v, location %v, err %v; want none", got.TimeZone, got.Location(), err)
		}
	})

	t.Run("a valid zone is stored, without an event, a version bump or a new updated_at", func(t *testing.T) {
		before, _ := store.UserByID(ctx, u.ID)
		rec := testkit.Events(t, store)
		changed, err := store.SetUserTimeZone(ctx, u.ID, " Europe/Berlin ")
		if err != nil || !changed {
			t.Fatalf("SetUserTimeZone = %v, %v; want changed", changed, err)
		}
		got, _ := store.UserByID(ctx, u.ID)
		if got.TimeZone == nil || *got.TimeZone != "Europe/Berlin" || got.Location().String() != "Europe/Berlin" {
			t.Fatalf("stored zone %v, location %v; want Europe/Berlin", got.TimeZone, got.Location())
		}
		if got.Version != before.Version || !got.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("version %d → %d, updated_at %v → %v; want both unchanged", before.Version, got.Version, before.UpdatedAt, got.UpdatedAt)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Errorf("storing the zone emitted %v, want nothing", types)
		}
	})

	t.Run("reporting the same zone again changes nothing", func(t *testing.T) {
		changed, err := store.SetUserTimeZone(ctx, u.ID, "Europe/Berlin")
		if err != nil || changed {
			t.Fatalf("SetUserTimeZone again = %v, %v; want unchanged", changed, err)
		}
	})

	t.Run("the zone is the person's: the same in every tenant they belong to", func(t *testing.T) {
		for _, tn := range []*models.Tenant{acme, globex} {
			tu, err := store.TenantUserByID(ctx, tn.ID, u.ID)
			if err != nil || tu.TimeZone == nil || *tu.TimeZone != "Europe/Berlin" {
				t.Errorf("in tenant %s: zone %v, err %v; want Europe/Berlin", tn.Slug, tu.TimeZone, err)
			}
		}
	})

	t.Run("a new zone replaces the old one", func(t *testing.T) {
		if changed, err := store.SetUserTimeZone(ctx, u.ID, "Asia/Tokyo"); err != nil || !changed {
			t.Fatalf("SetUserTimeZone(Asia/Tokyo) = %v, %v; want changed", changed, err)
		}
		if got, _ := store.UserByID(ctx, u.ID); got.Location().String() != "Asia/Tokyo" {
			t.Fatalf("zone %v after the move, want Asia/Tokyo", got.TimeZone)
		}
	})

	t.Run("garbage is refused and the stored zone kept", func(t *testing.T) {
		_, err := store.SetUserTimeZone(ctx, u.ID, "Mars/Olympus_Mons")
		if msg := validationFields(t, err)["time_zone"]; !strings.Contains(msg, "“Mars/Olympus_Mons” is not a time zone") {
			t.Errorf("message %q", msg)
		}
		if got, _ := store.UserByID(ctx, u.ID); got.TimeZone == nil || *got.TimeZone != "Asia/Tokyo" {
			t.Errorf("zone %v after a refused one, want Asia/Tokyo kept", got.TimeZone)
		}
	})

	t.Run("an unknown user is not found", func(t *testing.T) {
		if _, err := store.SetUserTimeZone(ctx, uuid.Must(uuid.NewV7()), "Asia/Tokyo"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("SetUserTimeZone(unknown user) = %v, want ErrNotFound", err)
		}
	})
}
