package markdown

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Limits of one body. goldmark follows CommonMark to the letter, and some Markdown costs it time
// that grows with the square of the body (issue 10: 199,000 `>` took 16 s): nesting that never
// ends, brackets and emphasis markers that never close, table rows padded to any width, a link
// definition used 40,000 times. goldmark has no limits of its own, so newParser wraps its
// parsers in the ones below. A body past one of them is shown as plain text (Render); only
// nesting deeper than MaxNesting is handled in place. No ordinary document comes near them: a
// 200,000-byte manual has about 10,000 parts and spends less than two scan steps per byte.
const (
	// MaxNesting is how deep block quotes and lists may sit inside each other. A `>` or list
	// marker deeper than that is text.
	MaxNesting = 16

	// maxParts bounds the parts of a document: blocks, lines of text, inline elements, table
	// cells. Parsing, rendering and sanitising cost one to three microseconds per part.
	maxParts = 30_000

	// scanPerByte bounds, per byte of the body, the steps of goldmark's searches whose cost
	// grows faster than the text: walking back over open brackets and emphasis delimiters,
	// looking ahead for the end of a link or of a URL.
	scanPerByte = 32

	// maxTableFill bounds the empty cells goldmark adds to table rows shorter than their
	// header: c columns over r one-character rows would make c×r cells (goldmark #589; at
	// 200,000 bytes, a billion).
	maxTableFill = 10_000

	// maxLinkBytes bounds the bytes of destinations and titles of all links and images: a
	// reference definition repeats its URL and title wherever it is used.
	maxLinkBytes = 2 * MaxSource
)

// tooLarge is the panic that ends a parse past a limit; Render recovers it and shows the body
// as plain text. A panic because goldmark has no way for a parser to stop the parse.
type tooLarge struct{ limit string }

var workKey = parser.NewContextKey()

// work is what one document has spent of its limits, kept in the parser context, and what the
// limits know of the leaf block (paragraph, heading, table cell) whose inlines goldmark is
// parsing. goldmark parses a block's inlines left to right, so the searches below only ever move
// forward, and each byte of a block is searched at most once for each kind of closer.
type work struct {
	parts, scans, fill, linkBytes, maxScans int

	block  ast.Node
	start  int      // offset of the block's first byte
	end    int      // offset just past the block's last line
	delims []delim  // the emphasis and strikethrough delimiters goldmark holds for the block
	stay   int      // how many of them stay in goldmark's list while it matches (see delim)
	opener [256]int // how many of them can open, by character
	opens  []label  // the block's `[` and `![` that no `]` has closed yet

	space, angle, bracket cursor // the next whitespace, unescaped `>`, unescaped `]`

	runs    map[int][]int // offsets of the block's backtick runs, by run length
	runNext map[int]int   // index in runs of the first run not yet passed
}

// delim is an emphasis or strikethrough delimiter. goldmark matches a closing delimiter by
// walking back over the delimiters still in its list; it drops a closer that nothing before it
// could open (same character, able to open) and that cannot open itself. Every other delimiter
// stays and lengthens the walks of the closers after it.
type delim struct {
	at      int
	char    byte
	canOpen bool
	stays   bool
}

// label is an open `[` or `![`: where it is, and how many delimiters came before it (goldmark's
// "bottom" for the link).
type label struct{ at, bottom int }

// workIn returns the document's work.
func workIn(pc parser.Context, src []byte) *work {
	if w, ok := pc.Get(workKey).(*work); ok {
		return w
	}
	w := &work{maxScans: max(scanPerByte*len(src), 1<<16)}
	pc.Set(workKey, w)
	return w
}

// workOf returns the document's work with the block state set for the leaf block parent.
func workOf(parent ast.Node, block text.Reader, pc parser.Context) *work {
	w := workIn(pc, block.Source())
	if w.block != parent {
		lines := parent.Lines()
		w.block, w.start, w.end = parent, 0, 0
		if lines.Len() > 0 {
			w.start, w.end = lines.At(0).Start, lines.At(lines.Len()-1).Stop
		}
		w.delims, w.opens, w.stay, w.opener = w.delims[:0], w.opens[:0], 0, [256]int{}
		w.space, w.angle, w.bracket = cursor{}, cursor{}, cursor{}
		w.runs, w.runNext = nil, nil
	}
	return w
}

