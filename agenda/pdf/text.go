package pdf

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// read extracts the text of every page of data: lines in reading order, running headers,
// footers and page numbers removed, one string per page. name is used in errors only.
//
// hardBreaks ends every line that is not the last of its paragraph with two spaces, a
// Markdown hard break: after reflow, a line break inside a paragraph is one the author
// made (a list of dates, an address), and it must not flow together when rendered.
func read(name string, data []byte, hardBreaks bool) ([]string, error) {
	x, err := extractAll(name, data, false)
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(x.pages))
	for i := range x.pages {
		texts[i] = joinLines(x.render(i, hardBreaks))
	}
	return texts, nil
}

// extracted is a PDF's text laid out: the lines of each page with their look, the body
// text's font, and the outline's titles.
type extracted struct {
	pages   [][]line
	right   float64 // the right margin wrapped lines reach
	body    style   // the font most of the text is set in
	outline []string
}

// style is a line's look: its font size and weight.
type style struct {
	size float64
	bold bool
}

// extractAll reads every page of data. keepFirstHeader keeps the running header and
// footer on the first page: the agenda's cover is there, and the header of eDoc's PDF
// carries the meeting's date and time.
func extractAll(name string, data []byte, keepFirstHeader bool) (*extracted, error) {
	x, err := extractPages(data, keepFirstHeader)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Name = name
		}
		return nil, err
	}
	return x, nil
}

func extractPages(data []byte, keepFirstHeader bool) (*extracted, error) {
	d, err := open(data)
	if err != nil {
		return nil, err
	}
	all := make([][]line, len(d.pages))
	heights := make([]float64, len(d.pages))
	var q quality
	images, failed := 0, 0
	var firstErr error
	// A page that fails part-way keeps what was read before it failed, and the other pages
	// are read: refusing a whole agenda for one damaged page helps no one. Only a file
	// where nothing at all could be read is an error of its own.
	//
	// Each page is laid out into lines as soon as it is read, and its runs are dropped:
	// what a file may hold in memory is bounded by its text, not by how it draws it.
	for i := range d.pages {
		p := d.extract(i)
		if p.err != nil {
			if e, ok := p.err.(*Error); ok && e.Kind == ErrTooLarge {
				return nil, p.err
			}
			failed++
			if firstErr == nil {
				firstErr = p.err
			}
		}
		runs := p.runs[:0]
		for _, r := range p.runs {
			q.add(r.text)
			if r.text = scrub(r.text); strings.TrimSpace(r.text) != "" {
				runs = append(runs, r)
			}
		}
		images += p.images
		heights[i] = p.height
		ls := layoutLines(runs)
		for j := range ls {
			ls[j].text = cleanText(ls[j].text)
		}
		all[i] = ls
	}
	switch {
	case d.encrypted && (q.total == 0 && images == 0 || q.garbled() != ""):
		// A scan whose decryption worked still draws its images; noise draws nothing.
		return nil, &Error{Kind: ErrEncrypted}
	case q.total == 0 && failed > 0 && images == 0:
		return nil, firstErr
	case q.total == 0:
		// No text layer: a scan, or text turned into outlines. Either way there is nothing
		// to read without OCR.
		return nil, &Error{Kind: ErrScanned}
	}
	if why := q.garbled(); why != "" {
		return nil, &Error{Kind: ErrGarbled, detail: why}
	}
	pitch := linePitch(all)
	for _, ls := range all {
		markParagraphs(ls, pitch)
	}
	removeFurniture(all, heights, keepFirstHeader)
	return &extracted{pages: all, right: rightMargin(all), body: bodyStyle(all), outline: d.outline()}, nil
}

var (
	// "Side 3", "Side 3 af 12", "Page 3 of 12", "s. 3", "3 af 12", "3/12", "- 3 -", "3".
	pageNumberRe = regexp.MustCompile(`(?i)^(?:(?:side|page|s\.)\s*(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:af|of|/|ud af)\s*\d{1,4})?|\d{1,4}\s*(?:af|of|/)\s*\d{1,4}|[-–—]?\s*\d{1,4}\s*[-–—]?)$`)
)

