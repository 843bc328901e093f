package websession_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"

	"github.com/rustok/rustok-admin/internal/websession"
)

const cookie = "sid"

// serve runs h for one request carrying the session cookie id ("" = none) and returns the
// response's session cookie ("" = none set), which must be set as Store.Save sets it.
func serve(t *testing.T, h fiber.Handler, id string) string {
	t.Helper()
	return serveChecked(t, h, id, true)
}

func serveChecked(t *testing.T, h fiber.Handler, id string, check bool) string {
	t.Helper()
	app := fiber.New()
	app.Get("/", h)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if id != "" {
		req.AddCookie(&http.Cookie{Name: cookie, Value: id})
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == cookie {
			if check && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || !ck.Expires.IsZero() || ck.MaxAge != 0) {
				t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, no expiry", ck)
			}
			return ck.Value
		}
	}
	return ""
}

func TestSessionsRoundTripAndAreWrittenOnlyOnSave(t *testing.T) {
	storage := websession.Memory()
	st := websession.New(websession.Config{Storage: storage, Cookie: cookie, Expiration: time.Hour})
	var id string
	set := serve(t, func(c *fiber.Ctx) error {
		s, err := st.Get(c)
		if err != nil || !s.Fresh() {
			t.Fatalf("a request without a cookie: fresh %v, err %v", s.Fresh(), err)
		}
		s.UserID, s.AuthAt, s.CSRF = "u1", 42, "tok"
		id = s.ID()
		return s.Save()
	}, "")
	if set != id || id == "" {
		t.Fatalf("cookie %q, session id %q", set, id)
	}
	set = serve(t, func(c *fiber.Ctx) error {
		s, err := st.Get(c)
		if err != nil || s.Fresh() || s.ID() != id {
			t.Fatalf("stored session: fresh %v id %q err %v", s.Fresh(), s.ID(), err)
		}
		if s.UserID != "u1" || s.AuthAt != 42 || s.CSRF != "tok" {
			t.Fatalf("read back %+v", s.Data)
		}
		return nil // read only: no Save
	}, id)
	if set != "" {
		t.Fatalf("a request that did not save set the cookie %q", set)
	}
}

func TestAnUnknownOrUnreadableIDIsNeverAdopted(t *testing.T) {
	storage := websession.Memory()
	st := websession.New(websession.Config{Storage: storage, Cookie: cookie, Expiration: time.Hour})
	_ = storage.Set("garbage", []byte("\x00not a session"), time.Hour)
	for _, planted := range []string{"planted-by-attacker", "garbage"} {
		serve(t, func(c *fiber.Ctx) error {
			s, err := st.Get(c)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Fresh() || s.ID() == planted || s.UserID != "" {
				t.Fatalf("cookie %q: fresh %v id %q data %+v", planted, s.Fresh(), s.ID(), s.Data)
			}
			return nil
		}, planted)
	}
}

func TestRegenerateDeletesTheOldID(t *testing.T) {
	storage := websession.Memory()
	st := websession.New(websession.Config{Storage: storage, Cookie: cookie, Expiration: time.Hour})
	_ = storage.Set("old", []byte(`{"uid":"u1"}`), time.Hour)
	var fresh string
	set := serve(t, func(c *fiber.Ctx) error {
		s, _ := st.Get(c)
		if err := s.Regenerate(); err != nil {
			t.Fatal(err)
		}
		fresh = s.ID()
		return s.Save()
	}, "old")
	if raw, _ := storage.Get("old"); raw != nil {
		t.Fatalf("the old id is still stored: %s", raw)
	}
	if set != fresh || fresh == "old" {
		t.Fatalf("cookie %q, new id %q", set, fresh)
	}
	if raw, _ := storage.Get(fresh); string(raw) != `{"uid":"u1"}` {
		t.Fatalf("the data did not move to the new id: %s", raw)
	}
}

// Sessions written by Fiber's session middleware (gob) before the switch stay signed in.
func TestSessionsFiberWroteAreStillRead(t *testing.T) {
	storage := websession.Memory()
	fiberStore := session.New(session.Config{Storage: storage, KeyLookup: "cookie:" + cookie})
	var id string
	serveChecked(t, func(c *fiber.Ctx) error {
		s, err := fiberStore.Get(c)
		if err != nil {
			t.Fatal(err)
		}
		s.Set("uid", "u1")
		s.Set("auth_at", int64(10))
		s.Set("seen_at", int64(20))
		s.Set("csrf", "tok")
		s.Set("flash_kind", "info")
		s.Set("flash_msg", "hello")
		s.Set("invite_link", "https://x/set-password/abc")
		id = s.ID()
		return s.Save()
	}, "", false)
	st := websession.New(websession.Config{Storage: storage, Cookie: cookie, Expiration: time.Hour})
	serve(t, func(c *fiber.Ctx) error {
		s, err := st.Get(c)
		if err != nil {
			t.Fatal(err)
		}
		want := websession.Data{UserID: "u1", AuthAt: 10, SeenAt: 20, CSRF: "tok", FlashKind: "info", FlashMsg: "hello", InviteLink: "https://x/set-password/abc"}
		if s.Fresh() || s.ID() != id || s.Data != want {
			t.Fatalf("fresh %v id %q (want %q) data %+v", s.Fresh(), s.ID(), id, s.Data)
		}
		return nil
	}, id)
}

func TestMemoryExpiresEntriesAndReadsDoNotExtendThem(t *testing.T) {
	m := websession.Memory()
	t.Parallel()
	_ = m.Set("k", []byte("v"), time.Second)
	if raw, _ := m.Get("k"); string(raw) != "v" {
		t.Fatalf("before its TTL: %q", raw)
	}
	time.Sleep(1100 * time.Millisecond) // past the TTL of the Set: had the read extended it, it would still be there
	if raw, _ := m.Get("k"); raw != nil {
		t.Fatalf("after its TTL: %q", raw)
	}
}
