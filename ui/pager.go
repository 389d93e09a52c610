package ui

import (
	"math"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// A pager shows a long text made of blocks in a scrolling window, after glow's pager: it keeps the
// Markdown source, renders it with glamour in commands, and shows what it has meanwhile.
// Markdown blocks come from the render cache or, until rendered, as plain text; raw blocks
// (an item's header, its recommendations, its attachments) are drawn by their owner on
// the Update goroutine because they change with the selection.
type pager struct {
	c      *Common
	id     int
	blocks []block
	width  int
	starts []int // first line of each block in the assembled text
	counts []int // lines of each block

	// The pager is its own viewport: it keeps the assembled lines and the scroll
	// position and draws the window on screen. (bubbles' viewport was measured here: it
	// measures the width of every line it is given, for horizontal scrolling we do not
	// use, and word-wraps every visible line again on every frame; for the ~10,000
	// rendered lines of a 190 KB item that cost 20–40 ms per key press.)
	lines  []string
	y      int
	height int

	// inflight: a render command is running; only one runs per pager, so rendering never
	// takes both cores from the UI. settled: the width has stopped changing (resize is
	// debounced by the root); until then chunks show as plain text at the new width.
	inflight bool
	settled  bool
	plain    map[renderKey][]string

	// anchor is the reader's place (block, fraction into it) from before the first of a
	// run of relayouts; it is kept until the reader scrolls, so going from 200 columns
	// to 60 and back lands on the very line they were reading.
	anchor     int
	anchorFrac float64
	anchored   bool
}

type block struct {
	md   string // Markdown source (raw == nil)
	hash uint64
	raw  func(width int) []string // drawn by the owner
	rec  int                      // the recommendation a raw block shows, or -1
	gap  bool                     // a blank line before the block
}

func mdBlock(c *Common, md string, gap bool) block {
	return block{md: md, hash: c.cache.hash(md), rec: -1, gap: gap}
}

func rawBlock(fn func(width int) []string, rec int, gap bool) block {
	return block{raw: fn, rec: rec, gap: gap}
}

// markdownBlocks turns Markdown into blocks of about chunkTarget bytes.
func markdownBlocks(c *Common, md string, gap bool) []block {
	var out []block
	for i, chunk := range splitMarkdown(md, chunkTarget) {
		out = append(out, mdBlock(c, chunk, gap || i > 0))
	}
	return out
}

func newPager(c *Common) *pager {
	return &pager{c: c, id: c.nextID(), settled: true, plain: map[renderKey][]string{}}
}

// setBlocks replaces the content, keeping the place when keep is set.
func (p *pager) setBlocks(blocks []block, keep bool) {
	if !keep {
		p.blocks = blocks
		p.moved()
		p.assemble()
		p.SetYOffset(0)
		return
	}
	i, frac := p.place()
	p.blocks = blocks
	p.assemble()
	p.restore(i, frac)
}

// place is where the reader is: the block at the top of the view and how far into it.
func (p *pager) place() (int, float64) {
	if p.anchored {
		return p.anchor, p.anchorFrac
	}
	if p.YOffset() == 0 {
		return -1, 0
	}
	i := p.blockAt(0)
	if i < 0 || p.counts[i] == 0 {
		return -1, 0
	}
	return i, float64(p.YOffset()-p.starts[i]) / float64(p.counts[i])
}

// restore scrolls back to a place after the text was laid out anew (a new width, a
// chunk's glamour rendering replacing its plain text), so the reader does not lose it.
func (p *pager) restore(i int, frac float64) {
	if i < 0 || i >= len(p.starts) {
		return
	}
	p.anchor, p.anchorFrac, p.anchored = i, frac, true
	p.SetYOffset(p.starts[i] + int(math.Round(frac*float64(p.counts[i]))))
}

// moved forgets the anchor: the reader has chosen a new place.
func (p *pager) moved() { p.anchored = false }

// relayout lays the text out again in place.
func (p *pager) relayout() {
	i, frac := p.place()
	y := p.YOffset()
	p.assemble()
	if i < 0 {
		p.SetYOffset(y)
		return
	}
	p.restore(i, frac)
}

func (p *pager) key(b *block) renderKey {
	return renderKey{hash: b.hash, width: p.width, theme: p.c.Styles.Theme}
}

// assemble lays the blocks out at the current width from what is at hand.
func (p *pager) assemble() {
	if p.width <= 0 {
		return
	}
	p.starts = p.starts[:0]
	p.counts = p.counts[:0]
	var lines []string
	for i := range p.blocks {
		b := &p.blocks[i]
		if b.gap && len(lines) > 0 {
			lines = append(lines, "")
		}
		p.starts = append(p.starts, len(lines))
		var bl []string
		if b.raw != nil {
			bl = b.raw(p.width)
		} else if r, ok := p.c.cache.get(p.key(b)); ok {
			bl = r
		} else {
			k := p.key(b)
			if pl, ok := p.plain[k]; ok {
				bl = pl
			} else {
				bl = plainLines(b.md, p.width)
				p.plain[k] = bl
			}
		}
		lines = append(lines, bl...)
		p.counts = append(p.counts, len(bl))
	}
	p.lines = lines
	p.sync()
}

// sync keeps the scroll position within the text.
func (p *pager) sync() { p.y = max(0, min(p.y, len(p.lines)-p.height)) }

func (p *pager) YOffset() int { return p.y }

func (p *pager) SetYOffset(y int) {
	p.y = y
	p.sync()
}

func (p *pager) atBottom() bool { return p.y >= len(p.lines)-p.height }

// refreshRaw redraws after a change to what raw blocks show (the selection).
func (p *pager) refreshRaw() { p.relayout() }

// SetSize sizes the viewport; a new width is laid out at once from the cache or as plain
// text, and rendered with glamour once the root says the resizing has settled.
func (p *pager) SetSize(w, h int) {
	w, h = max(w, 1), max(h, 1)
	p.height = h
	if w == p.width {
		p.sync()
		return
	}
	first := p.width == 0
	i, frac := p.place()
	p.width = w
	p.settled = first
	clear(p.plain)
	p.assemble()
	p.restore(i, frac)
}

// wheelStep is how many lines one turn of the mouse wheel scrolls.
const wheelStep = 3

// renderBudget is how much Markdown one command renders: the visible chunks come back in
// one go, and the UI gets a turn between batches.
const renderBudget = 12 << 10

// nextRender starts rendering the missing chunks nearest to what is on screen.
func (p *pager) nextRender() tea.Cmd {
	if p.inflight || !p.settled || p.width <= 0 {
		return nil
	}
	top, bottom := p.y, p.y+p.height
	type cand struct {
		i    int
		dist int
	}
	var cands []cand
	seen := map[uint64]bool{}
	for i := range p.blocks {
		b := &p.blocks[i]
		if b.raw != nil || seen[b.hash] {
			continue
		}
		if _, ok := p.c.cache.get(p.key(b)); ok {
			continue
		}
		seen[b.hash] = true
		start, end := p.starts[i], p.starts[i]+p.counts[i]
		d := 0
		switch {
		case end <= top:
			d = top - end + 1
		case start >= bottom:
			d = start - bottom + 1
		}
		cands = append(cands, cand{i, d})
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].dist < cands[b].dist })
	var jobs []renderJob
	size := 0
	onScreen := cands[0].dist == 0
	for _, c := range cands {
		b := &p.blocks[c.i]
		// What is on screen goes alone, so the first screen comes back soonest; after
		// that, batches of about renderBudget.
		if len(jobs) > 0 && (onScreen && c.dist > 0 || !onScreen && size+len(b.md) > renderBudget) {
			break
		}
		jobs = append(jobs, renderJob{key: p.key(b), md: b.md})
		size += len(b.md)
	}
	p.inflight = true
	return renderCmd(p.id, jobs, p.width, p.c.Styles.Glamour)
}

