package search

import "strings"

// Ellipsis marks where a snippet cuts the text.
const Ellipsis = "…"

// Snippet cuts the passage of text (one line of plain text, see Plain) that shows why it
// matched: the first window of at most maxLen bytes that holds every query word or,
// when none does, the one holding the most different query words, then the most
// matches. Matches are the byte offsets [start, end) of the matched words in the
// snippet, in order and never overlapping; words is how many different query words the
// snippet shows. Without a match the snippet is the start of the text. Cuts fall
// between words and are marked with an ellipsis.
//
// Reading stops at the first window with every word, so the snippet of a long text
// whose words come early costs little.
func (m *Matcher) Snippet(text string, maxLen int) (snippet string, matches [][2]int, words int) {
	type match struct{ start, end, word int }
	var ms []match
	counts := make([]int, len(m.q.Words))
	distinct, first := 0, 0 // the window is ms[first:]
	best, bestEnd, bestWords := 0, 0, -1
	eachToken(text, 0, func(t Token) bool {
		if len(ms) > 0 && t.Start < ms[len(ms)-1].end {
			return true // a part of a joined number that already matched as a whole
		}
		i := m.Match(t.Word)
		if i < 0 {
			return true
		}
		ms = append(ms, match{t.Start, t.End, i})
		if counts[i] == 0 {
			distinct++
		}
		counts[i]++
		for first < len(ms)-1 && t.End-ms[first].start > maxLen {
			x := ms[first].word
			if counts[x]--; counts[x] == 0 {
				distinct--
			}
			first++
		}
		if distinct > bestWords || distinct == bestWords && len(ms)-first > bestEnd-best {
			best, bestEnd, bestWords = first, len(ms), distinct
		}
		return distinct < len(m.q.Words)
	})
	if len(ms) == 0 {
		return window(text, 0, 0, maxLen).String(text), nil, 0
	}
	p := window(text, ms[best].start, ms[bestEnd-1].end, maxLen)
	lead := 0
	if p.start > 0 {
		lead = len(Ellipsis)
	}
	for _, x := range ms[best:bestEnd] {
		if x.start >= p.start && x.end <= p.end {
			matches = append(matches, [2]int{x.start - p.start + lead, x.end - p.start + lead})
		}
	}
	return p.String(text), matches, bestWords
}

// passage is a part [start, end) of a text.
type passage struct{ start, end int }

// String is the passage with an ellipsis where it cuts the text.
func (p passage) String(text string) string {
	s := text[p.start:p.end]
	if p.start > 0 {
		s = Ellipsis + s
	}
	if p.end < len(text) {
		s += Ellipsis
	}
	return s
}

// window chooses the passage of text around [from, to) of at most maxLen bytes (not
// counting ellipses), cut at spaces, with a little of the text before from. The text is
// one line of plain text: words are apart by single spaces.
func window(text string, from, to, maxLen int) passage {
	if len(text) <= maxLen {
		return passage{0, len(text)}
	}
	// Show some words before the first match: a third of the room left over.
	start := max(from-max(maxLen-(to-from), 0)/3, 0)
	if start > 0 {
		if i := strings.IndexByte(text[start:from], ' '); i >= 0 {
			start += i + 1
		} else {
			start = from
		}
	}
	end := start + maxLen
	switch {
	case end >= len(text):
		end = len(text)
	case end <= to:
		end = to
	case text[end] == ' ':
	default:
		if i := strings.LastIndexByte(text[to:end], ' '); i >= 0 {
			end = to + i
		} else if to > from {
			end = to
		} else { // no space at all: cut inside the word, at a rune boundary
			for end > start && !runeStart(text, end) {
				end--
			}
		}
	}
	for start < end && text[start] == ' ' {
		start++
	}
	for end > start && text[end-1] == ' ' {
		end--
	}
	return passage{start, end}
}

func runeStart(s string, i int) bool {
	return i >= len(s) || s[i]&0xC0 != 0x80
}
