package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/example"
	"github.com/dagsorden/dagsorden/store"
)

// The real store must satisfy the UI's interface.
var _ Store = (*store.Store)(nil)

// testNow is before the example meeting (8 December 2026), so it is "upcoming" and the
// example is not moved: views are the same on every run.
var testNow = time.Date(2026, 12, 1, 12, 0, 0, 0, agenda.Copenhagen)

// openStore opens a real store in a temporary folder.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// exampleStore is a real store holding the bundled example meeting.
func exampleStore(t testing.TB) *store.Store {
	t.Helper()
	st := openStore(t)
	p, err := example.Package(testNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(p); err != nil {
		t.Fatal(err)
	}
	return st
}

// press builds a key press the way the terminal reports it: Code and Text both set for
// printable keys.
func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if strings.HasPrefix(k, "ctrl+") {
		return tea.KeyPressMsg{Code: []rune(k[5:])[0], Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// timerMsg stands for a tea.Tick in tests: the driver keeps it until fired.
type timerMsg struct {
	d   time.Duration
	msg tea.Msg
}

// driver runs the root model synchronously: it delivers a message, runs the commands
// Update returns and feeds their messages back until nothing is left, except timers,
// which wait until the test fires them.
type driver struct {
	t      testing.TB
	m      *model
	timers []timerMsg
	quit   bool
	opened []string
}

func newDriver(t testing.TB, st Store, opts Options, w, h int) *driver {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	d := &driver{t: t}
	if opts.OpenFile == nil {
		opts.OpenFile = func(path string) error { d.opened = append(d.opened, path); return nil }
	}
	d.m = newModel(st, opts, nil)
	d.m.c.after = func(dur time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{dur, msg} }
	}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	d.exec(d.m.Init())
	d.settle()
	return d
}

func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.deliver(cmd())
}

func (d *driver) deliver(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			d.exec(c)
		}
	case timerMsg:
		d.timers = append(d.timers, msg)
	case tea.QuitMsg:
		d.quit = true
	default:
		_, cmd := d.m.Update(msg)
		d.exec(cmd)
	}
}

func (d *driver) send(msgs ...tea.Msg) {
	for _, m := range msgs {
		d.deliver(m)
	}
}

// keys presses each key in turn.
func (d *driver) keys(ks ...string) {
	for _, k := range ks {
		d.deliver(press(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.deliver(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// fire delivers the waiting timers whose message keep accepts.
func (d *driver) fire(keep func(tea.Msg) bool) {
	var left, due []timerMsg
	for _, tm := range d.timers {
		if keep(tm.msg) {
			due = append(due, tm)
		} else {
			left = append(left, tm)
		}
	}
	d.timers = left
	for _, tm := range due {
		d.deliver(tm.msg)
	}
}

// settle ends the resize debounce.
func (d *driver) settle() {
	d.fire(func(m tea.Msg) bool { _, ok := m.(resizeSettledMsg); return ok })
}

// poll runs one generation check, as the one-second tick would.
func (d *driver) poll() {
	d.fire(func(m tea.Msg) bool { _, ok := m.(genTickMsg); return ok })
}

func (d *driver) resize(w, h int) {
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
}

// view is the screen as text, without colours.
func (d *driver) view() string { return ansi.Strip(d.m.View().Content) }

func (d *driver) mustSee(texts ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range texts {
		if !strings.Contains(v, s) {
			d.t.Fatalf("the screen does not show %q:\n%s", s, v)
		}
	}
}

func (d *driver) mustNotSee(texts ...string) {
	d.t.Helper()
	v := d.view()
	for _, s := range texts {
		if strings.Contains(v, s) {
			d.t.Fatalf("the screen shows %q but should not:\n%s", s, v)
		}
	}
}

// checkFrame asserts the view is exactly w×h cells at most: no line wider, no extra line.
func checkFrame(t testing.TB, content string, w, h int) {
	t.Helper()
	lines := strings.Split(content, "\n")
	if len(lines) > h {
		t.Errorf("%d lines on a terminal of %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d cells on a terminal of %d: %q", i, lw, w, ansi.Strip(l))
		}
	}
}
