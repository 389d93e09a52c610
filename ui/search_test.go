package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/importer"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
)

// greveStore holds the Greve samples of the first quarter of 2023 (about thirty
// meetings of several committees, many of them about the budget) and seed 001.
func greveStore(t *testing.T) *store.Store {
	t.Helper()
	files, _ := filepath.Glob(shared.Path(t, "samples", "firstagenda", "greve", "2023-0[1-3]-*.json"))
	files = append(files, shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	var pkg agenda.Package
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := importer.Parse(filepath.Base(f), data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pkg.Meetings = append(pkg.Meetings, p.Meetings...)
	}
	if len(pkg.Meetings) < 20 {
		t.Fatalf("%d meetings", len(pkg.Meetings))
	}
	st := openStore(t)
	if _, err := st.Import(pkg); err != nil {
		t.Fatal(err)
	}
	return st
}

// hitKey names a hit for comparing lists of them.
func hitKey(h SearchHit) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%d", h.Kind, h.MeetingID, h.ItemID, h.NoteID, h.AttachmentID, h.Page)
}

// The screen says how many hits there are, and how many are below the last one shown;
// moving down loads the next pages as the cursor nears the end, until every hit is
// there, in the store's order, each once.
func TestSearchShowsTheTotalAndScrollsThroughEveryHit(t *testing.T) {
	st := greveStore(t)
	const q = "budget"
	all, err := st.SearchWith(q, SearchOptions{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total < 3*searchPage || len(all.Hits) != all.Total {
		t.Fatalf("%d hits (%d loaded): the test wants several pages", all.Total, len(all.Hits))
	}
	d := newDriver(t, st, Options{}, 100, 30)
	d.keys("/")
	d.typeText(q)
	s := d.m.srch
	d.mustSee(fmt.Sprintf("%d resultater", all.Total))
	if len(s.hits) != searchPage {
		t.Fatalf("%d hits on the first page", len(s.hits))
	}
	// 13 two-line hits fit in the 26 lines under the field and the count.
	d.mustSee(fmt.Sprintf("↓ %d flere", all.Total-13))
	d.mustNotSee("i dette møde", "tab søg") // from the meetings list: every meeting, no toggle

	for i := 1; i < all.Total; i++ {
		d.keys("down")
		if s.list.cursor != i {
			t.Fatalf("down %d: the cursor is on %d of %d loaded", i, s.list.cursor, len(s.hits))
		}
		// The next page comes before the cursor is near the end of those loaded.
		if len(s.hits) < min(all.Total, i+searchAhead) {
			t.Fatalf("at hit %d only %d are loaded", i, len(s.hits))
		}
	}
	if len(s.hits) != all.Total || s.loading {
		t.Fatalf("at the end %d of %d hits loaded (loading %v)", len(s.hits), all.Total, s.loading)
	}
	for i, h := range s.hits {
		if hitKey(h) != hitKey(all.Hits[i]) {
			t.Fatalf("hit %d is %s %q, the store ranks %s %q there", i, h.Kind, h.Title, all.Hits[i].Kind, all.Hits[i].Title)
		}
	}
	last := all.Hits[all.Total-1].Title
	d.mustSee(fmt.Sprintf("%d resultater", all.Total), "› ", last[:min(len(last), 30)])
	d.mustNotSee("flere")
	// pgdown loads too, from the top of a new query.
	d.keys("ctrl+u")
	d.typeText("budgettet")
	for range 30 {
		d.keys("pgdown")
	}
	if want, _ := st.SearchWith("budgettet", SearchOptions{}); len(s.hits) != want.Total || s.list.cursor != want.Total-1 {
		t.Errorf("pgdown: %d of %d loaded, cursor %d", len(s.hits), want.Total, s.list.cursor)
	}
}

// / inside a meeting searches that meeting and says so; tab widens it to every meeting
// and back; / on the meetings list searches everything.
func TestSearchWithinTheOpenMeeting(t *testing.T) {
	st := greveStore(t)
	d := newDriver(t, st, Options{Lang: "en"}, 120, 30)
	d.keys("enter")
	if d.m.md == nil {
		t.Fatalf("no meeting opened:\n%s", d.view())
	}
	mt := d.m.md.meeting
	const q = "orientering"
	inMeeting, err := st.SearchWith(q, SearchOptions{MeetingID: mt.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	everywhere, err := st.SearchWith(q, SearchOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if inMeeting.Total == 0 || inMeeting.Total >= everywhere.Total {
		t.Fatalf("%d hits in the meeting, %d in all: the test proves nothing", inMeeting.Total, everywhere.Total)
	}
	name := mt.Body.Name + " " + d.m.c.T.Date(mt.Start)
	for _, from := range [][]string{nil, {"enter"}} { // the agenda, and an item of it
		d.keys(from...)
		d.keys("/")
		d.mustSee("in this meeting · "+name, "Search the meeting's items", "tab search all meetings")
		d.typeText(q)
		s := d.m.srch
		d.mustSee(fmt.Sprintf("%d hits in this meeting · %s", inMeeting.Total, name))
		for _, h := range s.hits {
			if h.MeetingID != mt.ID {
				t.Errorf("a hit of another meeting: %+v", h)
			}
		}
		d.keys("tab")
		d.mustSee(fmt.Sprintf("%d hits in all meetings", everywhere.Total), "tab search this meeting")
		d.mustNotSee("in this meeting")
		d.keys("tab")
		d.mustSee(fmt.Sprintf("%d hits in this meeting", inMeeting.Total))
		d.keys("ctrl+u", "esc")
	}
	// Back on the meetings list: everything, and no toggle offered.
	for d.m.top() != d.m.home {
		d.keys("esc")
	}
	d.keys("/")
	d.mustSee("Search meetings, items")
	d.typeText(q)
	d.mustSee(fmt.Sprintf("%d hits", everywhere.Total))
	d.mustNotSee("in this meeting", "in all meetings", "tab search")
	d.keys("tab") // does nothing here
	d.mustSee(fmt.Sprintf("%d hits", everywhere.Total))
}

// The member's own note comes first in the screen as in the store, and enter opens it.
func TestSearchScreenPutsTheMembersNoteFirst(t *testing.T) {
	st := greveStore(t)
	ms, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	var kkr *agenda.Meeting
	for _, m := range ms {
		if m.Body.Name == "KKR Hovedstaden" {
			if kkr, err = st.Meeting(m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if kkr == nil {
		t.Fatal("no KKR meeting")
	}
	it := &kkr.Items[3] // 3.1
	a, err := agenda.AnchorOn(kkr, it, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveNote(&agenda.Note{Anchor: a, Text: "Spørg til finansieringen"}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 120, 30)
	d.keys("/")
	d.typeText("finansieringen")
	s := d.m.srch
	if len(s.hits) < 5 || s.hits[0].Kind != HitNote {
		t.Fatalf("first hit %+v:\n%s", s.hits[0], d.view())
	}
	lines := strings.Split(d.view(), "\n")
	if !strings.HasPrefix(lines[3], "› Note · KKR Hovedstaden") || !strings.Contains(lines[4], "Spørg til finansieringen") {
		t.Errorf("the note is not the first row:\n%s", d.view())
	}
	d.keys("enter")
	d.mustSee(it.Number+"  "+it.Title[:20], "Spørg til finansieringen")
}

// Pages arrive while the member types on: a page asked for the query before must not be
// added to the hits of the query now, nor a page asked before its first page came back.
func TestSearchPageOfAnOlderQueryIsDropped(t *testing.T) {
	st := greveStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.keys("/")
	d.typeText("budget")
	s := d.m.srch
	old, err := st.SearchWith("budget", SearchOptions{Offset: searchPage, Limit: searchPage})
	if err != nil || len(old.Hits) == 0 {
		t.Fatalf("no second page: %v", err)
	}
	d.typeText("tet") // "budgettet": a new first page, of as many hits
	if len(s.hits) != searchPage {
		t.Fatalf("%d hits of budgettet", len(s.hits))
	}
	want := make([]string, len(s.hits))
	for i, h := range s.hits {
		want[i] = hitKey(h)
	}
	// The second page of "budget", asked for (same seq: no key between) before the
	// member typed on: late, it finds "budgettet" shown.
	d.send(searchResultMsg{seq: s.seq, query: "budget", offset: searchPage, res: old})
	// While an answer is awaited (the seq moved on), moving down asks for nothing.
	s.seq++
	for range searchPage {
		d.keys("down")
	}
	if s.loading || len(s.hits) != searchPage {
		t.Errorf("loading %v, %d hits", s.loading, len(s.hits))
	}
	for i, h := range s.hits {
		if hitKey(h) != want[i] {
			t.Fatalf("hit %d changed: %s %q", i, h.Kind, h.Title)
		}
	}
}
