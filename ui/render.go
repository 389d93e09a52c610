package ui

import (
	"container/list"
	"fmt"
	"hash/maphash"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"
	gansi "charm.land/glamour/v2/ansi"
	"github.com/charmbracelet/x/ansi"
)

// Markdown is rendered with glamour in commands (about 1.2 ms per KB here), never in View
// or Update. A long text is cut into chunks at blank lines so that the chunks on screen
// render first and the first screen of a 190 KB item appears without waiting for the
// rest; until a chunk's glamour rendering arrives, its plain text (word-wrapped, cheap) is
// shown in its place. Results are cached by (content hash, width, theme).

// renderKey identifies one rendering of one chunk.
type renderKey struct {
	hash  uint64
	width int
	theme string
}

// renderCache is a least-recently-used cache of rendered chunks with a byte budget.
type renderCache struct {
	seed    maphash.Seed
	entries map[renderKey]*list.Element
	lru     list.List
	size    int
	max     int
}

type cacheEntry struct {
	key   renderKey
	lines []string
	size  int
}

func newRenderCache(maxBytes int) *renderCache {
	return &renderCache{seed: maphash.MakeSeed(), entries: map[renderKey]*list.Element{}, max: maxBytes}
}

func (c *renderCache) hash(s string) uint64 { return maphash.String(c.seed, s) }

func (c *renderCache) get(k renderKey) ([]string, bool) {
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cacheEntry).lines, true
}

func (c *renderCache) put(k renderKey, lines []string) {
	if e, ok := c.entries[k]; ok {
		c.lru.MoveToFront(e)
		return
	}
	size := 64
	for _, l := range lines {
		size += len(l) + 16
	}
	c.entries[k] = c.lru.PushFront(&cacheEntry{key: k, lines: lines, size: size})
	c.size += size
	for c.size > c.max && c.lru.Len() > 1 {
		old := c.lru.Back()
		ce := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.entries, ce.key)
		c.size -= ce.size
	}
}

// chunkTarget is the size a chunk is cut at: about 5 ms of glamour.
const chunkTarget = 4 << 10

// splitMarkdown cuts md into chunks of about target bytes. It cuts only at a blank line
// outside a code fence and before a line that is not indented (an indented line continues
// a list item or a code block), so every chunk renders as it would inside the whole.
func splitMarkdown(md string, target int) []string {
	if len(md) <= target {
		return []string{md}
	}
	var out []string
	start, fence := 0, false
	for pos := 0; pos < len(md); {
		end := strings.IndexByte(md[pos:], '\n')
		next := len(md)
		if end >= 0 {
			next = pos + end + 1
		}
		line := md[pos:next]
		t := strings.TrimLeft(line, " ")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
		}
		if !fence && strings.TrimSpace(line) == "" && next-start >= target && next < len(md) {
			if c := md[next]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				out = append(out, md[start:next])
				start = next
			}
		}
		pos = next
	}
	if start < len(md) {
		out = append(out, md[start:])
	}
	return out
}

// renderJob is one chunk to render.
type renderJob struct {
	key renderKey
	md  string
}

// renderedMsg carries the glamour renderings a pager asked for.
type renderedMsg struct {
	owner   int
	keys    []renderKey
	lines   [][]string
	err     error
	elapsed time.Duration
}

// renderCmd renders jobs with a renderer of its own: glamour renderers are not safe to
// share between goroutines, and making one costs well under a millisecond.
func renderCmd(owner int, jobs []renderJob, width int, cfg gansi.StyleConfig) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		msg := renderedMsg{owner: owner}
		r, err := glamour.NewTermRenderer(glamour.WithStyles(cfg), glamour.WithWordWrap(width))
		if err != nil {
			msg.err = fmt.Errorf("make a markdown renderer: %w", err)
			return msg
		}
		for _, j := range jobs {
			out, err := r.Render(j.md)
			if err != nil {
				// Fall back to plain text for this chunk rather than show nothing.
				msg.keys = append(msg.keys, j.key)
				msg.lines = append(msg.lines, plainLines(j.md, width))
				continue
			}
			msg.keys = append(msg.keys, j.key)
			msg.lines = append(msg.lines, tidyLines(out, width))
		}
		msg.elapsed = time.Since(start)
		return msg
	}
}

// tidyLines splits glamour's output, drops the blank lines it puts around a document
// (the pager spaces chunks itself) and cuts any line wider than width (a long word or URL
// glamour could not break) so the layout never breaks.
func tidyLines(out string, width int) []string {
	lines := strings.Split(out, "\n")
	blank := func(s string) bool { return strings.TrimSpace(ansi.Strip(s)) == "" }
	for len(lines) > 0 && blank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && blank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return lines
}

// plainLines is the stand-in for a chunk not rendered yet: its Markdown source, wrapped
// to the width with the same left margin glamour uses.
func plainLines(md string, width int) []string {
	lines := wrapText(strings.TrimSpace(md), max(width-4, 8))
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return lines
}

// wrapText word-wraps plain text (no escape codes) to width cells, keeping its line
// breaks and cutting words longer than a line.
func wrapText(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\t", "    ")
	if !narrowOnly(s) {
		// Wide or combining characters: ansi.Wrap measures grapheme clusters. It can leave
		// a line one cell too wide (a leading space kept before a word it had to cut, as
		// in " 000000\xa6" at 5), so such a line is cut hard once more.
		var out []string
		for _, l := range strings.Split(ansi.Wrap(s, width, ""), "\n") {
			if ansi.StringWidth(l) > width {
				out = append(out, strings.Split(ansi.Hardwrap(l, width, true), "\n")...)
				continue
			}
			out = append(out, l)
		}
		return out
	}
	// Every rune is one cell (Danish text always is): a plain greedy wrap, about ten
	// times faster than measuring graphemes, which matters for the first paint of a
	// 190 KB item.
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if utf8.RuneCountInString(line) <= width {
			out = append(out, line)
			continue
		}
		var b strings.Builder
		n := 0
		flush := func() {
			out = append(out, strings.TrimRight(b.String(), " "))
			b.Reset()
			n = 0
		}
		for _, word := range strings.SplitAfter(line, " ") {
			wl := utf8.RuneCountInString(strings.TrimRight(word, " "))
			if n > 0 && n+wl > width {
				flush()
			}
			for wl > width { // a word longer than a line (a URL): cut it
				cutAt := 0
				for range width {
					_, size := utf8.DecodeRuneInString(word[cutAt:])
					cutAt += size
				}
				b.WriteString(word[:cutAt])
				flush()
				word = word[cutAt:]
				wl = utf8.RuneCountInString(strings.TrimRight(word, " "))
			}
			b.WriteString(word)
			n += utf8.RuneCountInString(word)
		}
		if b.Len() > 0 {
			flush()
		}
	}
	return out
}

// narrowOnly reports whether every rune of s takes one cell: Latin letters with their
// accents precomposed (æ, ø, å, é), and punctuation such as – … “ ” • €.
func narrowOnly(s string) bool {
	for _, r := range s {
		if r >= 0x300 && (r < 0x2000 || r >= 0x2600) {
			return false
		}
	}
	return true
}

// fit cuts s to width cells (with an ellipsis) and pads it to exactly width.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", width-w)
}

// cut cuts s to at most width cells without padding.
func cut(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > width {
		return ansi.Truncate(s, width, "…")
	}
	return s
}

func widthOf(s string) int { return ansi.StringWidth(s) }
