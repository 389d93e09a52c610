package pdf

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// section is a heading and its paragraphs, as an item's body is printed.
type section struct {
	heading string
	paras   []string
}

// item is an agenda item as the layouts print it.
type item struct {
	heading  string // "Punkt 2: …" or "2. …"
	caseLine []string
	sections []section
}

// firstAgendaPDF sets the minutes of a committee meeting as FirstAgenda's "Hent som PDF"
// does: a cover with the kind, body and date on one line and the fields' values under
// their labels; a table of contents on its own page whose titles are cut and whose page
// numbers follow as a block after all titles; every item on a new page under a bold
// "Punkt N: Title" (wrapping when long), the case number under it (different on each
// page, in the running header's place), bold section headings, Bilag one title a line.
// Pages after the cover carry a running header and "Side N af M".
func firstAgendaPDF(withOutline bool) []byte {
	return firstAgendaPDFCover(withOutline, "REFERAT Økonomiudvalget d. 12-03-2025")
}

func firstAgendaPDFCover(withOutline bool, cover string) []byte {
	items := firstAgendaItems()
	ts := newTypeset(10)
	ts.header = func(n, of int) []tline {
		if n == 1 {
			return nil
		}
		return []tline{
			{x: marginL, y: 805, size: 8, text: "Økonomiudvalget - Referat - 12-03-2025", font: "F1"},
			{x: 470, y: 30, size: 8, text: fmt.Sprintf("Side %d af %d", n, of), font: "F1"},
		}
	}
	ts.line(cover, true, 18, 0)
	ts.gap(20)
	for _, f := range [][2]string{{"Mødedato", "12-03-2025 kl. 16:00 - 18:00"}, {"Mødested", "Rådhuset, Mødelokale 1"}} {
		ts.line(f[0], true, 11, 0)
		ts.line(f[1], false, 10, 0)
		ts.gap(8)
	}
	ts.line("Medlemmer", true, 11, 0)
	for _, m := range []string{"Mette Hansen (A), formand", "Jens Jensen (V)", "Ida Holm (F)"} {
		ts.line(m, false, 10, 0)
	}
	ts.newPage()
	ts.line("Indholdsfortegnelse", true, 14, 0)
	ts.gap(10)
	for _, it := range items {
		title := it.heading
		if r := []rune(title); len(r) > 62 {
			title = string(r[:62])
		}
		ts.line(title, false, 10, 0)
	}
	ts.gap(6)
	for i := range items {
		ts.cur = append(ts.cur, tline{x: 480, y: ts.y, size: 10, text: fmt.Sprint(3 + i*2), font: "F1"})
		ts.y -= 12.5
	}
	for _, it := range items {
		ts.newPage()
		if withOutline {
			ts.mark(it.heading)
		}
		ts.para(it.heading, true, 14, 0)
		for _, c := range it.caseLine {
			ts.line(c, false, 10, 0)
		}
		for _, s := range it.sections {
			ts.gap(8)
			ts.line(s.heading, true, 11, 0)
			for _, p := range s.paras {
				if strings.HasPrefix(p, "\n") {
					ts.line(p[1:], false, 10, 0) // a line of its own (Bilag, At 1) …)
					continue
				}
				ts.para(p, false, 10, 0)
			}
		}
	}
	return ts.pdf()
}

var filler = strings.Repeat("Forvaltningen har gennemgået økonomien på alle udvalgets områder og vurderer, at de samlede udgifter holder sig inden for rammen, men at der er et pres på ældreområdet og på det specialiserede socialområde, som kræver opmærksomhed i resten af året. ", 3)

