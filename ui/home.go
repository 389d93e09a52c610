package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// homeScreen lists the meetings (upcoming first, then past) and, in its own tab, the
// reading material. Above the meetings, the newest items and attachments that mention a
// watched word (when the store is a Watcher and has any). With an empty store it is the
// welcome screen.
type homeScreen struct {
	c    *Common
	w, h int

	loaded, loadingExample bool
	// openExample: enter shows the example in a throw-away store; keepExample: i imports
	// it into the member's own (Options.OpenExample and LoadExample).
	openExample, keepExample bool

	meetings  []store.MeetingSummary
	docs      []agenda.Document
	noteCount map[string]int // item id → the member's notes on it
	marks     map[string]string
	bodies    []string
	bodyOf    map[string]string // meeting id → body name
	watch     []store.WatchHit
	watchW    int    // cells of the longest watched word shown, to align the titles
	body      string // the body whose meetings are shown; "" for all
	query     listFilter
	hay       map[string]string // meeting id → what the filter searches, folded
	tab       int               // 0: meetings, 1: reading material
	shown     int               // meetings that pass the body and the filter

	rows  []homeRow
	list  listState
	dlist listState
}

// homeRow is a heading, a meeting, a mention of a watched word, or the line saying how
// many more mentions there are.
type homeRow struct {
	heading                    string
	m                          *store.MeetingSummary
	hit                        *store.WatchHit
	more                       int
	unread, changed, annotated int
}

// key names the row's meeting or mention, to keep the cursor on it across reloads.
func (r *homeRow) key() string {
	switch {
	case r.m != nil:
		return "m" + r.m.ID
	case r.hit != nil:
		return "w" + watchKey(r.hit)
	}
	return ""
}

func newHomeScreen(c *Common, openExample, keepExample bool) *homeScreen {
	return &homeScreen{c: c, openExample: openExample, keepExample: keepExample, marks: map[string]string{}, noteCount: map[string]int{},
		query: newListFilter(c)}
}

func (s *homeScreen) setData(ms []store.MeetingSummary, docs []agenda.Document, notes []agenda.Note, marks map[string]string, watch []store.WatchHit) {
	s.loaded = true
	s.meetings, s.docs, s.watch = ms, docs, watch
	if marks == nil {
		marks = map[string]string{}
	}
	s.marks = marks
	s.noteCount = map[string]int{}
	for i := range notes {
		n := &notes[i]
		if n.Deleted || (strings.TrimSpace(n.Text) == "" && n.Stance == agenda.StanceNone) {
			continue
		}
		s.noteCount[n.Anchor.ItemID]++
	}
	seen := map[string]bool{}
	s.bodies = s.bodies[:0]
	s.bodyOf = make(map[string]string, len(ms))
	for i := range ms {
		s.bodyOf[ms[i].ID] = ms[i].Body.Name
		if b := ms[i].Body.Name; !seen[b] {
			seen[b] = true
			s.bodies = append(s.bodies, b)
		}
	}
	sort.Strings(s.bodies)
	if !seen[s.body] {
		s.body = ""
	}
	s.hay = make(map[string]string, len(ms))
	for i := range ms {
		s.hay[ms[i].ID] = fold.String(s.haystack(&ms[i]))
	}
	s.rebuild()
}

func (s *homeScreen) empty() bool { return s.loaded && len(s.meetings) == 0 && len(s.docs) == 0 }

func startOfDay(t time.Time) time.Time {
	t = t.In(agenda.Copenhagen)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, agenda.Copenhagen)
}

