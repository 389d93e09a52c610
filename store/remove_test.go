package store

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// removalStore holds three meetings of the shape real stores have: the first re-published
// (an item changed, one dropped, one closed with a sealed attachment), sharing a PDF with
// the second; notes on all three, private and shared; read marks.
type removalStore struct {
	s                       *Store
	first, second, third    string
	sharedPDF, ownPDF       string // sha256 of the PDF the first and second share, and the first's own
	closedPDF               string // of the closed item's attachment (sealed)
	firstNotes, otherNotes  []string
	droppedItem, firstItem0 string
}

func newRemovalStore(t *testing.T) *removalStore {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	shared := MakePDF("Høringssvar om støj fra vindmøller ved Tune.")
	own := MakePDF("Kortbilag over Kildebrøndeområdet.")
	closed := MakePDF("Fortroligt tilbud fra Ravnsborg Entreprise.")
	m := testMeeting(5,
		testItem("1", "Lokalplan for Kildebrønde", "Planen giver mulighed for 40 boliger.", "sender lokalplanen i høring", "beder om en trafikanalyse"),
		testItem("2", "Budgetopfølgning", "Budgettet holder."),
		testItem("3", "Vintertjeneste", "Udbud af vintertjeneste."),
		testItem("4", "Udbud af rådhusrenovering", "Tilbuddene fra tre entreprenører.", "vælger det økonomisk mest fordelagtige"),
	)
	m.Items[0].Attachments = []agenda.Attachment{{ID: "a1", Title: "Høringssvar", Content: shared}, {ID: "a2", Title: "Kort", Content: own}}
	m.Items[3].Closed = true
	m.Items[3].Attachments = []agenda.Attachment{{ID: "a3", Title: "Tilbud", Content: closed}}
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	stored, err := s.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := &removalStore{s: s, first: m.ID, droppedItem: stored.Items[2].ID, firstItem0: stored.Items[0].ID}
	for _, a := range stored.Items[0].Attachments {
		if a.ID == "a1" {
			r.sharedPDF = a.SHA256
		} else {
			r.ownPDF = a.SHA256
		}
	}
	r.closedPDF = stored.Items[3].Attachments[0].SHA256

	// Notes before the re-publication: one on the item it drops.
	note := func(itemID string, rec *int, text string, vis agenda.Visibility) string {
		n := agenda.Note{Anchor: agenda.Anchor{ItemID: itemID, Recommendation: rec}, Text: text, Visibility: vis}
		if vis == agenda.Group {
			n.Group = "A-gruppen"
		}
		if err := s.SaveNote(&n); err != nil {
			t.Fatal(err)
		}
		return n.ID
	}
	r.firstNotes = append(r.firstNotes,
		note(stored.Items[0].ID, ptrInt(1), "Spørg til trafikken ved Kildebrøndevej.", agenda.Private),
		note(stored.Items[2].ID, nil, "Hvem saltede sidste vinter?", agenda.Private),
		note(stored.Items[3].ID, nil, "Gruppen vil have genudbud.", agenda.Group),
	)
	for _, it := range stored.Items {
		if err := s.MarkRead(it.ID, agenda.ItemTextHash(&it)); err != nil {
			t.Fatal(err)
		}
	}

	// The re-publication: item 1 reworded, item 3 dropped (and the attachments get the
	// ids the importer gives them, so items 1 and 4 change).
	next := testMeeting(5,
		testItem("1", "Lokalplan for Kildebrønde", "Planen giver mulighed for 60 boliger.", "sender lokalplanen i høring", "beder om en trafikanalyse"),
		testItem("2", "Budgetopfølgning", "Budgettet holder."),
		testItem("4", "Udbud af rådhusrenovering", "Tilbuddene fra tre entreprenører.", "vælger det økonomisk mest fordelagtige"),
	)
	next.Items[0].Attachments = m.Items[0].Attachments
	next.Items[2].Closed, next.Items[2].Attachments = true, m.Items[3].Attachments
	next.Items[0].ID, next.Items[1].ID, next.Items[2].ID = stored.Items[0].ID, stored.Items[1].ID, stored.Items[3].ID
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{next}}); err != nil {
		t.Fatal(err)
	}

	second := testMeeting(12, testItem("1", "Lokalplan for Kildebrønde, endelig vedtagelse", "Vedtagelse efter høring.", "vedtager lokalplanen"))
	second.Items[0].Attachments = []agenda.Attachment{{ID: "b1", Title: "Høringssvar", Content: shared}}
	third := testMeeting(19, testItem("1", "Trafiksikkerhedsplan", "Skolevejene i Hundige."), testItem("2", "Eventuelt", ""))
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{second, third}}); err != nil {
		t.Fatal(err)
	}
	r.second, r.third = second.ID, third.ID
	s2, _ := s.Meeting(second.ID)
	s3, _ := s.Meeting(third.ID)
	r.otherNotes = append(r.otherNotes,
		note(s2.Items[0].ID, ptrInt(0), "Stem for, hvis trafikanalysen er med.", agenda.Private),
		note(s3.Items[0].ID, nil, "Skolevejene ved Kildebrønde Skole mangler.", agenda.Group),
	)
	return r
}

