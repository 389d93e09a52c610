package kltext

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
)

// parser walks the lines once. Until the first item heading it reads the cover and the
// table of contents; from then on every line belongs to the current item: its case line,
// a section heading, or text of the current section.
type parser struct {
	lay   *layout
	lines []string

	cover cover
	// toc maps a number ("3.1") to its title in the table of contents. Headings in the
	// body must agree with it, which keeps numbered lists in the prose from becoming items.
	toc map[string]string

	items     []agenda.Item
	cur       *itemBuilder
	lastGroup int
	lastItem  [2]int
	groups    map[int]string // group number → "3. Regionalpolitiske sager"
}

type cover struct {
	kind                             agenda.Kind
	body, location                   string
	date                             plaintext.Date
	clock, premeeting                plaintext.Clock
	hasDate, hasClock, hasPremeeting bool
	kindLine                         int // index of the DAGSORDEN/REFERAT line, -1 before it
	// afterKind counts the cover lines read after the kind line: only the first can name
	// the body, so a cover without a body line does not take KL's "Mission" for one.
	afterKind int
}

type itemBuilder struct {
	item agenda.Item
	// group: made from a group heading ("6. Eventuelt"). It is dropped when a sub-item
	// follows and it holds nothing of its own.
	group    bool
	sections []rawSection
}

type rawSection struct {
	heading string
	lines   []string
}

func newParser(lay *layout, lines []string) *parser {
	return &parser{
		lay:    lay,
		lines:  lines,
		toc:    map[string]string{},
		groups: map[int]string{},
		cover:  cover{kind: agenda.KindAgenda, kindLine: -1},
	}
}

// lineKind is what the previous line was, for telling a section heading ("Bilag" alone
// after a blank line or a case line) from the same word in running text.
type lineKind uint8

const (
	blankLine lineKind = iota
	structLine
	textLine
)

func (p *parser) run() {
	inCover := true
	prev := blankLine
	for i := 0; i < len(p.lines); i++ {
		raw := p.lines[i]
		line := strings.TrimSpace(raw)
		if line == "" {
			if !inCover && p.cur != nil && len(p.cur.sections) > 0 {
				s := &p.cur.sections[len(p.cur.sections)-1]
				s.lines = append(s.lines, "")
			}
			prev = blankLine
			continue
		}
		if inCover {
			if num, title, ok := p.lay.toc(line); ok {
				if _, dup := p.toc[num]; !dup {
					p.toc[num] = title
				}
				prev = structLine
				continue
			}
		}
		if h, n, ok := p.lay.heading(p.lines, i); ok && p.accept(h, i, n, prev) {
			inCover = false
			p.startHeading(h)
			i += n - 1
			prev = structLine
			continue
		}
		if inCover {
			p.coverLine(i, line)
			prev = textLine
			continue
		}
		if p.cur == nil {
			continue
		}
		b := p.cur
		if len(b.sections) == 0 && b.item.CaseNumber == "" {
			if num, handler, ok := caseLine(line); ok {
				b.item.CaseNumber, b.item.CaseHandler = num, handler
				prev = structLine
				continue
			}
		}
		if name, ok := sectionName(line); ok && prev != textLine {
			b.sections = append(b.sections, rawSection{heading: name})
			prev = structLine
			continue
		}
		if pageFurniture(line) {
			continue
		}
		if len(b.sections) == 0 {
			// Text before any section heading: a section without a heading.
			b.sections = append(b.sections, rawSection{})
		}
		s := &b.sections[len(b.sections)-1]
		s.lines = append(s.lines, raw)
		prev = textLine
	}
	p.finishItem()
}

