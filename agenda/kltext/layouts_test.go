package kltext

import (
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// wantItem is what a layout test asserts of one item. Empty fields are not checked,
// except that sections, recommendations, attachments and the decision are always compared.
type wantItem struct {
	number, title, caseNo, handler string
	closed                         bool
	sections                       []string
	recs                           []string
	attachments                    []string
	decision                       string
}

func checkItems(t *testing.T, m agenda.Meeting, wants []wantItem) {
	t.Helper()
	if len(m.Items) != len(wants) {
		for _, it := range m.Items {
			t.Logf("item %s %q", it.Number, it.Title)
		}
		t.Fatalf("%d items, want %d", len(m.Items), len(wants))
	}
	for i, w := range wants {
		it := m.Items[i]
		var secs, recs, atts []string
		for _, s := range it.Sections {
			secs = append(secs, s.Heading)
		}
		for _, r := range it.Recommendations {
			recs = append(recs, r.Text)
		}
		for _, a := range it.Attachments {
			atts = append(atts, a.Title)
		}
		if it.Number != w.number || it.Title != w.title || it.CaseNumber != w.caseNo || it.CaseHandler != w.handler ||
			it.Closed != w.closed || strings.Join(secs, "|") != strings.Join(w.sections, "|") ||
			strings.Join(recs, "|") != strings.Join(w.recs, "|") || strings.Join(atts, "|") != strings.Join(w.attachments, "|") ||
			it.Decision != w.decision {
			t.Errorf("item %d:\n got %s %q case %q/%q closed %v\n     sections %q\n     recs %q\n     attachments %q\n     decision %q\nwant %+v",
				i, it.Number, it.Title, it.CaseNumber, it.CaseHandler, it.Closed, secs, recs, atts, it.Decision, w)
		}
	}
}

// TestFirstAgendaLayout: "Punkt N: Title" headings, a table of contents with page numbers,
// a title that starts with a number, a lone attachment count under a heading, a numbered
// list and a line starting "3." inside an item.
func TestFirstAgendaLayout(t *testing.T) {
	m := parseOne(t, "firstagenda-mini.txt", readFixture(t, "firstagenda-mini.txt"))
	if got := detect(splitLines(readFixture(t, "firstagenda-mini.txt"))); got != firstAgendaLayout {
		t.Errorf("layout %v", got.name)
	}
	day := func(h, min int) time.Time { return time.Date(2024, 3, 14, h, min, 0, 0, agenda.Copenhagen) }
	if m.Body.Name != "Økonomiudvalget" || m.Kind != agenda.KindMinutes || !m.Start.Equal(day(16, 0)) || !m.End.Equal(day(18, 0)) ||
		m.Location != "Mødelokale 1, Rådhuset" {
		t.Errorf("meeting %q %q %v–%v %q", m.Body.Name, m.Kind, m.Start, m.End, m.Location)
	}
	checkItems(t, m, []wantItem{
		{number: "1", title: "Godkendelse af dagsorden", caseNo: "00.01.00-A00-1-24", handler: "Mette Hansen",
			sections: []string{"Indstilling"}, recs: []string{"Direktionen indstiller, at dagsordenen godkendes."}, decision: "Godkendt."},
		{number: "2", title: "2. behandling af budget 2025", caseNo: "00.30.00-S00-1-24",
			sections:    []string{"Resume", "Sagsfremstilling", "Indstilling", "Bilag"},
			recs:        []string{"at budgettet vedtages, og", "at skatteprocenten fastholdes."},
			attachments: []string{"Budgetforslag 2025", "Høringssvar fra MED-udvalgene"},
			decision:    "Anbefales over for Byrådet."},
		{number: "3", title: "Lukket: Salg af grund", closed: true},
	})
	if got := m.Items[1].Sections[1].Text; !strings.Contains(got, "1. Drift.\n2. Anlæg.\n3. Finansiering.") || !strings.Contains(got, "3\\. kvartal viste") && !strings.Contains(got, "3. kvartal viste") {
		t.Errorf("Sagsfremstilling lost its list or the line starting with a number: %q", got)
	}
}

// TestEdocLayout: "N." alone with the title on the next line, a table of contents of the
// same form without page numbers, "Sagsnr.:", "Sagsbehandler:", "Åben"/"Lukket" lines,
// headings with a colon, "Lukkede sager", a numbered list in eDoc's form inside an item and
// a line starting with a date.
func TestEdocLayout(t *testing.T) {
	data := readFixture(t, "edoc-mini.txt")
	m := parseOne(t, "edoc-mini.txt", data)
	if got := detect(splitLines(data)); got != edocLayout {
		t.Errorf("layout %v", got.name)
	}
	if m.Body.Name != "Teknik- og Miljøudvalget" || !m.Start.Equal(time.Date(2017, 5, 2, 10, 0, 0, 0, agenda.Copenhagen)) ||
		m.Location != "Mødelokale 1, Midtpunkt" {
		t.Errorf("meeting %q %v %q", m.Body.Name, m.Start, m.Location)
	}
	checkItems(t, m, []wantItem{
		{number: "1", title: "Godkendelse af dagsorden", caseNo: "EMN-2017-00112", handler: "Rikke Jørgensen",
			sections: []string{"Præsentation", "Forvaltningen foreslår"}, recs: []string{"At dagsordenen godkendes."}, decision: "Godkendt."},
		{number: "2", title: "20 nye boliger på Havnevej", caseNo: "2017-003869", handler: "Claus Friis Lange",
			sections:    []string{"Præsentation", "Sagsbeskrivelse", "Forvaltningen foreslår", "Bilag"},
			recs:        []string{"at lokalplanforslaget vedtages", "at forslaget sendes i otte ugers høring"},
			attachments: []string{"Lokalplanforslag.pdf", "Høringsnotat.docx"}, decision: "Godkendt."},
		{number: "3", title: "Personalesag", caseNo: "2017-000038", handler: "Britt Lykke Ejby", closed: true,
			sections: []string{"Præsentation"}},
	})
	if got := m.Items[1].Sections[1].Text; !strings.Contains(got, "Etape 1 i 2018.") || !strings.Contains(got, "2. maj 2017 blev projektet") {
		t.Errorf("Sagsbeskrivelse: %q", got)
	}
}

// TestAcadreLayout: running numbers of four digits, a heading without a space after the
// number, a title starting with a number, a title with a full stop in it, the date and
// address on the cover without fields, dated decisions (this meeting's is the decision,
// an earlier one stays a section), a Supplerende indstilling that replaces the first, the
// Bilag table and the signature page.
func TestAcadreLayout(t *testing.T) {
	data := readFixture(t, "acadre-mini.txt")
	m := parseOne(t, "acadre-mini.txt", data)
	if got := detect(splitLines(data)); got != acadreLayout {
		t.Errorf("layout %v", got.name)
	}
	if m.Body.Name != "Børne- og Skoleudvalget" || m.Kind != agenda.KindMinutes ||
		!m.Start.Equal(time.Date(2024, 12, 10, 15, 0, 0, 0, agenda.Copenhagen)) ||
		m.Location != "Rådhuset, Lundbergsvej 2, 8400 Ebeltoft" {
		t.Errorf("meeting %q %q %v %q", m.Body.Name, m.Kind, m.Start, m.Location)
	}
	checkItems(t, m, []wantItem{
		{number: "1015", title: "Godkendelse af dagsorden", caseNo: "24/1001",
			sections: []string{"Indstilling"}, recs: []string{"Direktøren indstiller, at dagsordenen godkendes."}, decision: "Godkendt."},
		{number: "1016", title: "2. behandling af skoledistrikter", caseNo: "24/2002",
			sections: []string{"Resumé", "Sagsfremstilling", "Økonomi og organisatoriske konsekvenser", "Indstilling",
				"Beslutning i Børne- og Skoleudvalget den 08-10-2024", "Supplerende indstilling", "Bilag"},
			recs:        []string{"at forslaget godkendes med de ændringer, høringen gav anledning til, og", "at skolebestyrelserne orienteres."},
			attachments: []string{"Høringssvar fra skolebestyrelserne", "Kort over distrikterne"},
			decision:    "Godkendt."},
		{number: "1017", title: "Kvalitetsrapport 2024. Folkeskolerne", caseNo: "24/3003",
			sections: []string{"Sagsfremstilling", "Indstilling"},
			recs:     []string{"Direktøren indstiller, at rapporten tages til efterretning."}, decision: "Taget til efterretning."},
	})
	if got := m.Items[1].Sections[4].Text; got != "Sagen udsættes." {
		t.Errorf("the earlier decision: %q", got)
	}
	if got := m.Items[1].Sections[1].Text; !strings.Contains(got, "1. Rønde.") || !strings.Contains(got, "20. juni 2024 - kl. 10:30 holdt") {
		t.Errorf("Sagsfremstilling: %q", got)
	}
}

// The traps of agenda text, each in KL's layout unless said otherwise.
func TestTraps(t *testing.T) {
	tests := []struct {
		name, text string
		numbers    string // the items' numbers
		check      func(t *testing.T, m agenda.Meeting)
	}{{
		name: "table of contents with its page numbers in a block of their own",
		text: `DAGSORDEN
KKR SYDDANMARK
Dato: 01-02-2024 10:00

Indhold

1. Godkendelse af dagsorden

2. Regionale sager

2.1. Sundhedsaftalen

2.2. Erhvervsfremme

3. Eventuelt

3
4
4
6
8

1. Godkendelse af dagsorden
SAG-2024-00001 abc

Indstilling
Det indstilles, at dagsordenen godkendes.

2. Regionale sager

2.1. Sundhedsaftalen
SAG-2024-00002 abc

Baggrund
Aftalen fornyes.

2.2. Erhvervsfremme
SAG-2024-00003 abc

Baggrund
Erhvervshuset rapporterer.

3. Eventuelt
`,
		numbers: "1 2.1 2.2 3",
		check: func(t *testing.T, m agenda.Meeting) {
			if m.Items[1].Group != "2. Regionale sager" || m.Items[0].CaseNumber != "SAG-2024-00001" {
				t.Errorf("group %q case %q", m.Items[1].Group, m.Items[0].CaseNumber)
			}
		},
	}, {
		name: "lone numbers under headings are attachment counts",
		text: `DAGSORDEN
ØKONOMIUDVALGET
Dato: 12.9.2024 kl. 16

1. Budget 2025
3

Sagsnr.: SAG-2024-00002 jkl

Baggrund
Budgettet fremlægges.

2. Takster 2025
1

Baggrund
Taksterne følger budgettet.
`,
		numbers: "1 2",
		check: func(t *testing.T, m agenda.Meeting) {
			for _, it := range m.Items {
				if strings.Contains(it.Sections[0].Text, "3") || strings.Contains(it.Sections[0].Text, "1\n") {
					t.Errorf("item %s kept the attachment count: %q", it.Number, it.Sections[0].Text)
				}
			}
		},
	}, {
		name: "numbered lists inside items",
		text: `DAGSORDEN
ØKONOMIUDVALGET
Dato: 12.9.2024 kl. 16

1. Meddelelser

Baggrund
Formanden orienterer om:

1. Budgetseminaret.
2. Nyt fra KKR.
3. Eventuelt nyt om valget

2. Budget 2025

Baggrund
Tre spor:
2. Andet spor

3. Eventuelt
`,
		numbers: "1 2 3",
	}, {
		name: "titles that start with a number",
		text: `DAGSORDEN
BYRÅDET
Dato: 12.9.2024 kl. 16

1. 2. behandling af budget 2025

Baggrund
Budgettet vedtages.

2. 17 nye boliger i Rønde

Baggrund
Lokalplanen vedtages.
`,
		numbers: "1 2",
		check: func(t *testing.T, m agenda.Meeting) {
			if m.Items[0].Title != "2. behandling af budget 2025" || m.Items[1].Title != "17 nye boliger i Rønde" {
				t.Errorf("titles %q %q", m.Items[0].Title, m.Items[1].Title)
			}
		},
	}, {
		name: "lines that start like a date",
		text: `DAGSORDEN
BYRÅDET
Dato: 12.9.2024 kl. 16

1. Budget 2025

Baggrund
Budgettet vedtages.

20. september 2024 - kl. 10:30

25. September 2024 Borgermøde om budgettet

2. Takster
`,
		numbers: "1 2",
		check: func(t *testing.T, m agenda.Meeting) {
			if got := m.Items[0].Sections[0].Text; !strings.Contains(got, "25. September 2024 Borgermøde") {
				t.Errorf("the date lines left item 1: %q", got)
			}
		},
	}, {
		name: "a running number that reads as a year needs the table of contents",
		text: `REFERAT
BYRÅDET
Torsdag den 12. september 2024

1800. Godkendelse af dagsorden

Indstilling
Det indstilles, at dagsordenen godkendes.

2024. Budgetforlig

1801. Budget 2025

Indstilling
Det indstilles, at budgettet vedtages.
`,
		numbers: "1800 1801",
		check: func(t *testing.T, m agenda.Meeting) {
			if got := m.Items[0].Sections[0].Text; !strings.Contains(got, "2024. Budgetforlig") {
				t.Errorf("the year line left item 1800: %q", got)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseOne(t, "trap.txt", []byte(tt.text))
			var numbers []string
			for _, it := range m.Items {
				numbers = append(numbers, it.Number)
			}
			if got := strings.Join(numbers, " "); got != tt.numbers {
				for _, it := range m.Items {
					t.Logf("item %s %q", it.Number, it.Title)
				}
				t.Fatalf("items %q, want %q", got, tt.numbers)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func splitLines(data []byte) []string { return strings.Split(string(data), "\n") }
