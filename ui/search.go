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
// shown. It shows how many hits there are in all and loads the next page as the cursor
// nears the end of those it has. Opened inside a meeting it searches that meeting, and
// tab widens it to every meeting (and back). enter jumps to the hit: the meeting, the
// item, the recommendation or the note.
type searchScreen struct {
	c      *Common
	search Searcher
	in     textinput.Model
	w, h   int

	// meetingID is the meeting the screen was opened in ("" on the meetings list),
	// meetingName its body and date; wide: the member widened the search to all.
	meetingID, meetingName string
	wide                   bool

	seq      int
	answered int    // the seq the hits answer: more pages only for the latest query
	shown    string // the query the hits answer
	hits     []SearchHit
	total    int  // hits of the query in all, loaded or not
	loading  bool // a further page is asked for
	err      error
	list     listState
	context  func(h SearchHit) string
}

// searchPage is how many hits one request loads; searchAhead how close to the end of
// the loaded hits the cursor comes before the next page is asked for.
const (
	searchPage  = 50
	searchAhead = 15
)

type searchResultMsg struct {
	seq    int
	query  string
	offset int
	res    SearchResult
	err    error
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

// open starts typing in the meeting meetingID (named name), or in all meetings when it
// is "". A query from before is asked again, as the store or the place may have changed.
func (s *searchScreen) open(meetingID, name string) tea.Cmd {
	if meetingID != s.meetingID {
		s.wide = false
	}
	s.meetingID, s.meetingName = meetingID, name
	s.in.Placeholder = s.c.T.SearchPlaceholder
	if s.scope() != "" {
		s.in.Placeholder = s.c.T.SearchPlaceholderMeeting
	}
	return tea.Batch(s.in.Focus(), s.ask())
}

// scope is the meeting searched, "" for all.
func (s *searchScreen) scope() string {
	if s.wide {
		return ""
	}
	return s.meetingID
}

// ask searches the query in the field from its first hit; nil when there is none.
func (s *searchScreen) ask() tea.Cmd {
	s.seq++
	s.loading = false
	q := s.in.Value()
	if strings.TrimSpace(q) == "" || s.search == nil {
		s.hits, s.total, s.shown, s.err = nil, 0, q, nil
		s.layout()
		return nil
	}
	return searchCmd(s.search, s.seq, q, SearchOptions{MeetingID: s.scope(), Limit: searchPage})
}

// more asks for the next page when the cursor is near the end of the hits loaded and
// there are more.
func (s *searchScreen) more() tea.Cmd {
	if s.loading || s.search == nil || s.answered != s.seq || len(s.hits) >= s.total || s.list.cursor < len(s.hits)-searchAhead {
		return nil
	}
	s.loading = true
	return searchCmd(s.search, s.seq, s.shown, SearchOptions{MeetingID: s.scope(), Offset: len(s.hits), Limit: searchPage})
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
	k, t := s.c.Keys, s.c.T
	keys := []key.Binding{
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", t.KeySelect)),
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", k.Open.Help().Desc)),
	}
	// tab only where it does something: inside a meeting.
	switch {
	case s.meetingID != "" && !s.wide:
		keys = append(keys, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", t.KeySearchAll)))
	case s.meetingID != "":
		keys = append(keys, key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", t.KeySearchMeeting)))
	}
	return append(keys, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", k.Back.Help().Desc)))
}

func searchCmd(sr Searcher, seq int, q string, o SearchOptions) tea.Cmd {
	return func() tea.Msg {
		res, err := sr.SearchWith(q, o)
		return searchResultMsg{seq: seq, query: q, offset: o.Offset, res: res, err: err}
	}
}

// move moves the cursor and asks for more hits when it nears the end.
func (s *searchScreen) move(f func()) (screen, tea.Cmd) {
	f()
	return s, s.more()
}

func (s *searchScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case searchResultMsg:
		if msg.seq != s.seq {
			return s, nil // an answer to a query the user has typed past
		}
		if msg.err != nil {
			s.c.Log.Printf("search: %v", msg.err) // not the query: the member's words stay out of logs
		}
		if msg.offset > 0 {
			// A further page: added below, the cursor where it is.
			s.loading = false
			if msg.err != nil || msg.offset != len(s.hits) || msg.query != s.shown {
				return s, nil
			}
			s.hits, s.total = append(s.hits, msg.res.Hits...), msg.res.Total
			s.layout()
			return s, s.more() // the cursor may have run ahead while it loaded
		}
		s.answered, s.shown, s.hits, s.total, s.err = msg.seq, msg.query, msg.res.Hits, msg.res.Total, msg.err
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
		case "tab":
			if s.meetingID == "" {
				return s, nil
			}
			s.wide = !s.wide
			return s, s.open(s.meetingID, s.meetingName)
		case "down", "ctrl+n":
			return s.move(func() { s.list.move(1) })
		case "up", "ctrl+p":
			s.list.move(-1)
			return s, nil
		case "pgdown":
			return s.move(func() { s.list.page(s.listHeight(), 1) })
		case "pgup":
			s.list.page(s.listHeight(), -1)
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
		return s, s.more()
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			return s.move(func() { s.list.move(1) })
		} else if msg.Button == tea.MouseWheelUp {
			s.list.move(-1)
		}
		return s, nil
	}
	before := s.in.Value()
	var cmd tea.Cmd
	s.in, cmd = s.in.Update(msg)
	if s.in.Value() != before {
		return s, tea.Batch(cmd, s.ask())
	}
	return s, cmd
}

// listHeight is the lines the hits are drawn in: below the field and the count, above
// the line that says how many more there are.
func (s *searchScreen) listHeight() int { return max(s.h-3, 1) }

// countLine: "329 resultater", "12 resultater i dette møde · Økonomiudvalget …", and
// before anything is typed, where the search will look.
func (s *searchScreen) countLine(q string) string {
	t := s.c.T
	var parts []string
	if q != "" && strings.TrimSpace(s.shown) == q && s.err == nil && s.total > 0 { // none: the list says so
		parts = append(parts, t.Count(s.total, t.SearchHits))
	}
	switch {
	case s.meetingID != "" && !s.wide:
		parts = append(parts, t.SearchInMeeting+" · "+s.meetingName)
	case s.meetingID != "":
		parts = append(parts, t.SearchInAll)
	}
	return strings.Join(parts, " ")
}

func (s *searchScreen) View() string {
	st, t := s.c.Styles, s.c.T
	q := strings.TrimSpace(s.in.Value())
	out := []string{" " + s.in.View(), ""}
	if s.search != nil {
		if c := s.countLine(q); c != "" {
			out[1] = "  " + st.Subtle.Render(cut(c, s.w-2))
		}
	}
	switch {
	case s.search == nil:
		out = append(out, "  "+st.Subtle.Render(cut(t.SearchUnavailable, s.w-2)))
	case s.err != nil:
		out = append(out, "  "+st.StatusError.Render(cut(s.c.errText(s.err), s.w-2)))
	case q == "":
	case len(s.hits) == 0 && strings.TrimSpace(s.shown) == q:
		out = append(out, "  "+st.Subtle.Render(t.SearchNone))
	default:
		h := s.listHeight()
		out = append(out, s.list.draw(h, s.row)...)
		// How many hits are below the last one shown, loaded or not.
		if _, last, _ := s.list.visible(h); last >= 0 && s.total > last+1 {
			for len(out) < 2+h {
				out = append(out, "")
			}
			out = append(out, "  "+st.Subtle.Render(fmt.Sprintf(t.SearchMore, s.total-last-1)))
		}
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
	if s.context != nil && s.scope() == "" { // within a meeting every hit is of that meeting
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