// zone is how many lines at the top and at the bottom of a page can be running headers or
// footers.
const zone = 3

// removeFurniture drops running headers and footers: lines in the top or bottom zone of a
// page whose text, digits aside, stands in the same zone on most pages. Page numbers
// standing alone at the very top or bottom go too, repeated or not.
func removeFurniture(all [][]line, heights []float64, keepFirst bool) {
	top, bottom := map[string]int{}, map[string]int{}
	count := func(m map[string]int, ls []line) {
		seen := map[string]bool{}
		for _, l := range ls {
			k := furnitureKey(l.text)
			if !seen[k] {
				seen[k] = true
				m[k]++
			}
		}
	}
	for i, ls := range all {
		h := heights[i]
		var t, b []line
		for j, l := range ls {
			if j < zone && (h == 0 || l.y > 0.8*h) {
				t = append(t, l)
			}
			if j >= len(ls)-zone && (h == 0 || l.y < 0.2*h) {
				b = append(b, l)
			}
		}
		count(top, t)
		count(bottom, b)
	}
	n := 0
	for _, ls := range all {
		if len(ls) > 0 {
			n++
		}
	}
	repeated := func(c int) bool { return c >= 2 && c*2 > n }
	for i, ls := range all {
		h := heights[i]
		drop := make([]bool, len(ls))
		for j := range ls {
			// In the first or last lines, and in the top or bottom fifth of the page: a
			// short page's body is near its top, and its lines must not count.
			inTop := j < zone && (h == 0 || ls[j].y > 0.8*h)
			inBottom := j >= len(ls)-zone && (h == 0 || ls[j].y < 0.2*h)
			if !inTop && !inBottom {
				continue
			}
			k := furnitureKey(ls[j].text)
			if (inTop && repeated(top[k]) || inBottom && repeated(bottom[k])) && !(keepFirst && i == 0) {
				drop[j] = true
				continue
			}
			// A lone page number: only at the very edge of the page, so the page numbers
			// of a table of contents set in a block of their own are left for the importer.
			edge := inTop && j < 2 || inBottom && j >= len(ls)-2
			if edge && pageNumberRe.MatchString(strings.TrimSpace(ls[j].text)) {
				drop[j] = true
			}
		}
		kept := ls[:0]
		blank := false
		for j, l := range ls {
			if drop[j] {
				blank = blank || l.blank
				continue
			}
			if len(kept) == 0 {
				l.blank = false
			} else if blank {
				l.blank = true
			}
			blank = false
			kept = append(kept, l)
		}
		all[i] = kept
	}
}

// furnitureKey is what must repeat for a line to be a running header or footer: its
// text, with page numbers ("Side 3", "3 af 12", "Page 3 of 12") read as one. Other
// digits count: FirstAgenda's case line under each item's heading ("EMN-2025-003383")
// stands in the same place on every page but differs, and it is text.
func furnitureKey(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	if pageNumberRe.MatchString(s) {
		return "#"
	}
	return pageRefRe.ReplaceAllString(s, "#")
}

// pageRefRe finds a page number inside a running header: "Side 3", "side 3 af 12",
// "page 3 of 12", "3 of 12", "3/12" at the end, "Side iv" (Egebjerg numbers its pages
// in Roman numerals).
var pageRefRe = regexp.MustCompile(`(?:\b(?:side|page|s\.)\s*(?:\d{1,4}|[ivxlc]{1,7}\b)(?:\s*(?:af|of|/|ud af)\s*\d{1,4})?|\b\d{1,4}\s*(?:af|of|/)\s*\d{1,4}\s*$)`)

// rightMargin is where wrapped lines end: the 90th percentile of the ends of the long
// lines of the whole document (a wide table or a stray line beyond it does not move it).
func rightMargin(all [][]line) float64 {
	var ends []float64
	for _, ls := range all {
		for _, l := range ls {
			if !strings.Contains(l.text, "\t") && utf8.RuneCountInString(l.text) >= 30 {
				ends = append(ends, l.end)
			}
		}
	}
	if len(ends) == 0 {
		return math.Inf(1)
	}
	slices.Sort(ends)
	return ends[len(ends)*9/10]
}

