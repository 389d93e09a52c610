package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/brief"
	"github.com/dagsorden/dagsorden/store"
)

// Formoede is what the formøde view needs from the party-group side. *group.Client (package
// sync/group) satisfies it; the UI does not import the sync packages, so the interface is
// declared here, at the consumer.
type Formoede interface {
	// BriefInput is the meeting with the notes a group shares (every version of a note in
	// conflict, marked), the group's members and which notes are the reader's own; with
	// group "" just the reader's own notes.
	BriefInput(meetingID, group string) (brief.Input, error)
	// Resolve settles a conflict: n (a version, with the note's id) supersedes them all,
	// at once and durably: BriefInput shows no conflict for the note from then on.
	Resolve(group string, n agenda.Note) error
}

// GroupLister names the groups the member is in. *store.Store implements it; without it the
// formøde view offers the groups the meeting's notes are shared with.
type GroupLister interface {
	Groups() ([]store.GroupState, error)
}

// formoedeFilter narrows the formøde view to the recommendations the group must talk about.
type formoedeFilter int

const (
	filterAll formoedeFilter = iota
	filterSplit
	filterNoPosition
)

type (
	openFormoedeIntent struct{}
	writeBriefIntent   struct{ MeetingID, Group string }
	formoedeLoadedMsg  struct {
		req     int
		groups  []string
		in      brief.Input
		private []agenda.Note
		err     error
	}
	conflictResolvedMsg struct {
		who string
		err error
	}
	briefWrittenMsg struct {
		path string
		err  error
	}
)

// formoedeScreen is a meeting as the party group prepares it: item by item, each
// recommendation with the group's tally, who said what and the shared notes, with filters
// for where the group disagrees and where nobody has a position yet. The member's private
// notes are shown only here, on their machine, marked as theirs. Conflicting versions of a
// shared note are shown side by side; c selects one and r keeps it.
type formoedeScreen struct {
	c         *Common
	f         Formoede
	st        Store
	meetingID string
	crumb     string
	w, h      int

	req     int
	loaded  bool
	err     error
	groups  []string // the member's groups, then "" (only my notes)
	group   int
	in      brief.Input
	private []agenda.Note
	filter  formoedeFilter

	lines     []string
	conflicts []fmConflict // selectable conflict versions, in screen order
	sel       int          // index into conflicts, -1 for none
	offset    int
	resolving bool
}

// fmConflict is one version of a note in conflict and where it is drawn.
type fmConflict struct {
	note agenda.Note
	who  string
	line int
}

func newFormoedeScreen(c *Common, f Formoede, st Store, m *agenda.Meeting) *formoedeScreen {
	return &formoedeScreen{c: c, f: f, st: st, meetingID: m.ID, sel: -1,
		crumb: c.T.FormoedeTitle}
}

func (s *formoedeScreen) currentGroup() string {
	if s.group >= 0 && s.group < len(s.groups) {
		return s.groups[s.group]
	}
	return ""
}

// load fetches the brief input of the current group (or, before the groups are known, of
// the first group) and the member's private notes, in a command.
func (s *formoedeScreen) load() tea.Cmd {
	s.req = s.c.nextID()
	req, f, st, id := s.req, s.f, s.st, s.meetingID
	want, known := s.currentGroup(), s.groups != nil
	return func() tea.Msg {
		msg := formoedeLoadedMsg{req: req}
		msg.groups, msg.err = groupNames(st, id)
		if msg.err != nil {
			return msg
		}
		g := want
		if !known && len(msg.groups) > 0 {
			g = msg.groups[0]
		}
		if g != "" && !slices.Contains(msg.groups, g) {
			g = ""
		}
		if msg.in, msg.err = f.BriefInput(id, g); msg.err != nil {
			return msg
		}
		msg.in.Group = g
		if g == "" {
			return msg // the brief input is already only my notes
		}
		notes, err := st.NotesForMeeting(id)
		if err != nil {
			msg.err = err
			return msg
		}
		for _, n := range notes {
			if n.Visibility != agenda.Group && !n.Deleted {
				msg.private = append(msg.private, n)
			}
		}
		return msg
	}
}

// groupNames lists the member's groups, and "" (only my notes) last.
func groupNames(st Store, meetingID string) ([]string, error) {
	var names []string
	if gl, ok := st.(GroupLister); ok {
		gs, err := gl.Groups()
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			names = append(names, g.Name)
		}
	} else {
		notes, err := st.NotesForMeeting(meetingID)
		if err != nil {
			return nil, err
		}
		for _, n := range notes {
			if n.Visibility == agenda.Group && n.Group != "" && !slices.Contains(names, n.Group) {
				names = append(names, n.Group)
			}
		}
	}
	slices.Sort(names)
	return append(names, ""), nil
}

