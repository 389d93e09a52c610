package ui

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// screen is a child of the root: it updates, draws a string of exactly its size, and
// names its footer keys. Only the root returns a tea.View.
type screen interface {
	Update(msg tea.Msg) (screen, tea.Cmd)
	View() string
	SetSize(w, h int)
	ShortHelp() []key.Binding
	// Crumb is the screen's part of the breadcrumb in the header.
	Crumb() string
	// Capturing screens take printable keys as text: q, ? and / are theirs then.
	Capturing() bool
}

// Intents screens raise through Common.emit; the root acts on them at once.
type (
	openMeetingIntent struct {
		MeetingID, ItemID, NoteID string
		Rec                       *int
		Attachments               bool // show the item's attachments (an attachment hit)
	}
	openItemIntent     struct{ ItemID string }
	openOrphansIntent  struct{}
	openDocumentIntent struct{ ID string }
	editNoteIntent     struct {
		Key  string // the entry to edit, or "" for a new note
		Note agenda.Note
	}
	saveNoteIntent struct {
		Key  string // "" for a new note
		Note agenda.Note
	}
	cycleStanceIntent struct {
		ItemID string
		Rec    int
	}
	deleteNoteIntent     struct{ Key string }
	markReadIntent       struct{ ItemID, Hash string }
	openAttachmentIntent struct {
		Att    agenda.Attachment
		ItemID string // of the open meeting; "" when not known
	}
	jumpIntent        struct{ Hit SearchHit } // from the search screen, which it leaves
	openHitIntent     struct{ Hit SearchHit } // from anywhere else (a watched word's mention)
	loadExampleIntent struct{}
	openExampleIntent struct{}
	backIntent        struct{}
)

// Results of commands.
type (
	homeLoadedMsg struct {
		gen      uint64
		meetings []store.MeetingSummary
		docs     []agenda.Document
		notes    []agenda.Note
		marks    map[string]string
		watch    []store.WatchHit
		watchErr error
		err      error
	}
	meetingLoadedMsg struct {
		req     int
		refresh bool
		target  openMeetingIntent
		meeting *agenda.Meeting
		notes   []agenda.Note
		marks   map[string]string
		err     error
	}
	documentLoadedMsg struct {
		req int
		doc *agenda.Document
		err error
	}
	noteSavedMsg struct {
		key  string
		rev  int
		note agenda.Note
		err  error
	}
	noteDeletedMsg struct {
		key string
		err error
	}
	markedReadMsg      struct{ err error }
	exampleLoadedMsg   struct{ err error }
	attachmentReadyMsg struct {
		title, path, url string
		err              error
	}
	attachmentOpenedMsg struct {
		title string
		err   error
	}
	genTickMsg struct{}
	genMsg     struct {
		gen uint64
		err error
	}
	resizeSettledMsg struct{ seq int }
	statusExpireMsg  struct{ seq int }
	// themeChangedMsg tells screens the styles were rebuilt.
	themeChangedMsg struct{}
	// mdChangedMsg tells screens the open meeting's data was reloaded.
	mdChangedMsg struct{}
)

const (
	pollEvery      = time.Second
	resizeDebounce = 120 * time.Millisecond
	statusFor      = 5 * time.Second
)

// model is the root: it owns the terminal modes, the screen stack, the open meeting and
// every store call.
type model struct {
	c      *Common
	st     Store
	search Searcher
	opts   Options

	home   *homeScreen
	stack  []screen // above home
	md     *meetingData
	srch   *searchScreen
	docReq int
	// textReq numbers diff and attachment-text requests; only the last one opens.
	textReq int

	gen         uint64
	homeLoading bool
	homeAgain   bool
	homeLoaded  bool
	meetingReq  int
	openFirst   bool // open the first meeting when the list arrives (demo, example)
	// exampleChosen: the member chose to look at the example; Run returns ErrOpenExample.
	exampleChosen bool

	saves      int
	pending    map[string]*noteEntry // notes being saved or not yet saved, by entry key
	quitting   bool
	quitAnyway bool
	locals     int

	sync  syncState
	fetch fetchState

	status    string
	statusErr bool
	statusSeq int
	resizeSeq int
}

func newModel(st Store, opts Options, logger *log.Logger) *model {
	if logger == nil {
		logger = log.New(nopWriter{}, "", 0)
	}
	c := newCommon(opts, logger)
	m := &model{c: c, st: st, opts: opts, openFirst: opts.Demo, pending: map[string]*noteEntry{}}
	if s, ok := st.(Searcher); ok {
		m.search = s
	}
	c.Keys.Formoede.SetEnabled(opts.Group != nil)
	c.Keys.Brief.SetEnabled(opts.WriteBrief != nil)
	c.Keys.Sync.SetEnabled(opts.Sync != nil)
	m.home = newHomeScreen(c, opts.OpenExample, opts.LoadExample != nil)
	m.srch = newSearchScreen(c, m.search)
	m.srch.context = m.hitContext
	return m
}

