package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// Findings of a security review, kept as tests.
func TestSecurityReviewFindings(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin := testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	base := "/t/" + tn.Slug

	t.Run("next cannot point off-site through a tab or a backslash", func(t *testing.T) {
		for _, evil := range []string{"/\t/evil.com", "/\n/evil.com", "/\\evil.com"} {
			c := testkit.Client(t, app)
			res := c.PostForm("/login", url.Values{"email": {admin.Email}, "password": {admin.Password}, "next": {evil}})
			if res.Location() != "/" {
				t.Errorf("next=%q led to %q, want /", evil, res.Location())
			}
		}
	})

	t.Run("a role cannot be named like a user id", func(t *testing.T) {
		c := testkit.Client(t, app).LoginAs(admin)
		c.Get(base + "/roles/new") // the form page carries the session's CSRF token
		res := c.PostForm(base+"/roles", url.Values{"name": {admin.ID.String()}, "from": {"admin"}})
		res.ExpectStatus(http.StatusUnprocessableEntity)
		if _, err := app.Store.RoleByName(t.Context(), tn.ID, admin.ID.String()); err == nil {
			t.Fatal("a role named after a user id was created")
		}
	})

	// A custom role that may manage roles but not users.
	ctx := t.Context()
	if _, err := app.Store.CreateRole(ctx, tn.ID, "role-keeper", "Manages roles only."); err != nil {
		t.Fatal(err)
	}
	for _, p := range []models.Permission{{Resource: "roles", Action: "manage"}} {
		if err := app.Store.SetPermission(ctx, tn.ID, "role-keeper", p, true); err != nil {
			t.Fatal(err)
		}
	}
	keeper := testkit.User(t, app.Store).WithRole(tn, "role-keeper").Create()

	t.Run("the permission grid cannot grant more than the actor holds", func(t *testing.T) {
		c := testkit.Client(t, app).LoginAs(keeper)
		c.Get(base + "/roles/role-keeper")
		c.PostForm(base+"/roles/role-keeper/permissions", url.Values{"resource": {"users"}, "action": {"manage"}, "granted": {"true"}}).
			ExpectStatus(http.StatusUnprocessableEntity)
		perms, _ := app.Store.PermissionsOf(ctx, tn.ID, "role-keeper")
		for _, p := range perms {
			if p.Resource == "users" {
				t.Fatalf("the grid granted %v", p)
			}
		}
	})
}

func TestAnonymousTenantHeaderIsIgnored(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	testkit.Tenant(t, app.Store).Slug("hidden").Create()
	for _, v := range []string{"hidden", "no-such-tenant"} {
		c := testkit.Client(t, app)
		c.Header.Set("X-Tenant-ID", v)
		c.Get("/login").ExpectStatus(http.StatusOK) // same answer whether or not the tenant exists
	}
}
