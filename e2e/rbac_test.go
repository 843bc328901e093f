package e2e

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rustok/rustok-admin/internal/testkit"
)

// TestRoleManagerBuildsACustomRole has a tenant admin build a custom role in the browser —
// create "editor", grant events: list in the permission grid, assign it to a customer — and
// checks that the customer may then read the event log, which they could not before.
func TestRoleManagerBuildsACustomRole(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Slug("acme").Name("Acme Corporation").Create()
	admin := testkit.User(t, app.Store).Name("Ada Admin").WithRole(tn, "admin").Create()
	member := testkit.User(t, app.Store).Name("Carl Customer").WithRole(tn, "customer").Create()
	baseURL := app.Serve(t)
	slug := tn.Slug
	eventsPath := "/t/" + slug + "/events"

	// Before: a customer may not read the event log.
	memberClient := testkit.Client(t, app).LoginAs(member)
	memberClient.Get(eventsPath).ExpectStatus(http.StatusForbidden)

	ctx := newBrowser(t)
	run(t, ctx, "set a desktop viewport", chromedp.EmulateViewport(1280, 800))

	// Sign in as the tenant admin: with one tenant, / leads to its dashboard.
	signIn(t, ctx, baseURL, admin.Email, admin.Password)
	run(t, ctx, "wait for the dashboard's tenant name", chromedp.WaitVisible(tenantName))

	// The role list offers "Create role"; the form creates an empty custom role.
	run(t, ctx, "open the role list",
		chromedp.Navigate(baseURL+"/t/"+slug+"/roles"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="roles-table"]`)),
	)
	if n := get(t, ctx, "look for editor in the role list", chromedp.Evaluate[int](`document.querySelectorAll('tr[data-role="editor"]').length`)); n != 0 {
		t.Fatalf("the role list shows editor before it was created")
	}
	run(t, ctx, "open the create-role form",
		chromedp.Click(chromedp.CSS(`[data-testid="new-role"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="role-form"]`)),
	)
	if got, want := currentPath(t, ctx), "/t/"+slug+"/roles/new"; got != want {
		t.Errorf("path of the create-role form = %q, want %q", got, want)
	}
	run(t, ctx, "fill in and submit the create-role form",
		chromedp.SendKeys(chromedp.ID("role-name"), "editor"),
		chromedp.Click(chromedp.CSS(`[data-testid="save-role"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="role-page"]`)),
	)
	rolePath := "/t/" + slug + "/roles/editor"
	if got := currentPath(t, ctx); got != rolePath {
		t.Errorf("path after creating the role = %q, want %q", got, rolePath)
	}
	if got, want := text(t, ctx, `[data-testid="role-page"] [data-testid="page-title"]`), "editor"; got != want {
		t.Errorf("role page title = %q, want %q", got, want)
	}

	// The grid's checkboxes post through htmx, which binds them on DOMContentLoaded: wait for
	// the page to finish loading, or a click could toggle the box without a request.
	eventsList := chromedp.ID("perm-events-list")
	run(t, ctx, "wait for the role page to finish loading",
		chromedp.Poll[chromedp.Void](`document.readyState === "complete"`, chromedp.WithPollingTimeout(0)),
		chromedp.WaitVisible(eventsList),
	)
	if checked := get(t, ctx, "read the events: list checkbox", chromedp.Evaluate[bool](`document.getElementById("perm-events-list").checked`)); checked {
		t.Fatalf("events: list is checked on a new empty role")
	}
	// The click checks the box at once; the grid answered by the server is the proof of the
	// save: it carries the change note, and the box in it is checked.
	run(t, ctx, "tick events: list and wait for the grid to re-render",
		chromedp.Click(eventsList),
		chromedp.Poll[chromedp.Void](`(() => {
			const note = document.querySelector('#permission-grid [data-testid="grid-notice"]');
			const box = document.getElementById("perm-events-list");
			return note !== null && note.textContent.trim() === "events: list granted." && box !== null && box.checked;
		})()`, chromedp.WithPollingTimeout(0)),
	)
	if n := get(t, ctx, "look for a grid error", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="grid-error"]').length`)); n != 0 {
		t.Errorf("the grid shows an error after ticking events: list: %q", text(t, ctx, `[data-testid="grid-error"]`))
	}
	png := get(t, ctx, "take a full-page screenshot of the role page", chromedp.FullScreenshot(100))
	saveScreenshot(t, "role-grid.png", png)

	// Assign the role on the member's page, reached from the user list.
	run(t, ctx, "open the member's page from the user list",
		chromedp.Navigate(baseURL+"/t/"+slug+"/users"),
		chromedp.Click(chromedp.CSS(`tr[data-user-id="`+member.ID.String()+`"] a[data-testid="user-name"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="user-edit"][data-user-id="`+member.ID.String()+`"]`)),
	)
	run(t, ctx, "assign the role editor",
		chromedp.Click(chromedp.CSS(`[data-testid="assign-editor"]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-role="editor"][data-held] [data-testid="role-held"]`)),
	)
	if got, want := text(t, ctx, `[data-testid="flash-message"]`), "Carl Customer now has the role editor."; got != want {
		t.Errorf("flash after assigning = %q, want %q", got, want)
	}

	// After: the same session of the member may read the event log.
	memberClient.Get(eventsPath).ExpectStatus(http.StatusOK)

	// The role list counts the new member.
	editorRow := `tr[data-role="editor"]`
	run(t, ctx, "open the role list again",
		chromedp.Navigate(baseURL+"/t/"+slug+"/roles"),
		chromedp.WaitVisible(chromedp.CSS(editorRow)),
	)
	if got, want := text(t, ctx, chromedp.CSS(editorRow+` [data-testid="role-name"]`)), "editor"; got != want {
		t.Errorf("role name in the list = %q, want %q", got, want)
	}
	if got, want := text(t, ctx, chromedp.CSS(editorRow+` [data-testid="role-members"]`)), "1"; got != want {
		t.Errorf("members of editor in the list = %q, want %q", got, want)
	}
}
