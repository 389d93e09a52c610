package edoc

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/net/html"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh/esdhtest"
	"github.com/dagsorden/dagsorden/internal/shared"
)

const (
	older = "2017-04-21_120048_41a93779"
	newer = "2017-04-21_122403_e9117c72"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "samples", "edoc-fujitsu", name))
	if err != nil {
		t.Skipf("eDoc sample not readable: %v", err)
	}
	return data
}

func parseSample(t testing.TB, base string) agenda.Meeting {
	t.Helper()
	data := readSample(t, base+".xml")
	if !Sniff(data) {
		t.Fatalf("Sniff does not recognise %s.xml", base)
	}
	p, err := Parse(base+".xml", data)
	if err != nil {
		t.Fatal(err)
	}
	esdhtest.CheckClean(t, p)
	if len(p.Meetings) != 1 {
		t.Fatalf("%s: meetings = %d", base, len(p.Meetings))
	}
	return p.Meetings[0]
}

func TestSamples(t *testing.T) {
	a, b := parseSample(t, older), parseSample(t, newer)

	// The XML of the first publication holds five AgendaElements, the second six.
	if len(a.Items) != 5 || len(b.Items) != 6 {
		t.Fatalf("items = %d and %d, want 5 and 6", len(a.Items), len(b.Items))
	}
	if got := numbers(a); got != "2,3,4,5,6" {
		t.Errorf("older numbers = %s", got)
	}
	if got := numbers(b); got != "1,2,3,4,5,6" {
		t.Errorf("newer numbers = %s (ordered by SerialNo; SortOrder repeats 5)", got)
	}

	// Both publications are the same meeting: same id, same body and start; Released
	// tells which is newer.
	if a.ID != b.ID || a.Body != b.Body || !a.Start.Equal(b.Start) {
		t.Errorf("the two publications are different meetings: %s %+v %v / %s %+v %v", a.ID, a.Body, a.Start, b.ID, b.Body, b.Start)
	}
	if want := time.Date(2017, 4, 21, 12, 0, 48, 0, agenda.Copenhagen); !a.Source.Released.Equal(want) {
		t.Errorf("older released = %v", a.Source.Released)
	}
	if !b.Source.Released.After(a.Source.Released) {
		t.Errorf("newer released %v is not after older %v", b.Source.Released, a.Source.Released)
	}
	if want := time.Date(2017, 5, 2, 10, 0, 0, 0, agenda.Copenhagen); !a.Start.Equal(want) || a.End.Hour() != 11 {
		t.Errorf("start %v end %v", a.Start, a.End)
	}
	if a.Body.Name != "Hennys testudvalg" || a.Location != "Mødelokale 1, Midtpunkt" || a.Kind != agenda.KindAgenda {
		t.Errorf("meeting %+v %q %q", a.Body, a.Location, a.Kind)
	}

	// An item keeps its id across the two publications although it was renumbered.
	ids := map[string]string{}
	for _, it := range a.Items {
		ids[it.SourceID] = it.ID
	}
	for _, it := range b.Items {
		if id, ok := ids[it.SourceID]; ok && id != it.ID {
			t.Errorf("item %q changed id between publications", it.Title)
		}
	}

	// Closed in the newer publication: "Anders' møgsag" and "Underskriftsblad".
	for _, it := range b.Items {
		if want := it.Number == "5" || it.Number == "6"; it.Closed != want {
			t.Errorf("newer item %s %q closed = %v", it.Number, it.Title, it.Closed)
		}
		if it.Closed && (len(it.Sections) > 0 || len(it.Attachments) > 0 || len(it.Recommendations) > 0) {
			t.Errorf("closed item %s kept its body", it.Number)
		}
	}
	for _, it := range a.Items {
		if it.Closed {
			t.Errorf("older item %s is closed; all are public there", it.Number)
		}
	}

	// Sections: the CasePresentations with content, titled by their captions;
	// "Forvaltningen foreslår" is the recommendation.
	it := b.Items[2]
	if it.Title != "Fejloprettet" || it.CaseNumber != "2013-003869" || it.CaseHandler != "Claus Friis Lange" {
		t.Errorf("item 3 = %q %q %q", it.Title, it.CaseNumber, it.CaseHandler)
	}
	var hs []string
	for _, s := range it.Sections {
		hs = append(hs, s.Heading)
	}
	if strings.Join(hs, "|") != "Præsentation|Forvaltningen foreslår|Sagsbeskrivelse|Økonomi|Høring" {
		t.Errorf("item 3 headings = %q", hs)
	}
	if len(it.Recommendations) != 1 || it.Recommendations[0].Text != "At punktet drøftes." {
		t.Errorf("item 3 recommendations = %+v", it.Recommendations)
	}
	if r := b.Items[3].Recommendations; len(r) != 1 || r[0].Text != "At anlægsregnskabet for de fire anlægsprojekter godkendes." {
		t.Errorf("item 4 recommendations = %+v", r)
	}
	if len(b.Items[0].Sections) != 0 {
		t.Errorf("item 1 has only empty presentations, got %+v", b.Items[0].Sections)
	}

	// Attachments: four on item 1 in the newer publication, none in the older.
	if len(a.Items[0].Attachments) != 0 || len(b.Items[0].Attachments) != 4 {
		t.Errorf("attachments = %d / %d, want 0 / 4", len(a.Items[0].Attachments), len(b.Items[0].Attachments))
	}
	at := b.Items[0].Attachments[1]
	if at.Title != "Nyhedsbrev nr. 1-2017.pdf" || at.FileName != "6104646-6648381-1.pdf" || at.MediaType != "application/pdf" ||
		at.SourceID != "f49a674c-b7a2-4e26-88d0-d773e997c2ad" {
		t.Errorf("attachment = %+v", at)
	}
}

