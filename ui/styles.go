package ui

import (
	"image/color"
	"strings"

	"charm.land/glamour/v2/ansi"
	glamourstyles "charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"

	"github.com/dagsorden/dagsorden/agenda"
)

// Styles are the looks of the reading room for one background (dark or light) or for no
// colour at all. Everything that tells states apart also differs without colour (a marker
// character, bold, reverse), so NO_COLOR and the stripped golden tests still show it.
type Styles struct {
	Theme string // "dark", "light" or "notty": the glamour style, part of the render cache key

	Header, HeaderDim, Footer, FooterKey, FooterDesc, Status, StatusError lipgloss.Style

	Title, Subtle, Bold, Heading, Cursor, CursorRow lipgloss.Style

	Unread, Read, Changed, Closed lipgloss.Style
	// DiffDel and DiffIns colour a word diff; its [-…-] and {+…+} marks carry it without colour.
	DiffDel, DiffIns lipgloss.Style

	Stance map[agenda.Stance]lipgloss.Style

	RecBlock, RecSelected, RecNumber lipgloss.Style

	NoteMeta, NoteSelected, NoteText lipgloss.Style

	Match, TabActive, TabInactive, Pane, PaneFocused, Confirm lipgloss.Style

	Glamour ansi.StyleConfig
}

// NewStyles builds the styles for a dark or light background, or without colour.
func NewStyles(dark, noColor bool) Styles {
	s := Styles{}
	base := lipgloss.NewStyle()
	if noColor {
		s.Theme = "notty"
		s.Glamour = glamourstyles.NoTTYStyleConfig
		s.Header = base.Bold(true)
		s.HeaderDim = base
		s.Footer = base
		s.FooterKey = base.Bold(true)
		s.FooterDesc = base
		s.Status = base.Bold(true)
		s.StatusError = base.Bold(true).Reverse(true)
		s.Title = base.Bold(true)
		s.Subtle = base
		s.Bold = base.Bold(true)
		s.Heading = base.Bold(true).Underline(true)
		s.Cursor = base.Bold(true)
		s.CursorRow = base.Reverse(true)
		s.Unread, s.Read, s.Changed, s.Closed = base.Bold(true), base, base.Bold(true), base
		s.DiffDel, s.DiffIns = base, base.Bold(true)
		s.Stance = map[agenda.Stance]lipgloss.Style{}
		for _, st := range agenda.Stances {
			s.Stance[st] = base.Bold(st != agenda.StanceNone)
		}
		s.RecBlock = base.Border(lipgloss.NormalBorder(), false, false, false, true).PaddingLeft(1)
		s.RecSelected = base.Border(lipgloss.ThickBorder(), false, false, false, true).PaddingLeft(1).Bold(true)
		s.RecNumber = base.Bold(true)
		s.NoteMeta = base.Bold(true)
		s.NoteSelected = base.Reverse(true)
		s.NoteText = base
		s.Match = base.Reverse(true)
		s.TabActive = base.Bold(true).Reverse(true).Padding(0, 1)
		s.TabInactive = base.Padding(0, 1)
		s.Pane = base.Border(lipgloss.NormalBorder(), false, false, false, true).PaddingLeft(1)
		s.PaneFocused = base.Border(lipgloss.ThickBorder(), false, false, false, true).PaddingLeft(1)
		s.Confirm = base.Bold(true).Reverse(true)
		return s
	}

	pick := lipgloss.LightDark(dark)
	c := func(light, darkHex string) color.Color { return pick(lipgloss.Color(light), lipgloss.Color(darkHex)) }
	var (
		fg      = c("#1f2328", "#e6edf3")
		subtle  = c("#59636e", "#9198a1")
		accent  = c("#0550ae", "#79c0ff")
		accent2 = c("#8250df", "#d2a8ff")
		hiBg    = c("#ddf4ff", "#1f3a5f")
		barBg   = c("#eaeef2", "#262c36")
		green   = c("#116329", "#56d364")
		red     = c("#cf222e", "#ff7b72")
		yellow  = c("#9a6700", "#e3b341")
		orange  = c("#bc4c00", "#ffa657")
		matchBg = c("#fff8c5", "#5a4a00")
	)
	s.Theme = "dark"
	s.Glamour = glamourstyles.DarkStyleConfig
	if !dark {
		s.Theme = "light"
		s.Glamour = glamourstyles.LightStyleConfig
	}
	s.Header = base.Bold(true).Foreground(accent)
	s.HeaderDim = base.Foreground(subtle)
	s.Footer = base.Foreground(subtle)
	s.FooterKey = base.Foreground(fg).Bold(true)
	s.FooterDesc = base.Foreground(subtle)
	s.Status = base.Foreground(green).Bold(true)
	s.StatusError = base.Foreground(red).Bold(true)
	s.Title = base.Bold(true).Foreground(fg)
	s.Subtle = base.Foreground(subtle)
	s.Bold = base.Bold(true)
	s.Heading = base.Bold(true).Foreground(accent2)
	s.Cursor = base.Bold(true).Foreground(accent)
	s.CursorRow = base.Background(hiBg)
	s.Unread = base.Foreground(accent).Bold(true)
	s.Read = base.Foreground(subtle)
	s.Changed = base.Foreground(orange).Bold(true)
	s.Closed = base.Foreground(yellow)
	s.DiffDel = base.Foreground(red).Strikethrough(true)
	s.DiffIns = base.Foreground(green).Bold(true)
	s.Stance = map[agenda.Stance]lipgloss.Style{
		agenda.StanceNone:     base.Foreground(subtle),
		agenda.StanceFor:      base.Foreground(green).Bold(true),
		agenda.StanceAgainst:  base.Foreground(red).Bold(true),
		agenda.StanceAbstain:  base.Foreground(yellow).Bold(true),
		agenda.StanceQuestion: base.Foreground(accent2).Bold(true),
	}
	s.RecBlock = base.Border(lipgloss.NormalBorder(), false, false, false, true).BorderForeground(subtle).PaddingLeft(1)
	s.RecSelected = base.Border(lipgloss.ThickBorder(), false, false, false, true).BorderForeground(accent).PaddingLeft(1).Background(hiBg)
	s.RecNumber = base.Bold(true).Foreground(accent)
	s.NoteMeta = base.Bold(true).Foreground(accent2)
	s.NoteSelected = base.Background(hiBg)
	s.NoteText = base.Foreground(fg)
	s.Match = base.Background(matchBg).Bold(true)
	s.TabActive = base.Bold(true).Foreground(fg).Background(barBg).Padding(0, 1)
	s.TabInactive = base.Foreground(subtle).Padding(0, 1)
	s.Pane = base.Border(lipgloss.NormalBorder(), false, false, false, true).BorderForeground(subtle).PaddingLeft(1)
	s.PaneFocused = base.Border(lipgloss.ThickBorder(), false, false, false, true).BorderForeground(accent).PaddingLeft(1)
	s.Confirm = base.Bold(true).Foreground(orange)
	return s
}

