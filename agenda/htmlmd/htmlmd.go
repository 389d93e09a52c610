// Package htmlmd turns the HTML fragments that agenda systems publish (FirstAgenda item
// fields, ESDH bullet contents) into clean Markdown, and splits an item body into its
// headed sections.
//
// It parses with golang.org/x/net/html and converts with html-to-markdown v2: no regular
// expression ever looks at HTML here. It is pure (string in, Markdown out) and must not
// keep any HTML in its output: the reader shows the Markdown in a terminal, the recommendation
// splitter reads it line by line, and notes quote it.
package htmlmd

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/dagsorden/dagsorden/agenda"
)

// ToMarkdown converts an HTML fragment to Markdown. It sanitises first: drops <meta>,
// <title>, <script>, <style>, <head>, comments; resolves entities; CRLF → LF; collapses runs
// of blank lines; strips empty emphasis; never leaves raw HTML tags in the output.
func ToMarkdown(src string) (string, error) {
	doc, err := parse(src)
	if err != nil {
		return "", err
	}
	return render(doc)
}

// Sections splits an HTML body on its <h1>–<h4> headings (FirstAgenda uses <h3>) into
// agenda.Section{Heading, Text(Markdown)}; text before the first heading becomes a section
// with an empty heading (omit when blank).
//
// Heading is the heading's plain text (entities resolved, white space collapsed); Text is
// Markdown. Headings may sit at any depth (FirstAgenda nests them in <div>/<span> wrappers), so the
// tree is cut at each heading and the wrappers around the cut are repeated on both sides.
// A heading without text still ends the section before it and starts one without a
// heading: Greve's editors leave <h2><br></h2> where they deleted a heading's words, and
// what follows is no longer part of the Indstilling above it. A headed section whose body is blank is dropped too: in FirstAgenda that is the
// "Fremstilling" wrapper directly followed by its sub-headings, and it carries nothing to
// read.
func Sections(src string) ([]agenda.Section, error) { return sections(src, false) }

// AllSections is Sections keeping headed sections whose body is blank (with Text ""), for
// an importer that must see where a heading stood: an "Indstilling" heading left empty
// with its list under the next heading.
func AllSections(src string) ([]agenda.Section, error) { return sections(src, true) }

func sections(src string, keepEmpty bool) ([]agenda.Section, error) {
	doc, err := parse(src)
	if err != nil {
		return nil, err
	}
	body := findBody(doc)
	if body == nil {
		return nil, nil
	}
	segs := split(body)
	out := make([]agenda.Section, 0, len(segs))
	for _, s := range segs {
		text, err := render(s.root)
		if err != nil {
			return nil, err
		}
		if text == "" && (!keepEmpty || s.heading == "") {
			continue
		}
		out = append(out, agenda.Section{Heading: s.heading, Text: text})
	}
	return out, nil
}

// parse reads src as the content of a <body>, then sanitises the tree in place.
func parse(src string) (*html.Node, error) {
	// CR would survive into text nodes and from there into the Markdown.
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		// x/net/html refuses trees nested deeper than 512 elements; nothing else fails.
		return nil, fmt.Errorf("read HTML: %w", err)
	}
	sanitise(doc)
	return doc, nil
}

// dropped are elements whose content is not text for a reader: document metadata that
// some sites leave inside item bodies, code, embedded objects, and form controls.
var dropped = map[atom.Atom]bool{
	atom.Head: true, atom.Meta: true, atom.Title: true, atom.Script: true, atom.Style: true,
	atom.Link: true, atom.Base: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Math: true,
	atom.Input: true, atom.Textarea: true, atom.Select: true, atom.Button: true,
	atom.Canvas: true, atom.Audio: true, atom.Video: true,
}

// inline formatting that means nothing when it holds no visible text: left in place the
// converter writes "** **" or "* *".
var emphasis = map[atom.Atom]bool{
	atom.Em: true, atom.I: true, atom.Strong: true, atom.B: true, atom.U: true, atom.S: true,
	atom.Strike: true, atom.Del: true, atom.Ins: true, atom.Mark: true, atom.Font: true,
	atom.Span: true, atom.Sup: true, atom.Sub: true, atom.Small: true, atom.Big: true,
	atom.Cite: true, atom.Q: true, atom.Abbr: true,
}

var code = map[atom.Atom]bool{atom.Code: true, atom.Tt: true, atom.Kbd: true, atom.Samp: true, atom.Var: true}

// breakLines replaces the line breaks in the text below n with <br> elements.
func breakLines(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.ElementNode:
			breakLines(c)
		case html.TextNode:
			lines := strings.Split(strings.TrimSuffix(c.Data, "\n"), "\n")
			if len(lines) > 1 {
				for i, l := range lines {
					if i > 0 {
						n.InsertBefore(&html.Node{Type: html.ElementNode, Data: "br", DataAtom: atom.Br}, c)
					}
					n.InsertBefore(&html.Node{Type: html.TextNode, Data: l}, c)
				}
				n.RemoveChild(c)
			}
		}
		c = next
	}
}

