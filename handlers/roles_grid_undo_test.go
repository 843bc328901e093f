package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/rustok/rustok-admin/internal/testkit"
)

func TestPermissionGridTogglesSayWhatTheyChangeAndUndo(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := rolesClient(t, app, tn, "admin")
	customRole(t, app, tn, "reviewer", "nodes:publish", "products:publish")
	role := "/t/" + tn.Slug + "/roles/reviewer"
	grid := role + "/permissions"
	others := "users:publish, roles:publish, settings:publish, inventory:publish, events:publish"

	undo := func(t *testing.T, res *testkit.Response) url.Values {
		t.Helper()
		var vals map[string]string
		if err := json.Unmarshal([]byte(res.TestID("grid-undo").AttrOr("hx-vals", "")), &vals); err != nil {
			t.Fatalf("no Undo button: %v\n%s", err, res.Body)
		}
		if res.TestID("grid-undo").AttrOr("hx-post", "") != grid {
			t.Fatal("Undo does not post to the grid")
		}
		out := url.Values{}
		for k, v := range vals {
			out.Set(k, v)
		}
		return out
	}

	t.Run("a column toggle says beforehand which permissions it will grant", func(t *testing.T) {
		page := admin.Get(role).ExpectStatus(http.StatusOK)
		if got, want := page.TestID("perm-all-publish").AttrOr("title", ""), "Grants 5 permissions: "+others+"."; got != want {
			t.Errorf("title %q, want %q", got, want)
		}
	})

	t.Run("granting the column names what it granted, and Undo puts back the cells set one by one", func(t *testing.T) {
		res := htmxPost(admin, grid, toggle("*", "publish", true)).ExpectStatus(http.StatusOK)
		if got, want := res.Text("grid-notice"), "Granted 5 permissions: "+others+"."; got != want {
			t.Errorf("notice %q, want %q", got, want)
		}
		res = htmxPost(admin, grid, undo(t, res)).ExpectStatus(http.StatusOK)
		if got := permissionsOf(t, app, tn, "reviewer"); !slices.Equal(got, []string{"nodes:publish", "products:publish"}) {
			t.Errorf("after Undo %v, want the two cells set one by one", got)
		}
		if got := res.Text("grid-notice"); got != "Revoked 5 permissions, each set one by one: "+others+"." {
			t.Errorf("notice after Undo %q", got)
		}
	})

	t.Run("turning a full column off names every cell it clears, those set one by one too, and Undo restores them", func(t *testing.T) {
		htmxPost(admin, grid, toggle("*", "publish", true)).ExpectStatus(http.StatusOK)
		page := admin.Get(role).ExpectStatus(http.StatusOK)
		all := "users:publish, roles:publish, settings:publish, nodes:publish, products:publish, inventory:publish, events:publish"
		if got, want := page.TestID("perm-all-publish").AttrOr("title", ""), "Revokes 7 permissions, each set one by one: "+all+"."; got != want {
			t.Errorf("title %q, want %q", got, want)
		}
		res := htmxPost(admin, grid, toggle("*", "publish", false)).ExpectStatus(http.StatusOK)
		if got := res.Text("grid-notice"); got != "Revoked 7 permissions, each set one by one: "+all+"." {
			t.Errorf("notice %q", got)
		}
		htmxPost(admin, grid, undo(t, res)).ExpectStatus(http.StatusOK)
		if got := permissionsOf(t, app, tn, "reviewer"); len(got) != 7 {
			t.Errorf("after Undo %v, want the 7 publish cells back", got)
		}
	})

	t.Run("Undo is held to the grant rule like any change: an unknown cell is a 422", func(t *testing.T) {
		res := htmxPost(admin, grid, url.Values{"cells": {"spaceships:list"}, "granted": {"true"}}).ExpectStatus(http.StatusUnprocessableEntity)
		if res.Text("grid-error") == "" {
			t.Error("no reason shown")
		}
		htmxPost(admin, grid, url.Values{"cells": {"*:list"}, "granted": {"true"}}).ExpectStatus(http.StatusUnprocessableEntity)
	})
}
