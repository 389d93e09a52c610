package ui

import (
	"strings"
	"unicode/utf8"
)

// safeFrame is the last step before a frame goes to the terminal. Agenda text comes from
// outside (a municipality's site, a feed, a file someone mailed), and a title or section
// holding escape sequences must not move the cursor, clear the screen, set the window
// title or write to the clipboard. Only colour and text attributes (SGR: ESC [ … m), which
// our own styles use, pass; every other escape sequence and control character is
// dropped, and a tab becomes a space.
func safeFrame(s string) string {
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			i = escape(&b, s, i)
			continue
		case c == '\n':
			b.WriteByte(c)
		case c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
			// a control character: dropped
		case c < 0x80:
			b.WriteByte(c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
			} else if r < 0x80 || r > 0x9f { // not a C1 control
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		i++
	}
	return b.String()
}

// needsCleaning is the fast path: most frames hold only SGR sequences and printable text.
func needsCleaning(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x1b:
			if !isSGR(s, i) {
				return true
			}
		case c == '\t' || c == 0x7f:
			return true
		case c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f: // U+0080–U+009F: C1 controls
			return true
		case c < 0x20 && c != '\n':
			return true
		}
	}
	return !utf8.ValidString(s)
}

// isSGR reports whether the escape at s[i] is ESC [ params m.
func isSGR(s string, i int) bool {
	if i+1 >= len(s) || s[i+1] != '[' {
		return false
	}
	for j := i + 2; j < len(s); j++ {
		c := s[j]
		switch {
		case c == 'm':
			return true
		case (c >= '0' && c <= '9') || c == ';' || c == ':':
		default:
			return false
		}
	}
	return false
}

// escape copies the escape sequence at s[i] when it is SGR, skips it otherwise, and
// returns where the text continues.
func escape(b *strings.Builder, s string, i int) int {
	if isSGR(s, i) {
		end := strings.IndexByte(s[i:], 'm') + i + 1
		b.WriteString(s[i:end])
		return end
	}
	if i+1 >= len(s) {
		return len(s)
	}
	switch s[i+1] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40–0x7e
		for j := i + 2; j < len(s); j++ {
			if s[j] >= 0x40 && s[j] <= 0x7e {
				return j + 1
			}
		}
		return len(s)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: up to BEL or ESC \
		for j := i + 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	}
	return i + 2 // a two-byte escape
}
