package acadre

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh/esdhtest"
	"github.com/dagsorden/dagsorden/internal/shared"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "samples", "acadre", name))
	if err != nil {
		t.Skipf("Acadre sample not readable: %v", err)
	}
	return data
}

// itemTables counts the items the XML itself holds, independently of the parser.
var itemTables = regexp.MustCompile(`<table name="agendaitem">`)

func TestSample(t *testing.T) {
	data := readSample(t, "3687981.XML")
	if !Sniff(data) {
		t.Fatal("Sniff does not recognise 3687981.XML")
	}
	p, err := Parse("3687981.XML", data)
	if err != nil {
		t.Fatal(err)
	}
	esdhtest.CheckClean(t, p)
	m := p.Meetings[0]
	if want := len(itemTables.FindAll(data, -1)); len(m.Items) != want || want != 1 {
		t.Fatalf("items = %d, the XML holds %d agendaitem tables (1 expected)", len(m.Items), want)
	}
	if m.Body.Name != "Udvalget for plan, udvikling og kultur (PUK)" || m.Body.SourceID != "57" {
		t.Errorf("body = %+v", m.Body)
	}
	if m.Kind != agenda.KindMinutes || m.Title != "Ekstraordinært PUK 20. juni 2013" {
		t.Errorf("kind %q title %q", m.Kind, m.Title)
	}
	if want := time.Date(2013, 6, 20, 10, 30, 0, 0, agenda.Copenhagen); !m.Start.Equal(want) {
		t.Errorf("start = %v", m.Start)
	}
	if want := time.Date(2013, 6, 20, 15, 11, 0, 0, agenda.Copenhagen); !m.Source.Released.Equal(want) {
		t.Errorf("released = %v", m.Source.Released)
	}
	if m.Location != "Kaløvig Kursuscenter, Præstekravevej 46, Følle Strand, 8410 Rønde" {
		t.Errorf("location = %q", m.Location)
	}

	it := m.Items[0]
	// 715 is Syddjurs' running item number through the year, as the printed referat shows.
	if it.Number != "715" || it.Title != "Kulturkommune 2017. Politiske fokusområder" ||
		it.CaseNumber != "12/27845" || it.SourceID != "15684" || it.Closed {
		t.Errorf("item = %s %q %q %q closed=%v", it.Number, it.Title, it.CaseNumber, it.SourceID, it.Closed)
	}
	var hs []string
	for _, s := range it.Sections {
		hs = append(hs, s.Heading)
	}
	// Empty bullets (Lovgrundlag, Bilag) are left out; the earlier meetings' decisions stay
	// as sections in their place; today's decision is the item's decision.
	want := []string{
		"Resumé", "Sagsfremstilling", "Økonomi og organisatoriske konsekvenser", "Indstilling",
		"Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 10-04-2013",
		"Supplerende Sagsfremstilling",
		"Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 24-04-2013",
	}
	if strings.Join(hs, "|") != strings.Join(want, "|") {
		t.Errorf("headings =\n%q\nwant\n%q", hs, want)
	}
	if !strings.HasPrefix(it.Decision, "Punktet blev drøftet.") {
		t.Errorf("decision = %q", it.Decision)
	}
	if !strings.Contains(it.Sections[1].Text, "- Hvad vil du gerne have opnået i 2017?") {
		t.Errorf("the list in Sagsfremstilling is not a Markdown list: %q", it.Sections[1].Text)
	}
	if len(it.Recommendations) != 1 || !strings.Contains(it.Recommendations[0].Text, "påbegynder arbejdet med formulering af mål") {
		t.Errorf("recommendations = %+v", it.Recommendations)
	}
	if len(it.Attachments) != 3 {
		t.Fatalf("attachments = %d, want 3", len(it.Attachments))
	}
	a := it.Attachments[0]
	if a.Title != "Opsamlingsnotat. Temamøde 20.09.2012" || a.FileName != "3525829E1.DOCX" || a.SourceID != "27901" || a.Content != nil {
		t.Errorf("attachment = %+v", a)
	}
}

