// Package document imports reading material that is not an agenda — newsletters, folders
// about a body, programmes for a political meeting, notes — from plain text or Markdown
// into an agenda.Document: a title, the date it states, and sections that read well as
// Markdown. It is the importer for .txt and .md files and the fallback for any UTF-8 text
// that no agenda importer claims.
//
// It is pure: bytes in, agenda types out; it reads no files and never panics on bad input.
// It must not take agendas: Sniff leaves text that agenda/kltext recognises to that package,
// and leaves JSON, HTML and XML alone.
//
// Reading material comes from PDF and web extractions, so beside Markdown's own structure
// the importer recognises what such text means by its shape: the title and date in the
// masthead, headings as short lines standing alone, a programme's timed slots, and the
// artifacts to drop (dead links, image descriptions, page-split paragraphs).
package document

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
	"github.com/dagsorden/dagsorden/agenda/kltext"
)

// Source.Format of the documents this package imports.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
)

// Extensions are the file name endings this package imports by name: plain text and
// Markdown.
var Extensions = []string{".txt", ".text", ".md", ".markdown"}

// Sniff reports whether data is UTF-8 text that is not an agenda, nor JSON, HTML, XML or
// PDF. It looks at the first few kilobytes only.
func Sniff(data []byte) bool {
	if !plaintext.LooksLikeText(data) {
		return false
	}
	head := bytes.TrimLeft(plaintext.Head(data, 512), " \t\r\n\ufeff")
	switch {
	case len(head) == 0, head[0] == '{', head[0] == '<', bytes.HasPrefix(head, []byte("%PDF-")):
		return false
	case head[0] == '[':
		// A JSON array, not a Markdown link.
		rest := bytes.TrimLeft(head[1:], " \t\r\n")
		if len(rest) == 0 || strings.IndexByte(`{["0123456789-]tfn`, rest[0]) >= 0 {
			return false
		}
	}
	return !kltext.Sniff(data)
}

// Parse turns text into one document. name is the file name, used in messages, as
// Source.Path and as the title of last resort.
func Parse(name string, data []byte) (agenda.Package, error) {
	text, err := plaintext.Decode(name, data)
	if err != nil {
		return agenda.Package{}, err
	}
	lines := plaintext.Lines(text)
	meta, lines := frontMatter(lines)
	lines = dropDeadLinkLines(lines)
	blocks := timedSlots(plaintext.Repair(plaintext.Blocks(lines)))

	d := agenda.Document{
		Source: agenda.Source{Format: format(name, blocks), Path: name},
	}
	title, date, rest := masthead(blocks)
	if meta.title != "" {
		// The author named the document: the first lines are text, not a masthead.
		title, rest = meta.title, blocks
	}
	if meta.hasDate {
		date = &meta.date
	}
	if title == "" {
		title, rest = firstHeading(rest)
	}
	if title == "" {
		title = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	if title == "" || title == "." {
		title = "Uden titel"
	}
	d.Title = title
	if date != nil {
		d.Date = date.In(agenda.Copenhagen)
	}
	d.Sections = sections(rest)
	d.ID = agenda.DocumentID(&d, text)
	return agenda.Package{Documents: []agenda.Document{d}}, nil
}

func format(name string, blocks []plaintext.Block) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown":
		return FormatMarkdown
	}
	for _, b := range blocks {
		if b.Kind == plaintext.Heading {
			return FormatMarkdown
		}
	}
	return FormatText
}

type meta struct {
	title   string
	date    plaintext.Date
	hasDate bool
}

// frontMatter reads a Markdown file's YAML front matter ("---", "title: …", "date: …",
// "---") and returns the lines after it. Only title and date are used.
func frontMatter(lines []string) (meta, []string) {
	var m meta
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return m, lines
	}
	for i := 1; i < len(lines) && i < 100; i++ {
		l := strings.TrimSpace(lines[i])
		if l == "---" || l == "..." {
			return m, lines[i+1:]
		}
		key, val, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"'`)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "title", "titel":
			m.title = plaintext.StripEmphasis(plaintext.CleanInline(val))
		case "date", "dato":
			m.date, m.hasDate = plaintext.FindDate(val)
		}
	}
	return meta{}, lines // no closing line: it was not front matter
}

