package markdown

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// stock is goldmark as this package used it before the limits: the reference that ordinary
// documents must still render exactly like.
var stock = goldmark.New(goldmark.WithExtensions(extension.GFM))

// sameAsStock fails the test unless src renders exactly as stock goldmark renders it, before
// and after sanitising.
func sameAsStock(t *testing.T, name, src string) {
	t.Helper()
	var want bytes.Buffer
	if err := stock.Convert([]byte(src), &want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := convert([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Errorf("%s: past the limits, shown as plain text", name)
		return
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("%s renders differently from goldmark.\nsource:\n%q\ngoldmark:\n%s\nlimited:\n%s", name, src, want.Bytes(), got)
		return
	}
	if html, _ := Render(src); string(html) != policy.Sanitize(want.String()) {
		t.Errorf("%s: Render differs from goldmark sanitised", name)
	}
}

// TestRenderMatchesGoldmark: the limits change nothing for documents that stay within them.
func TestRenderMatchesGoldmark(t *testing.T) {
	t.Parallel()
	docs, err := filepath.Glob(filepath.Join("testdata", "normal", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no documents in testdata/normal: %v", err)
	}
	t.Run("hand-written documents render as goldmark renders them", func(t *testing.T) {
		for _, path := range docs {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sameAsStock(t, filepath.Base(path), string(b))
		}
	})
	t.Run("each of them repeated to nearly MaxSource bytes too", func(t *testing.T) {
		for _, path := range docs {
			b, _ := os.ReadFile(path)
			doc := strings.Repeat(string(b)+"\n\n", MaxSource/(len(b)+2))
			sameAsStock(t, filepath.Base(path)+" repeated", doc)
		}
	})
	t.Run("list items and block quotes nested MaxNesting deep render as goldmark renders them", func(t *testing.T) {
		sameAsStock(t, "quotes", strings.Repeat(">", MaxNesting)+" deep\n")
		sameAsStock(t, "lists", growingList(MaxNesting))
		sameAsStock(t, "both", strings.Repeat("> - ", MaxNesting/2)+"deep\n")
	})

	examples := goldmarkExamples(t)
	t.Logf("%d of goldmark's examples", len(examples))
	t.Run("goldmark's CommonMark and GFM examples render as goldmark renders them", func(t *testing.T) {
		if len(examples) == 0 {
			t.Skip("goldmark's test files are not in the module cache")
		}
		for i, ex := range examples {
			sameAsStock(t, "example "+ex.name, ex.markdown)
			if t.Failed() && i > 20 {
				return
			}
		}
	})
	t.Run("random mixes of those examples render as goldmark renders them", func(t *testing.T) {
		if len(examples) == 0 {
			t.Skip("goldmark's test files are not in the module cache")
		}
		r := rand.New(rand.NewPCG(10, 10)) // the same mixes every run
		for range 300 {
			var b strings.Builder
			for range 1 + r.IntN(40) {
				b.WriteString(examples[r.IntN(len(examples))].markdown)
				b.WriteString([]string{"", "\n", "\n\n", "> ", "- ", "| a |\n|---|\n"}[r.IntN(6)])
			}
			sameAsStock(t, "a mix", b.String())
			if t.Failed() {
				return
			}
		}
	})
}

// growingList is a list nested depth levels deep, one item per level.
func growingList(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat("  ", i) + "- level\n")
	}
	return b.String()
}

type example struct{ name, markdown string }

// goldmarkExamples reads the inputs of goldmark's own tests from the module cache: the
// CommonMark spec's examples and those of the GFM extensions we use. None when it is not there.
func goldmarkExamples(t *testing.T) []example {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yuin/goldmark").Output()
	if err != nil {
		return nil
	}
	dir := strings.TrimSpace(string(out))
	var examples []example
	if b, err := os.ReadFile(filepath.Join(dir, "_test", "spec.json")); err == nil {
		var spec []struct {
			Markdown string `json:"markdown"`
			Section  string `json:"section"`
		}
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatal(err)
		}
		for i, s := range spec {
			examples = append(examples, example{name: "spec " + s.Section + " #" + strconv.Itoa(i+1), markdown: s.Markdown})
		}
	}
	for _, name := range []string{"table", "strikethrough", "linkify", "tasklist"} {
		f, err := os.Open(filepath.Join(dir, "extension", "_test", name+".txt"))
		if err != nil {
			continue
		}
		// Cases are "N", a separator line, the Markdown, a separator line, the HTML, an end line.
		sc := bufio.NewScanner(f)
		var md []string
		state, n := 0, 0
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "//- - - - - - - - -//":
				if state == 1 {
					n++
					examples = append(examples, example{name: name + " #" + strconv.Itoa(n), markdown: strings.Join(md, "\n") + "\n"})
					md, state = nil, 2
				} else {
					state = 1
				}
			case strings.HasPrefix(line, "//= = ="):
				state = 0
			case state == 1:
				md = append(md, line)
			}
		}
		f.Close()
	}
	return examples
}

// FuzzRenderMatchesGoldmark: whatever the body, Render answers, and a body within the limits
// renders as goldmark renders it. `go test ./internal/markdown -fuzz FuzzRender` searches
// further than the seeds.
func FuzzRenderMatchesGoldmark(f *testing.F) {
	docs, _ := filepath.Glob(filepath.Join("testdata", "normal", "*.md"))
	for _, path := range docs {
		b, _ := os.ReadFile(path)
		f.Add(string(b))
	}
	for _, s := range []string{"> > > a", "- - - x", "*a **b** c*", "[a](b \"t\")", "``a`", "|a|b|\n|-|-|\n|c|", "www.a.b/c_(d)", "[x]: /u\n\n[x] [x][] [x][x]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		html, ok, err := convert([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if !ok || deeperThan(src, MaxNesting) {
			return
		}
		var want bytes.Buffer
		if err := stock.Convert([]byte(src), &want); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(html, want.Bytes()) {
			t.Errorf("renders differently from goldmark.\nsource: %q\ngoldmark:\n%s\nlimited:\n%s", src, want.Bytes(), html)
		}
	})
}

// deeperThan reports whether goldmark nests block quotes and lists in src more than depth deep.
func deeperThan(src string, depth int) bool {
	doc := stock.Parser().Parse(text.NewReader([]byte(src)))
	deepest, d := 0, 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if n.Kind() != ast.KindBlockquote && n.Kind() != ast.KindList {
			return ast.WalkContinue, nil
		}
		if entering {
			d++
			deepest = max(deepest, d)
		} else {
			d--
		}
		return ast.WalkContinue, nil
	})
	return deepest > depth
}
