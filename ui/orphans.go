package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// orphanScreen lists a meeting's notes whose item a re-publication removed ("Noter uden
// sted"): each says where it was written, and e edits it. Nothing here deletes a note.
type orphanScreen struct {
	c     *Common
	md    *meetingData
	w, h  int
	notes []*noteEntry
	list  listState
}

func newOrphanScreen(c *Common, md *meetingData) *orphanScreen {
	s := &orphanScreen{c: c, md: md}
	s.reload()
	return s
}

func (s *orphanScreen) reload() {
	s.notes = s.md.orphans()
	hs := make([]int, len(s.notes))
	sel := make([]bool, len(s.notes))
	for i, e := range s.notes {
		hs[i], sel[i] = 2+len(s.text(e)), true
	}
	s.list.setRows(hs, sel)
}

func (s *orphanScreen) text(e *noteEntry) []string {
	text := strings.TrimSpace(e.note.Text)
	if text == "" {
		return nil
	}
	lines := e.md.get(text, max(s.w-6, 10), s.c.Styles)
	if len(lines) > 4 {
		lines = append(slices.Clone(lines[:3]), "…")
	}
	return lines
}

func (s *orphanScreen) SetSize(w, h int) { s.w, s.h = w, h; s.reload() }
func (s *orphanScreen) Crumb() string    { return s.c.T.Orphans }
func (s *orphanScreen) Capturing() bool  { return false }

func (s *orphanScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.EditNote, k.Back}
}

func (s *orphanScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	switch msg := msg.(type) {
	case mdChangedMsg:
		s.reload()
	case tea.KeyPressMsg:
		switch {
		case matches(msg, k.Back):
			s.c.emit(backIntent{})
		case matches(msg, k.Down):
			s.list.move(1)
		case matches(msg, k.Up):
			s.list.move(-1)
		case matches(msg, k.EditNote), matches(msg, k.Open):
			if s.list.ok() && s.list.cursor < len(s.notes) {
				e := s.notes[s.list.cursor]
				s.c.emit(editNoteIntent{Key: e.key, Note: e.note})
			}
		}
	}
	return s, nil
}

func (s *orphanScreen) View() string {
	st, t := s.c.Styles, s.c.T
	var out []string
	for _, l := range wrapText(t.OrphansIntro, max(s.w-2, 10)) {
		out = append(out, " "+st.Subtle.Render(l))
	}
	out = append(out, "")
	top := len(out)
	out = append(out, s.list.draw(s.h-top, func(i int) []string {
		e := s.notes[i]
		a := e.note.Anchor
		marker := "  "
		if i == s.list.cursor {
			marker = st.Cursor.Render("›") + " "
		}
		where := strings.TrimSpace(a.ItemNumber + " " + a.ItemTitle)
		if a.Recommendation != nil {
			where += " · " + t.RecLabel(*a.Recommendation)
		}
		meta := st.Bold.Render(where)
		if e.note.Stance != agenda.StanceNone {
			meta += st.Subtle.Render(" · ") + st.Stance[e.note.Stance].Render(t.Stance(e.note.Stance))
		}
		lines := []string{fit(marker+meta, s.w)}
		if q := a.Quote.Exact; q != "" && a.Recommendation != nil {
			lines = append(lines, fit("    "+st.Subtle.Render("“"+q+"”"), s.w))
		} else {
			lines = append(lines, "")
		}
		for _, l := range s.text(e) {
			lines = append(lines, fit("    "+st.NoteText.Render(l), s.w))
		}
		if i == s.list.cursor {
			for j := range lines {
				lines[j] = paintRow(st.CursorRow, fit(lines[j], s.w))
			}
		}
		return lines
	})...)
	return strings.Join(out, "\n")
}