// dropDeadLinkLines removes lines that are nothing but a dead link ("[Se nyhedsbrevet
// online her](#)", "[Klik her for at framelde dig vores nyhedsbrev](#)"): an invitation to
// follow a link that no longer goes anywhere.
func dropDeadLinkLines(lines []string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		if plaintext.DeadLinkOnly(strings.TrimSpace(l)) {
			out = append(out, "") // keep the paragraph break the line made
			continue
		}
		out = append(out, l)
	}
	return out
}

// A programme's timed slot: "15.00 - Velkomst ved …", "kl. 9.30–10.00 Oplæg".
var slotRe = regexp.MustCompile(`^(?:kl\.?\s*)?(\d{1,2}[.:]\d{2}(?:\s*[-–]\s*\d{1,2}[.:]\d{2})?)\s*(?:[-–:]\s*)?(\p{Lu}.*)$`)

// timedSlots turns a run of paragraphs that each start with a time of day into one list,
// "- **15.00** Velkomst …", which is how a programme reads best. One lone time is prose.
func timedSlots(blocks []plaintext.Block) []plaintext.Block {
	out := make([]plaintext.Block, 0, len(blocks))
	for i := 0; i < len(blocks); {
		j, items := i, []plaintext.Line{}
		for ; j < len(blocks); j++ {
			slot, ok := slotLines(blocks[j])
			if !ok {
				break
			}
			items = append(items, slot...)
		}
		if len(items) >= 2 {
			out = append(out, plaintext.Block{Kind: plaintext.List, Lines: items, Pos: blocks[i].Pos})
			i = j
			continue
		}
		out = append(out, blocks[i])
		i++
	}
	return out
}

func slotLines(b plaintext.Block) ([]plaintext.Line, bool) {
	if b.Kind != plaintext.Prose {
		return nil, false
	}
	var items []plaintext.Line
	for _, l := range b.Lines {
		m := slotRe.FindStringSubmatch(l.Text)
		if m == nil || l.Join != plaintext.Break {
			return nil, false
		}
		items = append(items, plaintext.Line{Marker: "-", Text: "**" + m[1] + "** " + m[2]})
	}
	return items, true
}

// kindWords start the title of reading material.
var kindWords = []string{"nyhedsbrev", "nyhedsmail", "program", "folder", "invitation",
	"indbydelse", "referat", "dagsorden", "notat", "pjece", "årsberetning", "årsrapport",
	"orientering", "velkommen", "status"}

var fieldLineRe = regexp.MustCompile(`^\p{L}+:\s`)

// masthead reads the title and date from the blocks before the body text begins (at most
// 16): the line that names the kind of document ("Nyhedsmail fra …", "Program for …"),
// preferring one that states a date, then a Markdown heading, then the first line. The
// date is the first one stated there. The masthead up to and including the title is not
// repeated in the sections.
func masthead(blocks []plaintext.Block) (string, *plaintext.Date, []plaintext.Block) {
	end := 0
	for end < len(blocks) && end < 16 && !bodyText(blocks[end]) {
		end++
	}
	var date *plaintext.Date
	for _, b := range blocks[:end] {
		for _, l := range b.Lines {
			if d, ok := plaintext.FindDate(l.Text); ok {
				date = &d
				break
			}
		}
		if date != nil {
			break
		}
	}
	best, bestScore, title := -1, -1, ""
	for i, b := range blocks[:end] {
		t, ok := titleCandidate(b)
		if !ok {
			continue
		}
		score := 0
		low := strings.ToLower(t)
		for _, w := range kindWords {
			if strings.HasPrefix(low, w) {
				score += 2
				break
			}
		}
		if _, ok := plaintext.FindDate(t); ok {
			score++
		}
		if b.Kind == plaintext.Heading {
			score++
		}
		if score > bestScore {
			best, bestScore, title = i, score, t
		}
	}
	if best < 0 {
		return "", date, blocks
	}
	return title, date, blocks[best+1:]
}

