package pdf

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
	"github.com/dagsorden/dagsorden/agenda/kltext"
	lpdf "github.com/ledongthuc/pdf"
)

// bodyStyle is the look most of the document's text is set in: the font size (to half a
// point) and weight that carry the most characters.
func bodyStyle(all [][]line) style {
	chars := map[style]int{}
	for _, ls := range all {
		for _, l := range ls {
			chars[style{math.Round(l.size*2) / 2, l.bold}] += utf8.RuneCountInString(l.text)
		}
	}
	var best style
	n := -1
	for s, c := range chars {
		if c > n || c == n && (s.size < best.size || s.size == best.size && !s.bold) {
			best, n = s, c
		}
	}
	return best
}

// heading: a line set larger than the body text, or bold where the body is not (and not
// smaller). A bold word inside a line does not make it one: every run must be bold.
func (x *extracted) heading(l line) bool {
	if x.body.size <= 0 {
		return false
	}
	return l.size >= 1.15*x.body.size || l.bold && !x.body.bold && l.size >= 0.95*x.body.size
}

// agendaLines is the document as kltext reads it: the rendered lines of every page with
// their look, pages apart by two blank lines (where the text of read puts a form feed).
func (x *extracted) agendaLines() []kltext.Line {
	var out []kltext.Line
	for p := range x.pages {
		if p > 0 {
			out = append(out, kltext.Line{}, kltext.Line{})
		}
		first := true
		for _, r := range x.render(p, true) {
			kl := kltext.Line{Text: r.text}
			if r.src >= 0 {
				kl.Heading = x.heading(x.pages[p][r.src])
				kl.PageStart = first
				first = false
			}
			out = append(out, kl)
		}
	}
	x.markOutline(out)
	return out
}

// markOutline marks the lines the outline's entries name: in document order, each entry
// the next line whose words are the entry's (or begin them: a long title wraps).
func (x *extracted) markOutline(lines []kltext.Line) {
	at := 0
	for _, title := range x.outline {
		want := agenda.NormalizeTitle(title)
		if utf8.RuneCountInString(want) < 3 {
			continue
		}
		for k := at; k < len(lines); k++ {
			got := agenda.NormalizeTitle(lines[k].Text)
			if got == "" {
				continue
			}
			if got == want || len(got) >= 8 && (strings.HasPrefix(want, got) || strings.HasPrefix(got, want)) {
				lines[k].Outline = true
				at = k + 1
				break
			}
		}
	}
}

// Bounds on the outline: real ones have an entry per item or chapter.
const (
	maxOutline      = 5000
	maxOutlineDepth = 8
)

// outline reads the titles of the document's outline (bookmarks) in order, depth first.
// The library's own walk follows First and Next without end on a loop and recurses
// without bound; this one stops at a bound on entries and on depth.
func (d *document) outline() (titles []string) {
	defer func() {
		if r := recover(); r != nil {
			titles = nil // a damaged outline is no outline; the text is still read
		}
	}()
	var walk func(v lpdf.Value, depth int)
	walk = func(v lpdf.Value, depth int) {
		for e := v.Key("First"); e.Kind() == lpdf.Dict && len(titles) < maxOutline; e = e.Key("Next") {
			if t := strings.TrimSpace(e.Key("Title").Text()); t != "" {
				titles = append(titles, t)
			} else {
				titles = append(titles, "") // keeps the count: a loop of untitled entries ends too
			}
			if depth < maxOutlineDepth {
				walk(e, depth+1)
			}
		}
	}
	walk(d.r.Trailer().Key("Root").Key("Outlines"), 0)
	out := titles[:0]
	for _, t := range titles {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// readingMaterial makes a document of a PDF in which no agenda was found: its title from
// the outline's first entry or the first page's heading, the date its first lines state,
// and one section a page.
func (x *extracted) readingMaterial(name string) agenda.Document {
	d := agenda.Document{Source: agenda.Source{Format: Format, Path: name}, Sections: []agenda.Section{}}
	var all strings.Builder
	for p := range x.pages {
		text := strings.TrimSpace(joinLines(x.render(p, true)))
		if text == "" {
			continue
		}
		all.WriteString(text)
		all.WriteByte('\f')
		d.Sections = append(d.Sections, agenda.Section{Heading: "Side " + strconv.Itoa(p+1), Text: text})
	}
	d.Title = x.title(name)
	if t, ok := x.firstDate(); ok {
		d.Date = t
	}
	d.ID = agenda.DocumentID(&d, all.String())
	return d
}

// title: the outline's first entry, else the first page's first heading (its largest
// line among the first ten), else the file's name without its extension.
func (x *extracted) title(name string) string {
	if len(x.outline) > 0 {
		return oneLineTitle(x.outline[0])
	}
	if len(x.pages) > 0 {
		best, size := "", 0.0
		for _, l := range x.pages[0][:min(10, len(x.pages[0]))] {
			if x.heading(l) && l.size > size && utf8.RuneCountInString(l.text) >= 3 {
				best, size = l.text, l.size
			}
		}
		if best != "" {
			return oneLineTitle(best)
		}
		for _, l := range x.pages[0] {
			if utf8.RuneCountInString(l.text) >= 3 {
				return oneLineTitle(l.text)
			}
		}
	}
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if base == "" {
		return "Uden titel"
	}
	return base
}

func oneLineTitle(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}

// firstDate is the first date stated in the first lines of the first page.
func (x *extracted) firstDate() (time.Time, bool) {
	if len(x.pages) == 0 {
		return time.Time{}, false
	}
	for _, l := range x.pages[0][:min(12, len(x.pages[0]))] {
		if d, ok := plaintext.FindDate(l.text); ok {
			return d.In(agenda.Copenhagen), true
		}
	}
	return time.Time{}, false
}
