package ui

// listState scrolls a list of rows of varying height (headings are rows that cannot be
// selected) and keeps the selected row on screen. Only the visible rows are drawn, so a
// list of 1,000 meetings costs no more per frame than one of ten.
type listState struct {
	heights    []int
	selectable []bool
	cursor     int // row index
	offset     int // first line shown
	starts     []int
	total      int
}

func (l *listState) setRows(heights []int, selectable []bool) {
	l.heights, l.selectable = heights, selectable
	l.starts = make([]int, len(heights))
	t := 0
	for i, h := range heights {
		l.starts[i] = t
		t += h
	}
	l.total = t
	if l.cursor >= len(heights) {
		l.cursor = len(heights) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	if len(heights) > 0 && !l.selectable[l.cursor] {
		l.move(1)
	}
}

// move goes delta selectable rows down (up when negative), stopping at the ends.
func (l *listState) move(delta int) {
	step := 1
	if delta < 0 {
		step, delta = -1, -delta
	}
	for ; delta > 0; delta-- {
		i := l.cursor + step
		for i >= 0 && i < len(l.heights) && !l.selectable[i] {
			i += step
		}
		if i < 0 || i >= len(l.heights) {
			break
		}
		l.cursor = i
	}
	if !l.ok() {
		// Only headings above or below: look the other way.
		for i := range l.selectable {
			if l.selectable[i] {
				l.cursor = i
				break
			}
		}
	}
}

func (l *listState) ok() bool {
	return l.cursor >= 0 && l.cursor < len(l.selectable) && l.selectable[l.cursor]
}

func (l *listState) top() {
	l.cursor = 0
	l.offset = 0
	if len(l.selectable) > 0 && !l.selectable[0] {
		l.move(1)
	}
}

func (l *listState) bottom() {
	l.cursor = len(l.heights) - 1
	if l.cursor >= 0 && !l.selectable[l.cursor] {
		l.move(-1)
	}
}

// page moves about one screen of h lines.
func (l *listState) page(h, dir int) {
	if len(l.heights) == 0 {
		return
	}
	target := l.starts[l.cursor] + dir*h
	best := l.cursor
	for i := range l.heights {
		if !l.selectable[i] {
			continue
		}
		if dir > 0 && l.starts[i] <= target {
			best = i
		}
		if dir < 0 && l.starts[i] >= target {
			best = i
			break
		}
	}
	l.cursor = best
}

// visible returns the rows to draw for a window of h lines, and how many lines of the
// first one are scrolled away.
func (l *listState) visible(h int) (first, last, skip int) {
	if len(l.heights) == 0 || h <= 0 {
		return 0, -1, 0
	}
	cs, ce := l.starts[l.cursor], l.starts[l.cursor]+l.heights[l.cursor]
	// A heading right above the selected row comes into view with it.
	if l.cursor > 0 && !l.selectable[l.cursor-1] {
		cs = l.starts[l.cursor-1]
	}
	if ce-cs > h {
		cs = ce - h
	}
	if cs < l.offset {
		l.offset = cs
	}
	if ce > l.offset+h {
		l.offset = ce - h
	}
	l.offset = max(0, min(l.offset, max(0, l.total-h)))
	first = 0
	for first < len(l.heights)-1 && l.starts[first]+l.heights[first] <= l.offset {
		first++
	}
	last = first
	for last < len(l.heights)-1 && l.starts[last+1] < l.offset+h {
		last++
	}
	return first, last, l.offset - l.starts[first]
}

// rowAt is the row shown on window line y, or -1.
func (l *listState) rowAt(y int) int {
	line := l.offset + y
	for i := range l.heights {
		if line >= l.starts[i] && line < l.starts[i]+l.heights[i] {
			return i
		}
	}
	return -1
}

// draw lays out the visible rows with render(i) giving row i's lines.
func (l *listState) draw(h int, render func(i int) []string) []string {
	first, last, skip := l.visible(h)
	var out []string
	for i := first; i <= last; i++ {
		lines := render(i)
		if i == first && skip > 0 && skip < len(lines) {
			lines = lines[skip:]
		}
		out = append(out, lines...)
	}
	if len(out) > h {
		out = out[:h]
	}
	return out
}
