package handlers_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/models"
)

// TestMultipartFormsAreReadLikeURLEncodedOnes: a form sent as multipart/form-data is read
// exactly like the same form URL-encoded — every field, repeated keys included.
func TestMultipartFormsAreReadLikeURLEncodedOnes(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Locales("en", "de").Create()
	c, _ := testkit.ClientAs(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/nodes"
	c.Get(base)

	t.Run("a node created over multipart keeps its translations", func(t *testing.T) {
		form := url.Values{"kind": {"post"}, "position": {"0"},
			"t.en.title": {"Sent as multipart"}, "t.en.body": {"Line one\r\nline two"},
			"t.de.title": {"Als Multipart gesendet"}}
		res := wantStatus(t, c.Do(formRequest(c, base, "multipart", form)), http.StatusSeeOther)
		id, err := uuid.Parse(strings.TrimPrefix(res.Location(), base+"/"))
		if err != nil {
			t.Fatalf("redirected to %q, want the new node's page", res.Location())
		}
		n, err := app.Store.NodeByID(t.Context(), tn.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		en, de := n.Translation("en"), n.Translation("de")
		if en == nil || en.Title != "Sent as multipart" || en.Body != "Line one\nline two" || de == nil || de.Title != "Als Multipart gesendet" {
			t.Fatalf("translations saved: en %+v, de %+v", en, de)
		}
	})

	t.Run("a bulk delete over multipart sees every selected id", func(t *testing.T) {
		one := testkit.Node(t, app.Store, tn).Translation("en", "First to go", "").Create()
		two := testkit.Node(t, app.Store, tn).Translation("en", "Second to go", "").Create()
		ids := []string{one.ID.String(), two.ID.String()}
		ask := wantStatus(t, c.Do(formRequest(c, base+"/bulk/delete", "multipart", url.Values{"ids": ids, "back": {base}})), http.StatusOK)
		if body := string(ask.Body); !strings.Contains(body, "First to go") || !strings.Contains(body, "Second to go") {
			t.Fatalf("the confirmation does not name both items:\n%.2000s", ask.Body)
		}
		res := wantStatus(t, c.Do(formRequest(c, base+"/bulk/delete", "multipart", url.Values{"ids": ids, "back": {base}, "confirm": {"yes"}})), http.StatusSeeOther)
		for _, n := range []*models.Node{one, two} {
			if _, err := app.Store.NodeByID(t.Context(), tn.ID, n.ID); err == nil {
				t.Errorf("node %q was not deleted", n.Translation("en").Title)
			}
		}
		if msg := c.Get(res.Location()).Text("flash"); !strings.Contains(msg, "Deleted 2 items") {
			t.Fatalf("flash after the bulk delete: %q", msg)
		}
	})

	t.Run("the CSRF token is read from a multipart body", func(t *testing.T) {
		req := formRequest(c, base, "multipart", url.Values{"kind": {"post"}, "t.en.title": {"Token in the body"}})
		wantStatus(t, c.Do(req), http.StatusSeeOther)
	})
}

// TestFormRoutesRefuseOtherEncodings: a body the server cannot read as a form is refused with
// 415 and nothing is saved, instead of being treated as an empty form.
func TestFormRoutesRefuseOtherEncodings(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	c, _ := testkit.ClientAs(t, app, tn, "admin")
	base := "/t/" + tn.Slug + "/nodes"
	c.Get(base)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(url.Values{"kind": {"post"}, "t.en.title": {"Zipped"}}.Encode()))
	_ = zw.Close()
	cases := []struct {
		name, contentType, contentEncoding string
		body                               []byte
	}{
		{"JSON", "application/json", "", []byte(`{"kind":"post","t.en.title":"JSON"}`)},
		{"plain text", "text/plain", "", []byte("kind=post\r\nt.en.title=Plain")},
		{"a body without a content type", "", "", []byte("kind=post&t.en.title=Untyped")},
		{"a gzipped form", "application/x-www-form-urlencoded", "gzip", gz.Bytes()},
		{"multipart without a boundary", "multipart/form-data", "", []byte("kind=post")},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused with 415", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base, bytes.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.contentEncoding != "" {
				req.Header.Set("Content-Encoding", tc.contentEncoding)
			}
			req.Header.Set("X-CSRF-Token", c.CSRFToken())
			res := wantStatus(t, c.Do(req), http.StatusUnsupportedMediaType)
			if !strings.Contains(string(res.Body), "cannot read") {
				t.Fatalf("the refusal does not say what is wrong:\n%.2000s", res.Body)
			}
		})
	}
	var n int64
	if err := app.Store.DB().Table("nodes").Count(&n).Error; err != nil || n != 0 {
		t.Fatalf("%d nodes saved (%v), want none", n, err)
	}

	t.Run("a POST without a body needs no content type", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "/logout", nil)
		req.Header.Set("X-CSRF-Token", c.CSRFToken())
		if res := c.Do(req); res.StatusCode != http.StatusSeeOther || res.Location() != "/login" {
			t.Fatalf("logout without a body: %d → %q", res.StatusCode, res.Location())
		}
	})
}

// wantStatus fails t (not the test the client was made in) unless res has the status.
func wantStatus(t *testing.T, res *testkit.Response, want int) *testkit.Response {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d; body:\n%.2000s", res.StatusCode, want, res.Body)
	}
	return res
}
