package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/rustok/rustok-admin/internal/authz"
	"github.com/rustok/rustok-admin/internal/events"
	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// rolesClient signs in a new user holding role in the tenant and opens the roles page, so the
// client holds the CSRF token of its signed-in session.
func rolesClient(t *testing.T, app *testkit.TestApp, tn *models.Tenant, role string) (*testkit.HTTPClient, testkit.FixtureUser) {
	t.Helper()
	c, u := testkit.ClientAs(t, app, tn, role)
	c.Get("/t/" + tn.Slug + "/roles").ExpectStatus(http.StatusOK)
	return c, u
}

// customRole creates a role in the tenant with the permissions ("resource:action").
func customRole(t *testing.T, app *testkit.TestApp, tn *models.Tenant, name string, perms ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := app.Store.CreateRole(ctx, tn.ID, name, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range perms {
		res, act, _ := strings.Cut(p, ":")
		if err := app.Store.SetPermission(ctx, tn.ID, name, models.Permission{Resource: res, Action: act}, true); err != nil {
			t.Fatal(err)
		}
	}
}

// htmxPost posts a form the way htmx does: HX-Request and the CSRF token as a header.
func htmxPost(c *testkit.HTTPClient, path string, form url.Values) *testkit.Response {
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.CSRFToken())
	return c.Do(req)
}

// toggle is the body a grid checkbox sends.
func toggle(resource, action string, granted bool) url.Values {
	g := "false"
	if granted {
		g = "true"
	}
	return url.Values{"resource": {resource}, "action": {action}, "granted": {g}}
}

// cellState describes a grid checkbox: "on", "off", "implied" (checked and disabled by the
// row's manage) or "" when it is missing; "+ro" is added when it is disabled otherwise.
func cellState(res *testkit.Response, resource, action string) string {
	s := res.TestID("perm-" + resource + "-" + action)
	if s.Length() != 1 {
		return ""
	}
	_, checked := s.Attr("checked")
	_, disabled := s.Attr("disabled")
	_, implied := s.Attr("data-implied")
	switch {
	case implied && checked && disabled:
		return "implied"
	case checked && disabled:
		return "on+ro"
	case checked:
		return "on"
	case disabled:
		return "off+ro"
	}
	return "off"
}

// permissionsOf reads a role's permissions as "resource:action".
func permissionsOf(t *testing.T, app *testkit.TestApp, tn *models.Tenant, role string) []string {
	t.Helper()
	perms, err := app.Store.PermissionsOf(context.Background(), tn.ID, role)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range perms {
		out = append(out, p.Resource+":"+p.Action)
	}
	return out
}

func TestRolesList(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	customRole(t, app, tn, "auditor", "events:list")
	admin, _ := rolesClient(t, app, tn, "admin")

	t.Run("an admin sees the system roles with their member counts, then custom roles", func(t *testing.T) {
		res := admin.Get("/t/" + tn.Slug + "/roles").ExpectStatus(http.StatusOK)
		var got []string
		res.TestID("role-row").Each(func(_ int, s *goquery.Selection) {
			name := strings.TrimSpace(s.Find(`[data-testid="role-name"]`).Text())
			members := strings.TrimSpace(s.Find(`[data-testid="role-members"]`).Text())
			system := s.Find(`[data-testid="role-system"]`).Length() == 1
			href, _ := s.Find(`[data-testid="role-name"]`).Attr("href")
			if href != "/t/"+tn.Slug+"/roles/"+name {
				t.Errorf("%s links to %q", name, href)
			}
			row := name + " " + members
			if system {
				row += " system"
			}
			got = append(got, row)
		})
		want := []string{"admin 1 system", "customer 0 system", "manager 2 system", "auditor 0"}
		if !slices.Equal(got, want) {
			t.Fatalf("rows %q, want %q", got, want)
		}
		if res.TestID("new-role").Length() != 1 || res.TestID("nav-roles").Length() != 1 {
			t.Error("the admin sees no Create role button or no Roles link")
		}
		if !strings.Contains(res.Text("roles-table"), "Manages everything in the tenant.") {
			t.Error("descriptions are missing")
		}
	})

	t.Run("managers and customers may not open the roles and see no link to them", func(t *testing.T) {
		for _, role := range []string{"manager", "customer"} {
			c, _ := testkit.ClientAs(t, app, tn, role)
			c.Get("/t/" + tn.Slug + "/roles").ExpectStatus(http.StatusForbidden)
			c.Get("/t/" + tn.Slug + "/roles/admin").ExpectStatus(http.StatusForbidden)
			if c.Get("/t/"+tn.Slug+"/").TestID("nav-roles").Length() != 0 {
				t.Errorf("%s sees a Roles link", role)
			}
		}
	})
}

