package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// itemScreen shows one item: its text as Markdown in a pager, the recommendations as
// blocks selected one at a time with ] and [ (none when the item opens), the member's
// notes beside the text on a wide terminal or below it on a narrow one, and the
// attachments.
type itemScreen struct {
	c  *Common
	md *meetingData
	id string
	pg *pager

	w, h                 int
	beside               bool
	textW, notesW, bodyH int
	notesH               int
	header               []string

	rec        int // selected recommendation, -1 for none
	recBlock   map[int]int
	focusNotes bool
	notes      []*noteEntry
	nlist      listState

	picking    bool
	pick       int
	confirmDel bool
	gone       bool
	reveal     bool // bring the selected recommendation's block into view at the next refresh
	wasChanged bool
	readHash   string // the text hash the member last read, before this visit marked it
	hash       string
}

func newItemScreen(c *Common, md *meetingData, id string) *itemScreen {
	s := &itemScreen{c: c, md: md, id: id, pg: newPager(c), rec: -1}
	s.wasChanged = md.state(id) == changedSinceRead
	s.readHash = md.marks[id]
	s.hash = md.hashes[id]
	s.notes = md.notesOn(id)
	s.buildBlocks(false)
	return s
}

func (s *itemScreen) item() *agenda.Item { return s.md.item(s.id) }

// buildBlocks lays the item out as pager blocks: sections in order, the Indstilling's
// lead-in followed by one block per recommendation, the decision, the attachments.
func (s *itemScreen) buildBlocks(keep bool) {
	it := s.item()
	if it == nil {
		return
	}
	t := s.c.T
	var blocks []block
	s.recBlock = map[int]int{}
	recsShown := len(it.Recommendations) == 0
	decisionShown := it.Decision == ""
	// addRecs adds a block per recommendation; after[i] is the section's text that
	// follows recommendation i, drawn after its block.
	addRecs := func(after []string) {
		for i := range it.Recommendations {
			s.recBlock[i] = len(blocks)
			blocks = append(blocks, rawBlock(func(w int) []string { return s.recLines(i, w) }, i, true))
			if i < len(after) && strings.TrimSpace(after[i]) != "" {
				blocks = append(blocks, markdownBlocks(s.c, after[i], true)...)
			}
		}
		recsShown = true
	}
	addDecision := func() {
		if !decisionShown {
			blocks = append(blocks, markdownBlocks(s.c, "## "+t.Decision+"\n\n"+it.Decision, len(blocks) > 0)...)
			decisionShown = true
		}
	}
	// The recommendations are drawn in the Indstilling section they were split from: the
	// first such section whose text holds them, else the last one (a "Supplerende
	// indstilling" replaces the first).
	recSec := -1
	for i, sec := range it.Sections {
		if agenda.IsRecommendationHeading(sec.Heading) {
			recSec = i
			if _, ok := splitIndstilling(sec.Text, it.Recommendations); ok {
				break
			}
		}
	}
	for i, sec := range it.Sections {
		heading := "## " + strings.TrimSpace(sec.Heading) + "\n\n"
		if strings.TrimSpace(sec.Heading) == "" {
			heading = ""
		}
		if !recsShown && i == recSec {
			parts, ok := splitIndstilling(sec.Text, it.Recommendations)
			if !ok {
				// The section does not split the way the recommendations did: show it
				// whole, then the blocks, rather than lose a word.
				parts = []string{sec.Text}
			}
			blocks = append(blocks, markdownBlocks(s.c, heading+parts[0], len(blocks) > 0)...)
			addRecs(parts[1:])
			addDecision()
			continue
		}
		blocks = append(blocks, markdownBlocks(s.c, heading+sec.Text, len(blocks) > 0)...)
	}
	if !recsShown {
		blocks = append(blocks, mdBlock(s.c, "## "+t.Recommendation, len(blocks) > 0))
		addRecs(nil)
	}
	addDecision()
	if len(it.Attachments) > 0 {
		blocks = append(blocks, rawBlock(s.attachmentLines, -1, true))
	}
	s.pg.setBlocks(blocks, keep)
}