func (w *work) part() {
	if w.parts++; w.parts > maxParts {
		panic(tooLarge{"parts"})
	}
}

func (w *work) scan(n int) {
	if w.scans += n; w.scans > w.maxScans {
		panic(tooLarge{"scans"})
	}
}

// blockLimit wraps every block parser: each block it opens is a part, and so is each line of a
// block that holds text (a container's lines are its children's). The block quote and list
// parsers (nests) do not open at MaxNesting containers deep, so the line is read as text.
type blockLimit struct {
	parser.BlockParser
	nests, container bool
}

// Open implements parser.BlockParser.
func (p blockLimit) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	if p.nests {
		depth := 0
		for n := parent; n != nil; n = n.Parent() {
			if n.Kind() == ast.KindBlockquote || n.Kind() == ast.KindList {
				depth++
			}
		}
		if depth >= MaxNesting {
			return nil, parser.NoChildren
		}
	}
	node, state := p.BlockParser.Open(parent, reader, pc)
	if node != nil {
		workIn(pc, reader.Source()).part()
	}
	return node, state
}

// Continue implements parser.BlockParser.
func (p blockLimit) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	if !p.container {
		workIn(pc, reader.Source()).part()
	}
	return p.BlockParser.Continue(node, reader, pc)
}

// inlineLimit wraps the inline parsers that need no more than counting: each element is a part.
type inlineLimit struct{ parser.InlineParser }

// Parse implements parser.InlineParser.
func (p inlineLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	n := p.InlineParser.Parse(parent, block, pc)
	if n != nil {
		workIn(pc, block.Source()).part()
	}
	return n
}

// delimiterLimit wraps the emphasis and strikethrough parsers. A closing delimiter costs the
// delimiters goldmark will walk back over to match it: at most those that stay before it. A run
// of n `*` may open up to n elements, so it counts as n parts.
type delimiterLimit struct{ parser.InlineParser }

// Parse implements parser.InlineParser.
func (p delimiterLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	w := workOf(parent, block, pc)
	_, seg := block.PeekLine()
	n := p.InlineParser.Parse(parent, block, pc)
	d, ok := n.(*parser.Delimiter)
	if !ok {
		if n != nil {
			w.part()
		}
		return n
	}
	if d.CanClose {
		w.scan(1 + w.stay)
	}
	for range d.OriginalLength {
		w.part()
	}
	e := delim{at: seg.Start, char: d.Char, canOpen: d.CanOpen}
	e.stays = d.CanOpen || !d.CanClose || w.opener[d.Char] > 0
	w.delims = append(w.delims, e)
	if e.stays {
		w.stay++
	}
	if e.canOpen {
		w.opener[e.char]++
	}
	return n
}

// dropDelims forgets the delimiters from index i on: goldmark resolved them inside a link.
func (w *work) dropDelims(i int) {
	for _, e := range w.delims[i:] {
		if e.stays {
			w.stay--
		}
		if e.canOpen {
			w.opener[e.char]--
		}
	}
	w.delims = w.delims[:i]
}

// linkLimit wraps goldmark's link parser. Each `]` costs the span back to its `[` (goldmark
// walks it to look for links in links and reads it as a label), what goldmark scans after the
// `]`, the lines left in the block (goldmark's reader finds a label's line by counting back
// from the last), and — when delimiters came after the `[` — the span back to the delimiter
// before it (goldmark walks the nodes between them).
type linkLimit struct{ parser.InlineParser }