func TestIndex(t *testing.T) {
	data := readSample(t, "XML_1863.xml")
	if !Sniff(data) {
		t.Error("Sniff does not recognise the index")
	}
	_, err := Parse("XML_1863.xml", data)
	esdhtest.CheckError(t, err, "XML_1863.xml")
	if !errors.Is(err, ErrIndexOnly) {
		t.Errorf("error %v is not ErrIndexOnly", err)
	}
	// It names the agenda file to import instead: the published referat.
	if !strings.Contains(err.Error(), "3687981.xml") || !strings.Contains(err.Error(), "index") {
		t.Errorf("error %q does not point to the agenda file", err)
	}

	ix, err := ParseIndex("XML_1863.xml", data)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Committee != "Udvalget for plan, udvikling og kultur (PUK)" || ix.Meeting != "Ekstraordinært PUK" ||
		ix.Agenda != "Referat" || ix.AgendaID != "1863" || ix.Start.Hour() != 10 {
		t.Errorf("index = %+v", ix)
	}
	if len(ix.Produced) != 2 || ix.Produced[0].XMLFile != "3686423.xml" || ix.Produced[0].Published {
		t.Errorf("produced = %+v", ix.Produced)
	}
	cur, ok := ix.Current()
	if !ok || cur.XMLFile != "3687981.xml" || !cur.Published || cur.FilesFolder != "Files_1863_3687982" ||
		!cur.PublishDate.Equal(time.Date(2013, 6, 20, 15, 13, 0, 0, agenda.Copenhagen)) {
		t.Errorf("current = %+v", cur)
	}

	// The index is what its name says; an agenda is not an index.
	if _, err := ParseIndex("3687981.XML", readSample(t, "3687981.XML")); err == nil {
		t.Error("ParseIndex accepted an agenda")
	}
}

// fixture is a small agenda written here: two open items out of order, a closed and a
// personal item, an undated decision, a closed enclosure, and windows-1252 text when
// encoded so.
const fixture = `<?xml version="1.0" encoding="utf-8"?>
<root><table name="agenda"><fields><field name="sysid">9</field><field name="name">Dagsorden</field><field name="producedate">2024-03-01 08:00</field></fields>
<table name="committee"><fields><field name="sysid">3</field><field name="name">Økonomiudvalget</field></fields></table>
<table name="meeting"><fields><field name="sysid">4</field><field name="name">Økonomiudvalget</field><field name="date">2024-03-05 15:00</field><field name="finish">2024-03-05 17:00</field><field name="location">Byrådssalen</field><field name="address"></field></fields>
<table name="upcomingmeetings"><table name="upcomingmeeting"><fields><field name="name">Senere</field><field name="date">01-04-2024 15:00:00</field></fields></table></table></table>
<table name="agendaitemparents"><fields><field name="sort">12</field></fields>
 <table name="agendaitem"><fields><field name="sysid">102</field><field name="name">Anden sag</field><field name="caseno">24/2</field><field name="accessname">Åben</field></fields>
  <table name="bullet"><fields><field name="bulletname">Indstilling</field><field name="bulletcontent">&lt;p&gt;Direktionen indstiller, at&lt;/p&gt;&lt;ol&gt;&lt;li&gt;rammen godkendes&lt;/li&gt;&lt;li&gt;sagen sendes videre&lt;/li&gt;&lt;/ol&gt;</field><field name="bulletsortorder">2</field></fields></table>
  <table name="bullet"><fields><field name="bulletname">Sagsfremstilling</field><field name="bulletcontent">&lt;p&gt;Først &lt;b&gt;dette&lt;/b&gt;.&lt;/p&gt;</field><field name="bulletsortorder">1</field></fields></table>
  <table name="bullet"><fields><field name="bulletname">Beslutning</field><field name="bulletcontent">&lt;p&gt;Godkendt.&lt;/p&gt;</field><field name="bullettype">8</field><field name="bulletsortorder">3</field></fields></table>
  <table name="enclosure"><fields><field name="sysid">55</field><field name="name">Åbent bilag</field><field name="filename">C:\tmp\55E1.PDF</field><field name="accessname">Åben</field></fields></table>
  <table name="enclosure"><fields><field name="sysid">56</field><field name="name">Lukket bilag</field><field name="filename">56E2.PDF</field><field name="accessname">Lukket</field></fields></table>
 </table></table>
<table name="agendaitemparents"><fields><field name="sort">11</field></fields>
 <table name="agendaitem"><fields><field name="sysid">101</field><field name="name">Første sag</field><field name="accessname">Åben</field></fields></table></table>
<table name="agendaitemparents"><fields><field name="sort">13</field></fields>
 <table name="agendaitem"><fields><field name="sysid">103</field><field name="name">Lukket: Ejendomskøb</field><field name="accessname">Lukket</field></fields>
  <table name="bullet"><fields><field name="bulletname">Sagsfremstilling</field><field name="bulletcontent">Fortroligt</field></fields></table></table></table>
<table name="agendaitemparents"><fields><field name="sort">14</field></fields>
 <table name="agendaitem"><fields><field name="sysid">104</field><field name="name">Personsag</field><field name="accessname">Person</field></fields>
  <table name="bullet"><fields><field name="bulletname">Sagsfremstilling</field><field name="bulletcontent">Personlige oplysninger</field></fields></table></table></table>
</table></root>`

