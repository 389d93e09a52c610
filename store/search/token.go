package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWordLen is the longest word, in bytes once folded, that becomes a term. Longer runs
// of letters are not words a person searches for (identifiers, base64, garbled PDF text)
// and would only bloat the index.
const MaxWordLen = 64

// Token is one word of a text.
type Token struct {
	// Word is the word folded: lower case, NFKC-normalised, an en dash in a number
	// written as a hyphen. It is not stemmed.
	Word string
	// Start and End are the byte offsets [Start, End) of the word in the text.
	Start, End int
	// Pos counts words from 0. The parts of a joined number ("2024" and "2027" of
	// "2024-2027") share the position of the whole, which comes first.
	Pos int
}

// Tokens splits text into words. Every word is returned, stop words included: callers
// that build terms skip them with IsStopWord.
func Tokens(text string) []Token { return AppendTokens(nil, text) }

// AppendTokens appends the words of text to dst, numbering them on from the position
// after dst's last token.
func AppendTokens(dst []Token, text string) []Token {
	pos := 0
	if len(dst) > 0 {
		pos = dst[len(dst)-1].Pos + 1
	}
	eachToken(text, pos, func(t Token) bool {
		dst = append(dst, t)
		return true
	})
	return dst
}

// eachToken calls yield with the words of text, numbered from pos, until it returns
// false.
func eachToken(text string, pos int, yield func(Token) bool) {
	emit := func(start, end, pos int) bool {
		w := Fold(text[start:end])
		if w == "" || len(w) > MaxWordLen {
			return true
		}
		return yield(Token{Word: w, Start: start, End: end, Pos: pos})
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isLetterOrDigit(r) { // a word never starts with a combining mark
			i += n
			continue
		}
		start, end, joined := i, wordEnd(text, i), false
		// A number may continue over a hyphen, dot, comma or slash into more digits:
		// years "2024-2027", amounts "1,2", dates "21.04.2023", case numbers "20/01234".
		for end < len(text) {
			last, _ := utf8.DecodeLastRuneInString(text[start:end])
			c, cn := utf8.DecodeRuneInString(text[end:])
			if !unicode.IsDigit(last) || !isJoiner(c) {
				break
			}
			if d, _ := utf8.DecodeRuneInString(text[end+cn:]); !unicode.IsDigit(d) {
				break
			}
			end, joined = wordEnd(text, end+cn), true
		}
		if !emit(start, end, pos) {
			return
		}
		if joined {
			for j := start; j < end; {
				r, n := utf8.DecodeRuneInString(text[j:])
				if !isLetterOrDigit(r) {
					j += n
					continue
				}
				e := wordEnd(text, j)
				if !emit(j, e, pos) {
					return
				}
				j = e
			}
		}
		pos++
		i = end
	}
}

// wordEnd is the end of the run of letters, digits and combining marks starting at i.
func wordEnd(text string, i int) int {
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				i++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isLetterOrDigit(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += n
	}
	return i
}

func isLetterOrDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isJoiner(r rune) bool {
	return r == '-' || r == '–' || r == '.' || r == ',' || r == '/'
}

// Fold is the form a word is compared in: lower case, NFKC (the "ﬁ" ligature of a PDF
// becomes "fi"), an en dash as a hyphen. The result holds letters, digits, combining
// marks and the joiners of numbers only; when normalising would bring in anything else
// (a few compatibility characters expand to spaces), the word is only lower-cased.
func Fold(word string) string {
	ascii, upper := true, false
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if ascii {
		if !upper {
			return word // the common case costs no allocation
		}
		return strings.ToLower(word)
	}
	if w, ok := foldDanish(word); ok {
		return w
	}
	w := word
	if !norm.NFKC.IsNormalString(w) {
		if n := norm.NFKC.String(w); foldable(n) {
			w = n
		}
	}
	w = strings.ToLower(w)
	return strings.ReplaceAll(w, "–", "-")
}

// foldDanish folds a word of ASCII letters and digits and the Danish letters æ, ø, å
// (which NFKC leaves alone) without the normaliser; false for any other letter.
func foldDanish(word string) (string, bool) {
	upper := false
	for _, r := range word {
		switch {
		case r < utf8.RuneSelf:
			upper = upper || 'A' <= r && r <= 'Z'
		case r == 'æ' || r == 'ø' || r == 'å':
		case r == 'Æ' || r == 'Ø' || r == 'Å':
			upper = true
		default:
			return "", false
		}
	}
	if !upper {
		return word, true
	}
	return strings.ToLower(word), true
}

func foldable(s string) bool {
	for _, r := range s {
		if !isLetterOrDigit(r) && !unicode.Is(unicode.Mn, r) && !isJoiner(r) {
			return false
		}
	}
	return true
}

// stopWords are Snowball's Danish stop words: too common to say anything about a
// document.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`og i jeg det at en den til er som på de med han af for
		ikke der var mig sig men et har om vi min havde ham hun nu over da fra du ud sin
		dem os op man hans hvor eller hvad skal selv her alle vil blev kunne ind når være
		dog noget ville jo deres efter ned skulle denne end dette mit også under have dig
		anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange ad
		bliver hendes været thi jer sådan`) {
		stopWords[w] = true
	}
}

// IsStopWord reports whether a folded word is a Danish stop word.
func IsStopWord(word string) bool { return stopWords[word] }