// Parse implements parser.InlineParser.
func (p linkLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	w := workOf(parent, block, pc)
	line, seg := block.PeekLine()
	switch {
	case line[0] == '[' || line[0] == '!' && len(line) > 1 && line[1] == '[':
		n := p.InlineParser.Parse(parent, block, pc)
		if n != nil {
			w.part()
			w.opens = append(w.opens, label{at: seg.Start, bottom: len(w.delims)})
		}
		return n
	case line[0] == ']' && len(w.opens) > 0:
		open := w.opens[len(w.opens)-1]
		w.opens = w.opens[:len(w.opens)-1] // goldmark drops the last label at every `]`
		at, _ := block.Position()
		cost := seg.Start - open.at + w.afterLabel(block.Source(), seg.Start+1) + 3*(w.block.Lines().Len()-at)
		if len(w.delims) > open.bottom {
			from := w.start
			if open.bottom > 0 {
				from = w.delims[open.bottom-1].at
			}
			cost += seg.Start - from
		}
		w.scan(cost)
		n := p.InlineParser.Parse(parent, block, pc)
		switch l := n.(type) {
		case *ast.Link:
			w.linked(open, len(l.Destination)+len(l.Title))
		case *ast.Image:
			w.linked(open, len(l.Destination)+len(l.Title))
		}
		return n
	}
	return p.InlineParser.Parse(parent, block, pc)
}

// linked books a link or image goldmark made: it resolved the delimiters inside and dropped them.
func (w *work) linked(open label, linkBytes int) {
	w.part()
	w.dropDelims(open.bottom)
	if w.linkBytes += linkBytes; w.linkBytes > maxLinkBytes {
		panic(tooLarge{"link bytes"})
	}
}

// CloseBlock implements parser.CloseBlocker: goldmark turns the brackets left open into text.
func (p linkLimit) CloseBlock(parent ast.Node, block text.Reader, pc parser.Context) {
	p.InlineParser.(parser.CloseBlocker).CloseBlock(parent, block, pc)
}

// afterLabel is what goldmark scans after the `]` at offset i at most: an inline link's
// destination up to the first whitespace (or `<…>` up to its `>`) and then a title up to the
// block's end; a full reference up to its `]`.
func (w *work) afterLabel(src []byte, i int) int {
	if i >= w.end {
		return 0
	}
	switch src[i] {
	case '(':
		j := skipSpaces(src, i+1, w.end)
		var k int
		if j < w.end && src[j] == '<' {
			k = w.angle.find(src, j, w.end, isAngleCloser)
		} else {
			k = w.space.find(src, j, w.end, isSpace)
		}
		cost := k - i
		if t := skipSpaces(src, k, w.end); t < w.end && (src[t] == '"' || src[t] == '\'' || src[t] == '(') {
			cost += w.end - t
		}
		return cost
	case '[':
		return w.bracket.find(src, i+1, w.end, isBracketCloser) - i
	}
	return 0
}

// cursor finds the first byte of a kind at or after an offset, remembering where it last
// looked, so that a later search from further on costs nothing while it starts before the find.
type cursor struct{ from, at int }

func (c *cursor) find(src []byte, from, end int, is func(src []byte, i int) bool) int {
	if c.at != 0 && from >= c.from && from <= c.at {
		return c.at
	}
	i := from
	for i < end && !is(src, i) {
		i++
	}
	c.from, c.at = from, i
	return i
}

