package kltext

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
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
		t.Fatalf("Parse(%s): %d meetings, %d documents; want 1 meeting", name, len(pkg.Meetings), len(pkg.Documents))
	}
	m := pkg.Meetings[0]
	checkMeeting(t, m)
	return m
}

var (
	rawHTMLRe    = regexp.MustCompile(`<[A-Za-z/!?]`)
	marginMarkRe = regexp.MustCompile(`(^|\s)\./\.\.?(\s|$)`)
	deadLinkRe   = regexp.MustCompile(`\[[^\[\]]*\]\(#[^()\s]*\)`)
)

// checkMeeting asserts what every imported meeting must satisfy, whatever the input.
func checkMeeting(t testing.TB, m agenda.Meeting) {
	t.Helper()
	if m.ID == "" || m.ID != agenda.MeetingID(&m) {
		t.Errorf("meeting id %q is not set by AssignIDs", m.ID)
	}
	if m.Source.Format != Format {
		t.Errorf("source format %q", m.Source.Format)
	}
	ids := map[string]bool{}
	for _, it := range m.Items {
		if it.ID == "" || ids[it.ID] {
			t.Errorf("item %s: id %q empty or duplicate", it.Number, it.ID)
		}
		ids[it.ID] = true
		if it.Number == "" || it.Title == "" {
			t.Errorf("item %q %q: number and title must be set", it.Number, it.Title)
		}
		if it.Sections == nil || it.Recommendations == nil || it.Attachments == nil {
			t.Errorf("item %s: nil slice (exports as null)", it.Number)
		}
		for i, r := range it.Recommendations {
			if r.Index != i || strings.TrimSpace(r.Text) == "" {
				t.Errorf("item %s: recommendation %d = %+v", it.Number, i, r)
			}
		}
		texts := []string{it.Decision}
		for _, s := range it.Sections {
			texts = append(texts, s.Text)
			// A decision of an earlier meeting of the case stays a section (its history);
			// this meeting's decision, or an undated one, belongs in Item.Decision.
			if isDecision(s.Heading) && !earlierDecision(s.Heading, m.Start) {
				t.Errorf("item %s: the decision %q is a section; it belongs in Item.Decision", it.Number, s.Heading)
			}
		}
		for _, s := range texts {
			if loc := rawHTMLRe.FindStringIndex(s); loc != nil {
				t.Errorf("item %s: raw HTML in %q", it.Number, s[max(0, loc[0]-20):min(len(s), loc[1]+20)])
			}
			if deadLinkRe.MatchString(s) || marginMarkRe.MatchString(s) {
				t.Errorf("item %s: extraction artifact left in %q", it.Number, s)
			}
		}
		for _, a := range it.Attachments {
			if a.ID == "" || a.Title == "" || strings.ContainsAny(a.Title, "*") {
				t.Errorf("item %s: attachment %+v", it.Number, a)
			}
		}
	}
}

