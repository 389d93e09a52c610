// Package esdhtest holds the hostile and broken inputs every ESDH importer's tests feed
// it, and the checks on what an importer must answer: an error that is one sentence naming
// the input, never a panic. It is for tests only.
package esdhtest

import (
	"archive/zip"
	"bytes"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/dagsorden/dagsorden/agenda"
)

// Bomb is a "billion laughs" document with the given root element: ten levels of
// entities, each ten times the one below. Expanded it would be 10^9 copies of "lol".
func Bomb(root string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n<!DOCTYPE " + root + " [\n <!ENTITY lol0 \"lol\">\n")
	for i := 1; i <= 9; i++ {
		b.WriteString(" <!ENTITY lol" + string(rune('0'+i)) + " \"")
		for range 10 {
			b.WriteString("&lol" + string(rune('0'+i-1)) + ";")
		}
		b.WriteString("\">\n")
	}
	b.WriteString("]>\n<" + root + ">&lol9;</" + root + ">\n")
	return []byte(b.String())
}

// UndeclaredEntity uses an entity without declaring it (a bomb whose DTD was stripped
// by a proxy, or an external-entity probe).
func UndeclaredEntity(root string) []byte {
	return []byte("<" + root + "><x>&xxe;</x></" + root + ">")
}

// Truncate cuts data at about two thirds, inside the document.
func Truncate(data []byte) []byte {
	return data[:len(data)*2/3]
}

// Windows1252 encodes s (UTF-8) as windows-1252, for fixtures that declare that
// encoding.
func Windows1252(t testing.TB, s string) []byte {
	t.Helper()
	out, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode windows-1252: %v", err)
	}
	return out
}

// Zip builds an archive of name → content, in the order given (pairs).
func Zip(t testing.TB, pairs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(pairs); i += 2 {
		w, err := zw.Create(pairs[i])
		if err != nil {
			t.Fatalf("zip %s: %v", pairs[i], err)
		}
		if _, err := w.Write([]byte(pairs[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var rawHTML = regexp.MustCompile(`<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>`)

// CheckClean fails t when any text a member reads still holds an HTML tag, and when an
// id the store relies on is missing.
func CheckClean(t testing.TB, p agenda.Package) {
	t.Helper()
	for _, m := range p.Meetings {
		if m.ID == "" {
			t.Errorf("meeting %q has no id", m.Title)
		}
		if m.Start.Location() != agenda.Copenhagen {
			t.Errorf("meeting %q: start %v is not in Copenhagen time", m.Title, m.Start)
		}
		for _, it := range m.Items {
			if it.ID == "" {
				t.Errorf("item %s has no id", it.Number)
			}
			texts := []string{it.Title, it.Decision}
			for _, s := range it.Sections {
				texts = append(texts, s.Heading, s.Text)
			}
			for _, r := range it.Recommendations {
				texts = append(texts, r.Text)
			}
			for _, s := range texts {
				if tag := rawHTML.FindString(s); tag != "" {
					t.Errorf("item %s: raw HTML %q left in %q", it.Number, tag, s)
				}
			}
			for _, a := range it.Attachments {
				if a.ID == "" {
					t.Errorf("item %s: attachment %q has no id", it.Number, a.Title)
				}
				if strings.ContainsAny(a.FileName, `/\`) || strings.HasPrefix(a.FileName, ".") {
					t.Errorf("item %s: attachment file name %q is not a bare base name", it.Number, a.FileName)
				}
			}
		}
	}
}

// CheckError fails t unless err is one line of text that names the input.
func CheckError(t testing.TB, err error, name string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", name)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error is more than one line: %q", msg)
	}
	if !strings.Contains(msg, name) {
		t.Errorf("error %q does not name the input %q", msg, name)
	}
	if strings.Contains(msg, "%!") {
		t.Errorf("error %q has a formatting fault", msg)
	}
}