// rebuild orders and filters the meetings: upcoming (from today) soonest first, then past
// ones latest first, under the mentions of watched words in the bodies shown. The
// selection stays on the same meeting or mention; at first it is on the first meeting.
func (s *homeScreen) rebuild() {
	selected := ""
	if s.list.ok() && s.list.cursor < len(s.rows) {
		selected = s.rows[s.list.cursor].key()
	}
	today := startOfDay(s.c.Now())
	var up, past []homeRow
	for i := range s.meetings {
		m := &s.meetings[i]
		if s.body != "" && m.Body.Name != s.body || !s.query.matchFolded(s.hay[m.ID]) {
			continue
		}
		r := homeRow{m: m}
		for _, it := range m.Items {
			switch stateOf(s.marks, it.ID, it.TextHash) {
			case unread:
				r.unread++
			case changedSinceRead:
				r.changed++
			}
			if s.noteCount[it.ID] > 0 {
				r.annotated++
			}
		}
		if !m.Start.Before(today) {
			up = append(up, r)
		} else {
			past = append(past, r)
		}
	}
	// Meetings() is ordered by start: upcoming stay ascending, past turn descending.
	for i, j := 0, len(past)-1; i < j; i, j = i+1, j-1 {
		past[i], past[j] = past[j], past[i]
	}
	s.shown = len(up) + len(past)
	s.rows = s.rows[:0]
	s.watchW = 0
	var hits []homeRow
	more := 0
	for i := range s.watch {
		h := &s.watch[i]
		switch {
		case s.body != "" && s.bodyOf[h.MeetingID] != s.body, len(s.query.words) > 0:
			// Filtering is looking for a meeting: the mentions step aside.
		case len(hits) == watchShown:
			more++
		default:
			hits = append(hits, homeRow{hit: h})
			s.watchW = max(s.watchW, min(widthOf(h.Watch), 20))
		}
	}
	if len(hits) > 0 {
		s.rows = append(s.rows, homeRow{heading: s.c.T.WatchHead})
		s.rows = append(s.rows, hits...)
		if more > 0 {
			s.rows = append(s.rows, homeRow{more: more})
		}
	}
	if len(up) > 0 {
		s.rows = append(s.rows, homeRow{heading: s.c.T.Upcoming})
		s.rows = append(s.rows, up...)
	}
	if len(past) > 0 {
		s.rows = append(s.rows, homeRow{heading: s.c.T.Past})
		s.rows = append(s.rows, past...)
	}
	s.layout()
	s.list.cursor = s.firstMeetingRow()
	for i := range s.rows {
		if selected != "" && s.rows[i].key() == selected {
			s.list.cursor = i
		}
	}
	if !s.list.ok() {
		s.list.move(0)
	}
	var dh []int
	var ds []bool
	for range s.docs {
		dh, ds = append(dh, 1), append(ds, true)
	}
	s.dlist.setRows(dh, ds)
}

func (s *homeScreen) meetingLines() int {
	if s.w >= 110 {
		return 2
	}
	return 3
}

func (s *homeScreen) layout() {
	heights := make([]int, len(s.rows))
	sel := make([]bool, len(s.rows))
	for i, r := range s.rows {
		switch {
		case r.m != nil:
			heights[i], sel[i] = s.meetingLines(), true
		case r.hit != nil:
			heights[i], sel[i] = s.watchLines(r.hit), true
		case r.more > 0 || i == 0:
			heights[i] = 1
		default:
			heights[i] = 2 // a blank line, then the heading
		}
	}
	s.list.setRows(heights, sel)
}

// firstMeeting is the meeting at the top of the list: the next one, else the latest.
func (s *homeScreen) firstMeeting() string {
	if i := s.firstMeetingRow(); i < len(s.rows) && s.rows[i].m != nil {
		return s.rows[i].m.ID
	}
	return ""
}

// firstMeetingRow is the row of the first meeting, or 0 when there is none (setRows then
// moves to the first row that can be selected).
func (s *homeScreen) firstMeetingRow() int {
	for i, r := range s.rows {
		if r.m != nil {
			return i
		}
	}
	return 0
}

func (s *homeScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.layout()
}

func (s *homeScreen) Crumb() string {
	if s.tab == 1 {
		return s.c.T.DocumentsTab
	}
	return ""
}

func (s *homeScreen) Capturing() bool { return s.query.typing }

// haystack is what the filter looks for a meeting in: its body, title, place, kind, its
// date written the ways people type one (3. dec. 2026, 2026-12-03, 3.12.2026), and its
// items' numbers, titles and case numbers.
func (s *homeScreen) haystack(m *store.MeetingSummary) string {
	var b strings.Builder
	for _, x := range []string{m.Body.Name, m.Title, m.Location, string(m.Kind)} {
		b.WriteString(x)
		b.WriteByte('\n')
	}
	if !m.Start.IsZero() {
		d := m.Start.In(agenda.Copenhagen)
		b.WriteString(s.c.T.Date(d) + "\n" + d.Format("2006-01-02 2.1.2006 02.01.2006 02-01-2006") + "\n")
	}
	for _, it := range m.Items {
		b.WriteString(it.Number + " " + it.Title + " " + it.CaseNumber + "\n")
	}
	return b.String()
}

// pickBody opens the body picker: every body, "alle udvalg" first, filter as you type.
func (s *homeScreen) pickBody() {
	opts := []pickOption{{Label: s.c.T.AllBodies}}
	current := 0
	for i, b := range s.bodies {
		opts = append(opts, pickOption{Label: b})
		if b == s.body {
			current = i + 1
		}
	}
	s.c.emit(pushIntent{newPicker(s.c, s.c.T.BodyPick, opts, current, func(i int) tea.Cmd {
		s.body = ""
		if i > 0 {
			s.body = s.bodies[i-1]
		}
		s.rebuild()
		s.list.top()
		s.list.cursor = s.firstMeetingRow()
		s.list.move(0)
		return nil
	})})
}

