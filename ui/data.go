package ui

import (
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// noteEntry is one of the member's notes as the UI holds it: the note plus where its
// saving stands. Saves of one note run one at a time; a change made while a save runs is
// saved right after it, so quick presses of s can never store an older stance last, nor
// create the same new note twice.
type noteEntry struct {
	key       string // the note's id, or "local:N" for a note not yet stored
	note      agenda.Note
	localRev  int // bumped by every change made in the UI
	savingRev int // the localRev being saved, 0 when no save runs
	savedRev  int // the last localRev the store has
	err       error
	announce  bool // say "Noten er gemt." when the save lands (saves from the editor)

	md mdCache // the note's text as the notes pane shows it
}

// mdCache keeps a note's rendered Markdown for the text, width and look it was made for.
type mdCache struct {
	text, theme string
	width       int
	lines       []string
}

// lines returns text rendered at width in st, from the cache when nothing changed.
func (c *mdCache) get(text string, width int, st Styles) []string {
	if c.lines == nil || c.text != text || c.width != width || c.theme != st.Theme {
		c.text, c.width, c.theme = text, width, st.Theme
		c.lines = noteMarkdown(text, width, st)
	}
	return c.lines
}

func (e *noteEntry) dirty() bool { return e.localRev > e.savedRev }

// blank notes (no text, no stance: what is left after cycling a stance back to none)
// are kept but not shown or counted.
func (e *noteEntry) blank() bool {
	return strings.TrimSpace(e.note.Text) == "" && e.note.Stance == agenda.StanceNone
}

// written: the note has words, not only a stance. "✎ n" counts these; stances have
// their own marks.
func (e *noteEntry) written() bool { return strings.TrimSpace(e.note.Text) != "" }

func recIndex(n *agenda.Note) int {
	if n.Anchor.Recommendation == nil {
		return -1
	}
	return *n.Anchor.Recommendation
}

// meetingData is the open meeting: its items, the notes on it and the read marks. The
// agenda and item screens share it; only the root changes it.
type meetingData struct {
	meeting *agenda.Meeting
	notes   []*noteEntry
	marks   map[string]string
	index   map[string]int
	hashes  map[string]string // item id → agenda.ItemTextHash, computed once per load
}

func newMeetingData(m *agenda.Meeting, notes []agenda.Note, marks map[string]string) *meetingData {
	md := &meetingData{meeting: m, marks: marks, index: map[string]int{}, hashes: map[string]string{}}
	if md.marks == nil {
		md.marks = map[string]string{}
	}
	for i := range m.Items {
		md.index[m.Items[i].ID] = i
		md.hashes[m.Items[i].ID] = agenda.ItemTextHash(&m.Items[i])
	}
	for _, n := range notes {
		md.notes = append(md.notes, &noteEntry{key: n.ID, note: n})
	}
	return md
}

func (md *meetingData) item(id string) *agenda.Item {
	if i, ok := md.index[id]; ok {
		return &md.meeting.Items[i]
	}
	return nil
}

// state is how item id stands against the member's reading.
func (md *meetingData) state(id string) readState { return stateOf(md.marks, id, md.hashes[id]) }

func (md *meetingData) entry(key string) *noteEntry {
	for _, e := range md.notes {
		if e.key == key {
			return e
		}
	}
	return nil
}

// notesOn lists the notes shown on an item: item notes first, then by recommendation,
// each group in the order written.
func (md *meetingData) notesOn(itemID string) []*noteEntry {
	var out []*noteEntry
	for _, e := range md.notes {
		if e.note.Anchor.ItemID == itemID && !e.note.Deleted && !e.blank() {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return recIndex(&out[i].note) < recIndex(&out[j].note) })
	return out
}

// orphans are the notes whose item is gone from the agenda ("Noter uden sted"): kept,
// never deleted, listed on their own.
func (md *meetingData) orphans() []*noteEntry {
	var out []*noteEntry
	for _, e := range md.notes {
		if e.note.Deleted || e.blank() {
			continue
		}
		if _, ok := md.index[e.note.Anchor.ItemID]; !ok || e.note.Status == agenda.StatusOrphaned {
			out = append(out, e)
		}
	}
	return out
}

// stanceEntry is the note that holds the member's stance on a recommendation: the first
// of their notes on it that has a stance, else the first of their notes on it.
func (md *meetingData) stanceEntry(itemID string, rec int, author string) *noteEntry {
	var first *noteEntry
	for _, e := range md.notes {
		n := &e.note
		if n.Deleted || n.Anchor.ItemID != itemID || recIndex(n) != rec || n.Author != author {
			continue
		}
		if n.Stance != agenda.StanceNone {
			return e
		}
		if first == nil {
			first = e
		}
	}
	return first
}

func (md *meetingData) stance(itemID string, rec int, author string) agenda.Stance {
	if e := md.stanceEntry(itemID, rec, author); e != nil {
		return e.note.Stance
	}
	return agenda.StanceNone
}

// mergeNotes takes the stored notes after a reload. A note changed in the UI and not yet
// stored keeps the UI's version: a reload must never undo what the member just did.
func (md *meetingData) mergeNotes(stored []agenda.Note) {
	byID := map[string]*noteEntry{}
	var kept []*noteEntry
	for _, e := range md.notes {
		if e.note.ID != "" {
			byID[e.note.ID] = e
		}
		if e.dirty() || e.savingRev != 0 {
			kept = append(kept, e)
		}
	}
	seen := map[*noteEntry]bool{}
	var out []*noteEntry
	for _, n := range stored {
		if e, ok := byID[n.ID]; ok {
			if !e.dirty() && e.savingRev == 0 {
				e.note = n
			}
			out = append(out, e)
			seen[e] = true
			continue
		}
		out = append(out, &noteEntry{key: n.ID, note: n})
	}
	for _, e := range kept {
		if !seen[e] {
			out = append(out, e)
		}
	}
	md.notes = out
}

// readState says how an item stands against the member's reading.
type readState int

const (
	unread readState = iota
	read
	changedSinceRead
)

func stateOf(marks map[string]string, id, hash string) readState {
	m, ok := marks[id]
	switch {
	case !ok:
		return unread
	case m == hash:
		return read
	}
	return changedSinceRead
}

func matches(msg tea.KeyPressMsg, b ...key.Binding) bool { return key.Matches(msg, b...) }

// stanceMark is the one-character sign of a stance in the agenda.
func stanceMark(s agenda.Stance) string {
	switch s {
	case agenda.StanceFor:
		return "+"
	case agenda.StanceAgainst:
		return "−"
	case agenda.StanceAbstain:
		return "="
	case agenda.StanceQuestion:
		return "?"
	}
	return "·"
}
