package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

var _ History = (*store.Store)(nil)
var _ AttachmentTexter = (*store.Store)(nil)

func TestWordDiffMarksWholeWords(t *testing.T) {
	ds := wordDiff("godkender projektet for 2,1 mio. kr.\nog evaluerer", "godkender projektet for 2,4 mio. kr.\nog evaluerer")
	var del, ins []string
	for _, d := range ds {
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			del = append(del, d.Text)
		case diffmatchpatch.DiffInsert:
			ins = append(ins, d.Text)
		}
	}
	if strings.Join(del, "|") != "2,1" || strings.Join(ins, "|") != "2,4" {
		t.Fatalf("deleted %q, inserted %q", del, ins)
	}
	if ds := wordDiff("samme tekst", "samme tekst"); len(ds) != 1 || ds[0].Type != diffmatchpatch.DiffEqual {
		t.Fatalf("equal texts diff as %v", ds)
	}
}

// changedStore holds the fixture meeting, read by the member, then re-published with the
// amount and one recommendation changed.
func changedStore(t testing.TB) *store.Store {
	t.Helper()
	st := openStore(t)
	v1 := fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{v1}}); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRead(v1.Items[0].ID, agenda.ItemTextHash(&v1.Items[0])); err != nil {
		t.Fatal(err)
	}
	v2 := fixtureMeeting(fixtureStart, "Teknik- og Miljøudvalget")
	it := &v2.Items[0]
	it.Sections[0].Text = strings.Replace(it.Sections[0].Text, "hævede flader", "vejbump", 1)
	it.Sections[1].Text = strings.Replace(it.Sections[1].Text, "2,1 mio.", "2,4 mio.", 1)
	it.Recommendations = agenda.Recommendations("Forvaltningen indstiller, at udvalget\n\n- godkender projektet for 2,4 mio. kr.\n- beder om en evaluering efter et år\n- orienterer skolebestyrelsen")
	agenda.AssignIDs(&v2)
	if v2.Items[0].ID != v1.Items[0].ID {
		t.Fatal("the re-published item has a new id")
	}
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{v2}}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestDiffAgainstTheVersionRead(t *testing.T) {
	d := newDriver(t, changedStore(t), Options{NoColor: true}, 100, 40)
	d.keys("enter")
	d.mustSee("Δ")
	d.keys("enter")
	d.mustSee("ændret siden du læste det", "d vis ændringer")
	d.keys("d")
	if _, ok := d.m.top().(*textScreen); !ok {
		t.Fatalf("d opened %T", d.m.top())
	}
	d.mustSee("Ændringer: 1 Trafiksikker skolevej", "mod den udgave, du læste",
		"[-hævede flader-]{+vejbump+}", "[-2,1-]{+2,4+}")
	// Without colour the marks alone carry the diff: no colour escapes in the frame.
	if c := d.m.View().Content; strings.Contains(c, "\x1b[3") || strings.Contains(c, "\x1b[9") {
		t.Fatalf("colours with NoColor: %q", c)
	}
	d.keys("esc")
	if _, ok := d.m.top().(*itemScreen); !ok {
		t.Fatalf("esc from the diff went to %T", d.m.top())
	}
}

func TestDiffWithColourStylesTheChanges(t *testing.T) {
	d := newDriver(t, changedStore(t), Options{}, 100, 40)
	d.keys("enter", "enter", "d")
	raw := d.m.View().Content
	if !strings.Contains(ansi.Strip(raw), "[-2,1-]{+2,4+}") {
		t.Fatalf("no diff:\n%s", ansi.Strip(raw))
	}
	if raw == ansi.Strip(raw) {
		t.Fatal("the diff is not styled")
	}
}

func TestDiffWithoutPreviousVersion(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 100, 30)
	d.keys("enter", "enter", "d")
	if _, ok := d.m.top().(*itemScreen); !ok {
		t.Fatalf("d without a previous version opened %T", d.m.top())
	}
	// The item never changed: that is what it says, not that the item is gone.
	d.mustSee("Der er ingen tidligere udgave af punktet.")
	d.mustNotSee("findes ikke længere")
}

func TestAttachmentTextInThePager(t *testing.T) {
	d := newDriver(t, fixtureStore(t), Options{}, 100, 30)
	d.keys("enter", "enter")
	d.mustSee("t bilagets tekst")
	d.keys("t")
	d.mustSee("Bilagets tekst: Projektbeskrivelse", "Vejbump og fartdæmpning ved skolens indgang.")
	d.keys("esc")
	if _, ok := d.m.top().(*itemScreen); !ok {
		t.Fatalf("esc went to %T", d.m.top())
	}
}