// TestSamplesAgainstHTML cross-checks with the HTML eDoc published beside each XML: every
// item's number and title, and every section heading of open items, appear there.
func TestSamplesAgainstHTML(t *testing.T) {
	for _, base := range []string{older, newer} {
		m := parseSample(t, base)
		words := htmlTexts(t, readSample(t, base+".html"))
		for _, it := range m.Items {
			if !adjacent(words, it.Number+".", it.Title) {
				t.Errorf("%s: item %s %q is not in the HTML", base, it.Number, it.Title)
			}
			for _, s := range it.Sections {
				if !contains(words, s.Heading+":") {
					t.Errorf("%s: item %s heading %q is not in the HTML", base, it.Number, s.Heading)
				}
			}
			for _, a := range it.Attachments {
				if !contains(words, a.Title) {
					t.Errorf("%s: item %s attachment %q is not in the HTML", base, it.Number, a.Title)
				}
			}
		}
	}
}

func htmlTexts(t *testing.T, data []byte) []string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			if s := strings.Join(strings.Fields(n.Data), " "); s != "" {
				out = append(out, s)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func adjacent(words []string, a, b string) bool {
	for i := 0; i+1 < len(words); i++ {
		if words[i] == a && words[i+1] == strings.Join(strings.Fields(b), " ") {
			return true
		}
	}
	return false
}

func contains(words []string, w string) bool {
	w = strings.Join(strings.Fields(w), " ")
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func numbers(m agenda.Meeting) string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Number)
	}
	return strings.Join(out, ",")
}

func TestReleased(t *testing.T) {
	for name, want := range map[string]time.Time{
		"2017-04-21_122403_e9117c72.xml":         time.Date(2017, 4, 21, 12, 24, 3, 0, agenda.Copenhagen),
		`C:\publish\2017-12-01_000001_ab.xml`:    time.Date(2017, 12, 1, 0, 0, 1, 0, agenda.Copenhagen),
		"/tmp/2024-07-01_235959_x/dagsorden.xml": {},
		"dagsorden.xml":                          {},
		"2017-13-45_250000_bad.xml":              {},
	} {
		if got := Released(name); !got.Equal(want) {
			t.Errorf("Released(%q) = %v, want %v", name, got, want)
		}
	}
}

