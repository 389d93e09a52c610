package pdf

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// Real agenda PDFs found in public sources (see the report of issue 9):
//
//   - ../shared/samples/pdf/syddjurs-puk-2013-06-20-referat.pdf (Acadre; bellcom/
//     os2dagsorden_profile, modules/os2web_acadre_esdh/example): TestSyddjurs.
//   - The PDFs in OS2dagsorden's eDoc and Acadre examples (OS2dagsorden/os2dagsorden-2.0,
//     modules/os2web_edoc_esdh/example/04-12-2012 13:00:00/*.PDF and others) and in
//     jakobmwang/dagsordener (data/raw/test/Aarhus_Byråd-…_27._august_2025.pdf,
//     dagsbil.pdf, document.pdf) are stored as binaries the search tool cannot read: not
//     used.
//   - Three printed referater of Egebjerg Kommune, read as text transcripts (docplayer.dk
//     2007834, 3551280, 8006773); their licence is unknown, so they are not included.
//     What the first one's table of contents says is written down below and printed
//     again by egebjergPDF.

// egebjergTOC is the table of contents of Egebjerg Kommune's Kommunalbestyrelsen, referat
// of Wednesday 15 May 2002 (docplayer.dk 2007834): three parts, fifteen items numbered
// through the year (89–103), the last one closed ("Lukket sag:"), pages numbered in Roman
// numerals (i–xv) after dot leaders. Each item prints "J.nr.: … Sagsid.: … Initialer: …"
// and "Åben sag" under its heading. (Two titles lost a year in the transcript.)
var egebjergTOC = []struct {
	part, number, title, page string
}{
	{"Til efterretning - for åbne døre", "89", "Til efterretning - Kvartalsrapport pr. 31.3.2002 vedr. kommunens samlede budget", "i"},
	{"", "90", "Til efterretning - Dallund Slot", "ii"},
	{"Til behandling - for åbne døre", "91", "Klage over afgørelse i Folkeoplysningsudvalg", "iii"},
	{"", "92", "Henvendelse fra Kommunalbestyrelsesmedlem Niels Bo Lauridsen", "iv"},
	{"", "93", "Egebjerg Kommunes årsberetning og regnskab 2001", "v"},
	{"", "94", "Tillægsbevilling - Kvartalsrapport pr. 31.3.2002 vedr. Økonomiudvalgets område", "vi"},
	{"", "95", "Sydfyns Elforsyning", "vii"},
	{"", "96", "Pasningsgaranti i dagpleje og daginstitutioner", "viii"},
	{"", "97", "Fastlæggelse af varmebehovet i forhold til varmeforsyningsloven på Bymarkskolen og Kirkeby Skole", "ix"},
	{"", "98", "Analyse af daginstitutionsstruktur", "x"},
	{"", "99", "Analyse af Folke- og Skolebibliotekstrukturen", "xi"},
	{"", "100", "Analyse Skolefritidsordninger", "xii"},
	{"", "101", "Budget 2003", "xiii"},
	{"", "102", "SPØRGETID", "xv"},
	{"Til behandling - for lukkede døre", "103", "Lukket sag: Tandpleje for børn og unge under 18 år", "xv"},
}

// egebjergRecs is how many recommendations each printed item carries (the transcript
// does not say; the fixture gives some items several).
var egebjergRecs = map[string]int{"91": 2, "94": 3, "97": 2}

