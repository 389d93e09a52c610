package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
)

// History is what the diff (d in an item) needs beyond Store: the version of an item
// before its last change. *store.Store implements it; without it d says changes cannot
// be shown.
type History interface {
	PreviousItem(id string) (*agenda.Item, error)
}

// AttachmentTexter gives the extracted text of a stored attachment, one string per page
// (t in an item). *store.Store implements it.
type AttachmentTexter interface {
	AttachmentText(sha256 string) ([]string, error)
}

type (
	diffIntent struct{ ItemID, ReadHash string }
	textIntent struct {
		Att    agenda.Attachment
		ItemID string // of the open meeting; "" when not known
	}
	textReadyMsg struct {
		req   int
		crumb string
		title string
		sub   string
		lines []string // plain text, wrapped by the screen
		diff  []diffmatchpatch.Diff
		err   error
		// info, when set, is all there is to say (no earlier version to diff): a status
		// line on the screen the member is on, no text screen.
		info string
	}
)

// textScreen shows plain text that scrolls: an item's changes as a word diff, or an
// attachment's extracted text page by page. It holds the text and wraps it at its width.
type textScreen struct {
	c      *Common
	crumb  string
	title  string
	sub    string
	paras  []string
	diff   []diffmatchpatch.Diff
	w, h   int
	lines  []string
	offset int
}

func newTextScreen(c *Common, msg textReadyMsg) *textScreen {
	return &textScreen{c: c, crumb: msg.crumb, title: msg.title, sub: msg.sub, paras: msg.lines, diff: msg.diff}
}

func (s *textScreen) SetSize(w, h int) { s.w, s.h = w, h; s.build() }
func (s *textScreen) Crumb() string    { return s.crumb }
func (s *textScreen) Capturing() bool  { return false }
func (s *textScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Down, k.Up, k.PageDown, k.Back}
}

func (s *textScreen) build() {
	st := s.c.Styles
	width := max(min(s.w-2, 120), 10)
	out := []string{" " + st.Title.Render(cut(s.title, s.w-2))}
	if s.sub != "" {
		out = append(out, " "+st.Subtle.Render(cut(s.sub, s.w-2)))
	}
	out = append(out, "")
	for _, p := range s.paras {
		if p == "" {
			out = append(out, "")
			continue
		}
		for _, l := range wrapText(p, width) {
			out = append(out, " "+l)
		}
	}
	if s.diff != nil {
		out = append(out, s.diffLines(width)...)
	}
	s.lines = out
	s.offset = max(0, min(s.offset, len(s.lines)-s.h))
}

// diffLines draws a word diff: deletions as [-…-], insertions as {+…+}, so it reads
// without colours (NO_COLOR) too; with colours they are also red and green.
func (s *textScreen) diffLines(width int) []string {
	st := s.c.Styles
	// Build plain marked text first, wrap it, then colour the marked runs line by line.
	var b strings.Builder
	for _, d := range s.diff {
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			b.WriteString(d.Text)
		case diffmatchpatch.DiffDelete:
			b.WriteString(markRun("[-", d.Text, "-]"))
		case diffmatchpatch.DiffInsert:
			b.WriteString(markRun("{+", d.Text, "+}"))
		}
	}
	var out []string
	del, ins := false, false
	for _, para := range strings.Split(b.String(), "\n") {
		if para == "" {
			out = append(out, "")
			continue
		}
		for _, l := range wrapText(para, width) {
			var lb strings.Builder
			// Colour by the marks; a run can span lines, so the state carries over.
			for i := 0; i < len(l); {
				switch {
				case strings.HasPrefix(l[i:], "[-"):
					del = true
					lb.WriteString(st.DiffDel.Render("[-"))
					i += 2
				case strings.HasPrefix(l[i:], "-]") && del:
					del = false
					lb.WriteString(st.DiffDel.Render("-]"))
					i += 2
				case strings.HasPrefix(l[i:], "{+"):
					ins = true
					lb.WriteString(st.DiffIns.Render("{+"))
					i += 2
				case strings.HasPrefix(l[i:], "+}") && ins:
					ins = false
					lb.WriteString(st.DiffIns.Render("+}"))
					i += 2
				default:
					j := i + 1
					for j < len(l) && !strings.HasPrefix(l[j:], "[-") && !strings.HasPrefix(l[j:], "-]") &&
						!strings.HasPrefix(l[j:], "{+") && !strings.HasPrefix(l[j:], "+}") {
						j++
					}
					switch {
					case del:
						lb.WriteString(st.DiffDel.Render(l[i:j]))
					case ins:
						lb.WriteString(st.DiffIns.Render(l[i:j]))
					default:
						lb.WriteString(l[i:j])
					}
					i = j
				}
			}
			out = append(out, " "+lb.String())
		}
	}
	return out
}

// markRun wraps each line of a changed run in its marks, so a paragraph break inside a
// change does not leave a mark open across paragraphs.
func markRun(open, text, close string) string {
	parts := strings.Split(text, "\n")
	for i, p := range parts {
		if p != "" {
			parts[i] = open + p + close
		}
	}
	return strings.Join(parts, "\n")
}

