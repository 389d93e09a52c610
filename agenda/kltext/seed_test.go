package kltext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/internal/shared"
)

const seed001 = "001_147b9d108b7927a9.txt"

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "seeds", name))
	if err != nil {
		t.Skipf("seed %s not readable: %v", name, err)
	}
	return data
}

// TestSeedKKRHovedstaden checks the KKR Hovedstaden agenda of 21 April 2023 against what
// the document states, item by item (counted by hand from the text).
func TestSeedKKRHovedstaden(t *testing.T) {
	m := parseOne(t, seed001, readSeed(t, seed001))

	start := time.Date(2023, 4, 21, 10, 0, 0, 0, agenda.Copenhagen)
	if got := m.Start.Format(time.RFC3339); got != "2023-04-21T10:00:00+02:00" || !m.Start.Equal(start) {
		t.Errorf("start %s", got)
	}
	if !m.Premeeting.Equal(time.Date(2023, 4, 21, 9, 0, 0, 0, agenda.Copenhagen)) {
		t.Errorf("premeeting %v, want 09:00 the same day", m.Premeeting)
	}
	if !m.End.IsZero() {
		t.Errorf("end %v: the agenda states none", m.End)
	}
	if m.Body.Name != "KKR Hovedstaden" || m.Kind != agenda.KindAgenda {
		t.Errorf("body %q kind %q", m.Body.Name, m.Kind)
	}
	if m.Location != "Glostrup Park Hotel, Hovedvejen 41, 2600 Glostrup" {
		t.Errorf("location %q", m.Location)
	}
	if m.Title != "Dagsorden — KKR Hovedstaden 21. april 2023" {
		t.Errorf("title %q", m.Title)
	}

	const (
		b = "Baggrund"
		i = "Indstilling"
		s = "Sagsfremstilling"
		a = "Bilag"
	)
	wants := []struct {
		number, group, caseNo, handler string
		sections                       []string
		recs, attachments              int
		subHeadings                    []string
	}{
		{"1.1", "1. Godkendelse af referat", "SAG-2022-05229", "ssan", []string{b, i}, 1, 0, nil},
		{"1.2", "1. Godkendelse af referat", "SAG-2022-05229", "ssan", []string{i}, 1, 0, nil},
		{"2.1", "2. Siden sidst", "SAG-2022-05229", "ssan", []string{b}, 0, 0, nil},
		{"3.1", "3. Regionalpolitiske sager", "SAG-2023-01182", "gitb", []string{b, i, s}, 2, 0, nil},
		{"3.2", "3. Regionalpolitiske sager", "SAG-2023-01182", "gitb", []string{b, i, s, a}, 1, 1, nil},
		{"3.3", "3. Regionalpolitiske sager", "SAG-2023-01182", "gitb", []string{b, i, s, a}, 2, 2,
			[]string{"Politisk udviklingsgruppe"}},
		{"3.4", "3. Regionalpolitiske sager", "SAG-2023-01182", "gitb", []string{b, i, s, a}, 1, 2,
			[]string{"Finansiering af Klimaalliancen i Hovedstadsregionen"}},
		{"3.5", "3. Regionalpolitiske sager", "SAG-2023-01182", "snm", []string{b, i, s, a}, 2, 1,
			[]string{"Tre dilemma-spørgsmål", "Ny sundhedsaftale 2024-2027 i høring"}},
		{"4.1", "4. Udpegninger", "SAG-2023-01182", "", []string{b, i, s}, 1, 0, nil},
		{"5.1", "5. Punkter til næste møde", "SAG-2022-03160", "ssan", []string{b}, 0, 0, nil},
		{"6", "", "", "", nil, 0, 0, nil},
	}
	if len(m.Items) != len(wants) {
		for _, it := range m.Items {
			t.Logf("item %s %q", it.Number, it.Title)
		}
		t.Fatalf("%d items, want exactly %d", len(m.Items), len(wants))
	}
	for k, w := range wants {
		it := m.Items[k]
		var secs, subs []string
		for _, sec := range it.Sections {
			secs = append(secs, sec.Heading)
			for _, line := range strings.Split(sec.Text, "\n") {
				if h, ok := strings.CutPrefix(line, "### "); ok {
					subs = append(subs, h)
				}
			}
		}
		if it.Number != w.number || it.Group != w.group || it.CaseNumber != w.caseNo || it.CaseHandler != w.handler ||
			strings.Join(secs, "|") != strings.Join(w.sections, "|") || len(it.Recommendations) != w.recs ||
			len(it.Attachments) != w.attachments || strings.Join(subs, "|") != strings.Join(w.subHeadings, "|") {
			t.Errorf("item %d:\n got %s group %q case %q/%q sections %v recs %d attachments %d sub-headings %q\nwant %+v",
				k, it.Number, it.Group, it.CaseNumber, it.CaseHandler, secs, len(it.Recommendations), len(it.Attachments), subs, w)
		}
		if it.Closed || it.Decision != "" {
			t.Errorf("item %s: closed %v decision %q; an agenda has neither", it.Number, it.Closed, it.Decision)
		}
	}

	byNumber := map[string]agenda.Item{}
	for _, it := range m.Items {
		byNumber[it.Number] = it
	}
	titles := func(it agenda.Item) string {
		var out []string
		for _, a := range it.Attachments {
			out = append(out, a.Title)
		}
		return strings.Join(out, " | ")
	}
	for number, want := range map[string]string{
		"3.2": "Afrapportering Erhvervshus Hovedstaden: Resultatkontrakt 2022",
		"3.3": "Politisk aftale om Klimaalliancen | Partnerskabsaftalen for Klimaalliancen",
		"3.4": "Klimaalliancen i Hovedstadsregionen fra 2023 | Fordeling af betaling til Klimaalliancen i Hovedstadsregionen (årligt bidrag)",
		"3.5": "KL's oplæg til KKR temadrøftelse om sundhedsklynger, kapacitet, 72 timer og faste plejehjemslæger",
	} {
		if got := titles(byNumber[number]); got != want {
			t.Errorf("item %s attachments:\n got %q\nwant %q", number, got, want)
		}
	}
	for number, want := range map[string]string{
		"3.1": "Drøfter potentialer og perspektiver i de præsenterede hovedtemaer",
		"3.3": "Tager orienteringen om aftalen om den nationale Klimaalliance mellem KL, regionerne og Realdania til efterretning",
		"1.1": "Det indstilles, at KKR Hovedstaden godkender referat fra møde den 8. februar 2023.",
	} {
		if got := byNumber[number].Recommendations[0].Text; got != want {
			t.Errorf("item %s recommendation 0 %q, want %q", number, got, want)
		}
	}
	if got := byNumber["3.2"].Title; got != "Erhvervshus Hovedstaden – afrapportering af resultater for 2022" {
		t.Errorf("3.2 title %q", got)
	}
	if got := byNumber["1.1"].Sections[0].Text; !strings.Contains(got, "Referater kan læses her og er tilgængelige i Prepare.") {
		t.Errorf("1.1 Baggrund: [her](#) not reduced to its text: %q", got)
	}
	if got := byNumber["3.3"].Sections[2].Text; !strings.Contains(got, "Der er tre vigtige elementer i aftalen:\n\n- udvikle strategiske") {
		t.Errorf("3.3 Sagsfremstilling: the list after the margin mark is not a list: %q", got)
	}
	if got := byNumber["3.4"].Sections[2].Text; !strings.Contains(got, "fire komponenter:\n  - Fokus på effektiv implementering") {
		t.Errorf("3.4 Sagsfremstilling: the nested list is not nested: %q", got)
	}
}

func TestSniffSeeds(t *testing.T) {
	dir := shared.Path(t, "seeds")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("seeds: %v", err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		n++
		if got, want := Sniff(data), e.Name() == seed001; got != want {
			t.Errorf("Sniff(%s) = %v, want %v: only 001 is an agenda", e.Name(), got, want)
		}
	}
	if n != 5 {
		t.Errorf("%d seeds, want 5", n)
	}
}

func BenchmarkParseSeed001(b *testing.B) {
	data := readSeed(b, seed001)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(seed001, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFixture(b *testing.B) {
	data := readFixture(b, "kkr-mini.txt")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("kkr-mini.txt", data); err != nil {
			b.Fatal(err)
		}
	}
}
