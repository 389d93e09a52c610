// Package kltext imports agendas and minutes that reach the member as plain text: KL's
// and the KKRs' agendas as text extracted from their PDFs ("DAGSORDEN 2023", "KKR
// HOVEDSTADEN", "Dato: 21-04-2023 10:00", a table of contents, then "3.1. Title" items
// with a case line and Baggrund / Indstilling / Sagsfremstilling / Bilag sections), and the
// other layouts Danish agendas are printed in: FirstAgenda's "Punkt 3: Title", eDoc's "3."
// on a line of its own, Acadre's numbers running through the year ("715."). agenda/pdf
// hands it the text of PDF agendas.
//
// It is pure: bytes in, agenda types out. It reads no files, makes no network calls and
// never panics on bad input; a text it cannot read is an error of one sentence. It does not
// import reading material (newsletters, programmes): that is agenda/document's job, and
// Sniff leaves such texts alone.
//
// The parser is a line-oriented state machine: the cover (kind, body, date, place, formøde)
// and the table of contents until the first item heading, then items, each with its case
// and metadata lines and sections. What is particular to a layout (its headings, table of
// contents and section names) lives in a layout value (see layout.go); detect picks the
// layout from the first lines.
package kltext

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
)

// Format is the Source.Format of meetings this package imports.
const Format = "kl-text"

// Sniff reports whether data looks like agenda text this package reads: a cover that says
// DAGSORDEN or REFERAT, followed by a "Dato:" line, a table of contents or numbered items.
// It looks at the first 8 KB only.
func Sniff(data []byte) bool {
	if !plaintext.LooksLikeText(data) {
		return false
	}
	return detect(plaintext.Lines(string(plaintext.Head(data, 8192)))) != nil
}

// Parse turns agenda text into one meeting. name is the file name, used in messages and as
// Source.Path.
func Parse(name string, data []byte) (agenda.Package, error) {
	text, err := plaintext.Decode(name, data)
	if err != nil {
		return agenda.Package{}, err
	}
	return ParseText(name, text)
}

// ErrNotAgenda is returned (wrapped) for text that has no agenda cover.
var ErrNotAgenda = errors.New("not agenda text")

// ErrNoItems is returned (wrapped) for text in which no agenda items were found, with a
// cover or without one. Text that ParseLines refuses with it is reading material.
var ErrNoItems = errors.New("no agenda items")

// ParseText is Parse for text that is already decoded and checked, such as the text
// agenda/pdf extracts from a PDF. Pages may be separated by form feeds.
func ParseText(name, text string) (agenda.Package, error) {
	lines := plaintext.Lines(text)
	lay := detect(lines)
	if lay == nil {
		return agenda.Package{}, fmt.Errorf("%s is %w: no DAGSORDEN or REFERAT cover was found", name, ErrNotAgenda)
	}
	p := newParser(lay, lines)
	p.run()
	if len(p.items) == 0 {
		return agenda.Package{}, fmt.Errorf("%s has an agenda cover but no numbered %w", name, errItems)
	}
	m := p.meeting(name)
	agenda.AssignIDs(&m)
	return agenda.Package{Meetings: []agenda.Meeting{m}}, nil
}

// errItems reads "items" in a sentence and is ErrNoItems to errors.Is.
var errItems = wrapped{"items", ErrNoItems}

type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

// Line is one line of agenda text with what its source knows of how it is set. Text files
// know nothing of it; a PDF knows which lines are set as headings and which its outline
// (bookmarks) names.
type Line struct {
	Text string
	// Heading: set larger or bolder than the document's body text.
	Heading bool
	// Outline: an entry of the document's outline points at this line.
	Outline bool
	// PageStart: the first line of a page. An item heading's title does not run on
	// across a page break.
	PageStart bool
}

// ParseLines reads a meeting from lines that carry their look, as agenda/pdf extracts
// them. Unlike Parse it needs no cover: the layout is the one whose item headings the
// document bears out best (heading-styled lines whose numbering runs on through the
// document, outline entries, the case lines and agenda sections under them), and a cover
// only adds to that evidence. Text in which no agenda is found is an error wrapping
// ErrNoItems: the caller imports it as reading material.
func ParseLines(name string, lines []Line) (agenda.Package, error) {
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.Text
	}
	lay := detect(texts)
	if lay == nil {
		lay = score(texts, lines)
	}
	if lay == nil {
		return agenda.Package{}, fmt.Errorf("%s has no agenda %w", name, errItems)
	}
	p := newParser(lay, texts)
	p.style = lines
	p.styled = p.headingsStyled()
	p.run()
	if len(p.items) == 0 {
		return agenda.Package{}, fmt.Errorf("%s has no agenda %w", name, errItems)
	}
	if p.cover.body == "" {
		p.cover.body = p.cover.headerBody
		if p.cover.kindLine >= 0 {
			p.cover.body = p.cover.lastBody
		}
	}
	m := p.meeting(name)
	if p.cover.kindLine < 0 {
		// No cover says which: minutes are what carries decisions.
		for _, it := range m.Items {
			if it.Decision != "" {
				m.Kind = agenda.KindMinutes
				m.Title = title(m)
				break
			}
		}
	}
	agenda.AssignIDs(&m)
	return agenda.Package{Meetings: []agenda.Meeting{m}}, nil
}

// detect returns the layout the text is in, judged from its first lines, or nil.
func detect(lines []string) *layout {
	head := lines
	if len(head) > 400 {
		head = head[:400]
	}
	for _, l := range layouts {
		if l.sniff(head) {
			return l
		}
	}
	return nil
}

func (p *parser) meeting(name string) agenda.Meeting {
	c := p.cover
	m := agenda.Meeting{
		Body:     agenda.Body{Name: c.body},
		Kind:     c.kind,
		Location: c.location,
		Source:   agenda.Source{Format: Format, Path: name},
		Items:    p.items,
	}
	if c.hasDate {
		day := c.date.In(agenda.Copenhagen)
		at := func(h, min int) time.Time {
			return time.Date(day.Year(), day.Month(), day.Day(), h, min, 0, 0, agenda.Copenhagen)
		}
		m.Start = day
		if c.hasClock {
			m.Start = at(c.clock.Hour, c.clock.Minute)
			if c.clock.HasEnd {
				m.End = at(c.clock.EndHour, c.clock.EndMinute)
			}
		}
		if c.hasPremeeting {
			m.Premeeting = at(c.premeeting.Hour, c.premeeting.Minute)
		}
	}
	if m.Location == "" && len(c.address) > 0 {
		m.Location = strings.Join(c.address, ", ")
	}
	m.Title = title(m)
	return m
}

var kindWords = map[agenda.Kind]string{
	agenda.KindAgenda:        "Dagsorden",
	agenda.KindMinutes:       "Referat",
	agenda.KindSupplementary: "Tillægsdagsorden",
	agenda.KindExtraordinary: "Ekstraordinær dagsorden",
}

// title is "Dagsorden — KKR Hovedstaden 21. april 2023", leaving out what is unknown.
func title(m agenda.Meeting) string {
	parts := []string{}
	if m.Body.Name != "" {
		parts = append(parts, m.Body.Name)
	}
	if !m.Start.IsZero() {
		parts = append(parts, agenda.DanishDate(m.Start))
	}
	if len(parts) == 0 {
		return kindWords[m.Kind]
	}
	return kindWords[m.Kind] + " — " + strings.Join(parts, " ")
}
