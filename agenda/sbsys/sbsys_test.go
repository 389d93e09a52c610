package sbsys

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh"
	"github.com/dagsorden/dagsorden/agenda/internal/esdh/esdhtest"
	"github.com/dagsorden/dagsorden/internal/shared"
)

func readSample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	if err != nil {
		t.Skipf("SBSYS sample not readable: %v", err)
	}
	return data
}

func TestSample(t *testing.T) {
	data := readSample(t)
	if !Sniff(data) {
		t.Fatal("Sniff does not recognise Publication32.zip")
	}
	p, err := Parse("Publication32.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	esdhtest.CheckClean(t, p)
	if len(p.Meetings) != 1 {
		t.Fatalf("meetings = %d, want 1", len(p.Meetings))
	}
	m := p.Meetings[0]
	if m.Body.Name != "KMB IT-udvalget" || m.Kind != agenda.KindAgenda {
		t.Errorf("body %q kind %q", m.Body.Name, m.Kind)
	}
	if want := time.Date(2013, 5, 15, 16, 30, 0, 0, agenda.Copenhagen); !m.Start.Equal(want) {
		t.Errorf("start = %v, want %v", m.Start, want)
	}
	if want := time.Date(2013, 5, 15, 18, 0, 0, 0, agenda.Copenhagen); !m.End.Equal(want) {
		t.Errorf("end = %v, want %v", m.End, want)
	}
	if m.Location != "Mødecenter A, Lokale 3 på Ballerup Rådhus" {
		t.Errorf("location = %q", m.Location)
	}
	if want := time.Date(2013, 5, 7, 11, 16, 47, 0, agenda.Copenhagen); !m.Source.Released.Equal(want) {
		t.Errorf("released = %v, want %v", m.Source.Released, want)
	}
	if m.Source.Format != "sbsys" || m.Source.PublicationID != "Publication32" || m.Source.Path != "Publication32.zip" {
		t.Errorf("source = %+v", m.Source)
	}

	// The sample's XML holds five Item elements.
	if len(m.Items) != 5 {
		t.Fatalf("items = %d, want 5", len(m.Items))
	}
	wantTitles := []string{
		"Meddelelser",
		"Oplæg til standard it-arbejdsplads for Kommunalbestyrelsens medlemmer i 2014-2018",
		"Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)",
		"Regler for indkøb af it-udstyr",
		"Status på eDagsorden",
	}
	for i, it := range m.Items {
		if it.Number != string(rune('1'+i)) || it.Title != wantTitles[i] {
			t.Errorf("item %d = %s %q, want %d %q", i, it.Number, it.Title, i+1, wantTitles[i])
		}
		if it.Closed {
			t.Errorf("item %s is closed; every item of the sample is public", it.Number)
		}
		if it.Decision != "" {
			t.Errorf("item %s has a decision %q; the sample's Beslutning fields are empty", it.Number, it.Decision)
		}
	}

	// Captions become the section headings, in the publication's order; empty fields
	// ("Tidligere behandling" of item 3) and the empty decision field are left out.
	it2 := m.Items[1]
	wantHeadings := []string{"Tidligere behandling", "Sammendrag", "Baggrund", "Sagsfremstilling",
		"Økonomiske konsekvenser og finansiering", "Beslutningen træffes af", "Indstilling"}
	if got := headings(it2); strings.Join(got, "|") != strings.Join(wantHeadings, "|") {
		t.Errorf("item 2 headings = %q, want %q", got, wantHeadings)
	}
	if got := headings(m.Items[2]); got[0] != "Sammendrag" || contains(got, "Beslutning") {
		t.Errorf("item 3 headings = %q", got)
	}
	if len(m.Items[0].Sections) != 0 {
		t.Errorf("item 1 has no content in the sample, got sections %q", headings(m.Items[0]))
	}
	if !strings.Contains(section(it2, "Baggrund"), "bærbar pc") {
		t.Errorf("HTML entities were not decoded: %q", section(it2, "Baggrund"))
	}

	// The Indstilling's two lettered points are two recommendations.
	if len(it2.Recommendations) != 2 ||
		!strings.HasPrefix(it2.Recommendations[0].Text, "Gennemførelse af pilottest") ||
		!strings.HasPrefix(it2.Recommendations[1].Text, "Pilottesten gennemføres fra september") {
		t.Errorf("item 2 recommendations = %+v", it2.Recommendations)
	}
	for _, it := range m.Items[2:] {
		if len(it.Recommendations) != 1 {
			t.Errorf("item %s recommendations = %+v, want 1", it.Number, it.Recommendations)
		}
	}

	// The one enclosure (listed under the agenda with ItemID=113) is stored on item 3.
	for i, it := range m.Items {
		if want := map[bool]int{true: 1, false: 0}[i == 2]; len(it.Attachments) != want {
			t.Errorf("item %s attachments = %d, want %d", it.Number, len(it.Attachments), want)
		}
	}
	a := m.Items[2].Attachments[0]
	pdf := zipEntry(t, data, "Publication32/Enclosures/1.pdf")
	sum := sha256.Sum256(pdf)
	if a.Title != "Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud" ||
		a.FileName != "Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud.pdf" ||
		a.MediaType != "application/pdf" || a.SourceID != "7" {
		t.Errorf("attachment = %+v", a)
	}
	if a.Size != 94198 || a.SHA256 != hex.EncodeToString(sum[:]) || !bytes.Equal(a.Content, pdf) {
		t.Errorf("attachment content: size %d sha %s, want %d %x", a.Size, a.SHA256, len(pdf), sum)
	}
}

// TestSampleStable: importing twice gives the same ids, so re-imports keep notes.
func TestSampleStable(t *testing.T) {
	data := readSample(t)
	p1, err1 := Parse("Publication32.zip", data)
	p2, err2 := Parse("other-name.zip", data)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	m1, m2 := p1.Meetings[0], p2.Meetings[0]
	if m1.ID != m2.ID {
		t.Errorf("meeting id depends on the file name: %s vs %s", m1.ID, m2.ID)
	}
	for i := range m1.Items {
		if m1.Items[i].ID != m2.Items[i].ID {
			t.Errorf("item %d id differs", i)
		}
	}
}

// TestSampleXMLOnly: the bare XML imports the same items, the enclosure listed without
// content.
func TestSampleXMLOnly(t *testing.T) {
	x := zipEntry(t, readSample(t), "Publication32/Publication32.xml")
	if !Sniff(x) {
		t.Error("Sniff does not recognise the bare Publication32.xml")
	}
	p, err := Parse("Publication32.xml", x)
	if err != nil {
		t.Fatal(err)
	}
	m := p.Meetings[0]
	if len(m.Items) != 5 {
		t.Fatalf("items = %d, want 5", len(m.Items))
	}
	a := m.Items[2].Attachments
	if len(a) != 1 || a[0].Content != nil || a[0].Size != 0 || a[0].FileName == "" {
		t.Errorf("attachment without archive = %+v", a)
	}
}

func zipEntry(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func headings(it agenda.Item) []string {
	var out []string
	for _, s := range it.Sections {
		out = append(out, s.Heading)
	}
	return out
}

func section(it agenda.Item, heading string) string {
	for _, s := range it.Sections {
		if s.Heading == heading {
			return s.Text
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fixtureXML is a small publication written here: a closed item, a decision, a plain
// text field, enclosures under the item and under the agenda, a protected one, and one
// the archive does not ship.
const fixtureXML = `<?xml version="1.0" encoding="utf-8"?>
<Publication>
  <Published><![CDATA[01-03-2024 09:15:00]]></Published>
  <PublicationTypeAsEnum>Minutes</PublicationTypeAsEnum>
  <OutputFileNameWithoutExtension>Publication7</OutputFileNameWithoutExtension>
  <RelativeEnclosureOutputPath>Enclosures</RelativeEnclosureOutputPath>
  <Agendas>
    <Agenda ID="7">
      <Name>Teknik- og Miljøudvalget</Name>
      <Meeting ID="3">
        <CreatedBy ID="1"><Name>Not the meeting name</Name></CreatedBy>
        <When>05-03-2024 16:00:00</When>
        <Where>Rådhuset, lokale 2</Where>
        <Until>05-03-2024 18:30:00</Until>
      </Meeting>
      <Committee ID="44"><CommitteeGroup ID="1"><Name>Stående udvalg</Name></CommitteeGroup><Name>Teknik- og Miljøudvalget</Name></Committee>
      <Items>
        <Item ID="501">
          <Caption>Cykelsti langs Strandvejen</Caption>
          <Case ID="9"><Number>24/1234</Number></Case>
          <IsPublic>True</IsPublic>
          <Number>1</Number>
          <Fields>
            <ItemField ID="1"><Caption>Sagsfremstilling</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum><IsFeedback>False</IsFeedback><HasContent>True</HasContent>
              <Content><![CDATA[<p>Stien koster <strong>2,1 mio. kr.</strong> &aelig;ndret</p>]]></Content></ItemField>
            <ItemField ID="2"><Caption>Bemærkninger</Caption><FieldTypeAsEnum>Multiline</FieldTypeAsEnum><IsFeedback>False</IsFeedback><HasContent>True</HasContent>
              <Content>Linje et &lt;b&gt;ikke fed&lt;/b&gt;
Linje to</Content></ItemField>
            <ItemField ID="3"><Caption>Indstilling</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum><IsFeedback>False</IsFeedback><HasContent>True</HasContent>
              <Content><![CDATA[<p>Forvaltningen indstiller, at</p><ul><li>stien anl&aelig;gges</li><li>udgiften finansieres af puljen</li></ul>]]></Content></ItemField>
            <ItemField ID="4"><Caption>Beslutning</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum><IsFeedback>True</IsFeedback><HasContent>True</HasContent>
              <Content><![CDATA[<p>Godkendt.</p>]]></Content></ItemField>
          </Fields>
          <Enclosures>
            <Enclosure ID="71"><Name>Kort over stien</Name><FileName>C:\sager\kort.pdf</FileName><InstantiationFileName>71.pdf</InstantiationFileName><InstantiationFilePathRelative>Enclosures\71.PDF</InstantiationFilePathRelative><IsProtected>False</IsProtected></Enclosure>
            <Enclosure ID="72"><Name>Klage fra borger</Name><FileName>klage.pdf</FileName><InstantiationFilePathRelative>Enclosures\72.pdf</InstantiationFilePathRelative><IsProtected>True</IsProtected></Enclosure>
            <Enclosure ID="73"><Name>Ikke med i pakken</Name><FileName>mangler.docx</FileName><InstantiationFilePathRelative>Enclosures\73.docx</InstantiationFilePathRelative><IsProtected>False</IsProtected></Enclosure>
            <Enclosure ID="74"><Name>Forsøg på at kravle ud</Name><FileName>../../passwd</FileName><InstantiationFilePathRelative>..\..\passwd</InstantiationFilePathRelative><IsProtected>False</IsProtected></Enclosure>
          </Enclosures>
        </Item>
        <Item ID="503">
          <Caption>Orientering uden adgangsflag</Caption>
          <Number>3</Number>
          <Fields><ItemField ID="9"><Caption>Orientering</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum><IsFeedback>False</IsFeedback><Content><![CDATA[<p>Til efterretning.</p>]]></Content></ItemField></Fields>
        </Item>
        <Item ID="502">
          <Caption>Personalesag</Caption>
          <Case ID="10"><Number>24/999</Number></Case>
          <IsPublic>False</IsPublic>
          <Number>2</Number>
          <Fields>
            <ItemField ID="5"><Caption>Sagsfremstilling</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum><IsFeedback>False</IsFeedback><HasContent>True</HasContent>
              <Content><![CDATA[<p>Fortroligt indhold</p>]]></Content></ItemField>
            <ItemField ID="6"><Caption>Beslutning</Caption><FieldTypeAsEnum>Html</FieldTypeAsEnum><IsFeedback>True</IsFeedback><HasContent>True</HasContent>
              <Content><![CDATA[<p>Fortrolig beslutning</p>]]></Content></ItemField>
          </Fields>
        </Item>
      </Items>
      <Enclosures>
        <Enclosure ID="80" ItemID="501"><Name>Budget</Name><FileName>budget.xlsx</FileName><InstantiationFileName>80.xlsx</InstantiationFileName><IsProtected>False</IsProtected></Enclosure>
        <Enclosure ID="81" ItemID="502"><Name>Fortroligt bilag</Name><FileName>x.pdf</FileName><InstantiationFilePathRelative>Enclosures\81.pdf</InstantiationFilePathRelative></Enclosure>
      </Enclosures>
    </Agenda>
  </Agendas>
</Publication>`

func fixture() string { return fixtureXML }

func fixtureZip(t testing.TB) []byte {
	return esdhtest.Zip(t,
		"Publication7/Publication7.xml", fixture(),
		"Publication7/Enclosures/71.pdf", "%PDF-1.4 kort",
		"Publication7/Enclosures/72.pdf", "%PDF-1.4 klage",
		"Publication7/Enclosures/80.xlsx", "PK budget",
		"Publication7/Enclosures/81.pdf", "%PDF-1.4 fortroligt",
	)
}

func TestFixture(t *testing.T) {
	data := fixtureZip(t)
	if !Sniff(data) {
		t.Fatal("Sniff does not recognise the fixture zip")
	}
	p, err := Parse("fixture.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	esdhtest.CheckClean(t, p)
	m := p.Meetings[0]
	if m.Kind != agenda.KindMinutes || m.Body.Name != "Teknik- og Miljøudvalget" || m.Body.SourceID != "44" {
		t.Errorf("meeting kind %q body %+v", m.Kind, m.Body)
	}
	if m.Location != "Rådhuset, lokale 2" || m.Start.Hour() != 16 || m.End.Minute() != 30 {
		t.Errorf("meeting place/time %q %v %v", m.Location, m.Start, m.End)
	}
	if len(m.Items) != 3 {
		t.Fatalf("items = %d", len(m.Items))
	}
	// An item whose publication leaves IsPublic out is not hidden.
	if noFlag := m.Items[1]; noFlag.Closed || section(noFlag, "Orientering") != "Til efterretning." {
		t.Errorf("item without IsPublic = %+v", noFlag)
	}
	open := m.Items[0]
	if open.CaseNumber != "24/1234" || open.SourceID != "501" {
		t.Errorf("item 1 = %+v", open)
	}
	if open.Decision != "Godkendt." {
		t.Errorf("decision = %q", open.Decision)
	}
	if got := headings(open); strings.Join(got, "|") != "Sagsfremstilling|Bemærkninger|Indstilling" {
		t.Errorf("headings = %q (the decision must not be a section)", got)
	}
	if s := section(open, "Sagsfremstilling"); s != "Stien koster **2,1 mio. kr.** ændret" {
		t.Errorf("HTML field = %q", s)
	}
	// Plain text keeps its line break, and its angle brackets stay text (CheckClean
	// above fails on any tag left in a section).
	if s := section(open, "Bemærkninger"); !strings.Contains(s, "ikke fed") || !strings.Contains(s, "\nLinje to") {
		t.Errorf("multiline field = %q", s)
	}
	if len(open.Recommendations) != 2 || open.Recommendations[0].Text != "stien anlægges" {
		t.Errorf("recommendations = %+v", open.Recommendations)
	}
	var titles []string
	for _, a := range open.Attachments {
		titles = append(titles, a.Title)
	}
	// The protected enclosure is left out; the one not shipped and the one whose path
	// climbs out are listed without content; the agenda-level one joins by ItemID.
	if strings.Join(titles, "|") != "Kort over stien|Ikke med i pakken|Forsøg på at kravle ud|Budget" {
		t.Fatalf("attachments = %q", titles)
	}
	kort, mangler, climb, budget := open.Attachments[0], open.Attachments[1], open.Attachments[2], open.Attachments[3]
	if kort.FileName != "kort.pdf" || string(kort.Content) != "%PDF-1.4 kort" || kort.MediaType != "application/pdf" || kort.Size != 13 {
		t.Errorf("kort = %+v (path case-insensitive, Windows path reduced to its base name)", kort)
	}
	if mangler.Content != nil || mangler.MediaType == "" {
		t.Errorf("mangler = %+v", mangler)
	}
	if climb.Content != nil || climb.FileName != "passwd" {
		t.Errorf("climbing enclosure = %+v", climb)
	}
	if string(budget.Content) != "PK budget" || budget.FileName != "budget.xlsx" {
		t.Errorf("budget = %+v (found by InstantiationFileName in the enclosure folder)", budget)
	}

	closed := m.Items[2]
	if !closed.Closed || closed.Title != "Personalesag" || closed.CaseNumber != "24/999" {
		t.Errorf("closed item = %+v", closed)
	}
	if len(closed.Sections) != 0 || closed.Decision != "" || len(closed.Attachments) != 0 || len(closed.Recommendations) != 0 {
		t.Errorf("closed item kept its body: %+v", closed)
	}
}

func TestWindows1252(t *testing.T) {
	x := strings.Replace(fixture(), `encoding="utf-8"`, `encoding="windows-1252"`, 1)
	p, err := Parse("Publication7.xml", esdhtest.Windows1252(t, x))
	if err != nil {
		t.Fatal(err)
	}
	m := p.Meetings[0]
	if m.Body.Name != "Teknik- og Miljøudvalget" || m.Items[0].Recommendations[0].Text != "stien anlægges" {
		t.Errorf("windows-1252 text misread: %q %+v", m.Body.Name, m.Items[0].Recommendations)
	}
}

// rawEntry adds an entry whose header claims declared bytes while its stream inflates
// to body: the header is the attacker's, the stream is what a reader gets.
func rawEntry(t testing.TB, zw *zip.Writer, name string, body []byte, declared uint64) {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(body)
	fw.Close()
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
}

func bomb(t testing.TB, declared func(n int) uint64, entries, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("Publication1/Publication1.xml")
	w.Write([]byte(strings.Replace(fixture(), `Enclosures\71.PDF`, `Enclosures\bomb0.pdf`, 1)))
	zeros := make([]byte, size)
	for i := range entries {
		rawEntry(t, zw, "Publication1/Enclosures/bomb"+string(rune('0'+i))+".pdf", zeros, declared(size))
	}
	zw.Close()
	return buf.Bytes()
}

func TestBadInputs(t *testing.T) {
	// Small limits keep the bombs small enough to build fast under -race; the code paths
	// are the ones the default limits take.
	small := Limits{MaxEntries: 20, MaxEntrySize: 64 << 10, MaxTotalSize: 192 << 10}
	many := func() []byte {
		var pairs []string
		pairs = append(pairs, "Publication1.xml", fixture())
		for i := range 30 {
			pairs = append(pairs, "f"+string(rune('a'+i%26))+string(rune('a'+i/26))+".txt", "x")
		}
		return esdhtest.Zip(t, pairs...)
	}
	encrypted := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("Publication1/Publication1.xml")
		w.Write([]byte(fixture()))
		w, _ = zw.CreateHeader(&zip.FileHeader{Name: "Publication1/Enclosures/71.pdf", Method: zip.Store, Flags: 0x1})
		w.Write([]byte("secret"))
		zw.Close()
		return buf.Bytes()
	}
	cases := []struct {
		name string
		data []byte
		lim  Limits
		kind error
		says string
	}{
		{"empty.zip", nil, DefaultLimits, esdh.ErrNotXML, "empty"},
		{"notxml.xml", []byte("Dette er ikke XML"), DefaultLimits, esdh.ErrNotXML, "not XML"},
		{"pdf.xml", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"), DefaultLimits, esdh.ErrNotXML, "not XML"},
		{"truncated.xml", esdhtest.Truncate([]byte(fixture())), DefaultLimits, esdh.ErrMalformed, "truncated"},
		{"malformed.xml", []byte(strings.Replace(fixtureXML, "</Items>", "</Itemz>", 1)), DefaultLimits, esdh.ErrMalformed, "not well-formed"},
		{"bomb.xml", esdhtest.Bomb("Publication"), DefaultLimits, esdh.ErrEntities, "entit"},
		{"xxe.xml", esdhtest.UndeclaredEntity("Publication"), DefaultLimits, esdh.ErrEntities, "entity"},
		{"wrongroot.xml", []byte(`<?xml version="1.0"?><Root><Agendas/></Root>`), DefaultLimits, esdh.ErrWrongFormat, "<Root>"},
		{"noagenda.xml", []byte(`<Publication><Agendas/></Publication>`), DefaultLimits, esdh.ErrWrongFormat, "no agenda"},
		{"notime.xml", []byte(`<Publication><Agendas><Agenda><Name>X</Name><Meeting><When>snart</When></Meeting></Agenda></Agendas></Publication>`), DefaultLimits, esdh.ErrWrongFormat, "meeting time"},
		{"badcharset.xml", []byte(`<?xml version="1.0" encoding="klingon-8"?><Publication/>`), DefaultLimits, esdh.ErrNotXML, "klingon-8"},
		{"slip.zip", esdhtest.Zip(t, "Publication1/Publication1.xml", fixture(), "../../evil.pdf", "x"), DefaultLimits, ErrUnsafeArchive, "../../evil.pdf"},
		{"slip-windows.zip", esdhtest.Zip(t, "Publication1.xml", fixture(), `..\..\evil.pdf`, "x"), DefaultLimits, ErrUnsafeArchive, "evil.pdf"},
		{"absolute.zip", esdhtest.Zip(t, "Publication1.xml", fixture(), "/etc/cron.d/x", "x"), DefaultLimits, ErrUnsafeArchive, "/etc/cron.d/x"},
		{"drive.zip", esdhtest.Zip(t, "Publication1.xml", fixture(), `C:\Windows\x.dll`, "x"), DefaultLimits, ErrUnsafeArchive, "x.dll"},
		{"dup.zip", esdhtest.Zip(t, "Publication1.xml", fixture(), "a/x.pdf", "1", "A/X.PDF", "2"), DefaultLimits, ErrUnsafeArchive, "two entries"},
		{"noxml.zip", esdhtest.Zip(t, "readme.txt", "hej", "a.xml", "<a/>", "b.xml", "<b/>"), DefaultLimits, esdh.ErrWrongFormat, "PublicationN.xml"},
		{"damaged.zip", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0x42}, 200)...), DefaultLimits, esdh.ErrMalformed, "not a readable zip"},
		{"many.zip", many(), small, ErrTooLarge, "entries"},
		{"encrypted.zip", encrypted(), DefaultLimits, esdh.ErrMalformed, "encrypted"},
		// A bomb whose header is honest about its size is refused before any unpacking...
		{"bomb-honest.zip", bomb(t, func(n int) uint64 { return uint64(n) }, 1, 1<<20), small, ErrTooLarge, "would unpack"},
		// ...one whose header claims 1 TB too (with the default limits)...
		{"bomb-huge-header.zip", bomb(t, func(int) uint64 { return 1 << 40 }, 1, 1024), DefaultLimits, ErrTooLarge, "would unpack"},
		// ...one whose header lies small is cut off on the stream...
		{"bomb-lying.zip", bomb(t, func(int) uint64 { return 100 }, 1, 1<<20), small, nil, "bomb0.pdf"},
		// ...and many entries just under the per-entry limit are stopped by the total.
		{"bomb-total.zip", bombTotal(t, 5, 64<<10-1), small, ErrTooLarge, "in total"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseWithLimits(c.name, c.data, c.lim)
			esdhtest.CheckError(t, err, c.name)
			if err == nil {
				t.Fatalf("imported %d meetings", len(p.Meetings))
			}
			if c.kind != nil && !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", err, c.kind)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
		})
	}
}

// bombTotal is a publication whose item references n enclosures of size bytes each, so
// that all of them are read.
func bombTotal(t testing.TB, n, size int) []byte {
	var encl strings.Builder
	for i := range n {
		c := string(rune('0' + i))
		encl.WriteString(`<Enclosure ID="9` + c + `" ItemID="501"><Name>B` + c + `</Name><InstantiationFilePathRelative>Enclosures\bomb` + c + `.pdf</InstantiationFilePathRelative></Enclosure>`)
	}
	x := strings.Replace(fixture(), "<Enclosures>\n        <Enclosure ID=\"80\"", "<Enclosures>"+encl.String()+"\n        <Enclosure ID=\"80\"", 1)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("Publication1/Publication1.xml")
	w.Write([]byte(x))
	zeros := make([]byte, size)
	for i := range n {
		rawEntry(t, zw, "Publication1/Enclosures/bomb"+string(rune('0'+i))+".pdf", zeros, uint64(size))
	}
	zw.Close()
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		data []byte
		want bool
	}{
		{fixtureZip(t), true},
		{[]byte(fixture()), true},
		{esdhtest.Zip(t, "other/readme.txt", "x"), false},
		{[]byte(`<root><table name="agenda"/></root>`), false},
		{[]byte("%PDF-1.4"), false},
		{nil, false},
	} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("Sniff(%.40q) = %v, want %v", c.data, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(fixtureZip(f))
	f.Add([]byte(fixture()))
	f.Add(esdhtest.Zip(f, "Publication1.xml", fixture(), "../x", "y"))
	f.Add(esdhtest.Bomb("Publication"))
	f.Add([]byte(`<Publication><Agendas><Agenda><Meeting><When>01-01-2024 10:00:00</When></Meeting><Items><Item ID="1"><IsPublic>True</IsPublic><Fields><ItemField><Content>&lt;p&gt;x</Content></ItemField></Fields></Item></Items></Agenda></Agendas></Publication>`))
	lim := Limits{MaxEntries: 50, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseWithLimits("fuzz.zip", data, lim)
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
				if it.Closed && (len(it.Sections) > 0 || it.Decision != "") {
					t.Error("closed item kept its body")
				}
			}
		}
	})
}

func BenchmarkParseSample(b *testing.B) {
	data := readSample(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("Publication32.zip", data); err != nil {
			b.Fatal(err)
		}
	}
}
