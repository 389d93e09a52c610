package search

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func words(toks []Token) string {
	var ws []string
	for _, t := range toks {
		ws = append(ws, t.Word)
	}
	return strings.Join(ws, " ")
}

func TestTokens(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Sundhedsaftale for 2024-2027.", "sundhedsaftale for 2024-2027 2024 2027"},
		{"ÆBLER, Øen og Åen", "æbler øen og åen"},
		{"Tæt på: æøå ÆØÅ", "tæt på æøå æøå"},
		{"2024–2027", "2024-2027 2024 2027"}, // an en dash is a hyphen
		{"1,2 mio. kr.", "1,2 1 2 mio kr"},
		{"mødet 21.04.2023 kl. 10", "mødet 21.04.2023 21 04 2023 kl 10"},
		{"SAG-2023-01182 gitb", "sag 2023-01182 2023 01182 gitb"},
		{"KL's oplæg, 72-timers modellen", "kl s oplæg 72 timers modellen"},
		{"ﬁnansiering", "finansiering"},                  // a PDF's ligature
		{"a\u030abenhed", "åbenhed"},                     // decomposed å, as some PDFs write it
		{"ＫＫＲ", "kkr"},                                   // full width
		{"3.5.\tTemadrøftelse", "3.5 3 5 temadrøftelse"}, // an item number, not its final dot
		{"- Drøfter **muligheder**", "drøfter muligheder"},
		{"", ""},
		{"  ...  ", ""},
		{"bad\xffbytes", "bad bytes"},
		{strings.Repeat("x", MaxWordLen+1) + " ok", "ok"},
	} {
		if got := words(Tokens(c.text)); got != c.want {
			t.Errorf("Tokens(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestTokenOffsetsAndPositions(t *testing.T) {
	text := "Det nære sundhedsvæsen i 2024-2027"
	toks := Tokens(text)
	want := []struct {
		text string
		pos  int
	}{{"Det", 0}, {"nære", 1}, {"sundhedsvæsen", 2}, {"i", 3}, {"2024-2027", 4}, {"2024", 4}, {"2027", 4}}
	if len(toks) != len(want) {
		t.Fatalf("%d tokens: %+v", len(toks), toks)
	}
	for i, w := range want {
		if got := text[toks[i].Start:toks[i].End]; got != w.text || toks[i].Pos != w.pos {
			t.Errorf("token %d = %q at %d, want %q at %d", i, got, toks[i].Pos, w.text, w.pos)
		}
	}
	// AppendTokens numbers on from the tokens already there.
	more := AppendTokens(toks, "og så")
	if more[len(toks)].Pos != 5 || more[len(toks)+1].Pos != 6 {
		t.Errorf("appended positions %+v", more[len(toks):])
	}
}

func TestStopWords(t *testing.T) {
	for _, w := range []string{"og", "at", "det", "på", "også", "sådan"} {
		if !IsStopWord(w) {
			t.Errorf("%q is not a stop word", w)
		}
	}
	for _, w := range []string{"lokalplan", "kommune", "budget", "Og"} { // folded words only
		if IsStopWord(w) {
			t.Errorf("%q is a stop word", w)
		}
	}
}

func TestStem(t *testing.T) {
	a := NewAnalyzer()
	for _, c := range []struct{ word, want string }{
		{"lokalplanerne", "lokalplan"},
		{"lokalplan", "lokalplan"},
		{"lokalplaner", "lokalplan"},
		{"sundhedsklyngerne", "sundhedsklyng"},
		{"sundhedsklynger", "sundhedsklyng"},
		{"kommunernes", "kommun"},
		{"plejehjemmene", "plejehjem"},
		{"2024-2027", "2024-2027"},
		{"sag2023", "sag2023"}, // a word with a digit is not stemmed
		{"øen", "øen"},
	} {
		if got := a.Stem(c.word); got != c.want {
			t.Errorf("Stem(%q) = %q, want %q", c.word, got, c.want)
		}
		if got := a.Stem(c.word); got != c.want { // from the cache
			t.Errorf("cached Stem(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestTermsSkipStopWords(t *testing.T) {
	a := NewAnalyzer()
	var got []string
	a.Terms("Det indstilles, at lokalplanerne og kommunerne godkendes", func(term string, _ Token) {
		got = append(got, term)
	})
	if s := strings.Join(got, " "); s != "indstil lokalplan kommun godk" {
		t.Errorf("terms %q", s)
	}
}

// FuzzTokens: whatever the text, tokens lie inside it in order, are the folded text they
// cover, hold only word characters, are never longer than MaxWordLen, and their stems are
// prefixes of them.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{
		"Sundhedsaftale for 2024-2027.", "ÆBLER Øen Åen", "1,2 mio. kr.", "21.04.2023",
		"a\u030abenhed", "ﬁnans ＫＫＲ", "\xff\xfe", "2024-", "-2024", "1.2.3.4.5", "İstanbul",
		"ﷺ", "x\u0301\u0301\u0301", "3.5.\tTemadrøftelse",
	} {
		f.Add(s)
	}
	a := NewAnalyzer()
	f.Fuzz(func(t *testing.T, text string) {
		toks := Tokens(text)
		last, lastPos := 0, -1
		for _, tk := range toks {
			if tk.Start < last || tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End {
				t.Fatalf("token %+v out of order or bounds (last start %d) in %q", tk, last, text)
			}
			if tk.Pos < lastPos {
				t.Fatalf("position %d after %d", tk.Pos, lastPos)
			}
			last, lastPos = tk.Start, tk.Pos
			if tk.Word == "" || len(tk.Word) > MaxWordLen || !utf8.ValidString(tk.Word) {
				t.Fatalf("bad word %q", tk.Word)
			}
			if tk.Word != Fold(text[tk.Start:tk.End]) {
				t.Fatalf("word %q is not the folded %q", tk.Word, text[tk.Start:tk.End])
			}
			for _, r := range tk.Word {
				if unicode.IsSpace(r) || r == utf8.RuneError {
					t.Fatalf("word %q holds %q", tk.Word, r)
				}
			}
			if s := a.Stem(tk.Word); s == "" || !strings.HasPrefix(tk.Word, s) {
				t.Fatalf("stem %q of %q", s, tk.Word)
			}
		}
	})
}