// accept decides whether a line that reads as a heading is one: its number must come
// after the last heading's, and it must agree with the table of contents or, without
// one, stand alone and look like a title.
func (p *parser) accept(h heading, i, n int, prev lineKind) bool {
	switch len(h.path) {
	case 1:
		if h.path[0] <= p.lastGroup {
			return false
		}
	case 2:
		g, s := h.path[0], h.path[1]
		if g < p.lastGroup || (g == p.lastItem[0] && s <= p.lastItem[1]) {
			return false
		}
	default:
		return false
	}
	if t, ok := p.toc[h.number]; ok {
		return sameTitle(t, h.title)
	}
	if prev == textLine || !titleLike(h.title) {
		return false
	}
	if next := i + n; next < len(p.lines) {
		l := strings.TrimSpace(p.lines[next])
		if _, _, isCase := caseLine(l); l != "" && !isCase {
			return false
		}
	}
	return true
}

var sentenceRe = regexp.MustCompile(`[.!?]\s+\p{Lu}`)

// titleLike: a title starts with a capital letter or a digit, is not a paragraph, and
// does not end like a sentence.
func titleLike(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	if !(unicode.IsUpper(r) || unicode.IsDigit(r)) {
		return false
	}
	if utf8.RuneCountInString(t) > 200 || sentenceRe.MatchString(t) {
		return false
	}
	return !strings.HasSuffix(t, ".") && !strings.HasSuffix(t, ",") && !strings.HasSuffix(t, ";")
}

func sameTitle(toc, body string) bool {
	a, b := agenda.NormalizeTitle(toc), agenda.NormalizeTitle(body)
	if a == b {
		return true
	}
	// A long title may be cut short in the table of contents.
	if len(a) >= 12 && strings.HasPrefix(b, a) {
		return true
	}
	return len(b) >= 12 && strings.HasPrefix(a, b)
}

func (p *parser) startHeading(h heading) {
	g := h.path[0]
	if len(h.path) == 1 {
		p.finishItem()
		p.lastGroup = g
		p.groups[g] = h.number + ". " + h.title
		p.cur = &itemBuilder{group: true, item: agenda.Item{Number: h.number, Title: h.title}}
		return
	}
	if p.cur != nil && p.cur.group && p.cur.item.Number == strconv.Itoa(g) && p.cur.empty() {
		p.cur = nil // the group heading was only a heading
	}
	p.finishItem()
	if g > p.lastGroup {
		p.lastGroup = g
		if t, ok := p.toc[strconv.Itoa(g)]; ok {
			p.groups[g] = strconv.Itoa(g) + ". " + t
		}
	}
	p.lastItem = [2]int{g, h.path[1]}
	p.cur = &itemBuilder{item: agenda.Item{Number: h.number, Title: h.title, Group: p.groups[g]}}
}

func (b *itemBuilder) empty() bool {
	if b.item.CaseNumber != "" {
		return false
	}
	for _, s := range b.sections {
		if s.heading != "" {
			return false
		}
		for _, l := range s.lines {
			if strings.TrimSpace(l) != "" {
				return false
			}
		}
	}
	return true
}

func (p *parser) finishItem() {
	if p.cur == nil {
		return
	}
	p.items = append(p.items, p.cur.build())
	p.cur = nil
}

var (
	// "SAG-2023-01182 gitb", a KLE journal number "00.01.00-A00-1-23 abc", or "Sagsnr.: …".
	caseRe     = regexp.MustCompile(`^(?:(?i:sags?(?:nr|nummer)\.?)\s*:?\s*)?((?:SAG|sag)-\d{4}-\d{2,}|\d{2}\.\d{2}\.\d{2}-[A-ZÆØÅ]\d{2}-\d+-\d{2})(?:\s+(\S+))?\s*$`)
	sagsnrRe   = regexp.MustCompile(`^(?i:sags?(?:nr|nummer)\.?)\s*:\s*(\S+)(?:\s+(\S+))?\s*$`)
	initialsRe = regexp.MustCompile(`^[A-Za-zÆØÅæøå]{2,8}$`)
)

// caseLine reads a case line: the case number and, when present, the case handler's
// initials.
func caseLine(line string) (number, handler string, ok bool) {
	m := caseRe.FindStringSubmatch(line)
	if m == nil {
		m = sagsnrRe.FindStringSubmatch(line)
	}
	if m == nil {
		return "", "", false
	}
	if initialsRe.MatchString(m[2]) {
		handler = m[2]
	}
	return m[1], handler, true
}