var recMarkerRe = regexp.MustCompile(`^(?:[-*•–·]|\d{1,2}[.)]|[a-zæøå][.)])\s+`)

// splitIndstilling cuts an Indstilling around its units, which the item screen draws as
// blocks: parts[0] is the lead-in ("Det indstilles, at KKR:"), parts[i+1] the text after
// unit i (a lead-in for the next units, "eller", a closing remark), so no word of the
// section is lost. It finds each recommendation's first line in the text, in order; ok is
// false when one is not there (then the section is shown whole, followed by the blocks).
func splitIndstilling(text string, recs []agenda.Recommendation) (parts []string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	// Compare words, not Markdown: the units lost the emphasis and escapes around them.
	norm := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r == '*' || r == '_' || r == '`' || r == '\\' {
				return -1
			}
			return r
		}, s)
		return strings.Join(strings.Fields(s), " ")
	}
	if len(recs) == 1 {
		bullets := false
		for _, l := range lines {
			if recMarkerRe.MatchString(norm(l)) {
				bullets = true
			}
		}
		if !bullets {
			return []string{"", ""}, true // the whole sentence is the recommendation
		}
	}
	starts := make([]int, 0, len(recs))
	from := 0
	for _, r := range recs {
		want := norm(strings.SplitN(r.Text, "\n", 2)[0])
		if rs := []rune(want); len(rs) > 30 {
			want = string(rs[:30])
		}
		found := -1
		for i := from; i < len(lines) && want != ""; i++ {
			// The line starts the unit, or is all of its start (the unit goes on, joined
			// from indented lines below).
			t := recMarkerRe.ReplaceAllString(norm(lines[i]), "")
			if strings.HasPrefix(t, want) || len(t) >= 12 && strings.HasPrefix(want, t) {
				found = i
				break
			}
		}
		if found < 0 {
			return nil, false
		}
		starts = append(starts, found)
		from = found + 1
	}
	// A unit runs on over indented lines; what follows it up to the next unit is its own.
	end := func(start int) int {
		e := start + 1
		for e < len(lines) {
			l := lines[e]
			if strings.TrimSpace(l) == "" || len(l)-len(strings.TrimLeft(l, " \t")) < 2 {
				break
			}
			e++
		}
		return e
	}
	parts = append(parts, strings.Join(lines[:starts[0]], "\n"))
	for i, st := range starts {
		next := len(lines)
		if i+1 < len(starts) {
			next = starts[i+1]
		}
		e := min(end(st), next)
		parts = append(parts, strings.Join(lines[e:next], "\n"))
	}
	return parts, true
}

// recLines draws recommendation i as a block: a bar, its number, its text, and the
// member's notes and stance on it. The selected one has a heavy bar and a ▶.
func (s *itemScreen) recLines(i, width int) []string {
	it := s.item()
	if it == nil || i >= len(it.Recommendations) {
		return nil
	}
	st, t := s.c.Styles, s.c.T
	selected := i == s.rec
	num := fmt.Sprintf("%d.", i+1)
	inner := max(width-2-2-len(num)-1, 8)
	var body []string
	for _, para := range strings.Split(it.Recommendations[i].Text, "\n") {
		body = append(body, wrapText(strings.TrimRight(para, " "), inner)...)
	}
	notes, stance := 0, s.md.stance(s.id, i, s.c.Author)
	for _, e := range s.notes {
		if recIndex(&e.note) == i && e.written() {
			notes++
		}
	}
	var meta []string
	if notes > 0 {
		meta = append(meta, "✎ "+t.Count(notes, t.Notes))
	}
	if stance != agenda.StanceNone {
		meta = append(meta, t.MyStance+": "+st.Stance[stance].Render(t.Stance(stance)))
	}
	var rows []string
	for j, l := range body {
		lead := strings.Repeat(" ", len(num)+1)
		if j == 0 {
			lead = st.RecNumber.Render(num) + " "
		}
		rows = append(rows, lead+fit(l, inner))
	}
	if len(meta) > 0 {
		rows = append(rows, strings.Repeat(" ", len(num)+1)+fit(st.Subtle.Render(strings.Join(meta, " · ")), inner))
	}
	style := st.RecBlock
	mark := "  "
	if selected {
		style = st.RecSelected
		mark = st.Cursor.Render("▶") + " "
	}
	out := strings.Split(style.Render(strings.Join(rows, "\n")), "\n")
	for j := range out {
		if j == 0 {
			out[j] = mark + out[j]
		} else {
			out[j] = "  " + out[j]
		}
		out[j] = cut(out[j], width)
	}
	return out
}

