package paths_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/paths"
)

func TestURLFillsAndEscapesParams(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		params        []string
		want          string
	}{
		{"a path without params is itself", paths.Tenants, nil, "/tenants"},
		{"the root stays the root", paths.Home, nil, "/"},
		{"a trailing slash is kept", paths.Dashboard, []string{"acme"}, "/t/acme/"},
		{"params fill in order", paths.EventsAggregate, []string{"acme", "node", "42"}, "/t/acme/events/aggregate/node/42"},
		{"a slash in a param cannot add a segment", paths.Role, []string{"acme", "a/b"}, "/t/acme/roles/a%2Fb"},
		{"a question mark in a param cannot start a query", paths.SetPassword, []string{"tok?x=1"}, "/set-password/tok%3Fx=1"},
		{"spaces and non-ASCII are escaped", paths.Role, []string{"acme", "éditeur en chef"}, "/t/acme/roles/%C3%A9diteur%20en%20chef"},
		{"a wildcard keeps its slashes and escapes each segment", paths.Static, []string{"icons/a b.svg"}, "/static/icons/a%20b.svg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := paths.URL(tc.pattern, tc.params...); got != tc.want {
				t.Errorf("URL(%q, %q) = %q, want %q", tc.pattern, tc.params, got, tc.want)
			}
		})
	}
}

func TestURLPanicsOnAWrongNumberOfParams(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		params        []string
	}{
		{"too few", paths.Node, []string{"acme"}},
		{"none for a pattern that takes some", paths.Dashboard, nil},
		{"too many", paths.Node, []string{"acme", "1", "2"}},
		{"one for a pattern that takes none", paths.Login, []string{"x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("URL(%q, %q) did not panic", tc.pattern, tc.params)
				}
			}()
			paths.URL(tc.pattern, tc.params...)
		})
	}
}

func TestPrefixIsTheFixedStartOfAPattern(t *testing.T) {
	for pattern, want := range map[string]string{
		paths.SetPassword: "/set-password/",
		paths.Static:      "/static/",
		paths.Node:        "/t/",
		paths.Tenants:     "/tenants",
	} {
		if got := paths.Prefix(pattern); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// handWrittenPath finds a string literal that spells an application path, and, in templ
// markup, a link or form target written as a plain attribute.
var (
	handWrittenPath = regexp.MustCompile(`["` + "`" + `](/t/|/tenants|/events|/users|/system|/login|/logout|/set-password)`)
	templAttrPath   = regexp.MustCompile(`\b(href|action|hx-get|hx-post|hx-put|hx-patch|hx-delete)="/`)
)

// TestNoPathIsWrittenByHand fails, naming file and line, when the views or handlers spell a
// path instead of building it from this package, so a second copy of a path cannot come back.
// Tests and generated *_templ.go files are left out.
func TestNoPathIsWrittenByHand(t *testing.T) {
	scanned := 0
	for _, dir := range []string{"../../views", "../../handlers"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			isGo := strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") && !strings.HasSuffix(name, "_templ.go")
			isTempl := strings.HasSuffix(name, ".templ")
			if !isGo && !isTempl {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned++
			for i, line := range strings.Split(string(b), "\n") {
				if handWrittenPath.MatchString(line) || isTempl && templAttrPath.MatchString(line) {
					t.Errorf("%s:%d spells a path; build it with paths.URL (internal/paths): %s", path, i+1, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scanned < 20 {
		t.Fatalf("only %d files scanned: is the walk looking in the right place?", scanned)
	}
}

func TestMatches(t *testing.T) {
	for path, want := range map[string]bool{
		"/t/acme/products/import":     true,
		"/t//products/import":         false,
		"/t/acme/products/import/x":   false,
		"/t/acme/products/export":     false,
		"/x/t/acme/products/import":   false,
		"/t/acme/products/import?x=1": false,
	} {
		if got := paths.Matches(paths.ProductsImport, path); got != want {
			t.Errorf("Matches(%q) = %v, want %v", path, got, want)
		}
	}
}