// sections are the headings of an item's parts in Danish agendas, in small letters.
var sections = map[string]bool{
	"baggrund": true, "indstilling": true, "indstillinger": true, "sagsfremstilling": true,
	"bilag": true, "beslutning": true, "resumé": true, "resume": true, "sagsbeskrivelse": true,
	"fremstilling": true, "sagens baggrund": true, "sagens indhold": true, "økonomi": true,
	"økonomiske konsekvenser": true, "økonomi og finansiering": true, "finansiering": true,
	"kompetence": true, "beslutningskompetence": true, "lovgrundlag": true, "retsgrundlag": true,
	"høring": true, "høringssvar": true, "kommunikation": true, "tidsplan": true,
	"videre proces": true, "proces": true, "vurdering": true, "administrationens vurdering": true,
	"forvaltningens vurdering": true, "bemærkninger": true, "konsekvenser": true,
	"personalemæssige konsekvenser": true, "miljømæssige konsekvenser": true,
	"borgerinddragelse": true, "handicappolitiske konsekvenser": true, "lovgivning": true,
}

// sectionName recognises a section heading on a line of its own ("Baggrund",
// "Indstilling:", "Beslutning i KKR Hovedstaden").
func sectionName(line string) (string, bool) {
	if len(line) > 80 {
		return "", false // the longest name is 40 letters: spare the long lines the work
	}
	name := strings.TrimSpace(strings.TrimSuffix(plaintext.StripEmphasis(line), ":"))
	low := strings.ToLower(name)
	if sections[low] {
		return name, true
	}
	if strings.HasPrefix(low, "beslutning ") && utf8.RuneCountInString(name) <= 60 && !strings.ContainsAny(name, ".,;") {
		return name, true
	}
	return "", false
}

var pageRe = regexp.MustCompile(`(?i)^(?:\d{1,3}|side \d{1,3}(?: af \d{1,3})?)$`)

// pageFurniture: a page number standing alone, left behind by the PDF extraction.
func pageFurniture(line string) bool { return pageRe.MatchString(line) }

// build turns the collected lines into the item's Markdown sections, recommendations,
// decision and attachments.
func (b *itemBuilder) build() agenda.Item {
	it := b.item
	it.Closed = closedTitle(it.Title)
	it.Sections = []agenda.Section{}
	it.Attachments = []agenda.Attachment{}
	it.Recommendations = []agenda.Recommendation{}
	indstilling := ""
	for _, s := range b.sections {
		low := strings.ToLower(s.heading)
		switch {
		case low == "bilag":
			titles := attachmentTitles(s.lines)
			for _, t := range titles {
				it.Attachments = append(it.Attachments, agenda.Attachment{Title: t})
			}
			if text := bulletList(titles); text != "" {
				it.Sections = append(it.Sections, agenda.Section{Heading: s.heading, Text: text})
			}
		case strings.HasPrefix(low, "beslutning"):
			if text := render(s.lines, false); text != "" {
				if it.Decision != "" {
					it.Decision += "\n\n"
				}
				it.Decision += text
			}
		case strings.HasPrefix(low, "indstilling"):
			text := render(s.lines, false)
			if text == "" {
				continue
			}
			if indstilling == "" {
				indstilling = text
			}
			it.Sections = append(it.Sections, agenda.Section{Heading: s.heading, Text: text})
		default:
			if text := render(s.lines, true); text != "" {
				it.Sections = append(it.Sections, agenda.Section{Heading: s.heading, Text: text})
			}
		}
	}
	if recs := agenda.Recommendations(indstilling); recs != nil {
		it.Recommendations = recs
	}
	return it
}

func render(lines []string, subHeadings bool) string {
	blocks := plaintext.Repair(plaintext.Blocks(lines))
	if subHeadings {
		blocks = plaintext.MarkHeadings(blocks)
	}
	return plaintext.Render(blocks)
}

var closedRe = regexp.MustCompile(`(?i)^lukket(?:\s+punkt)?\s*[:.-]`)

func closedTitle(t string) bool { return closedRe.MatchString(t) }