// fixture is a small eDoc agenda written here: a decision presentation, a non-public
// attachment, items out of SerialNo order, a closed item, ISO-8859-1 text when encoded so.
const fixture = `<?xml version="1.0" encoding="utf-8"?>
<Root xmlns:edoc="http://www.fujitsu.dk/agenda/xml/schemas/2009/03/31/">
  <edoc:OutputTypeEnumName>Minutes</edoc:OutputTypeEnumName>
  <edoc:Committee>
    <edoc:Identifier>c-1</edoc:Identifier>
    <edoc:Name>Børne- og Skoleudvalget</edoc:Name>
    <edoc:Meeting>
      <edoc:MeetingDateTime>12-03-2024 08:30</edoc:MeetingDateTime>
      <edoc:EndDateTime>12-03-2024 10:00</edoc:EndDateTime>
      <edoc:MeetingLocation>Mødelokale Ø</edoc:MeetingLocation>
      <edoc:Agenda>
        <edoc:Identifier>ag-1</edoc:Identifier>
        <edoc:Type>Referat</edoc:Type>
        <edoc:AgendaElements>
          <edoc:AgendaElement>
            <edoc:Identifier>el-2</edoc:Identifier>
            <edoc:AccessIsPublic>true</edoc:AccessIsPublic>
            <edoc:SortOrder>1</edoc:SortOrder>
            <edoc:HandlingItem>
              <edoc:SerialNo>2</edoc:SerialNo>
              <edoc:Title>Skolestruktur</edoc:Title>
              <edoc:CaseNumber>2024-000123</edoc:CaseNumber>
              <edoc:CaseWorker>Åse Ørum</edoc:CaseWorker>
              <edoc:CasePresentations>
                <edoc:CasePresentation><edoc:Title>Sagsbeskrivelse</edoc:Title><edoc:Content><![CDATA[Linje 1<br />Linje <i>2</i>]]></edoc:Content><edoc:IsDecision>false</edoc:IsDecision></edoc:CasePresentation>
                <edoc:CasePresentation><edoc:Title>Direktionens indstilling</edoc:Title><edoc:Content><![CDATA[<p>Direktionen indstiller, at</p><ul><li>modellen sendes i høring</li><li>sagen genoptages i maj</li></ul>]]></edoc:Content><edoc:IsDecision>false</edoc:IsDecision></edoc:CasePresentation>
                <edoc:CasePresentation><edoc:Title>Beslutning</edoc:Title><edoc:Content><![CDATA[<p>Godkendt som indstillet.</p>]]></edoc:Content><edoc:IsDecision>true</edoc:IsDecision></edoc:CasePresentation>
              </edoc:CasePresentations>
              <edoc:Attachments>
                <edoc:Attachment><edoc:Identifier>a-1</edoc:Identifier><edoc:Title>Høringsmateriale</edoc:Title><edoc:AccessEnumName>Public</edoc:AccessEnumName><edoc:Link>\Attachments\..\..\1-1.pdf</edoc:Link></edoc:Attachment>
                <edoc:Attachment><edoc:Identifier>a-2</edoc:Identifier><edoc:Title>Fortroligt notat</edoc:Title><edoc:AccessEnumName>Closed</edoc:AccessEnumName><edoc:Link>\Attachments\1-2.pdf</edoc:Link></edoc:Attachment>
              </edoc:Attachments>
            </edoc:HandlingItem>
          </edoc:AgendaElement>
          <edoc:AgendaElement>
            <edoc:Identifier>el-1</edoc:Identifier>
            <edoc:AccessIsPublic>true</edoc:AccessIsPublic>
            <edoc:SortOrder>2</edoc:SortOrder>
            <edoc:HandlingItem><edoc:SerialNo>1</edoc:SerialNo><edoc:Title>Godkendelse af dagsorden</edoc:Title></edoc:HandlingItem>
          </edoc:AgendaElement>
          <edoc:AgendaElement>
            <edoc:Identifier>el-3</edoc:Identifier>
            <edoc:AccessIsPublic>false</edoc:AccessIsPublic>
            <edoc:HandlingItem>
              <edoc:SerialNo>3</edoc:SerialNo><edoc:Title></edoc:Title><edoc:NeutralTitle>Personalesag</edoc:NeutralTitle>
              <edoc:CasePresentations><edoc:CasePresentation><edoc:Title>Sagsbeskrivelse</edoc:Title><edoc:Content>Fortroligt</edoc:Content><edoc:IsDecision>false</edoc:IsDecision></edoc:CasePresentation></edoc:CasePresentations>
            </edoc:HandlingItem>
          </edoc:AgendaElement>
        </edoc:AgendaElements>
      </edoc:Agenda>
    </edoc:Meeting>
  </edoc:Committee>
</Root>`