// handleRendered takes a render result meant for this pager. Results for a width or theme
// no longer shown are dropped, not cached.
func (p *pager) handleRendered(msg renderedMsg) tea.Cmd {
	if msg.owner != p.id {
		return nil
	}
	p.inflight = false
	if msg.err != nil {
		p.c.Log.Printf("render: %v", msg.err)
		return nil
	}
	p.c.Log.Printf("rendered %d chunks at %d columns in %v", len(msg.keys), p.width, msg.elapsed)
	used := false
	for i, k := range msg.keys {
		if k.width != p.width || k.theme != p.c.Styles.Theme {
			continue
		}
		p.c.cache.put(k, msg.lines[i])
		used = true
	}
	if used {
		p.refreshRaw()
	}
	return p.nextRender()
}

// settle is called when resizing has stopped or the theme changed.
func (p *pager) settle() tea.Cmd {
	p.settled = true
	p.refreshRaw()
	return p.nextRender()
}

// blockAt returns the block shown on viewport row y, or -1.
func (p *pager) blockAt(y int) int {
	line := p.YOffset() + y
	for i := range p.blocks {
		if line >= p.starts[i] && line < p.starts[i]+p.counts[i] {
			return i
		}
	}
	return -1
}

// show scrolls so block i is in view, a few lines below the top when it was not.
func (p *pager) show(i int) {
	if i < 0 || i >= len(p.starts) {
		return
	}
	start, n := p.starts[i], p.counts[i]
	top, h := p.y, p.height
	if start >= top && start+min(n, h) <= top+h {
		return
	}
	p.moved()
	p.SetYOffset(max(0, start-min(3, h/4)))
}

// View draws the window: exactly height lines, each padded to the width.
func (p *pager) View() string {
	var b strings.Builder
	for i := range p.height {
		if i > 0 {
			b.WriteByte('\n')
		}
		line := ""
		if p.y+i < len(p.lines) {
			line = p.lines[p.y+i]
		}
		b.WriteString(line)
		if pad := p.width - ansi.StringWidth(line); pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	return b.String()
}

func (p *pager) scroll(msg tea.Msg, k KeyMap) bool {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case matches(m, k.Down):
			p.SetYOffset(p.y + 1)
		case matches(m, k.Up):
			p.SetYOffset(p.y - 1)
		case matches(m, k.PageDown):
			p.SetYOffset(p.y + p.height)
		case matches(m, k.PageUp):
			p.SetYOffset(p.y - p.height)
		case matches(m, k.Top):
			p.SetYOffset(0)
		case matches(m, k.Bottom):
			p.SetYOffset(len(p.lines))
		default:
			return false
		}
		p.moved()
		return true
	case tea.MouseWheelMsg:
		switch m.Button {
		case tea.MouseWheelDown:
			p.SetYOffset(p.y + wheelStep)
		case tea.MouseWheelUp:
			p.SetYOffset(p.y - wheelStep)
		default:
			return false
		}
		p.moved()
		return true
	}
	return false
}
