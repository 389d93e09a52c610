package firstagenda

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/internal/shared"
)

// hasTag reports whether s holds anything a Markdown renderer could take for raw HTML:
// "<" before a letter, "/", "!" or "?". (A loop, not a regular expression: it runs over
// every text of 288 meetings, also under the race detector.)
func hasTag(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		switch c := s[i+1]; {
		case c == '/' || c == '!' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func TestHasTag(t *testing.T) {
	for s, want := range map[string]bool{"": false, "<": false, "a < b": false, "<1>": false, "&lt;b>": false,
		"<b>": true, "x </p>": true, "<!-- c -->": true, "a<?x": true, "<< <i": true, "<<": false} {
		if got := hasTag(s); got != want {
			t.Errorf("hasTag(%q) = %v, want %v", s, got, want)
		}
	}
}

// fixture is a small meeting in the shape Greve's site sends, with the variations other
// sites and other years bring: items out of order, a closed item, nulls, HarPdfVersion as
// a string and as a boolean, the Indstilling under several headings.
const fixture = `{
 "Dagsordenpunkter": [
  {"Id": "item-b", "Punktnummer": "2", "Sorting": 2, "Navn": "Lukket: Køb af ejendom", "SagsNummer": "24-000002",
   "IsOpen": true,
   "Felter": [{"Navn": "", "Html": "<div><p class=\"xsltFirstParagraph\">Godkendt.</p><p>&nbsp;</p><p>Fravær: Ingen</p></div>", "Link": null}],
   "Bilag": []},
  {"Id": "item-a", "Punktnummer": "1", "Sorting": 1, "Navn": "Skolestruktur  i\r\nGreve", "SagsNummer": "24-000001",
   "IsOpen": false,
   "Felter": [{"Navn": "", "Link": "https://dagsordener.greve.dk/Vis/Pdf/bilag/doc-a",
     "Html": "<div><div id='sagsfremstillingContainer'>\r\n<div><h3>Beslutning</h3>\r\n<span>Godkendt.<br><br>Fraværende: A</span></div>\r\n<h3>Fremstilling</h3><span class='ukendt'><div><meta charset='utf-8'><title>Dokument1</title>\r\n<h2>Resume</h2><p>Kort om sagen med &aelig;, &oslash; og &aring;.</p>\r\n<h2><span>Indstilling</span></h2>\r\n<p>Forvaltningen indstiller, at</p><ul><li>strukturen vedtages,</li><li>tidsplanen godkendes.</li></ul>\r\n<h2>Økonomiske\r\nkonsekvenser</h2><table><tr><td>År</td><td>Beløb</td></tr><tr><td>2025</td><td>1,2 mio. kr.</td></tr></table></div></span></div></div>"}],
   "Bilag": [
    {"Id": "bilag-2", "Navn": "Tidsplan", "Order": 1, "HarPdfVersion": true},
    {"Id": "bilag-1", "Navn": "Høringssvar  fra\nskolebestyrelser", "Order": 0, "HarPdfVersion": "true"},
    {"Id": "bilag-3", "Navn": null, "Order": 2, "HarPdfVersion": "false"}
   ]},
  {"Id": "item-c", "Punktnummer": "3", "Sorting": 3, "Navn": "Meddelelser", "SagsNummer": null,
   "Felter": null, "Bilag": null},
  {"Id": "item-d", "Punktnummer": null, "Number": 4, "Sorting": "4", "Navn": null, "Caption": "Budget 2026",
   "Felter": [{"Navn": "Sagsfremstilling", "Html": null, "Tekst": "Første afsnit.\r\nNy linje <b>ikke fed</b>.\r\n\r\nAndet afsnit."},
              {"Navn": null, "Html": "<h4>Indstillinger</h4><p>Administrationen indstiller, at budgettet godkendes.</p><h4>Beslutning</h4><p>Godkendt.</p><h4>Beslutning</h4><p>Protokol: A stemte imod.</p>"}],
   "Bilag": [{"Id": "bilag-4", "Navn": "Budget", "HarPdfVersion": false}]}
 ],
 "Udvalg": {"Id": "udvalg-1", "Navn": "Børne- og Skoleudvalget", "Historisk": false},
 "Moede": {"Id": "00000000-0000-0000-0000-000000000000",
  "MeetingBeginUtc": "2025-01-06T16:30:00+01:00", "MeetingEndUtc": "2025-01-06T18:00:00+01:00",
  "ReleasedDate": "2024-12-30T12:00:00", "Dato": "2025-01-06T16:30:00+01:00",
  "Sted": "Mødelokale  1", "Afsluttet": false, "Moededeltagere": [], "Navn": "Dagsorden", "Description": ""},
 "TillaegsDagsorden": false,
 "Id": "pub-1",
 "Lydfiler": null
}`

func TestParseFixture(t *testing.T) {
	p, err := Parse("moede.json", []byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Meetings) != 1 || len(p.Documents) != 0 {
		t.Fatalf("got %d meetings, %d documents; want one meeting", len(p.Meetings), len(p.Documents))
	}
	m := p.Meetings[0]
	start := time.Date(2025, 1, 6, 16, 30, 0, 0, agenda.Copenhagen)
	checks := []struct {
		what      string
		got, want any
	}{
		{"body", m.Body, agenda.Body{SourceID: "udvalg-1", Name: "Børne- og Skoleudvalget"}},
		{"kind", m.Kind, agenda.KindAgenda},
		{"title", m.Title, "Børne- og Skoleudvalget — dagsorden 6. januar 2025"},
		{"start", m.Start.Format(time.RFC3339), "2025-01-06T16:30:00+01:00"},
		{"start location", m.Start.Location(), agenda.Copenhagen},
		{"end", m.End.Format(time.RFC3339), "2025-01-06T18:00:00+01:00"},
		{"location", m.Location, "Mødelokale 1"},
		{"source", m.Source, agenda.Source{Format: "firstagenda", Site: "https://dagsordener.greve.dk", PublicationID: "pub-1",
			Path: "moede.json", Released: time.Date(2024, 12, 30, 12, 0, 0, 0, agenda.Copenhagen)}},
		{"meeting id", m.ID, agenda.MeetingID(&m)},
		{"item count", len(m.Items), 4},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	if !m.Start.Equal(start) {
		t.Errorf("start %v is not the instant %v", m.Start, start)
	}
	if t.Failed() || len(m.Items) != 4 {
		t.FailNow()
	}

	// Ordered by Sorting, not as listed.
	var order []string
	for _, it := range m.Items {
		order = append(order, it.SourceID)
		if it.ID == "" {
			t.Errorf("item %s has no id: AssignIDs was not called", it.Number)
		}
	}
	if got := strings.Join(order, ","); got != "item-a,item-b,item-c,item-d" {
		t.Errorf("item order %s, want item-a,item-b,item-c,item-d", got)
	}

	a := m.Items[0]
	if a.Number != "1" || a.Title != "Skolestruktur i Greve" || a.CaseNumber != "24-000001" || a.Closed {
		t.Errorf("item 1: %+v", a)
	}
	if a.Decision != "Godkendt.\n\nFraværende: A" {
		t.Errorf("item 1 decision %q", a.Decision)
	}
	wantSecs := []agenda.Section{
		{Heading: "Resume", Text: "Kort om sagen med æ, ø og å."},
		{Heading: "Indstilling", Text: "Forvaltningen indstiller, at\n\n- strukturen vedtages,\n- tidsplanen godkendes."},
		{Heading: "Økonomiske konsekvenser", Text: "| År | Beløb |\n|---|---|\n| 2025 | 1,2 mio. kr. |"},
	}
	if fmt.Sprint(a.Sections) != fmt.Sprint(wantSecs) {
		t.Errorf("item 1 sections:\n got %q\nwant %q", a.Sections, wantSecs)
	}
	wantRecs := []agenda.Recommendation{{Index: 0, Text: "strukturen vedtages,"}, {Index: 1, Text: "tidsplanen godkendes."}}
	if fmt.Sprint(a.Recommendations) != fmt.Sprint(wantRecs) {
		t.Errorf("item 1 recommendations %+v, want %+v", a.Recommendations, wantRecs)
	}
	wantAtt := []agenda.Attachment{
		{SourceID: "bilag-1", Title: "Høringssvar fra skolebestyrelser", MediaType: "application/pdf",
			URL: "https://dagsordener.greve.dk/vis/pdf/bilag/bilag-1?redirectDirectlyToPdf=true"},
		{SourceID: "bilag-2", Title: "Tidsplan", MediaType: "application/pdf",
			URL: "https://dagsordener.greve.dk/vis/pdf/bilag/bilag-2?redirectDirectlyToPdf=true"},
		{SourceID: "bilag-3", Title: "Bilag 3", URL: "https://dagsordener.greve.dk/vis/pdf/bilag/bilag-3"},
	}
	if len(a.Attachments) != len(wantAtt) {
		t.Fatalf("item 1 attachments %+v", a.Attachments)
	}
	for i, w := range wantAtt {
		g := a.Attachments[i]
		if g.ID == "" {
			t.Errorf("attachment %d has no id", i)
		}
		g.ID = ""
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("attachment %d:\n got %+v\nwant %+v", i, g, w)
		}
	}

	b := m.Items[1]
	if !b.Closed || b.Title != "Køb af ejendom" || len(b.Sections) != 0 || b.Decision != "Godkendt.\n\nFravær: Ingen" {
		t.Errorf("closed item (IsOpen says true, the title says Lukket): %+v", b)
	}

	c := m.Items[2]
	if c.Title != "Meddelelser" || c.CaseNumber != "" || len(c.Sections) != 0 || len(c.Attachments) != 0 || c.Sections == nil || c.Recommendations == nil || c.Attachments == nil {
		t.Errorf("item with null fields: %#v", c)
	}

	d := m.Items[3]
	if d.Number != "4" || d.Title != "Budget 2026" {
		t.Errorf("item 4 number/title from Number/Caption: %q %q", d.Number, d.Title)
	}
	wantD := []agenda.Section{
		{Heading: "Sagsfremstilling", Text: "Første afsnit.  \nNy linje &lt;b>ikke fed&lt;/b>.\n\nAndet afsnit."},
		{Heading: "Indstillinger", Text: "Administrationen indstiller, at budgettet godkendes."},
	}
	if fmt.Sprint(d.Sections) != fmt.Sprint(wantD) {
		t.Errorf("item 4 sections:\n got %q\nwant %q", d.Sections, wantD)
	}
	if d.Decision != "Godkendt.\n\nProtokol: A stemte imod." {
		t.Errorf("item 4 decision (two Beslutning sections) %q", d.Decision)
	}
	if len(d.Recommendations) != 1 || d.Recommendations[0].Text != "Administrationen indstiller, at budgettet godkendes." {
		t.Errorf("item 4 recommendations %+v", d.Recommendations)
	}
	if got := d.Attachments[0].URL; got != "https://dagsordener.greve.dk/vis/pdf/bilag/bilag-4" {
		t.Errorf("attachment without PDF version: URL %q", got)
	}
}

func TestKindAndTitle(t *testing.T) {
	tests := []struct {
		moede, top string
		kind       agenda.Kind
		title      string
	}{
		{`"Navn": "Dagsorden"`, ``, agenda.KindAgenda, "Økonomiudvalget — dagsorden 10. marts 2025"},
		{`"Navn": "Referat"`, ``, agenda.KindMinutes, "Økonomiudvalget — referat 10. marts 2025"},
		{`"Navn": "Tillægsdagsorden"`, ``, agenda.KindSupplementary, "Økonomiudvalget — tillægsdagsorden 10. marts 2025"},
		// The flags say tillægsdagsorden where the name does not: the title says what it is.
		{`"Navn": "Dagsorden", "IsSupplementaryAgenda": true`, ``, agenda.KindSupplementary, "Økonomiudvalget — tillægsdagsorden 10. marts 2025"},
		{`"Navn": "Dagsorden"`, `"TillaegsDagsorden": true,`, agenda.KindSupplementary, "Økonomiudvalget — tillægsdagsorden 10. marts 2025"},
		{`"Navn": "Ekstraordinær dagsorden"`, ``, agenda.KindExtraordinary, "Økonomiudvalget — ekstraordinær dagsorden 10. marts 2025"},
		{`"Navn": "Referat", "Description": "Ekstraordinært møde om budget"`, ``, agenda.KindExtraordinary, "Ekstraordinært møde om budget"},
		{`"Navn": null`, ``, agenda.KindAgenda, "Økonomiudvalget — dagsorden 10. marts 2025"},
		{`"Navn": "Dagsorden", "Description": "Dagsorden"`, ``, agenda.KindAgenda, "Økonomiudvalget — dagsorden 10. marts 2025"},
	}
	for _, tt := range tests {
		in := `{` + tt.top + `"Udvalg": {"Navn": "Økonomiudvalget"}, "Moede": {"Dato": "2025-03-10T08:00:00+01:00", ` + tt.moede + `}, "Dagsordenpunkter": []}`
		p, err := Parse("m.json", []byte(in))
		if err != nil {
			t.Errorf("%s: %v", tt.moede, err)
			continue
		}
		m := p.Meetings[0]
		if m.Kind != tt.kind || m.Title != tt.title {
			t.Errorf("%s %s: kind %q title %q, want %q %q", tt.top, tt.moede, m.Kind, m.Title, tt.kind, tt.title)
		}
	}
}

func TestTimes(t *testing.T) {
	tests := []struct{ moede, start, end string }{
		// The offset the site writes is the instant; it is shown in Danish time.
		{`"MeetingBeginUtc": "2025-06-02T17:00:00+02:00"`, "2025-06-02T17:00:00+02:00", ""},
		{`"MeetingBeginUtc": "2025-06-02T15:00:00Z"`, "2025-06-02T17:00:00+02:00", ""},
		// Without an offset it is Danish wall-clock time, summer or winter.
		{`"MeetingBeginUtc": "2025-06-02T17:00:00"`, "2025-06-02T17:00:00+02:00", ""},
		{`"MeetingBeginUtc": "2025-01-06T17:00:00.000"`, "2025-01-06T17:00:00+01:00", ""},
		// Dato when MeetingBeginUtc is missing or unreadable.
		{`"MeetingBeginUtc": null, "Dato": "2025-01-06T08:00:00+01:00"`, "2025-01-06T08:00:00+01:00", ""},
		{`"MeetingBeginUtc": "i morgen", "Dato": "2025-01-06"`, "2025-01-06T00:00:00+01:00", ""},
		// An end before the start is a typo, not an end.
		{`"MeetingBeginUtc": "2025-01-06T17:00:00+01:00", "MeetingEndUtc": "2025-01-06T16:00:00+01:00"`, "2025-01-06T17:00:00+01:00", ""},
		{`"MeetingBeginUtc": "2025-01-06T17:00:00+01:00", "MeetingEndUtc": "2025-01-06T19:30:00+01:00"`, "2025-01-06T17:00:00+01:00", "2025-01-06T19:30:00+01:00"},
	}
	for _, tt := range tests {
		in := `{"Udvalg": {"Navn": "Byrådet"}, "Moede": {` + tt.moede + `}, "Dagsordenpunkter": null}`
		p, err := Parse("m.json", []byte(in))
		if err != nil {
			t.Errorf("%s: %v", tt.moede, err)
			continue
		}
		m := p.Meetings[0]
		end := ""
		if !m.End.IsZero() {
			end = m.End.Format(time.RFC3339)
		}
		if got := m.Start.Format(time.RFC3339); got != tt.start || end != tt.end {
			t.Errorf("%s: start %s end %q, want %s %q", tt.moede, got, end, tt.start, tt.end)
		}
	}
}

func TestSite(t *testing.T) {
	noLinks := `{"Udvalg": {"Navn": "Byrådet"}, "Moede": {"Dato": "2025-01-06T08:00:00+01:00"},
	 "Dagsordenpunkter": [{"Id": "i", "Navn": "Lukket: x", "Felter": [{"Html": "<p>x</p>", "Link": "/relative/only"}],
	  "Bilag": [{"Id": "b 1", "Navn": "Bilag", "HarPdfVersion": "true"}]}]}`
	p, err := Parse("m.json", []byte(noLinks))
	if err != nil {
		t.Fatal(err)
	}
	a := p.Meetings[0].Items[0].Attachments[0]
	if p.Meetings[0].Source.Site != "" || a.URL != "" {
		t.Errorf("no absolute link in the JSON: site %q, url %q; want both empty", p.Meetings[0].Source.Site, a.URL)
	}
	p, err = ParseSite("m.json", []byte(noLinks), "https://dagsordener.solrod.dk/")
	if err != nil {
		t.Fatal(err)
	}
	a = p.Meetings[0].Items[0].Attachments[0]
	if p.Meetings[0].Source.Site != "https://dagsordener.solrod.dk" || a.URL != "https://dagsordener.solrod.dk/vis/pdf/bilag/b%201?redirectDirectlyToPdf=true" {
		t.Errorf("site from the caller: site %q, url %q", p.Meetings[0].Source.Site, a.URL)
	}
	if got := PDFURL("https://dagsordener.greve.dk", "dagsordenpunkt", "abc"); got != "https://dagsordener.greve.dk/vis/pdf/dagsordenpunkt/abc?redirectDirectlyToPdf=true" {
		t.Errorf("PDFURL = %q", got)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{fixture, true},
		{"\xef\xbb\xbf \r\n" + fixture, true},
		{`{"Udvalg": {}, "Dagsordenpunkter": []}`, true},
		{`[{"Dagsordenpunkter": []}]`, false},
		{`{"Udvalg": {"Moeder": []}}`, false}, // udvalgsliste, not a meeting
		{`<?xml version="1.0"?><Dagsordenpunkter/>`, false},
		{"DAGSORDEN 2023\nKKR Hovedstaden", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%.40q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// manyItems is a meeting of n items; with body, each has an Indstilling to convert.
func manyItems(n int, body bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Udvalg": {"Navn": "Byrådet"}, "Moede": {"Dato": "2025-01-06T08:00:00+01:00"}, "Dagsordenpunkter": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Id": "%d", "Punktnummer": "%d", "Sorting": %d, "Navn": "Punkt %d"`, i, i+1, i+1, i+1)
		if body {
			fmt.Fprintf(&b, `, "Felter": [{"Html": "<h3>Indstilling</h3><p>Det indstilles, at punkt %d godkendes.</p>"}]`, i+1)
		}
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func TestBadInput(t *testing.T) {
	huge := make([]byte, MaxInput+1)
	copy(huge, `{"Dagsordenpunkter": [`)
	tests := []struct {
		name string
		in   []byte
		want string // part of the one-sentence error
	}{
		{"empty", nil, "it is empty"},
		{"blank", []byte(" \r\n\t "), "it is empty"},
		{"not JSON", []byte("DAGSORDEN 2023\nKKR Hovedstaden"), "not valid meeting JSON"},
		{"binary", []byte{0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00}, "not valid UTF-8"},
		{"truncated", []byte(fixture[:len(fixture)/2]), "cut off"},
		{"invalid UTF-8 in a string", []byte(`{"Udvalg": {"Navn": "B` + "\xc3\x28" + `"}, "Dagsordenpunkter": []}`), "not valid UTF-8"},
		{"JSON array", []byte(`[` + fixture + `]`), "not a JSON object"},
		{"JSON string", []byte(`"Dagsordenpunkter"`), "not a JSON object"},
		{"trailing data", []byte(fixture + `{}`), "more data after"},
		{"items not a list", []byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": "2025-01-06"}, "Dagsordenpunkter": {"a": 1}}`), "the Dagsordenpunkter field is not a list"},
		{"item of the wrong type", []byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": "2025-01-06"}, "Dagsordenpunkter": [{"Felter": "x"}]}`), "field Dagsordenpunkter[0].Felter holds a string"},
		{"no committee", []byte(`{"Udvalg": null, "Moede": {"Dato": "2025-01-06"}, "Dagsordenpunkter": []}`), "names no committee"},
		{"no meeting", []byte(`{"Udvalg": {"Navn": "B"}, "Dagsordenpunkter": []}`), "no meeting details"},
		{"no date", []byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": null}, "Dagsordenpunkter": []}`), "no meeting date"},
		{"bad date", []byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": "mandag"}, "Dagsordenpunkter": []}`), `"mandag" is not a date`},
		{"HTML nested too deep", []byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": "2025-01-06"}, "Dagsordenpunkter": [{"Punktnummer": "7", "Navn": "Dybt", "Felter": [{"Html": "` + strings.Repeat("<div>", 600) + `"}]}]}`), "item 7 (Dybt)"},
		{"100,000 items", manyItems(100_000, true), "more than 10000 items"},
		{"over 64 MB", huge, "larger than 64 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("moede.json", tt.in)
			if err == nil {
				t.Fatalf("got %d meetings, want an error", len(p.Meetings))
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "moede.json is not a usable FirstAgenda meeting: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q: want the file named and %q", msg, tt.want)
			}
			if strings.Contains(msg, "\n") || len(msg) > 300 {
				t.Errorf("error is not one short sentence: %q", msg)
			}
		})
	}
}

func TestItemLimit(t *testing.T) {
	// At the limit a meeting still imports whole, and one item more is refused.
	p, err := Parse("m.json", manyItems(MaxItems, false))
	if err != nil {
		t.Fatal(err)
	}
	items := p.Meetings[0].Items
	if len(items) != MaxItems || items[MaxItems-1].Number != fmt.Sprint(MaxItems) {
		t.Errorf("got %d items, last %q", len(items), items[len(items)-1].Number)
	}
	if _, err := Parse("m.json", manyItems(MaxItems+1, false)); err == nil {
		t.Errorf("%d items: no error", MaxItems+1)
	}
}

// greve holds every Greve sample, parsed once for all the tests that read them.
var greve struct {
	once sync.Once
	ms   []greveMeeting
	err  error
}

// loadGreve parses the samples on all cores: 288 meetings are most of this package's test
// time, above all under the race detector.
func loadGreve(dir string) ([]greveMeeting, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	out := make([]greveMeeting, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = loadSample(files[i])
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

func loadSample(path string) (greveMeeting, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return greveMeeting{}, err
	}
	p, err := Parse(filepath.Base(path), data)
	if err != nil {
		return greveMeeting{}, err
	}
	// Counted independently of the importer, from the bytes of the file (stored
	// indented, one key per line: every item has one Punktnummer).
	return greveMeeting{
		file:      filepath.Base(path),
		m:         p.Meetings[0],
		rawItems:  bytes.Count(data, []byte(`"Punktnummer": `)),
		rawClosed: bytes.Count(data, []byte(`"Navn": "Lukket: `)),
	}, nil
}

type greveMeeting struct {
	file                string
	m                   agenda.Meeting
	rawItems, rawClosed int
}

func greveSamples(t testing.TB) []greveMeeting {
	t.Helper()
	dir := shared.Path(t, "samples", "firstagenda", "greve")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Greve samples not found: %v", err)
	}
	greve.once.Do(func() { greve.ms, greve.err = loadGreve(dir) })
	if greve.err != nil {
		t.Fatal(greve.err)
	}
	return greve.ms
}

func TestGreveSamples(t *testing.T) {
	ms := greveSamples(t)
	if len(ms) != 288 {
		t.Errorf("parsed %d Greve meetings, want all 288", len(ms))
	}
	var items, closed, recs, decisions, withIndstilling, indstillingNoRecs, extraordinary, attachments int
	ids := map[string]string{}
	for _, g := range ms {
		m := g.m
		if len(m.Items) != g.rawItems {
			t.Errorf("%s: %d items, Dagsordenpunkter has %d", g.file, len(m.Items), g.rawItems)
		}
		if prev, dup := ids[m.ID]; dup {
			t.Errorf("%s and %s have the same meeting id", prev, g.file)
		}
		ids[m.ID] = g.file
		if m.Source.Site != "https://dagsordener.greve.dk" || m.Source.Format != Format || m.Source.PublicationID == "" {
			t.Errorf("%s: source %+v", g.file, m.Source)
		}
		if m.Start.IsZero() || m.Start.Location() != agenda.Copenhagen || !strings.Contains(g.file, m.Start.Format("2006-01-02")) {
			t.Errorf("%s: start %v", g.file, m.Start)
		}
		if m.Body.Name == "" || strings.HasPrefix(m.Body.Name, ".") || m.Title == "" {
			t.Errorf("%s: body %q title %q", g.file, m.Body.Name, m.Title)
		}
		if m.Kind == agenda.KindExtraordinary {
			extraordinary++
		}
		var fileClosed int
		for _, it := range m.Items {
			items++
			if it.Closed {
				closed++
				fileClosed++
				if strings.HasPrefix(it.Title, "Lukket") || len(it.Attachments) != 0 {
					t.Errorf("%s item %s: closed item %q with %d attachments", g.file, it.Number, it.Title, len(it.Attachments))
				}
			}
			if it.Decision != "" {
				decisions++
			}
			if hasTag(it.Decision) {
				t.Errorf("%s item %s: raw HTML in the decision: %q", g.file, it.Number, it.Decision)
			}
			hasIndstilling := false
			for _, s := range it.Sections {
				if hasTag(s.Text) || hasTag(s.Heading) {
					t.Errorf("%s item %s: raw HTML in section %q: %q", g.file, it.Number, s.Heading, s.Text)
				}
				if strings.TrimSpace(s.Text) == "" {
					t.Errorf("%s item %s: blank section %q", g.file, it.Number, s.Heading)
				}
				if isDecision(s.Heading) {
					t.Errorf("%s item %s: Beslutning left as a section", g.file, it.Number)
				}
				if strings.Contains(strings.ToLower(s.Heading), "indstill") {
					hasIndstilling = true
				}
			}
			for _, r := range it.Recommendations {
				if hasTag(r.Text) {
					t.Errorf("%s item %s: raw HTML in recommendation %q", g.file, it.Number, r.Text)
				}
			}
			recs += len(it.Recommendations)
			if hasIndstilling {
				withIndstilling++
				if len(it.Recommendations) == 0 {
					indstillingNoRecs++
					t.Logf("%s item %s has an Indstilling but no recommendation", g.file, it.Number)
				}
			}
			for _, a := range it.Attachments {
				attachments++
				if !strings.HasPrefix(a.URL, "https://dagsordener.greve.dk/vis/pdf/bilag/"+a.SourceID+"?redirectDirectlyToPdf=true") || a.ID == "" {
					t.Errorf("%s item %s: attachment %+v", g.file, it.Number, a)
				}
			}
		}
		if fileClosed != g.rawClosed {
			t.Errorf("%s: %d items closed, %d titles say Lukket", g.file, fileClosed, g.rawClosed)
		}
	}
	if closed != 302 {
		t.Errorf("%d items flagged closed, want 302", closed)
	}
	if extraordinary != 20 {
		t.Errorf("%d extraordinary meetings, want the 20 named Ekstraordinær dagsorden", extraordinary)
	}
	t.Logf("%d meetings, %d items (%d closed), %d decisions, %d attachments; %d items with an Indstilling section, %d recommendations, %d Indstilling sections without a recommendation",
		len(ms), items, closed, decisions, attachments, withIndstilling, recs, indstillingNoRecs)
	if indstillingNoRecs != 0 {
		t.Errorf("%d items have an Indstilling section but no recommendation", indstillingNoRecs)
	}
}

// TestGreveExamples pins what a member sees in a few real meetings.
func TestGreveExamples(t *testing.T) {
	ms := greveSamples(t)
	byFile := map[string]agenda.Meeting{}
	for _, g := range ms {
		byFile[g.file] = g.m
	}
	m, ok := byFile["2022-01-10_oekonomiudvalget_e049b9bf.json"]
	if !ok {
		t.Fatal("2022-01-10_oekonomiudvalget_e049b9bf.json is missing")
	}
	if m.Title != "Økonomiudvalget — dagsorden 10. januar 2022" || m.Start.Format(time.RFC3339) != "2022-01-10T07:45:00+01:00" || m.Location != "Biblioteket" || len(m.Items) != 4 {
		t.Errorf("Økonomiudvalget 10 January 2022: %q %v %q %d items", m.Title, m.Start, m.Location, len(m.Items))
	}
	it := m.Items[1]
	if it.Number != "2" || it.CaseNumber != "21-013713" || it.SourceID != "aa7c9828-2317-4dad-ab0d-fa0facad6ae4" {
		t.Errorf("item 2: %q %q %q", it.Number, it.CaseNumber, it.SourceID)
	}
	if len(it.Recommendations) != 1 || !strings.Contains(it.Recommendations[0].Text, "indstiller, at eventuelle orienteringer tages til efterretning.") {
		t.Errorf("item 2 recommendations %+v", it.Recommendations)
	}
	if it.Decision != "Orienteringen blev taget til efterretning.\n\nFraværende: Mehmet Zeki Dogru" {
		t.Errorf("item 2 decision %q", it.Decision)
	}
	// The editor deleted a heading's words after the Indstilling; the text after it is
	// not part of the Indstilling.
	var headings []string
	for _, s := range it.Sections {
		headings = append(headings, s.Heading)
	}
	if got := strings.Join(headings, "|"); got != "Sagsprocedure|Resume|Indstilling|" {
		t.Errorf("item 2 headings %q", got)
	}
	closed := m.Items[2]
	if !closed.Closed || closed.Title != "Orientering om politiets afgørelse om anmeldelse af tidligere kommunaldirektør" ||
		!strings.HasPrefix(closed.Decision, "Økonomiudvalget anbefaler overfor byrådet at administrationens indstilling godkendes.\n\nJohn T. Olsen (A)") {
		t.Errorf("closed item 3: %q %q", closed.Title, closed.Decision)
	}

	ex := byFile["2022-11-07_kultur-og-fritidsudvalget_6d3bdc24.json"]
	if ex.Kind != agenda.KindExtraordinary || ex.Title != "Kultur- og Fritidsudvalget — ekstraordinær dagsorden 7. november 2022" {
		t.Errorf("extraordinary meeting: %q %q", ex.Kind, ex.Title)
	}

	qa := byFile["2022-01-01_spoergsmaal-svar-til-byraadet-2022-2025_5034dee3.json"]
	if qa.Body.Name != "Spørgsmål / Svar til Byrådet 2022-2025" || len(qa.Items) != 1 || len(qa.Items[0].Sections) != 0 || len(qa.Items[0].Attachments) < 2 {
		t.Errorf("spørgsmål/svar: body %q, %d items", qa.Body.Name, len(qa.Items))
	}
	// Its attachments all have Order 0: they keep the site's order.
	if a := qa.Items[0].Attachments; len(a) > 1 && a[0].SourceID != "c517678b-b7c4-49ea-9c3f-ae76c4289ba1" {
		t.Errorf("first attachment %+v", a[0])
	}

	// The largest item body (190 kB of HTML, most of it Word's markup).
	big := byFile["2022-02-07_social-og-handicapudvalget_db087237.json"]
	var found bool
	for _, it := range big.Items {
		if it.Number == "5" {
			found = true
			if len(it.Sections) < 6 || len(it.Recommendations) != 1 || it.Decision == "" {
				t.Errorf("largest item: %d sections, %d recommendations, decision %q", len(it.Sections), len(it.Recommendations), it.Decision)
			}
		}
	}
	if !found {
		t.Error("largest item (2022-02-07 social-og-handicapudvalget item 5) not found")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(fixture))
	f.Add([]byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": "2025-01-06"}, "Dagsordenpunkter": [{}]}`))
	f.Add([]byte(`{"Udvalg": {"Navn": "B"}, "Moede": {"Dato": "2025-01-06"}, "Dagsordenpunkter": [{"Navn": "Lukket:", "Felter": [{"Html": "<h3>Beslutning</h3>"}]}]}`))
	f.Add([]byte(`{"Dagsordenpunkter": null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Add(manyItems(3, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("f.json", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if len(p.Meetings) != 1 {
			t.Fatalf("%d meetings", len(p.Meetings))
		}
		m := p.Meetings[0]
		if m.ID == "" || m.Body.Name == "" || m.Start.IsZero() || len(m.Items) > MaxItems {
			t.Errorf("meeting %+v", m)
		}
		for _, it := range m.Items {
			if it.ID == "" {
				t.Errorf("item without id")
			}
			for _, s := range it.Sections {
				if hasTag(s.Text) {
					t.Errorf("raw HTML in %q", s.Text)
				}
			}
			if hasTag(it.Decision) {
				t.Errorf("raw HTML in decision %q", it.Decision)
			}
		}
	})
}

// BenchmarkGreve parses all 288 Greve meetings; ms/meeting is the figure to report.
func BenchmarkGreve(b *testing.B) {
	dir := shared.Path(b, "samples", "firstagenda", "greve")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		b.Skip("no Greve samples")
	}
	var datas [][]byte
	var size int64
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		datas = append(datas, d)
		size += int64(len(d))
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, d := range datas {
			if _, err := Parse("m.json", d); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(datas)), "ms/meeting")
}

// BenchmarkLargestItem converts the largest Greve item body (190 kB of HTML).
func BenchmarkLargestItem(b *testing.B) {
	data, err := os.ReadFile(shared.Path(b, "samples", "firstagenda", "greve", "2022-02-07_social-og-handicapudvalget_db087237.json"))
	if err != nil {
		b.Skip(err)
	}
	raw, err := decodeMeeting(data)
	if err != nil {
		b.Fatal(err)
	}
	var it *itemJSON
	for i := range raw.Dagsordenpunkter {
		if raw.Dagsordenpunkter[i].Punktnummer == "5" {
			it = &raw.Dagsordenpunkter[i]
		}
	}
	if it == nil {
		b.Fatal("item 5 not found")
	}
	b.SetBytes(int64(len(it.Felter[0].HTML)))
	for b.Loop() {
		if _, err := item(it, 4, "https://dagsordener.greve.dk"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkManyItems is the bad case: a meeting at the item limit.
func BenchmarkManyItems(b *testing.B) {
	data := manyItems(100_000, true)
	for b.Loop() {
		if _, err := Parse("m.json", data); err == nil {
			b.Fatal("no error")
		}
	}
}

// An Indstilling heading left empty, with its words under the next heading or under a
// heading whose words were deleted (Greve's <h2><br></h2>), is still the Indstilling.
func TestEmptyIndstillingHeadingTakesTheNextSection(t *testing.T) {
	for _, c := range []struct {
		name, html string
		want       []string
	}{
		{"next heading", `<h3>Resume</h3><p>Om sagen.</p><h3>Indstilling</h3><h3>Direktionen foreslår</h3><ol><li>at planen vedtages,</li><li>at der afsættes 2 mio. kr.</li></ol><h3>Økonomi</h3><p>Ingen.</p>`,
			[]string{"at planen vedtages,", "at der afsættes 2 mio. kr."}},
		{"heading without words", `<h2>Indstilling</h2><h2><br></h2><p><em>Centret indstiller, at orienteringen tages til efterretning.</em></p><h2>Beslutning</h2><p>Taget til efterretning.</p>`,
			[]string{"Centret indstiller, at orienteringen tages til efterretning."}},
		{"not over a decision", `<h3>Indstilling</h3><h3>Beslutning</h3><p>Godkendt.</p>`, nil},
	} {
		it := agenda.Item{}
		secs, err := fieldSections(c.html, "")
		if err != nil {
			t.Fatal(err)
		}
		finishItem(&it, secs)
		var got []string
		for _, r := range it.Recommendations {
			got = append(got, r.Text)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: recommendations %q, want %q (sections %+v)", c.name, got, c.want, it.Sections)
		}
		for _, s := range it.Sections {
			if strings.TrimSpace(s.Text) == "" {
				t.Errorf("%s: an empty section %q is left", c.name, s.Heading)
			}
		}
	}
}
