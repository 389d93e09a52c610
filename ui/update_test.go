package ui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/color"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/example"
	"github.com/dagsorden/dagsorden/store"
)

// openFixtureItem opens the fixture meeting's first item (three recommendations).
func openFixtureItem(t *testing.T, st Store, w, h int) *driver {
	t.Helper()
	d := newDriver(t, st, Options{}, w, h)
	d.keys("enter") // the meeting
	d.mustSee("Trafiksikker skolevej")
	d.keys("enter") // item 1
	d.mustSee("Sag 26/100", "godkender projektet")
	return d
}

func TestHomeListsUpcomingFirstThenPast(t *testing.T) {
	st := exampleStore(t)
	past := fixtureMeeting(time.Date(2026, 11, 2, 10, 0, 0, 0, agenda.Copenhagen), "Børneudvalget")
	later := fixtureMeeting(time.Date(2027, 1, 12, 10, 0, 0, 0, agenda.Copenhagen), "Kulturudvalget")
	older := fixtureMeeting(time.Date(2026, 10, 5, 10, 0, 0, 0, agenda.Copenhagen), "Ældreudvalget")
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{past, later, older}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 100, 40)
	v := d.view()
	order := []string{"Kommende møder", "Byrådet, Fjordby Kommune", "Kulturudvalget", "Tidligere møder", "Børneudvalget", "Ældreudvalget"}
	last := -1
	for _, s := range order {
		i := strings.Index(v, s)
		if i < 0 || i < last {
			t.Fatalf("%q is not where it belongs (upcoming soonest first, then past latest first):\n%s", s, v)
		}
		last = i
	}
	d.mustSee("10 punkter · 10 ulæste", "formøde kl. 16.00", "Byrådssalen, Fjordby Rådhus")
	// The cursor starts on the next meeting; j moves to the one after.
	if got := d.m.home.rows[d.m.home.list.cursor].m.Body.Name; got != "Byrådet, Fjordby Kommune" {
		t.Fatalf("cursor on %q", got)
	}
	d.keys("j")
	if got := d.m.home.rows[d.m.home.list.cursor].m.Body.Name; got != "Kulturudvalget" {
		t.Fatalf("after j the cursor is on %q", got)
	}
	d.keys("j") // over the "Tidligere møder" heading
	if got := d.m.home.rows[d.m.home.list.cursor].m.Body.Name; got != "Børneudvalget" {
		t.Fatalf("j skips the heading: cursor on %q", got)
	}
	d.keys("G")
	if got := d.m.home.rows[d.m.home.list.cursor].m.Body.Name; got != "Ældreudvalget" {
		t.Fatalf("G: cursor on %q", got)
	}
	d.keys("g")
	if got := d.m.home.rows[d.m.home.list.cursor].m.Body.Name; got != "Byrådet, Fjordby Kommune" {
		t.Fatalf("g: cursor on %q", got)
	}
}

func TestHomeFilterByBody(t *testing.T) {
	st := exampleStore(t)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{fixtureMeeting(fixtureStart, "Børneudvalget")}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 100, 30)
	d.mustSee("Udvalg: alle udvalg", "Møder (2)", "Byrådet, Fjordby Kommune", "Børneudvalget")
	// b opens the body picker: every body, "alle udvalg" first; typing narrows it.
	d.keys("b")
	d.mustSee("Vælg udvalg · 3", "alle udvalg", "Byrådet, Fjordby Kommune", "Børneudvalget")
	d.typeText("bør")
	d.mustSee("Vælg udvalg · 1 af 3", "Børneudvalget")
	d.mustNotSee("Byrådet")
	d.keys("enter")
	d.mustSee("Udvalg: Børneudvalget", "Møder (1 af 2)")
	d.mustNotSee("Byrådet, Fjordby Kommune ·")
	d.keys("enter")
	d.mustSee("Trafiksikker skolevej")
	d.keys("esc")
	d.mustSee("Udvalg: Børneudvalget")
	// The picker opens on the current body (bodies in Danish order: Byrådet before
	// Børneudvalget, ø sorting after z); ↑ moves to the one before.
	d.keys("b", "enter")
	d.mustSee("Udvalg: Børneudvalget")
	d.keys("b", "up", "enter")
	d.mustSee("Udvalg: Byrådet, Fjordby Kommune", "Møder (1 af 2)")
	d.keys("b", "up", "enter")
	d.mustSee("Udvalg: alle udvalg", "Møder (2)", "Byrådet, Fjordby Kommune", "Børneudvalget")
}