func isSpace(src []byte, i int) bool {
	switch src[i] {
	case ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return false
}

// isAngleCloser and isBracketCloser find where goldmark's search for `>` (on the line) and `]`
// (across lines) ends at the latest: a closer after a backslash may be escaped, so it is passed
// over — the costs may come out high, never low.
func isAngleCloser(src []byte, i int) bool {
	return src[i] == '\n' || src[i] == '>' && (i == 0 || src[i-1] != '\\')
}

func isBracketCloser(src []byte, i int) bool { return src[i] == ']' && (i == 0 || src[i-1] != '\\') }

func skipSpaces(src []byte, i, end int) int {
	for i < end && isSpace(src, i) {
		i++
	}
	return i
}

// codeSpanLimit wraps goldmark's code span parser, which looks for a closing run of as many
// backticks to the end of the block every time: a block of unmatched runs cost the square of
// its length. This wrapper knows the block's runs, so when no closer follows it answers as
// goldmark would — the backticks as text — without the search.
type codeSpanLimit struct{ parser.InlineParser }

// Parse implements parser.InlineParser.
func (p codeSpanLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	w := workOf(parent, block, pc)
	w.part()
	line, seg := block.PeekLine()
	n := 0
	for n < len(line) && line[n] == '`' {
		n++
	}
	if !w.hasCloser(block.Source(), seg.Start+n, n) {
		block.Advance(n)
		return ast.NewTextSegment(seg.WithStop(seg.Start + n))
	}
	return p.InlineParser.Parse(parent, block, pc)
}

// hasCloser reports whether a run of exactly n backticks starts at or after offset from.
func (w *work) hasCloser(src []byte, from, n int) bool {
	if w.runs == nil {
		w.runs, w.runNext = map[int][]int{}, map[int]int{}
		lines := w.block.Lines()
		for i := range lines.Len() {
			s := lines.At(i)
			for j := s.Start; j < s.Stop; {
				if src[j] != '`' {
					j++
					continue
				}
				k := j
				for k < s.Stop && src[k] == '`' {
					k++
				}
				w.runs[k-j] = append(w.runs[k-j], j)
				j = k
			}
		}
	}
	runs, next := w.runs[n], w.runNext[n]
	for next < len(runs) && runs[next] < from {
		next++
	}
	w.runNext[n] = next
	return next < len(runs)
}

// linkifyLimit wraps the GFM autolink (linkify) parser. Where the text after its trigger starts
// like a URL, goldmark runs a regular expression whose host part, `[…]{1,256}`, keeps up to 256
// matches alive at once: a run of h host characters costs about h² steps, and when no URL
// matches, such runs can follow each other (`_www._www.…`). A URL that matches is consumed, so
// what comes after the host is scanned once.
type linkifyLimit struct{ parser.InlineParser }

var urlStarts = [][]byte{[]byte("http://"), []byte("https://"), []byte("ftp://"), []byte("www.")}

// Parse implements parser.InlineParser.
func (p linkifyLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, _ := block.PeekLine()
	rest := line
	switch line[0] { // linkify skips the character that triggered it, if it is one of these
	case ' ', '*', '_', '~', '(':
		rest = line[1:]
	}
	if len(rest) > 3 && (rest[0] == 'h' || rest[0] == 'f' || rest[0] == 'w') {
		for _, start := range urlStarts {
			if bytes.HasPrefix(rest, start) {
				h := 0
				for _, c := range rest[len(start):min(len(rest), len(start)+300)] {
					if !isHostByte(c) {
						break
					}
					h++
				}
				workIn(pc, block.Source()).scan(regexpCall + 2*h*h)
				break
			}
		}
	}
	n := p.InlineParser.Parse(parent, block, pc)
	if n != nil {
		workIn(pc, block.Source()).part()
	}
	return n
}

// regexpCall is what starting one of goldmark's regular expressions costs, in scan steps.
const regexpCall = 64

// isHostByte is the host part of linkify's URL expressions: [-a-zA-Z0-9@:%._\+~#=].
func isHostByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte("-@:%._+~#=", c) >= 0
}

// rawHTMLLimit wraps goldmark's inline HTML parser: each `<` followed by a letter or `/` and a
// letter runs a regular expression for a tag.
type rawHTMLLimit struct{ parser.InlineParser }

// Parse implements parser.InlineParser.
func (p rawHTMLLimit) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	w := workIn(pc, block.Source())
	if line, _ := block.PeekLine(); len(line) > 1 && (isAlnum(line[1]) || line[1] == '/' && len(line) > 2 && isAlnum(line[2])) {
		w.scan(regexpCall)
	}
	n := p.InlineParser.Parse(parent, block, pc)
	if n != nil {
		w.part()
	}
	return n
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tableLimit wraps goldmark's table transformer. It refuses a table that would take the
// document past maxTableFill padded cells before goldmark builds it, and counts every cell of
// the tables goldmark builds as a part.
type tableLimit struct{ parser.ParagraphTransformer }