func TestFixture(t *testing.T) {
	m := parseOne(t, "kkr-mini.txt", readFixture(t, "kkr-mini.txt"))

	at := func(h, min int) time.Time { return time.Date(2024, 6, 3, h, min, 0, 0, agenda.Copenhagen) }
	if m.Body.Name != "KKR Sjælland" || m.Kind != agenda.KindMinutes {
		t.Errorf("body %q kind %q; want KKR Sjælland, referat", m.Body.Name, m.Kind)
	}
	if !m.Start.Equal(at(13, 30)) || !m.End.Equal(at(15, 30)) || !m.Premeeting.Equal(at(12, 45)) {
		t.Errorf("start %v end %v premeeting %v", m.Start, m.End, m.Premeeting)
	}
	if m.Location != "Comwell Køge Strand, Strandvejen 111, 4600 Køge" {
		t.Errorf("location %q", m.Location)
	}
	if m.Title != "Referat — KKR Sjælland 3. juni 2024" {
		t.Errorf("title %q", m.Title)
	}
	if m.Source.Path != "kkr-mini.txt" {
		t.Errorf("source path %q", m.Source.Path)
	}

	type want struct {
		number, title, group, caseNo, handler string
		closed                                bool
		sections                              []string
		recs                                  int
		attachments                           []string
		decision                              string
	}
	wants := []want{
		{"1.1", "Godkendelse af dagsorden", "1. Godkendelse", "SAG-2024-00101", "abc", false,
			[]string{"Indstilling"}, 1, nil, "Godkendt."},
		{"2.1", "Rammeaftale for det specialiserede socialområde", "2. Sager", "SAG-2024-00102", "", false,
			[]string{"Baggrund", "Indstilling", "Sagsfremstilling", "Bilag"}, 2,
			[]string{"Rammeaftale 2025-2026", "Høringssvar fra handicaprådene"}, "KKR Sjælland godkendte indstillingen."},
		{"2.2", "Lukket: Udpegning til bestyrelse", "2. Sager", "SAG-2024-00103", "xyz", true,
			[]string{"Indstilling"}, 1, nil, ""},
		{"3", "Eventuelt", "", "", "", false, nil, 0, nil, ""},
	}
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
		if it.Number != w.number || it.Title != w.title || it.Group != w.group || it.CaseNumber != w.caseNo ||
			it.CaseHandler != w.handler || it.Closed != w.closed || strings.Join(secs, "|") != strings.Join(w.sections, "|") ||
			len(it.Recommendations) != w.recs || strings.Join(atts, "|") != strings.Join(w.attachments, "|") || it.Decision != w.decision {
			t.Errorf("item %d:\n got %s %q group %q case %q/%q closed %v sections %v recs %d attachments %q decision %q\nwant %+v",
				i, it.Number, it.Title, it.Group, it.CaseNumber, it.CaseHandler, it.Closed, secs, len(it.Recommendations), atts, it.Decision, w)
		}
	}

	it := m.Items[1]
	if got := it.Sections[0].Text; got != "Kommunerne skal hvert andet år indgå en rammeaftale, jf. bilag. Læs mere her." {
		t.Errorf("Baggrund: margin mark or dead link left: %q", got)
	}
	wantSag := "Rammeaftalen har tre fokusområder:\n\n1. Borgere med komplekse behov.\n2. Kapacitet og tilbudsvifte.\n3. Styringsdata.\n\n" +
		"### Økonomi og tidsplan\n\nAftalen træder i kraft den 1. januar 2025 og skal tiltrædes af alle 17 kommunalbestyrelser."
	if got := it.Sections[2].Text; got != wantSag {
		t.Errorf("Sagsfremstilling:\n got %q\nwant %q", got, wantSag)
	}
	if got := it.Sections[3].Text; got != "- Rammeaftale 2025-2026\n- Høringssvar fra handicaprådene" {
		t.Errorf("Bilag section %q", got)
	}
	if it.Recommendations[1].Text != "Anbefaler kommunalbestyrelserne at tiltræde den." {
		t.Errorf("recommendation 1 %q", it.Recommendations[1].Text)
	}
}

// Without a table of contents the parser must still tell headings from numbered lists.
const noTOC = `DAGSORDEN

ØKONOMIUDVALGET

Dato: 12.9.2024 kl. 16

1. Meddelelser

SAG-2024-00001

Baggrund

Formanden orienterer om:

1. Budgetseminaret.
2. Nyt fra KKR.

2. Budget 2025

Sagsnr.: SAG-2024-00002 jkl

Indstilling

Det indstilles, at udvalget oversender budgetforslaget til første behandling.

Beslutning i Økonomiudvalget

Godkendt.

3. Eventuelt
`

