package ui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
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