func (s *textScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	maxOff := max(0, len(s.lines)-s.h)
	switch msg := msg.(type) {
	case themeChangedMsg:
		s.build()
	case tea.KeyPressMsg:
		switch {
		case matches(msg, k.Back):
			s.c.emit(backIntent{})
		case matches(msg, k.Down):
			s.offset = min(s.offset+1, maxOff)
		case matches(msg, k.Up):
			s.offset = max(s.offset-1, 0)
		case matches(msg, k.PageDown):
			s.offset = min(s.offset+s.h-1, maxOff)
		case matches(msg, k.PageUp):
			s.offset = max(s.offset-s.h+1, 0)
		case matches(msg, k.Top):
			s.offset = 0
		case matches(msg, k.Bottom):
			s.offset = maxOff
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelDown {
			s.offset = min(s.offset+3, maxOff)
		} else if msg.Button == tea.MouseWheelUp {
			s.offset = max(s.offset-3, 0)
		}
	}
	return s, nil
}

func (s *textScreen) View() string {
	end := min(len(s.lines), s.offset+s.h)
	if s.offset >= end {
		return ""
	}
	return strings.Join(s.lines[s.offset:end], "\n")
}

// emphasis is Markdown's bold and italic marks, left out of the diff: a changed word
// reads better as [-hævede flader-] than as [-**hævede flader**-].
var emphasis = strings.NewReplacer("**", "", "__", "")

// itemText is an item's readable text as one string: what the diff compares.
func itemText(it *agenda.Item) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(it.Number + " " + it.Title))
	b.WriteString("\n\n")
	for _, sec := range it.Sections {
		if sec.Heading != "" {
			b.WriteString(sec.Heading + "\n\n")
		}
		for _, p := range strings.Split(strings.TrimSpace(sec.Text), "\n") {
			if p = strings.TrimSpace(emphasis.Replace(p)); p != "" {
				b.WriteString(p + "\n")
			}
		}
		b.WriteString("\n")
	}
	if d := strings.TrimSpace(it.Decision); d != "" {
		b.WriteString(d + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// wordDiff compares two texts word by word (spaces and line breaks are tokens of their
// own), so a changed amount shows as one replaced word, not a rewritten line.
func wordDiff(old, cur string) []diffmatchpatch.Diff {
	index := map[string]rune{}
	var tokens []string
	encode := func(s string) []rune {
		var out []rune
		for _, tok := range tokenize(s) {
			r, ok := index[tok]
			if !ok {
				r = rune(len(tokens) + 0xE000) // private use area, then beyond
				if r >= 0xF900 {
					r = rune(len(tokens)-(0xF900-0xE000)) + 0xF0000
				}
				index[tok] = r
				tokens = append(tokens, tok)
			}
			out = append(out, r)
		}
		return out
	}
	a, b := encode(old), encode(cur)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	diffs := dmp.DiffMainRunes(a, b, false)
	rev := map[rune]string{}
	for t, r := range index {
		rev[r] = t
	}
	for i := range diffs {
		var sb strings.Builder
		for _, r := range diffs[i].Text {
			sb.WriteString(rev[r])
		}
		diffs[i].Text = sb.String()
	}
	return diffs
}

// tokenize splits text into words, runs of spaces and single line breaks.
func tokenize(s string) []string {
	var out []string
	start := 0
	kind := func(r rune) int {
		switch r {
		case '\n':
			return 2
		case ' ', '\t':
			return 1
		}
		return 0
	}
	prev := -1
	for i, r := range s {
		k := kind(r)
		if i > start && (k != prev || k == 2) {
			out = append(out, s[start:i])
			start = i
		}
		prev = k
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// loadDiff finds the version to compare with and diffs it in a command.
func loadDiff(c *Common, h History, req int, cur agenda.Item, readHash string) tea.Cmd {
	t := c.T
	return func() tea.Msg {
		msg := textReadyMsg{req: req, crumb: t.DiffTitle, title: t.DiffTitle + ": " + strings.TrimSpace(cur.Number+" "+cur.Title)}
		prev, err := h.PreviousItem(cur.ID)
		if errors.Is(err, store.ErrNotFound) {
			// Not an error: the item has not changed since it was first stored.
			msg.info = t.DiffNoPrevious
			return msg
		}
		if err != nil {
			msg.err = err
			return msg
		}
		msg.sub = t.DiffAgainstPrevious
		if readHash != "" && agenda.ItemTextHash(prev) == readHash {
			msg.sub = t.DiffAgainstRead
		}
		old, now := itemText(prev), itemText(&cur)
		if old == now {
			msg.lines = []string{t.DiffNone}
			return msg
		}
		msg.diff = wordDiff(old, now)
		return msg
	}
}

// loadAttachmentText reads an attachment's text in a command, one paragraph per page.
func loadAttachmentText(c *Common, at AttachmentTexter, req int, a agenda.Attachment) tea.Cmd {
	t := c.T
	return func() tea.Msg {
		msg := textReadyMsg{req: req, crumb: t.AttachmentTextTitle, title: t.AttachmentTextTitle + ": " + a.Title}
		pages, err := at.AttachmentText(a.SHA256)
		if err != nil {
			if a.Text == "" {
				msg.err = err
				return msg
			}
			pages = []string{a.Text} // the importer's own text
		}
		for i, p := range pages {
			if len(pages) > 1 {
				msg.lines = append(msg.lines, "— "+fmt.Sprintf(t.Page, i+1)+" —", "")
			}
			for _, para := range strings.Split(p, "\n") {
				if para = strings.TrimSpace(para); para != "" {
					msg.lines = append(msg.lines, para)
				}
			}
			msg.lines = append(msg.lines, "")
		}
		if strings.TrimSpace(strings.Join(pages, "")) == "" {
			msg.lines = []string{fmt.Sprintf(t.AttachmentNoText, a.Title)}
		}
		return msg
	}
}