func (s *homeScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.empty() {
		return nil
	}
	if s.tab == 1 {
		return []key.Binding{k.Open, k.Tab, k.Search}
	}
	if s.query.typing {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", s.c.T.KeyChoose)),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", s.c.T.KeyClear)),
		}
	}
	b := []key.Binding{k.Open, k.Filter}
	if len(s.bodies) > 1 {
		b = append(b, k.Body)
	}
	return append(b, k.Today, k.Tab, k.Sync, k.Search)
}

func (s *homeScreen) cur() *listState {
	if s.tab == 1 {
		return &s.dlist
	}
	return &s.list
}

func (s *homeScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if s.empty() {
			switch {
			case matches(msg, k.Open) && s.openExample:
				s.c.emit(openExampleIntent{})
			case matches(msg, k.KeepExample) && s.keepExample:
				s.c.emit(loadExampleIntent{})
			}
			return s, nil
		}
		l := s.cur()
		if s.tab == 0 && s.query.typing {
			changed, handled, cmd := s.query.key(msg)
			if changed {
				s.rebuild()
				s.list.cursor = s.firstMeetingRow()
				s.list.move(0)
			}
			if handled {
				return s, cmd
			}
		}
		switch {
		case s.tab == 0 && msg.String() == "esc" && s.query.on():
			s.query.clear()
			s.rebuild()
		case matches(msg, k.Tab):
			s.tab = 1 - s.tab
		case matches(msg, k.Down):
			l.move(1)
		case matches(msg, k.Up):
			l.move(-1)
		case matches(msg, k.Top):
			l.top()
		case matches(msg, k.Bottom):
			l.bottom()
		case matches(msg, k.PageDown):
			l.page(s.h-1, 1)
		case matches(msg, k.PageUp):
			l.page(s.h-1, -1)
		case matches(msg, k.Open):
			s.open()
		case matches(msg, k.Filter) && s.tab == 0:
			return s, s.query.start()
		case matches(msg, k.Body) && s.tab == 0 && len(s.bodies) > 1:
			s.pickBody()
		case matches(msg, k.Today) && s.tab == 0:
			s.list.cursor = s.firstMeetingRow()
			s.list.move(0)
		}
	case tea.MouseClickMsg:
		if msg.Y == 0 {
			// The tab bar: a click on a tab switches to it.
			w0, w1 := s.tabWidths()
			switch {
			case msg.X < w0:
				s.tab = 0
			case msg.X < w0+1+w1:
				s.tab = 1
			}
			return s, nil
		}
		l := s.cur()
		row := l.rowAt(msg.Y - s.listTop())
		if row >= 0 && row < len(l.selectable) && l.selectable[row] {
			if row == l.cursor {
				s.open()
			} else {
				l.cursor = row
			}
		}
	case tea.MouseWheelMsg:
		l := s.cur()
		switch msg.Button {
		case tea.MouseWheelDown:
			l.move(1)
		case tea.MouseWheelUp:
			l.move(-1)
		}
	}
	return s, nil
}

func (s *homeScreen) open() {
	if s.tab == 1 {
		if s.dlist.ok() && s.dlist.cursor < len(s.docs) {
			s.c.emit(openDocumentIntent{ID: s.docs[s.dlist.cursor].ID})
		}
		return
	}
	if !s.list.ok() || s.list.cursor >= len(s.rows) {
		return
	}
	switch r := s.rows[s.list.cursor]; {
	case r.m != nil:
		s.c.emit(openMeetingIntent{MeetingID: r.m.ID})
	case r.hit != nil:
		s.c.emit(openHitIntent{Hit: watchSearchHit(r.hit)})
	}
}

func (s *homeScreen) View() string {
	if !s.loaded {
		return "\n  " + s.c.Styles.Subtle.Render(s.c.T.Loading)
	}
	if s.empty() {
		return welcomeView(s.c, s.w, s.h, s.openExample, s.keepExample, s.loadingExample)
	}
	lines := []string{s.tabBar()}
	if s.tab == 0 && s.query.on() {
		lines = append(lines, s.query.view(s.w))
	}
	body := s.h - s.listTop()
	if s.tab == 1 {
		if len(s.docs) == 0 {
			lines = append(lines, "", "  "+s.c.Styles.Subtle.Render(s.c.T.NoDocuments))
		} else {
			lines = append(lines, s.dlist.draw(body, s.docRow)...)
		}
	} else if len(s.rows) == 0 {
		msg := s.c.T.NoMeetings
		switch {
		case len(s.query.words) > 0:
			msg = s.c.T.NoMeetingsMatch
		case s.body != "":
			msg = s.c.T.NoMeetingsForBody
		}
		lines = append(lines, "", "  "+s.c.Styles.Subtle.Render(msg))
	} else {
		lines = append(lines, s.list.draw(body, s.meetingRow)...)
	}
	return strings.Join(lines, "\n")
}

