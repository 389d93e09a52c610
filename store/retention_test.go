package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
)

// retentionMeeting is a meeting that began age days before now, with an open item and a
// closed one (with words of its own, a recommendation, a decision and a PDF), and, in
// every meeting, the same shared PDF on the closed item and the open one.
func retentionMeeting(now time.Time, age int, shared []byte) agenda.Meeting {
	tag := fmt.Sprintf("dag%d", age)
	own := MakePDF("Fortroligt bilag " + tag + "bilag.")
	m := agenda.Meeting{
		Body: agenda.Body{Name: "Økonomiudvalget"}, Kind: agenda.KindAgenda, Title: "Dagsorden " + tag,
		Start: now.AddDate(0, 0, -age), Source: agenda.Source{Format: "test"},
		Items: []agenda.Item{
			{Number: "1", Title: "Budgetopfølgning " + tag, SourceID: "open-" + tag,
				Sections:        []agenda.Section{{Heading: "Sagsfremstilling", Text: "Åben tekst " + tag + "åben."}},
				Recommendations: []agenda.Recommendation{{Index: 0, Text: "at tage orienteringen til efterretning"}},
				Attachments:     []agenda.Attachment{{SourceID: "so-" + tag, Title: "Fælles bilag", Content: shared}}},
			{Number: "2", Title: "Salg af grund " + tag, SourceID: "closed-" + tag, Closed: true,
				Sections:        []agenda.Section{{Heading: "Sagsfremstilling", Text: "Lukket tekst " + tag + "lukket om købesummen."}},
				Recommendations: []agenda.Recommendation{{Index: 0, Text: "at godkende salget " + tag + "salg"}},
				Decision:        "Godkendt " + tag + "beslutning.",
				Attachments: []agenda.Attachment{{SourceID: "sc-" + tag, Title: "Købsaftale", Content: own},
					{SourceID: "ss-" + tag, Title: "Fælles bilag", Content: shared}}},
		},
	}
	agenda.AssignIDs(&m)
	return m
}

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestRetentionPurgesClosedItemsOfOldMeetings(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().In(agenda.Copenhagen)
	shared := MakePDF("Et fælles bilag.")
	meetings := map[int]agenda.Meeting{}
	for _, age := range []int{90, 40, 10} {
		meetings[age] = retentionMeeting(now, age, shared)
		if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{meetings[age]}}); err != nil {
			t.Fatal(err)
		}
	}
	// A republication of the oldest: its previous version holds the closed item's text.
	m90b := retentionMeeting(now, 90, shared)
	m90b.Items[1].Decision = "Godkendt dag90beslutning med ændring."
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m90b}}); err != nil {
		t.Fatal(err)
	}
	closedID := func(age int) string {
		m, err := s.Meeting(meetings[age].ID)
		if err != nil {
			t.Fatal(err)
		}
		return m.Items[1].ID
	}
	if _, err := s.PreviousItem(closedID(90)); err != nil {
		t.Fatalf("no previous version to purge: %v", err)
	}
	// Notes on the closed items of the two old meetings: on a recommendation, on the item.
	m90, _ := s.Meeting(meetings[90].ID)
	a, err := agenda.AnchorOn(m90, &m90.Items[1], ptrInt(0))
	if err != nil {
		t.Fatal(err)
	}
	n90 := agenda.Note{Anchor: a, Stance: agenda.StanceAgainst, Text: "Imod salget til den pris"}
	if err := s.SaveNote(&n90); err != nil {
		t.Fatal(err)
	}
	n40 := agenda.Note{Anchor: agenda.Anchor{ItemID: closedID(40)}, Text: "Husk inhabilitet"}
	if err := s.SaveNote(&n40); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(closedID(90), agenda.ItemTextHash(&m90.Items[1])); err != nil {
		t.Fatal(err)
	}

	// Without a retention nothing goes.
	if res, err := s.PurgeClosed(now); err != nil || res != (PurgeResult{}) {
		t.Fatalf("PurgeClosed without a retention: %+v, %v", res, err)
	}
	if err := s.SetPurgeClosedAfter(30); err != nil {
		t.Fatal(err)
	}
	res, err := s.PurgeClosed(now)
	if err != nil {
		t.Fatal(err)
	}
	if res != (PurgeResult{Meetings: 2, Items: 2, Attachments: 2}) {
		t.Errorf("PurgeClosed = %+v; want 2 meetings, 2 items, 2 contents (the shared one stays)", res)
	}
	checkPurged := func(age int, purged bool) {
		t.Helper()
		it, _, err := s.Item(closedID(age))
		if err != nil {
			t.Fatal(err)
		}
		if it.Number != "2" || it.Title != fmt.Sprintf("Salg af grund dag%d", age) || !it.Closed {
			t.Errorf("dag%d: the purged item lost its place: %+v", age, it)
		}
		if hasTexts(it) == purged {
			t.Errorf("dag%d: texts %+v, purged %v", age, it, purged)
		}
		for _, w := range []string{"lukket", "salg", "beslutning", "bilag"} {
			hits, err := s.Search(fmt.Sprintf("dag%d%s", age, w), 5)
			if err != nil || (len(hits) > 0) == purged {
				t.Errorf("dag%d: search for its %s word: %+v, %v", age, w, hits, err)
			}
		}
		_, err = s.Attachment(shaOf(MakePDF(fmt.Sprintf("Fortroligt bilag dag%dbilag.", age))))
		if errors.Is(err, ErrNotFound) != purged {
			t.Errorf("dag%d: its own attachment: %v", age, err)
		}
		// The open item keeps everything.
		m, _ := s.Meeting(meetings[age].ID)
		if !hasTexts(&m.Items[0]) {
			t.Errorf("dag%d: the open item lost its texts", age)
		}
	}
	checkPurged(90, true)
	checkPurged(40, true)
	checkPurged(10, false)
	if _, err := s.PreviousItem(closedID(90)); !errors.Is(err, ErrNotFound) {
		t.Errorf("the previous version of a purged item: %v", err)
	}
	if _, err := s.Attachment(shaOf(shared)); err != nil {
		t.Errorf("the content an open item shares: %v", err)
	}
	// The notes stay, word for word, still saying where they were.
	for _, n := range []agenda.Note{n90, n40} {
		got, err := s.Note(n.ID)
		if err != nil || got.Text != n.Text || got.Status != n.Status || got.Anchor.ItemNumber != "2" ||
			!strings.HasPrefix(got.Anchor.ItemTitle, "Salg af grund") {
			t.Errorf("note after the purge: %+v, %v (was %+v)", got, err, n)
		}
	}
	marks, _ := s.ReadMarks()
	it90, _, _ := s.Item(closedID(90))
	if marks[closedID(90)] != agenda.ItemTextHash(it90) {
		t.Error("a read item became unread by the purge")
	}
	sums, _ := s.Meetings()
	for _, sum := range sums {
		if sum.ID == meetings[90].ID && sum.Items[1].Recommendations != 0 {
			t.Errorf("summary of the purged item: %+v", sum.Items[1])
		}
	}
	checkIndex(t, s)

	// Importing the oldest meeting again (as a sync does) keeps it purged and changes
	// nothing; its notes keep their status.
	gen := generationOf(t, s)
	r, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{retentionMeeting(now, 90, shared)}})
	if err != nil || !r[0].Unchanged {
		t.Fatalf("a re-import of a purged meeting as first published: %+v, %v", r, err)
	}
	m90c := retentionMeeting(now, 90, shared)
	m90c.Items[1].Decision = "Godkendt dag90beslutning med ændring."
	if r, err = s.Import(agenda.Package{Meetings: []agenda.Meeting{m90c}}); err != nil {
		t.Fatal(err)
	}
	if !r[0].Unchanged || generationOf(t, s) != gen {
		t.Errorf("a re-import of a purged meeting: %+v (generation %d → %d)", r[0], gen, generationOf(t, s))
	}
	checkPurged(90, true)
	if got, _ := s.Note(n90.ID); got.Status != n90.Status {
		t.Errorf("the note on a purged recommendation became %s", got.Status)
	}

	// A meeting older than the limit arrives: it is stored purged.
	m35 := retentionMeeting(now, 35, shared)
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m35}}); err != nil {
		t.Fatal(err)
	}
	meetings[35] = m35
	checkPurged(35, true)
	// Time passes: the 10-day-old meeting ages past the limit, at the next import.
	later := now.AddDate(0, 0, 25)
	if res, err := s.PurgeClosed(later); err != nil || res.Items != 1 {
		t.Errorf("25 days later: %+v, %v", res, err)
	}
	checkPurged(10, true)
	checkIndex(t, s)
	// Turned off, nothing more goes.
	if err := s.SetPurgeClosedAfter(0); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.PurgeClosedAfter(); d != 0 {
		t.Errorf("retention after turning it off: %d", d)
	}
}

func generationOf(t *testing.T, s *Store) uint64 {
	t.Helper()
	g, err := s.Generation()
	if err != nil {
		t.Fatal(err)
	}
	return g
}
