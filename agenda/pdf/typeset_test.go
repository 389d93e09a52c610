package pdf

import (
	"fmt"
	"strings"
)

// The typesetter sets documents the way agenda systems print them, in the standard
// fonts Helvetica and Helvetica-Bold with their real widths (Adobe's metrics), so that
// the extractor measures what a real PDF would make it measure: headings larger or bold,
// text wrapped at the right margin, running headers and footers, an outline.

// helvetica and helveticaBold are the widths, in thousandths of an em, of the printable
// ASCII characters 32–126 (from the fonts' AFM files).
var helvetica = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

var helveticaBold = [95]int{
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
	975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
	333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
	611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
}

// latinWidths are the Latin-1 letters Danish text uses, in WinAnsi: code → (regular, bold).
var latinWidths = map[rune][2]int{
	'Æ': {1000, 1000}, 'Ø': {778, 778}, 'Å': {667, 722}, 'æ': {889, 889}, 'ø': {611, 611},
	'å': {556, 556}, 'é': {556, 556}, 'ü': {556, 611}, 'ö': {556, 611}, 'ä': {556, 556},
	'–': {556, 556}, '•': {350, 350}, '§': {556, 556},
}

func glyphWidth(r rune, bold bool) int {
	if r >= 32 && r <= 126 {
		if bold {
			return helveticaBold[r-32]
		}
		return helvetica[r-32]
	}
	if w, ok := latinWidths[r]; ok {
		if bold {
			return w[1]
		}
		return w[0]
	}
	return 556
}

func textWidth(s string, bold bool, size float64) float64 {
	w := 0
	for _, r := range s {
		w += glyphWidth(r, bold)
	}
	return float64(w) / 1000 * size
}

// winAnsiWidths is a font's /Widths array for codes 32–255.
func winAnsiWidths(bold bool) string {
	var sb strings.Builder
	sb.WriteString("[")
	for c := 32; c <= 255; c++ {
		r := rune(c)
		switch c {
		case 0x96:
			r = '–'
		case 0x95:
			r = '•'
		}
		fmt.Fprintf(&sb, "%d ", glyphWidth(r, bold))
	}
	sb.WriteString("]")
	return sb.String()
}

func helveticaFont(bold bool) string {
	name := "Helvetica"
	if bold {
		name = "Helvetica-Bold"
	}
	return fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths %s >>", name, winAnsiWidths(bold))
}

// A4 with 2.5 cm margins.
const (
	pageW, pageH = 595.0, 842.0
	marginL      = 71.0
	marginR      = pageW - 71.0
	top          = 770.0
	bottomLimit  = 80.0
)

// typeset lays out a document page by page.
type typeset struct {
	pages   [][]tline
	cur     []tline
	y       float64
	body    float64 // body size
	outline []outlineEntry
	// header and footer draw a page's running header and footer, given its number and
	// the page count; nil for none.
	header func(n, of int) []tline
}

type outlineEntry struct {
	title string
	page  int // 0-based
}

func newTypeset(body float64) *typeset {
	return &typeset{y: top, body: body}
}

func (ts *typeset) newPage() {
	if len(ts.cur) > 0 || len(ts.pages) == 0 && ts.y < top {
		ts.pages = append(ts.pages, ts.cur)
	}
	ts.cur, ts.y = nil, top
}

// line sets one line of text at the left margin (plus indent), in font F1 (regular) or
// F2 (bold), moving down by 1.25 × size.
func (ts *typeset) line(text string, bold bool, size, indent float64) {
	if ts.y < bottomLimit {
		ts.newPage()
	}
	f := "F1"
	if bold {
		f = "F2"
	}
	ts.cur = append(ts.cur, tline{x: marginL + indent, y: ts.y, size: size, text: text, font: f})
	ts.y -= 1.25 * size
}

// para wraps text at the right margin as a word processor does, with a gap before it.
func (ts *typeset) para(text string, bold bool, size, indent float64) {
	ts.gap(0.6 * size)
	ts.wrapped(text, bold, size, indent)
}

// wrapped sets text in lines that wrap at the right margin, without a gap before it.
func (ts *typeset) wrapped(text string, bold bool, size, indent float64) {
	words := strings.Fields(text)
	cur := ""
	for _, w := range words {
		next := w
		if cur != "" {
			next = cur + " " + w
		}
		if cur != "" && marginL+indent+textWidth(next, bold, size) > marginR {
			ts.line(cur, bold, size, indent)
			cur = w
			continue
		}
		cur = next
	}
	if cur != "" {
		ts.line(cur, bold, size, indent)
	}
}

func (ts *typeset) gap(d float64) { ts.y -= d }

// mark adds an outline entry pointing at the current page.
func (ts *typeset) mark(title string) {
	ts.outline = append(ts.outline, outlineEntry{title, len(ts.pages)})
}

// pdf finishes the document: running headers and footers on every page, the outline.
func (ts *typeset) pdf() []byte {
	if len(ts.cur) > 0 {
		ts.pages = append(ts.pages, ts.cur)
		ts.cur = nil
	}
	var b builder
	pages := b.reserve()
	res := "/Font << /F1 " + helveticaFont(false) + " /F2 " + helveticaFont(true) + " >>"
	var kids []string
	var pageObjs []int
	for i, p := range ts.pages {
		if ts.header != nil {
			p = append(ts.header(i+1, len(ts.pages)), p...)
		}
		cs := b.deflated("", content(p))
		n := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents %d 0 R >>", pages, res, cs))
		kids = append(kids, fmt.Sprintf("%d 0 R", n))
		pageObjs = append(pageObjs, n)
	}
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	catalog := fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)
	if len(ts.outline) > 0 {
		root := b.reserve()
		var entries []int
		for range ts.outline {
			entries = append(entries, b.reserve())
		}
		for i, e := range ts.outline {
			link := ""
			if i > 0 {
				link += fmt.Sprintf(" /Prev %d 0 R", entries[i-1])
			}
			if i+1 < len(entries) {
				link += fmt.Sprintf(" /Next %d 0 R", entries[i+1])
			}
			b.set(entries[i], fmt.Sprintf("<< /Title %s /Parent %d 0 R /Dest [%d 0 R /XYZ 0 842 0]%s >>", pdfString(e.title), root, pageObjs[min(e.page, len(pageObjs)-1)], link))
		}
		b.set(root, fmt.Sprintf("<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>", entries[0], entries[len(entries)-1], len(entries)))
		catalog = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /Outlines %d 0 R /PageMode /UseOutlines >>", pages, root)
	}
	return b.bytes(b.add(catalog), "")
}
