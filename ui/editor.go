package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// editorScreen writes or edits one note: its text (a bubbles textarea), the stance and
// whether it is private or for the group. ctrl+s saves (the root stores it durably at
// once) and returns to the item; esc returns, asking first when something is unsaved.
type editorScreen struct {
	c       *Common
	md      *meetingData
	key     string
	orig    agenda.Note
	note    agenda.Note
	ta      textarea.Model
	field   int // 0 text, 1 stance, 2 visibility
	confirm bool
	done    bool
	w, h    int
	header  []string
}

const (
	fieldText = iota
	fieldStance
	fieldVisibility
	fieldCount
)

func newEditorScreen(c *Common, md *meetingData, key string, n agenda.Note) *editorScreen {
	if n.Visibility == "" {
		n.Visibility = agenda.Private
	}
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.Placeholder = c.T.EditorPlaceholder
	ta.MaxHeight = 0 // notes have no length limit
	ta.CharLimit = 0
	ta.SetVirtualCursor(false) // the terminal's own cursor: no blinking ticks
	ta.SetStyles(textarea.DefaultStyles(c.Dark))
	// ctrl+t and ctrl+g are the editor's; the textarea must not also act on them.
	ta.KeyMap.TransposeCharacterBackward.SetEnabled(false)
	ta.KeyMap.SelectAll.SetEnabled(false)
	ta.SetValue(n.Text)
	return &editorScreen{c: c, md: md, key: key, orig: n, note: n, ta: ta}
}

func (s *editorScreen) focus() tea.Cmd {
	s.field = fieldText
	return s.ta.Focus()
}

func (s *editorScreen) dirty() bool {
	return !s.done && (s.ta.Value() != s.orig.Text || s.note.Stance != s.orig.Stance || s.note.Visibility != s.orig.Visibility)
}

// save hands the note to the root, which stores it durably, and leaves the editor.
func (s *editorScreen) save() {
	n := s.note
	n.Text = s.ta.Value()
	s.done = true
	s.c.emit(saveNoteIntent{Key: s.key, Note: n})
	s.c.emit(backIntent{})
}

func (s *editorScreen) headerLines() []string {
	st, t := s.c.Styles, s.c.T
	w := max(s.w-2, 10)
	title := s.Crumb()
	a := s.note.Anchor
	it := s.md.item(a.ItemID)
	number, itemTitle := a.ItemNumber, a.ItemTitle
	if it != nil {
		number, itemTitle = it.Number, it.Title
	}
	out := []string{" " + cut(st.Title.Render(title)+st.Subtle.Render(" · "+number+" "+itemTitle), w)}
	if r := a.Recommendation; r != nil {
		text := a.Quote.Exact
		if it != nil && *r < len(it.Recommendations) {
			text = it.Recommendations[*r].Text
		}
		lines := wrapText(t.RecLabel(*r)+": "+strings.ReplaceAll(text, "\n", " "), w)
		if len(lines) > 3 {
			lines = append(lines[:2], cut(lines[2], w-2)+" …")
		}
		for _, l := range lines {
			out = append(out, " "+st.Subtle.Render(l))
		}
	} else {
		out = append(out, " "+st.Subtle.Render(t.ItemNote))
	}
	return append(out, "")
}

func (s *editorScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.header = s.headerLines()
	s.ta.SetWidth(max(w-2, 10))
	s.ta.SetHeight(max(h-len(s.header)-3, 2))
}

func (s *editorScreen) Crumb() string {
	if s.key != "" && s.orig.Text != "" {
		return s.c.T.EditNoteTitle
	}
	return s.c.T.NewNoteTitle
}

func (s *editorScreen) Capturing() bool { return true }

func (s *editorScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.confirm {
		return []key.Binding{k.Yes, k.No, k.Save}
	}
	return []key.Binding{k.Save, k.Cancel, k.NextField, k.CycleStance, k.ToggleGroup}
}

func (s *editorScreen) setField(f int) tea.Cmd {
	s.field = (f + fieldCount) % fieldCount
	if s.field == fieldText {
		return s.ta.Focus()
	}
	s.ta.Blur()
	return nil
}