func firstAgendaItems() []item {
	return []item{
		{heading: "Punkt 1: Godkendelse af dagsorden", caseLine: []string{"EMN-2025-000101"}, sections: []section{
			{"Beslutninger", []string{"Godkendt."}},
			{"Resume", []string{"Dagsordenen forelægges til godkendelse."}},
			{"Beslutningspunkter", []string{"\nDet indstilles:", "\nAt 1) dagsordenen godkendes."}},
		}},
		{heading: "Punkt 2: Budgetopfølgning pr. 31. januar 2025 og forventet regnskab for kommunens samlede drift og anlæg", caseLine: []string{"24-012345"}, sections: []section{
			{"Beslutninger", []string{"Anbefales over for Byrådet, idet mindreforbruget på anlæg først overføres ved regnskabet."}},
			{"Resume", []string{filler}},
			{"Sagsfremstilling", []string{filler, "\n1. Drift.", "\n2. Anlæg.", filler, filler}},
			{"Beslutningspunkter", []string{"\nDet indstilles:", "\nAt 1) budgetopfølgningen tages til efterretning,",
				"\nAt 2) der gives en tillægsbevilling på 2,5 mio. kr. til ældreområdet, og",
				"\nAt 3) mindreforbruget på anlæg overføres til 2026."}},
			{"Sagsforløb", []string{"\nSocial- og Sundhedsudvalget, 03-03-2025", "Punkt 7: Budgetopfølgning på ældreområdet", "Anbefales."}},
			{"Bilag", []string{"\nBudgetopfølgning januar 2025.pdf", "\nOversigt over tillægsbevillinger", "\nNotat om anlægsoverførsler"}},
		}},
		{heading: "Punkt 3: Anlægsbevilling til ny daginstitution i Hundige", caseLine: []string{"SAG-2025-00456"}, sections: []section{
			{"Beslutninger", []string{"Godkendt."}},
			{"Resume", []string{"Der søges om anlægsbevilling til en ny daginstitution med plads til 120 børn."}},
			{"Beslutningspunkter", []string{"\nDet indstilles:", "\nAt 1) der gives en anlægsbevilling på 48 mio. kr.,", "\nAt 2) rådighedsbeløbet frigives."}},
			{"Bilag", []string{"\nSkitseforslag daginstitution Hundige"}},
		}},
		{heading: "Punkt 4: Lukket: Salg af kommunal grund", caseLine: []string{"EMN-2025-000999"}, sections: []section{
			{"Beslutninger", []string{"Godkendt."}},
		}},
	}
}

type pdfItem struct {
	number, title, caseNo string
	closed                bool
	sections              []string
	recs                  []string // a word or two that each recommendation holds
	attachments           []string
	decision              string
}

func checkPDFItems(t *testing.T, m agenda.Meeting, wants []pdfItem) {
	t.Helper()
	if len(m.Items) != len(wants) {
		for _, it := range m.Items {
			t.Logf("item %s %q", it.Number, it.Title)
		}
		t.Fatalf("%d items, want %d", len(m.Items), len(wants))
	}
	for i, w := range wants {
		it := m.Items[i]
		var secs, atts []string
		for _, s := range it.Sections {
			secs = append(secs, s.Heading)
		}
		for _, a := range it.Attachments {
			atts = append(atts, a.Title)
		}
		recsOK := len(it.Recommendations) == len(w.recs)
		for k := 0; recsOK && k < len(w.recs); k++ {
			recsOK = strings.Contains(it.Recommendations[k].Text, w.recs[k])
		}
		if it.Number != w.number || it.Title != w.title || it.CaseNumber != w.caseNo || it.Closed != w.closed ||
			strings.Join(secs, "|") != strings.Join(w.sections, "|") || strings.Join(atts, "|") != strings.Join(w.attachments, "|") ||
			!recsOK || it.Decision != w.decision {
			var recs []string
			for _, r := range it.Recommendations {
				recs = append(recs, r.Text)
			}
			t.Errorf("item %d:\n got %s %q case %q closed %v\n     sections %q\n     recs %q\n     attachments %q\n     decision %q\nwant %+v",
				i, it.Number, it.Title, it.CaseNumber, it.Closed, secs, recs, atts, it.Decision, w)
		}
	}
}