func TestNoTableOfContents(t *testing.T) {
	m := parseOne(t, "no-toc.txt", []byte(noTOC))
	var numbers []string
	for _, it := range m.Items {
		numbers = append(numbers, it.Number)
	}
	if got := strings.Join(numbers, " "); got != "1 2 3" {
		t.Fatalf("items %q, want 1 2 3 (the list in item 1 is not items)", got)
	}
	if m.Body.Name != "Økonomiudvalget" {
		t.Errorf("body %q", m.Body.Name)
	}
	if want := time.Date(2024, 9, 12, 16, 0, 0, 0, agenda.Copenhagen); !m.Start.Equal(want) {
		t.Errorf("start %v, want %v", m.Start, want)
	}
	if !m.Premeeting.IsZero() || m.Location != "" {
		t.Errorf("premeeting %v location %q: the cover states neither", m.Premeeting, m.Location)
	}
	b := m.Items[1]
	if b.CaseNumber != "SAG-2024-00002" || b.CaseHandler != "jkl" || b.Decision != "Godkendt." || len(b.Recommendations) != 1 {
		t.Errorf("item 2: case %q/%q decision %q recs %v", b.CaseNumber, b.CaseHandler, b.Decision, b.Recommendations)
	}
	if got := m.Items[0].Sections[0].Text; got != "Formanden orienterer om:\n\n1. Budgetseminaret.\n2. Nyt fra KKR." {
		t.Errorf("item 1 Baggrund %q", got)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"fixture", string(readFixture(t, "kkr-mini.txt")), true},
		{"no toc", noTOC, true},
		{"cover with items only", "Dagsorden\n\nBørneudvalget\n\n1.1. Godkendelse af dagsorden\n", true},
		{"newsletter", "Nyhedsbrev fra KKR Hovedstaden\n\nDato: 1. maj 2023\n", false},
		{"kind word late", "a\nb\nc\nd\ne\nf\ng\nDAGSORDEN\nDato: 1-1-2024\n", false},
		{"kind word without structure", "REFERAT\n\nVi mødtes og talte om vejret.\n", false},
		{"json", `{"Dagsordenpunkter": []}`, false},
		{"binary", "\x00\x01\x02DAGSORDEN\nDato: 1-1-2024", false},
		{"invalid utf-8", "DAGSORDEN\n\xff\xfe\nDato: 1-1-2024\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.data)); got != tt.want {
			t.Errorf("Sniff(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	huge := bytes.Repeat([]byte("DAGSORDEN\n\nDato: 1-1-2024\n\n1.1. Punkt\n\n"), 50<<20/40)
	tests := []struct {
		name string
		data []byte
		want string // in the error
	}{
		{"empty", nil, "is empty"},
		{"blank", []byte(" \n\n\t\n"), "contains no text"},
		{"binary", []byte("\x7fELF\x02\x01\x01\x00\x00\x00garbage"), "binary file"},
		{"control characters", bytes.Repeat([]byte("\x01\x02\x03\x04abc"), 100), "binary file"},
		{"invalid utf-8", []byte("DAGSORDEN\n\nKKR H\xe6vedstaden\n"), "not UTF-8"},
		{"50 MB", huge, "too large"},
		{"not an agenda", []byte("Nyhedsbrev\n\nHej alle sammen.\n"), "not agenda text"},
		{"cover without items", []byte("DAGSORDEN 2024\n\nKKR SYDDANMARK\n\nDato: 01-02-2024 10:00\n"), "no numbered items"},
		{"toc only", []byte("DAGSORDEN\n\nDato: 1-2-2024\n\n1.\tGodkendelse\t3\n1.1.\tGodkendelse af referat\t3\n"), "no numbered items"},
	}
	for _, tt := range tests {
		_, err := Parse("møde.txt", tt.data)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "møde.txt") || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q; want one sentence naming the file and saying %q", tt.name, msg, tt.want)
		}
	}
}

// TestLargeInput parses a 1 MB agenda: a quadratic step anywhere would take minutes.
func TestLargeInput(t *testing.T) {
	var b strings.Builder
	b.WriteString("DAGSORDEN\n\nKKR NORDJYLLAND\n\nDato: 01-02-2024 10:00\n\n")
	for g := 1; b.Len() < 1<<20; g++ {
		b.WriteString(strconv.Itoa(g) + ". Gruppe\n\n")
		for s := 1; s <= 9; s++ {
			b.WriteString(strconv.Itoa(g) + "." + strconv.Itoa(s) + ". Punkt\n\nSAG-2024-00001 abc\n\nBaggrund\n\n")
			for k := 0; k < 20; k++ {
				b.WriteString("tekst uden punktum\n\nog mere tekst der fortsætter\n\n- punkt\n")
			}
			b.WriteString("\nIndstilling\n\nDet indstilles, at:\n\n- a\n- b\n\n")
		}
	}
	m := parseOne(t, "big.txt", []byte(b.String()))
	if len(m.Items) < 250 {
		t.Errorf("%d items", len(m.Items))
	}
}