// f filters the meetings as the member types: by body, title, date in the forms people
// type, and the items' titles; the tab says how many of how many; esc clears it.
func TestHomeFilterAsYouType(t *testing.T) {
	st := exampleStore(t)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{
		fixtureMeeting(fixtureStart, "Børneudvalget"),
		fixtureMeeting(fixtureStart.AddDate(0, -2, 0), "Teknik- og Miljøudvalget"),
	}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 120, 40)
	d.mustSee("Møder (3)")
	d.keys("f")
	d.typeText("skolevej")
	d.mustSee("Filter: skolevej", "Møder (2 af 3)", "Børneudvalget", "Teknik- og Miljøudvalget")
	d.mustNotSee("Byrådet, Fjordby")
	d.typeText(" teknik")
	d.mustSee("Møder (1 af 3)", "Teknik- og Miljøudvalget")
	d.mustNotSee("Børneudvalget")
	// q is text while typing, not quit.
	d.typeText("q")
	d.mustSee("Ingen møder passer på filteret")
	d.keys("backspace")
	d.mustSee("Møder (1 af 3)")
	// enter keeps the filter and gives the keys back; enter again opens the meeting.
	d.keys("enter", "enter")
	d.mustSee("Trafiksikker skolevej")
	d.keys("esc")
	d.mustSee("Filter: skolevej teknik", "Møder (1 af 3)")
	d.keys("esc")
	d.mustSee("Møder (3)")
	d.mustNotSee("Filter:")
	// A date as typed: 2026-10 is the meeting two months before the fixture's.
	d.keys("f")
	d.typeText("2026-10")
	d.mustSee("Møder (1 af 3)", "Teknik- og Miljøudvalget")
	d.keys("esc")
	// . goes back to today's meeting after moving away.
	d.keys("G", ".")
	if r := d.m.home.rows[d.m.home.list.cursor]; r.m == nil || !r.m.Start.Equal(fixtureStart) {
		t.Fatalf(". selected %+v, want the meeting of %s", r.m, fixtureStart)
	}
}

func TestHomeDocumentsTab(t *testing.T) {
	st := fixtureStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.mustSee("Møder (1)", "Læsestof (1)")
	d.keys("tab")
	d.mustSee("Nyhedsbrev om klimaalliancen", "fre. 20. nov. 2026")
	d.keys("enter")
	d.mustSee("Kommunerne i hovedstaden samarbejder")
	d.keys("esc")
	d.mustSee("Nyhedsbrev om klimaalliancen")
	d.keys("tab")
	d.mustSee("Teknik- og Miljøudvalget")
}

// The welcome screen offers the example two ways: enter looks at it in a throw-away
// store (Run returns ErrOpenExample and the member's store stays empty), i puts it into
// the member's own store.
func TestWelcomeOffersTheExample(t *testing.T) {
	st := openStore(t)
	loads := 0
	load := func() error {
		loads++
		p, err := example.Package(testNow)
		if err != nil {
			return err
		}
		_, err = st.Import(p)
		return err
	}
	opts := Options{OpenExample: true, LoadExample: load}
	d := newDriver(t, st, opts, 80, 30)
	d.mustSee("Velkommen til dagsorden", "dagsorden import", "dagsorden source add",
		"Tryk enter for at se eksemplet", "slettes igen", "Tryk i for at lægge eksemplet i din egen samling")
	d.keys("enter")
	if !d.quit || !d.m.exampleChosen || loads != 0 {
		t.Fatalf("enter: quit %v, example chosen %v, imported %d times; want to quit for the throw-away example, importing nothing", d.quit, d.m.exampleChosen, loads)
	}
	if ms, err := st.Meetings(); err != nil || len(ms) != 0 {
		t.Fatalf("the member's store holds %d meetings after looking at the example (%v)", len(ms), err)
	}

	// i keeps it: imported into the member's store and opened.
	d = newDriver(t, st, opts, 80, 30)
	d.keys("i")
	d.mustSee("Budget 2027-2030", "Sager til beslutning")
	if d.quit || d.m.exampleChosen || loads != 1 {
		t.Errorf("i: quit %v, example chosen %v, imported %d times", d.quit, d.m.exampleChosen, loads)
	}

	// Without the ways to show the example, it is not offered, and the keys do nothing.
	d2 := newDriver(t, openStore(t), Options{}, 80, 30)
	d2.mustSee("Velkommen til dagsorden")
	d2.mustNotSee("Tryk enter", "Tryk i")
	d2.keys("enter", "i")
	if d2.quit {
		t.Error("enter without the example offered quit")
	}
}

func TestDemoOpensTheFirstMeeting(t *testing.T) {
	d := newDriver(t, exampleStore(t), Options{Demo: true}, 100, 30)
	d.mustSee("Godkendelse af dagsorden", "Sager til beslutning")
	d.keys("esc")
	d.mustSee("Kommende møder")
}