func (s *formoedeScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.build()
}

func (s *formoedeScreen) Crumb() string   { return s.crumb }
func (s *formoedeScreen) Capturing() bool { return false }

func (s *formoedeScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	out := []key.Binding{k.Disagree, k.NoPosition,
		key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", s.c.T.KeySwitchGroup))}
	if len(s.conflicts) > 0 {
		out = append(out, k.NextConflict, k.Resolve)
	}
	return append(out, k.Brief, k.Back)
}

func (s *formoedeScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case formoedeLoadedMsg:
		if msg.req != s.req {
			return s, nil // the member switched group since
		}
		s.loaded = true
		s.err = msg.err
		if msg.err != nil {
			s.c.fail(msg.err)
			return s, nil
		}
		s.groups = msg.groups
		s.group = max(0, slices.Index(s.groups, msg.in.Group))
		s.in, s.private = msg.in, msg.private
		s.build()
	case conflictResolvedMsg:
		s.resolving = false
		if msg.err != nil {
			s.c.fail(msg.err)
			return s, nil
		}
		s.c.status(fmt.Sprintf(s.c.T.ConflictResolved, msg.who))
		return s, s.load()
	case mdChangedMsg, themeChangedMsg:
		// A note was saved, or a sync brought the group's: the tallies may have moved.
		return s, s.load()
	case tea.KeyPressMsg:
		return s, s.key(msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			s.scroll(3)
		case tea.MouseWheelUp:
			s.scroll(-3)
		}
	}
	return s, nil
}

func (s *formoedeScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	switch {
	case matches(msg, k.Back):
		s.c.emit(backIntent{})
	case matches(msg, k.Down):
		s.scroll(1)
	case matches(msg, k.Up):
		s.scroll(-1)
	case matches(msg, k.PageDown):
		s.scroll(s.h - 1)
	case matches(msg, k.PageUp):
		s.scroll(-(s.h - 1))
	case matches(msg, k.Top):
		s.offset = 0
	case matches(msg, k.Bottom):
		s.scroll(len(s.lines))
	case matches(msg, k.Disagree):
		s.toggle(filterSplit)
	case matches(msg, k.NoPosition):
		s.toggle(filterNoPosition)
	case matches(msg, k.Tab):
		if len(s.groups) > 1 {
			d := 1
			if msg.String() == "shift+tab" {
				d = len(s.groups) - 1
			}
			s.group = (s.group + d) % len(s.groups)
			s.in, s.private, s.loaded = brief.Input{}, nil, false
			s.build()
			return s.load()
		}
	case matches(msg, k.NextConflict):
		if len(s.conflicts) == 0 {
			s.c.status(s.c.T.NoConflicts)
			return nil
		}
		s.sel = (s.sel + 1) % len(s.conflicts)
		s.build()
		s.show(s.conflicts[s.sel].line)
	case matches(msg, k.Resolve):
		return s.resolve()
	case matches(msg, k.Brief):
		s.c.emit(writeBriefIntent{MeetingID: s.meetingID, Group: s.currentGroup()})
	}
	return nil
}

func (s *formoedeScreen) toggle(f formoedeFilter) {
	if s.filter == f {
		s.filter = filterAll
	} else {
		s.filter = f
	}
	s.offset, s.sel = 0, -1
	s.build()
}

func (s *formoedeScreen) resolve() tea.Cmd {
	if s.sel < 0 || s.sel >= len(s.conflicts) {
		s.c.status(s.c.T.SelectConflictFirst)
		return nil
	}
	if s.resolving {
		return nil
	}
	s.resolving = true
	v := s.conflicts[s.sel]
	f, g, n := s.f, s.currentGroup(), v.note
	n.Anchor = cloneAnchor(n.Anchor)
	s.sel = -1
	return func() tea.Msg {
		return conflictResolvedMsg{who: v.who, err: f.Resolve(g, n)}
	}
}

func cloneAnchor(a agenda.Anchor) agenda.Anchor {
	if a.Recommendation != nil {
		r := *a.Recommendation
		a.Recommendation = &r
	}
	return a
}

func (s *formoedeScreen) scroll(d int) {
	s.offset = max(0, min(s.offset+d, len(s.lines)-s.h))
}

// show scrolls so line l is on screen.
func (s *formoedeScreen) show(l int) {
	if l < s.offset {
		s.offset = l
	} else if l >= s.offset+s.h {
		s.offset = l - s.h + 2
	}
	s.scroll(0)
}

// keep reports whether a recommendation's tally passes the filter.
func (s *formoedeScreen) keep(c agenda.Counts) bool {
	switch s.filter {
	case filterSplit:
		return c.Split()
	case filterNoPosition:
		return c.NoPosition()
	}
	return true
}

