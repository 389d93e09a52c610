package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinPrefix is how many letters the last word of a query needs before it also matches
// the words it begins: one letter would match a large part of the dictionary.
const MinPrefix = 2

// Query is what the member typed, read into words that must all be found (AND).
type Query struct {
	Words []Word
}

// Word is one word of a query and the terms it matches.
type Word struct {
	// Text is the word as typed, folded; Stem is its term.
	Text, Stem string
	// Prefix: the last word of a query typed without a space after it, which the member
	// may still be typing. It also matches every term that begins with Stem.
	Prefix bool
	// Variants are the terms of other forms of the word. Snowball stems some forms of
	// one word apart ("sundhedsvæsen" → "sundhedsvæs", "sundhedsvæsenet" →
	// "sundhedsvæsen"; "budget" → "budg", "budgettet" → "budget"), so the word is also
	// looked for with a Danish ending added or taken off. A word being typed is also
	// finished with the ending it has begun: "lokalplanern" (on the way to
	// "lokalplanerne") stems to itself, "lokalplanerne" to "lokalplan".
	Variants []string
	// Pos is the word's position in the query; a phrase's words must stand at the same
	// distances from each other in the text.
	Pos int
}

// Empty reports whether the query has nothing to look for (only stop words, say).
func (q Query) Empty() bool { return len(q.Words) == 0 }

// ParseQuery reads a query typed into a search field. Stop words are dropped, except as
// the last word while it may still be the start of another word ("de" → "demokrati").
// A word given twice counts once.
func (a *Analyzer) ParseQuery(q string) Query {
	toks := Tokens(q)
	typing := len(toks) > 0 && toks[len(toks)-1].End == len(q) // no space after the last word
	return a.query(toks, typing)
}

// ParsePhrase reads a watched word or phrase: every word must be there, none as a prefix.
func (a *Analyzer) ParsePhrase(p string) Query { return a.query(Tokens(p), false) }

