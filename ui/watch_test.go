package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// makePDF builds a small real PDF, one page per string (ASCII text), so the store
// extracts an attachment's text page by page as it does for a downloaded one.
func makePDF(pages ...string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(s string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), s)
	}
	b.WriteString("%PDF-1.4\n")
	var kids []string
	for i := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", 4+2*i))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i, p := range pages {
		c := fmt.Sprintf("BT /F1 11 Tf 72 760 Td (%s) Tj ET", p)
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// harbourMeeting is a city council meeting a week after the fixture meeting: item 2 is
// about a local plan (lokalplan), item 3 has an attachment that mentions it on pages 2
// and 4, item 1 says nothing of it.
func harbourMeeting() agenda.Meeting {
	m := agenda.Meeting{
		Body: agenda.Body{Name: "Byrådet"}, Kind: agenda.KindAgenda, Title: "Byrådet møde",
		Start: fixtureStart.Add(7 * 24 * time.Hour), Location: "Byrådssalen", Source: agenda.Source{Format: "test"},
		Items: []agenda.Item{
			{Number: "1", Title: "Godkendelse af dagsorden"},
			{Number: "2", Title: "Lokalplan 123 for Havnen", Sections: []agenda.Section{
				{Heading: "Sagsfremstilling", Text: "Forslag til lokalplan for boliger ved havnen."}}},
			{Number: "3", Title: "Trafikplan for bymidten", Sections: []agenda.Section{
				{Heading: "Sagsfremstilling", Text: "Planen samler trafikken."}},
				Attachments: []agenda.Attachment{{SourceID: "b1", Title: "Bilag 1: Horingssvar", FileName: "svar.pdf",
					MediaType: "application/pdf", Content: makePDF("Side et.", "Svar om lokalplanen.", "Intet her.", "Lokalplanens kort.")}}},
		},
	}
	agenda.AssignIDs(&m)
	return m
}

// watchStore is the fixture store with the harbour meeting imported and "lokalplan"
// watched.
func watchStore(t testing.TB) *store.Store {
	t.Helper()
	st := fixtureStore(t)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{harbourMeeting()}}); err != nil {
		t.Fatal(err)
	}
	if err := st.WatchAdd("lokalplan"); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMeetingsScreenListsWatchedWordMentions(t *testing.T) {
	st := watchStore(t)
	hm := harbourMeeting()
	d := newDriver(t, st, Options{}, 120, 30)
	d.mustSee("Overvågede ord", "lokalplan", "10.12.2026", "2 Lokalplan 123 for Havnen",
		"3 Trafikplan for bymidten · Bilag 1: Horingssvar, s. 2, 4", "Byrådet")
	d.mustNotSee("Godkendelse af dagsorden")
	// The cursor starts on the next meeting, not on a mention: enter still opens it.
	d.keys("enter")
	if _, ok := d.m.top().(*agendaScreen); !ok || d.m.md.meeting.Title != "Teknik- og Miljøudvalget møde" {
		t.Fatalf("enter at start opened %T:\n%s", d.m.top(), d.view())
	}
	d.keys("esc")

	// The first mention: enter opens its item.
	d.keys("g", "enter")
	it, ok := d.m.top().(*itemScreen)
	if !ok || it.id != hm.Items[1].ID {
		t.Fatalf("enter on the mention opened %T:\n%s", d.m.top(), d.view())
	}
	d.mustSee("Lokalplan 123 for Havnen", "Forslag til lokalplan")

	// The attachment's mention opens its item at the attachments.
	d.keys("esc", "esc", "g", "j", "enter")
	it, ok = d.m.top().(*itemScreen)
	if !ok || it.id != hm.Items[2].ID {
		t.Fatalf("enter on the attachment's mention opened %T:\n%s", d.m.top(), d.view())
	}
	d.mustSee("Bilag 1: Horingssvar")
}

// In English, and the body filter (b) narrows the mentions with the meetings.
func TestWatchedWordsFollowTheBodyFilter(t *testing.T) {
	d := newDriver(t, watchStore(t), Options{Lang: "en"}, 100, 30)
	d.mustSee("Watched words", "2 Lokalplan 123 for Havnen", "p. 2, 4")
	d.keys("b", "down", "enter") // Byrådet: both mentions stay
	d.mustSee("Watched words", "Byrådet · Agenda", "2 Lokalplan 123 for Havnen")
	d.keys("b", "down", "enter") // Teknik- og Miljøudvalget: no mention there
	d.mustNotSee("Watched words", "Lokalplan 123")
	d.mustSee("Teknik- og Miljøudvalget")
}

// A word watched, and a meeting imported, from another terminal show up with the next
// generation check; a word no longer watched goes.
func TestWatchedWordsRefreshWithTheStore(t *testing.T) {
	st := fixtureStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.mustNotSee("Overvågede ord")
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{harbourMeeting()}}); err != nil {
		t.Fatal(err)
	}
	if err := st.WatchAdd("lokalplan"); err != nil {
		t.Fatal(err)
	}
	d.poll()
	d.mustSee("Overvågede ord", "2 Lokalplan 123 for Havnen")
	if err := st.WatchRemove("lokalplan"); err != nil {
		t.Fatal(err)
	}
	d.poll()
	d.mustNotSee("Overvågede ord", "Lokalplan 123")
}

// More mentions than the section shows: the newest are listed, then how many more.
func TestWatchedWordsShowTheNewestAndCountTheRest(t *testing.T) {
	st := fixtureStore(t)
	var ms []agenda.Meeting
	for i := range watchShown + 3 {
		m := harbourMeeting()
		m.Start = fixtureStart.Add(time.Duration(i+1) * 24 * time.Hour)
		m.Items = m.Items[1:2] // the item alone
		m.Items[0].Title = fmt.Sprintf("Lokalplan %d", 100+i)
		agenda.AssignIDs(&m)
		ms = append(ms, m)
	}
	if _, err := st.Import(agenda.Package{Meetings: ms}); err != nil {
		t.Fatal(err)
	}
	if err := st.WatchAdd("lokalplan"); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 120, 40)
	d.mustSee(fmt.Sprintf("Lokalplan %d", 100+watchShown+2), "… og 3 flere; søg efter ordet med /")
	d.mustNotSee("Lokalplan 102 ", "Lokalplan 100")
}
