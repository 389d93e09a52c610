package agenda

import (
	"regexp"
	"strings"
)

// Recommendations splits the Markdown of an Indstilling section into its units: one per
// bullet after the lead-in ("Det indstilles, at KKR Hovedstaden:", "Forvaltningen
// indstiller, at"), one per "at"-line when the lead-in ends in "at" and the units follow
// as lines of their own, and otherwise one unit for the whole recommendation sentence.
// Nested bullets stay with their parent. Every importer uses it, so all sources split
// the same way.
func Recommendations(md string) []Recommendation {
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var units []string
	var prose []string // paragraphs that are not bullets
	cur := -1          // index in units of the bullet being continued, or -1
	afterLeadIn := false
	for _, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		trim := strings.TrimSpace(line)
		if trim == "" {
			cur = -1
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if m := bulletRe.FindStringSubmatch(trim); m != nil {
			text := strings.TrimSpace(m[1])
			if indent >= 2 && len(units) > 0 {
				// A nested bullet belongs to the unit above it.
				units[len(units)-1] += "\n  - " + text
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
		text := strings.TrimSpace(strings.Join(prose, " "))
		if text == "" {
			return nil
		}
		return []Recommendation{{Index: 0, Text: text}}
	}
	out := make([]Recommendation, 0, len(units))
	for _, u := range units {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		out = append(out, Recommendation{Index: len(out), Text: u})
	}
	return out
}

var (
	// "- x", "* x", "• x", "– x", "1. x", "1) x", "a) x", "a. x" (single letter).
	bulletRe = regexp.MustCompile(`^(?:[-*•–·]|\d{1,2}[.)]|[a-zæøå][.)])\s+(.*\S)`)
	// A lead-in ends with "at" or "at:" or ":" and says who recommends.
	leadInRe = regexp.MustCompile(`(?i)(indstill\w*|anbefal\w*|foresl\w*).*(\bat|:|,)\s*$`)
	atLineRe = regexp.MustCompile(`(?i)^at\s+\S`)
)
