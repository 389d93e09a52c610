package plaintext

import (
	"regexp"
	"strings"
)

var (
	// [her](#): links whose target was lost in the extraction. Only the words remain useful.
	deadLinkRe = regexp.MustCompile(`\[([^\[\]]*)\]\(#[^()\s]*\)`)
	// ./. and ./.. in the margin mean "see the attachment" in KL's layout. They stand at the
	// start of a line, after a list marker or emphasis, or between words.
	marginMarkRe = regexp.MustCompile(`(^|[\s*_(\-–•])\./\.\.?(?:[ \t]+|$)`)
	// Image descriptions that an extraction service wrote into the text ("The logo for KL
	// … is displayed in white text …"). Danish prose does not start a sentence with "The"
	// and describe something as displayed, so the pattern is narrow on purpose.
	altTextRe = regexp.MustCompile(`\b(?:The|An?|This) [^.!?]{0,300}?\b(?:is|are) (?:displayed|shown|depicted|pictured|visible|featured)\b[^.!?]{0,300}[.!?]?`)
	// <https://…> and <mailto:…> are Markdown autolinks; written out as ordinary links they
	// can never be mistaken for an HTML tag.
	autoLinkRe  = regexp.MustCompile(`<((?:https?|ftp|mailto):[^\s<>]+)>`)
	autoEmailRe = regexp.MustCompile(`<([^\s<>@]+@[^\s<>@]+\.[A-Za-z]{2,})>`)
	// What is left that a Markdown renderer could take for raw HTML.
	tagLikeRe = regexp.MustCompile(`<([A-Za-z/!?])`)
)

// CleanInline removes the artifacts of a text extraction from one line: dead links are
// reduced to their words, margin marks and image descriptions are dropped, autolinks are
// written as ordinary links, and anything that looks like an HTML tag is escaped.
func CleanInline(s string) string {
	// Image descriptions first: they are often glued to a dead link ("…](#)The logo"),
	// and once the link is reduced to its words the word boundary is gone.
	if strings.Contains(s, " is ") || strings.Contains(s, " are ") {
		s = altTextRe.ReplaceAllString(s, "")
	}
	if strings.Contains(s, "](#") {
		s = deadLinkRe.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "./.") {
		// Twice, because two marks in a row share the white space between them.
		s = marginMarkRe.ReplaceAllString(s, "$1")
		s = marginMarkRe.ReplaceAllString(s, "$1")
	}
	if strings.IndexByte(s, '<') >= 0 {
		s = autoLinkRe.ReplaceAllString(s, "[$1]($1)")
		s = autoEmailRe.ReplaceAllString(s, "[$1](mailto:$1)")
		s = tagLikeRe.ReplaceAllString(s, "&lt;$1")
	}
	return s
}

// DeadLinkOnly reports whether a line holds nothing but dead links and image descriptions,
// such as a newsletter's "[Se nyhedsbrevet online her](#)": a call to follow a link that
// no longer goes anywhere.
func DeadLinkOnly(s string) bool {
	if !strings.Contains(s, "](#") {
		return false
	}
	rest := deadLinkRe.ReplaceAllString(s, "")
	rest = altTextRe.ReplaceAllString(rest, "")
	return strings.Trim(rest, " \t*_•·-–") == ""
}

// StripEmphasis removes Markdown emphasis markers (* and _ runs at word edges, and all **)
// from s, for text that becomes a heading or a title.
func StripEmphasis(s string) string {
	s = strings.ReplaceAll(s, "**", "")
	s = strings.ReplaceAll(s, "__", "")
	fields := strings.Fields(s)
	for i, f := range fields {
		fields[i] = strings.TrimRight(strings.TrimLeft(f, "*_"), "*_")
	}
	return strings.Join(nonEmpty(fields), " ")
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// FixStrong repairs a run of text with an odd number of ** (the extraction lost one):
// a lone ** at the end of the first line marks where the bold ended, so it is opened at
// the start; any other lone ** is dropped.
func FixStrong(lines []string) {
	n := 0
	for _, l := range lines {
		n += strings.Count(l, "**")
	}
	if n%2 == 0 || len(lines) == 0 {
		return
	}
	if strings.Count(lines[0], "**") == 1 && strings.HasSuffix(lines[0], "**") {
		lines[0] = "**" + lines[0]
		return
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if j := strings.LastIndex(lines[i], "**"); j >= 0 {
			lines[i] = strings.TrimSpace(lines[i][:j] + lines[i][j+2:])
			return
		}
	}
}
