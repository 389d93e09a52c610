package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// helpScreen lists every binding of the key map, grouped by where it applies, and the
// markers the screens use. It is drawn from the same KeyMap the screens match keys with.
type helpScreen struct {
	c      *Common
	w, h   int
	offset int
	lines  []string
}

func newHelpScreen(c *Common) *helpScreen { return &helpScreen{c: c} }

func (s *helpScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.lines = s.build()
	s.offset = min(s.offset, max(0, len(s.lines)-h))
}

func (s *helpScreen) build() []string {
	st, t := s.c.Styles, s.c.T
	keyW := 0
	groups := s.c.Keys.helpGroups(t)
	for _, g := range groups {
		for _, b := range g.Bindings {
			keyW = max(keyW, widthOf(b.Help().Key))
		}
	}
	for _, m := range t.Markers {
		keyW = max(keyW, widthOf(m[0]))
	}
	keyW = min(keyW, 14)
	row := func(k, desc string) string {
		return cut("    "+st.FooterKey.Render(fit(k, keyW))+"  "+st.FooterDesc.Render(desc), s.w)
	}
	var out []string
	out = append(out, " "+st.Title.Render(t.HelpTitle), "")
	for _, g := range groups {
		out = append(out, "  "+st.Heading.Render(g.Title))
		for _, b := range g.Bindings {
			if b.Enabled() {
				out = append(out, row(b.Help().Key, b.Help().Desc))
			}
		}
		out = append(out, "")
	}
	out = append(out, "  "+st.Heading.Render(t.HelpMarkers))
	for _, m := range t.Markers {
		out = append(out, row(m[0], m[1]))
	}
	out = append(out, "")
	for _, l := range wrapText(t.HelpMouse, max(s.w-4, 10)) {
		out = append(out, "  "+st.Subtle.Render(l))
	}
	return out
}

func (s *helpScreen) Crumb() string   { return s.c.T.HelpTitle }
func (s *helpScreen) Capturing() bool { return false }

func (s *helpScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Down, k.Up, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc/?", s.c.T.KeyBack))}
}

func (s *helpScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	maxOff := max(0, len(s.lines)-s.h)
	switch msg := msg.(type) {
	case themeChangedMsg:
		s.lines = s.build()
	case tea.KeyPressMsg:
		switch {
		case matches(msg, k.Back):
			s.c.emit(backIntent{})
		case matches(msg, k.Down):
			s.offset = min(s.offset+1, maxOff)
		case matches(msg, k.Up):
			s.offset = max(s.offset-1, 0)
		case matches(msg, k.PageDown):
			s.offset = min(s.offset+s.h, maxOff)
		case matches(msg, k.PageUp):
			s.offset = max(s.offset-s.h, 0)
		case matches(msg, k.Top):
			s.offset = 0
		case matches(msg, k.Bottom):
			s.offset = maxOff
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			s.offset = min(s.offset+3, maxOff)
		} else if msg.Button == tea.MouseWheelUp {
			s.offset = max(s.offset-3, 0)
		}
	}
	return s, nil
}

func (s *helpScreen) View() string {
	end := min(len(s.lines), s.offset+s.h)
	return strings.Join(s.lines[s.offset:end], "\n")
}