// bodyText: a list, code, or a paragraph that reads as running text rather than as a
// masthead line.
func bodyText(b plaintext.Block) bool {
	switch b.Kind {
	case plaintext.Heading:
		return false
	case plaintext.List, plaintext.Code:
		return true
	}
	for _, l := range b.Lines {
		if utf8.RuneCountInString(l.Text) >= 100 {
			return true
		}
	}
	t := b.Text()
	return strings.ContainsAny(lastRune(t), ".!?") && len(strings.Fields(t)) >= 8
}

func lastRune(s string) string {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:]
}

// titleCandidate: a one-line paragraph or a heading that could be a title — not a date
// alone, an address, a contact line or a "Key: value" line.
func titleCandidate(b plaintext.Block) (string, bool) {
	if (b.Kind != plaintext.Prose && b.Kind != plaintext.Heading) || len(b.Lines) != 1 {
		return "", false
	}
	t := strings.TrimSpace(strings.TrimRight(plaintext.StripEmphasis(b.Lines[0].Text), ".:"))
	if utf8.RuneCountInString(t) > 120 || strings.ContainsAny(t, "@©") ||
		strings.Contains(t, "://") || strings.Contains(t, "](") || fieldLineRe.MatchString(t) {
		return "", false
	}
	rest := t
	if d, ok := plaintext.FindDate(t); ok {
		rest = t[:d.Start] + t[d.End:]
	}
	letters := 0
	for _, r := range rest {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < 4 {
		return "", false
	}
	return plaintext.SmartCase(t), true
}

// firstHeading takes the first Markdown heading as the title when the masthead named none.
func firstHeading(blocks []plaintext.Block) (string, []plaintext.Block) {
	for i, b := range blocks {
		if b.Kind == plaintext.Heading && b.Level > 0 {
			if t := plaintext.SmartCase(b.Text()); t != "" {
				rest := append(append([]plaintext.Block{}, blocks[:i]...), blocks[i+1:]...)
				return t, rest
			}
		}
	}
	return "", blocks
}

// sections splits the body at its top-level headings: the Markdown headings of the
// highest level when the text has any (deeper ones stay as sub-headings, from ### down),
// otherwise the short lines that stand as headings. Text before the first heading is a
// section without a heading.
func sections(blocks []plaintext.Block) []agenda.Section {
	top := 0
	for _, b := range blocks {
		if b.Kind == plaintext.Heading && b.Level > 0 && (top == 0 || b.Level < top) {
			top = b.Level
		}
	}
	if top == 0 {
		blocks = plaintext.MarkHeadings(blocks)
	}
	out := []agenda.Section{}
	var cur *agenda.Section
	var body []plaintext.Block
	flush := func() {
		text := plaintext.Render(body)
		if cur != nil {
			cur.Text = text
			out = append(out, *cur)
		} else if text != "" {
			out = append(out, agenda.Section{Text: text})
		}
		cur, body = nil, nil
	}
	for _, b := range blocks {
		if b.Kind == plaintext.Heading && b.Level == top {
			flush()
			cur = &agenda.Section{Heading: strings.TrimSpace(strings.TrimRight(plaintext.SmartCase(b.Text()), ":"))}
			continue
		}
		if b.Kind == plaintext.Heading {
			b.Level = min(b.Level-top+2, 6)
			b.Lines = []plaintext.Line{{Text: plaintext.SmartCase(b.Text())}}
		}
		body = append(body, b)
	}
	flush()
	return out
}