func TestFixture(t *testing.T) {
	for _, enc := range []string{"utf-8", "windows-1252", "iso-8859-1"} {
		t.Run(enc, func(t *testing.T) {
			x := strings.Replace(fixture, `encoding="utf-8"`, `encoding="`+enc+`"`, 1)
			data := []byte(x)
			if enc != "utf-8" {
				data = esdhtest.Windows1252(t, x)
			}
			if !Sniff(data) {
				t.Error("Sniff does not recognise the fixture")
			}
			p, err := Parse("fixture.xml", data)
			if err != nil {
				t.Fatal(err)
			}
			esdhtest.CheckClean(t, p)
			m := p.Meetings[0]
			if m.Body.Name != "Økonomiudvalget" || m.Kind != agenda.KindAgenda || m.Location != "Byrådssalen" {
				t.Errorf("meeting = %q %q %q", m.Body.Name, m.Kind, m.Location)
			}
			var nums []string
			for _, it := range m.Items {
				nums = append(nums, it.Number)
			}
			if strings.Join(nums, ",") != "11,12,13,14" {
				t.Fatalf("item numbers = %v, want sorted 11,12,13,14", nums)
			}
			it := m.Items[1]
			if len(it.Sections) != 2 || it.Sections[0].Heading != "Sagsfremstilling" || it.Sections[0].Text != "Først **dette**." {
				t.Errorf("sections = %+v", it.Sections)
			}
			if it.Decision != "Godkendt." {
				t.Errorf("undated decision = %q", it.Decision)
			}
			if len(it.Recommendations) != 2 || it.Recommendations[1].Text != "sagen sendes videre" {
				t.Errorf("recommendations = %+v", it.Recommendations)
			}
			if len(it.Attachments) != 1 || it.Attachments[0].Title != "Åbent bilag" || it.Attachments[0].FileName != "55E1.PDF" ||
				it.Attachments[0].MediaType != "application/pdf" {
				t.Errorf("attachments = %+v (the closed one must be left out)", it.Attachments)
			}
			for _, closed := range m.Items[2:] {
				if !closed.Closed || len(closed.Sections) != 0 || closed.Title == "" {
					t.Errorf("item %s (%q) closed=%v sections=%d", closed.Number, closed.Title, closed.Closed, len(closed.Sections))
				}
			}
		})
	}
}

func TestBadInputs(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		kind error
		says string
	}{
		{"empty.xml", nil, esdh.ErrNotXML, "empty"},
		{"blank.xml", []byte("  \n "), esdh.ErrNotXML, "empty"},
		{"notxml.xml", []byte("Dagsorden for mødet"), esdh.ErrNotXML, "not XML"},
		{"truncated.xml", esdhtest.Truncate([]byte(fixture)), esdh.ErrMalformed, "truncated"},
		{"bomb.xml", esdhtest.Bomb("root"), esdh.ErrEntities, "entit"},
		{"xxe.xml", esdhtest.UndeclaredEntity("root"), esdh.ErrEntities, "entity"},
		{"wrongroot.xml", []byte(`<Publication><Agendas/></Publication>`), esdh.ErrWrongFormat, "<Publication>"},
		{"noagenda.xml", []byte(`<root><table name="meeting"/></root>`), esdh.ErrWrongFormat, "no agenda"},
		{"nomeeting.xml", []byte(`<root><table name="agenda"><fields/></table></root>`), esdh.ErrWrongFormat, "no meeting"},
		{"badtime.xml", []byte(`<root><table name="agenda"><table name="meeting"><fields><field name="date">i morgen</field></fields></table></table></root>`), esdh.ErrWrongFormat, "meeting time"},
		{"noitem.xml", []byte(`<root><table name="agenda"><table name="meeting"><fields><field name="date">2024-03-05 15:00</field></fields></table><table name="agendaitemparents"><fields><field name="sort">1</field></fields></table></table></root>`), esdh.ErrWrongFormat, "no agendaitem"},
		{"emptyindex.xml", []byte(`<root><org>Acadre</org><table name="producedAgenda"></table></root>`), ErrIndexOnly, "names no agenda file"},
		{"deep.xml", []byte("<root>" + strings.Repeat(`<table name="x">`, 20000) + strings.Repeat(`</table>`, 20000) + "</root>"), esdh.ErrMalformed, "nest"},
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
	f.Add([]byte(`<root><org>Acadre</org><table name="producedAgenda"><fields><field xmlfilename="1.xml"></field><field publish="1"></field></fields></table></root>`))
	f.Add(esdhtest.Bomb("root"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.xml", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		for _, m := range p.Meetings {
			if m.ID == "" {
				t.Error("meeting without id")
			}
			for _, it := range m.Items {
				if it.Closed && (len(it.Sections) > 0 || it.Decision != "" || len(it.Attachments) > 0) {
					t.Error("closed item kept its body")
				}
			}
		}
		_, _ = ParseIndex("fuzz.xml", data)
	})
}

func BenchmarkParseSample(b *testing.B) {
	data := readSample(b, "3687981.XML")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("3687981.XML", data); err != nil {
			b.Fatal(err)
		}
	}
}