func TestAgendaMarkers(t *testing.T) {
	st := fixtureStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.keys("enter")
	d.mustSee("● 1  Trafiksikker skolevej", "Sager til beslutning", "Lukkede punkter", "[lukket]", "···")
	d.keys("enter", "]", "s", "]", "s", "s", "n")
	d.typeText("Spørg til prisen")
	d.keys("ctrl+s", "esc")
	// Read, one note, stances for and against on the first two recommendations.
	d.mustSee("✓ 1  Trafiksikker skolevej", "✎ 1", "+−·")

	// A re-publication that changes the item's text: "changed since you read it".
	m := fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")
	m.Items[0].Sections[0].Text += " Prisen er steget."
	other, err := store.Open(st.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	d.poll()
	d.mustSee("Δ 1  Trafiksikker skolevej")
	d.keys("enter")
	d.mustSee("Δ ændret siden du læste det", "Prisen er steget")
	d.keys("esc")
	d.mustSee("✓ 1  Trafiksikker skolevej")
}

func TestItemOpensWithNoRecommendationSelected(t *testing.T) {
	d := openFixtureItem(t, fixtureStore(t), 100, 40)
	d.mustNotSee("▶")
	d.mustSee("Forvaltningen indstiller, at udvalget", "1. godkender projektet", "3. orienterer skolebestyrelsen", "Sagen afgøres endeligt")
	d.keys("]")
	d.mustSee("▶ ┃ 1. godkender projektet")
	d.keys("]", "]", "]") // stops at the last
	d.mustSee("▶ ┃ 3. orienterer skolebestyrelsen")
	d.keys("[")
	d.mustSee("▶ ┃ 2. beder om en evaluering")
	// Reopened, nothing is selected again; [ from nothing selects the last one.
	d.keys("esc", "enter")
	d.mustNotSee("▶")
	d.keys("[")
	d.mustSee("▶ ┃ 3. orienterer skolebestyrelsen")
}

func TestStanceCyclesAndIsStored(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("s")
	d.mustSee("Vælg først en indstilling")
	if n := storedNotes(t, st); len(n) != 0 {
		t.Fatalf("s without a selection stored %d notes", len(n))
	}
	d.keys("]", "]")
	want := []agenda.Stance{agenda.StanceFor, agenda.StanceAgainst, agenda.StanceAbstain, agenda.StanceQuestion, agenda.StanceNone, agenda.StanceFor}
	var id string
	for i, w := range want {
		d.keys("s")
		all, err := st.Notes()
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 {
			t.Fatalf("press %d: %d notes in the store, want the one stance note", i+1, len(all))
		}
		n := all[0]
		if n.Stance != w || n.Anchor.Recommendation == nil || *n.Anchor.Recommendation != 1 {
			t.Fatalf("press %d: stance %q on rec %v, want %q on 1", i+1, n.Stance, n.Anchor.Recommendation, w)
		}
		if id == "" {
			id = n.ID
		} else if n.ID != id {
			t.Fatal("each press must update the same note")
		}
	}
	d.mustSee("din holdning: for", "Holdning: for")
}

func TestStanceReusesTheMembersNote(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("]", "n")
	d.typeText("Godt projekt")
	d.keys("ctrl+s", "s", "s")
	ns := storedNotes(t, st)
	if len(ns) != 1 || ns[0].Text != "Godt projekt" || ns[0].Stance != agenda.StanceAgainst {
		t.Fatalf("want the written note to carry the stance imod, got %+v", ns)
	}
	// Someone else's note on the same recommendation is not the member's stance note.
	d2 := openFixtureItem(t, st, 100, 40)
	d2.m.c.Author = "kollega"
	d2.keys("]", "s")
	ns = storedNotes(t, st)
	if len(ns) != 2 {
		t.Fatalf("another author's stance must be a note of their own: %d notes", len(ns))
	}
}

func TestNewNoteOnSelectedRecommendationAndOnItem(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("n")
	d.mustSee("Ny note", "Hele punktet")
	d.typeText("Om hele punktet")
	d.keys("ctrl+s")
	d.keys("]", "]", "n")
	d.mustSee("Indstilling 2: beder om en evaluering")
	d.typeText("Hvornår evalueres?")
	d.keys("enter")
	d.typeText("Og af hvem?")
	d.keys("ctrl+s")
	d.mustSee("Noter (2)", "Hvornår evalueres?")
	ns := storedNotes(t, st)
	if len(ns) != 2 {
		t.Fatalf("%d notes stored", len(ns))
	}
	if ns[0].Anchor.Recommendation != nil || ns[0].Text != "Om hele punktet" {
		t.Fatalf("item note: %+v", ns[0])
	}
	if r := ns[1].Anchor.Recommendation; r == nil || *r != 1 || ns[1].Text != "Hvornår evalueres?\nOg af hvem?" {
		t.Fatalf("note on recommendation 2: %+v", ns[1])
	}
	if ns[1].Visibility != agenda.Private || ns[1].Anchor.Quote.Exact != "beder om en evaluering efter et år" {
		t.Fatalf("anchor or visibility: %+v", ns[1])
	}
}

func TestEditorAsksBeforeLosingText(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("n", "esc")
	d.mustNotSee("Ny note") // nothing typed: esc just leaves
	d.keys("n")
	d.typeText("Vigtig tanke")
	d.keys("esc")
	d.mustSee("Kassér ændringerne?")
	d.keys("n") // keep writing
	d.mustNotSee("Kassér ændringerne?")
	d.typeText(" om trafik")
	d.mustSee("Vigtig tanke om trafik")
	d.keys("esc", "j") // discard
	d.mustNotSee("Ny note", "Vigtig tanke")
	if ns := storedNotes(t, st); len(ns) != 0 {
		t.Fatalf("discarded text was stored: %+v", ns)
	}
	// ctrl+s from the question saves.
	d.keys("n")
	d.typeText("Gem mig")
	d.keys("esc", "ctrl+s")
	if ns := storedNotes(t, st); len(ns) != 1 || ns[0].Text != "Gem mig" {
		t.Fatalf("ctrl+s at the question: %+v", ns)
	}
}

func TestEditorStanceAndVisibility(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("]", "n")
	d.typeText("Til gruppen")
	d.keys("ctrl+t", "ctrl+t", "ctrl+g") // imod, gruppe
	d.mustSee("‹imod›", "‹gruppe›")
	d.keys("tab", "right") // the stance field: imod → undlader
	d.mustSee("‹undlader›")
	d.keys("tab", "space") // the visibility field: back to private
	d.mustSee("‹privat›")
	d.keys("space", "tab") // group again; back to the text
	d.typeText("!")
	d.keys("ctrl+s")
	ns := storedNotes(t, st)
	if len(ns) != 1 || ns[0].Stance != agenda.StanceAbstain || ns[0].Visibility != agenda.Group || ns[0].Text != "Til gruppen!" {
		t.Fatalf("got %+v", ns)
	}
}

func TestEditAndDeleteNote(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 120, 40)
	d.keys("]", "n")
	d.typeText("Første udkast")
	d.keys("ctrl+s")
	first := storedNotes(t, st)[0]
	d.keys("e") // the member's note on the selected recommendation
	d.mustSee("Ret note", "Første udkast")
	d.keys("ctrl+u") // clear the line
	d.typeText("Andet udkast")
	d.keys("ctrl+s")
	ns := storedNotes(t, st)
	if len(ns) != 1 || ns[0].ID != first.ID || ns[0].Text != "Andet udkast" || ns[0].Revision <= first.Revision {
		t.Fatalf("edit must update the same note: %+v", ns)
	}
	d.keys("tab") // the notes pane
	d.mustSee("▸ Noter (1)")
	d.keys("x")
	d.mustSee("Slet noten?")
	d.keys("n")
	if len(storedNotes(t, st)) != 1 {
		t.Fatal("n must not delete")
	}
	d.keys("x", "j")
	if ns := storedNotes(t, st); len(ns) != 0 {
		t.Fatalf("the note is still there: %+v", ns)
	}
	d.mustSee("Noter (0)")
}