func (s *itemScreen) attachmentLines(width int) []string {
	it := s.item()
	if it == nil {
		return nil
	}
	st, t := s.c.Styles, s.c.T
	out := []string{"  " + st.Heading.Render(t.AttachmentsHead)}
	for i, a := range it.Attachments {
		var info []string
		if a.MediaType != "" {
			info = append(info, mediaLabel(a.MediaType))
		}
		if a.Size > 0 {
			info = append(info, sizeLabel(a.Size))
		}
		if notDownloaded(a) {
			info = append(info, t.AttachmentNotDownloaded)
		}
		line := fmt.Sprintf("  %d. %s", i+1, a.Title)
		if len(info) > 0 {
			line += st.Subtle.Render(" (" + strings.Join(info, ", ") + ")")
		}
		out = append(out, cut(line, width))
	}
	return out
}

func mediaLabel(mt string) string {
	switch {
	case strings.Contains(mt, "pdf"):
		return "pdf"
	case strings.Contains(mt, "word"):
		return "docx"
	case strings.Contains(mt, "sheet") || strings.Contains(mt, "excel"):
		return "xlsx"
	case strings.HasPrefix(mt, "image/"):
		return strings.TrimPrefix(mt, "image/")
	}
	return mt
}

func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func (s *itemScreen) selectRec(i int) {
	it := s.item()
	if it == nil || i < -1 || i >= len(it.Recommendations) {
		return
	}
	s.rec = i
	s.pg.refreshRaw()
	if b, ok := s.recBlock[i]; ok {
		s.pg.show(b)
	}
}

// showAttachments scrolls to the list of attachments.
func (s *itemScreen) showAttachments() {
	if n := len(s.pg.blocks); n > 0 && s.pg.blocks[n-1].raw != nil && s.pg.blocks[n-1].rec < 0 {
		s.pg.show(n - 1)
	}
}

func (s *itemScreen) selectNote(id string) {
	for i, e := range s.notes {
		if e.note.ID == id {
			s.focusNotes = true
			s.nlist.cursor = i
			return
		}
	}
}

// SetSize lays the screen out: header, then the text with the notes beside it (from 110
// columns) or below it.
func (s *itemScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.header = s.headerLines()
	s.bodyH = max(h-len(s.header), 1)
	s.beside = w >= 110
	if s.beside {
		// Lines longer than about 120 columns are hard to read: on a very wide terminal
		// the notes get the room, up to 80 columns, and the rest stays empty.
		s.notesW = min(max(w/3, 34), 60)
		s.textW = min(w-s.notesW-1, maxTextWidth)
		s.notesW = min(w-s.textW-1, 80)
		s.notesH = s.bodyH
		s.pg.SetSize(s.textW, s.bodyH)
	} else {
		s.textW, s.notesW = w, w
		s.notesH = 0
		if len(s.notes) > 0 || s.picking {
			s.notesH = min(max(s.bodyH/3, 4), s.notesNeed())
			if s.picking {
				s.notesH = min(max(s.bodyH/2, 4), s.pickNeed())
			}
		}
		s.pg.SetSize(w, max(s.bodyH-s.notesH, 1))
	}
	s.layoutNotes()
}

// maxTextWidth is the widest a text is set, for reading comfort.
const maxTextWidth = 120

func (s *itemScreen) notesNeed() int {
	n := 1
	for _, e := range s.notes {
		n += s.noteHeight(e)
	}
	return n
}

func (s *itemScreen) pickNeed() int {
	it := s.item()
	if it == nil {
		return 2
	}
	return 1 + 2*len(it.Attachments)
}

