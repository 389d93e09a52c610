package ui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/dagsorden/dagsorden/agenda"
)

func TestWrapText(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  []string
	}{
		{"Det indstilles, at udvalget godkender", 20, []string{"Det indstilles, at", "udvalget godkender"}},
		{"kort", 20, []string{"kort"}},
		{"første\n\nanden", 20, []string{"første", "", "anden"}},
		{"https://dagsordener.greve.dk/vis/pdf/bilag/1", 10, []string{"https://da", "gsordener.", "greve.dk/v", "is/pdf/bil", "ag/1"}},
		{"  - indrykket punkt med flere ord", 16, []string{"  - indrykket", "punkt med flere", "ord"}},
		{"æøå ÆØÅ – “citat” … 5 €", 12, []string{"æøå ÆØÅ –", "“citat” … 5", "€"}},
		{"漢字漢字漢字 wide", 6, []string{"漢字漢", "字漢字", "wide"}},
	} {
		got := wrapText(c.in, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrapText(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
}

// FuzzWrapText: item text comes from outside. Wrapping never panics, no line is wider
// than asked, and no word is lost.
func FuzzWrapText(f *testing.F) {
	for _, s := range []string{"", "Det indstilles, at KKR Hovedstaden:\n\n- Drøfter …", "a\tb\r\nc", strings.Repeat("x", 300), "漢字 emoji 🎉 e\u0301", "\xff\xfe bad utf8"} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = 1 + (width%200+200)%200
		lines := wrapText(s, width)
		var got, want strings.Builder
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width && !strings.ContainsRune(l, '\x1b') {
				t.Fatalf("line %q is %d cells, width %d", l, w, width)
			}
			for _, r := range l {
				if !unicode.IsSpace(r) {
					got.WriteRune(r)
				}
			}
		}
		for _, r := range strings.ReplaceAll(s, "\t", "    ") {
			if !unicode.IsSpace(r) {
				want.WriteRune(r)
			}
		}
		if narrowOnly(s) && got.String() != want.String() {
			t.Fatalf("words lost: %q became %q", s, lines)
		}
	})
}

func TestSplitMarkdownKeepsEveryByte(t *testing.T) {
	md := strings.Repeat("Et afsnit om lokalplaner.\n\n", 300) + "```\nkode\n\nmed tom linje\n```\n\n- punkt\n\n  fortsat punkt\n"
	chunks := splitMarkdown(md, 1024)
	if len(chunks) < 5 {
		t.Fatalf("%d chunks from %d bytes", len(chunks), len(md))
	}
	if strings.Join(chunks, "") != md {
		t.Fatal("the chunks do not add up to the text")
	}
	for _, c := range chunks {
		if strings.HasPrefix(c, " ") || strings.HasPrefix(c, "\t") {
			t.Fatalf("a chunk starts inside an indented block: %q", c[:20])
		}
		if strings.Count(c, "```")%2 != 0 {
			t.Fatalf("a chunk cuts a code fence: %q", c)
		}
	}
}

func TestHighlightKeepsTheMatchInView(t *testing.T) {
	mark := func(s ...string) string { return "[" + strings.Join(s, "") + "]" }
	text := "Forvaltningen foreslår hævede flader ved skolen og en sænket hastighed"
	i := strings.Index(text, "skolen")
	if got := highlight(text, [][2]int{{i, i + len("skolen")}}, 80, mark); got != "Forvaltningen foreslår hævede flader ved [skolen] og en sænket hastighed" {
		t.Errorf("fits: %q", got)
	}
	got := highlight(text, [][2]int{{i, i + len("skolen")}}, 30, mark)
	if !strings.HasPrefix(got, "…") || !strings.Contains(got, "[skolen]") || ansi.StringWidth(got) > 30 {
		t.Errorf("narrow: %q", got)
	}
	// Offsets out of range or reversed are ignored, not a panic.
	if got := highlight("kort", [][2]int{{3, 99}, {2, 1}}, 20, mark); got != "kort" {
		t.Errorf("bad offsets: %q", got)
	}
}

// No word of an Indstilling is lost when its units become blocks: the lead-in, the text
// between units ("eller", a lead-in for the next ones) and a closing remark all stay.
func TestSplitIndstillingKeepsEveryWord(t *testing.T) {
	for _, c := range []struct {
		text string
		n    int
	}{
		{"Det indstilles, at KKR Hovedstaden:\n\n- Drøfter potentialer\n- Giver input\n\nSagen genoptages.", 2},
		{"*Administrationen indstiller overfor A,*\n\n1\\. *at orienteringen tages til efterretning.*\n\n*Administrationen indstiller overfor B,*\n\n2\\. *at der ikke udarbejdes en plan.*", 2},
		{"*Center indstiller,*\n\n*1. at byrådet vælger A.*\n\n*eller*\n\n*2. at byrådet vælger B.*", 2},
		{"Forvaltningen indstiller, at udvalget\n\n- godkender projektet\n  for 2,1 mio. kr.\n- beder om en evaluering", 2},
		{"Det indstilles, at KKR Hovedstaden godkender referatet.", 1},
	} {
		recs := agenda.Recommendations(c.text)
		if len(recs) != c.n {
			t.Fatalf("%q: agenda.Recommendations gives %d units, want %d", c.text, len(recs), c.n)
		}
		parts, ok := splitIndstilling(c.text, recs)
		if !ok || len(parts) != len(recs)+1 {
			t.Fatalf("%q: %d parts, ok %v", c.text, len(parts), ok)
		}
		// Every word of the section is in a part or in a unit.
		var shown strings.Builder
		for _, p := range parts {
			shown.WriteString(p + " ")
		}
		for _, r := range recs {
			shown.WriteString(r.Text + " ")
		}
		clean := func(s string) []string {
			return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		}
		have := map[string]int{}
		for _, w := range clean(shown.String()) {
			have[w]++
		}
		for _, w := range clean(c.text) {
			if len(w) <= 2 && strings.Trim(w, "0123456789") == "" {
				continue // a list's own numbers: the blocks number the units
			}
			if have[w] == 0 {
				t.Errorf("%q: the word %q is not shown", c.text, w)
			}
			have[w]--
		}
	}
}
