package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// pushIntent puts a screen on the stack (a picker over the screen that asked for it).
type pushIntent struct{ s screen }

// pickOption is one choice of a picker: its line, and an optional second line (an
// attachment's address) that the filter also searches.
type pickOption struct {
	Label, Detail string
}

// pickerScreen chooses one of a list with filter-as-you-type: the body to show meetings
// of, an attachment among a hundred named alike. It opens typing; ↑/↓ move, enter
// chooses, esc clears the filter and then goes back.
type pickerScreen struct {
	c       *Common
	title   string
	options []pickOption
	shown   []int // indexes into options, after the filter
	list    listState
	filter  listFilter
	choose  func(i int) tea.Cmd
	w, h    int
}

func newPicker(c *Common, title string, options []pickOption, current int, choose func(i int) tea.Cmd) *pickerScreen {
	s := &pickerScreen{c: c, title: title, options: options, choose: choose, filter: newListFilter(c)}
	s.filter.typing = true
	s.filter.in.Focus()
	s.refilter()
	for i, o := range s.shown {
		if o == current {
			s.list.cursor = i
		}
	}
	return s
}

func (s *pickerScreen) refilter() {
	s.shown = s.shown[:0]
	for i, o := range s.options {
		if s.filter.match(o.Label + " " + o.Detail) {
			s.shown = append(s.shown, i)
		}
	}
	s.layout()
}

func (s *pickerScreen) layout() {
	hs := make([]int, len(s.shown))
	sel := make([]bool, len(s.shown))
	for i, o := range s.shown {
		hs[i], sel[i] = 1, true
		if s.options[o].Detail != "" {
			hs[i] = 2
		}
	}
	s.list.setRows(hs, sel)
}

func (s *pickerScreen) SetSize(w, h int) { s.w, s.h = w, h }
func (s *pickerScreen) Crumb() string    { return s.title }
func (s *pickerScreen) Capturing() bool  { return s.filter.typing }

func (s *pickerScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", s.c.T.KeySelect)),
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", s.c.T.KeyChoose)),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", k.Back.Help().Desc)),
	}
}

func (s *pickerScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case msg.String() == "enter" || (!s.filter.typing && matches(msg, k.Open)):
			return s, s.pick()
		case msg.String() == "esc" && s.filter.on() && s.filter.in.Value() != "":
			s.filter.clear()
			s.filter.typing = true
			s.filter.in.Focus()
			s.refilter()
			return s, nil
		case msg.String() == "esc" || (!s.filter.typing && matches(msg, k.Back)):
			s.c.emit(backIntent{})
			return s, nil
		case matches(msg, k.Down) && (!s.filter.typing || msg.String() == "down"):
			s.list.move(1)
			return s, nil
		case matches(msg, k.Up) && (!s.filter.typing || msg.String() == "up"):
			s.list.move(-1)
			return s, nil
		case msg.String() == "pgdown":
			s.list.page(s.h-2, 1)
			return s, nil
		case msg.String() == "pgup":
			s.list.page(s.h-2, -1)
			return s, nil
		case !s.filter.typing:
			if msg.String() == "f" || msg.String() == "/" {
				return s, s.filter.start()
			}
			return s, nil
		}
		changed, _, cmd := s.filter.key(msg)
		if changed {
			s.refilter()
		}
		return s, cmd
	case tea.MouseClickMsg:
		row := s.list.rowAt(msg.Y - 2)
		if row >= 0 && row < len(s.shown) {
			if row == s.list.cursor {
				return s, s.pick()
			}
			s.list.cursor = row
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.list.move(1)
		case tea.MouseWheelUp:
			s.list.move(-1)
		}
	}
	return s, nil
}

func (s *pickerScreen) pick() tea.Cmd {
	if !s.list.ok() || s.list.cursor >= len(s.shown) {
		return nil
	}
	i := s.shown[s.list.cursor]
	s.c.emit(backIntent{})
	return s.choose(i)
}

func (s *pickerScreen) View() string {
	st, t := s.c.Styles, s.c.T
	head := " " + st.Title.Render(s.title) + st.Subtle.Render(fmt.Sprintf(" · %d", len(s.shown)))
	if len(s.shown) != len(s.options) {
		head += st.Subtle.Render(fmt.Sprintf(" %s %d", t.Of, len(s.options)))
	}
	lines := []string{cut(head, s.w), s.filter.view(s.w)}
	if len(s.shown) == 0 {
		lines = append(lines, "", "  "+st.Subtle.Render(t.FilterNothing))
		return strings.Join(lines, "\n")
	}
	lines = append(lines, s.list.draw(s.h-2, func(i int) []string {
		o := s.options[s.shown[i]]
		marker := "  "
		if i == s.list.cursor {
			marker = st.Cursor.Render("›") + " "
		}
		out := []string{fit(marker+st.Title.Render(o.Label), s.w)}
		if o.Detail != "" {
			out = append(out, fit("    "+st.Subtle.Render(o.Detail), s.w))
		}
		if i == s.list.cursor {
			for j := range out {
				out[j] = paintRow(st.CursorRow, out[j])
			}
		}
		return out
	})...)
	return strings.Join(lines, "\n")
}
