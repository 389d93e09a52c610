package pdf

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// line is one line of text on a page, in reading order.
type line struct {
	text  string // words joined by spaces; columns (a gap of two ems or more) by a tab
	bold  bool   // every run is set in a bold font
	x, y  float64
	end   float64 // where the last run ends
	size  float64
	blank bool // a paragraph gap stands before it
}

// Gaps, in ems of the larger font on either side. A space in the fonts agendas use is about
// 0.25 em and justified text stretches it to about 0.6; table columns and tab stops stand
// further apart than two.
var tabSpaceRe = regexp.MustCompile(`[ ]*\t[ ]*`)

const (
	wordGap   = 0.15
	columnGap = 2.0
)

// layoutLines orders a page's runs into lines: runs whose baselines lie within a third of
// an em are one line, read left to right, and lines run top to bottom. That is the reading
// order of single-column agendas and keeps table rows (Bilag, the cover's member list) on
// one line each; text in two columns would interleave.
func layoutLines(runs []run) []line {
	if len(runs) == 0 {
		return nil
	}
	rs := slices.Clone(runs)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].y > rs[j].y })
	var lines []line
	var cur []run
	flush := func() {
		if len(cur) == 0 {
			return
		}
		sort.SliceStable(cur, func(i, j int) bool { return cur[i].x < cur[j].x })
		lines = append(lines, joinRuns(cur))
		cur = cur[:0]
	}
	base, size := 0.0, 0.0
	for _, r := range rs {
		if len(cur) > 0 && base-r.y <= 0.35*math.Max(size, r.size) {
			cur = append(cur, r)
			size = math.Max(size, r.size)
			continue
		}
		flush()
		cur = append(cur, r)
		base, size = r.y, r.size
	}
	flush()
	return lines
}

func joinRuns(rs []run) line {
	var sb strings.Builder
	l := line{x: rs[0].x, y: rs[0].y, bold: true}
	var prev *run
	end := 0.0
	for i := range rs {
		r := &rs[i]
		if prev != nil && r.text == prev.text && math.Abs(r.x-prev.x) < 0.3*r.size && (prev.w <= 0 || math.Abs(r.x-prev.x) < 0.5*prev.w) {
			// Drawn twice, slightly offset: simulated bold. Not the same letter twice
			// in a row, each its own string ("tt" in LibreOffice's TJ arrays), which
			// stands a whole letter further on.
			continue
		}
		l.size = math.Max(l.size, r.size)
		l.bold = l.bold && r.bold
		if prev != nil {
			em := math.Max(prev.size, r.size)
			gap := r.x - end
			text := sb.String()
			switch {
			case gap >= columnGap*em:
				sb.WriteByte('\t')
			case gap >= wordGap*em && !strings.HasSuffix(text, " ") && !strings.HasPrefix(r.text, " "):
				sb.WriteByte(' ')
			}
		}
		sb.WriteString(r.text)
		w := r.w
		if w <= 0 {
			w = 0.5 * r.size * float64(utf8.RuneCountInString(r.text))
		}
		end = math.Max(end, r.x+w)
		prev = r
	}
	l.text = strings.TrimSpace(sb.String())
	if strings.Contains(l.text, "\t") {
		// A run that ends in a space before a column ("Sagsnr.: " then "12/27845").
		l.text = tabSpaceRe.ReplaceAllString(l.text, "\t")
	}
	l.end = end
	return l
}

// linePitch estimates the document's line pitch, in ems: the distance between the lines
// of one paragraph. Short paragraphs are common (headings, case lines, one-line
// decisions), so the median would often be the paragraph gap; the low end of the
// distribution is the pitch, kept between single and one-and-a-half spacing.
func linePitch(all [][]line) float64 {
	var pitches []float64
	for _, lines := range all {
		for i := 1; i < len(lines); i++ {
			d := lines[i-1].y - lines[i].y
			if d > 0.9*lines[i].size && d < 3*lines[i].size {
				pitches = append(pitches, d/lines[i].size)
			}
		}
	}
	if len(pitches) == 0 {
		return 1.2
	}
	slices.Sort(pitches)
	return min(max(pitches[len(pitches)/5], 1.0), 1.6)
}

// markParagraphs marks the lines that stand after a paragraph gap: a distance from the line
// above well over the line pitch.
func markParagraphs(lines []line, pitch float64) {
	for i := 1; i < len(lines); i++ {
		size := math.Max(lines[i-1].size, lines[i].size)
		d := lines[i-1].y - lines[i].y
		lines[i].blank = d > 1.4*pitch*lines[i].size && d > 1.3*size
	}
}

// cleanText repairs what fonts put in the text stream: symbol-font bullets (private-use
// code points) become "•", ligatures their letters, no-break and odd spaces plain spaces,
// and soft hyphens vanish.
func cleanText(s string) string {
	if isASCII(s) {
		return s
	}
	var sb strings.Builder
	for i, r := range s {
		switch {
		case r >= 0xF000 && r <= 0xF0FF:
			// Symbol and Wingdings glyphs: in agendas they are bullets.
			if strings.TrimSpace(s[:i]) == "" {
				sb.WriteString("•")
			}
		case r == 0xFB00:
			sb.WriteString("ff")
		case r == 0xFB01:
			sb.WriteString("fi")
		case r == 0xFB02:
			sb.WriteString("fl")
		case r == 0xFB03:
			sb.WriteString("ffi")
		case r == 0xFB04:
			sb.WriteString("ffl")
		case r == 0x00AD, r == 0x200B, r == 0x200C, r == 0x200D, r == 0xFEFF:
		case r == 0x2010, r == 0x2011:
			sb.WriteByte('-')
		case r == 0x00A0 || r == 0x2007 || r == 0x202F || (r >= 0x2000 && r <= 0x200A):
			sb.WriteByte(' ')
		case r == '▪', r == '●', r == '■', r == '◦', r == '➢', r == '➤': // common bullet glyphs
			if strings.TrimSpace(s[:i]) == "" {
				sb.WriteString("•")
			} else {
				sb.WriteRune(r)
			}
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// badRune is a code point that no real agenda text holds: the replacement character a
// decoder writes for an unknown code, control characters, and private-use code points
// outside the symbol fonts' range.
func badRune(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case r == '\t' || r == '\n' || r == '\r' || r == '\f':
		return false
	case unicode.IsControl(r):
		return true
	case r >= 0xE000 && r <= 0xF8FF:
		return r < 0xF000 || r > 0xF0FF
	}
	return false
}

// quality counts what garble detection needs: all non-space code points, the bad ones, and
// the letters and digits.
type quality struct{ total, bad, alnum int }

func (q *quality) add(s string) {
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case badRune(r):
			q.bad++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			q.alnum++
		}
		q.total++
	}
}

// garbled says why the text cannot be trusted, or "" when it can: more than one code point
// in twenty unreadable, or (over a page's worth) fewer than half letters and digits, which
// is what a font whose codes map to the wrong glyph names produces.
func (q quality) garbled() string {
	switch {
	case q.total == 0:
		return ""
	case q.bad*20 > q.total:
		return "its fonts do not say which letters they draw"
	case q.total >= 400 && q.alnum*2 < q.total:
		return "most of it is not letters or digits"
	}
	return ""
}

// scrub removes the unreadable code points of a run. A run that is mostly unreadable is
// dropped whole: its few readable code points would be noise.
func scrub(s string) string {
	bad, n := 0, 0
	for _, r := range s {
		n++
		if badRune(r) {
			bad++
		}
	}
	if bad == 0 {
		return s
	}
	if bad*10 > n {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if badRune(r) {
			return -1
		}
		return r
	}, s)
}
