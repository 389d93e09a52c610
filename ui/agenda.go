package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// agendaScreen lists a meeting's items by number under their group headings, each with
// its reading state (unread, read, changed since read), closed flag, the number of the
// member's notes and their stance on every recommendation.
type agendaScreen struct {
	c     *Common
	md    *meetingData
	w, h  int
	rows  []agendaRow
	list  listState
	query listFilter // narrows the items as the member types (f)
}

type agendaRow struct {
	heading string
	item    int  // index in the meeting's items, or -1 for a heading
	orphans bool // the "Noter uden sted" row
}

func newAgendaScreen(c *Common, md *meetingData) *agendaScreen {
	s := &agendaScreen{c: c, md: md, query: newListFilter(c)}
	s.rebuild()
	return s
}

func (s *agendaScreen) rebuild() {
	selected := s.selectedID()
	s.rows = s.rows[:0]
	group := ""
	for i := range s.md.meeting.Items {
		it := &s.md.meeting.Items[i]
		if s.query.on() && !s.query.match(it.Number+" "+it.Title+" "+it.CaseNumber+" "+it.Group) {
			continue
		}
		if it.Group != group || len(s.rows) == 0 && it.Group != "" {
			// A new group gets its heading; an item after a group but in none (KL's
			// "6. Eventuelt") gets a blank line, so it does not seem to belong above.
			s.rows = append(s.rows, agendaRow{heading: it.Group, item: -1})
		}
		group = it.Group
		s.rows = append(s.rows, agendaRow{item: i})
	}
	if len(s.md.orphans()) > 0 && !s.query.on() {
		s.rows = append(s.rows, agendaRow{item: -1, orphans: true})
	}
	heights := make([]int, len(s.rows))
	sel := make([]bool, len(s.rows))
	for i, r := range s.rows {
		switch {
		case r.orphans:
			heights[i], sel[i] = 2, true
		case r.item >= 0:
			heights[i], sel[i] = 1, true
		case r.heading == "" || i == 0:
			heights[i] = 1
		default:
			heights[i] = 2
		}
	}
	s.list.setRows(heights, sel)
	if selected != "" {
		s.selectItem(selected)
	}
}

func (s *agendaScreen) selectedID() string {
	if !s.list.ok() || s.list.cursor >= len(s.rows) {
		return ""
	}
	if i := s.rows[s.list.cursor].item; i >= 0 && i < len(s.md.meeting.Items) {
		return s.md.meeting.Items[i].ID
	}
	return ""
}

func (s *agendaScreen) selectItem(id string) {
	for i, r := range s.rows {
		if r.item >= 0 && s.md.meeting.Items[r.item].ID == id {
			s.list.cursor = i
			return
		}
	}
}

func (s *agendaScreen) SetSize(w, h int) { s.w, s.h = w, h }

func (s *agendaScreen) Crumb() string {
	m := s.md.meeting
	return m.Body.Name + " " + s.c.T.Date(m.Start)
}

func (s *agendaScreen) Capturing() bool { return s.query.typing }

func (s *agendaScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.query.typing {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", s.c.T.KeyChoose)),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", s.c.T.KeyClear)),
		}
	}
	return []key.Binding{k.Open, k.Back, k.Filter, k.Formoede, k.Brief, k.Sync, k.Search}
}

const agendaHeader = 4

// listTop is the screen line the item list starts on: under the meeting's three lines,
// and the filter line while there is one.
func (s *agendaScreen) listTop() int {
	if s.query.on() {
		return agendaHeader + 1
	}
	return agendaHeader
}

