package pdf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// plainPDF is a text PDF whose content stream is not compressed, so the fuzzer's
// mutations reach the content interpreter and not only the deflate checksum.
func plainPDF() []byte {
	var b builder
	cs := b.stream("", []byte("BT /F1 10 Tf 72 700 Td (DAGSORDEN) Tj 0 -14 Td [(KKR) -300 (SJ\xc6LLAND)] TJ T* (1. Eventuelt) ' ET q 1 0 0 1 5 5 cm Q"))
	pages := b.reserve()
	pg := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %s >> >> /Contents %d 0 R >>", pages, courier, cs))
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", pg))
	return b.bytes(b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages)), "")
}

// FuzzParse: whatever the bytes, Parse returns a meeting that passes checkMeeting or an
// *Error (or the text importer's error) of one line, and never panics or hangs. The seed
// corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(plainPDF())
	f.Add(agendaPDF())
	f.Add(scannedPDF())
	f.Add(encryptedPDF(1))
	f.Add(garbledPDF())
	f.Add(loopPDF())
	f.Add([]byte("%PDF-1.4\n%%EOF"))
	f.Add(firstAgendaPDF(true))
	f.Add(edocPDF())
	f.Add(xrefStreamPDF([]string{"<< /Type /Catalog /Pages 3 0 R >>", strings.Replace(objStm(3, "", "4"), "/N 1", "/N 3 0 R", 1), ""}, map[int]int{3: 2}, 1))
	f.Add(xrefStreamPDF([]string{"<< /Type /Catalog /Pages 3 0 R >>", objStm(4, "/Extends 2 0 R", "<< /Type /Pages /Kids [] /Count 0 >>"), ""}, map[int]int{3: 2}, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkg, err := Parse("fuzz.pdf", data)
		if err != nil {
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") || !utf8.ValidString(msg) || !strings.HasPrefix(msg, "fuzz.pdf ") {
				t.Fatalf("bad error message %q", msg)
			}
			var e *Error
			if errors.As(err, &e) && e.Kind == nil {
				t.Fatalf("error without a kind: %q", err)
			}
			return
		}
		switch {
		case len(pkg.Meetings) == 1 && len(pkg.Documents) == 0:
			checkMeeting(t, pkg.Meetings[0])
		case ReadingMaterial(pkg):
			checkDocument(t, pkg.Documents[0])
		default:
			t.Fatalf("%d meetings, %d documents", len(pkg.Meetings), len(pkg.Documents))
		}
		if _, err := PageTexts(data); err != nil {
			t.Fatalf("Parse read it but PageTexts did not: %v", err)
		}
	})
}

// FuzzContent: the content-stream lexer and interpreter take any bytes without panicking
// or running away, and what they draw lays out into lines.
func FuzzContent(f *testing.F) {
	f.Add(content([]tline{{x: 72, y: 700, text: "Indstilling"}, {x: 200, y: 700, text: "(parentes) \\ og æøå"}}))
	f.Add([]byte("BT /F1 12 Tf 1 0 0 1 72 700 Tm [(A) -300 (B) 12 <4142>] TJ 0 -14 TD (C) Tj T* (D) ' 1 2 (E) \" ET"))
	f.Add([]byte("q q 2 0 0 2 10 10 cm Q Q Q /Fm1 Do BI /W 1 /H 1 ID \x00\xff EI (efter) Tj"))
	f.Add([]byte("/P << /MCID 0 /A [1 2 << /B (x) >>] >> BDC (x) Tj EMC % kommentar\n(y) Tj"))
	f.Add([]byte("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ ((((\\"))
	f.Add([]byte("<<<<<<<<<<<<<<<<<<<< /A /B#4 <00 1> 1e400 -.5 --5 Tz 0 Tz (x) Tj"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p page
		in := &interp{doc: &document{fonts: map[string]*font{}}, page: &p, budget: maxPageContent, g: newState()}
		lx := lexer{b: data}
		lx.scan(in.op)
		lines := layoutLines(p.runs)
		markParagraphs(lines, 1.2)
		for _, l := range lines {
			if strings.Contains(l.text, "\n") {
				t.Fatalf("a line holds a line break: %q", l.text)
			}
		}
		x := &extracted{pages: [][]line{lines}, right: 500, body: bodyStyle([][]line{lines})}
		x.render(0, true)
		x.agendaLines()
	})
}

// FuzzCmap: a ToUnicode map of any bytes parses without panicking, and lookups in it are
// safe for any code.
func FuzzCmap(f *testing.F) {
	f.Add([]byte("1 begincodespacerange <0000> <FFFF> endcodespacerange 1 beginbfchar <0001> <00C6> endbfchar 1 beginbfrange <00FE> <0103> <0061> endbfrange"))
	f.Add([]byte("beginbfrange <00> <FF> [<0041> <0042>] <01> <00> <0043> endbfrange begincodespacerange <00> endcodespacerange"))
	f.Add([]byte("beginbfrange <00000000> <FFFFFFFF> <FFFF> endbfrange"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := parseCmap(data)
		for _, raw := range [][]byte{{0}, {0, 1}, {0xff, 0xff}, {1, 2, 3, 4}, {0, 0xfe}, {1, 3}} {
			n := m.next(raw, 2)
			if n < 1 || n > len(raw) {
				t.Fatalf("next(%x) = %d", raw, n)
			}
			if m != nil {
				m.lookup(codeOf(raw[:n]), n)
			}
		}
	})
}

// FuzzStructure: checkStructure, which reads cross-reference sections and object streams
// before the library does, takes any bytes without panicking and returns nil or an
// *Error; what it lets through opens in the library without a fatal error.
func FuzzStructure(f *testing.F) {
	f.Add(plainPDF())
	f.Add(xrefStreamPDF([]string{"<< /Type /Catalog /Pages 3 0 R >>", objStm(3, "", "<< /Type /Pages /Kids [] /Count 0 >>"), ""}, map[int]int{3: 2}, 1))
	f.Add(xrefStreamPDF([]string{"<< /Type /Catalog /Pages 3 0 R >>", objStm(3, "", "<< /Type /Pages /Kids [] /Count 0 >>"), ""}, map[int]int{2: 2, 3: 2}, 1))
	f.Add([]byte("%PDF-1.4\nxref\n0 4000000000\ntrailer << /Size 3 /Prev 9 >>\nstartxref\n9\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		err := checkStructure(data, int64(len(data)))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == nil {
				t.Fatalf("not an *Error: %v", err)
			}
			return
		}
		PageTexts(data)
	})
}
