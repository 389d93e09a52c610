package ui

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/text/cases"
)

// listFilter narrows a list as the member types (the meetings, an agenda, the attachment
// and body pickers): every word typed must occur in a row's text, without regard to case.
// While typing, printable keys are text (the screen is Capturing); ↑/↓ still move in the
// list, enter keeps the filter and gives the keys back, esc clears it.
type listFilter struct {
	in     textinput.Model
	typing bool
	words  []string // the query's words, folded
}

var fold = cases.Fold()

func newListFilter(c *Common) listFilter {
	in := textinput.New()
	in.Prompt = c.T.FilterPrompt + " "
	in.Placeholder = c.T.FilterPlaceholder
	st := in.Styles()
	st.Cursor.Blink = false // a still cursor: no ticks while idle
	in.SetStyles(st)
	return listFilter{in: in}
}

// start begins typing (again) into the filter.
func (f *listFilter) start() tea.Cmd {
	f.typing = true
	return f.in.Focus()
}

// on reports whether the filter narrows the list or is being typed.
func (f *listFilter) on() bool { return f.typing || len(f.words) > 0 }

// clear drops the filter.
func (f *listFilter) clear() {
	f.in.SetValue("")
	f.in.Blur()
	f.typing, f.words = false, nil
}

// key handles a key while typing. It reports whether the query changed and whether the
// key was the filter's (a key it leaves, ↑/↓ and the like, goes to the list).
func (f *listFilter) key(msg tea.KeyPressMsg) (changed, handled bool, cmd tea.Cmd) {
	switch msg.String() {
	case "esc":
		f.clear()
		return true, true, nil
	case "enter":
		f.typing = false
		f.in.Blur()
		return false, true, nil
	case "up", "down", "pgup", "pgdown", "ctrl+c":
		return false, false, nil
	}
	before := f.in.Value()
	f.in, cmd = f.in.Update(msg)
	if f.in.Value() != before {
		f.words = strings.Fields(fold.String(f.in.Value()))
		return true, true, cmd
	}
	return false, true, cmd
}

// match reports whether text holds every word of the query.
func (f *listFilter) match(text string) bool {
	if len(f.words) == 0 {
		return true
	}
	text = fold.String(text)
	for _, w := range f.words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// matchFolded is match on text already folded (a list folds its rows once, not on every
// key).
func (f *listFilter) matchFolded(text string) bool {
	for _, w := range f.words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// view is the filter's line.
func (f *listFilter) view(w int) string {
	f.in.SetWidth(max(w-widthOf(f.in.Prompt)-2, 8))
	return cut(" "+f.in.View(), w)
}
