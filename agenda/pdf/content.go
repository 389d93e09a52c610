package pdf

import (
	"bytes"
	"strconv"
)

// operand is one operand of a content-stream operator. Only what text extraction reads is
// kept: numbers, strings, names and arrays of them; dictionaries (marked-content
// properties) are skipped over.
type operand struct {
	kind byte // 'n' number, 's' string, '/' name, '[' array, 'd' anything else
	num  float64
	str  string
	arr  []operand
}

// Bounds that keep a hostile stream from growing the operand stack or an array without end.
const (
	maxOperands = 4096
	maxArray    = 1 << 17
	maxNesting  = 32
)

// lexer tokenizes a decoded content stream. It never fails: bytes it cannot read are
// skipped, so one damaged operator costs that operator and not the rest of the page.
type lexer struct {
	b []byte
	i int
}

// scan calls op for every operator with its operands, and skips inline image data.
func (lx *lexer) scan(op func(name string, args []operand)) {
	var stack []operand
	for {
		lx.space()
		if lx.i >= len(lx.b) {
			return
		}
		c := lx.b[lx.i]
		if isRegular(c) && !isNumberStart(c) {
			name := lx.word()
			if name == "BI" {
				lx.skipInlineImage()
			}
			op(name, stack)
			stack = stack[:0]
			continue
		}
		v, ok := lx.operand(0)
		if !ok {
			continue
		}
		if len(stack) == maxOperands {
			copy(stack, stack[1:])
			stack = stack[:maxOperands-1]
		}
		stack = append(stack, v)
	}
}

func (lx *lexer) operand(depth int) (operand, bool) {
	c := lx.b[lx.i]
	switch {
	case c == '(':
		return operand{kind: 's', str: lx.literal()}, true
	case c == '<' && lx.i+1 < len(lx.b) && lx.b[lx.i+1] == '<':
		lx.i += 2
		lx.skipDict(depth)
		return operand{kind: 'd'}, true
	case c == '<':
		return operand{kind: 's', str: lx.hex()}, true
	case c == '/':
		lx.i++
		return operand{kind: '/', str: decodeName(lx.word())}, true
	case c == '[':
		lx.i++
		var arr []operand
		for {
			lx.space()
			if lx.i >= len(lx.b) {
				break
			}
			if lx.b[lx.i] == ']' {
				lx.i++
				break
			}
			if depth >= maxNesting || isRegular(lx.b[lx.i]) && !isNumberStart(lx.b[lx.i]) {
				lx.i++ // an operator or too deep a nest inside an array: malformed, skip it
				continue
			}
			v, ok := lx.operand(depth + 1)
			if ok && len(arr) < maxArray {
				arr = append(arr, v)
			}
		}
		return operand{kind: '[', arr: arr}, true
	case isNumberStart(c):
		w := lx.word()
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			f = 0 // "--5" and "5-" occur in real files; readers take them as 0
		}
		return operand{kind: 'n', num: f}, true
	}
	lx.i++ // a stray delimiter: ')' '>' ']' '}' '{'
	return operand{}, false
}

func (lx *lexer) space() {
	for lx.i < len(lx.b) {
		switch c := lx.b[lx.i]; {
		case c == '%':
			for lx.i < len(lx.b) && lx.b[lx.i] != '\n' && lx.b[lx.i] != '\r' {
				lx.i++
			}
		case isSpace(c):
			lx.i++
		default:
			return
		}
	}
}

func (lx *lexer) word() string {
	start := lx.i
	for lx.i < len(lx.b) && isRegular(lx.b[lx.i]) {
		lx.i++
	}
	return string(lx.b[start:lx.i])
}

func (lx *lexer) literal() string {
	lx.i++ // (
	var out []byte
	depth := 1
	for lx.i < len(lx.b) {
		c := lx.b[lx.i]
		lx.i++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return string(out)
			}
		case '\\':
			if lx.i >= len(lx.b) {
				return string(out)
			}
			e := lx.b[lx.i]
			lx.i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if lx.i < len(lx.b) && lx.b[lx.i] == '\n' {
					lx.i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && lx.i < len(lx.b) && lx.b[lx.i] >= '0' && lx.b[lx.i] <= '7'; k++ {
						v = v*8 + int(lx.b[lx.i]-'0')
						lx.i++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return string(out)
}

func (lx *lexer) hex() string {
	lx.i++ // <
	var out []byte
	var hi byte
	half := false
	for lx.i < len(lx.b) {
		c := lx.b[lx.i]
		lx.i++
		if c == '>' {
			break
		}
		v, ok := unhex(c)
		if !ok {
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return string(out)
}

func (lx *lexer) skipDict(depth int) {
	for lx.i < len(lx.b) {
		lx.space()
		if lx.i+1 < len(lx.b) && lx.b[lx.i] == '>' && lx.b[lx.i+1] == '>' {
			lx.i += 2
			return
		}
		if lx.i >= len(lx.b) {
			return
		}
		switch c := lx.b[lx.i]; {
		case depth >= maxNesting:
			lx.i++ // too deep a nest: step over it byte by byte
		case isRegular(c) && !isNumberStart(c):
			lx.word() // true, false, null
		default:
			lx.operand(depth + 1)
		}
	}
}

// skipInlineImage passes over "… ID <binary data> EI": the data is not tokens, and read as
// tokens it would swallow the text after the image.
func (lx *lexer) skipInlineImage() {
	id := bytes.Index(lx.b[lx.i:], []byte("ID"))
	if id < 0 {
		lx.i = len(lx.b)
		return
	}
	start := lx.i + id + 3
	for j := start; j+2 <= len(lx.b); j++ {
		if lx.b[j] == 'E' && lx.b[j+1] == 'I' && isSpace(lx.b[j-1]) && (j+2 == len(lx.b) || isSpace(lx.b[j+2])) {
			lx.i = j + 2
			return
		}
	}
	lx.i = len(lx.b)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isSpace(c) && !isDelim(c) }

func isNumberStart(c byte) bool { return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' }

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeName resolves #xx escapes in a name ("/F#31" is "/F1").
func decodeName(s string) string {
	if !bytes.ContainsRune([]byte(s), '#') {
		return s
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && i+2 < len(s) {
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}