// TestFirstAgendaPDF: FirstAgenda's PDF imports with its cover, every item (the wrapped
// title whole, the case number under each heading, the closed item), the decisions, the
// recommendations as the source numbers them and the attachments; the table of contents
// (cut titles, page numbers in a block) and another body's item number quoted in the case
// history are not items, and the running header and page numbers are not text.
func TestFirstAgendaPDF(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		kind agenda.Kind
	}{
		{"as printed", firstAgendaPDF(false), agenda.KindMinutes},
		{"with an outline", firstAgendaPDF(true), agenda.KindMinutes},
		// No cover word: the headings, case lines and sections are evidence enough, the
		// body's name stands alone on the cover, and the decisions make it minutes.
		{"without the cover word", firstAgendaPDFCover(false, "Økonomiudvalget"), agenda.KindMinutes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := parseOne(t, "oekonomiudvalget.pdf", tt.data)
			day := func(h int) time.Time { return time.Date(2025, 3, 12, h, 0, 0, 0, agenda.Copenhagen) }
			if m.Body.Name != "Økonomiudvalget" || m.Kind != tt.kind || !m.Start.Equal(day(16)) || !m.End.Equal(day(18)) ||
				m.Location != "Rådhuset, Mødelokale 1" {
				t.Errorf("meeting %q %q %v–%v %q", m.Body.Name, m.Kind, m.Start, m.End, m.Location)
			}
			checkPDFItems(t, m, []pdfItem{
				{number: "1", title: "Godkendelse af dagsorden", caseNo: "EMN-2025-000101",
					sections: []string{"Resume", "Beslutningspunkter"}, recs: []string{"dagsordenen godkendes"}, decision: "Godkendt."},
				{number: "2", title: "Budgetopfølgning pr. 31. januar 2025 og forventet regnskab for kommunens samlede drift og anlæg", caseNo: "24-012345",
					sections:    []string{"Resume", "Sagsfremstilling", "Beslutningspunkter", "Sagsforløb", "Bilag"},
					recs:        []string{"tages til efterretning", "tillægsbevilling på 2,5 mio. kr.", "overføres til 2026"},
					attachments: []string{"Budgetopfølgning januar 2025.pdf", "Oversigt over tillægsbevillinger", "Notat om anlægsoverførsler"},
					decision:    "Anbefales over for Byrådet, idet mindreforbruget på anlæg først overføres ved regnskabet."},
				{number: "3", title: "Anlægsbevilling til ny daginstitution i Hundige", caseNo: "SAG-2025-00456",
					sections: []string{"Resume", "Beslutningspunkter", "Bilag"}, recs: []string{"48 mio. kr.", "frigives"},
					attachments: []string{"Skitseforslag daginstitution Hundige"}, decision: "Godkendt."},
				{number: "4", title: "Lukket: Salg af kommunal grund", caseNo: "EMN-2025-000999", closed: true, decision: "Godkendt."},
			})
			for _, it := range m.Items {
				for _, s := range it.Sections {
					for _, leak := range []string{"Side ", "Referat - 12-03-2025", "EMN-", "SAG-"} {
						if strings.Contains(s.Text, leak) {
							t.Errorf("item %s %s: %q leaked into the text: %q", it.Number, s.Heading, leak, s.Text)
						}
					}
				}
			}
		})
	}
}

