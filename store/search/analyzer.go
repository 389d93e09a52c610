package search

import (
	"strings"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
)

// Analyzer turns text into index terms. It remembers the stems it has computed (a
// meeting repeats most of its words, and Snowball is the slow part), so keep one for a
// whole import. It is not safe for concurrent use.
type Analyzer struct {
	stems map[string]string
	toks  []Token
}

// maxCachedStems bounds an analyzer's memory; when full the cache starts over.
const maxCachedStems = 1 << 16

// NewAnalyzer returns an analyzer with an empty cache.
func NewAnalyzer() *Analyzer { return &Analyzer{stems: map[string]string{}} }

// Stem returns the Danish stem of a folded word. Words with a digit are kept as they
// are. The stem is always a prefix of the word: Snowball's Danish rules only remove
// endings, and a caller may rely on it (Matcher does, to skip most words unstemmed).
func (a *Analyzer) Stem(word string) string {
	if len(word) < 3 || strings.ContainsFunc(word, unicode.IsDigit) {
		return word // Snowball leaves words this short alone; numbers are not words
	}
	if s, ok := a.stems[word]; ok {
		return s
	}
	env := snowballstem.NewEnv(word)
	danish.Stem(env)
	s := env.Current()
	if s == "" || !strings.HasPrefix(word, s) {
		s = word
	}
	if len(a.stems) >= maxCachedStems {
		clear(a.stems)
	}
	a.stems[word] = s
	return s
}

// Terms calls fn with the term of every word of text that is not a stop word, in text
// order, with the token it came from.
func (a *Analyzer) Terms(text string, fn func(term string, t Token)) {
	a.toks = AppendTokens(a.toks[:0], text)
	for _, t := range a.toks {
		if IsStopWord(t.Word) {
			continue
		}
		fn(a.Stem(t.Word), t)
	}
}
