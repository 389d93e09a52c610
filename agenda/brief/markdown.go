package brief

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// notes are Markdown (the editor says so); the HTML brief shows them formatted, with
// goldmark, the CommonMark parser glamour already brings. Hard line breaks: a member who
// writes two lines means two lines, as in the notes pane.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

// noteHTML renders a note's Markdown as HTML that is safe to put in the page: the
// member's (or another member's) text cannot add markup of its own. Raw HTML in the
// note is shown as text (every "<" is escaped before parsing, so goldmark sees no tag)
// and goldmark drops javascript: and other dangerous link targets without WithUnsafe.
func noteHTML(text string) template.HTML {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	src := strings.NewReplacer("&", "&amp;", "<", "&lt;").Replace(text)
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(text)) //nolint:gosec // escaped
	}
	return template.HTML(bytes.TrimSpace(b.Bytes())) //nolint:gosec // goldmark's output of escaped input
}
