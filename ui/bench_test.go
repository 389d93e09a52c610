package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/importer"
	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/storetest"
)

// Budgets of issue 3, measured here (go test -bench . -run ^$ ./ui):
//
//	start to first frame, 1,000 meetings / 20,000 items   ≤ 80 ms
//	open an item ≤ 8 KB, to first paint                   ≤ 16 ms
//	open any item from the render cache                   ≤ 2 ms
//	first screen of a 190 KB item                         ≤ 50 ms
//	key press to updated view                             ≤ 16 ms

var (
	largeOnce sync.Once
	largeDir  string
	largeErr  error
)

// largeStore is a store of 1,000 meetings and 20,000 items (storetest), made once per
// test binary.
func largeStore(b *testing.B) *store.Store {
	b.Helper()
	largeOnce.Do(func() {
		largeDir, largeErr = os.MkdirTemp("", "dagsorden-ui-bench-")
		if largeErr == nil {
			largeErr = storetest.Generate(largeDir, 1000, 20)
		}
	})
	if largeErr != nil {
		b.Fatal(largeErr)
	}
	st, err := store.Open(largeDir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func TestMain(m *testing.M) {
	code := m.Run()
	if largeDir != "" {
		os.RemoveAll(largeDir)
	}
	os.Exit(code)
}

// cpuMeter adds up the CPU time of the measured part of each iteration.
type cpuMeter struct {
	total time.Duration
	start time.Duration
}

func (c *cpuMeter) begin() { c.start = cpuTime() }
func (c *cpuMeter) end()   { c.total += cpuTime() - c.start }
func (c *cpuMeter) report(b *testing.B) {
	b.ReportMetric(float64(c.total)/float64(b.N)/1e6, "cpu-ms/op")
}

// benchModel is a root model with timers switched off, sized, not yet started.
func benchModel(st Store, w, h int) *model {
	m := newModel(st, Options{Now: func() time.Time { return testNow }}, nil)
	m.c.after = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// runAll runs cmd and everything it leads to (as the driver does, without timers).
func runAll(m *model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			runAll(m, c)
		}
	default:
		_, next := m.Update(msg)
		runAll(m, next)
	}
}

// runOnce runs cmd's commands and hands their results to the model, but not what those
// lead to: the first render batch, not the whole chain.
func runOnce(m *model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			runOnce(m, c)
		}
	default:
		m.Update(msg)
	}
}

func BenchmarkStartToFirstFrame(b *testing.B) {
	st := largeStore(b)
	var cpu cpuMeter
	b.ResetTimer()
	for b.Loop() {
		cpu.begin()
		m := benchModel(st, 120, 40)
		runAll(m, m.Init())
		v := m.View().Content
		cpu.end()
		if !strings.Contains(v, "Tidligere møder") {
			b.Fatalf("no meeting list in the first frame:\n%s", v)
		}
	}
	b.StopTimer()
	cpu.report(b)
	var ms runtime.MemStats
	m := benchModel(st, 120, 40)
	runAll(m, m.Init())
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MB-heap-with-store-open")
	runtime.KeepAlive(m)
}

// onAgenda opens the first meeting of st and returns the model on its agenda.
func onAgenda(b *testing.B, st Store) *model {
	m := benchModel(st, 120, 40)
	runAll(m, m.Init())
	_, cmd := m.Update(press("enter"))
	runAll(m, cmd)
	if _, ok := m.top().(*agendaScreen); !ok {
		b.Fatal("the agenda did not open")
	}
	return m
}

func itemSize(it *agenda.Item) int {
	n := len(it.Title)
	for _, s := range it.Sections {
		n += len(s.Heading) + len(s.Text)
	}
	return n
}

// benchOpen measures opening the agenda's selected item. fresh empties the render cache
// first; rendered waits for the first glamour batch (the visible chunks).
func benchOpen(b *testing.B, m *model, fresh, rendered bool) {
	a := m.top().(*agendaScreen)
	it := m.md.item(a.selectedID())
	b.ReportMetric(float64(itemSize(it))/1024, "KB-item")
	// Open it once first, so the store write that marks it read is not measured.
	_, cmd := m.Update(press("enter"))
	runOnce(m, cmd)
	m.Update(press("esc"))
	var cpu cpuMeter
	defer cpu.report(b)
	for b.Loop() {
		if fresh {
			m.c.cache = newRenderCache(48 << 20)
		}
		cpu.begin()
		_, cmd := m.Update(press("enter"))
		if rendered {
			runOnce(m, cmd)
		}
		_ = m.View()
		cpu.end()
		b.StopTimer()
		s := m.top().(*itemScreen)
		if rendered && s.pg.blockAt(0) >= 0 {
			if _, ok := m.c.cache.get(s.pg.key(&s.pg.blocks[s.pg.blockAt(0)])); !ok && s.pg.blocks[s.pg.blockAt(0)].raw == nil {
				b.Fatal("the first screen is not rendered")
			}
		}
		m.Update(press("esc"))
		b.StartTimer()
	}
}

func BenchmarkOpenItem(b *testing.B) {
	st := largeStore(b)
	b.Run("4KB-first-paint", func(b *testing.B) { benchOpen(b, onAgenda(b, st), true, false) })
	b.Run("4KB-glamour-first-screen", func(b *testing.B) { benchOpen(b, onAgenda(b, st), true, true) })
	b.Run("from-cache", func(b *testing.B) {
		m := onAgenda(b, st)
		_, cmd := m.Update(press("enter"))
		runAll(m, cmd) // everything rendered and cached
		m.Update(press("esc"))
		benchOpen(b, m, false, false)
	})
}

