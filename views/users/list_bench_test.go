package users_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	"github.com/rustok/rustok-admin/views/layouts"
	"github.com/rustok/rustok-admin/views/users"
	"github.com/rustok/rustok-admin/views/viewtest"
)

// BenchmarkUserList renders a users list of 50 rows, page and htmx fragment
// (docs/BENCHMARKS.md, "Rendering"; goal under 0.3 ms of CPU each).
func BenchmarkUserList(b *testing.B) {
	l := users.List{Slug: "acme", CanCreate: true,
		Query: components.ListState{ID: "users", Base: users.ListURL("acme"), Values: url.Values{}, At: url.Values{}},
		Page:  models.UserPage{Paging: models.Paging{Total: 120, Page: 1, PerPage: 50}}}
	for i := range 50 {
		u := models.TenantUser{User: models.User{ID: uuid.MustParse(fmt.Sprintf("0193a7d0-0000-7000-8000-%012d", i)),
			Email: fmt.Sprintf("person%d@example.com", i), Name: fmt.Sprintf("Person %d", i), Status: models.UserActive,
			CreatedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}, Roles: []string{"manager"}, Invited: i%7 == 0}
		l.Page.Users = append(l.Page.Users, u)
	}
	p := layouts.Page{Title: "Users", UserName: "Ada Admin", UserEmail: "ada@example.com", Tenant: &layouts.TenantRef{Slug: "acme", Name: "Acme"},
		CSRFToken: "csrf", Section: "users", TimeZone: "Europe/Berlin", Tenants: []layouts.TenantRef{{Slug: "acme", Name: "Acme"}}}
	viewtest.Render(b, users.ListPage(p, l), users.UsersTable(l, true))
}