// textReplacer normalises characters that read badly in a terminal or defeat blank-line
// detection: no-break spaces (Word's "&nbsp;" paragraphs), soft hyphens and zero-width
// characters.
var textReplacer = strings.NewReplacer(
	"\u00a0", " ", "\u202f", " ", "\u2007", " ",
	"\u00ad", "", "\u200b", "", "\u200c", "", "\u200d", "", "\ufeff", "",
)

func sanitise(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.CommentNode, html.DoctypeNode:
			n.RemoveChild(c)
		case html.TextNode:
			c.Data = textReplacer.Replace(c.Data)
		case html.ElementNode:
			if dropped[c.DataAtom] || c.Namespace != "" {
				n.RemoveChild(c)
				break
			}
			if c.DataAtom == atom.Img {
				// A terminal cannot show the picture, and Word pastes them as
				// megabyte-long data: URLs; the alternative text is what a reader can use.
				if alt := strings.Join(strings.Fields(attr(c, "alt")), " "); alt != "" {
					n.InsertBefore(&html.Node{Type: html.TextNode, Data: alt}, c)
				}
				n.RemoveChild(c)
				break
			}
			c.Attr = keptAttrs(c)
			if c.DataAtom == atom.Pre {
				// Agendas are not code: a <pre> is pasted plain text (an e-mail, a
				// list) whose line breaks matter. As a paragraph with breaks it reads
				// the same, and its text is escaped like all other text, where a code
				// block would carry "<b>" into the Markdown verbatim.
				c.DataAtom, c.Data = atom.P, "p"
				breakLines(c)
			}
			sanitise(c)
			if code[c.DataAtom] {
				unwrap(c) // likewise: code spans would keep "<b>" verbatim
				break
			}
			if headingAtom[c.DataAtom] && proseHeading(c) {
				demote(c)
			}
			if emphasis[c.DataAtom] && blank(c) {
				unwrap(c)
			}
		}
		c = next
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// keptAttrs keeps only the attributes the Markdown can carry (a link's target, a cell's
// span); titles and the like would otherwise reach the output as quoted raw text.
func keptAttrs(n *html.Node) []html.Attribute {
	var keep []html.Attribute
	for _, a := range n.Attr {
		switch {
		case n.DataAtom == atom.A && a.Key == "href",
			(n.DataAtom == atom.Td || n.DataAtom == atom.Th) && (a.Key == "colspan" || a.Key == "rowspan"):
			keep = append(keep, a)
		}
	}
	return keep
}

var headingAtom = map[atom.Atom]bool{
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
}

// proseHeading reports whether heading h is really a paragraph or a table cell's text that
// an editor formatted as a heading. Agenda editors do that: Greve has items whose
// Indstilling reads <h4>Administrationen indstiller, at</h4><h4>1. aftale … godkendes.</h4>,
// and tables whose cells are <h3>. Cutting sections there would scatter one paragraph
// over many sections and hide the recommendation's lead-in from the splitter.
func proseHeading(h *html.Node) bool {
	for p := h.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode {
			switch p.DataAtom {
			case atom.Td, atom.Th, atom.Li, atom.Caption, atom.Dd, atom.Dt:
				return true
			}
		}
	}
	text := textOf(h)
	if text == "" {
		return false
	}
	words := strings.Fields(text)
	last := strings.ToLower(words[len(words)-1])
	switch {
	case len(words) > 12, utf8.RuneCountInString(text) > 100:
		return true // a heading is a few words; this is a paragraph
	case strings.HasSuffix(text, ",") || strings.HasSuffix(text, ":") && len(words) > 1 || last == "at" || last == "at:":
		return true // a lead-in that continues into what follows
	case strings.HasSuffix(text, ".") && len(words) > 3:
		return true // a sentence
	case len(words) > 1 && listMarker(words[0]):
		return true // "1. aftale om …": a list item
	}
	return false
}

// listMarker reports whether w opens a numbered or bulleted line: "1.", "2)", "-", "•".
func listMarker(w string) bool {
	switch w {
	case "-", "–", "•", "*":
		return true
	}
	n := len(w)
	if n < 2 || n > 3 || (w[n-1] != '.' && w[n-1] != ')') {
		return false
	}
	for i := 0; i < n-1; i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// demote turns a heading into a paragraph, or into plain inline content inside a table
// cell (a block would make the cell multi-line and the table unconvertible).
func demote(h *html.Node) {
	for p := h.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.DataAtom == atom.Td || p.DataAtom == atom.Th) {
			h.DataAtom, h.Data = atom.Span, "span"
			// The heading was a block of its own: keep its words apart from the next.
			h.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, h.NextSibling)
			return
		}
	}
	h.DataAtom, h.Data = atom.P, "p"
}