func (s *itemScreen) headerLines() []string {
	it := s.item()
	st, t := s.c.Styles, s.c.T
	if it == nil {
		return []string{" " + st.StatusError.Render(cut(t.ItemGone, s.w-2)), ""}
	}
	title := wrapText(it.Number+"  "+it.Title, max(s.w-2, 10))
	if len(title) > 2 {
		title = title[:2]
		title[1] = cut(title[1]+" …", s.w-2)
	}
	var out []string
	for _, l := range title {
		out = append(out, " "+st.Title.Render(l))
	}
	var meta []string
	if it.CaseNumber != "" {
		meta = append(meta, t.CaseLabel+" "+it.CaseNumber)
	}
	if it.CaseHandler != "" {
		meta = append(meta, it.CaseHandler)
	}
	if it.Closed {
		meta = append(meta, st.Closed.Render("["+t.ItemClosed+"]"))
	}
	if s.wasChanged {
		meta = append(meta, st.Changed.Render("Δ "+t.ChangedSinceRead))
	}
	if n := len(it.Recommendations); n > 0 {
		meta = append(meta, t.Count(n, t.Recs))
	}
	if n := len(it.Attachments); n > 0 {
		meta = append(meta, t.Count(n, t.Attachments))
	}
	out = append(out, cut(" "+st.Subtle.Render(strings.Join(meta, " · ")), s.w), "")
	return out
}

func (s *itemScreen) Crumb() string {
	if it := s.item(); it != nil {
		return it.Number + " " + it.Title
	}
	return ""
}

func (s *itemScreen) Capturing() bool { return false }

func (s *itemScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.picking {
		return []key.Binding{k.Open, k.Text, k.Back}
	}
	if s.confirmDel {
		return []key.Binding{k.Yes, k.No}
	}
	var b []key.Binding
	if it := s.item(); it != nil && len(it.Recommendations) > 0 {
		b = append(b, k.NextRec)
	}
	b = append(b, k.NewNote, k.Stance)
	if s.focusNotes {
		b = []key.Binding{k.EditNote, k.DeleteNote}
	}
	if it := s.item(); it != nil && len(it.Attachments) > 0 {
		b = append(b, k.Attachment, k.Text)
	}
	if s.wasChanged {
		// What changed is what the member came back for: its key comes first.
		b = append([]key.Binding{k.Diff}, b...)
	}
	return append(b, k.Tab, k.Back)
}

func (s *itemScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case renderedMsg:
		return s, s.pg.handleRendered(msg)
	case resizeSettledMsg, themeChangedMsg:
		s.header = s.headerLines()
		return s, s.pg.settle()
	case mdChangedMsg:
		return s, s.refresh()
	case tea.KeyPressMsg:
		return s, s.key(msg)
	case tea.MouseClickMsg:
		s.click(msg.Mouse())
	case tea.MouseWheelMsg:
		if s.inNotes(msg.Mouse()) {
			if msg.Button == tea.MouseWheelDown {
				s.nlist.move(1)
			} else if msg.Button == tea.MouseWheelUp {
				s.nlist.move(-1)
			}
			return s, nil
		}
		m := msg.Mouse()
		m.Y -= len(s.header)
		s.pg.scroll(tea.MouseWheelMsg(m), s.c.Keys)
	}
	return s, nil
}

// refresh follows a reload of the meeting or a change to its notes.
func (s *itemScreen) refresh() tea.Cmd {
	it := s.item()
	if it == nil {
		s.gone = true
		s.header = s.headerLines()
		return nil
	}
	s.notes = s.md.notesOn(s.id)
	if h := s.md.hashes[s.id]; h != s.hash {
		s.hash = h
		s.buildBlocks(true)
		if s.rec >= len(it.Recommendations) {
			s.rec = -1
		}
		s.c.status(s.c.T.ItemUpdated)
	}
	s.SetSize(s.w, s.h)
	s.pg.refreshRaw()
	if s.reveal {
		// Its block grew a line (the stance): keep all of it on screen.
		s.reveal = false
		if b, ok := s.recBlock[s.rec]; ok {
			s.pg.show(b)
		}
	}
	return s.pg.nextRender()
}

