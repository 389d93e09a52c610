package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// documentScreen shows reading material (a newsletter, a programme) in a pager.
type documentScreen struct {
	c      *Common
	doc    *agenda.Document
	pg     *pager
	w, h   int
	header []string
}

func newDocumentScreen(c *Common, d *agenda.Document) *documentScreen {
	s := &documentScreen{c: c, doc: d, pg: newPager(c)}
	var blocks []block
	for _, sec := range d.Sections {
		md := sec.Text
		if h := strings.TrimSpace(sec.Heading); h != "" {
			md = "## " + h + "\n\n" + md
		}
		blocks = append(blocks, markdownBlocks(c, md, len(blocks) > 0)...)
	}
	s.pg.setBlocks(blocks, false)
	return s
}

func (s *documentScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	st, t := s.c.Styles, s.c.T
	s.header = s.header[:0]
	title := wrapText(s.doc.Title, max(w-2, 10))
	if len(title) > 2 {
		title = title[:2]
	}
	for _, l := range title {
		s.header = append(s.header, " "+st.Title.Render(l))
	}
	date := t.Undated
	if !s.doc.Date.IsZero() {
		date = t.Date(s.doc.Date)
	}
	s.header = append(s.header, " "+st.Subtle.Render(date), "")
	s.pg.SetSize(min(w, maxTextWidth), max(h-len(s.header), 1))
}

func (s *documentScreen) Crumb() string   { return s.doc.Title }
func (s *documentScreen) Capturing() bool { return false }

func (s *documentScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Down, k.PageDown, k.Back}
}

func (s *documentScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case renderedMsg:
		return s, s.pg.handleRendered(msg)
	case resizeSettledMsg, themeChangedMsg:
		return s, s.pg.settle()
	case tea.KeyPressMsg:
		if matches(msg, s.c.Keys.Back) {
			s.c.emit(backIntent{})
			return s, nil
		}
		s.pg.scroll(msg, s.c.Keys)
	case tea.MouseWheelMsg:
		s.pg.scroll(msg, s.c.Keys)
	}
	return s, nil
}

func (s *documentScreen) View() string {
	return strings.Join(s.header, "\n") + "\n" + s.pg.View()
}