func TestAttachments(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.mustSee("Bilag", "1. Projektbeskrivelse (pdf, 29 B)")
	d.keys("o")
	if len(d.opened) != 1 {
		t.Fatalf("o should open the stored attachment once, opened %v", d.opened)
	}
	data, err := os.ReadFile(d.opened[0])
	if err != nil || string(data) != string(pdfBytes) {
		t.Fatalf("the viewer got %q, %v", data, err)
	}
	os.Remove(d.opened[0])
	if !strings.HasSuffix(d.opened[0], "projekt.pdf") {
		t.Fatalf("file name %q", d.opened[0])
	}

	// Not stored locally: the address is shown; with several, a picker comes first.
	e := newDriver(t, exampleStore(t), Options{}, 100, 40)
	e.keys("enter", "j", "enter") // item 2 (three attachments)
	e.keys("o")
	e.mustSee("Vælg bilag", "Budgetaftale 2027-2030", "https://dagsordener.fjordby")
	e.keys("j", "enter")
	e.mustSee("Høringssvar fra MED-udvalg og Ældrerådet ligger ikke lokalt")
	if len(e.opened) != 0 {
		t.Fatal("nothing local to open")
	}
	e.keys("o", "esc")
	e.mustNotSee("Vælg bilag")
}

func TestQuitWaitsForSaves(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("]")
	// Press s but hold the save command back, as if the disk were slow.
	_, saving := d.m.Update(press("s"))
	if d.m.saves != 1 {
		t.Fatalf("%d saves in flight", d.m.saves)
	}
	_, cmd := d.m.Update(press("q"))
	d.exec(cmd)
	if d.quit {
		t.Fatal("quit while a note was being saved")
	}
	d.mustSee("Gemmer dine noter")
	d.exec(saving) // the save completes: now it quits
	if !d.quit {
		t.Fatal("did not quit after the save")
	}
	if ns := storedNotes(t, st); len(ns) != 1 || ns[0].Stance != agenda.StanceFor {
		t.Fatalf("stored %+v", ns)
	}
}

