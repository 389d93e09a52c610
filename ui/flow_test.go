package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/example"
	"github.com/dagsorden/dagsorden/agenda/importer"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
)

// End-to-end flows: the real program loop (teatest), a real store in t.TempDir(), real
// timers. The screen is read from the terminal output the program writes.

func startProgram(t *testing.T, st Store, w, h int) *teatest.TestModel {
	t.Helper()
	m := newModel(st, Options{Now: func() time.Time { return testNow }}, nil)
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
}

// waitFor waits until the terminal has shown every one of texts. The renderer writes
// only the cells that changed, so texts must be new on the screen, not edits of text
// already there.
func waitFor(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		plain := ansi.Strip(string(b)) // everything written so far
		for _, s := range texts {
			if !strings.Contains(plain, s) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func send(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(press(k))
	}
}

// finalView is the last screen of a program that has quit.
func finalView(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	m := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*model)
	return m.View().Content
}

// The issue's own acceptance: read an item, select its second recommendation, write a
// note, save, set the stance against with s, quit — the note is in the store on that
// item, recommendation 1, stance against.
func TestFlowReadAnnotateQuitPersists(t *testing.T) {
	st := exampleStore(t)
	tm := startProgram(t, st, 100, 30)
	waitFor(t, tm, "Kommende møder", "Byrådet, Fjordby Kommune")
	send(tm, "enter")
	waitFor(t, tm, "Sager til beslutning")
	send(tm, "j", "enter") // item 2
	waitFor(t, tm, "Sag 26/01877")
	send(tm, "pgdown", "pgdown", "]", "]", "n")
	waitFor(t, tm, "Indstilling 2: udskrivningsprocenten")
	tm.Type("Hvad betyder det for grundskylden?")
	send(tm, "ctrl+s", "s", "s", "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	ns := storedNotes(t, st)
	if len(ns) != 1 {
		t.Fatalf("want one note, got %+v", ns)
	}
	n := ns[0]
	m, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	var item2 string
	for _, it := range m[0].Items {
		if it.Number == "2" {
			item2 = it.ID
		}
	}
	if n.Anchor.ItemID != item2 || n.Anchor.Recommendation == nil || *n.Anchor.Recommendation != 1 ||
		n.Stance != agenda.StanceAgainst || n.Text != "Hvad betyder det for grundskylden?" || n.Status != agenda.StatusOK {
		t.Fatalf("stored note: %+v (rec %v)", n, n.Anchor.Recommendation)
	}
}

// The same on the real KKR agenda (seeds/001): item 3.1, its second recommendation.
func TestFlowSeedAgenda(t *testing.T) {
	path := shared.Path(t, "seeds", "001_147b9d108b7927a9.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("seed not readable: %v", err)
	}
	p, err := importer.Parse("001.txt", data)
	if err != nil {
		t.Fatalf("import the seed: %v", err)
	}
	st := openStore(t)
	if _, err := st.Import(p); err != nil {
		t.Fatal(err)
	}
	tm := startProgram(t, st, 120, 40)
	waitFor(t, tm, "KKR Hovedstaden")
	send(tm, "enter")
	waitFor(t, tm, "Regionalpolitiske sager")
	send(tm, "j", "j", "j", "enter") // 1.1, 1.2, 2.1 → 3.1
	waitFor(t, tm, "SAG-2023-01182")
	send(tm, "]", "]", "n")
	waitFor(t, tm, "Indstilling 2")
	tm.Type("Spørg til finansieringen")
	send(tm, "ctrl+s", "s", "s", "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	ns := storedNotes(t, st)
	if len(ns) != 1 || ns[0].Anchor.ItemNumber != "3.1" || ns[0].Anchor.Recommendation == nil ||
		*ns[0].Anchor.Recommendation != 1 || ns[0].Stance != agenda.StanceAgainst {
		t.Fatalf("stored %+v", ns)
	}
}

func TestFlowSearchJumps(t *testing.T) {
	st := fixtureStore(t)
	tm := startProgram(t, st, 100, 30)
	waitFor(t, tm, "Teknik- og Miljøudvalget")
	send(tm, "/")
	tm.Type("evaluering")
	waitFor(t, tm, "beder om en evaluering", "2 resultater") // the hits and how many

	send(tm, "enter")
	waitFor(t, tm, "Sag 26/100")
	send(tm, "q")
	v := ansi.Strip(finalView(t, tm))
	if !strings.Contains(v, "▶ ┃ 2. beder om en evaluering") {
		t.Fatalf("the jump did not select the recommendation:\n%s", v)
	}
}

func TestFlowResize(t *testing.T) {
	tm := startProgram(t, exampleStore(t), 200, 40)
	waitFor(t, tm, "Byrådet, Fjordby Kommune")
	send(tm, "enter")
	waitFor(t, tm, "Sager til beslutning")
	send(tm, "j", "enter", "]", "]")
	waitFor(t, tm, "Sag 26/01877")
	for _, w := range []int{160, 120, 90, 60, 61, 100, 200} {
		tm.Send(tea.WindowSizeMsg{Width: w, Height: 40})
	}
	time.Sleep(2 * resizeDebounce) // let the debounced re-render run at 200
	send(tm, "q")
	content := finalView(t, tm)
	checkFrame(t, content, 200, 40)
	v := ansi.Strip(content)
	if !strings.Contains(v, "▶ ┃ 2. udskrivningsprocenten") || !strings.Contains(v, "Noter (0)") {
		t.Fatalf("after resizing the item is not whole:\n%s", v)
	}
}

// A meeting imported from another terminal appears without a restart.
func TestFlowLiveImport(t *testing.T) {
	st := fixtureStore(t)
	tm := startProgram(t, st, 100, 30)
	waitFor(t, tm, "Teknik- og Miljøudvalget")
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
	waitFor(t, tm, "Byrådet, Fjordby Kommune")
	send(tm, "q")
	if v := ansi.Strip(finalView(t, tm)); !strings.Contains(v, "Møder (2)") {
		t.Fatalf("the list does not count the new meeting:\n%s", v)
	}
}
