package markdown

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/pathological from the generators")

// pathological is the corpus of bodies that made goldmark (or what it renders) cost quadratic
// time or memory: CommonMark's test/pathological_tests.py, cmark-gfm's, md4c's, markdown-it's and
// pulldown-cmark's reported cases, and goldmark's own (#555 mixed emphasis, #588 repeated table
// delimiter rows, #589 padded table cells, #592 `- - - x`). Each is as large as a body may be.
// testdata/pathological/<name>.md holds them; -update rewrites the files from these generators.
var pathological = []struct {
	name string
	gen  func() string
}{
	// Block structure nested deeper and deeper.
	{"blockquote-gt-run", func() string { return fill("", ">", "") }}, // issue 10's report: 16 s
	{"blockquote-gt-space-run", func() string { return fill("", "> ", "a") }},
	{"blockquote-growing", func() string { return growing(func(i int) string { return strings.Repeat(">", i) + " a\n\n" }) }},
	{"blockquote-deep-paragraphs", func() string { return fill("", strings.Repeat(">", 32)+"x\n\n", "") }},
	{"list-dash-run", func() string { return fill("", "- ", "x\n") }}, // goldmark #592
	{"list-star-run", func() string { return fill("", "* ", "a") }},
	{"list-plus-run", func() string { return fill("", "+ ", "x") }},
	{"list-ordered-run", func() string { return fill("", "1. ", "x") }},
	{"list-indented-nesting", func() string { return growing(func(i int) string { return strings.Repeat("  ", i) + "* a\n" }) }},
	{"list-in-blockquote-run", func() string { return fill("", "> - ", "x") }},
	{"list-deep-paragraphs", func() string { return fill("", strings.Repeat("- ", 32)+"x\n\n", "") }},
	{"list-many-items", func() string { return fill("", "- a\n", "") }},
	{"list-many-loose-items", func() string { return fill("", "1. a\n\n", "") }},
	// Emphasis delimiters that never match, or match in ways that rescan the delimiter stack.
	{"emphasis-nested-strong", func() string {
		n := (MaxSource - 1) / 14
		return strings.Repeat("*a **a ", n) + "b" + strings.Repeat(" a** a*", n)
	}},
	{"emphasis-closers-without-openers", func() string { return fill("", "a_ ", "") }},
	{"emphasis-openers-without-closers", func() string { return fill("", "_a ", "") }},
	{"emphasis-mismatched", func() string { return fill("", "*a_ ", "") }},
	{"emphasis-multiple-of-3", func() string { return fill("a**b", "c* ", "") }},
	{"emphasis-mixed-markers", func() string { return fill("", "*a_b*c_d**e_f*g**h*i_j**", "") }}, // goldmark #555
	{"emphasis-star-underscore-runs", func() string { return fill("", "**_* ", "") }},
	{"emphasis-a-triple-star", func() string { return fill("", "a***", "") }},
	{"emphasis-deep-stars", func() string {
		n := (MaxSource - 1) / 2
		return strings.Repeat("*", n) + "a" + strings.Repeat("*", n)
	}},
	{"strikethrough-unmatched", func() string { return fill("", "~~a~ ", "") }},
	// Brackets: link openers and closers, unclosed destinations and titles.
	{"link-openers", func() string { return fill("", "[", "") }},
	{"link-openers-with-text", func() string { return fill("", "[a", "") }},
	{"link-closers-with-text", func() string { return fill("", "a]", "") }},
	{"link-nested-brackets", func() string {
		n := (MaxSource - 1) / 2
		return strings.Repeat("[", n) + "a" + strings.Repeat("]", n)
	}},
	{"link-openers-emphasis-closers", func() string { return fill("", "[ a_", "") }},
	{"link-unclosed-angle-destination", func() string { return fill("", "[a](<b", "") }},
	{"link-unclosed-destination", func() string { return fill("", "[a](b", "") }},
	{"link-empty-text-unclosed", func() string { return fill("", "[](", "") }},
	{"link-paren-in-text", func() string { return fill("", "[ (](", "") }},
	{"link-unclosed-title", func() string { return fill("", `[a](b "`, "") }},
	{"link-bracket-paren-lines", func() string { return fill("", "]([\n", "") }}, // md4c #236
	{"link-full-reference-unclosed", func() string { return fill("", "[a][", "") }},
	{"image-unclosed-destination", func() string { return fill("", "![a](<b", "") }},
	{"image-openers", func() string { return fill("", "![", "") }},
	// Link reference definitions: many of them, and few used very often.
	{"references-many-definitions", func() string {
		var b strings.Builder
		for i := 1; b.Len() < MaxSource/2; i++ {
			fmt.Fprintf(&b, "[%d]: u\n", i)
		}
		return fill(b.String(), "[0] ", "")
	}},
	{"references-used-often", func() string { return fill("[x]: /"+strings.Repeat("x", 1000)+"\n", "\n\n[x]", "") }}, // md4c #238
	{"references-long-title-used-often", func() string {
		return fill("[x]: /u '"+strings.Repeat("t", 50_000)+"'\n", "\n\n[x]", "")
	}},
	{"references-shortcut-links", func() string { return fill("[a]: /u\n\n", "[a]", "") }},
	// Tables: padded cells, delimiter rows, sheer size.
	{"table-padded-cells", func() string {
		c := (MaxSource - 4) / 6
		return strings.Repeat("|a", c) + "|\n" + strings.Repeat("|-", c) + "|\n" + strings.Repeat("b\n", c)
	}}, // goldmark #589
	{"table-delimiter-rows", func() string { return fill("x\ny\n", "|-|\n", "") }}, // goldmark #588
	{"table-many-cells", func() string {
		row := strings.Repeat("|c", 100) + "|\n"
		return fill(strings.Repeat("|h", 100)+"|\n"+strings.Repeat("|-", 100)+"|\n", row, "")
	}},
	{"table-wide", func() string {
		c := (MaxSource - 8) / 6
		return strings.Repeat("|h", c) + "|\n" + strings.Repeat("|-", c) + "|\n" + strings.Repeat("|c", c) + "|\n"
	}},
	// Code spans and raw HTML that look for closers which never come.
	{"code-backtick-runs", func() string { return growing(func(i int) string { return "e" + strings.Repeat("`", i+1) }) }},
	{"code-escaped-backticks", func() string { return fill("", "\\``", "") }},
	{"html-lt-run", func() string { return fill("", "<", "") }},
	{"html-lt-gt-pairs", func() string { return fill("", "<>", "") }},
	{"html-unclosed-declarations", func() string { return fill("", "a <!X", "") }},
	{"html-unclosed-cdata", func() string { return fill("", "a <![CDATA[", "") }},
	{"html-unclosed-comments", func() string { return fill("", "a <!--", "") }},
	{"html-unclosed-attributes", func() string { return fill("", `a <b c="`, "") }},
	{"autolink-unclosed", func() string { return fill("", "<a:", "") }},
	// GFM autolinks (linkify) whose patterns scan far.
	{"linkify-www-underscores", func() string { return fill("", "_www.", "") }},
	{"linkify-www-without-tld", func() string { return fill("x", "_www.1", "") }},
	{"linkify-http-parens", func() string { return fill("", "(http://a", "") }},
	{"linkify-email-underscores", func() string { return fill("", "a_", "") }},
	{"linkify-email-parens", func() string { return fill("", "(a@", "") }},
	// Plain constructs in bulk: linear, but each costs a part. The first three stay just within
	// maxParts, so they are rendered in full: the most any body renders.
	{"many-hard-line-breaks", func() string { return strings.Repeat("a  \n", maxParts-10) }},
	{"many-table-cells", func() string {
		row := strings.Repeat("|c", 20) + "|\n"
		return strings.Repeat("|h", 20) + "|\n" + strings.Repeat("|-", 20) + "|\n" + strings.Repeat(row, maxParts/21-10)
	}},
	{"many-list-items", func() string { return strings.Repeat("- item\n", maxParts/2-10) }},
	{"hard-line-breaks", func() string { return fill("", "a  \n", "") }},
	{"soft-line-breaks", func() string { return fill("", "a\n", "") }},
	{"setext-headings", func() string { return fill("", "a\n=\n", "") }},
	{"entities", func() string { return fill("", "&amp;", "") }},
	{"nul-bytes", func() string { return fill("", "abc\x00de\x00", "") }},
}

