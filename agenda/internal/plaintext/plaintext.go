// Package plaintext holds what dagsorden's text importers (agenda/kltext for agenda text,
// agenda/document for reading material) share: deciding that input is UTF-8 text of a sane
// size, splitting it into paragraphs, lists and headings, repairing the breaks a PDF
// extraction leaves, cleaning extraction artifacts (dead links, margin marks, image
// descriptions) out of the prose, reading Danish dates, and writing the result as Markdown.
//
// It knows nothing of meetings or documents, and it must never emit raw HTML: text that
// looks like a tag is escaped, so no section built from it can smuggle markup into the UI.
// Every function runs in time linear in its input; importers accept up to MaxSize bytes.
package plaintext

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSize is the largest text an importer accepts. Real agenda packages as text are well
// under 1 MB; 20 MB leaves room for the largest while keeping a stray log file or dump from
// tying up the importer.
const MaxSize = 20 << 20

// Decode checks that data is text an importer can read and returns it with a byte-order
// mark removed. name is used in the error, which is one sentence a person understands.
func Decode(name string, data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", fmt.Errorf("%s is empty", name)
	case len(data) > MaxSize:
		return "", fmt.Errorf("%s is too large to import as text (%.1f MB; the limit is %d MB)",
			name, float64(len(data))/(1<<20), MaxSize>>20)
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		// Notepad's "Unicode": common for Danish text saved on Windows.
		return "", fmt.Errorf("%s is UTF-16 text; save it as UTF-8 and import it again", name)
	case bytes.IndexByte(data, 0) >= 0:
		return "", fmt.Errorf("%s is a binary file, not text", name)
	}
	if !utf8.Valid(data) {
		return "", fmt.Errorf("%s is not UTF-8 text (invalid byte at offset %d); save it as UTF-8 and import it again",
			name, invalidAt(data))
	}
	if controlHeavy(data) {
		return "", fmt.Errorf("%s is a binary file, not text", name)
	}
	s := strings.TrimPrefix(string(data), "\uFEFF")
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%s contains no text", name)
	}
	return s, nil
}

// LooksLikeText reports whether the first bytes of data could be text that Decode
// accepts. It is cheap: it looks at most at the first 4 KB.
func LooksLikeText(data []byte) bool {
	head := Head(data, 4096)
	if len(bytes.TrimSpace(head)) == 0 || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	if !utf8.Valid(head) || controlHeavy(head) {
		return false
	}
	return true
}

// Head returns at most the first n bytes of data, cut back so that it does not end inside
// a UTF-8 sequence.
func Head(data []byte, n int) []byte {
	if len(data) <= n {
		return data
	}
	head := data[:n]
	// Back off over at most three continuation bytes to the start of the last rune.
	for i := 0; i < utf8.UTFMax && len(head) > 0; i++ {
		r, size := utf8.DecodeLastRune(head)
		if r != utf8.RuneError || size > 1 {
			break
		}
		head = head[:len(head)-1]
	}
	return head
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// controlHeavy reports text whose first 64 KB are more than 1% control characters other
// than tab, line feed, carriage return and form feed: binary data that happens to be
// valid UTF-8.
func controlHeavy(data []byte) bool {
	data = Head(data, 64<<10)
	n, bad := 0, 0
	for _, r := range string(data) {
		n++
		if r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			continue
		}
		if unicode.IsControl(r) {
			bad++
		}
	}
	return bad > 0 && bad*100 > n
}

// Lines splits text into lines, treating CRLF, CR and form feed (a PDF page break) as line
// ends. Lines keep their indentation and trailing spaces: two trailing spaces are a
// Markdown hard break.
func Lines(s string) []string {
	s = lineEnds.Replace(s)
	return strings.Split(s, "\n")
}

var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n", "\u2028", "\n", "\u2029", "\n\n")
