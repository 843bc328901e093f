package markdown_test

import (
	"strings"
	"testing"

	"github.com/rustok/rustok-admin/internal/markdown"
)

func TestRender(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      []string // substrings that must appear
		never     []string // substrings that must not
	}{
		{"headings, emphasis and lists render", "# Title\n\n*it* **bold**\n\n- a\n- b", []string{"<h1", "Title</h1>", "<em>it</em>", "<strong>bold</strong>", "<li>a</li>"}, nil},
		{"tables render (GFM)", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
		{"a script tag is removed", "hello <script>alert(1)</script>", []string{"hello"}, []string{"<script", "alert(1)</script>"}},
		{"event handlers are removed", `<img src="x.png" onerror="alert(1)">`, nil, []string{"onerror"}},
		{"javascript: links are removed", "[click](javascript:alert(1))", nil, []string{"javascript:"}},
		{"external links get rel=nofollow", "[site](https://example.com)", []string{`href="https://example.com"`, "nofollow"}, nil},
		{"an iframe is removed", `<iframe src="https://evil.example"></iframe>`, nil, []string{"<iframe"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := markdown.Render(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(string(out), n) {
					t.Errorf("output contains %q:\n%s", n, out)
				}
			}
		})
	}
	long, _ := markdown.Render(strings.Repeat("a", markdown.MaxSource+1000))
	if len(long) > markdown.MaxSource+100 {
		t.Fatalf("an over-long source was rendered whole (%d bytes)", len(long))
	}
}