func (s *itemScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := s.c.Keys
	it := s.item()
	if it == nil {
		if matches(msg, k.Back) {
			s.c.emit(backIntent{})
		}
		return nil
	}
	if s.confirmDel {
		s.confirmDel = false
		if matches(msg, k.Yes) && s.nlist.ok() && s.nlist.cursor < len(s.notes) {
			s.c.emit(deleteNoteIntent{Key: s.notes[s.nlist.cursor].key})
		}
		return nil
	}
	if s.picking {
		switch {
		case matches(msg, k.Down):
			s.pick = min(s.pick+1, len(it.Attachments)-1)
		case matches(msg, k.Up):
			s.pick = max(s.pick-1, 0)
		case matches(msg, k.Open):
			s.picking = false
			s.c.emit(openAttachmentIntent{Att: it.Attachments[s.pick], ItemID: s.id})
			s.SetSize(s.w, s.h)
		case matches(msg, k.Text):
			s.picking = false
			s.c.emit(textIntent{Att: it.Attachments[s.pick], ItemID: s.id})
			s.SetSize(s.w, s.h)
		case matches(msg, k.Back), matches(msg, k.Attachment):
			s.picking = false
			s.SetSize(s.w, s.h)
		}
		return nil
	}
	switch {
	case matches(msg, k.Back):
		s.c.emit(backIntent{})
	case matches(msg, k.NextRec):
		if n := len(it.Recommendations); n > 0 {
			s.selectRec(min(s.rec+1, n-1))
		}
	case matches(msg, k.PrevRec):
		if n := len(it.Recommendations); n > 0 {
			if s.rec < 0 {
				s.selectRec(n - 1)
			} else {
				s.selectRec(max(s.rec-1, 0))
			}
		}
	case matches(msg, k.Tab):
		if len(s.notes) > 0 || s.beside {
			s.focusNotes = !s.focusNotes
		}
	case matches(msg, k.NewNote):
		s.newNote()
	case matches(msg, k.EditNote):
		s.editNote()
	case matches(msg, k.Stance):
		if s.rec < 0 {
			s.c.status(s.c.T.SelectRecFirst)
			return nil
		}
		s.reveal = true
		s.c.emit(cycleStanceIntent{ItemID: s.id, Rec: s.rec})
	case matches(msg, k.Attachment):
		switch len(it.Attachments) {
		case 0:
			s.c.status(s.c.T.NoAttachments)
		case 1:
			s.c.emit(openAttachmentIntent{Att: it.Attachments[0], ItemID: s.id})
		default:
			s.picking, s.pick = true, 0
			s.SetSize(s.w, s.h)
		}
	case matches(msg, k.Diff):
		s.c.emit(diffIntent{ItemID: s.id, ReadHash: s.readHash})
	case matches(msg, k.CopyID):
		// OSC 52: the terminal puts it on the clipboard, also over ssh; the status line
		// shows it too, for terminals that do not.
		s.c.status(fmt.Sprintf(s.c.T.CopiedID, s.id))
		return tea.SetClipboard(s.id)
	case matches(msg, k.Text):
		switch len(it.Attachments) {
		case 0:
			s.c.status(s.c.T.NoAttachments)
		case 1:
			s.c.emit(textIntent{Att: it.Attachments[0], ItemID: s.id})
		default:
			s.picking, s.pick = true, 0
			s.SetSize(s.w, s.h)
		}
	case matches(msg, k.DeleteNote):
		if s.focusNotes && s.nlist.ok() && len(s.notes) > 0 {
			s.confirmDel = true
			s.c.status(s.c.T.ConfirmDelete)
		}
	case s.focusNotes && len(s.notes) > 0:
		switch {
		case matches(msg, k.Down):
			s.nlist.move(1)
		case matches(msg, k.Up):
			s.nlist.move(-1)
		case matches(msg, k.Top):
			s.nlist.top()
		case matches(msg, k.Bottom):
			s.nlist.bottom()
		case matches(msg, k.Open):
			s.editNote()
		}
	default:
		s.pg.scroll(msg, k)
	}
	return nil
}

func (s *itemScreen) anchor() (agenda.Anchor, bool) {
	it := s.item()
	var rec *int
	if s.rec >= 0 {
		r := s.rec
		rec = &r
	}
	a, err := agenda.AnchorOn(s.md.meeting, it, rec)
	if err != nil {
		s.c.fail(err)
		return a, false
	}
	return a, true
}

