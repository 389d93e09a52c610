package kltext

import (
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
