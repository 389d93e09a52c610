package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// pdfBytes stands in for an attachment stored locally.
var pdfBytes = []byte("%PDF-1.4\n% bilag til punkt 1\n")

// fixtureMeeting is a small committee meeting written for these tests: an item with
// three recommendations and a locally stored attachment, a closed item, an item with a
// decision and no recommendations.
func fixtureMeeting(start time.Time, body string) agenda.Meeting {
	sum := sha256.Sum256(pdfBytes)
	m := agenda.Meeting{
		Body:       agenda.Body{Name: body},
		Kind:       agenda.KindAgenda,
		Title:      body + " møde",
		Start:      start,
		Location:   "Mødelokale 2, Rådhuset",
		Premeeting: start.Add(-time.Hour),
		Source:     agenda.Source{Format: "test"},
		Items: []agenda.Item{
			{
				Number: "1", Title: "Trafiksikker skolevej på Kirkevej", CaseNumber: "26/100", Group: "Sager til beslutning",
				Sections: []agenda.Section{
					{Heading: "Resumé", Text: "Forvaltningen foreslår **hævede flader** ved skolen og en sænket hastighed."},
					{Heading: "Indstilling", Text: "Forvaltningen indstiller, at udvalget\n\n- godkender projektet for 2,1 mio. kr.\n- beder om en evaluering efter et år\n- orienterer skolebestyrelsen\n\nSagen afgøres endeligt i Økonomiudvalget."},
				},
				Attachments: []agenda.Attachment{{
					Title: "Projektbeskrivelse", FileName: "projekt.pdf", MediaType: "application/pdf",
					Size: int64(len(pdfBytes)), SHA256: hex.EncodeToString(sum[:]), Content: pdfBytes,
					Text: "Projektbeskrivelse. Vejbump og fartdæmpning ved skolens indgang.",
				}},
			},
			{Number: "2", Title: "Køb af grund", Closed: true, Group: "Lukkede punkter"},
			{
				Number: "3", Title: "Meddelelser", Group: "Lukkede punkter",
				Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: "Formanden orienterede om vejarbejdet."}},
				Decision: "Taget til efterretning.",
			},
		},
	}
	m.Items[0].Recommendations = agenda.Recommendations("Forvaltningen indstiller, at udvalget\n\n- godkender projektet for 2,1 mio. kr.\n- beder om en evaluering efter et år\n- orienterer skolebestyrelsen")
	agenda.AssignIDs(&m)
	return m
}

func fixtureDocument() agenda.Document {
	d := agenda.Document{
		Title:    "Nyhedsbrev om klimaalliancen",
		Date:     time.Date(2026, 11, 20, 0, 0, 0, 0, agenda.Copenhagen),
		Sections: []agenda.Section{{Heading: "Indhold", Text: "Kommunerne i hovedstaden samarbejder om **klimatilpasning**."}},
	}
	d.ID = agenda.DocumentID(&d, "")
	return d
}

var fixtureStart = time.Date(2026, 12, 3, 16, 0, 0, 0, agenda.Copenhagen)

// fixtureStore is a real store holding the fixture meeting and document.
func fixtureStore(t testing.TB) *store.Store {
	t.Helper()
	st := openStore(t)
	if _, err := st.Import(agenda.Package{
		Meetings:  []agenda.Meeting{fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")},
		Documents: []agenda.Document{fixtureDocument()},
	}); err != nil {
		t.Fatal(err)
	}
	return st
}

// storedNotes returns the notes in the store that are not blank.
func storedNotes(t testing.TB, st Store) []agenda.Note {
	t.Helper()
	ns, err := st.Notes()
	if err != nil {
		t.Fatal(err)
	}
	var out []agenda.Note
	for _, n := range ns {
		if strings.TrimSpace(n.Text) != "" || n.Stance != agenda.StanceNone {
			out = append(out, n)
		}
	}
	return out
}
