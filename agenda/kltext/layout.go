package kltext

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dagsorden/dagsorden/agenda/internal/plaintext"
)

// layout is one family of agenda text: how its cover announces an agenda, how it writes
// item headings and its table of contents. The parser (cover fields, case lines, sections,
// recommendations, attachments, Markdown) is shared.
//
// Only KL's layout exists today. The others met in Danish agenda text fit the same shape:
// "Punkt N: Title" headings are a heading func with another pattern; eDoc's "N." alone on a
// line with the title on the next is a heading that spans two lines (heading returns the
// count); Acadre's running numbers ("715.") are one-part numbers that never get sub-items,
// which the parser already turns into items; "Sagsnr.: …" lines are read by caseRe.
type layout struct {
	name string
	// sniff reports whether the first lines of a text are in this layout.
	sniff func(head []string) bool
	// heading recognises an item or group heading starting at lines[i] and returns how
	// many lines it spans. The parser still checks that it stands where a heading can.
	heading func(lines []string, i int) (heading, int, bool)
	// toc recognises a line of the table of contents.
	toc func(line string) (number, title string, ok bool)
}

// heading is an item heading ("3.1. Title") or a group heading ("3. Title").
type heading struct {
	number string // as written, without the closing dot
	path   []int  // the number's parts
	title  string
}

var layouts = []*layout{klLayout}

var klLayout = &layout{
	name:    "kl",
	sniff:   klSniff,
	heading: klHeading,
	toc:     klTOC,
}

var (
	// The cover's first words: "DAGSORDEN 2023", "REFERAT", "Tillægsdagsorden",
	// "Dagsorden for Økonomiudvalget".
	kindRe = regexp.MustCompile(`(?i)^(ekstraordinær[t]?\s+)?(dagsorden|referat|tillægsdagsorden|beslutningsprotokol)(?:\s+(\d{4})|\s+(?:for|til)\s+(.+))?\s*$`)
	// "3.1. Title", "6. Title" (a dot after the number or not).
	klHeadingRe = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3})?)\.?[ \t]+(\S.*?)[ \t]*$`)
	// "3.1.<TAB>Title<TAB>5", or with dot leaders instead of the tabs.
	tocTabRe    = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3})*)\.?\t+(.*?)\t+(\d{1,4})$`)
	tocLeaderRe = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3})*)\.?\s+(.*?)\s*\.{4,}\s*(\d{1,4})$`)
	datoRe      = regexp.MustCompile(`(?i)^(?:møde)?dato\s*:`)
)

// klSniff: a DAGSORDEN/REFERAT line among the first non-blank lines, and a "Dato:" line,
// a table of contents or a two-part item number in what follows.
func klSniff(head []string) bool {
	seen, cover := 0, false
	for _, raw := range head {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		seen++
		if !cover {
			if seen > 6 {
				return false
			}
			cover = kindRe.MatchString(line)
			continue
		}
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

func klHeading(lines []string, i int) (heading, int, bool) {
	line := strings.TrimSpace(lines[i])
	if line == "" || line[0] < '0' || line[0] > '9' {
		return heading{}, 0, false
	}
	m := klHeadingRe.FindStringSubmatch(line)
	if m == nil {
		return heading{}, 0, false
	}
	path, ok := parsePath(m[1])
	if !ok {
		return heading{}, 0, false
	}
	return heading{number: m[1], path: path, title: cleanTitle(m[2])}, 1, true
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
