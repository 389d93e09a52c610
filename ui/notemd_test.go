package ui

import (
	"strings"
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

func TestNoteMarkdown(t *testing.T) {
	st := NewStyles(true, false)
	for _, c := range []struct {
		in   string
		want []string // the plain lines
	}{
		{"Spørg til **finansieringen**", []string{"Spørg til finansieringen"}},
		{"Første linje\nanden linje", []string{"Første linje", "anden linje"}},
		{"- for\n- imod\n\n1. et\n2. to", []string{"• for", "• imod", "1. et", "2. to"}},
		{"Se [planen](https://greve.dk/plan) og `§ 17`", []string{"Se planen (https://greve.dk/plan) og § 17"}},
		{"> citat fra sagen", []string{"│ citat fra sagen"}},
		{"~~udgår~~ *kursiv* __fed__", []string{"udgår kursiv fed"}},
		{"<b>ikke html</b>", []string{"<b>ikke html</b>"}},
		{"en meget lang linje der skal brydes fordi ruden er smal og noten er lang", []string{"en meget lang linje der skal brydes fordi", "ruden er smal og noten er lang"}},
		{"farlig \x1b[2Jtekst", []string{"farlig [2Jtekst"}},
	} {
		got := noteMarkdown(c.in, 44, st)
		var plain []string
		for _, l := range got {
			plain = append(plain, strings.TrimRight(ansi.Strip(l), " "))
			if w := ansi.StringWidth(l); w > 44 {
				t.Errorf("%q: line %q is %d cells, wider than 44", c.in, l, w)
			}
		}
		if strings.Join(plain, "|") != strings.Join(c.want, "|") {
			t.Errorf("noteMarkdown(%q) = %q, want %q", c.in, plain, c.want)
		}
	}
	// **fed** is drawn bold, not with its asterisks.
	lines := noteMarkdown("Spørg til **finansieringen**", 40, st)
	buf := uv.NewScreenBuffer(40, 1)
	uv.NewStyledString(lines[0]).Draw(buf, buf.Bounds())
	if c := buf.CellAt(10, 0); c == nil || c.Content != "f" || c.Style.Attrs&uv.AttrBold == 0 {
		t.Errorf("the bold word is not bold: %+v", c)
	}
	if c := buf.CellAt(0, 0); c == nil || c.Style.Attrs&uv.AttrBold != 0 {
		t.Errorf("the plain word is bold: %+v", c)
	}
}

// The notes pane shows a note's Markdown formatted, not its asterisks.
func TestNotesPaneRendersMarkdown(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 140, 40)
	d.keys("enter", "enter", "]", "n")
	d.typeText("Spørg til **finansieringen**")
	d.keys("ctrl+s")
	d.settle()
	d.mustSee("Spørg til finansieringen")
	d.mustNotSee("**finansieringen**")
}

// FuzzNoteMarkdown: a note may come from another member. Rendering never panics, never
// lets an escape sequence through, and keeps every line within the pane.
func FuzzNoteMarkdown(f *testing.F) {
	for _, s := range []string{"", "**fed** *kursiv*", "- a\n  - b\n    1. c", "> > citat", "```\nkode\n```", "[x](javascript:alert(1))", "\x1b]52;c;Zm9v\x07", "| a | b |\n|---|---|", "<script>", "# Overskrift\n\n---\n\n~~x~~"} {
		f.Add(s, 30)
	}
	st := NewStyles(true, false)
	f.Fuzz(func(t *testing.T, s string, width int) {
		width = 4 + (width%120+120)%120
		for _, l := range noteMarkdown(s, width, st) {
			if w := ansi.StringWidth(l); w > width {
				t.Fatalf("line %q is %d cells, width %d", l, w, width)
			}
			plain := ansi.Strip(l)
			if strings.ContainsFunc(plain, func(r rune) bool { return r == 0x1b || r == 0x07 || r == 0x9b }) {
				t.Fatalf("a control character reached the pane: %q", l)
			}
		}
	})
}
