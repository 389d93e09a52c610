package pdf

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/acadre"
	"github.com/dagsorden/dagsorden/internal/shared"
)

const syddjurs = "syddjurs-puk-2013-06-20-referat.pdf"

func readSample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "samples", "pdf", syddjurs))
	if err != nil {
		t.Skipf("sample %s not readable: %v", syddjurs, err)
	}
	return data
}

func parseOne(t *testing.T, name string, data []byte) agenda.Meeting {
	t.Helper()
	pkg, err := Parse(name, data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	if len(pkg.Meetings) != 1 || len(pkg.Documents) != 0 {
		t.Fatalf("Parse(%s): %d meetings, %d documents", name, len(pkg.Meetings), len(pkg.Documents))
	}
	m := pkg.Meetings[0]
	checkMeeting(t, m)
	return m
}

var rawHTMLRe = regexp.MustCompile(`<[A-Za-z/!?]`)

// checkDocument asserts what every document imported from a PDF must satisfy.
func checkDocument(t testing.TB, d agenda.Document) {
	t.Helper()
	if d.ID == "" || d.Title == "" || strings.ContainsAny(d.Title, "\n\t") || d.Source.Format != Format || d.Sections == nil {
		t.Errorf("document %q %q %q", d.ID, d.Title, d.Source.Format)
	}
	for _, s := range d.Sections {
		if s.Heading == "" || strings.TrimSpace(s.Text) == "" || strings.ContainsRune(s.Text, '\uFFFD') {
			t.Errorf("section %q: %q", s.Heading, s.Text)
		}
	}
}

// checkMeeting asserts what every meeting imported from a PDF must satisfy.
func checkMeeting(t testing.TB, m agenda.Meeting) {
	t.Helper()
	if m.ID == "" || m.ID != agenda.MeetingID(&m) || m.Source.Format != Format {
		t.Errorf("meeting id %q format %q", m.ID, m.Source.Format)
	}
	for _, it := range m.Items {
		if it.ID == "" || it.Number == "" || it.Title == "" || it.Sections == nil || it.Recommendations == nil || it.Attachments == nil {
			t.Errorf("item %+v", it)
		}
		for _, s := range append([]agenda.Section{{Text: it.Decision}}, it.Sections...) {
			if rawHTMLRe.MatchString(s.Text) || strings.ContainsRune(s.Text, '\uFFFD') || strings.ContainsAny(s.Text, "\x00\x01\x02\x1b") {
				t.Errorf("item %s: raw HTML or unreadable text in %q", it.Number, s.Text)
			}
		}
	}
}

// TestSyddjurs: the Acadre-printed minutes of PUK's extraordinary meeting on 20 June 2013
// import as one item numbered 715 with its case number, its sections, the decisions of
// the case's earlier meetings as sections, this meeting's decision, the recommendation
// and the three attachments; the running header, page numbers and signature page do not
// leak into the item.
func TestSyddjurs(t *testing.T) {
	m := parseOne(t, syddjurs, readSample(t))
	if m.Body.Name != "Udvalget for plan, udvikling og kultur (PUK)" || m.Kind != agenda.KindMinutes ||
		!m.Start.Equal(time.Date(2013, 6, 20, 10, 30, 0, 0, agenda.Copenhagen)) ||
		m.Location != "Kaløvig Kursuscenter, Præstekravevej 46, Følle Strand, 8410 Rønde" {
		t.Errorf("meeting %q %q %v %q", m.Body.Name, m.Kind, m.Start, m.Location)
	}
	if len(m.Items) != 1 {
		t.Fatalf("%d items, want 1", len(m.Items))
	}
	it := m.Items[0]
	if it.Number != "715" || it.Title != "Kulturkommune 2017. Politiske fokusområder" || it.CaseNumber != "12/27845" || it.Closed {
		t.Errorf("item %s %q case %q closed %v", it.Number, it.Title, it.CaseNumber, it.Closed)
	}
	var headings []string
	for _, s := range it.Sections {
		headings = append(headings, s.Heading)
	}
	want := []string{"Resumé", "Sagsfremstilling", "Økonomi og organisatoriske konsekvenser", "Indstilling",
		"Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 10-04-2013", "Supplerende Sagsfremstilling",
		"Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 24-04-2013", "Bilag"}
	if strings.Join(headings, "|") != strings.Join(want, "|") {
		t.Errorf("sections\n got %q\nwant %q", headings, want)
	}
	if it.Decision != "Punktet blev drøftet.\n\nSagen genoptages på det kommende ordinære møde i udvalget, hvor der vil foreligge et 1. oplæg til strategi med udgangspunkt i udvalgets hidtidige drøftelser." {
		t.Errorf("decision %q", it.Decision)
	}
	if len(it.Recommendations) != 1 || it.Recommendations[0].Text != "Direktøren indstiller, at Udvalget for Plan, udvikling og kultur påbegynder arbejdet med formulering af mål og handlinger for KULTURKOMMUNEN 2017." {
		t.Errorf("recommendations %+v", it.Recommendations)
	}
	var atts []string
	for _, a := range it.Attachments {
		atts = append(atts, a.Title)
	}
	if got := strings.Join(atts, " | "); got != "Opsamlingsnotat. Temamøde 20.09.2012 | Politik for Kultur og Fritid - Lokalt engagement, Godkendt af byrådet 300409 | Kulturkommune 2017 - arbejdsoplæg til Udvalget for Plan, Udvikling og Kultur" {
		t.Errorf("attachments %q", got)
	}
	all := it.Decision
	for _, s := range it.Sections {
		all += "\n" + s.Text
	}
	for _, leak := range []string{"Side 2", "of 5", "Referat for Udvalget", "Underskriftsside", "Jesper Mathiesen", "12/27845", "Sagen afgøres i"} {
		if strings.Contains(all, leak) {
			t.Errorf("%q leaked into the item's text", leak)
		}
	}
	// The schedule in the Resumé keeps its lines: each a Markdown hard break.
	if !strings.Contains(it.Sections[0].Text, "Tidsplan:\\\nJuni 2012: Definering") {
		t.Errorf("Resumé lost the schedule's line breaks: %q", it.Sections[0].Text)
	}
}

// TestSameMeetingAsAcadre: the PDF and the Acadre XML of the same meeting import as the
// same meeting (same id: same body name and start) with the same item, sections, decision,
// recommendation and attachments. Only what the XML alone carries differs: source ids,
// the case handler, the end time, the meeting's own name as title.
func TestSameMeetingAsAcadre(t *testing.T) {
	fromPDF := parseOne(t, syddjurs, readSample(t))
	xmlData, err := os.ReadFile(shared.Path(t, "samples", "acadre", "3687981.XML"))
	if err != nil {
		t.Skipf("Acadre sample: %v", err)
	}
	pkg, err := acadre.Parse("3687981.XML", xmlData)
	if err != nil || len(pkg.Meetings) != 1 {
		t.Fatalf("acadre.Parse: %v", err)
	}
	fromXML := pkg.Meetings[0]
	if fromPDF.ID != fromXML.ID {
		t.Errorf("meeting ids differ: PDF %s (%q, %v), XML %s (%q, %v)", fromPDF.ID, fromPDF.Body.Name, fromPDF.Start, fromXML.ID, fromXML.Body.Name, fromXML.Start)
	}
	if fromPDF.Location != fromXML.Location || fromPDF.Kind != fromXML.Kind {
		t.Errorf("location/kind: PDF %q %q, XML %q %q", fromPDF.Location, fromPDF.Kind, fromXML.Location, fromXML.Kind)
	}
	p, x := fromPDF.Items[0], fromXML.Items[0]
	if p.Number != x.Number || p.Title != x.Title || p.CaseNumber != x.CaseNumber || p.Decision != x.Decision {
		t.Errorf("item: PDF %s %q %q, XML %s %q %q\nPDF decision %q\nXML decision %q", p.Number, p.Title, p.CaseNumber, x.Number, x.Title, x.CaseNumber, p.Decision, x.Decision)
	}
	if fmt.Sprint(p.Recommendations) != fmt.Sprint(x.Recommendations) {
		t.Errorf("recommendations: PDF %+v, XML %+v", p.Recommendations, x.Recommendations)
	}
	var pa, xa []string
	for i := range p.Attachments {
		pa = append(pa, p.Attachments[i].Title)
	}
	for i := range x.Attachments {
		xa = append(xa, x.Attachments[i].Title)
	}
	if fmt.Sprint(pa) != fmt.Sprint(xa) {
		t.Errorf("attachments: PDF %q, XML %q", pa, xa)
	}
	// Sections: the XML's, in order, and the PDF's Bilag list besides; the words of each
	// the same (the XML's HTML has bold and italics that the PDF's text does not).
	var ps []agenda.Section
	for _, s := range p.Sections {
		if s.Heading != "Bilag" {
			ps = append(ps, s)
		}
	}
	if len(ps) != len(x.Sections) {
		t.Fatalf("%d sections from the PDF, %d from the XML", len(ps), len(x.Sections))
	}
	for i := range ps {
		if !strings.EqualFold(ps[i].Heading, x.Sections[i].Heading) {
			t.Errorf("section %d: PDF %q, XML %q", i, ps[i].Heading, x.Sections[i].Heading)
		}
		if a, b := agenda.NormalizeTitle(ps[i].Text), agenda.NormalizeTitle(x.Sections[i].Text); a != b {
			t.Errorf("section %q: the words differ\n PDF %q\n XML %q", ps[i].Heading, a, b)
		}
	}
}

// agendaPDF is a two-page KKR agenda in KL's layout, set in a PDF the way KL sets it: a
// cover with a table of contents, items with case lines and sections, a running header
// and a footer with page numbers on every page, and a paragraph that wraps.
func agendaPDF() []byte {
	header := func(n int) []tline {
		return []tline{
			{x: 72, y: 810, text: "KKR Sjælland – dagsorden 3. juni 2024"},
			{x: 480, y: 810, text: fmt.Sprintf("Side %d af 2", n)},
		}
	}
	para := "Kommunerne skal hvert andet år indgå en rammeaftale om det specialiserede socialområde, og aftalen skal godkendes af alle kommunalbestyrelserne i regionen."
	p1 := append(header(1), column(
		[]string{"DAGSORDEN"},
		[]string{"KKR SJÆLLAND"},
		[]string{"Dato: 03-06-2024 13:30-15:30"},
		[]string{"Sted: Comwell Køge Strand, Strandvejen 111, 4600 Køge"},
	)...)
	// The table of contents in columns: number, title with dot leaders, page.
	for i, e := range [][2]string{{"1.", "Godkendelse"}, {"1.1.", "Godkendelse af dagsorden"}, {"2.", "Sager"},
		{"2.1.", "Rammeaftale for det specialiserede socialområde"}} {
		y := 600 - float64(i)*12
		p1 = append(p1, tline{x: 72, y: y, text: e[0]}, tline{x: 108, y: y, text: e[1] + strings.Repeat(".", 64-len([]rune(e[1])))},
			tline{x: 500, y: y, text: "2"})
	}
	p2 := append(header(2), column(
		[]string{"1. Godkendelse"},
		[]string{"1.1. Godkendelse af dagsorden"},
		[]string{"SAG-2024-00101 abc"},
		[]string{"Indstilling"},
		[]string{"Det indstilles, at KKR Sjælland godkender dagsordenen."},
		[]string{"2. Sager"},
		[]string{"2.1. Rammeaftale for det specialiserede socialområde"},
		[]string{"SAG-2024-00102 xyz"},
		[]string{"Baggrund"},
		wrap(para, 75, "", ""),
		[]string{"Indstilling"},
		[]string{"Det indstilles, at KKR Sjælland:"},
		[]string{"• Godkender rammeaftalen for 2025-2026", "• Anbefaler kommunalbestyrelserne at tiltræde den"},
		[]string{"Bilag"},
		[]string{"Rammeaftale 2025-2026"},
	)...)
	return textPDF(p1, p2)
}

// TestAgendaPDF: an agenda set in a PDF imports like its text: the table of contents and
// the running header and footer are not items or text, the wrapped paragraph is one.
func TestAgendaPDF(t *testing.T) {
	m := parseOne(t, "kkr.pdf", agendaPDF())
	if m.Body.Name != "KKR Sjælland" || !m.Start.Equal(time.Date(2024, 6, 3, 13, 30, 0, 0, agenda.Copenhagen)) ||
		m.Location != "Comwell Køge Strand, Strandvejen 111, 4600 Køge" {
		t.Errorf("meeting %q %v %q", m.Body.Name, m.Start, m.Location)
	}
	var got []string
	for _, it := range m.Items {
		got = append(got, fmt.Sprintf("%s %s %s recs=%d bilag=%d", it.Number, it.Title, it.CaseNumber, len(it.Recommendations), len(it.Attachments)))
	}
	want := []string{
		"1.1 Godkendelse af dagsorden SAG-2024-00101 recs=1 bilag=0",
		"2.1 Rammeaftale for det specialiserede socialområde SAG-2024-00102 recs=2 bilag=1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("items\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	it := m.Items[1]
	if it.Sections[0].Heading != "Baggrund" || !strings.HasPrefix(it.Sections[0].Text, "Kommunerne skal hvert andet år indgå en rammeaftale om det specialiserede socialområde, og") {
		t.Errorf("Baggrund %q", it.Sections[0].Text)
	}
	if it.Recommendations[1].Text != "Anbefaler kommunalbestyrelserne at tiltræde den" || it.Group != "2. Sager" {
		t.Errorf("recommendation %q group %q", it.Recommendations[1].Text, it.Group)
	}
	for _, s := range it.Sections {
		if strings.Contains(s.Text, "Side ") || strings.Contains(s.Text, "dagsorden 3. juni") {
			t.Errorf("running header or footer in %s: %q", s.Heading, s.Text)
		}
	}
}

// TestNotAnAgenda: a readable PDF without an agenda in it is reading material, with its
// title and its text, and Parse says so through ReadingMaterial.
func TestNotAnAgenda(t *testing.T) {
	data := textPDF([]tline{{x: 72, y: 700, text: "Nyhedsbrev fra KKR Sjælland"}, {x: 72, y: 680, text: "Kære alle."}})
	pkg, err := Parse("nyhedsbrev.pdf", data)
	if err != nil || !ReadingMaterial(pkg) {
		t.Fatalf("Parse: %v, %d meetings %d documents", err, len(pkg.Meetings), len(pkg.Documents))
	}
	d := pkg.Documents[0]
	if d.Title != "Nyhedsbrev fra KKR Sjælland" || d.Source.Path != "nyhedsbrev.pdf" || d.ID == "" ||
		len(d.Sections) != 1 || d.Sections[0].Heading != "Side 1" || d.Sections[0].Text != "Nyhedsbrev fra KKR Sjælland  \nKære alle." {
		t.Errorf("document %+v", d)
	}
	// Its text is there for whoever wants it (an attachment) as before.
	if texts := pageTexts(t, data); texts[0] != "Nyhedsbrev fra KKR Sjælland\nKære alle." {
		t.Errorf("PageTexts %q", texts)
	}
}

// TestSamplePageTexts: attachment extraction on the sample gives one text per page, the
// signature page included, without running headers.
func TestSamplePageTexts(t *testing.T) {
	texts := pageTexts(t, readSample(t))
	if len(texts) != 5 {
		t.Fatalf("%d pages", len(texts))
	}
	if !strings.HasPrefix(texts[2], "715. Kulturkommune 2017. Politiske fokusområder\nSagsnr.:\t12/27845\nSagen afgøres i:\tUdvalget for plan, udvikling og kultur (PUK)") {
		t.Errorf("page 3 starts %q", texts[2][:min(200, len(texts[2]))])
	}
	if !strings.HasPrefix(texts[4], "Underskriftsside") {
		t.Errorf("page 5 %q", texts[4])
	}
	for i, s := range texts {
		if strings.Contains(s, "Side ") || strings.Contains(s, " of 5") || strings.Contains(s, "  \n") {
			t.Errorf("page %d has a header, page number or hard break: %q", i+1, s)
		}
	}
}