// failingStore fails every save, as a store held by another process would.
type failingStore struct{ *store.Store }

func (f failingStore) SaveNote(*agenda.Note) error {
	return errors.Join(errors.New("another dagsorden is busy with the data folder"), store.ErrBusy)
}

func TestQuitAsksAfterAFailedSave(t *testing.T) {
	st := failingStore{fixtureStore(t)}
	d := openFixtureItem(t, st, 100, 40)
	d.keys("]", "s")
	d.mustSee("En anden dagsorden arbejder med samlingen")
	d.keys("tab")
	d.mustSee("ikke gemt")
	d.keys("q")
	if d.quit {
		t.Fatal("quit with an unsaved note without asking")
	}
	d.mustSee("En note kunne ikke gemmes")
	d.keys("q")
	if !d.quit {
		t.Fatal("a second q must quit")
	}
}

func TestCtrlCSavesTheOpenEditorAndQuits(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("n")
	d.typeText("Må ikke gå tabt")
	d.keys("ctrl+c")
	if !d.quit {
		t.Fatal("ctrl+c must always quit")
	}
	if ns := storedNotes(t, st); len(ns) != 1 || ns[0].Text != "Må ikke gå tabt" {
		t.Fatalf("the editor's text was lost: %+v", ns)
	}
}

func TestQOutsideTheEditorQuits(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 80, 24)
	d.keys("q")
	if !d.quit {
		t.Fatal("q must quit")
	}
	// In the editor q is a letter.
	e := openFixtureItem(t, fixtureStore(t), 80, 24)
	e.keys("n", "q")
	if e.quit {
		t.Fatal("q in the editor quit the program")
	}
	e.mustSee("│ q")
}

func TestHelpListsEveryBinding(t *testing.T) {
	d := newDriver(t, exampleStore(t), Options{}, 100, 200)
	d.keys("?")
	for _, g := range d.m.c.Keys.helpGroups(d.m.c.T) {
		for _, b := range g.Bindings {
			if b.Enabled() { // keys of what is not set up (the formøde without a group) are hidden
				d.mustSee(b.Help().Key, b.Help().Desc)
			}
		}
	}
	d.mustSee("Musehjulet ruller")
	d.keys("?")
	d.mustNotSee("Musehjulet ruller")
	d.keys("?", "esc")
	d.mustNotSee("Musehjulet ruller")
}

func TestSearchJumpsToTheSpot(t *testing.T) {
	st := fixtureStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.keys("/")
	d.mustSee("Søg i møder")
	d.typeText("evaluering")
	d.mustSee("Indstilling · Teknik- og Miljøudvalget", "beder om en evaluering")
	d.keys("enter")
	// On the item, the recommendation selected.
	d.mustSee("Sag 26/100", "▶ ┃ 2. beder om en evaluering")
	d.keys("esc")
	d.mustSee("Trafiksikker skolevej", "Lukkede punkter") // back on its agenda

	// / on the agenda searches this meeting: the reading material is not in it, until
	// tab widens the search to everything.
	d.keys("/")
	d.mustSee("2 resultater i dette møde · Teknik- og Miljøudvalget")
	for range len("evaluering") {
		d.keys("backspace")
	}
	d.mustSee("Søg i mødets punkter", "i dette møde · Teknik- og Miljøudvalget")
	d.typeText("klimatilpasning")
	d.mustSee("Ingen resultater.", "i dette møde · Teknik- og Miljøudvalget", "tab søg i alle møder")
	d.mustNotSee("Læsestof", "0 resultater") // said once
	d.keys("tab")
	d.mustSee("Læsestof", "1 resultat i alle møder", "tab søg i dette møde")
	d.keys("enter")
	d.mustSee("Kommunerne i hovedstaden samarbejder")
}

// A hit in an attachment's text opens its item at the attachments.
func TestSearchAttachmentHit(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 100, 14) // too low to show the item whole
	d.keys("/")
	d.typeText("fartdæmpning")
	d.mustSee("Bilag · ", "Projektbeskrivelse")
	d.keys("enter")
	d.mustSee("Sag 26/100", "1. Projektbeskrivelse (pdf")
}