func (a *Analyzer) query(toks []Token, typing bool) Query {
	var q Query
	lastPos := -1
	if len(toks) > 0 {
		lastPos = toks[len(toks)-1].Pos
	}
	if typing && lastPos > 0 && utf8.RuneCountInString(toks[len(toks)-1].Word) < MinPrefix {
		// The first letter of the next word: too little to look for, and as a word of
		// its own it would only make the query find nothing until the next key.
		for len(toks) > 0 && toks[len(toks)-1].Pos == lastPos {
			toks = toks[:len(toks)-1]
		}
		lastPos = -1
	}
	seen := map[string]bool{}
	for i, t := range toks {
		if i > 0 && t.Pos == toks[i-1].Pos {
			continue // a part of a joined number: the whole number is the word
		}
		prefix := typing && t.Pos == lastPos && utf8.RuneCountInString(t.Word) >= MinPrefix
		if IsStopWord(t.Word) && !prefix {
			continue
		}
		w := Word{Text: t.Word, Stem: a.Stem(t.Word), Prefix: prefix, Pos: t.Pos}
		w.Variants = a.variants(t.Word, w.Stem, prefix)
		key := w.Stem
		if prefix {
			key += "*"
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		q.Words = append(q.Words, w)
	}
	return q
}

// endings are the Danish endings of nouns and adjectives a word is looked for with.
var endings = []string{"e", "en", "ene", "enes", "ens", "er", "ere", "erne", "ernes", "ers",
	"es", "et", "ets", "s"}

// typedEndings are the longer endings a word being typed may be cut off in.
var typedEndings = append([]string{"ede", "ende", "est", "este", "heden", "hedens", "t", "te"}, endings...)

// variants are the stems of the word's other forms (see Word.Variants) that differ from
// its own stem.
func (a *Analyzer) variants(word, stem string, typing bool) []string {
	if utf8.RuneCountInString(word) < 3 || strings.ContainsFunc(word, unicode.IsDigit) {
		return nil
	}
	var out []string
	add := func(form string) {
		if utf8.RuneCountInString(form) < 3 {
			return
		}
		if c := a.Stem(form); c != stem && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	last, _ := utf8.DecodeLastRuneInString(word)
	double := !strings.ContainsRune("aeiouyæøå", last)
	for _, e := range endings {
		add(word + e)
		if double { // budget → budgettet
			add(word + string(last) + e)
		}
		if r, ok := strings.CutSuffix(word, e); ok {
			add(r)
			if l, n := utf8.DecodeLastRuneInString(r); len(r) > n && strings.HasSuffix(r[:len(r)-n], string(l)) {
				add(r[:len(r)-n]) // budgettet → budget
			}
		}
	}
	if typing {
		for _, e := range typedEndings {
			for k := len(e) - 1; k >= 1; k-- {
				if strings.HasSuffix(word, e[:k]) {
					add(word + e[k:])
				}
			}
		}
	}
	return out
}

// Matcher tells which words of a text a query matches: for highlights, snippets and
// phrases. It uses the analyzer it was made by and, like it, is not safe for concurrent
// use.
type Matcher struct {
	a *Analyzer
	q Query
}

// Words is how many words the matcher's query has.
func (m *Matcher) Words() int { return len(m.q.Words) }

// Matcher returns a matcher for q.
func (a *Analyzer) Matcher(q Query) *Matcher { return &Matcher{a: a, q: q} }

// Match returns the index in the query of the word that a folded word of a text matches,
// or -1: the same rule the index applies (the word's stem is the query word's stem or one
// of its variants, or begins with its stem for a prefix).
func (m *Matcher) Match(word string) int {
	if IsStopWord(word) {
		return -1
	}
	stem, stemmed := "", false
	for i := range m.q.Words {
		w := &m.q.Words[i]
		// A stem is a prefix of its word, so a word that does not begin with the query's
		// term cannot match it, and most words are never stemmed.
		for j := -1; j < len(w.Variants); j++ {
			c := w.Stem
			if j >= 0 {
				c = w.Variants[j]
			}
			if !strings.HasPrefix(word, c) {
				continue
			}
			if !stemmed {
				stem, stemmed = m.a.Stem(word), true
			}
			if stem == c || j < 0 && w.Prefix && strings.HasPrefix(stem, c) {
				return i
			}
		}
	}
	return -1
}

// MayMatch is a quick test before reading a text word by word: false when no word of
// the text can match, because none of the query's terms occurs in it written in lower
// case or with a capital first letter (a stem is a prefix of its word). A word written
// all in capitals or with a ligature slips through: use it where missing such a word
// costs only the choice of a snippet.
func (m *Matcher) MayMatch(text string) bool {
	for i := range m.q.Words {
		w := &m.q.Words[i]
		for j := -1; j < len(w.Variants); j++ {
			c := w.Stem
			if j >= 0 {
				c = w.Variants[j]
			}
			if strings.Contains(text, c) {
				return true
			}
			if r, n := utf8.DecodeRuneInString(c); unicode.IsLower(r) {
				if strings.Contains(text, string(unicode.ToUpper(r))+c[n:]) {
					return true
				}
			}
		}
	}
	return false
}

// Literal is a quick test for a phrase: whether text holds it word for word as the query
// was written (folded, one space apart, in lower case or with a capital first letter),
// as whole words. Where it does, Phrase would find it too; where it does not, only
// Phrase can tell (another form of a word, other spacing, stop words in between).
func (m *Matcher) Literal(text string) bool {
	ws := m.q.Words
	if len(ws) == 0 {
		return false
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		if i > 0 && w.Pos != ws[i-1].Pos+1 {
			return false // a stop word in between: the query's text is not all here
		}
		parts[i] = w.Text
	}
	lit := strings.Join(parts, " ")
	r, n := utf8.DecodeRuneInString(lit)
	for _, form := range []string{lit, string(unicode.ToUpper(r)) + lit[n:]} {
		for i := 0; ; {
			j := strings.Index(text[i:], form)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(form)
			before, _ := utf8.DecodeLastRuneInString(text[:start])
			after, _ := utf8.DecodeRuneInString(text[end:])
			if (start == 0 || !isLetterOrDigit(before)) && (end == len(text) || !isLetterOrDigit(after)) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

// Phrase finds the first place in text where every word of the query stands, at the same
// distances from each other as in the query (stop words between them count as words),
// and returns its byte offsets [start, end).
func (m *Matcher) Phrase(text string) (start, end int, ok bool) {
	ws := m.q.Words
	if len(ws) == 0 {
		return 0, 0, false
	}
	toks := Tokens(text)
	type hit struct{ start, end int }
	at := map[[2]int]hit{} // (position, query word) → where
	for _, t := range toks {
		if i := m.Match(t.Word); i >= 0 {
			k := [2]int{t.Pos, i}
			if _, dup := at[k]; !dup {
				at[k] = hit{t.Start, t.End}
			}
		}
	}
	for _, t := range toks {
		first, ok := at[[2]int{t.Pos, 0}]
		if !ok {
			continue
		}
		s, e, all := first.start, first.end, true
		for i := 1; i < len(ws) && all; i++ {
			h, ok := at[[2]int{t.Pos + ws[i].Pos - ws[0].Pos, i}]
			all = ok
			s, e = min(s, h.start), max(e, h.end)
		}
		if all {
			return s, e, true
		}
	}
	return 0, 0, false
}
