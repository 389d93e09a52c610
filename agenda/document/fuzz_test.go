package document

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse: whatever the bytes, Parse returns a document that passes checkDocument or an
// error, and never panics. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"nyhedsbrev.txt", "program.txt", "noter.md"} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkg, err := Parse("fuzz.txt", data)
		if err != nil {
			if msg := err.Error(); msg == "" || !utf8.ValidString(msg) {
				t.Fatalf("bad error message %q", msg)
			}
			return
		}
		if len(pkg.Documents) != 1 {
			t.Fatalf("%d documents", len(pkg.Documents))
		}
		checkDocument(t, pkg.Documents[0])
	})
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte("<!doctype html><html><head><title>T</title></head><body><h2>A</h2><p>x</p></body></html>"))
	f.Add([]byte("<html><body><script>x</script><nav>y</nav></body></html>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseHTML("fuzz.html", data)
		if err == nil && (len(p.Documents) != 1 || p.Documents[0].ID == "") {
			t.Fatal("success without a document")
		}
	})
}