// searchScope is the meeting / searches when pressed inside it (its agenda is open,
// under whatever screen is on top of it) and its name; "" on the meetings list and the
// reading material, where / searches everything.
func (m *model) searchScope() (id, name string) {
	for _, s := range m.stack {
		if a, ok := s.(*agendaScreen); ok && a.md != nil && a.md.meeting != nil {
			mt := a.md.meeting
			return mt.ID, strings.TrimSpace(mt.Body.Name + " " + m.c.T.Date(mt.Start))
		}
	}
	return "", ""
}

// hitContext names where a search hit is: the meeting's body and date.
func (m *model) hitContext(h SearchHit) string {
	if h.MeetingID == "" || h.Kind == HitMeeting {
		return ""
	}
	for i := range m.home.meetings {
		if ms := &m.home.meetings[i]; ms.ID == h.MeetingID {
			return ms.Body.Name + " " + m.c.T.Date(ms.Start)
		}
	}
	return ""
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

func (m *model) Init() tea.Cmd {
	m.homeLoading = true
	return tea.Batch(tea.RequestBackgroundColor, loadHome(m.st), m.tickGen())
}

func (m *model) tickGen() tea.Cmd { return m.c.after(pollEvery, genTickMsg{}) }

func loadHome(st Store) tea.Cmd {
	return func() tea.Msg {
		var msg homeLoadedMsg
		if msg.gen, msg.err = st.Generation(); msg.err != nil {
			return msg
		}
		if msg.meetings, msg.err = st.Meetings(); msg.err != nil {
			return msg
		}
		if msg.docs, msg.err = st.Documents(); msg.err != nil {
			return msg
		}
		if msg.notes, msg.err = st.Notes(); msg.err != nil {
			return msg
		}
		if msg.marks, msg.err = st.ReadMarks(); msg.err != nil {
			return msg
		}
		if w, ok := st.(Watcher); ok {
			// The mentions are a glance, not the list itself: if they cannot be had,
			// the meetings still show.
			msg.watch, msg.watchErr = w.WatchHits()
		}
		return msg
	}
}

func loadMeeting(st Store, req int, target openMeetingIntent, refresh bool) tea.Cmd {
	return func() tea.Msg {
		msg := meetingLoadedMsg{req: req, target: target, refresh: refresh}
		if msg.meeting, msg.err = st.Meeting(target.MeetingID); msg.err != nil {
			return msg
		}
		if msg.notes, msg.err = st.NotesForMeeting(target.MeetingID); msg.err != nil {
			return msg
		}
		msg.marks, msg.err = st.ReadMarks()
		return msg
	}
}

func (m *model) top() screen {
	if len(m.stack) == 0 {
		return m.home
	}
	return m.stack[len(m.stack)-1]
}

func (m *model) bodyHeight() int { return max(m.c.Height-2, 1) }

// push and pop change the screen; a status line belongs to the screen it was said on,
// so it goes with it ("Slet noten?" must not stay on the agenda).
func (m *model) push(s screen) {
	s.SetSize(m.c.Width, m.bodyHeight())
	m.stack = append(m.stack, s)
	m.status = ""
}

func (m *model) pop() {
	if len(m.stack) > 0 {
		m.stack = m.stack[:len(m.stack)-1]
		m.status = ""
	}
}

// popWhile pops screens off the top while fn says so.
func (m *model) popWhile(fn func(screen) bool) {
	for len(m.stack) > 0 && fn(m.stack[len(m.stack)-1]) {
		m.pop()
	}
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	// Intents raised by screens are handled before anything else can happen.
	var cmds []tea.Cmd
	cmds = append(cmds, cmd)
	for len(m.c.outbox) > 0 {
		in := m.c.outbox[0]
		m.c.outbox = m.c.outbox[1:]
		cmds = append(cmds, m.handleIntent(in))
	}
	return m, tea.Batch(cmds...)
}

func (m *model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.home.SetSize(m.c.Width, m.bodyHeight())
		for _, s := range m.stack {
			s.SetSize(m.c.Width, m.bodyHeight())
		}
		if !m.onStack(m.srch) {
			m.srch.SetSize(m.c.Width, m.bodyHeight())
		}
		m.resizeSeq++
		seq := m.resizeSeq
		return m.c.after(resizeDebounce, resizeSettledMsg{seq: seq})

	case resizeSettledMsg:
		if msg.seq != m.resizeSeq {
			return nil // another resize followed: wait for that one
		}
		// Every screen, not just the top: an item under the editor must be rendered at
		// the new width when the member comes back to it.
		return m.forwardAll(msg)

	case tea.BackgroundColorMsg:
		if m.c.setDark(msg.IsDark()) {
			m.c.Log.Printf("background is dark: %v", msg.IsDark())
			return m.forwardAll(themeChangedMsg{})
		}
		return nil

	case tea.KeyPressMsg:
		return m.key(msg)

	case tea.MouseClickMsg:
		mm := msg.Mouse()
		if mm.Y < 1 || mm.Y > m.bodyHeight() {
			return nil
		}
		mm.Y--
		return m.forwardTop(tea.MouseClickMsg(mm))

	case tea.MouseWheelMsg:
		mm := msg.Mouse()
		mm.Y--
		return m.forwardTop(tea.MouseWheelMsg(mm))

	case renderedMsg:
		return m.forwardAll(msg)

	case genTickMsg:
		st := m.st
		return func() tea.Msg {
			g, err := st.Generation()
			return genMsg{gen: g, err: err}
		}

	case genMsg:
		if msg.err != nil {
			m.c.Log.Printf("generation: %v", msg.err)
			return m.tickGen()
		}
		cmds := []tea.Cmd{m.tickGen()}
		if msg.gen != m.gen && m.homeLoaded {
			m.c.Log.Printf("generation %d → %d: reloading", m.gen, msg.gen)
			m.gen = msg.gen
			cmds = append(cmds, m.reloadHome())
			if m.md != nil {
				m.meetingReq++
				cmds = append(cmds, loadMeeting(m.st, m.meetingReq, openMeetingIntent{MeetingID: m.md.meeting.ID}, true))
			}
		}
		return tea.Batch(cmds...)

	case homeLoadedMsg:
		return m.homeLoadedMsg(msg)

	case meetingLoadedMsg:
		return m.meetingLoaded(msg)

	case documentLoadedMsg:
		if msg.req != m.docReq {
			return nil
		}
		if msg.err != nil {
			m.c.fail(msg.err)
			return nil
		}
		m.popWhile(func(s screen) bool { _, ok := s.(*documentScreen); return ok })
		d := newDocumentScreen(m.c, msg.doc)
		m.push(d)
		return d.pg.nextRender()

	case noteSavedMsg:
		return m.noteSaved(msg)

	case noteDeletedMsg:
		if msg.err != nil {
			m.c.fail(msg.err)
			return nil
		}
		m.c.status(m.c.T.NoteDeleted)
		return m.forwardAll(mdChangedMsg{})

	case markedReadMsg:
		if msg.err != nil {
			m.c.Log.Printf("mark read: %v", msg.err)
		}
		return nil

	case exampleLoadedMsg:
		m.home.loadingExample = false
		if msg.err != nil {
			m.c.fail(msg.err)
			return nil
		}
		m.openFirst = true
		return m.reloadHome()

	case attachmentReadyMsg:
		return m.attachmentReady(msg)

	case attachmentOpenedMsg:
		if msg.err != nil {
			m.c.fail(fmt.Errorf("open %s: %w", msg.title, msg.err))
		}
		return nil

	case syncWaitMsg, syncDoneMsg:
		return m.syncMsg(msg)
	case fetchWaitMsg, fetchDoneMsg:
		return m.fetchMsg(msg)

	case textReadyMsg:
		if msg.req != m.textReq {
			return nil
		}
		if msg.err != nil {
			m.c.fail(msg.err)
			return nil
		}
		if msg.info != "" {
			return m.setStatus(msg.info, false)
		}
		m.popWhile(func(s screen) bool { _, ok := s.(*textScreen); return ok })
		m.push(newTextScreen(m.c, msg))
		return nil

	case formoedeLoadedMsg, conflictResolvedMsg:
		// The formøde screen may be under help; it finds its own results by request id.
		return m.forwardAll(msg)

	case briefWrittenMsg:
		if msg.err != nil {
			m.c.fail(msg.err)
			return nil
		}
		return m.setStatus(fmt.Sprintf(m.c.T.BriefWritten, msg.path), false)

	case statusExpireMsg:
		if msg.seq == m.statusSeq {
			m.status = ""
		}
		return nil
	}
	return m.forwardTop(msg)
}