// edocPDF sets an eDoc (Fujitsu) referat as eDoc prints it: the body's name, the date
// and the time in a header on every page with "Side N af M"; "Åbent referat" as the
// cover; bold "N. Title" item headings following one another on the page; Sagsnr.,
// Sagsbehandler and Åben under each; section captions with a colon; the recommendations
// as a numbered list in body text; "Lukket referat" before the closed items.
func edocPDF() []byte {
	ts := newTypeset(10)
	ts.header = func(n, of int) []tline {
		return []tline{
			{x: marginL, y: 810, size: 9, text: "Teknik- og Miljøudvalget", font: "F2"},
			{x: 400, y: 810, size: 9, text: "Dato: 02.05.2017", font: "F1"},
			{x: 400, y: 798, size: 9, text: "Tid: Kl. 10:00", font: "F1"},
			{x: 400, y: 786, size: 9, text: fmt.Sprintf("Side %d af %d", n, of), font: "F1"},
		}
	}
	ts.y = 740
	ts.line("Åbent referat", true, 16, 0)
	ts.gap(6)
	ts.line("Mødested: Mødelokale 1, Midtpunkt", false, 10, 0)
	ts.line("Fraværende: Ingen", false, 10, 0)
	items := []item{
		{heading: "1. Godkendelse af dagsorden", caseLine: []string{"Sagsnr.: EMN-2017-00112", "Sagsbehandler: Rikke Jørgensen", "Åben"}, sections: []section{
			{"Præsentation:", []string{"Dagsordenen forelægges til godkendelse."}},
			{"Forvaltningen foreslår:", []string{"At dagsordenen godkendes."}},
			{"Beslutning:", []string{"Godkendt."}},
		}},
		{heading: "2. Lokalplan for 40 nye boliger på Havnevej", caseLine: []string{"Sagsnr.: EMN-2017-00387", "Sagsbehandler: Claus Friis Lange", "Åben"}, sections: []section{
			{"Præsentation:", []string{"Et boligselskab vil bygge 40 boliger på Havnevej i to etaper."}},
			{"Sagsbeskrivelse:", []string{filler, "3. Etape i 2019 omfatter de sidste 12 boliger", filler}},
			{"Forvaltningen foreslår:", []string{"\n1. at lokalplanforslaget vedtages,", "\n2. at forslaget sendes i otte ugers høring, og", "\n3. at der holdes borgermøde i høringsperioden."}},
			{"Beslutning:", []string{"Godkendt med den ændring, at borgermødet holdes på Havnen."}},
			{"Bilag:", []string{"\nLokalplanforslag.pdf", "\nHøringsnotat.docx"}},
		}},
	}
	closed := item{heading: "3. Personalesag", caseLine: []string{"Sagsnr.: EMN-2017-00038", "Sagsbehandler: Britt Lykke Ejby", "Lukket"}, sections: []section{
		{"Beslutning:", []string{"Godkendt."}},
	}}
	set := func(it item) {
		ts.gap(14)
		ts.para(it.heading, true, 12, 0)
		for _, c := range it.caseLine {
			ts.line(c, false, 10, 0)
		}
		for _, s := range it.sections {
			ts.gap(6)
			ts.line(s.heading, true, 10, 0)
			for _, p := range s.paras {
				if strings.HasPrefix(p, "\n") {
					ts.line(p[1:], false, 10, 0)
					continue
				}
				ts.para(p, false, 10, 0)
			}
		}
	}
	for _, it := range items {
		set(it)
	}
	ts.gap(14)
	ts.line("Lukket referat", true, 14, 0)
	set(closed)
	return ts.pdf()
}

// TestEdocPDF: eDoc's PDF imports with the body, date and time from its header, the items
// under their bold headings (a numbered paragraph in the body text that reads like a
// heading is not one), the case numbers, the closed item, the numbered recommendations
// and the attachments.
func TestEdocPDF(t *testing.T) {
	m := parseOne(t, "tmu.pdf", edocPDF())
	if m.Body.Name != "Teknik- og Miljøudvalget" || m.Kind != agenda.KindMinutes ||
		!m.Start.Equal(time.Date(2017, 5, 2, 10, 0, 0, 0, agenda.Copenhagen)) || m.Location != "Mødelokale 1, Midtpunkt" {
		t.Errorf("meeting %q %q %v %q", m.Body.Name, m.Kind, m.Start, m.Location)
	}
	checkPDFItems(t, m, []pdfItem{
		{number: "1", title: "Godkendelse af dagsorden", caseNo: "EMN-2017-00112",
			sections: []string{"Præsentation", "Forvaltningen foreslår"}, recs: []string{"At dagsordenen godkendes."}, decision: "Godkendt."},
		{number: "2", title: "Lokalplan for 40 nye boliger på Havnevej", caseNo: "EMN-2017-00387",
			sections:    []string{"Præsentation", "Sagsbeskrivelse", "Forvaltningen foreslår", "Bilag"},
			recs:        []string{"lokalplanforslaget vedtages", "otte ugers høring", "borgermøde"},
			attachments: []string{"Lokalplanforslag.pdf", "Høringsnotat.docx"},
			decision:    "Godkendt med den ændring, at borgermødet holdes på Havnen."},
		{number: "3", title: "Personalesag", caseNo: "EMN-2017-00038", closed: true, decision: "Godkendt."},
	})
	if got := m.Items[1].Sections[1].Text; !strings.Contains(got, "3. Etape i 2019") && !strings.Contains(got, "3\\. Etape i 2019") {
		t.Errorf("the numbered paragraph left the item: %q", got)
	}
}

