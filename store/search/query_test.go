package search

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseQuery(t *testing.T) {
	a := NewAnalyzer()
	type word struct {
		stem   string
		prefix bool
	}
	for _, c := range []struct {
		q    string
		want []word
	}{
		{"sundhedsklynger", []word{{"sundhedsklyng", true}}},
		{"sundhedsklynger ", []word{{"sundhedsklyng", false}}}, // a space: the word is finished
		{"sundhedskl", []word{{"sundhedskl", true}}},
		{"Lokalplanerne i Greve", []word{{"lokalplan", false}, {"grev", true}}},
		{"og", []word{{"og", true}}}, // maybe the start of "også"… or "ogsågodt"
		{"og ", nil},
		{"det og at ", nil},
		{"de", []word{{"de", true}}},                                         // the start of "demokrati"
		{"d", []word{{"d", false}}},                                          // one letter is too short to be a prefix
		{"offentlig høring o", []word{{"offent", false}, {"høring", false}}}, // and is left out after others
		{"lokalplan lokalplanerne ", []word{{"lokalplan", false}}},
		{"2024-2027", []word{{"2024-2027", true}}},
		{"", nil},
		{"  ", nil},
	} {
		var got []word
		for _, w := range a.ParseQuery(c.q).Words {
			got = append(got, word{w.Stem, w.Prefix})
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ParseQuery(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

// While "lokalplanerne" is typed letter by letter, every prefix from "lokalplan" on
// matches the word "lokalplan" in a text: "lokalplanern" stems to itself, so only its
// completion ("lokalplanerne") leads back to the term.
func TestTypingAWordKeepsMatching(t *testing.T) {
	a := NewAnalyzer()
	full := "lokalplanerne"
	for n := len("lokalp"); n <= len(full); n++ {
		m := a.Matcher(a.ParseQuery(full[:n]))
		if m.Match("lokalplan") != 0 {
			t.Errorf("%q does not match \"lokalplan\"", full[:n])
		}
	}
	q := a.ParseQuery("lokalplanern")
	if !slices.Contains(q.Words[0].Variants, "lokalplan") {
		t.Errorf("variants of lokalplanern: %v", q.Words[0].Variants)
	}
}

func TestMatch(t *testing.T) {
	a := NewAnalyzer()
	m := a.Matcher(a.ParseQuery("lokalplan sundhedskl"))
	for _, c := range []struct {
		word string
		want int
	}{
		{"lokalplanerne", 0}, {"lokalplanen", 0}, {"lokalplan", 0},
		{"lokalplanforslag", -1}, // not the last word: no prefix
		{"sundhedsklyngerne", 1}, {"sundhedsklynge", 1},
		{"sundhed", -1}, {"og", -1}, {"planen", -1},
	} {
		if got := m.Match(c.word); got != c.want {
			t.Errorf("Match(%q) = %d, want %d", c.word, got, c.want)
		}
	}
}

func TestPhrase(t *testing.T) {
	a := NewAnalyzer()
	text := "Vi skal styrke det nære sundhedsvæsen i hovedstaden og Greve Landsby."
	for _, c := range []struct {
		phrase string
		found  string
	}{
		{"nære sundhedsvæsen", "nære sundhedsvæsen"},
		{"det nære sundhedsvæsen", "nære sundhedsvæsen"}, // a stop word holds its place
		{"Greve Landsby", "Greve Landsby"},
		{"sundhedsvæsenet", "sundhedsvæsen"},
		{"sundhedsvæsenets", "sundhedsvæsen"},
		{"sundhedsvæsen nære", ""}, // the wrong order
		{"nære hovedstaden", ""},   // both there, not together
		{"styrke i sundhedsvæsen", ""},
		{"landsby", "Landsby"},
	} {
		s, e, ok := a.Matcher(a.ParsePhrase(c.phrase)).Phrase(text)
		got := ""
		if ok {
			got = text[s:e]
		}
		if got != c.found {
			t.Errorf("Phrase(%q) found %q, want %q", c.phrase, got, c.found)
		}
	}
}

func marked(snippet string, matches [][2]int) string {
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(snippet[last:m[0]] + "[" + snippet[m[0]:m[1]] + "]")
		last = m[1]
	}
	return b.String() + snippet[last:]
}

func TestSnippet(t *testing.T) {
	a := NewAnalyzer()
	long := "Indledning. " + strings.Repeat("Ord uden betydning her. ", 20) +
		"Sundhedsklyngerne skal styrke det nære sundhedsvæsen. " + strings.Repeat("Mere fyld og tekst. ", 20) +
		"Til sidst om sundhedsklynger igen."
	for _, c := range []struct {
		text, q string
		max     int
		want    string
		words   int
	}{
		{"Kort tekst om lokalplanerne.", "lokalplan", 200, "Kort tekst om [lokalplanerne].", 1},
		// The window with both words beats the ones with only one of them.
		{long, "sundhedsklynger nære", 60, "…her. [Sundhedsklyngerne] skal styrke det [nære] sundhedsvæsen.…", 2},
		{long, "sundhedsklynger", 50, "…her. [Sundhedsklyngerne] skal styrke det nære…", 1},
		{"Ingen træf i denne tekst, som er lidt lang.", "budget", 20, "Ingen træf i denne…", 0},
		{"Aftale for 2024-2027 og 2028", "2024", 200, "Aftale for [2024-2027] og 2028", 1}, // typing: a prefix
		{"Aftale for 2024-2027 og 2028", "2024 ", 200, "Aftale for [2024]-2027 og 2028", 1},
		{"Aftale for 2024-2027 og 2028", "2024-2027", 200, "Aftale for [2024-2027] og 2028", 1},
	} {
		s, ms, n := a.Matcher(a.ParseQuery(c.q)).Snippet(c.text, c.max)
		if got := marked(s, ms); got != c.want || n != c.words {
			t.Errorf("Snippet(%q) = %q (%d words), want %q (%d)", c.q, got, n, c.want, c.words)
		}
	}
}

func TestPlain(t *testing.T) {
	for _, c := range []struct{ md, want string }{
		{"### Økonomi\n\nTekst her.", "Økonomi Tekst her."},
		{"- Drøfter **muligheder**\n- Giver input", "Drøfter muligheder Giver input"},
		{"Se [bilag 1](https://x.dk/b.pdf) og ![kort](k.png).", "Se bilag 1 og kort."},
		{"Se [her](#)", "Se her"},
		{"| A | B |\n|---|---|\n| 1 | 2 |", "A B 1 2"},
		{"> citat\n>\n> mere", "citat mere"},
		{"1\\. januar \\*ikke\\*", "1. januar *ikke*"},
		{"a  \t b\r\n\r\nc", "a b c"},
		{"<https://kl.dk>", "https://kl.dk"},
		{"ugyldig\xffbyte", "ugyldig\uFFFDbyte"},
		{"[[[[", "[[[["},
		{"", ""},
	} {
		if got := Plain(c.md); got != c.want {
			t.Errorf("Plain(%q) = %q, want %q", c.md, got, c.want)
		}
	}
}

func TestBM25(t *testing.T) {
	if !(IDF(1000, 1) > IDF(1000, 10) && IDF(1000, 10) > IDF(1000, 1000) && IDF(1000, 1000) > 0) {
		t.Error("IDF does not fall with the document frequency, or is not positive")
	}
	if IDF(10, 20) <= 0 || math.IsNaN(IDF(0, 0)) {
		t.Error("IDF of odd counts")
	}
	if !(TF(2, 100, 100) > TF(1, 100, 100) && TF(20, 100, 100) < 2*TF(10, 100, 100)) {
		t.Error("TF does not grow and saturate")
	}
	if !(TF(1, 50, 100) > TF(1, 200, 100)) {
		t.Error("a longer document does not score lower")
	}
	if TF(0, 10, 10) != 0 || math.IsNaN(TF(1, 0, 0)) {
		t.Error("TF of odd counts")
	}
}

// FuzzSnippet: Plain gives one valid line; the snippet is valid text no longer than asked
// (plus ellipses, and a word longer than the room) and its matches are in order, inside
// it, on rune boundaries, and cover words the query matches.
func FuzzSnippet(f *testing.F) {
	f.Add("### Økonomi\n\nSundhedsklyngerne skal styrke det nære sundhedsvæsen.", "sundhedsklynger nære", 40)
	f.Add("[a](b) [[c]] **d** 2024-2027", "2024", 5)
	f.Add("\xff\xfe lokalplanerne", "lokalplanern", 3)
	f.Add("", "", 0)
	a := NewAnalyzer()
	f.Fuzz(func(t *testing.T, md, q string, maxLen int) {
		maxLen = max(maxLen%500, 1)
		text := Plain(md)
		if !utf8.ValidString(text) || strings.ContainsAny(text, "\n\r\t") {
			t.Fatalf("Plain(%q) = %q", md, text)
		}
		m := a.Matcher(a.ParseQuery(q))
		s, ms, _ := m.Snippet(text, maxLen)
		if !utf8.ValidString(s) {
			t.Fatalf("snippet %q is not valid UTF-8", s)
		}
		core := strings.TrimSuffix(strings.TrimPrefix(s, Ellipsis), Ellipsis)
		if !strings.Contains(text, core) {
			t.Fatalf("snippet %q is not from the text %q", s, text)
		}
		last := 0
		for _, x := range ms {
			if x[0] < last || x[1] <= x[0] || x[1] > len(s) || !runeStart(s, x[0]) || !runeStart(s, x[1]) {
				t.Fatalf("match %v in %q (after %d)", x, s, last)
			}
			last = x[1]
			if m.Match(Fold(s[x[0]:x[1]])) < 0 {
				t.Fatalf("match %q does not match %q", s[x[0]:x[1]], q)
			}
		}
		if len(ms) > 0 && len(core) > maxLen {
			// Longer than asked only when one match alone is.
			widest := 0
			for _, x := range ms {
				widest = max(widest, x[1]-x[0])
			}
			if widest <= maxLen {
				t.Fatalf("snippet of %d bytes for %d: %q", len(core), maxLen, s)
			}
		}
	})
}

// Forms of one word that Snowball stems apart find each other through the variants.
func TestVariantsJoinFormsStemmedApart(t *testing.T) {
	a := NewAnalyzer()
	for _, c := range []struct{ query, text string }{
		{"sundhedsvæsen ", "sundhedsvæsenet"},
		{"sundhedsvæsenet ", "sundhedsvæsen"},
		{"budget ", "budgettet"},
		{"budgettet ", "budget"},
		{"projekt ", "projektet"},
	} {
		if a.Matcher(a.ParseQuery(c.query)).Match(c.text) != 0 {
			t.Errorf("%q does not find %q (stems %q, %q)", c.query, c.text, a.Stem(strings.TrimSpace(c.query)), a.Stem(c.text))
		}
	}
}

func TestLiteral(t *testing.T) {
	a := NewAnalyzer()
	text := "Indsatser for borgere med kroniske sygdomme. Kroniske sygdomme igen; ukroniske sygdommex."
	for _, c := range []struct {
		phrase, text string
		want         bool
	}{
		{"kroniske sygdomme", text, true},
		{"Kroniske  Sygdomme", "Om Kroniske sygdomme.", true},
		{"kroniske sygdomme", "ukroniske sygdommex", false},     // not whole words
		{"kronisk sygdom", text, false},                         // another form: for Phrase to say
		{"borgere kroniske", text, false},                       // "med" between
		{"nære i sundhedsvæsen", "nære i sundhedsvæsen", false}, // "i" is a stop word: left to Phrase
	} {
		if got := a.Matcher(a.ParsePhrase(c.phrase)).Literal(c.text); got != c.want {
			t.Errorf("Literal(%q in %q) = %v", c.phrase, c.text, got)
		}
	}
}
