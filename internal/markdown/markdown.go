// Package markdown renders the Markdown bodies of content nodes to HTML that is safe to show:
// goldmark renders (GitHub-flavoured tables, strikethrough, autolinks), bluemonday's UGC policy
// removes scripts, event handlers, javascript: links and anything else not meant for user content.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	renderer = goldmark.New(goldmark.WithExtensions(extension.GFM))
	policy   = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// MaxSource bounds what Render accepts, so a preview request cannot make the server work on
// megabytes of text.
const MaxSource = 200_000

// Render converts Markdown to sanitised HTML. Source longer than MaxSource is cut.
func Render(src string) (template.HTML, error) {
	if len(src) > MaxSource {
		src = src[:MaxSource]
	}
	var buf bytes.Buffer
	if err := renderer.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes())), nil // #nosec: sanitised just above
}