// checkBolt runs bbolt's own consistency check of the file.
func checkBolt(t *testing.T, s *Store) {
	t.Helper()
	err := s.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
}

func TestRemoveMeeting(t *testing.T) {
	r := newRemovalStore(t)
	s := r.s
	checkIndex(t, s)
	before2, _ := s.Meeting(r.second)
	before3, _ := s.Meeting(r.third)
	notesBefore := map[string]agenda.Note{}
	for _, id := range r.otherNotes {
		n, err := s.Note(id)
		if err != nil {
			t.Fatal(err)
		}
		notesBefore[id] = *n
	}
	if hits, err := s.Search("Kildebrøndeområdet", 10); err != nil || len(hits) == 0 {
		t.Fatalf("before: the own PDF's text is not found (%v, %v)", hits, err)
	}

	res, err := s.RemoveMeeting(r.first, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 3 || res.Previous != 3 || res.Attachments != 2 || res.Orphaned != 3 || res.Shared != 1 || res.Removed != 0 || res.IndexDocs == 0 {
		t.Errorf("result %+v; want 3 items, 3 previous versions (of the re-published items 1 and 4, and of the dropped item 3), 2 attachments (the own and the closed one's), 3 notes orphaned, 1 of them shared", res)
	}

	// The meeting and everything only it had are gone.
	if _, err := s.Meeting(r.first); !errors.Is(err, ErrNotFound) {
		t.Errorf("the meeting is still there: %v", err)
	}
	if _, _, err := s.Item(r.firstItem0); !errors.Is(err, ErrNotFound) {
		t.Errorf("its item is still there: %v", err)
	}
	for _, id := range []string{r.firstItem0, r.droppedItem} {
		if _, err := s.PreviousItem(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("a previous version of %s is still there: %v", id, err)
		}
	}
	for _, sha := range []string{r.ownPDF, r.closedPDF} {
		if _, err := s.Attachment(sha); !errors.Is(err, ErrNotFound) {
			t.Errorf("attachment %s… is still there: %v", sha[:8], err)
		}
	}
	if _, err := s.Attachment(r.sharedPDF); err != nil {
		t.Errorf("the PDF the second meeting shares is gone: %v", err)
	}
	marks, _ := s.ReadMarks()
	if _, ok := marks[r.firstItem0]; ok || len(marks) != 0 {
		t.Errorf("read marks left: %v", marks)
	}
	ms, _ := s.Meetings()
	if len(ms) != 2 {
		t.Errorf("%d meetings listed, want 2", len(ms))
	}
	err = s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketAttachmentText).Get([]byte(r.ownPDF)); v != nil {
			t.Error("the own PDF's text is still stored")
		}
		for _, name := range [][]byte{bucketItems, bucketPrevious} {
			_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
				pv, err := openValue(tx, name, k, v)
				if err != nil {
					return err
				}
				if ir, err := decodeItem(pv); err == nil && ir.MeetingID == r.first {
					t.Errorf("%s still holds item %s of the meeting", name, k)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The index is as a fresh build makes it: the meeting's documents, sealed ones too, gone.
	checkIndex(t, s)
	checkBolt(t, s)
	for _, q := range []string{"Kildebrøndeområdet", "rådhusrenovering", "Ravnsborg", "vintertjeneste"} {
		hits, err := s.Search(q, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.MeetingID == r.first && h.Kind != "note" {
				t.Errorf("%q still finds the removed meeting's %s %q", q, h.Kind, h.Title)
			}
		}
	}

	// The notes on it stay, orphaned, still naming their item.
	for i, id := range r.firstNotes {
		n, err := s.Note(id)
		if err != nil {
			t.Fatal(err)
		}
		if n.Deleted || n.Status != agenda.StatusOrphaned || n.Anchor.ItemNumber == "" || n.Anchor.ItemTitle == "" || n.Text == "" {
			t.Errorf("note %d after removal: %+v", i, n)
		}
	}
	// The other meetings and their notes are untouched.
	after2, _ := s.Meeting(r.second)
	after3, _ := s.Meeting(r.third)
	if !reflect.DeepEqual(before2, after2) || !reflect.DeepEqual(before3, after3) {
		t.Error("removing one meeting changed another")
	}
	for _, id := range r.otherNotes {
		if n, _ := s.Note(id); n == nil || !reflect.DeepEqual(*n, notesBefore[id]) {
			t.Errorf("note %s on another meeting changed: %+v", id, n)
		}
	}
	if hits, _ := s.Search("trafikanalysen", 10); len(hits) == 0 {
		t.Error("the other meeting's note is no longer found")
	}

	if _, err := s.RemoveMeeting(r.first, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing it again: %v", err)
	}
}

// With withNotes the member's private notes go (as tombstones, out of the index); a note
// shared with a group stays, orphaned.
func TestRemoveMeetingWithNotes(t *testing.T) {
	r := newRemovalStore(t)
	s := r.s
	res, err := s.RemoveMeeting(r.first, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 2 || res.Orphaned != 1 || res.Shared != 1 {
		t.Errorf("result %+v; want 2 notes removed, the shared one kept", res)
	}
	notes, _ := s.Notes()
	kept := map[string]bool{}
	for _, n := range notes {
		kept[n.ID] = true
	}
	if kept[r.firstNotes[0]] || kept[r.firstNotes[1]] || !kept[r.firstNotes[2]] || !kept[r.otherNotes[0]] || !kept[r.otherNotes[1]] {
		t.Errorf("notes left: %v", kept)
	}
	if hits, _ := s.Search("Kildebrøndevej", 10); len(hits) != 0 {
		t.Errorf("a removed note is still found: %+v", hits)
	}
	checkIndex(t, s)
	checkBolt(t, s)
}

// A meeting imported again after its removal finds its orphaned notes and places them.
func TestRemovedMeetingComesBackWithItsNotes(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := testMeeting(5, testItem("1", "Lokalplan for Kildebrønde", "Planen giver mulighed for 40 boliger.", "sender lokalplanen i høring"))
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Meeting(m.ID)
	n := agenda.Note{Anchor: agenda.Anchor{ItemID: stored.Items[0].ID, Recommendation: ptrInt(0)}, Text: "Høringen skal være lang."}
	if err := s.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveMeeting(m.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Note(n.ID)
	if err != nil || got.Status != agenda.StatusOK {
		t.Errorf("the note after the meeting came back: %+v, %v", got, err)
	}
	checkIndex(t, s)
}