// listTop is the screen line the list starts on: below the tabs, and the filter line
// while there is one.
func (s *homeScreen) listTop() int {
	if s.tab == 0 && s.query.on() {
		return 2
	}
	return 1
}

func (s *homeScreen) tabBar() string {
	st, t := s.c.Styles, s.c.T
	tab := func(i int, label string) string {
		if s.tab == i {
			return st.TabActive.Render(label)
		}
		return st.TabInactive.Render(label)
	}
	left := tab(0, s.tabLabel(0)) + " " + tab(1, s.tabLabel(1))
	if s.tab == 0 && len(s.bodies) > 1 {
		body := t.AllBodies
		if s.body != "" {
			body = s.body
		}
		right := st.Subtle.Render(t.FilterLabel+": ") + st.Bold.Render(body) + st.Subtle.Render(" (b)")
		room := s.w - widthOf(left) - 2
		if room > 12 {
			right = cut(right, room)
			left += strings.Repeat(" ", max(1, s.w-widthOf(left)-widthOf(right))) + right
		}
	}
	return cut(left, s.w)
}

func (s *homeScreen) tabLabel(i int) string {
	if i == 0 {
		if s.shown != len(s.meetings) {
			// Narrowed by the body or the filter: say how many of how many.
			return fmt.Sprintf("%s (%d %s %d)", s.c.T.MeetingsTab, s.shown, s.c.T.Of, len(s.meetings))
		}
		return fmt.Sprintf("%s (%d)", s.c.T.MeetingsTab, len(s.meetings))
	}
	return fmt.Sprintf("%s (%d)", s.c.T.DocumentsTab, len(s.docs))
}

// tabWidths are the cells the two tabs take in the tab bar, for clicks.
func (s *homeScreen) tabWidths() (int, int) {
	st := s.c.Styles
	return widthOf(st.TabActive.Render(s.tabLabel(0))), widthOf(st.TabActive.Render(s.tabLabel(1)))
}

func (s *homeScreen) meetingRow(i int) []string {
	st, t := s.c.Styles, s.c.T
	r := s.rows[i]
	switch {
	case r.hit != nil:
		return s.watchRow(i)
	case r.more > 0:
		return []string{cut("    "+st.Subtle.Render(fmt.Sprintf(t.WatchMore, r.more)), s.w)}
	}
	if r.m == nil {
		h := st.Heading.Render(r.heading)
		if i == 0 {
			return []string{h}
		}
		return []string{"", h}
	}
	m := r.m
	selected := i == s.list.cursor
	marker := "  "
	if selected {
		marker = st.Cursor.Render("›") + " "
	}
	l1 := marker + st.Bold.Render(t.Date(m.Start)+" "+t.Clock(m.Start)) + "  " + st.Title.Render(m.Body.Name) +
		st.Subtle.Render(" · "+t.Kind(m.Kind))
	// The formøde time first: it is what the member plans the day by, and a long
	// address gives way on a narrow terminal.
	var place []string
	if !m.Premeeting.IsZero() {
		place = append(place, t.Premeeting+" "+t.Clock(m.Premeeting))
	}
	if m.Location != "" {
		place = append(place, m.Location)
	}
	counts := []string{t.Count(len(m.Items), t.Items)}
	if r.unread > 0 {
		counts = append(counts, st.Unread.Render(t.Count(r.unread, t.Unread)))
	}
	if r.changed > 0 {
		counts = append(counts, st.Changed.Render(t.Count(r.changed, t.Changed)))
	}
	if r.annotated > 0 {
		counts = append(counts, fmt.Sprintf("%d %s", r.annotated, t.Annotated[1]))
	}
	sep := st.Subtle.Render(" · ")
	var lines []string
	if s.meetingLines() == 2 {
		lines = []string{l1, "    " + strings.Join(counts, sep) + sep + st.Subtle.Render(strings.Join(place, " · "))}
	} else {
		lines = []string{l1, "    " + st.Subtle.Render(strings.Join(place, " · ")), "    " + strings.Join(counts, sep)}
	}
	for j := range lines {
		lines[j] = fit(lines[j], s.w)
		if selected {
			lines[j] = paintRow(st.CursorRow, lines[j])
		}
	}
	return lines
}

func (s *homeScreen) docRow(i int) []string {
	st, t := s.c.Styles, s.c.T
	d := &s.docs[i]
	marker := "  "
	if i == s.dlist.cursor {
		marker = st.Cursor.Render("›") + " "
	}
	date := t.Undated
	if !d.Date.IsZero() {
		date = t.Date(d.Date)
	}
	line := fit(marker+st.Subtle.Render(fit(date, 18))+" "+st.Title.Render(d.Title), s.w)
	if i == s.dlist.cursor {
		line = paintRow(st.CursorRow, line)
	}
	return []string{line}
}