// tally says a count in the member's language: "3 for · 1 imod · 1 undlader · 2 uden holdning".
func (t *Catalog) tally(c agenda.Counts) string {
	parts := []string{
		fmt.Sprintf("%d %s", c.For, t.Stances[agenda.StanceFor]),
		fmt.Sprintf("%d %s", c.Against, t.Stances[agenda.StanceAgainst]),
		fmt.Sprintf("%d %s", c.Abstain, t.Stances[agenda.StanceAbstain]),
	}
	if c.Question > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", c.Question, t.Stances[agenda.StanceQuestion]))
	}
	parts = append(parts, fmt.Sprintf("%d %s", c.None, t.NoPosition))
	return strings.Join(parts, " · ")
}

// build lays the view out as lines at the screen's width.
func (s *formoedeScreen) build() {
	if s.w <= 0 {
		return
	}
	st, t := s.c.Styles, s.c.T
	w := s.w
	var out []string
	add := func(l string) { out = append(out, cut(l, w)) }
	s.conflicts = s.conflicts[:0]

	g := s.currentGroup()
	groupLabel := t.OnlyMine
	if g != "" {
		groupLabel = t.Group + ": " + g
	}
	head := groupLabel
	if g != "" && len(s.in.Members) > 0 {
		head += st.Subtle.Render(" · " + t.Count(len(s.in.Members), t.Members))
	}
	switch s.filter {
	case filterSplit:
		head += st.Subtle.Render(" · ") + st.Changed.Render(t.FilterDisagree)
	case filterNoPosition:
		head += st.Subtle.Render(" · ") + st.Changed.Render(t.FilterNoPosition)
	}
	add(" " + st.Title.Render(t.FormoedeTitle) + st.Subtle.Render(" · ") + head)
	if len(s.groups) > 1 {
		var names []string
		for i, n := range s.groups {
			label := n
			if n == "" {
				label = t.OnlyMine
			}
			if i == s.group {
				label = st.TabActive.Render(label)
			} else {
				label = st.TabInactive.Render(label)
			}
			names = append(names, label)
		}
		add(" " + strings.Join(names, " "))
	}
	add("")
	if !s.loaded {
		add("  " + st.Subtle.Render(t.Loading))
		s.lines = out
		return
	}
	if s.err != nil {
		add("  " + st.StatusError.Render(s.c.errText(s.err)))
		s.lines = out
		return
	}
	m := s.in.Meeting
	if m == nil {
		s.lines = out
		return
	}
	// One tally of the whole meeting, asked per item and recommendation: indexes repeat
	// in every item. Of a note in conflict only its newest version counts, as in the brief.
	notes := make([]agenda.Note, 0, len(s.in.Notes))
	for _, n := range s.in.Notes {
		notes = append(notes, n.Note)
	}
	var members []string
	if g != "" {
		members = s.in.Members
	}
	tally := agenda.Tally(notes, members)
	shown := 0
	for i := range m.Items {
		it := &m.Items[i]
		var body []string
		for ri, r := range it.Recommendations {
			c := tally.At(it.ID, ri)
			if !s.keep(c) {
				continue
			}
			body = append(body, s.recLines(it, ri, r.Text, c)...)
		}
		if len(it.Recommendations) == 0 || s.filter == filterAll {
			// The item as a whole: its notes, and a tally when it has no recommendations.
			c := tally.At(it.ID, -1)
			hasNotes := len(s.notesOn(it.ID, -1)) > 0 || len(s.privateOn(it.ID, -1)) > 0
			if len(it.Recommendations) == 0 && s.keep(c) && (hasNotes || s.filter != filterAll || g != "") {
				body = append(body, s.recLines(it, -1, "", c)...)
			} else if len(it.Recommendations) > 0 && hasNotes {
				body = append(body, s.recLines(it, -1, "", agenda.Counts{})...)
			}
		}
		if len(body) == 0 {
			continue
		}
		shown++
		title := st.Bold.Render(strings.TrimSpace(it.Number + "  " + it.Title))
		if it.Closed {
			title += " " + st.Closed.Render("["+t.ItemClosed+"]")
		}
		add(" " + title)
		out = append(out, body...)
		add("")
	}
	s.lines = out
	s.locateConflicts()
	if shown == 0 {
		msg := t.FormoedeEmpty
		switch s.filter {
		case filterSplit:
			msg = t.FormoedeNoSplit
		case filterNoPosition:
			msg = t.FormoedeAllPositioned
		}
		for _, l := range wrapText(msg, max(w-4, 10)) {
			s.lines = append(s.lines, "  "+st.Subtle.Render(l))
		}
	}
	if s.sel >= len(s.conflicts) {
		s.sel = -1
	}
	s.scroll(0)
}

// conflictMark starts every conflict version's line; locateConflicts finds them by it.
const conflictMark = "\x00c"

