package document

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/net/html"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/htmlmd"
)

// FormatHTML is the Source.Format of a web page imported as reading material.
const FormatHTML = "html"

// SniffHTML reports whether data is an HTML page: a doctype or <html>, or a <head>/<body>,
// near its start.
func SniffHTML(data []byte) bool {
	head := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(data[:min(len(data), 1024)], []byte("\xef\xbb\xbf")), " \t\r\n"))
	if len(head) == 0 || head[0] != '<' {
		return false
	}
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html")) ||
		bytes.Contains(head, []byte("<head")) || bytes.Contains(head, []byte("<body"))
}

// ParseHTML turns a web page into one document: the title from <title> or the first <h1>,
// the body's sections at its headings, scripts, styles and navigation dropped. A page with
// no readable text is an error, not an empty document.
func ParseHTML(name string, data []byte) (agenda.Package, error) {
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		return agenda.Package{}, fmt.Errorf("%s is not a readable web page: %w", name, err)
	}
	title := textOf(first(doc, "title"))
	drop(doc)
	if title == "" {
		title = textOf(first(doc, "h1"))
	}
	body := first(doc, "body")
	if body == nil {
		return agenda.Package{}, fmt.Errorf("%s is a web page without a body", name)
	}
	var b bytes.Buffer
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return agenda.Package{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	secs, err := htmlmd.Sections(b.String())
	if err != nil {
		return agenda.Package{}, fmt.Errorf("%s is not a readable web page: %w", name, err)
	}
	var text strings.Builder
	for _, s := range secs {
		text.WriteString(s.Heading)
		text.WriteString(s.Text)
	}
	if strings.TrimSpace(text.String()) == "" {
		return agenda.Package{}, fmt.Errorf("%s: %w", name, errNoText)
	}
	if title == "" {
		title = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	d := agenda.Document{Title: title, Source: agenda.Source{Format: FormatHTML, Path: name}, Sections: secs}
	d.ID = agenda.DocumentID(&d, text.String())
	return agenda.Package{Documents: []agenda.Document{d}}, nil
}

var errNoText = errors.New("the web page holds no readable text")

// drop removes what a saved page carries besides its text.
func drop(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			switch c.Data {
			case "script", "style", "noscript", "nav", "head", "template", "iframe", "form", "button", "input", "select":
				n.RemoveChild(c)
				c = next
				continue
			}
		}
		if c.Type == html.CommentNode {
			n.RemoveChild(c)
			c = next
			continue
		}
		drop(c)
		c = next
	}
}

func first(n *html.Node, tag string) *html.Node {
	if n.Type == html.ElementNode && n.Data == tag {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := first(c, tag); f != nil {
			return f
		}
	}
	return nil
}

func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
