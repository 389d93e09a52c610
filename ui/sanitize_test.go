package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dagsorden/dagsorden/agenda"
)

func TestSafeFrame(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain æøå § ½", "plain æøå § ½"},
		{"\x1b[1;38;2;1;2;3mfed\x1b[m tekst", "\x1b[1;38;2;1;2;3mfed\x1b[m tekst"},
		{"a\x1b[2Jb", "ab"},                  // clear screen
		{"a\x1b]0;pwned\x07b", "ab"},         // window title
		{"a\x1b]52;c;ZXZpbA==\x1b\\b", "ab"}, // clipboard
		{"a\x1b[6nb", "ab"},                  // cursor position report request
		{"a\tb\x07c\rd\x00e", "a bcde"},      // tab, bell, carriage return, NUL
		{"a\u009b31mb", "a31mb"},             // C1 CSI
		{"trailing escape\x1b", "trailing escape"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	} {
		if got := safeFrame(c.in); got != c.want {
			t.Errorf("safeFrame(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// An agenda whose title and text carry escape sequences cannot reach the terminal with
// them.
func TestHostileAgendaTextIsDefused(t *testing.T) {
	st := openStore(t)
	m := fixtureMeeting(fixtureStart, "Udvalget\x1b]0;ejet\x07")
	m.Items[0].Title = "Skolevej\x1b[2J\x1b[H"
	m.Items[0].Sections[0].Text = "Tekst \x1b]52;c;ZXZpbA==\x07 med \x1b[6n anmodning"
	agenda.AssignIDs(&m)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 100, 30)
	d.keys("enter", "enter")
	c := d.m.View().Content
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[H", "\x1b[6n", "\x07"} {
		if strings.Contains(c, bad) {
			t.Fatalf("the frame carries %q", bad)
		}
	}
	d.mustSee("Skolevej", "Tekst", "anmodning")
}

func FuzzSafeFrame(f *testing.F) {
	for _, s := range []string{"", "æøå", "\x1b[31mx\x1b[0m", "\x1b]8;;http://x\x07y\x1b]8;;\x07", "\x1b", "\x1b[", "\x1bP1$r\x1b\\", "\u009b2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := safeFrame(s)
		for i := 0; i < len(out); i++ {
			if out[i] == 0x1b && !isSGR(out, i) {
				t.Fatalf("%q let a non-SGR escape through: %q", s, out)
			}
			if out[i] < 0x20 && out[i] != '\n' && out[i] != 0x1b {
				t.Fatalf("%q let control %#x through: %q", s, out[i], out)
			}
		}
		if safeFrame(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
		_ = ansi.StringWidth(out)
	})
}
