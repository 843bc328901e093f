package handlers_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/handlers"
	"github.com/rustok/rustok-admin/internal/testkit"
)

// BenchmarkSignedInGet serves signed-in pages in process (Fiber's app.Test, sessions in Redis)
// on this run's database, for profiles of the request path:
//
//	TEST_DB=postgres go test ./handlers/ -run '^$' -bench SignedInGet -cpuprofile cpu.out
//	go tool pprof -top handlers.test cpu.out
func BenchmarkSignedInGet(b *testing.B) {
	store := testkit.NewDB(b)
	app := testkit.NewApp(b, testkit.WithStore(store), testkit.WithStorage(testkit.RedisStorage(b)))
	tn := testkit.Tenant(b, store).Create()
	admin := testkit.User(b, store).Name("Ada Admin").WithRole(tn, "admin").Create()
	for i := range 200 {
		testkit.Node(b, store, tn).Author(admin.ID).Translation(tn.DefaultLocale, "Post "+strconv.Itoa(i), "").Create()
	}
	c := testkit.Client(b, app).LoginAs(admin)
	for _, page := range []struct {
		name, path string
		htmx       bool
	}{
		{"dashboard", "/t/" + tn.Slug + "/", false},
		{"content list", "/t/" + tn.Slug + "/nodes", false},
		{"content list fragment", "/t/" + tn.Slug + "/nodes", true},
	} {
		b.Run(page.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, page.path, nil)
			if page.htmx {
				req.Header.Set("HX-Request", "true")
			}
			c.Do(req).ExpectStatus(http.StatusOK)
			b.ReportAllocs()
			b.ResetTimer()
			session := c.Cookie(handlers.SessionCookie)
			for range b.N {
				req, _ := http.NewRequest(http.MethodGet, page.path, nil)
				req.AddCookie(session)
				if page.htmx {
					req.Header.Set("HX-Request", "true")
				}
				res, err := app.Fiber.Test(req, -1)
				if err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %v %v", page.path, res.StatusCode, err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

// BenchmarkSignedInCreate posts the node form as a signed-in admin (sessions in Redis), for
// profiles of the create path:
//
//	TEST_DB=postgres go test ./handlers/ -run '^$' -bench SignedInCreate -cpuprofile cpu.out
func BenchmarkSignedInCreate(b *testing.B) {
	store := testkit.NewDB(b)
	app := testkit.NewApp(b, testkit.WithStore(store), testkit.WithStorage(testkit.RedisStorage(b)))
	tn := testkit.Tenant(b, store).Create()
	admin := testkit.User(b, store).Name("Ada Admin").WithRole(tn, "admin").Create()
	c := testkit.Client(b, app).LoginAs(admin)
	c.Get("/t/" + tn.Slug + "/nodes/new")
	session, token := c.Cookie(handlers.SessionCookie), c.CSRFToken()
	body := strings.Repeat("A paragraph of the post, with **bold** words and a [link](https://example.com).\n\n", 8)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		form := url.Values{"_csrf": {token}, "kind": {"post"}, "t." + tn.DefaultLocale + ".title": {"Post " + strconv.Itoa(i)},
			"t." + tn.DefaultLocale + ".body": {body}}
		req, _ := http.NewRequest(http.MethodPost, "/t/"+tn.Slug+"/nodes", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(session)
		res, err := app.Fiber.Test(req, -1)
		if err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatalf("create: %v %v", res.StatusCode, err)
		}
		res.Body.Close()
	}
}
