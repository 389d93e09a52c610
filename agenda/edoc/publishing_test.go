package edoc

import (
	"os"
	"strings"
	"testing"
)

// The fixture is built from the structure of the eDocAgendaPublishing.xml that
// OS2dagsorden ships as its eDoc example (GitHub OS2dagsorden/os2dagsorden-2.0,
// modules/os2web/os2web_edoc_esdh/example/04-12-2012 13:00:00/). That file is GPL, so it
// is not copied here: the schema, the item order (2, 4, 5, …), the run-together item text
// and the counts are the real file's, the wording is written here. Its own table of
// contents lists 8 open items ("Åbent referat" 1.–8.) and none under "Lukket referat";
// item 1 (Meddelelser) has sub-items a.–e.; the recommendations are lettered A), B): ten
// in all (items 2, 4 and 7 have two, items 3, 5, 6 and 8 one, item 1 none).
func TestPublishingCountsAgainstTheTableOfContents(t *testing.T) {
	data, err := os.ReadFile("testdata/publishing/eDocAgendaPublishing.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !SniffPublishing(data) || Sniff(data) {
		t.Fatal("sniff")
	}
	p, err := ParsePublishing("eDocAgendaPublishing.xml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Meetings) != 1 {
		t.Fatalf("%d meetings", len(p.Meetings))
	}
	m := p.Meetings[0]
	if m.Body.Name != "Sundheds- og Forebyggelsesudvalget" || m.Start.Format("2006-01-02 15:04") != "2012-12-04 13:00" || m.Kind != "referat" {
		t.Errorf("meeting %q %v %s", m.Body.Name, m.Start, m.Kind)
	}
	if got := m.Source.Released.Format("2006-01-02 15:04:05"); got != "2012-11-29 12:00:38" {
		t.Errorf("released %s", got)
	}
	var nums []string
	recs, closed := 0, 0
	perItem := map[string]int{}
	for _, it := range m.Items {
		nums = append(nums, it.Number)
		recs += len(it.Recommendations)
		perItem[it.Number] = len(it.Recommendations)
		if it.Closed {
			closed++
		}
		if it.Decision == "" {
			t.Errorf("item %s has no decision", it.Number)
		}
		if strings.Contains(it.Decision, "Følgende deltog") {
			t.Errorf("item %s: the empty absence line is in the decision: %q", it.Number, it.Decision)
		}
	}
	if strings.Join(nums, " ") != "1 2 3 4 5 6 7 8" || closed != 0 || recs != 10 {
		t.Fatalf("items %v, closed %d, recommendations %d %v", nums, closed, recs, perItem)
	}
	two := m.Items[1]
	if two.CaseNumber != "2012-28504" || two.Title != "Bygningsvedligeholdelse 2013 - anlægsbevilling" {
		t.Errorf("item 2: %q %q", two.CaseNumber, two.Title)
	}
	if r := two.Recommendations; !strings.HasPrefix(r[0].Text, "De foreslåede arbejder") || !strings.HasPrefix(r[1].Text, "Anlægsbevilling på 1.316.000 kr.") {
		t.Errorf("item 2 recommendations %+v", r)
	}
	var heads []string
	for _, s := range two.Sections {
		heads = append(heads, s.Heading)
	}
	if got := strings.Join(heads, "|"); got != "Sammendrag|Baggrund|Sagsfremstilling|Økonomiske konsekvenser og finansiering|Bilag|Beslutningen træffes af|Indstilling" {
		t.Errorf("item 2 sections %s", got)
	}
	if two.Decision != "Indstillingen godkendt" {
		t.Errorf("item 2 decision %q", two.Decision)
	}
	if len(two.Attachments) != 2 || two.Attachments[0].FileName != "1552823.PDF" || two.Attachments[1].FileName != "1537646.PDF" {
		t.Errorf("item 2 attachments %+v", two.Attachments)
	}
	one := m.Items[0]
	heads = nil
	for _, s := range one.Sections {
		heads = append(heads, s.Heading)
	}
	if len(heads) != 5 || !strings.HasPrefix(heads[0], "a. Møder og konferencer") || !strings.HasPrefix(heads[4], "e. Udvalgets aktiviteter 2013") {
		t.Errorf("item 1 sub-items %q", heads)
	}
	if seven := m.Items[6]; !strings.Contains(seven.Decision, "med denne bemærkning") {
		t.Errorf("item 7 decision %q", seven.Decision)
	}
	if files := AgendaFiles(data); len(files) != 1 || files[0] != "1552814.PDF" {
		t.Errorf("agenda files %v", files)
	}
}

func FuzzParsePublishing(f *testing.F) {
	data, err := os.ReadFile("testdata/publishing/eDocAgendaPublishing.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`<Meeting><Committee>U</Committee><MeetingDate>01-01-2020 10:00:00</MeetingDate><MeetingAgendaTypes><MeetingAgendaType><MeetingAgendaItems><MeetingAgendaItem><AgendaItemNumber>1a</AgendaItemNumber><FullText>1.	xSagsnr.: 1-2IndstillingA)B)a.b.c.beslutning den 01.01.2020</FullText></MeetingAgendaItem></MeetingAgendaItems></MeetingAgendaType></MeetingAgendaTypes></Meeting>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePublishing("fuzz.xml", data)
		if err != nil {
			return
		}
		for _, m := range p.Meetings {
			for _, it := range m.Items {
				for i, r := range it.Recommendations {
					if r.Index != i {
						t.Fatal("recommendation index")
					}
				}
			}
		}
	})
}

func FuzzFlatText(f *testing.F) {
	f.Add("2.\tTitelSagsnr.: 2012-1Dok.nr.: 2012-2SammendragTekstIndstillingX indstiller, atA) a.B)b.Udvalgets beslutning den 04.12.2012 Punkt 2GodkendtFølgende deltog ikke i behandlingen af punktet: ", "2", "Titel")
	f.Add("a.Møderb.Konferencec.Xd.Ye. Z", "1", "")
	f.Fuzz(func(t *testing.T, text, number, title string) {
		parseFlatText(text, number, title)
	})
}