func (m *model) onStack(s screen) bool {
	for _, x := range m.stack {
		if x == s {
			return true
		}
	}
	return false
}

func (m *model) forwardTop(msg tea.Msg) tea.Cmd {
	top := m.top()
	_, cmd := top.Update(msg)
	return cmd
}

// forwardAll gives a message to every screen (render results find their pager; a reload
// or theme change reaches screens below the top too).
func (m *model) forwardAll(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	_, cmd := m.home.Update(msg)
	cmds = append(cmds, cmd)
	for _, s := range m.stack {
		_, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (m *model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.Keys
	if matches(msg, k.ForceQuit) {
		return m.quit(true)
	}
	top := m.top()
	if matches(msg, k.HelpAnywhere) {
		if _, ok := top.(*helpScreen); ok {
			m.pop()
		} else {
			m.push(newHelpScreen(m.c))
		}
		return nil
	}
	if !top.Capturing() {
		switch {
		case matches(msg, k.Quit):
			return m.quit(false)
		case matches(msg, k.Help):
			if _, ok := top.(*helpScreen); ok {
				m.pop()
				return nil
			}
			m.push(newHelpScreen(m.c))
			return nil
		case matches(msg, k.Sync):
			return m.startSync()
		case matches(msg, k.Search):
			if _, ok := top.(*helpScreen); ok {
				m.pop()
			}
			if !m.onStack(m.srch) {
				m.push(m.srch)
			}
			id, name := m.searchScope()
			return m.srch.open(id, name)
		}
	}
	if m.quitAnyway && !matches(msg, k.Quit) {
		m.quitAnyway = false
	}
	return m.forwardTop(msg)
}

// quit leaves the program, but never while a note is being saved, and not with a note
// that failed to save unless asked twice (ctrl+c always quits, after saving an open
// editor's text).
func (m *model) quit(force bool) tea.Cmd {
	var cmd tea.Cmd
	if force {
		if ed, ok := m.top().(*editorScreen); ok && ed.dirty() {
			ed.save()
			for len(m.c.outbox) > 0 {
				in := m.c.outbox[0]
				m.c.outbox = m.c.outbox[1:]
				cmd = tea.Batch(cmd, m.handleIntent(in))
			}
		}
	}
	if m.sync.cancel != nil {
		defer func() {
			if m.saves == 0 {
				m.sync.cancel() // leaving: the sync need not finish
			}
		}()
	}
	if m.saves > 0 {
		m.quitting = true
		m.setStatus(m.c.T.QuitWaiting, false)
		return cmd
	}
	if !force && !m.quitAnyway && m.unsaved() {
		m.quitAnyway = true
		m.setStatus(m.c.T.QuitUnsaved, true)
		return nil
	}
	return tea.Quit
}

func (m *model) unsaved() bool {
	for _, e := range m.pending {
		if e.dirty() {
			return true
		}
	}
	return false
}

func (m *model) setStatus(text string, isErr bool) tea.Cmd {
	m.status, m.statusErr = text, isErr
	m.statusSeq++
	seq := m.statusSeq
	return m.c.after(statusFor, statusExpireMsg{seq: seq})
}

func (m *model) reloadHome() tea.Cmd {
	if m.homeLoading {
		m.homeAgain = true
		return nil
	}
	m.homeLoading = true
	return loadHome(m.st)
}

func (m *model) homeLoadedMsg(msg homeLoadedMsg) tea.Cmd {
	m.homeLoading = false
	var cmds []tea.Cmd
	if m.homeAgain {
		m.homeAgain = false
		cmds = append(cmds, m.reloadHome())
	}
	if msg.err != nil {
		m.c.fail(msg.err)
		return tea.Batch(cmds...)
	}
	first := !m.homeLoaded
	m.homeLoaded = true
	if msg.gen > m.gen {
		m.gen = msg.gen
	}
	if msg.watchErr != nil {
		m.c.Log.Printf("watch words: %v", msg.watchErr)
	}
	m.home.setData(msg.meetings, msg.docs, msg.notes, msg.marks, msg.watch)
	if !first && len(m.stack) > 0 {
		m.c.Log.Printf("collection reloaded: %d meetings", len(msg.meetings))
	}
	if m.openFirst && len(msg.meetings) > 0 {
		m.openFirst = false
		if id := m.home.firstMeeting(); id != "" {
			cmds = append(cmds, m.handleIntent(openMeetingIntent{MeetingID: id}))
		}
	}
	return tea.Batch(cmds...)
}

func (m *model) meetingLoaded(msg meetingLoadedMsg) tea.Cmd {
	if msg.req != m.meetingReq {
		return nil // the member asked for something else since
	}
	if msg.err != nil {
		if !msg.refresh {
			m.c.fail(msg.err)
		}
		return nil
	}
	if msg.refresh {
		if m.md == nil || m.md.meeting.ID != msg.meeting.ID {
			return nil
		}
		fresh := newMeetingData(msg.meeting, nil, msg.marks)
		fresh.notes = m.md.notes
		fresh.mergeNotes(msg.notes)
		// Keep marks set in this session that the store has not confirmed yet.
		for id, h := range m.md.marks {
			if _, ok := fresh.marks[id]; !ok {
				fresh.marks[id] = h
			}
		}
		*m.md = *fresh
		return m.forwardAll(mdChangedMsg{})
	}
	m.md = newMeetingData(msg.meeting, msg.notes, msg.marks)
	m.c.Log.Printf("opened meeting %s (%d items, %d notes)", msg.meeting.ID, len(msg.meeting.Items), len(msg.notes))
	m.adoptPending()
	m.stack = m.stack[:0]
	m.push(newAgendaScreen(m.c, m.md))
	t := msg.target
	if t.ItemID != "" && m.md.item(t.ItemID) != nil {
		cmd := m.openItem(t.ItemID, t.Rec, t.NoteID)
		if s, ok := m.top().(*itemScreen); ok && t.Attachments {
			s.showAttachments()
		}
		return cmd
	}
	return nil
}

// adoptPending puts the notes of the newly opened meeting that are still being saved, or
// failed to save, in place of their stored versions: the member sees what they wrote.
func (m *model) adoptPending() {
	for _, e := range m.pending {
		if e.note.Anchor.MeetingID != m.md.meeting.ID {
			continue
		}
		replaced := false
		for i, x := range m.md.notes {
			if x.key == e.key || (e.note.ID != "" && x.note.ID == e.note.ID) {
				m.md.notes[i], replaced = e, true
			}
		}
		if !replaced {
			m.md.notes = append(m.md.notes, e)
		}
	}
}

func (m *model) openItem(id string, rec *int, noteID string) tea.Cmd {
	it := m.md.item(id)
	if it == nil {
		return nil
	}
	if a, ok := m.top().(*agendaScreen); ok {
		a.selectItem(id)
	}
	s := newItemScreen(m.c, m.md, id)
	m.push(s)
	if rec != nil {
		s.selectRec(*rec)
	}
	if noteID != "" {
		s.selectNote(noteID)
	}
	return tea.Batch(s.pg.nextRender(), m.handleIntent(markReadIntent{ItemID: id, Hash: m.md.hashes[id]}))
}

func (m *model) handleIntent(in tea.Msg) tea.Cmd {
	switch in := in.(type) {
	case statusIntent:
		return m.setStatus(in.Text, in.IsErr)

	case pushIntent:
		m.push(in.s)
		return nil

	case backIntent:
		m.pop()
		if len(m.stack) == 0 && m.md != nil {
			// Back on the list: its counts should show what was just read and written.
			m.md = nil
			return m.reloadHome()
		}
		return nil

	case openMeetingIntent:
		m.meetingReq++
		return loadMeeting(m.st, m.meetingReq, in, false)

	case openItemIntent:
		if m.md == nil {
			return nil
		}
		return m.openItem(in.ItemID, nil, "")

	case openFormoedeIntent:
		if m.md == nil {
			return nil
		}
		if m.opts.Group == nil {
			return m.setStatus(m.c.T.FormoedeUnavailable, true)
		}
		m.popWhile(func(s screen) bool { _, ok := s.(*formoedeScreen); return ok })
		s := newFormoedeScreen(m.c, m.opts.Group, m.st, m.md.meeting)
		m.push(s)
		return s.load()

	case writeBriefIntent:
		if m.opts.WriteBrief == nil {
			return m.setStatus(m.c.T.BriefUnavailable, true)
		}
		write, id, g := m.opts.WriteBrief, in.MeetingID, in.Group
		return func() tea.Msg {
			path, err := write(id, g)
			return briefWrittenMsg{path: path, err: err}
		}

	case diffIntent:
		h, ok := m.st.(History)
		if m.md == nil || m.md.item(in.ItemID) == nil {
			return nil
		}
		if !ok {
			return m.setStatus(m.c.T.DiffUnavailable, true)
		}
		m.textReq++
		return loadDiff(m.c, h, m.textReq, *m.md.item(in.ItemID), in.ReadHash)

	case textIntent:
		if f := m.fetchable(in.Att, in.ItemID); f != nil {
			return f(true)
		}
		at, ok := m.st.(AttachmentTexter)
		if !ok {
			return m.setStatus(m.c.T.AttachmentTextUnavailable, true)
		}
		m.textReq++
		return loadAttachmentText(m.c, at, m.textReq, in.Att)

	case openOrphansIntent:
		if m.md != nil {
			m.push(newOrphanScreen(m.c, m.md))
		}
		return nil

	case openDocumentIntent:
		m.docReq++
		st, req, id := m.st, m.docReq, in.ID
		return func() tea.Msg {
			d, err := st.Document(id)
			return documentLoadedMsg{req: req, doc: d, err: err}
		}

	case jumpIntent:
		m.pop() // the search screen
		return m.handleIntent(openHitIntent(in))

	case openHitIntent:
		h := in.Hit
		switch {
		case h.Kind == HitDocument && h.DocumentID != "":
			return m.handleIntent(openDocumentIntent{ID: h.DocumentID})
		case h.MeetingID != "":
			return m.handleIntent(openMeetingIntent{MeetingID: h.MeetingID, ItemID: h.ItemID, Rec: h.Recommendation,
				NoteID: h.NoteID, Attachments: h.Kind == HitAttachment})
		}
		return nil

	case markReadIntent:
		if m.md == nil || m.md.marks[in.ItemID] == in.Hash {
			return nil
		}
		m.md.marks[in.ItemID] = in.Hash
		m.home.marks[in.ItemID] = in.Hash
		st := m.st
		return func() tea.Msg { return markedReadMsg{err: st.MarkRead(in.ItemID, in.Hash)} }

	case editNoteIntent:
		if m.md == nil {
			return nil
		}
		ed := newEditorScreen(m.c, m.md, in.Key, in.Note)
		m.push(ed)
		return ed.focus()

	case saveNoteIntent:
		return m.saveNote(in)

	case cycleStanceIntent:
		return m.cycleStance(in)

	case deleteNoteIntent:
		return m.deleteNote(in.Key)

	case openAttachmentIntent:
		if f := m.fetchable(in.Att, in.ItemID); f != nil {
			return f(false)
		}
		return m.openAttachment(in.Att)

	case openExampleIntent:
		// Only from the welcome screen of an empty store: nothing to save on the way out.
		if !m.opts.OpenExample || m.saves > 0 || m.unsaved() {
			return nil
		}
		m.exampleChosen = true
		return tea.Quit

	case loadExampleIntent:
		if m.opts.LoadExample == nil || m.home.loadingExample {
			return nil
		}
		m.home.loadingExample = true
		load := m.opts.LoadExample
		return func() tea.Msg { return exampleLoadedMsg{err: load()} }
	}
	return nil
}

// requestSave stores an entry's current version unless a save of it is running; then
// noteSaved saves again when it ends.
func (m *model) requestSave(e *noteEntry) tea.Cmd {
	if e.savingRev != 0 || !e.dirty() {
		return nil
	}
	// The entry is found here when its save ends, whatever meeting is open by then.
	m.pending[e.key] = e
	e.savingRev = e.localRev
	m.saves++
	n := e.note
	if r := n.Anchor.Recommendation; r != nil {
		i := *r
		n.Anchor.Recommendation = &i
	}
	st, key, rev := m.st, e.key, e.localRev
	return func() tea.Msg {
		err := st.SaveNote(&n)
		return noteSavedMsg{key: key, rev: rev, note: n, err: err}
	}
}

func (m *model) newEntry(n agenda.Note) *noteEntry {
	m.locals++
	n.ID = ""
	if n.Visibility == "" {
		n.Visibility = agenda.Private
	}
	n.Author = m.c.Author
	e := &noteEntry{key: fmt.Sprintf("local:%d", m.locals), note: n}
	m.md.notes = append(m.md.notes, e)
	return e
}

func (m *model) saveNote(in saveNoteIntent) tea.Cmd {
	if m.md == nil {
		return nil
	}
	var e *noteEntry
	if in.Key != "" {
		e = m.md.entry(in.Key)
	}
	if e == nil {
		if strings.TrimSpace(in.Note.Text) == "" && in.Note.Stance == agenda.StanceNone {
			m.c.status(m.c.T.EmptyNote)
			return nil
		}
		e = m.newEntry(in.Note)
	} else {
		e.note.Text, e.note.Stance, e.note.Visibility = in.Note.Text, in.Note.Stance, in.Note.Visibility
	}
	e.announce = true
	e.localRev++
	return tea.Batch(m.requestSave(e), m.forwardAll(mdChangedMsg{}))
}

func (m *model) cycleStance(in cycleStanceIntent) tea.Cmd {
	if m.md == nil {
		return nil
	}
	it := m.md.item(in.ItemID)
	if it == nil || in.Rec < 0 || in.Rec >= len(it.Recommendations) {
		return nil
	}
	e := m.md.stanceEntry(in.ItemID, in.Rec, m.c.Author)
	if e == nil {
		rec := in.Rec
		a, err := agenda.AnchorOn(m.md.meeting, it, &rec)
		if err != nil {
			m.c.fail(err)
			return nil
		}
		e = m.newEntry(agenda.Note{Anchor: a, Stance: agenda.StanceFor})
	} else {
		e.note.Stance = e.note.Stance.Next()
	}
	e.localRev++
	m.c.status(fmt.Sprintf(m.c.T.StanceSaved, m.c.T.Stance(e.note.Stance)))
	return tea.Batch(m.requestSave(e), m.forwardAll(mdChangedMsg{}))
}

func (m *model) noteSaved(msg noteSavedMsg) tea.Cmd {
	m.saves--
	var cmds []tea.Cmd
	e := m.pending[msg.key]
	if msg.err != nil {
		m.c.Log.Printf("save note %s: %v", msg.key, msg.err)
		cmds = append(cmds, m.setStatus(m.c.errText(msg.err), true))
		if e != nil {
			e.savingRev = 0
			e.err = msg.err
		}
	} else if e != nil {
		e.savingRev = 0
		e.err = nil
		e.savedRev = msg.rev
		if e.localRev == msg.rev {
			e.note = msg.note
		} else {
			// Changed again while saving: keep the newer text and stance, take the identity.
			e.note.ID, e.note.Created, e.note.Updated = msg.note.ID, msg.note.Created, msg.note.Updated
			e.note.Revision, e.note.Status, e.note.Anchor = msg.note.Revision, msg.note.Status, msg.note.Anchor
		}
		if !e.dirty() {
			delete(m.pending, msg.key)
		}
		cmds = append(cmds, m.requestSave(e))
		if e.announce && !e.dirty() {
			e.announce = false
			m.c.status(m.c.T.NoteSaved)
		}
	}
	cmds = append(cmds, m.forwardAll(mdChangedMsg{}))
	if m.quitting && m.saves == 0 {
		cmds = append(cmds, tea.Quit)
	}
	return tea.Batch(cmds...)
}

func (m *model) deleteNote(key string) tea.Cmd {
	if m.md == nil {
		return nil
	}
	e := m.md.entry(key)
	if e == nil {
		return nil
	}
	if e.savingRev != 0 {
		m.c.status(m.c.T.Saving)
		return nil
	}
	e.note.Deleted = true
	e.savedRev = e.localRev // nothing left to save
	if e.note.ID == "" {
		return m.forwardAll(mdChangedMsg{})
	}
	st, id := m.st, e.note.ID
	return tea.Batch(m.forwardAll(mdChangedMsg{}), func() tea.Msg {
		return noteDeletedMsg{key: key, err: st.DeleteNote(id)}
	})
}

// fetchable returns how to fetch a not-downloaded attachment of the open meeting before
// opening it (or showing its text), or nil when it is here or cannot be fetched.
func (m *model) fetchable(a agenda.Attachment, itemID string) func(text bool) tea.Cmd {
	if !notDownloaded(a) || m.opts.Fetcher == nil || m.md == nil || itemID == "" {
		return nil
	}
	meetingID := m.md.meeting.ID
	return func(text bool) tea.Cmd { return m.startFetch(meetingID, itemID, a, text) }
}

func (m *model) openAttachment(a agenda.Attachment) tea.Cmd {
	if a.SHA256 == "" {
		return m.showAddress(a)
	}
	st, dir := m.st, m.opts.TempDir
	if dir == "" {
		dir = os.TempDir()
	}
	m.c.status(fmt.Sprintf(m.c.T.AttachmentOpening, a.Title))
	return func() tea.Msg {
		data, err := st.Attachment(a.SHA256)
		if err != nil {
			return attachmentReadyMsg{title: a.Title, url: a.URL, err: err}
		}
		path := filepath.Join(dir, "dagsorden-"+shortSHA(a.SHA256)+"-"+safeName(a))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return attachmentReadyMsg{title: a.Title, url: a.URL, err: err}
		}
		return attachmentReadyMsg{title: a.Title, path: path, url: a.URL}
	}
}

func (m *model) showAddress(a agenda.Attachment) tea.Cmd {
	if a.URL == "" {
		return m.setStatus(fmt.Sprintf(m.c.T.AttachmentNoAddress, a.Title), true)
	}
	return m.setStatus(fmt.Sprintf(m.c.T.AttachmentAddress, a.Title, a.URL), false)
}

func (m *model) attachmentReady(msg attachmentReadyMsg) tea.Cmd {
	if msg.err != nil {
		m.c.Log.Printf("attachment %s: %v", msg.title, msg.err)
		return m.showAddress(agenda.Attachment{Title: msg.title, URL: msg.url})
	}
	if open := m.opts.OpenFile; open != nil {
		title, path := msg.title, msg.path
		return func() tea.Msg { return attachmentOpenedMsg{title: title, err: open(path)} }
	}
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	title := msg.title
	return tea.ExecProcess(exec.Command(name, msg.path), func(err error) tea.Msg {
		return attachmentOpenedMsg{title: title, err: err}
	})
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// safeName makes a file name from an attachment that can never leave the temp folder.
func safeName(a agenda.Attachment) string {
	name := a.FileName
	if name == "" {
		name = a.Title
	}
	var b strings.Builder
	for _, r := range filepath.Base(name) {
		switch {
		case r == '/' || r == '\\' || r == 0 || r < ' ':
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "bilag"
	}
	if filepath.Ext(s) == "" && a.MediaType == "application/pdf" {
		s += ".pdf"
	}
	return s
}

// View draws the header (breadcrumb), the top screen and the footer (status or keys).
func (m *model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = m.c.T.AppName
	w, h := m.c.Width, m.c.Height
	if w <= 0 || h <= 0 {
		return v
	}
	top := m.top()
	body := frame(top.View(), w, m.bodyHeight())
	if bars := m.syncLines(w); len(bars) > 0 {
		// The bars cover the bottom of the screen while the sync runs.
		lines := strings.Split(body, "\n")
		n := min(len(bars), len(lines)/2)
		copy(lines[len(lines)-n:], bars[:n])
		body = strings.Join(lines, "\n")
	}
	if h < 3 {
		v.SetContent(safeFrame(body))
		return v
	}
	v.SetContent(safeFrame(m.header(w) + "\n" + body + "\n" + m.footer(w, top)))
	if ed, ok := top.(*editorScreen); ok {
		if c := ed.cursor(); c != nil {
			c.Y++ // below the header
			v.Cursor = c
		}
	}
	return v
}

func (m *model) header(w int) string {
	s := m.c.Styles
	crumbs := []string{m.c.T.AppName}
	if c := m.home.Crumb(); c != "" {
		crumbs = append(crumbs, c)
	}
	for _, x := range m.stack {
		if c := x.Crumb(); c != "" {
			crumbs = append(crumbs, c)
		}
	}
	right := ""
	switch {
	case m.saves > 0:
		right = m.c.T.Saving
	case m.sync.running:
		right = m.c.T.SyncRunning
	case !m.sync.last.IsZero():
		right = fmt.Sprintf(m.c.T.SyncLast, m.c.T.Clock(m.sync.last))
	}
	text := strings.Join(crumbs, " › ")
	room := w - ansi.StringWidth(right) - 1
	if ansi.StringWidth(text) > room {
		text = ansi.TruncateLeft(text, ansi.StringWidth(text)-room+1, "…")
	}
	line := s.Header.Render(text)
	gap := w - ansi.StringWidth(text) - ansi.StringWidth(right)
	if right != "" && gap > 0 {
		line += strings.Repeat(" ", gap) + s.HeaderDim.Render(right)
	}
	return cut(line, w)
}

// footer is the one line under the screen: the status when there is one, else the
// screen's keys. The help key ends it on every screen and is never the one cut when the
// line is too narrow (it lists the rest); quit comes last when there is room.
func (m *model) footer(w int, top screen) string {
	s, k := m.c.Styles, m.c.Keys
	tail := []key.Binding{k.Help}
	switch _, help := top.(*helpScreen); {
	case help:
		tail = nil // its own keys say how to leave it
	case top.Capturing():
		tail = []key.Binding{k.HelpAnywhere} // ? and q are text here
	}
	sep := s.Footer.Render(" · ")
	// render lays out the bindings that fit in room, in order; all says none was cut.
	render := func(bs []key.Binding, room int) (parts []string, used int, all bool) {
		for _, b := range bs {
			if !b.Enabled() || b.Help().Key == "" {
				continue
			}
			h := b.Help()
			width := ansi.StringWidth(h.Key+" "+h.Desc) + 3
			if used+width > room {
				return parts, used, false
			}
			parts = append(parts, s.FooterKey.Render(h.Key)+" "+s.FooterDesc.Render(h.Desc))
			used += width
		}
		return parts, used, true
	}
	end, endW, _ := render(tail, w)
	if m.status != "" {
		st := s.Status
		if m.statusErr {
			st = s.StatusError
		}
		line := st.Render(cut(m.status, max(w-endW, 1)))
		if len(end) > 0 && ansi.StringWidth(line)+endW <= w {
			line += sep + strings.Join(end, sep)
		}
		return line
	}
	parts, used, all := render(top.ShortHelp(), w-endW)
	if all && len(tail) == 1 && tail[0].Help().Key == k.Help.Help().Key {
		q, _, _ := render([]key.Binding{k.Quit}, w-endW-used)
		end = append(end, q...)
	}
	return strings.Join(append(parts, end...), sep)
}

// frame makes s exactly h lines of at most w cells, so no screen can break the layout.
func frame(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