func (s *editorScreen) cycleStance(dir int) {
	i := 0
	for j, x := range agenda.Stances {
		if x == s.note.Stance {
			i = j
		}
	}
	s.note.Stance = agenda.Stances[(i+dir+len(agenda.Stances))%len(agenda.Stances)]
}

func (s *editorScreen) toggleVisibility() {
	if s.note.Visibility == agenda.Group {
		s.note.Visibility = agenda.Private
	} else {
		s.note.Visibility = agenda.Group
	}
}

func (s *editorScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	switch msg := msg.(type) {
	case themeChangedMsg:
		s.ta.SetStyles(textarea.DefaultStyles(s.c.Dark))
		return s, nil
	case tea.KeyPressMsg:
		if s.confirm {
			switch {
			case matches(msg, k.Save):
				s.confirm = false
				s.save()
			case matches(msg, k.Yes):
				s.done = true
				s.c.emit(backIntent{})
			case matches(msg, k.No):
				s.confirm = false
			}
			return s, nil
		}
		switch {
		case matches(msg, k.Save):
			s.save()
			return s, nil
		case matches(msg, k.Cancel):
			if s.dirty() {
				s.confirm = true
				return s, nil
			}
			s.c.emit(backIntent{})
			return s, nil
		case matches(msg, k.NextField):
			return s, s.setField(s.field + 1)
		case matches(msg, k.PrevField):
			return s, s.setField(s.field - 1)
		case matches(msg, k.CycleStance):
			s.cycleStance(1)
			return s, nil
		case matches(msg, k.ToggleGroup):
			s.toggleVisibility()
			return s, nil
		}
		switch s.field {
		case fieldStance:
			switch msg.String() {
			case "left", "h", "k", "up":
				s.cycleStance(-1)
			case "right", "l", "j", "down", "space", "enter":
				s.cycleStance(1)
			}
			return s, nil
		case fieldVisibility:
			switch msg.String() {
			case "left", "right", "h", "l", "space", "enter", "up", "down", "j", "k":
				s.toggleVisibility()
			}
			return s, nil
		}
	}
	var cmd tea.Cmd
	s.ta, cmd = s.ta.Update(msg)
	return s, cmd
}

// cursor is where the terminal cursor goes, relative to this screen.
func (s *editorScreen) cursor() *tea.Cursor {
	if s.field != fieldText || s.confirm {
		return nil
	}
	c := s.ta.Cursor()
	if c == nil {
		return nil
	}
	c.Y += len(s.header)
	c.X++
	return c
}

func (s *editorScreen) View() string {
	st, t := s.c.Styles, s.c.T
	out := append([]string{}, s.header...)
	for _, l := range strings.Split(s.ta.View(), "\n") {
		out = append(out, " "+l)
	}
	label := func(f int, text string) string {
		if s.field == f {
			return st.Confirm.Render("▸ " + text + ":")
		}
		return st.Bold.Render("  " + text + ":")
	}
	choice := func(on bool, text string) string {
		if on {
			return st.TabActive.Render("‹" + text + "›")
		}
		return st.TabInactive.Render(text)
	}
	var b strings.Builder
	b.WriteString(label(fieldStance, t.StanceLabel))
	for _, x := range agenda.Stances {
		b.WriteString(choice(x == s.note.Stance, t.Stance(x)))
	}
	b.WriteString("  ")
	b.WriteString(label(fieldVisibility, t.VisibilityLabel))
	b.WriteString(choice(s.note.Visibility != agenda.Group, t.Private))
	b.WriteString(choice(s.note.Visibility == agenda.Group, t.Group))
	fields := b.String()
	var bottom []string
	switch {
	case s.confirm:
		for _, l := range wrapText(t.ConfirmDiscard, max(s.w-2, 10)) {
			bottom = append(bottom, " "+st.Confirm.Render(l))
		}
	case widthOf(fields) > s.w:
		// Narrow: the stance and the visibility on lines of their own.
		i := strings.Index(fields, label(fieldVisibility, t.VisibilityLabel))
		bottom = append(bottom, fields[:i], fields[i:])
	default:
		bottom = append(bottom, fields)
	}
	for len(bottom) < 3 {
		bottom = append(bottom, "") // the keys are on the footer, once
	}
	for _, l := range bottom[:3] {
		out = append(out, cut(l, s.w))
	}
	return strings.Join(out, "\n")
}