// attachmentTitles reads the Bilag section: one attachment per line or bullet, without
// margin marks (CleanInline removed them) and emphasis markers.
func attachmentTitles(lines []string) []string {
	var titles []string
	for _, b := range plaintext.Blocks(lines) {
		if b.Kind == plaintext.Heading || b.Kind == plaintext.Code {
			continue
		}
		for _, l := range b.Lines {
			t := strings.Join(strings.Fields(strings.ReplaceAll(l.Text, "*", "")), " ")
			t = strings.TrimSpace(strings.TrimSuffix(t, "."))
			if t == "" || noAttachments(t) {
				continue
			}
			titles = append(titles, t)
		}
	}
	return titles
}

func noAttachments(t string) bool {
	low := strings.ToLower(t)
	return low == "ingen" || strings.HasPrefix(low, "ingen bilag")
}

func bulletList(titles []string) string {
	if len(titles) == 0 {
		return ""
	}
	lines := make([]plaintext.Line, len(titles))
	for i, t := range titles {
		lines[i] = plaintext.Line{Text: t, Marker: "-"}
	}
	return plaintext.Render([]plaintext.Block{{Kind: plaintext.List, Lines: lines}})
}

// coverLine reads one line of the cover: the kind, the body's name on the line after it,
// the Dato/Sted fields and the formøde sentence. KL's mission and vision and anything else
// on the cover are passed over.
func (p *parser) coverLine(i int, line string) {
	c := &p.cover
	if c.kindLine < 0 {
		if m := kindRe.FindStringSubmatch(line); m != nil {
			c.kindLine = i
			c.kind = kindOf(m[1], m[2])
			if m[4] != "" {
				c.body = plaintext.SmartCase(strings.TrimSpace(m[4]))
			}
			return
		}
	}
	if key, val, ok := field(line); ok {
		switch key {
		case "dato", "mødedato":
			if d, ok := plaintext.FindDate(val); ok {
				c.date, c.hasDate = d, true
				val = val[d.End:]
			}
			if t, ok := plaintext.FindClock(val); ok && !c.hasClock {
				c.clock, c.hasClock = t, true
			}
		case "tid", "tidspunkt", "mødetidspunkt", "start":
			if t, ok := plaintext.FindClock(val); ok {
				c.clock, c.hasClock = t, true
			}
		case "sted", "mødested", "lokale":
			if c.location == "" {
				c.location = strings.TrimSpace(strings.TrimRight(plaintext.CleanInline(val), ". "))
			}
		}
		return
	}
	low := strings.ToLower(line)
	if j := strings.Index(low, "formøde"); j >= 0 && !c.hasPremeeting {
		if t, ok := plaintext.FindClock(line[j:]); ok {
			c.premeeting, c.hasPremeeting = t, true
		}
		return
	}
	if c.kindLine >= 0 {
		c.afterKind++
		if c.afterKind == 1 && c.body == "" && bodyLike(line) {
			c.body = plaintext.SmartCase(plaintext.StripEmphasis(line))
		}
	}
}

var fieldRe = regexp.MustCompile(`(?i)^(dato|mødedato|tid|tidspunkt|mødetidspunkt|start|sted|mødested|lokale)\s*:\s*(.*)$`)

func field(line string) (key, val string, ok bool) {
	m := fieldRe.FindStringSubmatch(line)
	if m == nil {
		return "", "", false
	}
	return strings.ToLower(m[1]), m[2], true
}

// bodyLike: the line under DAGSORDEN names the body: short, no sentence, not a field.
func bodyLike(line string) bool {
	n := utf8.RuneCountInString(line)
	return n >= 2 && n <= 100 && !strings.ContainsAny(line, ":.") && titleLike(line)
}

func kindOf(extra, word string) agenda.Kind {
	if extra != "" {
		return agenda.KindExtraordinary
	}
	switch strings.ToLower(word) {
	case "referat", "beslutningsprotokol":
		return agenda.KindMinutes
	case "tillægsdagsorden":
		return agenda.KindSupplementary
	}
	return agenda.KindAgenda
}