func (s *itemScreen) newNote() {
	// A stance without words on this spot is the note to write in: one note, not two.
	if s.rec >= 0 {
		if e := s.md.stanceEntry(s.id, s.rec, s.c.Author); e != nil && !e.written() {
			s.c.emit(editNoteIntent{Key: e.key, Note: e.note})
			return
		}
	}
	a, ok := s.anchor()
	if !ok {
		return
	}
	s.c.emit(editNoteIntent{Note: agenda.Note{Anchor: a, Visibility: agenda.Private, Author: s.c.Author}})
}

// editNote edits the note under the cursor in the notes pane, else the member's note on
// the selected recommendation (or on the item), else starts a new one.
func (s *itemScreen) editNote() {
	if s.focusNotes && s.nlist.ok() && s.nlist.cursor < len(s.notes) {
		e := s.notes[s.nlist.cursor]
		s.c.emit(editNoteIntent{Key: e.key, Note: e.note})
		return
	}
	for _, e := range s.notes {
		if recIndex(&e.note) == s.rec && e.note.Author == s.c.Author {
			s.c.emit(editNoteIntent{Key: e.key, Note: e.note})
			return
		}
	}
	s.newNote()
}

func (s *itemScreen) inNotes(m tea.Mouse) bool {
	if s.beside {
		return m.X > s.textW
	}
	return m.Y >= len(s.header)+s.bodyH-s.notesH
}

func (s *itemScreen) click(m tea.Mouse) {
	if m.Y < len(s.header) {
		return
	}
	if s.inNotes(m) {
		top := len(s.header)
		if !s.beside {
			top += s.bodyH - s.notesH
		}
		row := s.nlist.rowAt(m.Y - top - 1)
		if row >= 0 && row < len(s.notes) {
			s.focusNotes = true
			s.nlist.cursor = row
		}
		return
	}
	s.focusNotes = false
	b := s.pg.blockAt(m.Y - len(s.header))
	if b >= 0 && b < len(s.pg.blocks) && s.pg.blocks[b].rec >= 0 {
		s.selectRec(s.pg.blocks[b].rec)
	}
}

// The notes pane.

func (s *itemScreen) noteWidth() int {
	if s.beside {
		return s.notesW - 2 // the pane's bar
	}
	return s.w
}

func (s *itemScreen) noteText(e *noteEntry) []string {
	maxLines := 3
	if s.beside {
		maxLines = 8
	}
	text := strings.TrimSpace(e.note.Text)
	if text == "" {
		return nil
	}
	lines := e.md.get(text, max(s.noteWidth()-4, 8), s.c.Styles)
	if len(lines) > maxLines {
		lines = slices.Clone(lines[:maxLines])
		lines = append(lines[:maxLines-1], cut(lines[maxLines-1], s.noteWidth()-6)+" …")
	}
	return lines
}

func (s *itemScreen) noteHeight(e *noteEntry) int { return 1 + len(s.noteText(e)) }

func (s *itemScreen) layoutNotes() {
	hs := make([]int, len(s.notes))
	sel := make([]bool, len(s.notes))
	for i, e := range s.notes {
		hs[i], sel[i] = s.noteHeight(e), true
	}
	s.nlist.setRows(hs, sel)
	if len(s.notes) == 0 {
		s.focusNotes = false
	}
}

func (s *itemScreen) noteMeta(e *noteEntry) string {
	st, t := s.c.Styles, s.c.T
	n := &e.note
	var parts []string
	if r := recIndex(n); r >= 0 {
		parts = append(parts, t.RecShort+" "+fmt.Sprint(r+1))
	} else {
		parts = append(parts, t.ItemNote)
	}
	if n.Stance != agenda.StanceNone {
		parts = append(parts, st.Stance[n.Stance].Render(t.Stance(n.Stance)))
	}
	parts = append(parts, t.Visibility(n.Visibility))
	if n.Author != "" && n.Author != s.c.Author {
		parts = append(parts, n.Author)
	}
	switch n.Status {
	case agenda.StatusChanged:
		parts = append(parts, st.Changed.Render(t.StatusChanged))
	case agenda.StatusOrphaned:
		parts = append(parts, st.Changed.Render(t.StatusOrphaned))
	}
	switch {
	case e.err != nil:
		parts = append(parts, st.StatusError.Render(t.Unsaved))
	case e.savingRev != 0 || e.dirty():
		parts = append(parts, st.Subtle.Render(t.Saving))
	}
	return strings.Join(parts, st.Subtle.Render(" · "))
}

