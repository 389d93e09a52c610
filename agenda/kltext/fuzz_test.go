package kltext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: whatever the bytes, Parse returns a meeting that passes checkMeeting or an
// error of one line, and never panics. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "kkr-mini.txt"))
	f.Add([]byte(noTOC))
	for _, name := range []string{"firstagenda-mini.txt", "edoc-mini.txt", "acadre-mini.txt"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte("DAGSORDEN\n\nDato: 1-1-2024\n\n1.1. A\n\nSAG-2024-1\n\nBilag\n\n*./.. x*\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkg, err := Parse("fuzz.txt", data)
		if err != nil {
			if msg := err.Error(); msg == "" || !utf8.ValidString(msg) {
				t.Fatalf("bad error message %q", msg)
			}
			return
		}
		if len(pkg.Meetings) != 1 {
			t.Fatalf("%d meetings", len(pkg.Meetings))
		}
		if !Sniff(data) && len(data) <= 8192 {
			t.Errorf("Parse accepted what Sniff rejects")
		}
		checkMeeting(t, pkg.Meetings[0])
	})
}

// FuzzParseLines: lines with any text and any look make a meeting that passes
// checkMeeting or an error wrapping ErrNoItems, never a panic. The look is taken from
// the bytes of style: bit 0 Heading, bit 1 Outline, bit 2 PageStart, one byte a line.
func FuzzParseLines(f *testing.F) {
	f.Add(readFixture(f, "firstagenda-mini.txt"), []byte{0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 3, 0, 1})
	f.Add(readFixture(f, "edoc-mini.txt"), []byte{1, 1, 0, 0, 1})
	f.Add([]byte("Økonomiudvalget\n\nPunkt 1: Budget\nEMN-2025-000101\n\nBeslutninger\nGodkendt.\n\nPunkt 2: Takster\n24-012345\n"), []byte{1, 0, 0, 5, 0, 0, 1, 0, 0, 5, 0})
	f.Add([]byte("3\n4\n\nPunkt 1: A\nPunkt 2: B\n3\n4\nPunkt 1: A\nSAG-2024-00001\n"), []byte{0, 0, 0, 0, 0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, text, style []byte) {
		var lines []Line
		for i, s := range strings.Split(string(text), "\n") {
			var b byte
			if i < len(style) {
				b = style[i]
			}
			lines = append(lines, Line{Text: s, Heading: b&1 != 0, Outline: b&2 != 0, PageStart: b&4 != 0})
		}
		pkg, err := ParseLines("fuzz.pdf", lines)
		if err != nil {
			if msg := err.Error(); msg == "" || !utf8.ValidString(msg) && utf8.ValidString(string(text)) {
				t.Fatalf("bad error message %q", msg)
			}
			return
		}
		if len(pkg.Meetings) != 1 {
			t.Fatalf("%d meetings", len(pkg.Meetings))
		}
		checkMeeting(t, pkg.Meetings[0])
	})
}
