package search

// Ellipsis marks where a snippet cuts the text.
const Ellipsis = "…"

// Snippet cuts the passage of text (one line of plain text, see Plain) that best shows
// why it matched: the window of at most maxLen bytes holding the most different query
// words, then the most matches, then the earliest. Matches are the byte offsets
// [start, end) of the matched words in the snippet, in order and never overlapping;
// words is how many different query words the snippet shows. Without a match the
// snippet is the start of the text. Cuts fall between words and are marked with an
// ellipsis.
func (m *Matcher) Snippet(text string, maxLen int) (snippet string, matches [][2]int, words int) {
	toks := Tokens(text)
	type match struct{ start, end, word int }
	var ms []match
	for _, t := range toks {
		if len(ms) > 0 && t.Start < ms[len(ms)-1].end {
			continue // a part of a joined number that already matched as a whole
		}
		if i := m.Match(t.Word); i >= 0 {
			ms = append(ms, match{t.Start, t.End, i})
		}
	}
	if len(ms) == 0 {
		return cut(text, toks, 0, 0, maxLen), nil, 0
	}
	// Slide a window over the matches: [i, j] is the widest run starting at match i
	// that fits in maxLen.
	counts := make([]int, len(m.q.Words))
	best, bestJ, bestWords, bestN := 0, 0, -1, 0
	distinct := 0
	j := -1
	for i := range ms {
		for j+1 < len(ms) && ms[j+1].end-ms[i].start <= maxLen {
			j++
			if counts[ms[j].word] == 0 {
				distinct++
			}
			counts[ms[j].word]++
		}
		if j < i { // a single match longer than maxLen
			j = i
			if counts[ms[i].word] == 0 {
				distinct++
			}
			counts[ms[i].word]++
		}
		if n := j - i + 1; distinct > bestWords || distinct == bestWords && n > bestN {
			best, bestJ, bestWords, bestN = i, j, distinct, n
		}
		counts[ms[i].word]--
		if counts[ms[i].word] == 0 {
			distinct--
		}
	}
	p := window(text, toks, ms[best].start, ms[bestJ].end, maxLen)
	lead := 0
	if p.start > 0 {
		lead = len(Ellipsis)
	}
	for _, x := range ms {
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

func cut(text string, toks []Token, from, to, maxLen int) string {
	return window(text, toks, from, to, maxLen).String(text)
}

// window chooses the passage of text around [from, to) of at most maxLen bytes (not
// counting ellipses), starting at the beginning of a word and ending at the end of one,
// with a little of the text before from.
func window(text string, toks []Token, from, to, maxLen int) passage {
	if len(text) <= maxLen {
		return passage{0, len(text)}
	}
	// Show some words before the first match: a third of the room left over.
	start := max(from-(maxLen-(to-from))/3, 0)
	if start > 0 {
		s := from
		for _, t := range toks {
			if t.Start >= start {
				s = min(t.Start, from)
				break
			}
		}
		start = s
	}
	end := min(start+maxLen, len(text))
	if end < len(text) {
		// End after the last word that fits, but never before the matches.
		e := max(to, start)
		for _, t := range toks {
			if t.End > end {
				break
			}
			e = max(e, t.End)
		}
		if e == start { // no whole word fits: cut inside it, at a rune boundary
			e = end
			for e > start && !runeStart(text, e) {
				e--
			}
		}
		end = e
	}
	// Trim the spaces at the cuts (the text is one line: spaces are ASCII).
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