func TestRoleCreate(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, adminUser := rolesClient(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/roles"

	t.Run("an admin creates an empty custom role and lands on its page", func(t *testing.T) {
		form := admin.Get(base + "/new").ExpectStatus(http.StatusOK)
		if form.Find(`#role-from option`).Length() != 4 { // "start empty" and the three system roles
			t.Fatalf("clone choices: %q", form.Find("#role-from").Text())
		}
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(base, url.Values{"name": {"content-editor"}, "description": {"Writes posts."}}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != base+"/content-editor" {
			t.Fatalf("redirect to %q", res.Location())
		}
		ev := rec.Emitted(t, "role.created")[0].(*events.RoleCreated)
		if ev.Name != "content-editor" || ev.System || len(ev.Permissions) != 0 {
			t.Fatalf("payload %+v", ev)
		}
		if row := rec.Rows(t)[0]; row.ActorID == nil || *row.ActorID != adminUser.ID {
			t.Fatalf("actor %v, want the admin", row.ActorID)
		}
		page := admin.Get(res.Location()).ExpectStatus(http.StatusOK)
		if !strings.Contains(page.Text("flash-message"), "content-editor created") || page.Text("page-title") != "content-editor" {
			t.Fatalf("flash %q title %q", page.Text("flash-message"), page.Text("page-title"))
		}
		if cellState(page, "nodes", "list") != "off" {
			t.Fatalf("nodes:list is %q on a new role", cellState(page, "nodes", "list"))
		}
	})

	t.Run("a bad or taken name re-renders the form with 422 and the input kept", func(t *testing.T) {
		for _, tc := range []struct{ name, want string }{
			{"Content Editor", "lowercase"},
			{"", "Enter a name"},
			{"super_admin", "reserved"},
			{"manager", "already exists"},
		} {
			rec := testkit.Events(t, app.Store)
			res := admin.PostForm(base, url.Values{"name": {tc.name}, "description": {"kept"}, "from": {"customer"}}).
				ExpectStatus(http.StatusUnprocessableEntity)
			if msg := res.Text("role-name-error"); !strings.Contains(msg, tc.want) {
				t.Errorf("name %q: error %q, want it to say %q", tc.name, msg, tc.want)
			}
			if inputValue(res, "role-name") != tc.name || inputValue(res, "role-description") != "kept" ||
				res.Find(`#role-from option[selected]`).AttrOr("value", "") != "customer" {
				t.Errorf("name %q: the input was not kept", tc.name)
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("name %q: events %v", tc.name, got)
			}
		}
	})

	t.Run("cloning copies the permissions of the source role", func(t *testing.T) {
		admin.Get(base + "/manager").ExpectStatus(http.StatusOK).TestID("clone-role").Each(func(_ int, s *goquery.Selection) {
			if href, _ := s.Attr("href"); href != base+"/new?from=manager" {
				t.Errorf("Clone links to %q", href)
			}
		})
		if admin.Get(base+"/new?from=manager").Find(`#role-from option[selected]`).AttrOr("value", "") != "manager" {
			t.Error("?from= does not preselect the source")
		}
		res := admin.PostForm(base, url.Values{"name": {"shift-lead"}, "from": {"manager"}}).ExpectStatus(http.StatusSeeOther)
		if got, want := permissionsOf(t, app, tn, "shift-lead"), permissionsOf(t, app, tn, "manager"); !slices.Equal(got, want) {
			t.Fatalf("clone has %v, want %v", got, want)
		}
		page := admin.Get(res.Location()).ExpectStatus(http.StatusOK)
		if cellState(page, "nodes", "publish") != "on" || cellState(page, "inventory", "update") != "on" || cellState(page, "roles", "list") != "off" {
			t.Fatal("the clone's grid does not show the manager's permissions")
		}
		admin.PostForm(base, url.Values{"name": {"copy"}, "from": {"ghost"}}).ExpectStatus(http.StatusUnprocessableEntity)
	})
}

func TestRoleRenameAndDelete(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := rolesClient(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/roles"
	customRole(t, app, tn, "auditor", "events:list")
	member, memberUser := testkit.ClientAs(t, app, tn, "auditor")
	member.Get("/t/" + tn.Slug + "/events").ExpectStatus(http.StatusOK)

	t.Run("renaming keeps the members' access under the new name and emits role.updated", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(base+"/auditor", url.Values{"version": {versionOf(app, "roles", "tenant_id = ? AND name = ?", tn.ID, "auditor")}, "name": {"reviewer"}}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != base+"/reviewer" {
			t.Fatalf("redirect to %q", res.Location())
		}
		ev := rec.Emitted(t, "role.updated")[0].(*events.RoleUpdated)
		if ch := ev.Changes["name"]; ch.Old != "auditor" || ch.New != "reviewer" {
			t.Fatalf("changes %+v", ev.Changes)
		}
		member.Get("/t/" + tn.Slug + "/events").ExpectStatus(http.StatusOK)
		if roles, _ := app.Store.RolesIn(context.Background(), memberUser.ID, tn.ID); !slices.Equal(roles, []string{"reviewer"}) {
			t.Fatalf("member's roles %v", roles)
		}
		admin.Get(base + "/auditor").ExpectStatus(http.StatusNotFound)
		page := admin.Get(base + "/reviewer").ExpectStatus(http.StatusOK)
		if page.Text("role-members") != "1 member" || cellState(page, "events", "list") != "on" {
			t.Fatalf("members %q, events:list %q", page.Text("role-members"), cellState(page, "events", "list"))
		}
	})

	t.Run("a bad or taken name re-renders the page with 422", func(t *testing.T) {
		res := admin.PostForm(base+"/reviewer", url.Values{"version": {versionOf(app, "roles", "tenant_id = ? AND name = ?", tn.ID, "reviewer")}, "name": {"manager"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("role-name-error"), "already exists") || inputValue(res, "role-name") != "manager" {
			t.Fatalf("error %q, value %q", res.Text("role-name-error"), inputValue(res, "role-name"))
		}
	})

	t.Run("system roles cannot be renamed or deleted; the page says so", func(t *testing.T) {
		page := admin.Get(base + "/manager").ExpectStatus(http.StatusOK)
		if page.TestID("rename-form").Length() != 0 || page.TestID("delete-form").Length() != 0 || page.TestID("system-role-note").Length() != 1 {
			t.Fatal("a system role offers rename or delete")
		}
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(base+"/manager", url.Values{"version": {versionOf(app, "roles", "tenant_id = ? AND name = ?", tn.ID, "manager")}, "name": {"staff"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "System roles cannot be renamed") {
			t.Fatalf("rename refusal %q", res.Text("flash"))
		}
		res = admin.PostForm(base+"/manager/delete", url.Values{}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "System roles cannot be deleted") {
			t.Fatalf("delete refusal %q", res.Text("flash"))
		}
		admin.Get(base + "/manager").ExpectStatus(http.StatusOK)
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})

	t.Run("deleting a custom role, after a confirmation, takes its members' access away", func(t *testing.T) {
		page := admin.Get(base + "/reviewer").ExpectStatus(http.StatusOK)
		if confirm, _ := page.TestID("delete-form").Attr("data-confirm"); !strings.Contains(confirm, "Delete the role reviewer?") || !strings.Contains(confirm, "1 member") {
			t.Fatalf("data-confirm %q", confirm)
		}
		rec := testkit.Events(t, app.Store)
		res := admin.PostForm(base+"/reviewer/delete", url.Values{}).ExpectStatus(http.StatusSeeOther)
		if res.Location() != base {
			t.Fatalf("redirect to %q", res.Location())
		}
		if got := rec.Types(t); !slices.Equal(got, []string{"role.deleted", "user.role_revoked"}) {
			t.Fatalf("events %v", got)
		}
		if list := admin.Get(base); !strings.Contains(list.Text("flash-message"), "reviewer deleted") || list.Find(`[data-role="reviewer"]`).Length() != 0 {
			t.Fatalf("flash %q", list.Text("flash-message"))
		}
		member.Get("/t/" + tn.Slug + "/events").ExpectStatus(http.StatusForbidden)
		admin.Get(base + "/reviewer").ExpectStatus(http.StatusNotFound)
	})
}

func TestPermissionGrid(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, adminUser := rolesClient(t, app, tn, "admin")
	customRole(t, app, tn, "auditor")
	member, _ := testkit.ClientAs(t, app, tn, "auditor")
	role := "/t/" + tn.Slug + "/roles/auditor"
	grid := role + "/permissions"
	eventLog := "/t/" + tn.Slug + "/events"

	t.Run("the grid has resources as rows and actions as columns, each checkbox labelled and wired to htmx", func(t *testing.T) {
		page := admin.Get(role).ExpectStatus(http.StatusOK)
		if n := page.Find(`#permission-grid tbody tr`).Length(); n != len(authz.TenantResources) {
			t.Fatalf("%d rows, want %d", n, len(authz.TenantResources))
		}
		if n := page.Find(`#permission-grid thead th[scope="col"]`).Length(); n != len(authz.Actions)+2 {
			t.Fatalf("%d column headers, want resource + %d actions + all", n, len(authz.Actions))
		}
		box := page.TestID("perm-events-list")
		if box.AttrOr("aria-label", "") != "events: list" || box.AttrOr("hx-post", "") != grid ||
			box.AttrOr("hx-target", "") != "#permission-grid" || box.AttrOr("hx-swap", "") != "outerHTML" ||
			box.AttrOr("hx-vals", "") != `{"action":"list","granted":"true","resource":"events"}` || box.AttrOr("name", "") != "" {
			html, _ := goquery.OuterHtml(box)
			t.Fatalf("checkbox %s", html)
		}
		if page.TestID("perm-events-all").AttrOr("aria-label", "") != "events: all actions" ||
			page.TestID("perm-all-list").AttrOr("aria-label", "") != "list: all resources" {
			t.Fatal("row and column toggles are missing or unlabelled")
		}
		if page.TestID("role-history").AttrOr("hx-get", "") == "" {
			t.Fatal("no history fragment")
		}
	})

	t.Run("granting events:list lets the role's member open the event log on the next request", func(t *testing.T) {
		member.Get(eventLog).ExpectStatus(http.StatusForbidden)
		rec := testkit.Events(t, app.Store)
		res := htmxPost(admin, grid, toggle("events", "list", true)).ExpectStatus(http.StatusOK)
		// Only the fragment comes back, and it shows the new state.
		if strings.Contains(string(res.Body), "<html") || res.Find("nav").Length() != 0 || res.Find("body > section#permission-grid").Length() != 1 {
			t.Fatalf("not just the #permission-grid fragment:\n%s", res.Body)
		}
		if cellState(res, "events", "list") != "on" || !strings.Contains(res.Text("grid-notice"), "events: list granted") {
			t.Fatalf("events:list %q, notice %q", cellState(res, "events", "list"), res.Text("grid-notice"))
		}
		if got := res.TestID("perm-events-list").AttrOr("hx-vals", ""); !strings.Contains(got, `"granted":"false"`) {
			t.Fatalf("a checked box must revoke when clicked: %s", got)
		}
		ev := rec.Emitted(t, "role.permission_granted")[0].(*events.RolePermissionGranted)
		if ev.Resource != "events" || ev.Action != "list" {
			t.Fatalf("payload %+v", ev)
		}
		if row := rec.Rows(t)[0]; row.ActorID == nil || *row.ActorID != adminUser.ID || row.TenantID == nil || *row.TenantID != tn.ID {
			t.Fatalf("actor %v tenant %v", row.ActorID, row.TenantID)
		}
		member.Get(eventLog).ExpectStatus(http.StatusOK)
	})

	t.Run("revoking it denies the member again and emits role.permission_revoked", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := htmxPost(admin, grid, toggle("events", "list", false)).ExpectStatus(http.StatusOK)
		if cellState(res, "events", "list") != "off" {
			t.Fatalf("events:list %q", cellState(res, "events", "list"))
		}
		ev := rec.Emitted(t, "role.permission_revoked")[0].(*events.RolePermissionRevoked)
		if ev.Resource != "events" || ev.Action != "list" {
			t.Fatalf("payload %+v", ev)
		}
		member.Get(eventLog).ExpectStatus(http.StatusForbidden)
	})

	t.Run("without htmx a toggle ends with a flash and a redirect to the role", func(t *testing.T) {
		res := admin.PostForm(grid, toggle("nodes", "read", true)).ExpectStatus(http.StatusSeeOther)
		if res.Location() != role {
			t.Fatalf("redirect to %q", res.Location())
		}
		page := admin.Get(role)
		if !strings.Contains(page.Text("flash-message"), "nodes: read granted") || cellState(page, "nodes", "read") != "on" {
			t.Fatalf("flash %q, nodes:read %q", page.Text("flash-message"), cellState(page, "nodes", "read"))
		}
	})

	t.Run("manage shows the rest of its row as implied", func(t *testing.T) {
		res := htmxPost(admin, grid, toggle("products", "manage", true)).ExpectStatus(http.StatusOK)
		if cellState(res, "products", "manage") != "on" {
			t.Fatalf("products:manage %q", cellState(res, "products", "manage"))
		}
		for _, a := range authz.Actions[:len(authz.Actions)-1] {
			if got := cellState(res, "products", a); got != "implied" {
				t.Errorf("products:%s is %q, want implied", a, got)
			}
		}
		if !strings.Contains(res.Text("implied-products"), "implied by manage") {
			t.Errorf("note %q", res.Text("implied-products"))
		}
		if res.TestID("perm-products-all").AttrOr("checked", "x") == "x" {
			t.Error("a managed row's toggle is not checked")
		}
		if cellState(res, "nodes", "list") != "off" {
			t.Error("manage on products implied something on nodes")
		}
	})

	t.Run("a row toggle grants or revokes every action of the resource at once", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := htmxPost(admin, grid, toggle("inventory", "*", true)).ExpectStatus(http.StatusOK)
		if n := len(rec.Emitted(t, "role.permission_granted")); n != len(authz.Actions) {
			t.Fatalf("%d grants, want %d", n, len(authz.Actions))
		}
		if cellState(res, "inventory", "manage") != "on" || cellState(res, "inventory", "list") != "implied" {
			t.Fatal("the row is not all granted")
		}
		res = htmxPost(admin, grid, toggle("inventory", "*", false)).ExpectStatus(http.StatusOK)
		for _, a := range authz.Actions {
			if cellState(res, "inventory", a) != "off" {
				t.Fatalf("inventory:%s is %q after revoking the row", a, cellState(res, "inventory", a))
			}
		}
	})

	t.Run("a column toggle grants or revokes the action on every resource", func(t *testing.T) {
		res := htmxPost(admin, grid, toggle("*", "export", true)).ExpectStatus(http.StatusOK)
		for _, r := range authz.TenantResources {
			if s := cellState(res, r, "export"); s != "on" && s != "implied" {
				t.Fatalf("%s:export is %q", r, s)
			}
		}
		res = htmxPost(admin, grid, toggle("*", "export", false)).ExpectStatus(http.StatusOK)
		if cellState(res, "users", "export") != "off" || cellState(res, "products", "export") != "implied" {
			t.Fatalf("users:export %q, products:export %q", cellState(res, "users", "export"), cellState(res, "products", "export"))
		}
		if !strings.Contains(res.Text("grid-notice"), "still implied by manage on products") {
			t.Fatalf("notice %q", res.Text("grid-notice"))
		}
	})

	t.Run("an unknown permission or a missing granted is a 422 with the grid and the reason", func(t *testing.T) {
		res := htmxPost(admin, grid, toggle("spaceships", "list", true)).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("grid-error"), "Unknown resource") {
			t.Fatalf("error %q", res.Text("grid-error"))
		}
		res = htmxPost(admin, grid, url.Values{"resource": {"nodes"}, "action": {"list"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Text("grid-error") == "" {
			t.Fatal("no reason shown")
		}
		htmxPost(admin, "/t/"+tn.Slug+"/roles/ghost/permissions", toggle("nodes", "list", true)).ExpectStatus(http.StatusNotFound)
	})
}

func TestPermissionGridGuardrailsAndAccess(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := rolesClient(t, app, tn, "admin")
	adminGrid := "/t/" + tn.Slug + "/roles/admin/permissions"

	t.Run("the only role manager cannot revoke roles:manage from admin: 422, the message, nothing changed", func(t *testing.T) {
		before := permissionsOf(t, app, tn, "admin")
		rec := testkit.Events(t, app.Store)
		res := htmxPost(admin, adminGrid, toggle("roles", "manage", false)).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("grid-error"), "nobody in this tenant able to manage roles") {
			t.Fatalf("error %q", res.Text("grid-error"))
		}
		if res.Find("body > section#permission-grid").Length() != 1 || cellState(res, "roles", "manage") != "on" {
			t.Fatal("the grid is not re-rendered unchanged")
		}
		if got := permissionsOf(t, app, tn, "admin"); !slices.Equal(got, before) {
			t.Fatalf("permissions %v, want %v", got, before)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
		// Without htmx: the whole page, 422, the reason above the grid.
		res = admin.PostForm(adminGrid, toggle("roles", "manage", false)).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Find("nav").Length() == 0 || !strings.Contains(res.Text("grid-error"), "able to manage roles") {
			t.Fatal("the full page with the reason was not shown")
		}
	})

	t.Run("a row or column toggle that trips a guardrail rolls back entirely", func(t *testing.T) {
		before := permissionsOf(t, app, tn, "admin")
		rec := testkit.Events(t, app.Store)
		htmxPost(admin, adminGrid, toggle("*", "manage", false)).ExpectStatus(http.StatusUnprocessableEntity)
		htmxPost(admin, adminGrid, toggle("roles", "*", false)).ExpectStatus(http.StatusUnprocessableEntity)
		if got := permissionsOf(t, app, tn, "admin"); !slices.Equal(got, before) {
			t.Fatalf("permissions %v, want %v", got, before)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})

	t.Run("deleting a role that would leave nobody managing roles is refused with 422", func(t *testing.T) {
		customRole(t, app, tn, "keepers", "roles:update")
		testkit.User(t, app.Store).WithRole(tn, "keepers").Create()
		if err := app.Store.SetPermission(context.Background(), tn.ID, "admin", models.Permission{Resource: "roles", Action: "manage"}, false); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := app.Store.SetPermission(context.Background(), tn.ID, "admin", models.Permission{Resource: "roles", Action: "manage"}, true); err != nil {
				t.Fatal(err)
			}
		}()
		// An admin without roles:manage may not delete a role allowing roles:update (the grant
		// rule); a super admin may, but super admins do not count as the tenant's role managers.
		super := testkit.Client(t, app).LoginAs(testkit.User(t, app.Store).SuperAdmin().Create())
		super.Get("/t/" + tn.Slug + "/roles/keepers").ExpectStatus(http.StatusOK)
		res := super.PostForm("/t/"+tn.Slug+"/roles/keepers/delete", url.Values{}).ExpectStatus(http.StatusUnprocessableEntity)
		if !strings.Contains(res.Text("flash"), "able to manage roles") {
			t.Fatalf("refusal %q", res.Text("flash"))
		}
	})

	t.Run("without roles:update the grid is read-only and toggling is forbidden", func(t *testing.T) {
		customRole(t, app, tn, "viewer", "roles:list", "roles:read")
		viewer, _ := rolesClient(t, app, tn, "viewer")
		page := viewer.Get("/t/" + tn.Slug + "/roles/manager").ExpectStatus(http.StatusOK)
		if page.TestID("grid-read-only").Length() != 1 {
			t.Fatal("no read-only note")
		}
		if n := page.Find(`#permission-grid input[type="checkbox"]:not([disabled])`).Length(); n != 0 {
			t.Fatalf("%d enabled checkboxes", n)
		}
		if n := page.Find(`#permission-grid [hx-post]`).Length(); n != 0 {
			t.Fatalf("%d checkboxes still post", n)
		}
		if cellState(page, "nodes", "publish") != "on+ro" || cellState(page, "roles", "list") != "off+ro" {
			t.Fatal("a read-only grid must still show the role's permissions")
		}
		if page.TestID("new-role").Length()+page.TestID("clone-role").Length()+page.TestID("rename-form").Length()+page.TestID("delete-form").Length() != 0 {
			t.Fatal("a viewer is offered changes")
		}
		htmxPost(viewer, "/t/"+tn.Slug+"/roles/manager/permissions", toggle("roles", "list", true)).ExpectStatus(http.StatusForbidden)
	})

	t.Run("a manager cannot even open the roles", func(t *testing.T) {
		manager, _ := testkit.ClientAs(t, app, tn, "manager")
		manager.Get("/t/" + tn.Slug + "/roles").ExpectStatus(http.StatusForbidden)
		manager.Get("/t/" + tn.Slug + "/").ExpectStatus(http.StatusOK)
		htmxPost(manager, "/t/"+tn.Slug+"/roles/manager/permissions", toggle("roles", "manage", true)).ExpectStatus(http.StatusForbidden)
	})

	t.Run("a toggle without the CSRF token is refused with 403", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		admin.PostFormRaw("/t/"+tn.Slug+"/roles/customer/permissions", toggle("events", "list", true)).ExpectStatus(http.StatusForbidden)
		admin.PostFormRaw("/t/"+tn.Slug+"/roles", url.Values{"name": {"sneaky"}}).ExpectStatus(http.StatusForbidden)
		if got := rec.Types(t); len(got) != 0 {
			t.Fatalf("events %v", got)
		}
	})
}

// rulesOf reads every policy and grouping rule of the tenant, to show a refusal changed none.
func rulesOf(t *testing.T, app *testkit.TestApp, tn *models.Tenant) []string {
	t.Helper()
	var rules []models.CasbinRule
	if err := app.Store.DB().Where("v1 = ? OR v2 = ?", tn.ID.String(), tn.ID.String()).Order("ptype, v0, v1, v2, v3").Find(&rules).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rules {
		out = append(out, strings.Join([]string{r.Ptype, r.V0, r.V1, r.V2, r.V3}, ","))
	}
	return out
}

// TestRoleChangesStayWithinTheActorsOwnPermissions replays the two reported attacks: nobody
// hands out, through a copy or the grid, more than they may do themselves, nor takes role or
// user management away from the admins above them. Each is a 422 with the reason and changes
// no rule and emits no event.
func TestRoleChangesStayWithinTheActorsOwnPermissions(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	testkit.User(t, app.Store).WithRole(tn, "admin").Create()
	customRole(t, app, tn, "role-creator", "roles:list", "roles:read", "roles:create")
	customRole(t, app, tn, "role-editor", "roles:list", "roles:read", "roles:update")
	base := "/t/" + tn.Slug + "/roles"

	t.Run("someone with only roles:create cannot copy admin into a role of their own", func(t *testing.T) {
		creator, _ := rolesClient(t, app, tn, "role-creator")
		creator.Get(base + "/new?from=admin").ExpectStatus(http.StatusOK)
		before := rulesOf(t, app, tn)
		rec := testkit.Events(t, app.Store)
		res := creator.PostForm(base, url.Values{"name": {"pwned"}, "from": {"admin"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if got := res.Text("role-from-error"); !strings.HasPrefix(got, "You cannot copy the role “admin”: it allows ") || !strings.HasSuffix(got, ", which you do not have yourself.") {
			t.Errorf("reason %q", got)
		}
		if _, err := app.Store.RoleByName(context.Background(), tn.ID, "pwned"); err == nil {
			t.Error("the copy was created")
		}
		if got := rulesOf(t, app, tn); !slices.Equal(got, before) {
			t.Errorf("rules changed:\n%v\n%v", before, got)
		}
		if got := rec.Types(t); len(got) != 0 {
			t.Errorf("events %v", got)
		}
		// An empty role is still theirs to create.
		creator.PostForm(base, url.Values{"name": {"drafts"}}).ExpectStatus(http.StatusSeeOther)
	})

	t.Run("someone with only roles:update cannot strip roles:manage or users:manage from admin by cell, row or column", func(t *testing.T) {
		editor, _ := rolesClient(t, app, tn, "role-editor")
		grid := base + "/admin/permissions"
		for _, tc := range []struct {
			resource, action, want string
		}{
			{"roles", "manage", "You cannot revoke roles:manage: you do not have it yourself."},
			{"users", "manage", "You cannot revoke users:manage: you do not have it yourself."},
			{"roles", "*", "You cannot revoke roles:create: you do not have it yourself."},
			{"users", "*", "You cannot revoke users:list: you do not have it yourself."},
			{"*", "manage", "You cannot revoke users:manage: you do not have it yourself."},
		} {
			before := rulesOf(t, app, tn)
			rec := testkit.Events(t, app.Store)
			res := htmxPost(editor, grid, toggle(tc.resource, tc.action, false)).ExpectStatus(http.StatusUnprocessableEntity)
			if got := res.Text("grid-error"); got != tc.want {
				t.Errorf("%s:%s: reason %q, want %q", tc.resource, tc.action, got, tc.want)
			}
			if cellState(res, "roles", "manage") != "on" || cellState(res, "users", "manage") != "on" {
				t.Errorf("%s:%s: the grid is not shown unchanged", tc.resource, tc.action)
			}
			if got := rulesOf(t, app, tn); !slices.Equal(got, before) {
				t.Errorf("%s:%s: rules changed", tc.resource, tc.action)
			}
			if got := rec.Types(t); len(got) != 0 {
				t.Errorf("%s:%s: events %v", tc.resource, tc.action, got)
			}
		}
		// Granting admin something the editor holds is refused too: admins may do more.
		res := editor.PostForm(grid, toggle("roles", "update", true)).ExpectStatus(http.StatusUnprocessableEntity)
		if got := res.Text("grid-error"); got != "You cannot change the role “admin”: its members may do more than you." {
			t.Errorf("reason %q", got)
		}
		// What they hold, on a role nobody above them holds, they may still change.
		htmxPost(editor, base+"/drafts/permissions", toggle("roles", "read", true)).ExpectStatus(http.StatusOK)
	})
}