func TestStaleSearchResultsAreDropped(t *testing.T) {
	st := fixtureStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.keys("/")
	d.typeText("skole")
	d.mustSee("Trafiksikker skolevej")
	// An answer to an older query arrives late: it must not replace the current one.
	d.send(searchResultMsg{seq: d.m.srch.seq - 1, query: "s", res: SearchResult{Hits: []SearchHit{{Kind: HitItem, Title: "Forældet svar"}}, Total: 1}})
	d.mustNotSee("Forældet svar")
	d.mustSee("Trafiksikker skolevej")
}

// noSearch is a store without a search engine (an older one, or a test double).
type noSearch struct{ Store }

func TestSearchWithoutEngine(t *testing.T) {
	d := newDriver(t, noSearch{fixtureStore(t)}, Options{}, 100, 30)
	d.keys("/")
	d.typeText("x")
	d.mustSee("Søgning er ikke tilgængelig")
	d.keys("esc")
	d.mustSee("Kommende møder")
}

func TestLiveRefreshShowsAMeetingImportedElsewhere(t *testing.T) {
	st := fixtureStore(t)
	d := newDriver(t, st, Options{}, 100, 30)
	d.mustNotSee("Byrådet, Fjordby Kommune")
	// Another terminal: another Store on the same folder.
	other, err := store.Open(st.Dir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := example.Package(testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Import(p); err != nil {
		t.Fatal(err)
	}
	d.poll()
	d.mustSee("Byrådet, Fjordby Kommune", "Møder (2)")
	// Polling again with nothing new changes nothing and keeps polling.
	before := d.view()
	d.poll()
	if d.view() != before {
		t.Fatal("an idle poll changed the screen")
	}
	if len(d.timers) == 0 {
		t.Fatal("polling stopped")
	}
}

func TestLightBackgroundRerendersInTheLightTheme(t *testing.T) {
	d := openFixtureItem(t, fixtureStore(t), 100, 40)
	if d.m.c.Styles.Theme != "dark" {
		t.Fatalf("start-up theme %q: must assume dark until the terminal answers", d.m.c.Styles.Theme)
	}
	d.send(tea.BackgroundColorMsg{Color: color.White})
	if d.m.c.Styles.Theme != "light" {
		t.Fatalf("theme %q after a white background", d.m.c.Styles.Theme)
	}
	it := d.m.top().(*itemScreen)
	for _, b := range it.pg.blocks {
		if b.raw != nil {
			continue
		}
		if _, ok := d.m.c.cache.get(renderKey{b.hash, it.pg.width, "light"}); !ok {
			t.Fatal("a chunk was not rendered in the light theme")
		}
	}
}

func TestEnglish(t *testing.T) {
	d := newDriver(t, exampleStore(t), Options{Lang: "en"}, 100, 30)
	d.mustSee("Upcoming meetings", "10 items · 10 unread", "pre-meeting 16:00", "Tue 8 Dec 2026 17:00")
	d.keys("enter", "G")
	d.mustSee("[closed]")
	d.keys("enter", "?")
	d.mustSee("next recommendation", "cycle stance")
}

func TestNoColor(t *testing.T) {
	d := openFixtureItem(t, fixtureStore(t), 100, 40)
	if !strings.Contains(d.m.View().Content, "\x1b[38;") {
		t.Fatal("the colour test is void: no colour in the normal view")
	}
	n := openFixtureItem(t, fixtureStore(t), 100, 40)
	n.m.c.NoColor = true
	n.m.c.Styles = NewStyles(true, true)
	n.send(themeChangedMsg{})
	n.keys("]")
	c := n.m.View().Content
	if strings.Contains(c, "\x1b[38;") || strings.Contains(c, "\x1b[48;") {
		t.Fatalf("colour codes with NO_COLOR: %q", c[:200])
	}
	n.mustSee("▶ ┃ 1. godkender") // the selection still shows
}

func TestMouse(t *testing.T) {
	st := exampleStore(t)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{fixtureMeeting(time.Date(2027, 1, 12, 10, 0, 0, 0, agenda.Copenhagen), "Kulturudvalget")}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 100, 30)
	// Header line, tab bar, "Kommende møder", then three lines per meeting.
	click := func(x, y int) { d.send(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft}) }
	click(10, 6)
	if got := d.m.home.rows[d.m.home.list.cursor].m.Body.Name; got != "Kulturudvalget" {
		t.Fatalf("a click selects: cursor on %q", got)
	}
	click(10, 6)
	d.mustSee("Trafiksikker skolevej") // a second click opens
	d.keys("esc")
	click(16, 1) // the "Læsestof" tab
	if d.m.home.tab != 1 {
		t.Fatal("a click on the reading tab does not switch to it")
	}
	click(2, 1)
	if d.m.home.tab != 0 {
		t.Fatal("a click on the meetings tab does not switch back")
	}
	click(10, 6)
	d.mustSee("Trafiksikker skolevej")
	d.keys("enter")
	it := d.m.top().(*itemScreen)
	y := it.pg.starts[it.recBlock[2]] - it.pg.YOffset()
	click(10, 1+len(it.header)+y)
	d.mustSee("▶ ┃ 3. orienterer skolebestyrelsen")
	before := it.pg.YOffset()
	d.send(tea.MouseWheelMsg{X: 10, Y: 10, Button: tea.MouseWheelDown})
	if len(it.pg.lines) > it.pg.height && it.pg.YOffset() == before {
		t.Fatal("the wheel did not scroll")
	}
}