func (s *itemScreen) notesView(h int) []string {
	st, t := s.c.Styles, s.c.T
	w := s.noteWidth()
	title := fmt.Sprintf("%s (%d)", t.NotesHead, len(s.notes))
	head := st.Heading.Render(title)
	if s.focusNotes {
		head = st.Confirm.Render("▸ " + title)
	}
	if !s.beside {
		head = head + " " + st.Subtle.Render(strings.Repeat("─", max(0, w-widthOf(title)-3)))
	}
	lines := []string{cut(head, w)}
	if len(s.notes) == 0 {
		for _, l := range wrapText(t.NoNotes, max(w-2, 8)) {
			lines = append(lines, st.Subtle.Render(l))
		}
		return lines
	}
	lines = append(lines, s.nlist.draw(h-1, func(i int) []string {
		e := s.notes[i]
		selected := s.focusNotes && i == s.nlist.cursor
		onRec := s.rec >= 0 && recIndex(&e.note) == s.rec
		marker := "  "
		switch {
		case selected:
			marker = st.Cursor.Render("›") + " "
		case onRec:
			marker = st.Cursor.Render("▸") + " "
		}
		out := []string{fit(marker+s.noteMeta(e), w)}
		for _, l := range s.noteText(e) {
			out = append(out, fit("    "+st.NoteText.Render(l), w))
		}
		if selected {
			for j := range out {
				out[j] = paintRow(st.NoteSelected, out[j])
			}
		}
		return out
	})...)
	return lines
}

func (s *itemScreen) pickView(h int) []string {
	st, t := s.c.Styles, s.c.T
	it := s.item()
	w := s.noteWidth()
	lines := []string{cut(st.Confirm.Render(t.AttachmentPick), w)}
	for i, a := range it.Attachments {
		marker := "  "
		if i == s.pick {
			marker = st.Cursor.Render("›") + " "
		}
		line := fit(marker+fmt.Sprintf("%d. %s", i+1, a.Title), w)
		if i == s.pick {
			line = paintRow(st.NoteSelected, line)
		}
		where := a.URL
		if a.SHA256 != "" {
			where = a.FileName
		} else if notDownloaded(a) {
			where = t.AttachmentNotDownloaded + " · " + a.URL
		}
		lines = append(lines, line, cut("     "+st.Subtle.Render(where), w))
	}
	if len(lines) > h {
		// Keep the chosen one in view.
		start := min(max(0, 1+2*s.pick-(h-3)), len(lines)-h)
		lines = append(lines[:1], lines[1+start:min(len(lines), start+h)]...)
	}
	return lines
}

func (s *itemScreen) View() string {
	out := append([]string{}, s.header...)
	if s.gone {
		return strings.Join(out, "\n")
	}
	text := s.pg.View()
	if s.beside {
		var side []string
		if s.picking {
			side = s.pickView(s.bodyH)
		} else {
			side = s.notesView(s.bodyH)
		}
		pane := s.c.Styles.Pane
		if s.focusNotes || s.picking {
			pane = s.c.Styles.PaneFocused
		}
		right := pane.Height(s.bodyH).Render(frame(strings.Join(side, "\n"), s.notesW-2, s.bodyH))
		out = append(out, lipgloss.JoinHorizontal(lipgloss.Top, frame(text, s.textW, s.bodyH), " ", right))
		return strings.Join(out, "\n")
	}
	out = append(out, text)
	if s.notesH > 0 {
		var below []string
		if s.picking {
			below = s.pickView(s.notesH)
		} else {
			below = s.notesView(s.notesH)
		}
		out = append(out, frame(strings.Join(below, "\n"), s.w, s.notesH))
	}
	return strings.Join(out, "\n")
}