// TestReadingMaterialPDF: a report of two pages with a large title, bold headings and no
// agenda in it imports as reading material: its title, the date it states, and its text
// page by page, without its running footer.
func TestReadingMaterialPDF(t *testing.T) {
	ts := newTypeset(10)
	ts.header = func(n, of int) []tline {
		return []tline{{x: 470, y: 30, size: 8, text: fmt.Sprintf("Side %d af %d", n, of), font: "F1"}}
	}
	ts.line("Årsberetning for Ældrerådet 2024", true, 20, 0)
	ts.line("Marts 2025", false, 10, 0)
	ts.gap(10)
	ts.line("1. Indledning", true, 13, 0)
	ts.para(filler, false, 10, 0)
	ts.line("2. Rådets arbejde", true, 13, 0)
	for range 6 {
		ts.para(filler, false, 10, 0)
	}
	ts.line("3. Det kommende år", true, 13, 0)
	ts.para(filler, false, 10, 0)
	pkg, err := Parse("aarsberetning.pdf", ts.pdf())
	if err != nil || !ReadingMaterial(pkg) {
		t.Fatalf("Parse: %v; %d meetings, %d documents", err, len(pkg.Meetings), len(pkg.Documents))
	}
	d := pkg.Documents[0]
	checkDocument(t, d)
	if d.Title != "Årsberetning for Ældrerådet 2024" || !d.Date.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, agenda.Copenhagen)) || len(d.Sections) != 2 {
		t.Fatalf("document %q %v, %d sections", d.Title, d.Date, len(d.Sections))
	}
	if d.Sections[0].Heading != "Side 1" || d.Sections[1].Heading != "Side 2" || !strings.Contains(d.Sections[1].Text, "3. Det kommende år") {
		t.Errorf("sections %+v", d.Sections)
	}
	for _, s := range d.Sections {
		if strings.Contains(s.Text, "Side 1 af") || strings.Contains(s.Text, "Side 2 af") {
			t.Errorf("the footer is in the text: %q", s.Text)
		}
	}
}

// TestLibreOfficePDF: a FirstAgenda-style referat that LibreOffice made (embedded subset
// TrueType fonts, Writer's content streams; see testdata/libreoffice) imports with its
// items, case numbers, wrapped title, closed item, decisions, recommendations and
// attachments.
func TestLibreOfficePDF(t *testing.T) {
	data, err := os.ReadFile("testdata/libreoffice/firstagenda-byraad.pdf")
	if err != nil {
		t.Fatal(err)
	}
	m := parseOne(t, "byraad.pdf", data)
	if m.Body.Name != "Byrådet" || m.Kind != agenda.KindMinutes || !m.Start.Equal(time.Date(2025, 2, 24, 18, 0, 0, 0, agenda.Copenhagen)) ||
		m.Location != "Byrådssalen, Rådhuset" {
		t.Errorf("meeting %q %q %v %q", m.Body.Name, m.Kind, m.Start, m.Location)
	}
	checkPDFItems(t, m, []pdfItem{
		{number: "1", title: "Godkendelse af dagsorden", caseNo: "25-001122",
			sections: []string{"Beslutningspunkter"}, recs: []string{"dagsordenen godkendes"}, decision: "Godkendt."},
		{number: "2", title: "Vedtagelse af lokalplan 12.34 for boligområdet ved Strandparken og tillæg nr. 7 til kommuneplanen", caseNo: "EMN-2024-004455",
			sections:    []string{"Resume", "Sagsfremstilling", "Beslutningspunkter", "Sagsforløb", "Bilag"},
			recs:        []string{"lokalplan 12.34 vedtages endeligt", "tillæg nr. 7", "høringssvarene besvares"},
			attachments: []string{"Lokalplan 12.34 endelig udgave.pdf", "Høringsnotat", "Kommuneplantillæg nr. 7"},
			decision:    "Vedtaget med 19 stemmer for og 6 imod."},
		{number: "3", title: "Lukket: Køb af ejendom", caseNo: "EMN-2025-000077", closed: true, decision: "Godkendt."},
	})
}
