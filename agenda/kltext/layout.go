package kltext

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
)

// layout is one family of agenda text: how its cover announces an agenda, how it writes
// item headings and its table of contents, and which section headings it uses. The parser
// (cover fields, case lines, sections, recommendations, attachments, Markdown) is shared.
//
// The layouts met in Danish agenda text:
//
//   - KL and the KKRs: "3.1. Title" items under "3. Title" groups, a table of contents
//     with tabs or dot leaders ("3.1.<TAB>Title<TAB>5"), "SAG-2023-01182 gitb" case lines.
//   - FirstAgenda's PDF ("Hent som PDF"): "Punkt 3: Title".
//   - eDoc (Fujitsu): "3." alone on a line, the title on the next; "Sagsnr.:",
//     "Sagsbehandler:", "Åben"/"Lukket" lines; headings with a colon ("Præsentation:",
//     "Forvaltningen foreslår:"), "Åbne sager"/"Lukkede sager" between the items.
//   - Acadre: numbers that run through the year ("715. Title"), a cover with the date
//     written out ("Torsdag den 20. juni 2013", "Kl. 10:30") and the address under it,
//     "Sagsnr.: 12/27845", dated decisions ("Beslutning i Udvalget … den 10-04-2013"),
//     a Bilag table ("1 Åben Title<TAB>222359/12") and a signature page at the end.
type layout struct {
	name string
	// sniff reports whether the first lines of a text (after the cover's kind line) are
	// in this layout.
	sniff func(head []string) bool
	// heading recognises an item or group heading starting at lines[i] and returns how
	// many lines it spans. The parser still checks that it stands where a heading can.
	heading func(lines []string, i int) (heading, int, bool)
	// toc recognises a line of the table of contents that carries its page number.
	toc func(line string) (number, title string, ok bool)
	// looseTitles: the heading's form is evidence enough, so its title need not look like
	// a title ("Punkt 3: test" and eDoc's "3." line are headings whatever follows).
	looseTitles bool
	// sections are the section headings of the layout, in small letters.
	sections map[string]bool
}

// heading is an item heading ("3.1. Title") or a group heading ("3. Title").
type heading struct {
	number string // as written, without the closing dot
	path   []int  // the number's parts
	title  string
}

// layouts in the order detect tries them: the most distinctive first.
var layouts = []*layout{firstAgendaLayout, edocLayout, acadreLayout, klLayout}

var klLayout = &layout{
	name:     "kl",
	sniff:    klSniff,
	heading:  klHeading,
	toc:      klTOC,
	sections: set(klSections, coreSections),
}

var acadreLayout = &layout{
	name:     "acadre",
	sniff:    acadreSniff,
	heading:  acadreHeading,
	toc:      klTOC,
	sections: set(coreSections, acadreSections),
}

var edocLayout = &layout{
	name:        "edoc",
	sniff:       edocSniff,
	heading:     edocHeading,
	toc:         func(string) (string, string, bool) { return "", "", false },
	looseTitles: true,
	sections:    set(klSections, coreSections, edocSections),
}

var firstAgendaLayout = &layout{
	name:        "firstagenda",
	sniff:       firstAgendaSniff,
	heading:     firstAgendaHeading,
	toc:         firstAgendaTOC,
	looseTitles: true,
	sections:    set(klSections, coreSections),
}

