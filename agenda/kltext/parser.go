package kltext

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
)

// parser walks the lines once. Until the first item heading it reads the cover and the
// table of contents; from then on every line belongs to the current item: its case and
// metadata lines, a section heading, or text of the current section.
type parser struct {
	lay   *layout
	lines []string

	cover cover
	// toc maps a number ("3.1") to its title in the table of contents. Headings in the
	// body must agree with it, which keeps numbered lists in the prose from becoming items.
	toc map[string]string
	// tocLine marks the lines the pre-pass found to be a table of contents without page
	// numbers (see findTOC): they are neither cover nor items.
	tocLine map[int]bool

	items     []agenda.Item
	cur       *itemBuilder
	lastGroup int
	lastItem  [2]int
	groups    map[int]string // group number → "3. Regionalpolitiske sager"
	// closedPart: the items that follow stand under "Lukkede sager" (eDoc).
	closedPart bool
	ended      bool // a signature page ended the agenda

	// style is the look of each line, when the text came from a PDF (ParseLines); nil for
	// plain text.
	style []Line
	// styled: the layout's item headings in this document are set as headings, so a line
	// that reads like one but is set as body text (a numbered list, another body's item
	// number quoted in a case history) is not one.
	styled bool
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
	// timeLine is the index of the last line that gave the date or time when it stood on
	// its own ("Torsdag den 20. juni 2013", "Kl. 10:30"); the lines right under it, up to a
	// blank line, are the address (Acadre's cover).
	timeLine int
	address  []string
	// headerBody is a line above the kind line that reads as a body's name: eDoc's PDF
	// prints the body in its running header, above "Åbent referat". Used when nothing
	// else names the body, and only for a PDF (ParseLines).
	headerBody, lastBody string
	// label is a field's label that stood alone on its line ("Mødedato" in FirstAgenda's
	// PDF): the next line is its value.
	label string
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
		lay:     lay,
		lines:   lines,
		toc:     map[string]string{},
		tocLine: map[int]bool{},
		groups:  map[int]string{},
		cover:   cover{kind: agenda.KindAgenda, kindLine: -1, timeLine: -2},
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
	p.findTOC()
	inCover := true
	prev := blankLine
	for i := 0; i < len(p.lines) && !p.ended; i++ {
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
		if p.tocLine[i] {
			prev = structLine
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
			more := p.titleContinues(i + n)
			for _, l := range p.lines[i+n : i+n+more] {
				h.title = cleanTitle(h.title + " " + strings.TrimSpace(l))
			}
			p.startHeading(h)
			i += n + more - 1
			prev = structLine
			continue
		}
		if inCover {
			p.coverLine(i, line)
			prev = textLine
			continue
		}
		if prev != textLine && p.partLine(line) {
			prev = structLine
			continue
		}
		if p.cur == nil {
			continue
		}
		b := p.cur
		if len(b.sections) == 0 && b.metaLine(line) {
			prev = structLine
			continue
		}
		if name, ok := p.sectionAt(i, line); ok && (prev != textLine || p.headingStyle(i)) {
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

// findTOC finds a table of contents whose entries carry no page numbers (eDoc's, or one
// whose page numbers the extraction set in a block of their own): the entries are
// headings like the items', so they are told apart by what follows. Before the first case
// line or section heading, a heading that repeats an earlier one (same number and title)
// is the first item, and the headings before it are the table of contents.
func (p *parser) findTOC() {
	var cands []tocCand
	for i := 0; i < len(p.lines); i++ {
		line := strings.TrimSpace(p.lines[i])
		if line == "" {
			continue
		}
		if _, _, ok := caseLine(line); ok {
			return
		}
		if _, ok := p.sectionName(line); ok {
			return
		}
		if _, _, ok := p.lay.toc(line); ok {
			continue // an entry with its page number: run reads those
		}
		if len(cands) >= 2 && pageNumberLine(line) {
			// The page numbers of the entries above, set as a block of their own after
			// the titles (FirstAgenda's PDF): a table of contents, whatever follows.
			k := i
			for k < len(p.lines) && (pageNumberLine(strings.TrimSpace(p.lines[k])) || strings.TrimSpace(p.lines[k]) == "") {
				k++
			}
			if numbers := countNumbers(p.lines[i:k]); numbers >= 2 && numbers+1 >= len(cands) {
				p.markTOC(cands)
				return
			}
		}
		h, n, ok := p.lay.heading(p.lines, i)
		if !ok || h.title == "" || !(p.lay.looseTitles || titleLike(h.title)) {
			continue
		}
		for _, c := range cands {
			if c.h.number == h.number && sameTitle(c.h.title, h.title) {
				p.markTOC(cands)
				return
			}
		}
		cands = append(cands, tocCand{h, i, n})
		i += n - 1
	}
}

type tocCand struct {
	h    heading
	i, n int
}

func (p *parser) markTOC(cands []tocCand) {
	for _, e := range cands {
		if _, dup := p.toc[e.h.number]; !dup {
			p.toc[e.h.number] = e.h.title
		}
		for k := e.i; k < e.i+e.n; k++ {
			p.tocLine[k] = true
		}
	}
}

var pageNumberRe = regexp.MustCompile(`^\d{1,4}$`)

func pageNumberLine(line string) bool { return pageNumberRe.MatchString(line) }

func countNumbers(lines []string) int {
	n := 0
	for _, l := range lines {
		if pageNumberLine(strings.TrimSpace(l)) {
			n++
		}
	}
	return n
}

// accept decides whether a line that reads as a heading is one: its number must come
// after the last heading's, and it must agree with the table of contents or, without
// one, stand alone and look like a title.
func (p *parser) accept(h heading, i, n int, prev lineKind) bool {
	if h.title == "" {
		return false // "Punkt 1: *": nothing left once emphasis and leaders are gone
	}
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
	if p.styled {
		return p.acceptStyled(h, i, n)
	}
	if t, ok := p.toc[h.number]; ok {
		return sameTitle(t, h.title)
	}
	if prev == textLine || !(p.lay.looseTitles || titleLike(h.title)) {
		return false
	}
	// A running number that reads as a year ("2024. Budget") needs the table of contents.
	if len(h.path) == 1 && h.path[0] >= 1900 && h.path[0] <= 2100 {
		return false
	}
	// What follows a heading: a blank line, a case or metadata line, or a lone number
	// (the count of attachments some layouts print beside the title).
	for next := i + n; next < len(p.lines); next++ {
		l := strings.TrimSpace(p.lines[next])
		switch {
		case l == "":
			return true
		case pageFurniture(l):
			continue
		}
		_, _, isCase := caseLine(l)
		return isCase || metaRe.MatchString(l) || accessRe.MatchString(l)
	}
	return true
}

// acceptStyled is accept for a document whose item headings are set as headings: the
// look decides, not the lines around. A line set as body text is never a heading; one set
// as a heading is, when it reads as a title (or the layout's form is evidence enough) and
// its number comes after the last. The table of contents is not asked: FirstAgenda's cuts
// its titles short, and a closed item's title may differ there.
func (p *parser) acceptStyled(h heading, i, n int) bool {
	styled := false
	for k := i; k < i+n; k++ {
		styled = styled || p.headingStyle(k)
	}
	// A line set as a heading needs less of its title: abbreviations ("vedr.
	// Økonomiudvalgets område") read like a second sentence, and the look already says
	// it is no paragraph.
	if !styled || !(p.lay.looseTitles || headingTitleLike(h.title)) {
		return false
	}
	if len(h.path) == 1 && h.path[0] >= 1900 && h.path[0] <= 2100 {
		return false
	}
	return true
}

// headingStyle: line i is set as a heading or named by the outline.
func (p *parser) headingStyle(i int) bool {
	return i >= 0 && i < len(p.style) && (p.style[i].Heading || p.style[i].Outline)
}

// headingsStyled decides whether the document sets its item headings as headings: at
// least two lines that read as the layout's headings are set so (or one the outline
// names), and no fewer of them than of such lines set as body text that stand where a
// heading can (after a blank line). Numbered lists in the body are many in some agendas;
// their lines follow text, and do not count.
func (p *parser) headingsStyled() bool {
	if p.style == nil {
		return false
	}
	styled, plain, outline := 0, 0, false
	for i := 0; i < len(p.lines); i++ {
		h, n, ok := p.lay.heading(p.lines, i)
		if !ok || h.title == "" || !(p.lay.looseTitles || titleLike(h.title)) {
			continue
		}
		if _, _, toc := p.lay.toc(strings.TrimSpace(p.lines[i])); toc {
			continue
		}
		switch {
		case p.headingStyle(i) || n > 1 && p.headingStyle(i+1):
			styled++
			outline = outline || p.style[i].Outline
		case i == 0 || strings.TrimSpace(p.lines[i-1]) == "":
			plain++
		}
		i += n - 1
	}
	return (styled >= 2 || outline) && styled >= plain
}

// titleContinues counts the lines from j on that continue a heading's title: a title
// too long for one line wraps onto the next in the same heading style, on the same page,
// before the case line or the first section.
func (p *parser) titleContinues(j int) int {
	if !p.styled {
		return 0
	}
	n := 0
	for ; j+n < len(p.lines) && n < 3; n++ {
		k := j + n
		line := strings.TrimSpace(p.lines[k])
		if line == "" || !p.style[k].Heading || p.style[k].PageStart {
			break
		}
		if _, _, ok := caseLine(line); ok || metaRe.MatchString(line) || accessRe.MatchString(line) {
			break
		}
		if _, ok := p.sectionAt(k, line); ok {
			break
		}
		if _, _, ok := p.lay.heading(p.lines, k); ok {
			break
		}
	}
	return n
}

// sectionAt is sectionName for line i: in a document whose headings are styled, a line
// set as a heading may also take a section name from another layout's list (an eDoc PDF
// read in KL's layout still has "Præsentation" and "Forvaltningen foreslår").
func (p *parser) sectionAt(i int, line string) (string, bool) {
	if name, ok := p.sectionName(line); ok {
		return name, true
	}
	if !p.styled || !p.style[i].Heading || len(line) > 80 {
		return "", false
	}
	name := strings.TrimSpace(strings.TrimSuffix(plaintext.StripEmphasis(line), ":"))
	if allSections[strings.ToLower(name)] {
		return plaintext.SmartCase(name), true
	}
	return "", false
}

// sentenceRe finds a second sentence in a title: a full stop after a small letter and a
// capital after it. "Kulturkommune 2017. Politiske fokusområder" is one title.
var sentenceRe = regexp.MustCompile(`\p{Ll}[.!?]\s+\p{Lu}`)

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

// headingTitleLike is titleLike without the second-sentence test.
func headingTitleLike(t string) bool {
	r, _ := utf8.DecodeRuneInString(t)
	return (unicode.IsUpper(r) || unicode.IsDigit(r)) && utf8.RuneCountInString(t) <= 200 &&
		!strings.HasSuffix(t, ".") && !strings.HasSuffix(t, ",") && !strings.HasSuffix(t, ";")
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
		p.cur = &itemBuilder{group: true, item: agenda.Item{Number: h.number, Title: h.title, Closed: p.closedPart}}
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
	p.cur = &itemBuilder{item: agenda.Item{Number: h.number, Title: h.title, Group: p.groups[g], Closed: p.closedPart}}
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
	p.items = append(p.items, p.cur.build(p.meetingDay()))
	p.cur = nil
}

// meetingDay is the meeting's date, for telling this meeting's decision from the
// decisions of earlier meetings that a case carries with it; zero when the cover has none.
func (p *parser) meetingDay() time.Time {
	if !p.cover.hasDate {
		return time.Time{}
	}
	return p.cover.date.In(agenda.Copenhagen)
}

var (
	// "SAG-2023-01182 gitb", a KLE journal number "00.01.00-A00-1-23 abc", eDoc's
	// "EMN-2017-01234", FirstAgenda's "24-012345" (Greve's "19-033355K"), or any of them after "Sagsnr.:".
	caseRe = regexp.MustCompile(`^(?:(?i:sags?(?:nr|nummer)\.?)\s*:?\s*)?((?:SAG|sag)-\d{4}-\d{2,}|EMN-\d{4}-\d{2,}|\d{2}\.\d{2}\.\d{2}-[A-ZÆØÅ]\d{2}-\d+-\d{2}|\d{2}-\d{5,8}[A-Z]?)(?:\s+(\S+))?\s*$`)
	// "Sagsnr.: 12/27845", "Sagnr.: 1-51-71-3321-08", "Sagsid.: 20/33839, Sagsinitialer:
	// AGVA", "J.nr.: …", "Sag nr. 130".
	sagsnrRe   = regexp.MustCompile(`^(?i:sags?\s?(?:nr|nummer)|sagnr|sags?id|j\.?\s?nr|journal\s?(?:nr|nummer))\.?\s*[:.]?\s*([0-9A-ZÆØÅ][^\s,;]*)[,;]?(?:\s+(\S+))?`)
	initialsRe = regexp.MustCompile(`^[A-Za-zÆØÅæøå]{2,8}$`)
	// Lines under the heading that describe the case rather than belong to it.
	metaRe    = regexp.MustCompile(`^(?i:sags?\s?(?:nr|nummer)|sagnr|sags?id|j\.?\s?nr|journal\s?(?:nr|nummer)|dok(?:ument)?\.?\s?(?:nr|nummer)|dok|sagsbehandler|sagsansvarlig|sags?initialer|initialer|sagen afgøres i|sagsforløb|beslutningskompetence)\.?\s*[:.]`)
	handlerRe = regexp.MustCompile(`^(?i:sagsbehandler|sagsansvarlig|sags?initialer|initialer)\s*:\s*(\S.*?)\s*$`)
	accessRe  = regexp.MustCompile(`^(?i:åben|åbent|lukket|åben sag|lukket sag|åbent punkt|lukket punkt)$`)
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

// metaLine reads a line between the heading and the first section: the case number, the
// case handler, the access ("Åben", "Lukket"), or another field of the case that is not
// part of its text ("Dok.nr.:", "Sagen afgøres i:").
func (b *itemBuilder) metaLine(line string) bool {
	line = strings.TrimSpace(plaintext.StripEmphasis(line))
	if num, handler, ok := caseLine(line); ok {
		if b.item.CaseNumber == "" {
			b.item.CaseNumber = num
			if b.item.CaseHandler == "" {
				b.item.CaseHandler = handler
			}
		}
		if m := handlerRe.FindStringSubmatch(after(line, ",")); m != nil && b.item.CaseHandler == "" {
			b.item.CaseHandler = m[1]
		}
		return true
	}
	if m := handlerRe.FindStringSubmatch(line); m != nil {
		if b.item.CaseHandler == "" {
			b.item.CaseHandler = m[1]
		}
		return true
	}
	if accessRe.MatchString(line) {
		if strings.HasPrefix(strings.ToLower(line), "lukket") {
			b.item.Closed = true
		}
		return true
	}
	return metaRe.MatchString(line)
}

func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return strings.TrimSpace(rest)
	}
	return ""
}

var (
	// "Åbne sager", "Lukkede sager", "Lukket dagsorden", "Lukket referat", "Åbne
	// punkter": the parts of an agenda between its items.
	partRe = regexp.MustCompile(`^(?i:(åbne?|åbent|lukkede?|lukket)\s+(?:sager|punkter|dagsorden|referat|møde|del))$`)
	// "Til behandling - for lukkede døre", "Til efterretning - for åbne døre".
	doorsRe = regexp.MustCompile(`^(?i:til\s+(?:behandling|efterretning|beslutning|orientering)\s*[-–]\s*for\s+(åbne|lukkede)\s+døre)$`)
	// A signature page ends the agenda: what follows is names, not an item's text.
	endRe = regexp.MustCompile(`^(?i:underskriftsside|underskriftsblad|underskriftsark|underskrifter|underskrift)$`)
)

// partLine reads a line that stands between items: an open or closed part of the agenda,
// or the signature page that ends it.
func (p *parser) partLine(line string) bool {
	if len(line) > 40 {
		return false // the labels are short
	}
	line = plaintext.StripEmphasis(line)
	if endRe.MatchString(line) {
		p.finishItem()
		p.ended = true
		return true
	}
	m := partRe.FindStringSubmatch(line)
	if m == nil {
		m = doorsRe.FindStringSubmatch(line)
	}
	if m == nil {
		return false
	}
	p.finishItem()
	p.closedPart = strings.HasPrefix(strings.ToLower(m[1]), "lukke")
	return true
}

// sectionName recognises a section heading on a line of its own ("Baggrund",
// "Indstilling:", "Beslutning i KKR Hovedstaden", "Beslutning i Udvalget for plan,
// udvikling og kultur (PUK) den 10-04-2013").
func (p *parser) sectionName(line string) (string, bool) {
	if len(line) > 80 && (len(line) > 240 || !mentionsDecision(line)) {
		return "", false // only a dated decision's heading is long: spare the long lines
	}
	name := strings.TrimSpace(strings.TrimSuffix(plaintext.StripEmphasis(line), ":"))
	low := strings.ToLower(name)
	if p.lay.sections[low] {
		return plaintext.SmartCase(name), true
	}
	if mentionsDecision(name) && isDecision(name) && !strings.HasSuffix(name, ".") {
		n := utf8.RuneCountInString(name)
		if n <= 60 && !strings.ContainsAny(name, ".,;") || n <= 160 && hasDate(name) {
			return plaintext.SmartCase(name), true
		}
	}
	return "", false
}

// isDecision: "Beslutning", "Beslutning i …", "Beslutning den …", "Beslutning <udvalg>
// den <dato>", "Udvalgets beslutning". Not "Beslutningspunkter" (what is to be decided) or
// "Beslutningskompetence" (who decides). The ESDH importers read captions alike.
func isDecision(name string) bool {
	if !mentionsDecision(name) {
		return false
	}
	words := strings.Fields(agenda.NormalizeTitle(name))
	switch {
	case len(words) == 0:
		return false
	case words[0] == "beslutninger" && len(words) == 1:
		return true // FirstAgenda's minutes: the decisions of the item, first under its heading
	case words[0] == "beslutning":
		if len(words) == 1 {
			return true
		}
		switch words[1] {
		case "i", "den", "på", "fra", "af":
			return true
		}
		return hasDate(name)
	case len(words) == 2 && words[1] == "beslutning" && strings.HasSuffix(words[0], "s"):
		return true
	}
	return false
}

// mentionsDecision is the cheap test that spares most lines isDecision's work.
func mentionsDecision(s string) bool {
	return strings.Contains(s, "eslutning") || strings.Contains(s, "ESLUTNING")
}

// isRecommendation: the section whose units members take a stance on (see
// agenda.IsRecommendationHeading: eDoc calls it "Forvaltningen foreslår", some
// "Beslutningspunkter" or "Forslag til beslutning").
func isRecommendation(name string) bool { return agenda.IsRecommendationHeading(name) }

func hasDate(s string) bool {
	_, ok := plaintext.FindDate(s)
	return ok
}

var pageRe = regexp.MustCompile(`(?i)^(?:\d{1,3}|side \d{1,3}(?: af \d{1,3})?)$`)

// pageFurniture: a page number standing alone, left behind by the PDF extraction, or the
// count of attachments some layouts print beside a heading.
func pageFurniture(line string) bool { return pageRe.MatchString(line) }

// build turns the collected lines into the item's Markdown sections, recommendations,
// decision and attachments. day is the meeting's date: a decision dated on another day
// is the case's history and stays a section, as the ESDH importers keep it.
func (b *itemBuilder) build(day time.Time) agenda.Item {
	it := b.item
	it.Closed = it.Closed || closedTitle(it.Title)
	it.Sections = []agenda.Section{}
	it.Attachments = []agenda.Attachment{}
	it.Recommendations = []agenda.Recommendation{}
	indstilling := ""
	for _, s := range b.sections {
		low := strings.ToLower(s.heading)
		switch {
		case low == "bilag" || low == "bilagsliste":
			titles := attachmentTitles(s.lines)
			for _, t := range titles {
				it.Attachments = append(it.Attachments, agenda.Attachment{Title: t})
			}
			if text := bulletList(titles); text != "" {
				it.Sections = append(it.Sections, agenda.Section{Heading: s.heading, Text: text})
			}
		case isDecision(s.heading) && !earlierDecision(s.heading, day):
			if text := render(s.lines, false); text != "" {
				if it.Decision != "" {
					it.Decision += "\n\n"
				}
				it.Decision += text
			}
		case isRecommendation(s.heading):
			text := render(s.lines, false)
			if text == "" {
				continue
			}
			// When a case carries more than one (a "Supplerende indstilling" for the next
			// meeting), the last is what the members decide on now.
			indstilling = text
			it.Sections = append(it.Sections, agenda.Section{Heading: s.heading, Text: text})
		default:
			if text := render(s.lines, !isDecision(s.heading)); text != "" {
				it.Sections = append(it.Sections, agenda.Section{Heading: s.heading, Text: text})
			}
		}
	}
	// Hard breaks are for the reader; the splitter reads lines, and a trailing backslash
	// would hide the lead-in's closing "at".
	if recs := agenda.Recommendations(strings.ReplaceAll(indstilling, "\\\n", "\n")); recs != nil {
		it.Recommendations = recs
	}
	return it
}

// earlierDecision: a decision heading dated on a day other than the meeting's.
func earlierDecision(heading string, day time.Time) bool {
	d, ok := plaintext.FindDate(heading)
	if !ok || day.IsZero() || d.Day == 0 {
		return false
	}
	return d.Year != day.Year() || d.Month != day.Month() || d.Day != day.Day()
}

func render(lines []string, subHeadings bool) string {
	blocks := plaintext.Repair(plaintext.Blocks(lines))
	if subHeadings {
		blocks = plaintext.MarkHeadings(blocks)
	}
	return plaintext.Render(blocks)
}

// "Lukket: …", "Lukket punkt: …", "Lukket sag: …" (Egebjerg's printed referater).
var closedRe = regexp.MustCompile(`(?i)^lukket(?:\s+(?:punkt|sag))?\s*[:.-]`)

func closedTitle(t string) bool { return closedRe.MatchString(t) }

var (
	// A row of Acadre's Bilag table: number, access, title (the document number after a
	// tab is cut off before the match).
	acadreBilagRe = regexp.MustCompile(`^\d{1,3}\s+(?i:åben|lukket|fortrolig)\s+(\S.*)$`)
	// "Bilag 2: Title", "Bilag 2 - Title".
	bilagPrefixRe = regexp.MustCompile(`^(?i:bilag)\s+\d{1,3}\s*[:.\-–]\s*`)
	// A column that holds a number, not a title: "3", "222359/12", "2016-003798-1".
	numberFieldRe = regexp.MustCompile(`^[0-9][0-9./\-]*$`)
)

// attachmentTitles reads the Bilag section: one attachment per line or bullet, without
// margin marks (CleanInline removed them) and emphasis markers. Tables keep only the title
// column.
func attachmentTitles(lines []string) []string {
	var titles []string
	for _, b := range plaintext.Blocks(lines) {
		if b.Kind == plaintext.Heading || b.Kind == plaintext.Code {
			continue
		}
		for _, l := range b.Lines {
			t := attachmentTitle(l.Text)
			if t == "" || noAttachments(t) {
				continue
			}
			titles = append(titles, t)
		}
	}
	return titles
}

func attachmentTitle(s string) string {
	if strings.Contains(s, "\t") {
		var keep []string
		for _, f := range strings.Split(s, "\t") {
			if f = strings.TrimSpace(f); f != "" && !numberFieldRe.MatchString(f) && !accessRe.MatchString(f) {
				keep = append(keep, f)
			}
		}
		s = strings.Join(keep, " ")
	}
	if m := acadreBilagRe.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	s = bilagPrefixRe.ReplaceAllString(s, "")
	t := strings.Join(strings.Fields(strings.ReplaceAll(s, "*", "")), " ")
	return strings.TrimSpace(strings.TrimSuffix(t, "."))
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

var (
	// "Torsdag den 20. juni 2013", "den 9. januar 2020 kl. 13:00", "2. maj 2017 kl. 10:00".
	weekdayRe = regexp.MustCompile(`(?i)^(?:(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)\s*(?:den\s+)?|den\s+)`)
	// "Kl. 10:30", "Kl.10:30", "kl. 15-18".
	clockLineRe = regexp.MustCompile(`(?i)^kl\.?\s*\d`)
)

// coverLine reads one line of the cover: the kind, the body's name on the line after it,
// the Dato/Sted fields (or a date, time and address standing on their own) and the formøde
// sentence. KL's mission and vision and anything else on the cover are passed over.
func (p *parser) coverLine(i int, line string) {
	c := &p.cover
	if p.style != nil && strings.Contains(line, "\t") {
		// A PDF's header sets fields side by side ("Teknik- og Miljøudvalget", then
		// "Dato: 02.05.2017" at the right): each cell is a line of the cover.
		for _, cell := range strings.Split(line, "\t") {
			if cell = strings.TrimSpace(cell); cell != "" {
				p.coverLine(i, cell)
			}
		}
		return
	}
	if c.label != "" {
		line, c.label = c.label+": "+line, ""
	}
	if m := labelRe.FindStringSubmatch(line); m != nil {
		c.label = m[1]
		return
	}
	if c.kindLine < 0 {
		if m := kindBodyDateRe.FindStringSubmatch(line); m != nil {
			c.kindLine = i
			c.kind = kindOf(m[1], m[2])
			c.body = plaintext.SmartCase(strings.TrimSpace(m[3]))
			if d, ok := plaintext.FindDate(m[4]); ok {
				c.date, c.hasDate = d, true
			}
			return
		}
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
		case "tid", "tidspunkt", "mødetidspunkt", "start", "starttidspunkt", "starttidspunkt for møde":
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
	if (c.kindLine >= 0 || p.style != nil) && p.dateOnCover(i, line) {
		return
	}
	if i == c.timeLine+1 && len(c.address) < 6 && utf8.RuneCountInString(line) <= 80 {
		c.address = append(c.address, strings.TrimRight(plaintext.CleanInline(line), ", "))
		c.timeLine = i
		return
	}
	if c.kindLine < 0 && p.style != nil && bodyLike(line) && !pageFurniture(line) {
		// The first such line, and the last before the kind line once there is one:
		// "Egebjerg Kommune", "Kommunalbestyrelsen", "Referat" names the council.
		if c.headerBody == "" {
			c.headerBody = plaintext.SmartCase(plaintext.StripEmphasis(line))
		}
		c.lastBody = plaintext.SmartCase(plaintext.StripEmphasis(line))
	}
	if c.kindLine >= 0 {
		c.afterKind++
		if c.afterKind == 1 && c.body == "" && bodyLike(line) {
			c.body = plaintext.SmartCase(plaintext.StripEmphasis(line))
		}
	}
}

// dateOnCover reads a cover line that is a date, a time, or both, without a "Dato:" field
// ("Torsdag den 20. juni 2013", "Kl. 10:30", "2. maj 2017 kl. 10:00").
func (p *parser) dateOnCover(i int, line string) bool {
	c := &p.cover
	rest := weekdayRe.ReplaceAllString(line, "")
	if !c.hasDate {
		if d, ok := plaintext.FindDate(rest); ok && d.Start == 0 && d.Day > 0 {
			c.date, c.hasDate = d, true
			if t, ok := plaintext.FindClock(rest[d.End:]); ok && !c.hasClock {
				c.clock, c.hasClock = t, true
			}
			c.timeLine = i
			return true
		}
	}
	if !c.hasClock && clockLineRe.MatchString(rest) {
		if t, ok := plaintext.FindClock(rest); ok {
			c.clock, c.hasClock = t, true
			c.timeLine = i
			return true
		}
	}
	return false
}

// labelRe: a field's label alone on its line, its value on the next.
var labelRe = regexp.MustCompile(`(?i)^(dato|mødedato|tid|tidspunkt|mødetidspunkt|starttidspunkt(?: for møde)?|sted|mødested|lokale)\s*:?$`)

var fieldRe = regexp.MustCompile(`(?i)^(dato|mødedato|tid|tidspunkt|mødetidspunkt|starttidspunkt for møde|starttidspunkt|start|sted|mødested|lokale)\s*:\s*(.*)$`)

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
	if strings.HasPrefix(strings.ToLower(extra), "ekstraordinær") {
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