func TestFixture(t *testing.T) {
	for _, enc := range []string{"utf-8", "iso-8859-1", "utf-16"} {
		t.Run(enc, func(t *testing.T) {
			x := strings.Replace(fixture, `encoding="utf-8"`, `encoding="`+enc+`"`, 1)
			data := []byte(x)
			switch enc {
			case "iso-8859-1":
				data = esdhtest.Windows1252(t, x)
			case "utf-16":
				data = utf16LE(x)
			}
			if !Sniff(data) {
				t.Error("Sniff does not recognise the fixture")
			}
			p, err := Parse("referat.xml", data)
			if err != nil {
				t.Fatal(err)
			}
			esdhtest.CheckClean(t, p)
			m := p.Meetings[0]
			if m.Kind != agenda.KindMinutes || m.Body.Name != "Børne- og Skoleudvalget" || !m.Source.Released.IsZero() {
				t.Errorf("meeting kind %q body %q released %v", m.Kind, m.Body.Name, m.Source.Released)
			}
			if numbers(m) != "1,2,3" {
				t.Fatalf("numbers = %s", numbers(m))
			}
			it := m.Items[1]
			if it.CaseHandler != "Åse Ørum" || it.Decision != "Godkendt som indstillet." {
				t.Errorf("item 2 = %q %q", it.CaseHandler, it.Decision)
			}
			if len(it.Sections) != 2 || it.Sections[0].Text != "Linje 1  \nLinje *2*" {
				t.Errorf("sections = %+v (the decision must not be one)", it.Sections)
			}
			if len(it.Recommendations) != 2 || it.Recommendations[0].Text != "modellen sendes i høring" {
				t.Errorf("recommendations = %+v", it.Recommendations)
			}
			if len(it.Attachments) != 1 || it.Attachments[0].FileName != "1-1.pdf" || it.Attachments[0].Title != "Høringsmateriale" {
				t.Errorf("attachments = %+v", it.Attachments)
			}
			closed := m.Items[2]
			if !closed.Closed || closed.Title != "Personalesag" || len(closed.Sections) != 0 {
				t.Errorf("closed item = %+v", closed)
			}
		})
	}
}

// utf16LE writes s as UTF-16 little-endian with a BOM, as Windows tools save "Unicode".
func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestBadInputs(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		kind error
		says string
	}{
		{"empty.xml", nil, esdh.ErrNotXML, "empty"},
		{"notxml.xml", []byte("{\"Id\": 1}"), esdh.ErrNotXML, "not XML"},
		{"truncated.xml", esdhtest.Truncate([]byte(fixture)), esdh.ErrMalformed, "truncated"},
		{"bomb.xml", esdhtest.Bomb("Root"), esdh.ErrEntities, "entit"},
		{"xxe.xml", esdhtest.UndeclaredEntity("Root"), esdh.ErrEntities, "entity"},
		{"wrongroot.xml", []byte(`<root><table name="agenda"/></root>`), esdh.ErrWrongFormat, "<root>"},
		{"nocommittee.xml", []byte(`<Root/>`), esdh.ErrWrongFormat, "no committee"},
		{"noagenda.xml", []byte(`<Root><Committee><Name>X</Name><Meeting><MeetingDateTime>01-01-2024 10:00</MeetingDateTime></Meeting></Committee></Root>`), esdh.ErrWrongFormat, "no meeting with an agenda"},
		{"badtime.xml", []byte(`<Root><Committee><Meeting><MeetingDateTime>2024/01/01</MeetingDateTime><Agenda/></Meeting></Committee></Root>`), esdh.ErrWrongFormat, "meeting time"},
		{"utf16-garbage.xml", []byte{0xff, 0xfe, 0x00, 0xd8}, esdh.ErrNotXML, "not XML"},
		{"toolarge.xml", append([]byte("<Root>"), make([]byte, esdh.MaxXMLSize)...), esdh.ErrTooLarge, "MB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.name, c.data)
			esdhtest.CheckError(t, err, c.name)
			if err == nil {
				t.Fatalf("imported %d meetings", len(p.Meetings))
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", err, c.kind)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(fixture))
	f.Add(esdhtest.Bomb("Root"))
	f.Add([]byte(`<Root><Committee><Meeting><MeetingDateTime>01-01-2024 10:00</MeetingDateTime><Agenda><AgendaElements><AgendaElement><AccessIsPublic>true</AccessIsPublic><HandlingItem><CasePresentations><CasePresentation><Title>Forslag</Title><Content>&lt;ul&gt;&lt;li&gt;x</Content></CasePresentation></CasePresentations></HandlingItem></AgendaElement></AgendaElements></Agenda></Meeting></Committee></Root>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("2017-04-21_120048_x.xml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		for _, m := range p.Meetings {
			if m.ID == "" || m.Source.Released.IsZero() {
				t.Error("meeting without id or release time")
			}
			for _, it := range m.Items {
				if it.Closed && (len(it.Sections) > 0 || it.Decision != "" || len(it.Attachments) > 0) {
					t.Error("closed item kept its body")
				}
			}
		}
	})
}

func BenchmarkParseSample(b *testing.B) {
	for _, base := range []string{older, newer} {
		data := readSample(b, base+".xml")
		b.Run(base, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(base+".xml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