var (
	// The cover's first words: "DAGSORDEN 2023", "REFERAT", "Tillægsdagsorden",
	// "Dagsorden for Økonomiudvalget", "Åben dagsorden", "Referat af mødet i Byrådet".
	kindRe = regexp.MustCompile(`(?i)^(ekstraordinær[t]?\s+|åben[t]?\s+)?(dagsorden|referat|tillægsdagsorden|beslutningsprotokol)(?:\s+(\d{4})|\s+(?:for|til|fra|af)\s+(?:(?:det\s+)?møde(?:t)?\s+i\s+)?(.+))?\s*$`)
	// FirstAgenda's cover line: "DAGSORDEN Økonomiudvalget d. 12-03-2025".
	kindBodyDateRe = regexp.MustCompile(`(?i)^(ekstraordinær[t]?\s+|åben[t]?\s+)?(dagsorden|referat|tillægsdagsorden|beslutningsprotokol)\s+(\p{L}.*?)\s+(?:d\.|den)\s*(\d{1,2}[-./]\d{1,2}[-./]\d{4})\s*$`)
	// "3.1. Title", "6. Title" (a dot after the number or not).
	klHeadingRe = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3})?)\.?[ \t]+(\S.*?)[ \t]*$`)
	// "715. Title", "715.Title" (the extraction may lose the space after the dot).
	acadreHeadingRe = regexp.MustCompile(`^(\d{1,4})\.[ \t]*(\S.*?)[ \t]*$`)
	// "3." alone.
	loneNumberRe = regexp.MustCompile(`^(\d{1,4})\.$`)
	edocCellsRe  = regexp.MustCompile(`^(\d{1,4})\.\t+(\S.*?)[ \t]*$`)
	// "Punkt 3: Title", "Punkt 3. Title".
	punktRe    = regexp.MustCompile(`^(?i:punkt)[ \t]+(\d{1,4})[ \t]*[:.][ \t]*(\S.*?)[ \t]*$`)
	punktTOCRe = regexp.MustCompile(`^(?i:punkt)[ \t]+(\d{1,4})[ \t]*[:.][ \t]*(.*?)(?:[ \t]*\.{4,}[ \t]*|\t+|[ \t]{2,})(\d{1,4})$`)
	// "3.1.<TAB>Title<TAB>5", or with dot leaders instead of the tabs.
	tocTabRe = regexp.MustCompile(`^(\d{1,4}(?:\.\d{1,3})*)\.?\t+(.*?)\t+(\d{1,4})$`)
	// Dot leaders to the page number, which may be a Roman numeral (Egebjerg's "…xv").
	tocLeaderRe = regexp.MustCompile(`^(\d{1,4}(?:\.\d{1,3})*)\.?\s+(.*?)\s*\.{4,}\s*(\d{1,4}|[ivxlc]{1,7})$`)
	datoRe      = regexp.MustCompile(`(?i)^(?:møde)?dato\s*:`)
)

// afterCover returns the lines after the cover's kind line (a DAGSORDEN/REFERAT line
// among the first six non-blank lines), or nil when there is none.
func afterCover(head []string) []string {
	seen := 0
	for i, raw := range head {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		if seen++; seen > 6 {
			return nil
		}
		if kindRe.MatchString(line) || kindBodyDateRe.MatchString(line) {
			return head[i+1:]
		}
	}
	return nil
}

// klSniff: after the cover, a "Dato:" line, a table of contents or a two-part item number.
func klSniff(head []string) bool {
	for _, raw := range afterCover(head) {
		line := strings.TrimSpace(raw)
		if datoRe.MatchString(line) {
			return true
		}
		if _, _, ok := klTOC(line); ok {
			return true
		}
		if h, _, ok := klHeading([]string{line}, 0); ok && len(h.path) == 2 && titleLike(h.title) {
			return true
		}
	}
	return false
}

// acadreSniff: after the cover, a table-of-contents entry or heading whose number runs
// through the year (100 or more). Running numbers below 100 read the same in KL's layout.
func acadreSniff(head []string) bool {
	for _, raw := range afterCover(head) {
		line := strings.TrimSpace(raw)
		if len(line) < 4 || line[0] < '1' || line[0] > '9' || line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' {
			continue // a running number of the year has three digits or more
		}
		num, title, ok := klTOC(line)
		if !ok {
			var h heading
			if h, _, ok = acadreHeading([]string{line}, 0); ok {
				num, title = h.number, h.title
			}
		}
		if n, err := strconv.Atoi(num); ok && err == nil && n >= 100 && titleLike(title) {
			return true
		}
	}
	return false
}

// edocSniff: after the cover, a number alone on its line with a title on the next. (The
// one-line cell form is not evidence: KL's table of contents looks the same.)
func edocSniff(head []string) bool {
	lines := afterCover(head)
	for i := range lines {
		if _, n, ok := edocHeading(lines, i); ok && n > 1 {
			return true
		}
	}
	return false
}

// firstAgendaSniff: after the cover, a "Punkt N:" line.
func firstAgendaSniff(head []string) bool {
	for _, raw := range afterCover(head) {
		if line := strings.TrimSpace(raw); line != "" && (line[0] == 'P' || line[0] == 'p') && punktRe.MatchString(line) {
			return true
		}
	}
	return false
}

func klHeading(lines []string, i int) (heading, int, bool) {
	line := strings.TrimSpace(lines[i])
	if line == "" || line[0] < '0' || line[0] > '9' {
		return heading{}, 0, false
	}
	m := klHeadingRe.FindStringSubmatch(line)
	if m == nil || dateLine(line) {
		return heading{}, 0, false
	}
	path, ok := parsePath(m[1])
	if !ok {
		return heading{}, 0, false
	}
	return heading{number: m[1], path: path, title: cleanTitle(m[2])}, 1, true
}

func acadreHeading(lines []string, i int) (heading, int, bool) {
	line := strings.TrimSpace(lines[i])
	if line == "" || line[0] < '0' || line[0] > '9' {
		return heading{}, 0, false
	}
	m := acadreHeadingRe.FindStringSubmatch(line)
	if m == nil || dateLine(line) {
		return heading{}, 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return heading{number: m[1], path: []int{n}, title: cleanTitle(m[2])}, 1, true
}

// edocHeading reads "3." alone on a line and the title on the next non-blank line (at most
// one blank line between), or the two table cells on one line, "3.<TAB>Title", as a PDF
// extraction sets them.
func edocHeading(lines []string, i int) (heading, int, bool) {
	line := strings.TrimSpace(lines[i])
	if m := edocCellsRe.FindStringSubmatch(line); m != nil && !dateLine(line) {
		n, _ := strconv.Atoi(m[1])
		return heading{number: m[1], path: []int{n}, title: cleanTitle(m[2])}, 1, true
	}
	m := loneNumberRe.FindStringSubmatch(line)
	if m == nil {
		return heading{}, 0, false
	}
	for j := i + 1; j < len(lines) && j <= i+2; j++ {
		t := strings.TrimSpace(lines[j])
		if t == "" {
			continue
		}
		if loneNumberRe.MatchString(t) || pageFurniture(t) {
			return heading{}, 0, false
		}
		n, _ := strconv.Atoi(m[1])
		return heading{number: m[1], path: []int{n}, title: cleanTitle(t)}, j - i + 1, true
	}
	return heading{}, 0, false
}

func firstAgendaHeading(lines []string, i int) (heading, int, bool) {
	m := punktRe.FindStringSubmatch(strings.TrimSpace(lines[i]))
	if m == nil {
		return heading{}, 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return heading{number: m[1], path: []int{n}, title: cleanTitle(m[2])}, 1, true
}

func firstAgendaTOC(line string) (string, string, bool) {
	m := punktTOCRe.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", "", false
	}
	return m[1], cleanTitle(m[2]), true
}

func klTOC(line string) (string, string, bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] < '0' || line[0] > '9' {
		return "", "", false
	}
	m := tocTabRe.FindStringSubmatch(line)
	if m == nil {
		m = tocLeaderRe.FindStringSubmatch(line)
	}
	if m == nil {
		return "", "", false
	}
	return m[1], cleanTitle(m[2]), true
}

// dateLine: a line that starts with a date ("20. juni 2013 - kl. 10:30", "1. januar 2024
// træder …") is not a heading, though it starts like one.
//
// Only "20. juni …" needs the check: "20-06-2013" and "2013-06-20" never read as
// headings. So the full date search runs only when a month's name follows the number.
func dateLine(line string) bool {
	_, rest, _ := strings.Cut(line, " ")
	word, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if !monthWord(word) {
		return false
	}
	d, ok := plaintext.FindDate(string(plaintext.Head([]byte(line), 40)))
	return ok && d.Start == 0
}

func monthWord(w string) bool {
	w = strings.ToLower(strings.TrimSuffix(w, "."))
	if len(w) < 3 {
		return false
	}
	for _, m := range agenda.MonthNames {
		if strings.HasPrefix(m, w[:3]) {
			return true
		}
	}
	return false
}

// cleanTitle drops dot leaders, emphasis and extraction artifacts from a heading's title.
func cleanTitle(s string) string {
	s = plaintext.StripEmphasis(plaintext.CleanInline(s))
	return strings.TrimSpace(strings.TrimRight(s, ". \t…"))
}

func parsePath(number string) ([]int, bool) {
	parts := strings.Split(number, ".")
	path := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, false
		}
		path[i] = n
	}
	return path, true
}

// allSections are every layout's section headings: a line set as a heading in a PDF may
// take any of them.
var allSections = set(coreSections, klSections, acadreSections, edocSections)

func set(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, s := range l {
			m[s] = true
		}
	}
	return m
}

// Section headings, in small letters. coreSections are the parts every layout has;
// klSections are KL's and the headings common in municipal agendas; acadreSections leave
// out the everyday words ("Tidsplan", "Proces") that Acadre's printed cases use as bold
// lead-ins inside a section; edocSections are eDoc's field captions.
var (
	coreSections = []string{
		"resumé", "resume", "sammendrag", "sagsresumé", "sagsfremstilling", "supplerende sagsfremstilling",
		"indstilling", "indstillinger", "supplerende indstilling", "beslutningspunkter", "beslutning",
		"bilag", "bilagsliste", "økonomi", "baggrund", "beslutninger",
	}
	klSections = []string{
		"baggrund", "indstilling", "indstillinger", "sagsfremstilling", "bilag", "beslutning", "resumé",
		"resume", "sagsbeskrivelse", "fremstilling", "sagens baggrund", "sagens indhold", "økonomi",
		"økonomiske konsekvenser", "økonomi og finansiering", "finansiering", "kompetence",
		"beslutningskompetence", "lovgrundlag", "retsgrundlag", "høring", "høringssvar", "kommunikation",
		"tidsplan", "videre proces", "proces", "vurdering", "administrationens vurdering",
		"forvaltningens vurdering", "bemærkninger", "konsekvenser", "personalemæssige konsekvenser",
		"miljømæssige konsekvenser", "borgerinddragelse", "handicappolitiske konsekvenser", "lovgivning",
		"sagsforløb",
	}
	acadreSections = []string{
		"økonomi og organisatoriske konsekvenser", "økonomiske konsekvenser", "økonomi og finansiering",
		"beskrivelse af sagen", "sagsbeskrivelse", "sagsgang og sagstype", "lovgrundlag", "retsgrundlag",
		"høring", "høringssvar", "personalemæssige konsekvenser", "miljømæssige konsekvenser",
		"handicappolitiske konsekvenser", "sundhedsmæssige konsekvenser", "borgerinddragelse",
		"tidligere beslutninger", "beslutningskompetence",
	}
	edocSections = []string{
		"præsentation", "forvaltningen foreslår", "forvaltningens bemærkninger", "handicapaspekter",
		"høring af handicaprådet", "høring af ældrerådet", "sagsbeskrivelse",
	}
)