func TestKeysScrollTheItem(t *testing.T) {
	st := openStore(t)
	m := fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")
	m.Items[0].Sections[0].Text = strings.Repeat("Et langt afsnit om trafik og skoleveje. ", 400)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, st, Options{}, 80, 24)
	d.keys("enter", "enter")
	pg := d.m.top().(*itemScreen).pg
	d.keys("j", "j")
	if pg.YOffset() != 2 {
		t.Fatalf("j j: offset %d", pg.YOffset())
	}
	d.keys("k")
	if pg.YOffset() != 1 {
		t.Fatalf("k: offset %d", pg.YOffset())
	}
	d.keys("pgdown")
	if pg.YOffset() != 1+pg.height {
		t.Fatalf("pgdown: offset %d", pg.YOffset())
	}
	d.keys("G")
	if !pg.atBottom() {
		t.Fatal("G: not at the bottom")
	}
	d.keys("g")
	if pg.YOffset() != 0 {
		t.Fatal("g: not at the top")
	}
}

// A change made while an earlier save of the same note runs is saved after it, even when
// the member has left the meeting by then.
func TestQueuedSaveSurvivesLeavingTheMeeting(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("]")
	_, first := d.m.Update(press("s")) // for: its save is held back
	_, queued := d.m.Update(press("s"))
	if queued != nil {
		d.exec(queued) // only the screen refresh: the second save waits for the first
	}
	if d.m.saves != 1 {
		t.Fatalf("%d saves running; the second must wait for the first", d.m.saves)
	}
	d.keys("esc", "esc")
	d.mustSee("Kommende møder")
	d.exec(first)
	ns := storedNotes(t, st)
	if len(ns) != 1 || ns[0].Stance != agenda.StanceAgainst {
		t.Fatalf("want one note with the latest stance (imod), got %+v", ns)
	}
	// Opened again, the meeting shows it.
	d.keys("enter", "enter")
	d.mustSee("din holdning: imod")
}

// A note whose item a re-publication removed is listed under "Noter uden sted", says
// where it was, and can still be edited.
func TestOrphanedNotesAreListed(t *testing.T) {
	st := fixtureStore(t)
	d := openFixtureItem(t, st, 100, 40)
	d.keys("]", "]", "n")
	d.typeText("Hvem evaluerer?")
	d.keys("ctrl+s", "esc")
	d.mustNotSee("Noter uden sted")

	m := fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")
	m.Items = m.Items[1:] // item 1 is withdrawn
	other, err := store.Open(st.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	d.poll()
	d.mustSee("✎ Noter uden sted (1)")
	d.mustNotSee("Trafiksikker skolevej")
	d.keys("G", "enter")
	d.mustSee("1 Trafiksikker skolevej på Kirkevej · Indstilling 2", "“beder om en evaluering efter et år”", "Hvem evaluerer?")
	d.keys("e")
	d.mustSee("Ret note")
	d.typeText(" Spørg formanden.")
	d.keys("ctrl+s")
	ns := storedNotes(t, st)
	if len(ns) != 1 || ns[0].Text != "Hvem evaluerer? Spørg formanden." || ns[0].Status != agenda.StatusOrphaned {
		t.Fatalf("the orphaned note after editing: %+v", ns)
	}
	d.mustSee("Spørg formanden")
}

// Logs go to the file named in Options.LogFile and nowhere else.
func TestLogFile(t *testing.T) {
	path := t.TempDir() + "/ui.log"
	logger, closeLog, err := openLog(path)
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, failingStore{fixtureStore(t)}, Options{}, 100, 30)
	d.m.c.Log = logger
	d.keys("enter", "enter", "]", "s")
	closeLog()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"opened meeting", "rendered", "save note", "busy"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the log lacks %q:\n%s", want, data)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the log file must be private (0600): %v %v", fi.Mode(), err)
	}
	// Without a file, nothing is written anywhere.
	l, c, err := openLog("")
	if err != nil || l == nil {
		t.Fatal(err)
	}
	c()
}

// A resize while the editor is open reaches the item below it: back on the item, its text
// is rendered at the new width, not left as plain text.
func TestResizeUnderTheEditor(t *testing.T) {
	d := openFixtureItem(t, fixtureStore(t), 100, 40)
	d.keys("n")
	d.resize(70, 30)
	d.settle()
	d.keys("esc")
	d.mustSee("hævede flader")
	d.mustNotSee("**hævede flader**") // glamour has rendered the bold
	it := d.m.top().(*itemScreen)
	if it.pg.width != 70 {
		t.Fatalf("pager width %d", it.pg.width)
	}
}

