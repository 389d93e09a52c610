package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Plain turns the Markdown of an item or a note (or the text of a PDF page) into one line
// of plain text: what the index reads and what a snippet shows. Headings, list bullets,
// quote marks, emphasis, table pipes and backslash escapes go; a link or image keeps its
// text and loses its address; every run of white space becomes one space. Invalid UTF-8
// becomes U+FFFD, so a snippet is always valid text.
func Plain(md string) string {
	var b strings.Builder
	b.Grow(len(md))
	space := false // a space is due before the next text
	put := func(s string) {
		for i := 0; i < len(s); {
			// A run of printable ASCII is copied whole: most of any Danish text.
			j := i
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			if j > i {
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteString(s[i:j])
				i = j
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				space = b.Len() > 0
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r) // U+FFFD for an invalid byte
		}
	}
	for line := range strings.Lines(md) {
		line = strings.TrimSpace(line)
		if isRule(line) {
			space = b.Len() > 0
			continue
		}
		line = strings.TrimLeft(line, "#")
		for {
			l := strings.TrimLeft(line, " \t")
			if len(l) >= 2 && strings.ContainsRune("-*+>", rune(l[0])) && (l[1] == ' ' || l[1] == '\t') {
				line = l[2:]
				continue
			}
			if l == ">" || l == "-" {
				line = ""
			}
			break
		}
		put(inline(line))
		space = b.Len() > 0
	}
	return b.String()
}

// isRule: a table's separator row or a thematic break, which carry no words.
func isRule(line string) bool {
	if len(line) < 3 {
		return false
	}
	for _, c := range []byte(line) {
		if !strings.ContainsRune("|-:=*_ \t", rune(c)) {
			return false
		}
	}
	return true
}

// maxAutolink bounds the search for the end of an autolink, so a line of '<' costs
// linear time.
const maxAutolink = 512

// inlineMarks are the bytes inline looks at; everything else is copied.
const inlineMarks = "[]*_`|\\!<>"

var isMark = func() (t [256]bool) {
	for _, c := range []byte(inlineMarks) {
		t[c] = true
	}
	return t
}()

var noBrackets = strings.NewReplacer("[", "", "]", "")

// inline strips the inline Markdown of one line.
func inline(s string) string {
	if !strings.ContainsAny(s, inlineMarks) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	closeAt, parenAt := -1, -1 // the next ']' and ')' looked up, or len(s): none
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i += 2
			continue
		case c == '!' && i+1 < len(s) && s[i+1] == '[':
			i++ // an image: its alt text, as a link's text
			continue
		case c == '[':
			// A link "[text](address)" or a bare "[text]": the text. Each closing
			// bracket is looked up once, so a line of unclosed brackets costs linear time.
			if closeAt < i {
				closeAt = indexFrom(s, i, ']')
			}
			if closeAt < len(s) {
				text, next := s[i+1:closeAt], closeAt+1
				if next < len(s) && s[next] == '(' {
					if parenAt < next {
						parenAt = indexFrom(s, next, ')')
					}
					if parenAt < len(s) && parenAt-next <= maxAutolink*4 { // an address, not prose
						next = parenAt + 1
					}
				}
				b.WriteString(inline(noBrackets.Replace(text)))
				i = next
				continue
			}
		case c == '*' || c == '`' || c == '|':
			b.WriteByte(' ')
			i++
			continue
		case c == '_' && i+1 < len(s) && s[i+1] == '_':
			i += 2
			continue
		case c == '<':
			// An autolink <https://…> keeps its address; anything else is text.
			if end := strings.IndexByte(s[i:min(len(s), i+maxAutolink)], '>'); end > 0 && strings.Contains(s[i:i+end], "://") {
				b.WriteString(s[i+1 : i+end])
				i += end + 1
				continue
			}
		}
		if c < utf8.RuneSelf { // ordinary text: copy the run up to the next mark
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && !isMark[s[j]] {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		}
		if r, n := utf8.DecodeRuneInString(s[i:]); r == utf8.RuneError && n == 1 {
			b.WriteRune(r) // an invalid byte
			i++
		} else {
			b.WriteString(s[i : i+n])
			i += n
		}
	}
	return b.String()
}

// indexFrom is the index of the first c in s at or after i, or len(s).
func indexFrom(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return len(s)
}

func isPunct(c byte) bool {
	return c < utf8.RuneSelf && unicode.IsPunct(rune(c)) || strings.IndexByte("$+<=>^`|~", c) >= 0
}
