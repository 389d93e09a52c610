package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	lpdf "github.com/ledongthuc/pdf"
)

// densePDF is n A4 pages of body text: 60 lines of 75 characters each, as an attachment
// (a report, a plan) is set.
func densePDF(n int) []byte {
	words := strings.Fields("Kommunerne skal hvert andet år indgå en rammeaftale om det specialiserede socialområde og aftalen skal godkendes af alle kommunalbestyrelserne i regionen inden udgangen af oktober")
	var pages [][]tline
	for p := 0; p < n; p++ {
		var text []string
		for i := 0; i < 400; i++ {
			text = append(text, words[(i+p)%len(words)])
		}
		lines := wrap(strings.Join(text, " "), 75, "", "")
		var page []tline
		for i, l := range lines[:min(60, len(lines))] {
			page = append(page, tline{x: 72, y: 780 - float64(i)*12, text: l})
		}
		page = append(page, tline{x: 280, y: 40, text: fmt.Sprintf("Side %d af %d", p+1, n)})
		pages = append(pages, page)
	}
	return textPDF(pages...)
}

func benchPages(b *testing.B, data []byte) {
	texts, err := PageTexts(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PageTexts(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(len(texts)), "ms/page")
}

// BenchmarkPageTextsSample: the Syddjurs minutes, 5 pages.
func BenchmarkPageTextsSample(b *testing.B) { benchPages(b, readSample(b)) }

// BenchmarkPageTextsDense: 50 pages of dense body text.
func BenchmarkPageTextsDense(b *testing.B) { benchPages(b, densePDF(50)) }

// BenchmarkParseSample: the Syddjurs minutes from bytes to a meeting.
func BenchmarkParseSample(b *testing.B) {
	data := readSample(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(syddjurs, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLibraryPlainText is the library's own extraction of the sample, for
// comparison (it has no layout, no furniture removal and garbles a line of it).
func BenchmarkLibraryPlainText(b *testing.B) {
	data := readSample(b)
	b.ReportAllocs()
	for b.Loop() {
		r, err := lpdf.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.GetPlainText(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/5, "ms/page")
}

// BenchmarkLayoutDense: the layout-aware reading Parse does (lines with their look, the
// body font, the outline) on 50 pages of dense text, in ms a page. Budget: 3 ms/page.
func BenchmarkLayoutDense(b *testing.B) {
	data := densePDF(50)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		x, err := extractAll("dense.pdf", data, true)
		if err != nil {
			b.Fatal(err)
		}
		x.agendaLines()
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/50, "ms/page")
}

func benchParse(b *testing.B, data []byte) {
	x, err := extractAll("b.pdf", data, true)
	if err != nil {
		b.Fatal(err)
	}
	pages := len(x.pages)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("b.pdf", data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(pages), "ms/page")
}

// BenchmarkParseFirstAgenda: FirstAgenda's PDF, 6 pages, to a meeting.
func BenchmarkParseFirstAgenda(b *testing.B) { benchParse(b, firstAgendaPDF(true)) }

// BenchmarkParseEdoc: eDoc's PDF to a meeting.
func BenchmarkParseEdoc(b *testing.B) { benchParse(b, edocPDF()) }

// BenchmarkParseKKR: KL's layout, set in Courier, to a meeting.
func BenchmarkParseKKR(b *testing.B) { benchParse(b, agendaPDF()) }

// BenchmarkParseReadingMaterial: 50 dense pages without an agenda, to a document.
func BenchmarkParseReadingMaterial(b *testing.B) { benchParse(b, densePDF(50)) }