// paintRow paints a selected row (already fitted to the screen's width) with style st across
// its full width. Rendering the row with st alone is not enough: the inner styles end
// with a reset (ESC[m), which also cancels st's background or reverse, so only the
// unstyled gaps would show the bar. paintRow starts st again after every reset inside.
func paintRow(st lipgloss.Style, line string) string {
	on, _, _ := strings.Cut(st.Render("\x00"), "\x00")
	if on == "" {
		return line // a style without attributes
	}
	var b strings.Builder
	b.Grow(len(line) + len(on)*4 + 8)
	b.WriteString(on)
	for len(line) > 0 {
		i := strings.Index(line, "\x1b[")
		if i < 0 {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:i])
		line = line[i:]
		j := 2
		for j < len(line) && (line[j] >= '0' && line[j] <= '9' || line[j] == ';' || line[j] == ':') {
			j++
		}
		if j == len(line) || line[j] != 'm' {
			// Not SGR (or cut short): copy the introducer and go on.
			b.WriteString(line[:2])
			line = line[2:]
			continue
		}
		seq := line[:j+1]
		b.WriteString(seq)
		if resets(seq[2:j]) {
			b.WriteString(on)
		}
		line = line[j+1:]
	}
	b.WriteString("\x1b[m")
	return b.String()
}

// resets reports whether an SGR parameter list turns off the row's look: a full reset
// ("", "0"), the default background (49) or reverse off (27).
func resets(params string) bool {
	if params == "" {
		return true
	}
	for _, p := range strings.Split(params, ";") {
		switch p {
		case "", "0", "49", "27":
			return true
		}
	}
	return false
}