// blank reports whether n shows no text and no image.
func blank(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				return false
			}
		case html.ElementNode:
			if c.DataAtom == atom.Img || !blank(c) {
				return false
			}
		}
	}
	return true
}

// unwrap replaces n by its children (a <br> inside an empty <em> still breaks the line).
func unwrap(n *html.Node) {
	p := n.Parent
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		p.InsertBefore(c, n)
		c = next
	}
	p.RemoveChild(n)
}

func findBody(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == atom.Body {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if b := findBody(c); b != nil {
			return b
		}
	}
	return nil
}

// textOf returns the visible text of n with white space collapsed: the heading text.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
			return
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Br {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func isHeading(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4:
		return true
	}
	return false
}

type segment struct {
	heading string
	root    *html.Node
}

// split cuts body at every <h1>–<h4>, copying the tree so that each segment is
// a complete tree of its own that the converter can render.
func split(body *html.Node) []segment {
	newRoot := func() *html.Node { return &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body} }
	segs := []segment{{root: newRoot()}}
	var src []*html.Node              // the source elements enclosing the current position
	dst := []*html.Node{segs[0].root} // their copies in the current segment; dst[0] is its root
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if isHeading(c) {
				segs = append(segs, segment{heading: textOf(c), root: newRoot()})
				dst = []*html.Node{segs[len(segs)-1].root}
				for _, a := range src {
					cl := shallow(a)
					dst[len(dst)-1].AppendChild(cl)
					dst = append(dst, cl)
				}
				continue
			}
			if c.Type == html.ElementNode && c.FirstChild != nil {
				cl := shallow(c)
				dst[len(dst)-1].AppendChild(cl)
				src = append(src, c)
				dst = append(dst, cl)
				walk(c)
				src = src[:len(src)-1]
				dst = dst[:len(dst)-1]
				continue
			}
			dst[len(dst)-1].AppendChild(shallow(c))
		}
	}
	walk(body)
	return segs
}

func shallow(n *html.Node) *html.Node {
	cl := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace}
	cl.Attr = append([]html.Attribute(nil), n.Attr...)
	return cl
}

// converters holds ready converters. Building one registers every plugin's handlers, and
// one converter takes a shared lock for every byte of text it escapes, so goroutines
// converting at the same time each take their own rather than contend for one.
var converters = sync.Pool{New: func() any {
	return converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(
			// Between two adjacent lists the converter would otherwise write the HTML
			// comment "<!--THE END-->".
			commonmark.WithListEndComment(false),
		),
		table.NewTablePlugin(
			table.WithHeaderPromotion(true),
			table.WithSkipEmptyRows(true),
			// Aligned padding counts "&lt;" before tidy turns it into "<", and a terminal
			// table is re-laid out by the renderer anyway.
			table.WithCellPaddingBehavior(table.CellPaddingBehaviorMinimal),
		),
	))
}}

func render(n *html.Node) (string, error) {
	conv := converters.Get().(*converter.Converter)
	defer converters.Put(conv)
	out, err := conv.ConvertNode(n)
	if err != nil {
		return "", fmt.Errorf("convert HTML to Markdown: %w", err)
	}
	return tidy(string(out)), nil
}

// tidy finishes the converter's Markdown: no blank-but-spaced lines, at most one blank line
// in a row, and "<"/">" written as characters again where they cannot be read as a tag.
func tidy(md string) string {
	md = strings.ReplaceAll(md, "\r", "")
	lines := strings.Split(md, "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			if len(out) == 0 || out[len(out)-1] == "" {
				continue
			}
			l = ""
		}
		out = append(out, unentity(l))
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// unentity undoes the converter's "&lt;"/"&gt;" for text that a Markdown reader cannot take
// for HTML: "&lt;" stays only before a letter, "/", "!" or "?" (where "<" could open a
// tag), and "&gt;" stays only at the start of a line (where ">" would open a quote).
func unentity(line string) string {
	if !strings.Contains(line, "&lt;") && !strings.Contains(line, "&gt;") {
		return line
	}
	var b strings.Builder
	lead := true // still in the line's leading white space
	for i := 0; i < len(line); {
		switch {
		case strings.HasPrefix(line[i:], "&lt;"):
			if i+4 < len(line) && tagStart(line[i+4]) {
				b.WriteString("&lt;")
			} else {
				b.WriteByte('<')
			}
			i += 4
			lead = false
			continue
		case strings.HasPrefix(line[i:], "&gt;"):
			if lead {
				b.WriteString("&gt;")
			} else {
				b.WriteByte('>')
			}
			i += 4
			lead = false
			continue
		}
		if line[i] != ' ' && line[i] != '\t' {
			lead = false
		}
		b.WriteByte(line[i])
		i++
	}
	return b.String()
}

func tagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
