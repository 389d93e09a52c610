package ui

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dagsorden/dagsorden/agenda/example"
)

// updating reports -update, the flag teatest's golden package already defines: the
// golden files in testdata/golden are rewritten instead of compared.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// goldenWidths are the widths every screen is checked at.
var goldenWidths = []int{60, 100, 200}

// scenes drive the example to each screen the member sees.
var scenes = []struct {
	name  string
	store func(t testing.TB) Store
	keys  []string
	text  string // typed after the keys
}{
	{"welcome", func(t testing.TB) Store { return openStore(t) }, nil, ""},
	{"meetings", func(t testing.TB) Store { return exampleStore(t) }, nil, ""},
	{"meetings-watch", func(t testing.TB) Store { return watchStore(t) }, []string{"k"}, ""},
	{"documents", func(t testing.TB) Store { return fixtureStore(t) }, []string{"tab"}, ""},
	{"agenda", func(t testing.TB) Store { return exampleStore(t) }, []string{"enter"}, ""},
	{"item", func(t testing.TB) Store { return exampleStore(t) }, []string{"enter", "j", "enter", "]", "]", "s", "s", "n"}, "Hvad koster grundskylden for en parcelhusejer?"},
	{"item-notes", func(t testing.TB) Store { return fixtureStore(t) }, []string{"enter", "enter", "]", "n"}, "Spørg til tidsplanen"},
	{"editor", func(t testing.TB) Store { return exampleStore(t) }, []string{"enter", "j", "enter", "]", "n"}, "Vi bør stemme imod"},
	{"help", func(t testing.TB) Store { return exampleStore(t) }, []string{"?"}, ""},
	{"search", func(t testing.TB) Store { return fixtureStore(t) }, []string{"/"}, "skole"},
	{"search-meeting", func(t testing.TB) Store { return fixtureStore(t) }, []string{"enter", "/"}, "skole"},
	{"formoede", func(t testing.TB) Store { return groupStore(t) }, []string{"enter", "F"}, ""},
	{"diff", func(t testing.TB) Store { return changedStore(t) }, []string{"enter", "enter", "d"}, ""},
	{"attachment-text", func(t testing.TB) Store { return fixtureStore(t) }, []string{"enter", "enter", "t"}, ""},
}

// sceneOptions are the options a scene needs beyond the defaults (the formøde view needs
// the group client).
var sceneOptions = map[string]func(st Store) Options{
	"formoede": func(st Store) Options { return Options{Author: "Anne", Group: groupClient(st)} },
}

// play drives a scene; the item scenes save the typed note and return to the item.
func play(t testing.TB, w, h int, sc int) *driver {
	s := scenes[sc]
	st := s.store(t)
	var opts Options
	if f := sceneOptions[s.name]; f != nil {
		opts = f(st)
	}
	d := newDriver(t, st, opts, w, h)
	d.keys(s.keys...)
	if s.text != "" {
		d.typeText(s.text)
	}
	if strings.HasPrefix(s.name, "item") {
		d.keys("ctrl+s")
	}
	return d
}

func TestGoldenViews(t *testing.T) {
	for sc, s := range scenes {
		for _, w := range goldenWidths {
			t.Run(fmt.Sprintf("%s-%d", s.name, w), func(t *testing.T) {
				d := play(t, w, 30, sc)
				d.m.status = "" // status lines expire; the screen is what is compared
				content := d.m.View().Content
				checkFrame(t, content, w, 30)
				got := ansi.Strip(content)
				// Trailing spaces are padding, not content.
				lines := strings.Split(got, "\n")
				for i := range lines {
					lines[i] = strings.TrimRight(lines[i], " ")
				}
				got = strings.Join(lines, "\n") + "\n"
				path := filepath.Join("testdata", "golden", fmt.Sprintf("%s-%d.txt", s.name, w))
				if updating() {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./ui -run TestGoldenViews -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("the %s screen at %d columns changed (go test ./ui -run TestGoldenViews -update accepts it):\n--- got\n%s--- want\n%s", s.name, w, got, want)
				}
			})
		}
	}
}

// Every screen fits every width from 60 to 250 columns and every height from 12 rows.
func TestNoBrokenLayoutAtAnySize(t *testing.T) {
	sizes := [][2]int{{60, 12}, {61, 24}, {73, 17}, {109, 40}, {110, 40}, {181, 25}, {250, 60}}
	for sc, s := range scenes {
		d := play(t, 100, 30, sc)
		for _, sz := range sizes {
			d.resize(sz[0], sz[1])
			checkFrame(t, d.m.View().Content, sz[0], sz[1])
			d.settle()
			content := d.m.View().Content
			checkFrame(t, content, sz[0], sz[1])
			if t.Failed() {
				t.Fatalf("%s at %dx%d:\n%s", s.name, sz[0], sz[1], ansi.Strip(content))
			}
		}
	}
}

// Resizing from 200 to 60 columns and back leaves the screen as a fresh one at 200.
func TestResizeLeavesNoGarbage(t *testing.T) {
	for sc, s := range scenes {
		d := play(t, 200, 40, sc)
		d.m.status = ""
		fresh := d.view()
		for _, w := range []int{150, 90, 60, 75, 200} {
			d.resize(w, 40)
		}
		d.settle()
		d.m.status = ""
		if got := d.view(); got != fresh {
			t.Errorf("%s: after resizing to 60 and back the screen differs:\n--- got\n%s\n--- fresh\n%s", s.name, got, fresh)
		}
	}
}

// A member mashing keys and resizing never crashes the program or breaks the layout.
func TestRandomKeysNeverBreakTheScreen(t *testing.T) {
	st := fixtureStore(t)
	p, err := example.Package(testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(p); err != nil {
		t.Fatal(err)
	}
	keys := []string{"j", "k", "j", "enter", "enter", "esc", "l", "h", "tab", "g", "G", "pgdown", "pgup",
		"]", "[", "]", "s", "n", "e", "o", "x", "y", "f", "?", "/", "a", "æ", "ctrl+s", "ctrl+t", "ctrl+g",
		"space", "backspace", "up", "down", "left", "right"}
	sizes := [][2]int{{60, 14}, {100, 30}, {200, 50}, {75, 20}}
	r := rand.New(rand.NewPCG(3, 7))
	d := newDriver(t, st, Options{}, 100, 30)
	w, h := 100, 30
	visited := map[string]bool{}
	for i := range 1000 {
		if i%97 == 0 {
			sz := sizes[r.IntN(len(sizes))]
			w, h = sz[0], sz[1]
			d.resize(w, h)
		}
		if i%31 == 0 {
			d.settle()
		}
		k := keys[r.IntN(len(keys))]
		d.keys(k)
		if d.quit {
			t.Fatalf("quit after %d keys without q", i)
		}
		visited[fmt.Sprintf("%T", d.m.top())] = true
		checkFrame(t, d.m.View().Content, w, h)
		if t.Failed() {
			t.Fatalf("after key %d (%q):\n%s", i, k, d.view())
		}
	}
	t.Logf("screens reached: %v", visited)
	if len(visited) < 6 {
		t.Fatalf("the keys reached only %v: the test does not exercise the screens", visited)
	}
}