func (s *agendaScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	switch msg := msg.(type) {
	case mdChangedMsg:
		s.rebuild()
	case tea.KeyPressMsg:
		if s.query.typing {
			changed, handled, cmd := s.query.key(msg)
			if changed {
				s.rebuild()
				s.list.top()
			}
			if handled {
				return s, cmd
			}
		}
		switch {
		case msg.String() == "esc" && s.query.on():
			s.query.clear()
			s.rebuild()
		case matches(msg, k.Filter):
			return s, s.query.start()
		case matches(msg, k.Down):
			s.list.move(1)
		case matches(msg, k.Up):
			s.list.move(-1)
		case matches(msg, k.Top):
			s.list.top()
		case matches(msg, k.Bottom):
			s.list.bottom()
		case matches(msg, k.PageDown):
			s.list.page(s.h-s.listTop(), 1)
		case matches(msg, k.PageUp):
			s.list.page(s.h-s.listTop(), -1)
		case matches(msg, k.Open):
			s.open()
		case matches(msg, k.Back):
			s.c.emit(backIntent{})
		case matches(msg, k.Formoede) && k.Formoede.Enabled():
			s.c.emit(openFormoedeIntent{})
		case matches(msg, k.Brief) && k.Brief.Enabled():
			s.c.emit(writeBriefIntent{MeetingID: s.md.meeting.ID})
		}
	case tea.MouseClickMsg:
		row := s.list.rowAt(msg.Y - s.listTop())
		if msg.Y >= s.listTop() && row >= 0 && s.list.selectable[row] {
			if row == s.list.cursor {
				s.open()
			} else {
				s.list.cursor = row
			}
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

func (s *agendaScreen) open() {
	if s.list.ok() && s.list.cursor < len(s.rows) && s.rows[s.list.cursor].orphans {
		s.c.emit(openOrphansIntent{})
		return
	}
	if id := s.selectedID(); id != "" {
		s.c.emit(openItemIntent{ItemID: id})
	}
}

func (s *agendaScreen) View() string {
	st, t := s.c.Styles, s.c.T
	m := s.md.meeting
	title := m.Body.Name + " · " + t.Kind(m.Kind)
	when := t.Date(m.Start) + " " + t.Clock(m.Start)
	if m.Location != "" {
		when += " · " + m.Location
	}
	var third []string
	if !m.Premeeting.IsZero() {
		third = append(third, t.Premeeting+" "+t.Clock(m.Premeeting))
	}
	third = append(third, t.Count(len(m.Items), t.Items))
	nUnread, nChanged := 0, 0
	for i := range m.Items {
		switch s.md.state(m.Items[i].ID) {
		case unread:
			nUnread++
		case changedSinceRead:
			nChanged++
		}
	}
	if nUnread > 0 {
		third = append(third, st.Unread.Render(t.Count(nUnread, t.Unread)))
	}
	if nChanged > 0 {
		third = append(third, st.Changed.Render(t.Count(nChanged, t.Changed)))
	}
	lines := []string{
		cut(" "+st.Title.Render(title), s.w),
		cut(" "+st.Subtle.Render(when), s.w),
		cut(" "+strings.Join(third, st.Subtle.Render(" · ")), s.w),
		"",
	}
	if s.query.on() {
		lines = append(lines, s.query.view(s.w))
	}
	if len(s.rows) == 0 {
		msg := t.NoItems
		if s.query.on() {
			msg = t.FilterNothing
		}
		return strings.Join(append(lines, "  "+st.Subtle.Render(msg)), "\n")
	}
	numW := 0
	for i := range m.Items {
		numW = max(numW, widthOf(m.Items[i].Number))
	}
	numW = min(numW, 8)
	lines = append(lines, s.list.draw(s.h-s.listTop(), func(i int) []string { return s.row(i, numW) })...)
	return strings.Join(lines, "\n")
}

func (s *agendaScreen) row(i, numW int) []string {
	st, t := s.c.Styles, s.c.T
	r := s.rows[i]
	if r.orphans {
		marker := "  "
		if i == s.list.cursor {
			marker = st.Cursor.Render("›") + " "
		}
		line := fit(marker+st.Changed.Render("✎ "+t.Orphans)+fmt.Sprintf(" (%d)", len(s.md.orphans())), s.w)
		if i == s.list.cursor {
			line = paintRow(st.CursorRow, line)
		}
		return []string{"", line}
	}
	if r.item < 0 {
		h := " " + st.Heading.Render(cut(r.heading, s.w-2))
		switch {
		case r.heading == "":
			return []string{""}
		case i == 0:
			return []string{h}
		}
		return []string{"", h}
	}
	it := &s.md.meeting.Items[r.item]
	selected := i == s.list.cursor
	marker := "  "
	if selected {
		marker = st.Cursor.Render("›") + " "
	}
	var state string
	switch s.md.state(it.ID) {
	case unread:
		state = st.Unread.Render("●")
	case read:
		state = st.Read.Render("✓")
	default:
		state = st.Changed.Render("Δ")
	}
	// The right-hand side: closed, notes, stances. It is kept; the title gives way.
	var right []string
	if it.Closed {
		right = append(right, st.Closed.Render("["+t.ItemClosed+"]"))
	}
	n := 0
	for _, e := range s.md.notesOn(it.ID) {
		if e.written() {
			n++
		}
	}
	if n > 0 {
		right = append(right, fmt.Sprintf("✎ %d", n))
	}
	if len(it.Recommendations) > 0 {
		var b strings.Builder
		for ri := range it.Recommendations {
			if ri == 10 {
				b.WriteString("…")
				break
			}
			sn := s.md.stance(it.ID, ri, s.c.Author)
			b.WriteString(st.Stance[sn].Render(stanceMark(sn)))
		}
		right = append(right, b.String())
	}
	rightS := strings.Join(right, " ")
	left := marker + state + " " + fit(it.Number, numW) + "  "
	room := s.w - widthOf(left) - widthOf(rightS) - 2
	titleS := st.NoteText.Render(cut(it.Title, max(room, 4)))
	line := left + titleS
	if rightS != "" {
		line += strings.Repeat(" ", max(1, s.w-widthOf(line)-widthOf(rightS)-1)) + rightS
	}
	line = fit(line, s.w)
	if selected {
		line = paintRow(st.CursorRow, line)
	}
	return []string{line}
}
