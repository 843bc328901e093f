package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/rustok/rustok-admin/internal/testkit"
	"github.com/rustok/rustok-admin/static"
)

// decode undoes the response's Content-Encoding.
func decode(t *testing.T, res *testkit.Response) []byte {
	t.Helper()
	var r io.Reader
	switch enc := res.Header.Get("Content-Encoding"); enc {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(res.Body))
	default:
		t.Fatalf("Content-Encoding %q, want gzip or br", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	return b
}

func getWith(c *testkit.HTTPClient, method, path string, header ...string) *testkit.Response {
	req, _ := http.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.Do(req)
}

func TestCompression(t *testing.T) {
	t.Parallel()
	app := testkit.NewApp(t)
	tn := testkit.Tenant(t, app.Store).Create()
	admin, _ := testkit.ClientAs(t, app, tn, "admin")
	anon := testkit.Client(t, app)
	plainPage := anon.Get("/login").ExpectStatus(http.StatusOK).Body

	for _, enc := range []string{"gzip", "br"} {
		t.Run("a page asked for with "+enc+" comes "+enc+"-encoded and decodes to the page", func(t *testing.T) {
			res := getWith(anon, http.MethodGet, "/login", "Accept-Encoding", enc).ExpectStatus(http.StatusOK)
			if got := res.Header.Get("Content-Encoding"); got != enc {
				t.Fatalf("Content-Encoding %q, want %q", got, enc)
			}
			if len(res.Body) >= len(plainPage) {
				t.Errorf("compressed page is %d bytes, the plain one %d", len(res.Body), len(plainPage))
			}
			// The CSRF token differs per session: compare the page around it.
			if got := decode(t, res); !bytes.Contains(got, []byte(`name="password"`)) || len(got) < len(plainPage)/2 {
				t.Fatalf("decoded page is not the sign-in page:\n%.300s", got)
			}
			for _, v := range []string{"Accept-Encoding", "HX-Request"} {
				if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), v) {
					t.Errorf("Vary %q lacks %s", res.Header.Values("Vary"), v)
				}
			}
		})
	}

	t.Run("an htmx fragment is compressed and decodes to the same fragment", func(t *testing.T) {
		path := "/t/" + tn.Slug + "/roles"
		plain := getWith(admin, http.MethodGet, path, "HX-Request", "true").ExpectStatus(http.StatusOK).Body
		res := getWith(admin, http.MethodGet, path, "HX-Request", "true", "Accept-Encoding", "gzip, br").ExpectStatus(http.StatusOK)
		if got := res.Header.Get("Content-Encoding"); got != "br" {
			t.Fatalf("Content-Encoding %q, want br (preferred when both are accepted)", got)
		}
		if got := decode(t, res); !bytes.Equal(got, plain) {
			t.Fatalf("decoded fragment differs from the plain one:\n%.300s\n---\n%.300s", got, plain)
		}
	})

	t.Run("a static file keeps its year-long caching when compressed", func(t *testing.T) {
		path := static.Path("app.css")
		plain := anon.Get(path).ExpectStatus(http.StatusOK)
		res := getWith(anon, http.MethodGet, path, "Accept-Encoding", "gzip").ExpectStatus(http.StatusOK)
		if got := decode(t, res); !bytes.Equal(got, plain.Body) {
			t.Fatal("decoded stylesheet differs from the file")
		}
		if cc := res.Header.Get("Cache-Control"); cc != plain.Header.Get("Cache-Control") || !strings.Contains(cc, "max-age=31536000") {
			t.Fatalf("Cache-Control %q (plain %q)", cc, plain.Header.Get("Cache-Control"))
		}
	})

	t.Run("HEAD answers without a body and without an encoding", func(t *testing.T) {
		res := getWith(anon, http.MethodHead, "/login", "Accept-Encoding", "gzip, br").ExpectStatus(http.StatusOK)
		if enc := res.Header.Get("Content-Encoding"); enc != "" || len(res.Body) != 0 {
			t.Fatalf("HEAD: Content-Encoding %q, %d body bytes", enc, len(res.Body))
		}
	})

	t.Run("small responses are sent as they are", func(t *testing.T) {
		res := getWith(anon, http.MethodGet, "/healthz", "Accept-Encoding", "gzip, br").ExpectStatus(http.StatusOK)
		if enc := res.Header.Get("Content-Encoding"); enc != "" {
			t.Fatalf("a %d-byte body was %s-encoded", len(res.Body), enc)
		}
	})

	t.Run("a scraper asking for gzip gets the metrics gzipped once", func(t *testing.T) {
		res := getWith(anon, http.MethodGet, "/metrics", "Accept-Encoding", "gzip").ExpectStatus(http.StatusOK)
		if got := decode(t, res); !bytes.Contains(got, []byte("go_goroutines")) {
			t.Fatalf("decoded metrics lack go_goroutines:\n%.300s", got)
		}
	})
}
