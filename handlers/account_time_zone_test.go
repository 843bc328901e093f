package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// postTimeZone posts the zone the way static/app.js does from a page: a form body, with the
// CSRF token of the page's <body hx-headers> in the X-CSRF-Token header (token "" sends none),
// and fails the test unless the answer has the status.
func postTimeZone(t *testing.T, c *testkit.HTTPClient, zone, token string, status int) *testkit.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "/account/time-zone", strings.NewReader(url.Values{"time_zone": {zone}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	res := c.Do(req)
	if res.StatusCode != status {
		t.Fatalf("post time zone %q: status %d, want %d\n%s", zone, res.StatusCode, status, res.Body)
	}
	return res
}

// pageToken is the CSRF token a page gives its scripts: the X-CSRF-Token of <body hx-headers>.
func pageToken(t *testing.T, res *testkit.Response) string {
	t.Helper()
	var headers map[string]string
	if err := json.Unmarshal([]byte(res.Find("body").AttrOr("hx-headers", "")), &headers); err != nil || headers["X-CSRF-Token"] == "" {
		t.Fatalf("the page's body hx-headers carry no CSRF token (%v)", err)
	}
	return headers["X-CSRF-Token"]
}

// storedZone reads the user's time zone from the database ("" for none).
func storedZone(t *testing.T, app *testkit.TestApp, u testkit.FixtureUser) string {
	t.Helper()
	got, err := app.Store.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.TimeZone == nil {
		return ""
	}
	return *got.TimeZone
}

func TestTimeZonePost(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	c, u := testkit.ClientAs(t, app, tn, "customer")
	token := pageToken(t, c.Get("/t/"+tn.Slug+"/"))

	t.Run("a signed-in user's browser stores its zone: 204, and the user row has it", func(t *testing.T) {
		rec := testkit.Events(t, app.Store)
		res := postTimeZone(t, c, "Asia/Tokyo", token, http.StatusNoContent)
		if len(res.Body) != 0 {
			t.Errorf("body %q, want none", res.Body)
		}
		if got := storedZone(t, app, u); got != "Asia/Tokyo" {
			t.Fatalf("stored zone %q, want Asia/Tokyo", got)
		}
		if types := rec.Types(t); len(types) != 0 {
			t.Errorf("storing the zone emitted %v, want nothing", types)
		}
	})

	t.Run("the next page says which zone it was rendered in", func(t *testing.T) {
		res := c.Get("/t/" + tn.Slug + "/")
		if got := res.Find("body").AttrOr("data-time-zone", "missing"); got != "Asia/Tokyo" {
			t.Errorf("body data-time-zone %q, want Asia/Tokyo", got)
		}
	})

	t.Run("a name that is not a zone is refused with 422 saying so, and the stored zone kept", func(t *testing.T) {
		for _, bad := range []string{"Mars/Olympus_Mons", "", "Local", "../../etc/passwd"} {
			res := postTimeZone(t, c, bad, token, http.StatusUnprocessableEntity)
			if body := string(res.Body); !strings.Contains(body, "use an IANA name such as Europe/Berlin") {
				t.Errorf("%q: the answer does not say what a zone is:\n%s", bad, body)
			}
		}
		if got := storedZone(t, app, u); got != "Asia/Tokyo" {
			t.Errorf("stored zone %q after refused ones, want Asia/Tokyo", got)
		}
	})

	t.Run("without the CSRF token nothing is stored: 403", func(t *testing.T) {
		postTimeZone(t, c, "Europe/Berlin", "", http.StatusForbidden)
		if got := storedZone(t, app, u); got != "Asia/Tokyo" {
			t.Errorf("stored zone %q after a post without a token, want Asia/Tokyo", got)
		}
	})

	t.Run("a visitor who is not signed in is sent to sign in", func(t *testing.T) {
		anon := testkit.Client(t, app)
		res := postTimeZone(t, anon, "Europe/Berlin", pageToken(t, anon.Get("/login")), http.StatusSeeOther)
		if res.Location() != "/login" {
			t.Fatalf("anonymous post: redirected to %q, want /login", res.Location())
		}
	})
}

func TestTimeZoneRendersTimesInTheStoredZone(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	at := time.Date(2024, 3, 1, 12, 5, 0, 0, time.UTC)
	node := testkit.Node(t, app.Store, tn).Translation("en", "Spring sale", "").UpdatedAt(at).Create()
	tokyo := testkit.User(t, app.Store).WithRole(tn, "manager").TimeZone("Asia/Tokyo").Create()
	utc := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
	list := "/t/" + tn.Slug + "/nodes"
	updated := func(res *testkit.Response, sel string) (text, title, datetime string) {
		el := res.Find(sel).First()
		return strings.TrimSpace(el.Text()), el.AttrOr("title", ""), el.AttrOr("datetime", "")
	}
	const wantTitle, wantDatetime = "2024-03-01 12:05:00 UTC", "2024-03-01T12:05:00Z"

	for _, c := range []struct {
		name, path, sel string
		htmx            bool
	}{
		{"the content list", list, `[data-node-id="` + node.ID.String() + `"] time`, false},
		{"the content list's htmx fragment", list, `[data-node-id="` + node.ID.String() + `"] time`, true},
		{"the node editor", list + "/" + node.ID.String(), `[data-testid="workflow"] dd:last-child time`, false},
	} {
		t.Run(c.name+" shows the time in the viewer's stored zone, UTC in the title", func(t *testing.T) {
			cl := testkit.Client(t, app).LoginAs(tokyo)
			if c.htmx {
				cl.Header.Set("HX-Request", "true")
			}
			text, title, datetime := updated(cl.Get(c.path).ExpectStatus(http.StatusOK), c.sel)
			if text != "2024-03-01 21:05" || title != wantTitle || datetime != wantDatetime {
				t.Errorf("time %q, title %q, datetime %q; want 2024-03-01 21:05 (Tokyo), %s, %s", text, title, datetime, wantTitle, wantDatetime)
			}
		})
		t.Run(c.name+" shows UTC, marked so, while the viewer has no zone", func(t *testing.T) {
			cl := testkit.Client(t, app).LoginAs(utc)
			if c.htmx {
				cl.Header.Set("HX-Request", "true")
			}
			res := cl.Get(c.path).ExpectStatus(http.StatusOK)
			text, title, _ := updated(res, c.sel)
			if text != "2024-03-01 12:05 UTC" || title != wantTitle {
				t.Errorf("time %q, title %q; want 2024-03-01 12:05 UTC, %s", text, title, wantTitle)
			}
			if got := res.Find("body").AttrOr("data-time-zone", "missing"); !c.htmx && got != "" {
				t.Errorf("body data-time-zone %q, want empty (none stored)", got)
			}
		})
	}

	t.Run("the zone is the viewer's: another user sees the same page in theirs", func(t *testing.T) {
		ny := testkit.User(t, app.Store).WithRole(tn, "manager").TimeZone("America/New_York").Create()
		res := testkit.Client(t, app).LoginAs(ny).Get(list).ExpectStatus(http.StatusOK)
		if text, _, _ := updated(res, `[data-node-id="`+node.ID.String()+`"] time`); text != "2024-03-01 07:05" {
			t.Errorf("New York time %q, want 2024-03-01 07:05", text)
		}
	})

	t.Run("a stored zone that no longer loads falls back to UTC", func(t *testing.T) {
		gone := testkit.User(t, app.Store).WithRole(tn, "manager").Create()
		if err := app.Store.DB().Model(&models.User{}).Where("id = ?", gone.ID).Update("time_zone", "Atlantis/Capital").Error; err != nil {
			t.Fatal(err)
		}
		res := testkit.Client(t, app).LoginAs(gone).Get(list).ExpectStatus(http.StatusOK)
		if text, _, _ := updated(res, `[data-node-id="`+node.ID.String()+`"] time`); text != "2024-03-01 12:05 UTC" {
			t.Errorf("time %q, want 2024-03-01 12:05 UTC", text)
		}
		if got := res.Find("body").AttrOr("data-time-zone", "missing"); got != "" {
			t.Errorf("body data-time-zone %q, want empty so the browser reports a zone that works", got)
		}
	})
}
