package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// Notes are Markdown (the editor says so), and the notes pane shows them formatted:
// **fed** bold, *kursiv* italic, `kode`, ~~streget~~, links with their address, lists
// with bullets, line breaks as the member wrote them. A note is a few lines, so this is
// a walk over goldmark's syntax tree (the CommonMark parser glamour uses) into styled
// lines, not a glamour render: microseconds, cheap enough for every layout.
var noteParser = goldmark.New(goldmark.WithExtensions(extension.Strikethrough, extension.Linkify)).Parser()

// noteMarkdown renders a note's Markdown as styled lines of at most width cells.
func noteMarkdown(src string, width int, st Styles) []string {
	source := []byte(src)
	doc := noteParser.Parse(text.NewReader(source))
	r := noteRenderer{src: source, st: st, width: max(width, 4)}
	r.blocks(doc, "", "")
	for i, l := range r.out {
		// Deep nesting in a narrow pane can leave no room after the prefixes.
		if ansi.StringWidth(l) > r.width {
			r.out[i] = ansi.Truncate(l, r.width, "")
		}
	}
	return r.out
}

type noteRenderer struct {
	src   []byte
	st    Styles
	width int
	out   []string
}

// blocks renders the block children of n; first prefixes the first line of the first
// block (a list bullet), rest every other line (its indent).
func (r *noteRenderer) blocks(n ast.Node, first, rest string) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		r.block(c, first, rest)
		first = rest
	}
}

func (r *noteRenderer) block(n ast.Node, first, rest string) {
	switch n := n.(type) {
	case *ast.List:
		i := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			bullet := "• "
			if n.IsOrdered() {
				bullet = strconv.Itoa(i) + ". "
				i++
			}
			r.blocks(item, first+bullet, rest+strings.Repeat(" ", ansi.StringWidth(bullet)))
			first = rest
		}
	case *ast.Blockquote:
		r.blocks(n, first+r.st.Subtle.Render("│ "), rest+r.st.Subtle.Render("│ "))
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			r.emit(first, rest, r.st.Subtle.Render(clean(strings.TrimRight(string(seg.Value(r.src)), "\n"))))
			first = rest
		}
	case *ast.ThematicBreak:
		r.out = append(r.out, first+r.st.Subtle.Render(strings.Repeat("─", max(r.width-ansi.StringWidth(first), 1))))
	case *ast.Heading:
		r.emit(first, rest, r.st.Bold.Render(r.inline(n, lipgloss.NewStyle())))
	case *ast.Paragraph, *ast.TextBlock:
		r.emit(first, rest, r.inline(n, lipgloss.NewStyle()))
	default:
		if n.HasChildren() {
			r.blocks(n, first, rest)
		}
	}
}

// emit wraps s (lines separated by \n) to the width after the prefixes.
func (r *noteRenderer) emit(first, rest, s string) {
	w := max(r.width-ansi.StringWidth(rest), 4)
	for _, para := range strings.Split(s, "\n") {
		for _, l := range strings.Split(ansi.Wrap(para, w, ""), "\n") {
			r.out = append(r.out, first+l)
			first = rest
		}
	}
}

// inline renders the inline children of n in style base (and what they add).
func (r *noteRenderer) inline(n ast.Node, base lipgloss.Style) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.WriteString(render(base, clean(string(c.Segment.Value(r.src)))))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte('\n') // the member's line break, kept
			}
		case *ast.String:
			b.WriteString(render(base, clean(string(c.Value))))
		case *ast.CodeSpan:
			b.WriteString(r.inline(c, r.st.Subtle))
		case *ast.Emphasis:
			if c.Level >= 2 {
				b.WriteString(r.inline(c, base.Bold(true)))
			} else {
				b.WriteString(r.inline(c, base.Italic(true)))
			}
		case *extast.Strikethrough:
			b.WriteString(r.inline(c, base.Strikethrough(true)))
		case *ast.Link:
			b.WriteString(r.inline(c, base.Underline(true)))
			if dest := clean(string(c.Destination)); dest != "" {
				b.WriteString(r.st.Subtle.Render(" (" + dest + ")"))
			}
		case *ast.AutoLink:
			b.WriteString(render(base.Underline(true), clean(string(c.URL(r.src)))))
		case *ast.RawHTML:
			segs := c.Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				b.WriteString(render(base, clean(string(seg.Value(r.src)))))
			}
		default:
			b.WriteString(r.inline(c, base))
		}
	}
	return b.String()
}

// render styles s unless the style has nothing to add (plain text stays plain, which
// keeps the golden views and the no-colour output free of empty escape sequences).
func render(st lipgloss.Style, s string) string {
	if s == "" {
		return ""
	}
	if out := st.Render(s); out != s {
		return out
	}
	return s
}

// clean drops control characters: a note may come from another member, and escape
// sequences in it must not reach the terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return -1
		}
		return r
	}, s)
}
