package authz_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

func TestDefaultMatrix(t *testing.T) {
	t.Parallel()
	store := testkit.NewDB(t)
	ctx := context.Background()
	tn := testkit.Tenant(t, store).Create()
	other := testkit.Tenant(t, store).Create()
	users := map[string]testkit.FixtureUser{
		"admin":    testkit.User(t, store).WithRole(tn, "admin").Create(),
		"manager":  testkit.User(t, store).WithRole(tn, "manager").Create(),
		"customer": testkit.User(t, store).WithRole(tn, "customer").Create(),
		"outsider": testkit.User(t, store).WithRole(other, "admin").Create(),
		"nobody":   testkit.User(t, store).Create(),
		"super":    testkit.User(t, store).SuperAdmin().Create(),
	}
	e, err := authz.New(store.DB(), 0)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user string
		perm authz.Perm
		want bool
	}{
		{"admin", authz.Perm{"users", "delete"}, true},
		{"admin", authz.Perm{"roles", "update"}, true},
		{"admin", authz.Perm{"tenants", "list"}, false},
		{"manager", authz.Perm{"nodes", "publish"}, true},
		{"manager", authz.Perm{"inventory", "update"}, true},
		{"manager", authz.Perm{"inventory", "delete"}, false},
		{"manager", authz.Perm{"users", "read"}, true},
		{"manager", authz.Perm{"users", "update"}, false},
		{"manager", authz.Perm{"events", "list"}, true},
		{"manager", authz.Perm{"roles", "list"}, false},
		{"customer", authz.Perm{"products", "read"}, true},
		{"customer", authz.Perm{"products", "update"}, false},
		{"customer", authz.Perm{"events", "list"}, false},
		{"outsider", authz.Perm{"nodes", "list"}, false},
		{"nobody", authz.Perm{"nodes", "list"}, false},
		{"super", authz.Perm{"nodes", "delete"}, true},
		{"super", authz.Perm{"tenants", "create"}, true},
	}
	for _, tc := range cases {
		for i := 0; i < 2; i++ { // the second answer comes from the memo
			got, err := e.Allowed(ctx, users[tc.user].ID, tn.ID.String(), tc.perm)
			if err != nil || got != tc.want {
				t.Errorf("%s %s in the tenant: %v (%v), want %v", tc.user, tc.perm, got, err, tc.want)
			}
		}
	}
	for name, want := range map[string]bool{"super": true, "admin": false, "nobody": false} {
		if got, _ := e.Allowed(ctx, users[name].ID, authz.Platform, authz.Perm{"tenants", "list"}); got != want {
			t.Errorf("%s tenants:list on the platform: %v, want %v", name, got, want)
		}
	}

	// A new rule is seen after Forget, not before: decisions are memoised until an event drops them.
	rule := models.CasbinRule{Ptype: "p", V0: "customer", V1: tn.ID.String(), V2: "events", V3: "list"}
	if err := store.DB().Create(&rule).Error; err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Allowed(ctx, users["customer"].ID, tn.ID.String(), authz.Perm{"events", "list"}); got {
		t.Fatal("a memoised decision changed without Forget")
	}
	e.Forget(tn.ID.String())
	if got, _ := e.Allowed(ctx, users["customer"].ID, tn.ID.String(), authz.Perm{"events", "list"}); !got {
		t.Fatal("after Forget the new permission is not seen")
	}
}

func TestVocabulary(t *testing.T) {
	t.Parallel()
	// DESIGN.md's resources and actions; a tenant's roles get every resource but "tenants".
	if len(authz.Resources) != 8 || len(authz.Actions) != 9 || authz.Actions[len(authz.Actions)-1] != "manage" {
		t.Fatalf("vocabulary: %v %v", authz.Resources, authz.Actions)
	}
	if slices.Contains(authz.TenantResources, "tenants") || len(authz.TenantResources) != len(authz.Resources)-1 {
		t.Fatalf("tenant resources: %v", authz.TenantResources)
	}
}