// fill returns prefix, unit repeated and suffix, as long as a body may be.
func fill(prefix, unit, suffix string) string {
	n := (MaxSource - len(prefix) - len(suffix)) / len(unit)
	return prefix + strings.Repeat(unit, n) + suffix
}

// growing joins line(0), line(1), … while the body stays within MaxSource.
func growing(line func(i int) string) string {
	var b strings.Builder
	for i := 0; ; i++ {
		l := line(i)
		if b.Len()+len(l) > MaxSource {
			return b.String()
		}
		b.WriteString(l)
	}
}

func corpusPath(name string) string { return filepath.Join("testdata", "pathological", name+".md") }

func readCase(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(corpusPath(name))
	if err != nil {
		t.Fatalf("%v (run go test ./internal/markdown -run TestPathologicalCorpus -update)", err)
	}
	return string(b)
}

// TestPathologicalCorpus renders every corpus body. It asserts what can be asserted
// deterministically — the render finishes, and the HTML stays within a small multiple of the
// source — and leaves the time to BenchmarkPathological. Before the limits this test timed out.
func TestPathologicalCorpus(t *testing.T) {
	if *update {
		if err := os.MkdirAll(filepath.Join("testdata", "pathological"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tc := range pathological {
			if err := os.WriteFile(corpusPath(tc.name), []byte(tc.gen()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Skip("corpus rewritten; run again without -update")
	}
	for _, tc := range pathological {
		t.Run(tc.name, func(t *testing.T) {
			src := readCase(t, tc.name)
			if src != tc.gen() {
				t.Fatalf("testdata is out of date with its generator (run with -update)")
			}
			if len(src) > MaxSource {
				t.Fatalf("the body is %d bytes, more than a body may hold", len(src))
			}
			out, err := Render(src)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) == 0 {
				t.Fatal("nothing rendered")
			}
			if limit := 10*len(src) + 4096; len(out) > limit {
				t.Errorf("%d bytes of HTML from %d of Markdown (at most %d)", len(out), len(src), limit)
			}
			if strings.HasPrefix(tc.name, "many-") && strings.HasPrefix(string(out), string(plainText("")[:20])) {
				t.Error("shown as plain text, although within the limits")
			}
		})
	}
}

// BenchmarkPathological renders each corpus body; the slowest case is the figure that must stay
// under 100 ms (docs/BENCHMARKS.md, issue 10). Besides wall time per render it reports the CPU
// time the process spent per render (garbage collection included), which other load on the
// machine disturbs less:
//
//	go test ./internal/markdown -run '^$' -bench Pathological -benchtime 3x
func BenchmarkPathological(b *testing.B) {
	for _, tc := range pathological {
		src := readCase(b, tc.name)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			cpu := cpuTime()
			for b.Loop() {
				if _, err := Render(src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkOrdinary renders the hand-written documents of testdata/normal together, repeated to
// nearly MaxSource bytes: what a large ordinary body costs, for comparison.
func BenchmarkOrdinary(b *testing.B) {
	docs, _ := filepath.Glob(filepath.Join("testdata", "normal", "*.md"))
	var all strings.Builder
	for _, path := range docs {
		doc, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		all.Write(doc)
		all.WriteString("\n\n")
	}
	src := strings.Repeat(all.String(), MaxSource/all.Len())
	b.SetBytes(int64(len(src)))
	cpu := cpuTime()
	for b.Loop() {
		if _, err := Render(src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
