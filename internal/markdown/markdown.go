// Package markdown renders the Markdown bodies of content nodes to HTML that is safe to show:
// goldmark renders (GitHub-flavoured tables, strikethrough, autolinks), bluemonday's UGC policy
// removes scripts, event handlers, javascript: links and anything else not meant for user content.
// limits.go keeps the cost of any body of up to MaxSource bytes small.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

var (
	md = goldmark.New(
		goldmark.WithParser(newParser()),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(
			util.Prioritized(extension.NewTableHTMLRenderer(), 500),
			util.Prioritized(extension.NewStrikethroughHTMLRenderer(), 500),
			util.Prioritized(extension.NewTaskCheckBoxHTMLRenderer(), 500),
		)),
	)
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// newParser is goldmark's parser with GitHub-flavoured Markdown — the same parsers at the same
// priorities as goldmark.New(goldmark.WithExtensions(extension.GFM)) — every one wrapped in the
// limits of limits.go.
func newParser() parser.Parser {
	blocks := parser.DefaultBlockParsers()
	for i, v := range blocks {
		nests := v.Value == parser.NewBlockquoteParser() || v.Value == parser.NewListParser()
		container := nests || v.Value == parser.NewListItemParser()
		blocks[i].Value = blockLimit{v.Value.(parser.BlockParser), nests, container}
	}
	linkify := extension.NewLinkifyParser()
	inlines := append(parser.DefaultInlineParsers(),
		util.Prioritized(linkify, 999),
		util.Prioritized(extension.NewStrikethroughParser(), 500),
		util.Prioritized(extension.NewTaskCheckBoxParser(), 0),
	)
	for i, v := range inlines {
		p := v.Value.(parser.InlineParser)
		switch p {
		case parser.NewLinkParser():
			inlines[i].Value = linkLimit{p}
		case parser.NewEmphasisParser(), extension.NewStrikethroughParser():
			inlines[i].Value = delimiterLimit{p}
		case parser.NewCodeSpanParser():
			inlines[i].Value = codeSpanLimit{p}
		case linkify:
			inlines[i].Value = linkifyLimit{p}
		case parser.NewRawHTMLParser():
			inlines[i].Value = rawHTMLLimit{p}
		default:
			inlines[i].Value = inlineLimit{p}
		}
	}
	return parser.NewParser(
		parser.WithBlockParsers(blocks...),
		parser.WithInlineParsers(inlines...),
		parser.WithParagraphTransformers(
			util.Prioritized(definitionChunks{parser.LinkReferenceParagraphTransformer}, 100),
			util.Prioritized(tableLimit{extension.NewTableParagraphTransformer()}, 200),
		),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
	)
}

// MaxSource bounds what Render accepts, so a preview request cannot make the server work on
// megabytes of text.
const MaxSource = 200_000

// Render converts Markdown to sanitised HTML. Source longer than MaxSource is cut. A body past
// the limits of limits.go is shown as plain text, with a sentence saying why.
func Render(src string) (template.HTML, error) {
	if len(src) > MaxSource {
		src = src[:MaxSource]
	}
	html, ok, err := convert([]byte(src))
	if err != nil {
		return "", err
	}
	if !ok {
		return plainText(src), nil
	}
	return template.HTML(policy.SanitizeBytes(html)), nil // #nosec: sanitised just above
}

// convert renders source with goldmark, or reports false when the parse went past a limit.
func convert(source []byte) (html []byte, ok bool, err error) {
	doc, ok := parse(source)
	if !ok {
		return nil, false, nil
	}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return nil, true, err
	}
	return buf.Bytes(), true, nil
}

// parse parses source, or reports false when the parse went past a limit.
func parse(source []byte) (doc ast.Node, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, past := r.(tooLarge); !past {
				panic(r)
			}
			doc, ok = nil, false
		}
	}()
	return md.Parser().Parse(text.NewReader(source)), true
}

// plainText shows a body past the limits as the text it is.
func plainText(src string) template.HTML {
	return template.HTML(`<p><em>This text is too large or too intricate to show formatted, so it is shown as plain text.</em></p>` +
		"<pre>" + template.HTMLEscapeString(src) + "</pre>") // #nosec: escaped
}
