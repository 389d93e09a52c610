package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// searchScreen searches as the user types: every change runs the store's search in a
// command tagged with a sequence number, and only the answer to the latest query is
// shown. enter jumps to the hit: the meeting, the item, the recommendation or the note.
type searchScreen struct {
	c      *Common
	search Searcher
	in     textinput.Model
	w, h   int

	seq     int
	shown   string // the query the hits answer
	hits    []SearchHit
	err     error
	list    listState
	context func(h SearchHit) string
}

// searchLimit is how many hits one query shows.
const searchLimit = 50

type searchResultMsg struct {
	seq   int
	query string
	hits  []SearchHit
	err   error
}

func newSearchScreen(c *Common, sr Searcher) *searchScreen {
	in := textinput.New()
	in.Placeholder = c.T.SearchPlaceholder
	in.Prompt = "/ "
	st := in.Styles()
	st.Cursor.Blink = false // a still cursor: no ticks while the screen is idle
	in.SetStyles(st)
	return &searchScreen{c: c, search: sr, in: in}
}

// focus starts typing; a query from before is asked again, as the store may have changed.
func (s *searchScreen) focus() tea.Cmd {
	cmd := s.in.Focus()
	if q := s.in.Value(); strings.TrimSpace(q) != "" && s.search != nil {
		s.seq++
		return tea.Batch(cmd, searchCmd(s.search, s.seq, q))
	}
	return cmd
}

func (s *searchScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.in.SetWidth(max(w-4, 10))
	s.layout()
}

func (s *searchScreen) layout() {
	hs := make([]int, len(s.hits))
	sel := make([]bool, len(s.hits))
	for i := range s.hits {
		hs[i], sel[i] = 2, true
	}
	s.list.setRows(hs, sel)
}

func (s *searchScreen) Crumb() string   { return s.c.T.SearchTitle }
func (s *searchScreen) Capturing() bool { return true }

func (s *searchScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", s.c.T.KeySelect)),
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", k.Open.Help().Desc)),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", k.Back.Help().Desc)),
	}
}

func searchCmd(sr Searcher, seq int, q string) tea.Cmd {
	return func() tea.Msg {
		hits, err := sr.Search(q, searchLimit)
		return searchResultMsg{seq: seq, query: q, hits: hits, err: err}
	}
}

func (s *searchScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case searchResultMsg:
		if msg.seq != s.seq {
			return s, nil // an answer to a query the user has typed past
		}
		s.shown, s.hits, s.err = msg.query, msg.hits, msg.err
		if msg.err != nil {
			s.c.Log.Printf("search %q: %v", msg.query, msg.err)
		}
		s.list.cursor = 0
		s.list.offset = 0
		s.layout()
		return s, nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "esc":
			s.c.emit(backIntent{})
			return s, nil
		case "enter":
			if s.list.ok() && s.list.cursor < len(s.hits) {
				s.c.emit(jumpIntent{Hit: s.hits[s.list.cursor]})
			}
			return s, nil
		case "down", "ctrl+n":
			s.list.move(1)
			return s, nil
		case "up", "ctrl+p":
			s.list.move(-1)
			return s, nil
		case "pgdown":
			s.list.page(s.h-2, 1)
			return s, nil
		case "pgup":
			s.list.page(s.h-2, -1)
			return s, nil
		}
	case tea.MouseClickMsg:
		row := s.list.rowAt(msg.Y - 2)
		if msg.Y >= 2 && row >= 0 && row < len(s.hits) {
			if row == s.list.cursor {
				s.c.emit(jumpIntent{Hit: s.hits[row]})
			} else {
				s.list.cursor = row
			}
		}
		return s, nil
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			s.list.move(1)
		} else if msg.Button == tea.MouseWheelUp {
			s.list.move(-1)
		}
		return s, nil
	}
	before := s.in.Value()
	var cmd tea.Cmd
	s.in, cmd = s.in.Update(msg)
	if q := s.in.Value(); q != before {
		s.seq++
		if strings.TrimSpace(q) == "" || s.search == nil {
			s.hits, s.shown, s.err = nil, q, nil
			s.layout()
			return s, cmd
		}
		return s, tea.Batch(cmd, searchCmd(s.search, s.seq, q))
	}
	return s, cmd
}

func (s *searchScreen) View() string {
	st, t := s.c.Styles, s.c.T
	out := []string{" " + s.in.View(), ""}
	q := strings.TrimSpace(s.in.Value())
	switch {
	case s.search == nil:
		out = append(out, "  "+st.Subtle.Render(cut(t.SearchUnavailable, s.w-2)))
	case s.err != nil:
		out = append(out, "  "+st.StatusError.Render(cut(s.c.errText(s.err), s.w-2)))
	case q == "":
	case len(s.hits) == 0 && strings.TrimSpace(s.shown) == q:
		out = append(out, "  "+st.Subtle.Render(t.SearchNone))
	default:
		out = append(out, s.list.draw(s.h-2, s.row)...)
	}
	return strings.Join(out, "\n")
}

func (s *searchScreen) row(i int) []string {
	st, t := s.c.Styles, s.c.T
	h := s.hits[i]
	selected := i == s.list.cursor
	marker := "  "
	if selected {
		marker = st.Cursor.Render("›") + " "
	}
	kind := t.HitKinds[h.Kind]
	if kind == "" {
		kind = h.Kind
	}
	head := marker + st.Bold.Render(kind) + st.Subtle.Render(" · ")
	if h.Kind == HitAttachment && h.AttachmentTitle != "" {
		// What the attachment is comes first; the item it belongs to after.
		head += st.Title.Render(h.AttachmentTitle)
		if h.Page > 0 {
			head += st.Subtle.Render(", " + fmt.Sprintf(t.Page, h.Page))
		}
		head += st.Subtle.Render(" · ")
	}
	if s.context != nil {
		if c := s.context(h); c != "" {
			head += st.Subtle.Render(c + " · ")
		}
	}
	head += st.Title.Render(h.Title)
	snippet := "    " + highlight(h.Snippet, h.Matches, max(s.w-5, 10), st.Match.Render)
	lines := []string{fit(head, s.w), fit(snippet, s.w)}
	if selected {
		for j := range lines {
			lines[j] = paintRow(st.CursorRow, lines[j])
		}
	}
	return lines
}

// highlight styles the matched byte ranges of one line of text and cuts it to width
// cells; when the first match would fall past the edge, the line starts a little before
// it instead.
func highlight(text string, matches [][2]int, width int, mark func(...string) string) string {
	// Line breaks become spaces byte for byte, so the offsets still fit.
	text = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, text)
	ms := make([][2]int, 0, len(matches))
	for _, m := range matches {
		if m[0] >= 0 && m[1] <= len(text) && m[0] < m[1] {
			ms = append(ms, m)
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i][0] < ms[j][0] })
	start := 0
	if len(ms) > 0 && ansi.StringWidth(text[:ms[0][1]]) > width-4 {
		// Start a little before the first match, at a rune boundary.
		start = ms[0][0]
		for n := 0; start > 0 && n < width/4; n++ {
			start--
			for start > 0 && !utf8Start(text[start]) {
				start--
			}
		}
		// Start at a word, not inside one.
		if i := strings.IndexByte(text[start:ms[0][0]], ' '); start > 0 && text[start-1] != ' ' && i >= 0 {
			start += i + 1
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, m := range ms {
		if m[0] < pos {
			continue
		}
		b.WriteString(text[pos:m[0]])
		b.WriteString(mark(text[m[0]:m[1]]))
		pos = m[1]
	}
	b.WriteString(text[pos:])
	return cut(b.String(), width)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