// rline is a line of rendered text: one paragraph or list item, or a blank line. src is
// the page line it starts with.
type rline struct {
	text string
	src  int
}

// render writes a page's lines as text, one paragraph or list item per line as the text
// importers expect: a line that wrapped (the next line's first word would not have fit
// before the right margin) is joined with the next, a blank line stands at each paragraph
// gap, and indentation is kept (two spaces per em from the page's left margin) so nested
// lists stay nested.
func (x *extracted) render(page int, hardBreaks bool) []rline {
	ls := x.pages[page]
	if len(ls) == 0 {
		return nil
	}
	left := math.Inf(1)
	for _, l := range ls {
		left = math.Min(left, l.x)
	}
	var out []rline
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		if i > 0 {
			if hardBreaks && !l.blank {
				out[len(out)-1].text += "  "
			}
			if l.blank {
				out = append(out, rline{src: -1})
			}
		}
		var sb strings.Builder
		if indent := int(math.Round((l.x - left) / (0.5 * math.Max(l.size, 1)))); indent > 1 {
			sb.WriteString(strings.Repeat(" ", min(indent, 16)))
		}
		text := l.text
		src := i
		for i+1 < len(ls) && wraps(ls[i], ls[i+1], x.right) {
			text = joinWrapped(text, ls[i+1].text)
			i++
		}
		sb.WriteString(text)
		out = append(out, rline{text: sb.String(), src: src})
	}
	return out
}

func joinLines(ls []rline) string {
	var sb strings.Builder
	for i, l := range ls {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(l.text)
	}
	return sb.String()
}

// wraps reports whether b continues the paragraph or list item of a on the next line.
func wraps(a, b line, right float64) bool {
	switch {
	case b.blank, a.bold != b.bold,
		strings.Contains(a.text, "\t"), strings.Contains(b.text, "\t"),
		math.Abs(a.size-b.size) > 0.15*a.size,
		b.x < a.x-3*a.size, b.x > a.x+4*a.size:
		return false
	}
	if listStart(b.text) {
		return false
	}
	word, _, _ := strings.Cut(b.text, " ")
	return right-a.end < wordWidth(word, b.size)+0.3*b.size
}

// listStart: a line that begins a list item or a numbered heading never continues the line
// above.
// A letter with a dot before a date is "d. 12-03-2025" (den), not a list item; "At 2)"
// starts FirstAgenda's numbered recommendations.
var listStartRe = regexp.MustCompile(`^(?:[-–•▪◦*]\s|\d{1,4}(?:(?:\.\d{1,3})+\.?|[.)])(?:\s|$)|[a-zæøå][.)]\s+[^\d\s]|(?i:punkt)\s+\d|(?i:at)\s+\d{1,2}\)\s)`)

func listStart(s string) bool { return listStartRe.MatchString(s) }

// wordWidth estimates a word's width from average Helvetica-like widths per kind of
// letter: capitals are wide, punctuation narrow.
func wordWidth(w string, size float64) float64 {
	em := 0.0
	for _, r := range w {
		switch {
		case unicode.IsUpper(r):
			em += 0.68
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			em += 0.52
		default:
			em += 0.3
		}
	}
	return em * size
}

// joinWrapped joins a wrapped line with its continuation, undoing a hyphenation at the
// break: "Beskæfti-" + "gelse" is "Beskæftigelse", but "social-" + "og sundhed" keeps its
// hyphen (a shared compound ending).
func joinWrapped(a, b string) string {
	if strings.HasSuffix(a, "-") && len(a) >= 3 {
		before, _ := utf8.DecodeLastRuneInString(a[:len(a)-1])
		first, _ := utf8.DecodeRuneInString(b)
		word, _, _ := strings.Cut(b, " ")
		switch {
		case !unicode.IsLetter(before) || !unicode.IsLower(first):
		case word == "og" || word == "eller" || word == "samt" || word == "til" || word == "end":
			return a + " " + b
		default:
			return a[:len(a)-1] + b
		}
		return a + b
	}
	return a + " " + b
}