// Transform implements parser.ParagraphTransformer.
func (t tableLimit) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	w := workIn(pc, reader.Source())
	if w.fill += tableFill(node.Lines(), reader.Source()); w.fill > maxTableFill {
		panic(tooLarge{"table fill"})
	}
	parent, next := node.Parent(), node.NextSibling()
	t.ParagraphTransformer.Transform(node, reader, pc)
	made := parent.LastChild()
	if next != nil {
		made = next.PreviousSibling()
	}
	if table, ok := made.(*east.Table); ok {
		for row := table.FirstChild(); row != nil; row = row.NextSibling() {
			for range row.ChildCount() {
				w.part()
			}
		}
	}
}

// tableFill is at least the number of cells goldmark adds to the rows of the table it may make
// of these lines: rows after the first delimiter row, padded to the widest delimiter row.
func tableFill(lines *text.Segments, src []byte) int {
	cols, fill, delimiter := 0, 0, false
	for i := 1; i < lines.Len(); i++ {
		seg := lines.At(i)
		line := seg.Value(src)
		if looksLikeDelimiterRow(line) {
			delimiter = true
			cols = max(cols, pipes(line)+1)
			continue
		}
		if delimiter {
			fill += max(0, cols-max(1, pipes(line)-1)) // goldmark trims a pipe at each end
		}
	}
	return fill
}

// looksLikeDelimiterRow is goldmark's test for a table's delimiter row (`|---|:-:|`) without its
// check of each cell, so it accepts every row goldmark does.
func looksLikeDelimiterRow(line []byte) bool {
	dash := false
	for _, c := range line {
		switch c {
		case '-':
			dash = true
		case '|', ':', ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return dash
}

// pipes counts the `|` not escaped by a backslash: goldmark splits cells at them.
func pipes(line []byte) int {
	n := 0
	for i, c := range line {
		if c == '|' && (i == 0 || line[i-1] != '\\') {
			n++
		}
	}
	return n
}

// definitionChunks wraps goldmark's link reference definition transformer, which reads the
// definitions at the start of a paragraph one by one; each one costs it the lines after it (its
// reader finds a line by counting back from the last), so 25,000 definitions cost 300 million
// steps. This wrapper hands it a long paragraph definitionChunk lines at a time for as long as
// it finds nothing but definitions. Only a definition running across a chunk's last line could
// read differently, and no ordinary paragraph has that many lines. Each definition is a part.
type definitionChunks struct{ parser.ParagraphTransformer }

const definitionChunk = 1000

// Transform implements parser.ParagraphTransformer.
func (t definitionChunks) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	w := workIn(pc, reader.Source())
	lines := node.Lines()
	if lines.Len() <= definitionChunk {
		parent, prev, next := node.Parent(), node.PreviousSibling(), node.NextSibling()
		t.ParagraphTransformer.Transform(node, reader, pc)
		for def := nextOf(parent, prev); def != nil && def != ast.Node(node) && def != next; def = def.NextSibling() {
			w.part()
		}
		return
	}
	rest := append([]text.Segment(nil), lines.Sliced(0, lines.Len())...)
	for first := true; ; first = false {
		n := min(definitionChunk, len(rest))
		chunk := text.NewSegments()
		chunk.AppendAll(rest[:n])
		rest = rest[n:]
		node.SetLines(chunk)
		parent, prev, next := node.Parent(), node.PreviousSibling(), node.NextSibling()
		t.ParagraphTransformer.Transform(node, reader, pc)
		for def := nextOf(parent, prev); def != nil && def != ast.Node(node) && def != next; def = def.NextSibling() {
			w.part()
		}
		if def := nextOf(parent, prev); !first && def != nil && def != ast.Node(node) && def != next {
			def.SetBlankPreviousLines(false) // goldmark gives only a paragraph's first definition its blank lines
		}
		if node.Parent() != nil { // a line that is no definition: the rest is the paragraph's text
			left := node.Lines()
			left.AppendAll(rest)
			node.SetLines(left)
			return
		}
		if len(rest) == 0 { // nothing but definitions
			return
		}
		if next != nil {
			parent.InsertBefore(parent, next, node)
		} else {
			parent.AppendChild(parent, node)
		}
	}
}

// nextOf is the node after prev, or parent's first child when prev is nil.
func nextOf(parent, prev ast.Node) ast.Node {
	if prev == nil {
		return parent.FirstChild()
	}
	return prev.NextSibling()
}