func (s *formoedeScreen) locateConflicts() {
	n := 0
	for i, l := range s.lines {
		if j := strings.Index(l, conflictMark); j >= 0 {
			l = l[:j] + l[j+len(conflictMark):]
			st := s.c.Styles
			if n < len(s.conflicts) {
				s.conflicts[n].line = i
				if n == s.sel {
					l = paintRow(st.CursorRow, fit(strings.Replace(l, "  ", st.Cursor.Render("› "), 1), s.w))
				}
			}
			s.lines[i] = l
			n++
		}
	}
}

// notesOn lists the shared (or, without a group, the member's own) notes on rec.
func (s *formoedeScreen) notesOn(itemID string, rec int) []brief.Note {
	var out []brief.Note
	for _, n := range s.in.Notes {
		if n.Anchor.ItemID == itemID && recIndex(&n.Note) == rec && !n.Deleted &&
			(strings.TrimSpace(n.Text) != "" || n.Stance != agenda.StanceNone) {
			out = append(out, n)
		}
	}
	return out
}

func (s *formoedeScreen) privateOn(itemID string, rec int) []agenda.Note {
	var out []agenda.Note
	for _, n := range s.private {
		if n.Anchor.ItemID == itemID && recIndex(&n) == rec && strings.TrimSpace(n.Text) != "" {
			out = append(out, n)
		}
	}
	return out
}

// recLines draws one recommendation (rec −1: the item as a whole): its text, the tally,
// who said what, the notes, the conflicts, and my private notes.
func (s *formoedeScreen) recLines(it *agenda.Item, rec int, text string, c agenda.Counts) []string {
	st, t := s.c.Styles, s.c.T
	w := s.w
	var out []string
	wrapIn := func(indent, first, text string, style func(...string) string) {
		ls := wrapText(text, max(w-widthOf(indent)-widthOf(first)-1, 10))
		for i, l := range ls {
			if i == 0 {
				out = append(out, cut(indent+first+style(l), w))
			} else {
				out = append(out, cut(indent+strings.Repeat(" ", widthOf(first))+style(l), w))
			}
		}
	}
	if rec >= 0 {
		wrapIn("   ", st.RecNumber.Render(t.RecLabel(rec)+": "), text, st.NoteText.Render)
	} else {
		out = append(out, cut("   "+st.RecNumber.Render(t.ItemNote), w))
	}
	if c.Total() > 0 || (rec >= 0 && s.currentGroup() != "") {
		line := "     " + st.Subtle.Render(t.tally(c))
		if c.Split() {
			line += " " + st.Changed.Render("["+t.Disagreement+"]")
		}
		out = append(out, cut(line, w))
	}
	for _, n := range s.notesOn(it.ID, rec) {
		who := n.Author
		switch {
		case who == "":
			who = t.Me
		case n.Mine:
			who += " (" + t.Me + ")"
		}
		if n.Editor != "" {
			who += " " + fmt.Sprintf(t.EditedBy, n.Editor)
		}
		meta := st.Bold.Render(who)
		if n.Stance != agenda.StanceNone {
			meta += st.Subtle.Render(": ") + st.Stance[n.Stance].Render(t.Stance(n.Stance))
		}
		if n.Status == agenda.StatusChanged {
			meta += st.Subtle.Render(" · ") + st.Changed.Render(t.StatusChanged)
		}
		prefix := "     "
		if n.Conflict {
			meta = st.StatusError.Render("⚠ "+t.ConflictLabel) + " " + meta
			prefix = conflictMark + prefix
			who := n.Author
			if n.Editor != "" {
				who = n.Editor
			}
			s.conflicts = append(s.conflicts, fmConflict{note: n.Note, who: who})
		}
		out = append(out, prefix+cut(meta, w-5))
		if txt := strings.TrimSpace(n.Text); txt != "" {
			for _, l := range noteMarkdown(txt, max(w-8, 10), st) {
				out = append(out, cut("       "+l, w))
			}
		}
	}
	for _, n := range s.privateOn(it.ID, rec) {
		meta := st.Bold.Render(t.Me) + st.Subtle.Render(" · "+t.PrivateOnlyYou)
		if n.Stance != agenda.StanceNone {
			meta += st.Subtle.Render(": ") + st.Stance[n.Stance].Render(t.Stance(n.Stance))
		}
		out = append(out, cut("     "+meta, w))
		for _, l := range noteMarkdown(strings.TrimSpace(n.Text), max(w-8, 10), st) {
			out = append(out, cut("       "+l, w))
		}
	}
	return out
}

func (s *formoedeScreen) View() string {
	end := min(len(s.lines), s.offset+s.h)
	if s.offset >= end {
		return ""
	}
	return strings.Join(s.lines[s.offset:end], "\n")
}