// The footer ends with the help key on every screen, also at 60 columns where the
// screen's own keys do not all fit; where ? is text (editor, search field) it is f1.
func TestFooterAlwaysOffersHelp(t *testing.T) {
	for i, sc := range scenes {
		if sc.name == "help" {
			continue
		}
		for _, w := range []int{60, 100} {
			d := play(t, w, 30, i)
			d.m.status = ""
			lines := strings.Split(d.view(), "\n")
			foot := lines[len(lines)-1]
			if !strings.HasSuffix(strings.TrimRight(foot, " "), "? hjælp") && !strings.Contains(foot, "? hjælp · q afslut") && !strings.HasSuffix(strings.TrimRight(foot, " "), "f1 hjælp") {
				t.Errorf("%s at %d columns: the footer does not end with the help key: %q", sc.name, w, foot)
			}
		}
	}
}

// f1 opens the help from the note editor, where ? is a character of the note.
func TestF1OpensHelpWhileWriting(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 100, 30)
	d.keys("enter", "enter", "n")
	d.typeText("Hvad koster det?")
	if _, ok := d.m.top().(*editorScreen); !ok {
		t.Fatalf("not in the editor: %T", d.m.top())
	}
	d.keys("f1")
	if _, ok := d.m.top().(*helpScreen); !ok {
		t.Fatalf("f1 in the editor opened %T", d.m.top())
	}
	d.keys("f1")
	ed, ok := d.m.top().(*editorScreen)
	if !ok {
		t.Fatalf("f1 on the help went to %T, not back to the editor", d.m.top())
	}
	if got := ed.ta.Value(); got != "Hvad koster det?" {
		t.Fatalf("the note being written is %q after the help", got)
	}
}

// A status line belongs to the screen it was said on: it is gone when the screen
// changes, and keys that do nothing on a screen are not offered.
func TestStatusLeavesWithItsScreenAndFooterOffersOnlyWorkingKeys(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 120, 30)
	d.keys("enter", "enter") // item 1: three recommendations, one attachment
	d.mustSee("] næste indstilling")
	d.keys("esc", "j", "enter") // item 2: closed, no recommendations, no attachments
	if it := d.m.top().(*itemScreen).item(); it == nil || len(it.Recommendations) != 0 {
		t.Fatalf("expected the item without recommendations, got %+v", it)
	}
	d.mustNotSee("] næste indstilling")
	d.keys("o")
	d.mustSee("Punktet har ingen bilag.")
	d.keys("esc")
	d.mustNotSee("Punktet har ingen bilag.")
	if d.m.status != "" {
		t.Fatalf("the status %q outlived its screen", d.m.status)
	}
}

// f on an agenda narrows its items as the member types (number, title, case number,
// group), headings only above items that are left; enter opens the one selected.
func TestAgendaFilterAsYouType(t *testing.T) {
	d := newDriver(t, exampleStore(t), Options{}, 120, 40)
	d.keys("enter", "f")
	d.typeText("lokalplan")
	d.mustSee("Filter: lokalplan", "3   Lokalplan 112 for boligområdet ved Møllebakken", "Sager til beslutning")
	d.mustNotSee("Budget 2027-2030", "Godkendelse af dagsorden", "Sager til orientering", "Lukkede punkter")
	d.keys("enter", "enter")
	d.mustSee("Lokalplan 112 for boligområdet ved Møllebakken")
	if it, ok := d.m.top().(*itemScreen); !ok || it.item().Number != "3" {
		t.Fatalf("enter opened %T", d.m.top())
	}
	d.keys("esc")
	d.mustSee("Filter: lokalplan")
	d.keys("esc")
	d.mustSee("Budget 2027-2030", "Godkendelse af dagsorden")
	d.mustNotSee("Filter:")
	d.keys("f")
	d.typeText("xyzzy")
	d.mustSee("Intet passer på filteret")
}

// y copies the open item's id (OSC 52, for `dagsorden note add ID`), and says so.
func TestCopyItemID(t *testing.T) {
	st := fixtureStore(t)
	m := newModel(st, Options{Now: func() time.Time { return testNow }}, nil)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "Teknik- og Miljøudvalget")
	send(tm, "enter")
	waitFor(t, tm, "Trafiksikker skolevej")
	send(tm, "enter")
	waitFor(t, tm, "Resumé")
	id := m.md.meeting.Items[0].ID
	send(tm, "y")
	osc := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(id))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(osc)) && bytes.Contains(b, []byte("Punktets id er kopieret: "+id))
	}, teatest.WithDuration(5*time.Second))
	send(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