// egebjergPDF prints a referat in the layout of Egebjerg's: the cover's fields as a table
// (labels left, values right on the same line), a table of contents with dot leaders and
// Roman page numbers, part headings between the items, a running header with the body,
// the date and "Side iv".
func egebjergPDF() []byte {
	roman := []string{"", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"}
	ts := newTypeset(10)
	ts.header = func(n, of int) []tline {
		if n <= 2 {
			return nil
		}
		return []tline{
			{x: marginL, y: 805, size: 9, text: "Kommunalbestyrelsen, onsdag den 15-maj-2002", font: "F1"},
			{x: 480, y: 805, size: 9, text: "Side " + roman[min(n-2, len(roman)-1)], font: "F1"},
		}
	}
	ts.line("Egebjerg Kommune", true, 16, 0)
	ts.line("Kommunalbestyrelsen", true, 14, 0)
	ts.line("Referat", true, 14, 0)
	ts.gap(12)
	for _, f := range [][2]string{{"Dato:", "Onsdag den 15-maj-2002"}, {"Starttidspunkt for møde:", "Kl. 19:00"},
		{"Sluttidspunkt for møde:", "Kl. 22:30"}, {"Mødested:", "Kommunalbestyrelsens mødelokaler"}, {"Fraværende:", "Ingen."},
		{"Mødedeltagere:", "Arne Ebsen, Birger Jensen, Christian Ulrich, Finn Olsen"}} {
		ts.cur = append(ts.cur, tline{x: marginL, y: ts.y, size: 10, text: f[0], font: "F2"}, tline{x: 230, y: ts.y, size: 10, text: f[1], font: "F1"})
		ts.y -= 14
	}
	ts.newPage()
	ts.line("Indholdsfortegnelse", true, 14, 0)
	ts.gap(8)
	leader := func(text, page string) string {
		for textWidth(text+" "+page, false, 10) < marginR-marginL-10 {
			text += "."
		}
		return text + page
	}
	for _, e := range egebjergTOC {
		if e.part != "" {
			ts.line(leader(e.part, e.page), false, 10, 0)
		}
		title := e.title
		if len([]rune(title)) > 70 {
			title = string([]rune(title)[:70])
		}
		ts.line(leader(e.number+". "+title, e.page), false, 10, 0)
	}
	ts.newPage()
	for i, e := range egebjergTOC {
		if e.part != "" {
			ts.gap(10)
			ts.line(e.part, true, 12, 0)
		}
		ts.gap(10)
		ts.para(e.number+". "+e.title, true, 11, 0)
		ts.cur = append(ts.cur, tline{x: marginL, y: ts.y, size: 9, text: fmt.Sprintf("J.nr.: Ø%d", 40+i), font: "F1"},
			tline{x: 200, y: ts.y, size: 9, text: fmt.Sprintf("Sagsid.: 02/%04d", 1200+i), font: "F1"},
			tline{x: 330, y: ts.y, size: 9, text: "Initialer: svl", font: "F1"})
		ts.y -= 12
		access := "Åben sag"
		if strings.HasPrefix(e.title, "Lukket") {
			access = "Lukket sag"
		}
		ts.line(access, false, 9, 0)
		ts.para(filler, false, 10, 0)
		ts.gap(4)
		ts.line("Indstilling:", true, 10, 0)
		n := max(1, egebjergRecs[e.number])
		if n == 1 {
			ts.para("Økonomiudvalget indstiller, at sagen tages til efterretning.", false, 10, 0)
		} else {
			ts.para("Økonomiudvalget indstiller,", false, 10, 0)
			for k := 1; k <= n; k++ {
				ts.line(fmt.Sprintf("at punkt %d i forslaget godkendes,", k), false, 10, 0)
			}
		}
		ts.gap(4)
		ts.line("Beslutning:", true, 10, 0)
		ts.para("Godkendt.", false, 10, 0)
	}
	return ts.pdf()
}

// TestEgebjergPDF: Egebjerg's printed referat (as its table of contents reads) imports
// with its fifteen items, 89 to 103, the part headings between them not items, 103
// closed, the recommendations counted, the cover's table of fields read.
func TestEgebjergPDF(t *testing.T) {
	m := parseOne(t, "egebjerg.pdf", egebjergPDF())
	if m.Body.Name != "Kommunalbestyrelsen" || m.Kind != agenda.KindMinutes ||
		!m.Start.Equal(time.Date(2002, 5, 15, 19, 0, 0, 0, agenda.Copenhagen)) || m.Location != "Kommunalbestyrelsens mødelokaler" {
		t.Errorf("meeting %q %q %v %q", m.Body.Name, m.Kind, m.Start, m.Location)
	}
	if len(m.Items) != len(egebjergTOC) {
		for _, it := range m.Items {
			t.Logf("item %s %q", it.Number, it.Title)
		}
		t.Fatalf("%d items, want %d", len(m.Items), len(egebjergTOC))
	}
	closed := 0
	for i, e := range egebjergTOC {
		it := m.Items[i]
		if it.Number != e.number || it.Title != e.title || it.Decision != "Godkendt." || len(it.Recommendations) != max(1, egebjergRecs[e.number]) {
			t.Errorf("item %d: %s %q decision %q %d recommendations; want %s %q", i, it.Number, it.Title, it.Decision, len(it.Recommendations), e.number, e.title)
		}
		if it.Closed {
			closed++
		}
	}
	if closed != 1 || !m.Items[14].Closed {
		t.Errorf("%d closed items; want 103 alone", closed)
	}
}
