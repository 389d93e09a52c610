package agenda

import (
	"regexp"
	"strings"
)

// Recommendations splits the Markdown of an Indstilling section into its units: one per
// bullet after the lead-in ("Det indstilles, at KKR Hovedstaden:", "Forvaltningen
// indstiller, at"), one per "at"-line when the lead-in ends in "at" and the units follow
// as lines of their own, and otherwise one unit for the whole recommendation sentence.
// Nested bullets, and lettered sub-points after a unit that ends in ":", stay with their
// parent. Emphasis around whole lines (Greve writes every Indstilling in italics) and
// escaped numbering ("1\.") are read through. Every importer uses it, so all sources
// split the same way.
func Recommendations(md string) []Recommendation {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var units []string
	var prose []string // paragraphs that are not bullets
	cur := -1          // index in units of the bullet being continued, or -1
	afterLeadIn := false
	for _, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		trim := plainLine(line)
		if trim == "" {
			cur = -1
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if m := bulletRe.FindStringSubmatch(trim); m != nil {
			text := strings.TrimSpace(m[2])
			last := len(units) - 1
			nested := last >= 0 && (indent >= 2 ||
				// "2. at der igangsættes projekter på følgende adresser:" then "a) …",
				// "at det besluttes om:" then "A) …", "B) …": options of one unit.
				(letterRe.MatchString(m[1]) && strings.HasSuffix(firstLineOf(units[last]), ":")) ||
				(capitalRe.MatchString(m[1]) && strings.HasSuffix(firstLineOf(units[last]), ":")))
			if nested {
				units[last] += "\n  - " + text
				continue
			}
			units = append(units, text)
			cur = len(units) - 1
			continue
		}
		if afterLeadIn && atLineRe.MatchString(trim) {
			units = append(units, trim)
			cur = len(units) - 1
			continue
		}
		if cur >= 0 && indent >= 2 {
			units[cur] += " " + trim
			continue
		}
		cur = -1
		if len(units) > 0 {
			// Prose after the bullets (a closing remark) is not a unit of its own.
			continue
		}
		prose = append(prose, trim)
		afterLeadIn = leadInRe.MatchString(trim)
	}
	if len(units) == 0 {
		text := strings.TrimSpace(clean(strings.Join(prose, " ")))
		if text == "" {
			return nil
		}
		// "… indstiller, 1. at …, 2. at …, 3. at …" written as one paragraph: the source's
		// numbered units all the same.
		if parts := inlineUnits(text); len(parts) > 1 {
			out := make([]Recommendation, len(parts))
			for i, p := range parts {
				out[i] = Recommendation{Index: i, Text: p}
			}
			return out
		}
		return []Recommendation{{Index: 0, Text: text}}
	}
	out := make([]Recommendation, 0, len(units))
	for _, u := range units {
		u = strings.TrimSpace(clean(u))
		if u == "" {
			continue
		}
		out = append(out, Recommendation{Index: len(out), Text: u})
	}
	return out
}

// plainLine trims a line and reads through what Markdown converters wrap around whole
// lines: emphasis markers at both ends ("*1. at …*", "**…**", "_…_") and the escaped
// dot or parenthesis of a leading number ("1\. *at …*").
func plainLine(line string) string {
	s := strings.TrimSpace(line)
	s = escapedNumberRe.ReplaceAllString(s, "$1$2")
	s = trimEmphasis(s)
	// Emphasis that opened after a bullet marker: "1. *at …" (the closing one is gone).
	if m := bulletRe.FindStringSubmatch(s); m != nil {
		s = s[:len(s)-len(m[2])] + trimEmphasis(m[2])
	}
	return s
}

// trimEmphasis drops emphasis markers that touch the text at either end ("*x*",
// "**x**", "_x_"); a "* " bullet marker, followed by a space, is not emphasis.
func trimEmphasis(s string) string {
	for len(s) > 1 && (s[0] == '*' || s[0] == '_') && s[1] != ' ' {
		s = s[1:]
	}
	for len(s) > 1 && (s[len(s)-1] == '*' || s[len(s)-1] == '_') && s[len(s)-2] != ' ' {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

// clean removes the Markdown residue that emphasis inside a line leaves once the line
// is read as text: "indstiller,* *at", "indstiller**, at", "1\\. at", a "*" opened before
// a word and never closed.
func clean(s string) string {
	s = escapedInlineRe.ReplaceAllString(s, "$1$2")
	s = strings.ReplaceAll(s, "* *", " ")
	s = strings.ReplaceAll(s, "_ _", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		body := strings.TrimLeft(l, " ")
		indent := l[:len(l)-len(body)]
		body = strayEmphasisRe.ReplaceAllString(body, "$1$2")
		lines[i] = indent + strings.Join(strings.Fields(body), " ")
	}
	return strings.Join(lines, "\n")
}

// inlineUnits splits "lead-in, 1. at …, 2. at …" at its numbers when they run 1, 2, 3 ….
func inlineUnits(text string) []string {
	locs := inlineNumberRe.FindAllStringSubmatchIndex(text, -1)
	var cuts []int
	want := 1
	for _, l := range locs {
		if text[l[2]:l[3]] == itoa(want) {
			cuts = append(cuts, l[2])
			want++
		}
	}
	if len(cuts) < 2 {
		return nil
	}
	var out []string
	for i, c := range cuts {
		end := len(text)
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		u := strings.TrimSpace(text[c:end])
		u = strings.TrimSpace(u[strings.IndexAny(u, ".)")+1:])
		out = append(out, u)
	}
	return out
}

func firstLineOf(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

var (
	// "- x", "* x", "• x", "– x", "1. x", "1) x", "a) x", "a. x" (single letter), and the
	// capital "A) x" of eDoc's and Ballerup's templates.
	bulletRe        = regexp.MustCompile(`^([-*•–·]|\d{1,2}[.)]|[a-zæøå][.)]|[A-H]\))\s+(.*\S)`)
	letterRe        = regexp.MustCompile(`^[a-zæøå][.)]$`)
	capitalRe       = regexp.MustCompile(`^[A-H]\)$`)
	escapedInlineRe = regexp.MustCompile(`(\d)\\([.)])`)
	// Emphasis markers standing at a word's edge next to a space or punctuation: the
	// pair was split by a line or a list, so neither marks anything any more.
	strayEmphasisRe = regexp.MustCompile(`(^|[\s,.;:(])[*_]{1,3}|[*_]{1,3}([\s,.;:)]|$)`)
	// " 1. at …", " 2) at …" inside a paragraph.
	inlineNumberRe  = regexp.MustCompile(`(?:^|[\s,:])(\d{1,2})[.)]\s+(?:at|At)\s`)
	escapedNumberRe = regexp.MustCompile(`^(\d{1,2})\\([.)])`)
	// A lead-in ends with "at" or "at:" or ":" and says who recommends.
	leadInRe = regexp.MustCompile(`(?i)(indstill\w*|anbefal\w*|foresl\w*).*(\bat|:|,)\s*$`)
	atLineRe = regexp.MustCompile(`(?i)^at\s+\S`)
)
