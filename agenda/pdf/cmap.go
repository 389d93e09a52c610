package pdf

import (
	"io"
	"unicode/utf16"

	lpdf "github.com/ledongthuc/pdf"
)

// cmap is a font's ToUnicode map: how its character codes split (the codespace ranges) and
// which text each code stands for. The library has a reader of its own, but it adds a
// range's offset to the last byte only (wrong once a range crosses a byte boundary) and
// looks every code up by a linear scan; this one does the arithmetic on the whole code and
// looks up in a map.
type cmap struct {
	space  [4][]codeRange // codespace ranges by code length in bytes
	single map[uint64]string
	ranges []bfRange
}

type codeRange struct{ lo, hi []byte }

type bfRange struct {
	n      int // code length in bytes
	lo, hi uint32
	dst    []uint16   // UTF-16 of lo's text; later codes add their offset to the last unit
	arr    [][]uint16 // or one text per code
}

// maxCmapEntries bounds a ToUnicode map: a font has at most 65,536 glyphs, so more entries
// than that are a malformed or hostile file.
const maxCmapEntries = 1 << 17

func key(code uint32, n int) uint64 { return uint64(n)<<32 | uint64(code) }

// readCmap parses a ToUnicode stream with the content lexer: a CMap is PostScript, but
// only its codespace and bf operators matter, and each takes exactly the operands written
// since the operator before it.
func readCmap(strm lpdf.Value) *cmap {
	rc := strm.Reader()
	data, _ := io.ReadAll(io.LimitReader(rc, maxToUnicode))
	rc.Close()
	return parseCmap(data)
}

func parseCmap(data []byte) *cmap {
	m := &cmap{single: map[uint64]string{}}
	entries := 0
	lx := lexer{b: data}
	lx.scan(func(op string, args []operand) {
		switch op {
		case "endcodespacerange":
			for i := 0; i+1 < len(args); i += 2 {
				lo, hi := []byte(args[i].str), []byte(args[i+1].str)
				if len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				m.space[len(lo)-1] = append(m.space[len(lo)-1], codeRange{lo, hi})
			}
		case "endbfchar":
			for i := 0; i+1 < len(args) && entries < maxCmapEntries; i += 2 {
				src := args[i].str
				if len(src) == 0 || len(src) > 4 {
					continue
				}
				entries++
				m.single[key(codeOf([]byte(src)), len(src))] = string(utf16.Decode(units(args[i+1].str)))
			}
		case "endbfrange":
			for i := 0; i+2 < len(args) && entries < maxCmapEntries; i += 3 {
				lo, hi := args[i].str, args[i+1].str
				if len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				r := bfRange{n: len(lo), lo: codeOf([]byte(lo)), hi: codeOf([]byte(hi))}
				if r.hi < r.lo {
					continue
				}
				switch dst := args[i+2]; dst.kind {
				case 's':
					r.dst = units(dst.str)
				case '[':
					for j := 0; j < len(dst.arr) && j <= int(r.hi-r.lo); j++ {
						r.arr = append(r.arr, units(dst.arr[j].str))
					}
				default:
					continue
				}
				entries++
				m.ranges = append(m.ranges, r)
			}
		}
	})
	if len(m.single) == 0 && len(m.ranges) == 0 {
		return nil
	}
	return m
}

func codeOf(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c
}

// units reads a PDF string as big-endian UTF-16 code units.
func units(s string) []uint16 {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return u
}

// next splits the first code off raw by the codespace ranges, or by def bytes when the map
// declares none (or none fits).
func (m *cmap) next(raw []byte, def int) int {
	if m != nil {
		for n := 1; n <= 4 && n <= len(raw); n++ {
			for _, r := range m.space[n-1] {
				if inRange(raw[:n], r) {
					return n
				}
			}
		}
	}
	return min(def, len(raw))
}

func inRange(b []byte, r codeRange) bool {
	for i := range b {
		if b[i] < r.lo[i] || b[i] > r.hi[i] {
			return false
		}
	}
	return true
}

// lookup returns the text of one code.
func (m *cmap) lookup(code uint32, n int) (string, bool) {
	if s, ok := m.single[key(code, n)]; ok {
		return s, true
	}
	for _, r := range m.ranges {
		if r.n != n || code < r.lo || code > r.hi {
			continue
		}
		off := code - r.lo
		if r.arr != nil {
			if int(off) < len(r.arr) {
				return string(utf16.Decode(r.arr[off])), true
			}
			return "", false
		}
		if len(r.dst) == 0 {
			return "", false
		}
		u := make([]uint16, len(r.dst))
		copy(u, r.dst)
		u[len(u)-1] += uint16(off)
		return string(utf16.Decode(u)), true
	}
	return "", false
}

// limitedSize reports the decoded size of a stream, reading at most limit+1 bytes, so a
// compressed stream that would inflate to gigabytes is found out before anything parses it.
func limitedSize(strm lpdf.Value, limit int64) int64 {
	rc := strm.Reader()
	defer rc.Close()
	n, _ := io.Copy(io.Discard, io.LimitReader(rc, limit+1))
	return n
}