// largeItemStore holds one meeting whose item 1 is the largest item of the Greve
// samples (190 KB of HTML), or without the samples a synthetic 190 KB Markdown item.
func largeItemStore(b *testing.B, synthetic bool) *store.Store {
	dir := b.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var m agenda.Meeting
	if !synthetic {
		path := shared.Path(b, "samples", "firstagenda", "greve", "2022-02-07_social-og-handicapudvalget_db087237.json")
		data, err := os.ReadFile(path)
		if err != nil {
			b.Skipf("sample: %v", err)
		}
		p, err := importer.Parse(filepath.Base(path), data)
		if err != nil {
			b.Fatal(err)
		}
		m = p.Meetings[0]
		for i, it := range m.Items {
			if it.Number == "5" {
				m.Items[0], m.Items[i] = m.Items[i], m.Items[0]
			}
		}
	} else {
		m = fixtureMeeting(fixtureStart, "Social- og Handicapudvalget")
		var b strings.Builder
		for i := 0; b.Len() < 190<<10; i++ {
			fmt.Fprintf(&b, "### Afsnit %d\n\nMagtanvendelser på det specialiserede voksenområde er gennemgået for **%d borgere**. "+
				"Forvaltningen har fulgt op på hver indberetning og vurderet, om der er behov for en handleplan.\n\n"+
				"| Tilbud | Indberetninger | Heraf fastholdelse |\n|---|---:|---:|\n| Bostedet Egely | %d | %d |\n| Værestedet | %d | %d |\n\n"+
				"- Personalet er undervist i konflikthåndtering\n- Der er indført faste opfølgningsmøder\n\n", i, i+3, i*2, i, i+1, i/2)
		}
		m.Items[0].Sections = append([]agenda.Section{{Heading: "Sagsfremstilling", Text: b.String()}}, m.Items[0].Sections...)
		agenda.AssignIDs(&m)
	}
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		b.Fatal(err)
	}
	return st
}

func BenchmarkOpenLargeItem(b *testing.B) {
	for _, c := range []struct {
		name      string
		synthetic bool
	}{{"greve-190KB-html", false}, {"synthetic-190KB-markdown", true}} {
		b.Run(c.name+"-first-paint", func(b *testing.B) { benchOpen(b, onAgenda(b, largeItemStore(b, c.synthetic)), true, false) })
		b.Run(c.name+"-glamour-first-screen", func(b *testing.B) { benchOpen(b, onAgenda(b, largeItemStore(b, c.synthetic)), true, true) })
	}
}

// Key press to updated view: the press goes through Update and the new frame is drawn.
func BenchmarkKeyPress(b *testing.B) {
	b.Run("meetings-j-1000-meetings", func(b *testing.B) {
		m := benchModel(largeStore(b), 120, 40)
		runAll(m, m.Init())
		keys := []string{"j", "k"}
		i := 0
		var cpu cpuMeter
		for b.Loop() {
			cpu.begin()
			m.Update(press(keys[i%2]))
			_ = m.View()
			cpu.end()
			i++
		}
		cpu.report(b)
	})
	for _, c := range []struct {
		name string
		keys []string
	}{{"item-scroll-j", []string{"j", "k"}}, {"item-select-rec", []string{"]", "["}}, {"item-pgdown", []string{"pgdown", "pgup"}}} {
		b.Run("190KB-"+c.name, func(b *testing.B) {
			m := onAgenda(b, largeItemStore(b, true))
			_, cmd := m.Update(press("enter"))
			runAll(m, cmd)
			m.Update(press("G")) // at the recommendations, at the end
			i := 0
			var cpu cpuMeter
			for b.Loop() {
				cpu.begin()
				m.Update(press(c.keys[i%2]))
				_ = m.View()
				cpu.end()
				i++
			}
			cpu.report(b)
		})
	}
}

// What an idle second costs: one generation check and a frame.
func BenchmarkIdlePoll(b *testing.B) {
	m := benchModel(largeStore(b), 120, 40)
	runAll(m, m.Init())
	var cpu cpuMeter
	for b.Loop() {
		cpu.begin()
		runAll(m, func() tea.Msg { return genTickMsg{} })
		_ = m.View()
		cpu.end()
	}
	cpu.report(b)
}

// Typing in the search screen over 1,000 meetings: each key runs the store's search and
// draws the results (the search itself is the store's budget; this is the screen's).
func BenchmarkSearchTyping(b *testing.B) {
	m := benchModel(largeStore(b), 120, 40)
	runAll(m, m.Init())
	m.Update(press("/"))
	word := []rune("lokalplanerne")
	var cpu cpuMeter
	i := 0
	for b.Loop() {
		k := i % (len(word) + 1)
		cpu.begin()
		var cmd tea.Cmd
		if k == len(word) {
			_, cmd = m.Update(press("ctrl+u")) // start over
		} else {
			_, cmd = m.Update(press(string(word[k])))
		}
		runAll(m, cmd)
		_ = m.View()
		cpu.end()
		i++
	}
	cpu.report(b)
	if len(m.srch.hits) == 0 && m.srch.in.Value() != "" {
		b.Fatalf("no hits for %q", m.srch.in.Value())
	}
}
