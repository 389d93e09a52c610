package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strconv"
)

// What one PDF may cost, whatever it holds. The library (github.com/ledongthuc/pdf)
// re-reads and re-inflates objects as it resolves them and trusts the numbers the file
// states, so the file is checked before the library walks it, and every byte the library
// reads passes through a guard that counts.
const (
	// maxContent bounds the decoded content of the whole file: every page's content and
	// every form each time it is drawn. A 700 KB file can inflate to gigabytes when its
	// pages share a stream; the largest real agendas decode to a few tens of MB.
	maxContent = 128 << 20
	// maxOps bounds the content operators interpreted in the whole file.
	maxOps = 16 << 20
	// maxRuns bounds the pieces of text drawn in the whole file, maxPageRuns on one page:
	// a real page draws a few thousand.
	maxRuns     = 2 << 20
	maxPageRuns = 200_000
	// maxObjects bounds the object numbers the cross-reference sections name: the library
	// allocates a table entry for every number up to the largest.
	maxObjects = 4 << 20
	// maxXrefSections bounds the chain of cross-reference sections (incremental updates).
	maxXrefSections = 256
	// maxObjStm bounds the inflated size of one object stream, and of all of them; the
	// library inflates one again for every object it resolves from it.
	maxObjStm      = 16 << 20
	maxObjStmTotal = 64 << 20
	// maxColumns bounds a PNG predictor's row (the library allocates one).
	maxColumns = 1 << 16
	// maxStackFrames bounds how deep the library may recurse while it reads: resolving an
	// object that (through object streams or stream lengths) depends on itself recurses
	// without end, and a stack overflow ends the process, beyond recover. Normal reading
	// stands a few dozen frames deep.
	maxStackFrames = 2000
)

// errGuard is panicked where a bound is exceeded and recovered by whoever called into
// the library: open, extract, and Parse and PageTexts as the last guard. It is an error
// so that the library's own recover (in NewReader) hands it back as one.
type errGuard struct {
	kind error
	what string
}

func (e errGuard) Error() string { return e.what }

func (e errGuard) asError() *Error { return &Error{Kind: e.kind, detail: e.what} }

func tooLarge(format string, a ...any) errGuard {
	return errGuard{ErrTooLarge, fmt.Sprintf(format, a...)}
}

// guardedFile is the file as the library reads it: the header fixed (see headerFix),
// the bytes it reads counted, and how deep it recurses checked every few reads.
type guardedFile struct {
	headerFix
	reads int64 // calls
	read  int64 // bytes
	limit int64 // bytes the library may read in all
}

func newGuardedFile(data []byte) *guardedFile {
	// Every object is read again each time it is resolved: a real file is read a few
	// dozen times over; a file that makes the library loop is read without end.
	return &guardedFile{headerFix: headerFix{data}, limit: 64*int64(len(data)) + 256<<20}
}

func (g *guardedFile) ReadAt(p []byte, off int64) (int, error) {
	g.reads++
	g.read += int64(len(p))
	if g.read > g.limit {
		panic(tooLarge("reading it would never end: its objects lead back to themselves"))
	}
	if g.reads%16 == 0 {
		var pc [1]uintptr
		if runtime.Callers(maxStackFrames, pc[:]) > 0 {
			panic(errGuard{ErrDamaged, "its objects refer to themselves without end"})
		}
	}
	return g.headerFix.ReadAt(p, off)
}

// checkStructure reads the cross-reference sections and object streams the way the
// library will, before it does, and refuses what would make the library allocate without
// bound, loop, or inflate without bound: object numbers far beyond any real file, a
// chain of sections that loops, xref stream field widths beyond 8 bytes, a PNG predictor
// row beyond maxColumns, and object streams that inflate beyond maxObjStm.
// What it cannot parse it leaves to the library, which then fails in its own way.
func checkStructure(data []byte, size int64) error {
	tail := data[max(0, size-1024):size]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return nil
	}
	off, ok := firstInt(tail[i+len("startxref"):])
	seen := map[int64]bool{}
	var x xrefTypes
	for n := 0; ok && off > 0 && off < size; n++ {
		if seen[off] || n >= maxXrefSections {
			return &Error{Kind: ErrDamaged, detail: "its cross-reference sections loop"}
		}
		seen[off] = true
		var err error
		if off, ok, err = x.checkSection(data[off:size]); err != nil {
			return err
		}
	}
	if err := x.check(); err != nil {
		return err
	}
	if !columnsOK(data) {
		return &Error{Kind: ErrDamaged, detail: "a stream's predictor rows are impossibly wide"}
	}
	return checkObjStms(data[:size])
}

var (
	intRe        = regexp.MustCompile(`^\s*(\d{1,19})`)
	subsectionRe = regexp.MustCompile(`(?m)^\s*(\d{1,19})\s+(\d{1,19})\s*$`)
	sizeRe       = regexp.MustCompile(`/Size\s+(\d{1,19})`)
	prevRe       = regexp.MustCompile(`/Prev\s+(\d{1,19})`)
	indexRe      = regexp.MustCompile(`/Index\s*\[([\d\s]*)\]`)
	wRe          = regexp.MustCompile(`/W\s*\[([\d\s]*)\]`)
	columnsRe    = regexp.MustCompile(`/Columns\s+(\d{1,19})`)
	trailerRe    = regexp.MustCompile(`trailer\s*<<`)
)

func firstInt(b []byte) (int64, bool) {
	m := intRe.FindSubmatch(b)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(m[1]), 10, 64)
	return n, err == nil
}

func atoiBig(b []byte) int64 {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 1 << 62
	}
	return n
}

// xrefTypes is what the cross-reference streams say of each object, as the library
// merges them (the newest section first, the first word on an object wins): 1 for an
// object in the file, 2 for one in an object stream (with the stream's number).
type xrefTypes struct {
	typ    []byte
	stream []uint32
}

func (x *xrefTypes) set(obj int64, typ byte, stream uint32) {
	if obj < 0 || obj >= maxObjects {
		return
	}
	if int(obj) >= len(x.typ) {
		n := max(int(obj)+1, 2*len(x.typ))
		x.typ = append(x.typ, make([]byte, n-len(x.typ))...)
		x.stream = append(x.stream, make([]uint32, n-len(x.stream))...)
	}
	if x.typ[obj] == 0 {
		x.typ[obj], x.stream[obj] = typ, stream
	}
}

// check: every object stream that holds objects is itself an object in the file. One
// said to live in an object stream (itself, or another) sends the library's resolve into
// recursion without end, without a read between one step and the next.
func (x *xrefTypes) check() error {
	for obj, t := range x.typ {
		if t != 2 {
			continue
		}
		s := x.stream[obj]
		if int(s) < len(x.typ) && x.typ[s] == 2 {
			return &Error{Kind: ErrDamaged, detail: "its object streams hold themselves"}
		}
	}
	return nil
}

// maxXrefData bounds the inflated data of one cross-reference stream.
const maxXrefData = 64 << 20

// readRows decodes a cross-reference stream's rows as the library does (deflate, then the
// PNG Up predictor) and records each object's type.
func (x *xrefTypes) readRows(dict, raw []byte) {
	var data []byte
	if bytes.Contains(dict, []byte("FlateDecode")) {
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return
		}
		var out bytes.Buffer
		out.ReadFrom(io.LimitReader(zr, maxXrefData))
		data = out.Bytes()
	} else {
		data = raw
	}
	if m := columnsRe.FindSubmatch(dict); m != nil && bytes.Contains(dict, []byte("/Predictor")) {
		cols := int(atoiBig(m[1]))
		if cols <= 0 || cols > maxColumns {
			return
		}
		hist := make([]byte, cols)
		var rows []byte
		for len(data) >= cols+1 {
			if data[0] != 2 {
				break
			}
			for i := range hist {
				hist[i] += data[1+i]
			}
			rows = append(rows, hist...)
			data = data[cols+1:]
		}
		data = rows
	}
	m := wRe.FindSubmatch(dict)
	if m == nil {
		return
	}
	var w []int
	total := 0
	for _, f := range bytes.Fields(m[1]) {
		w = append(w, int(atoiBig(f)))
		total += w[len(w)-1]
	}
	if len(w) < 3 || total <= 0 {
		return
	}
	var index []int64
	if im := indexRe.FindSubmatch(dict); im != nil {
		for _, f := range bytes.Fields(im[1]) {
			index = append(index, atoiBig(f))
		}
	} else if sm := sizeRe.FindSubmatch(dict); sm != nil {
		index = []int64{0, atoiBig(sm[1])}
	}
	field := func(b []byte) uint64 {
		v := uint64(0)
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		return v
	}
	for k := 0; k+1 < len(index); k += 2 {
		for i := int64(0); i < index[k+1] && len(data) >= total; i++ {
			typ := uint64(1)
			if w[0] > 0 {
				typ = field(data[:w[0]])
			}
			if typ == 1 || typ == 2 {
				x.set(index[k]+i, byte(typ), uint32(field(data[w[0]:w[0]+w[1]])))
			}
			data = data[total:]
		}
	}
}

var lengthRe = regexp.MustCompile(`/Length\s+(\d{1,19})(\s+\d+\s+R)?`)

// checkSection checks the cross-reference section at the start of b and returns the
// offset of the previous one, if any.
func (x *xrefTypes) checkSection(b []byte) (prev int64, ok bool, err error) {
	damaged := func(what string) error { return &Error{Kind: ErrDamaged, detail: what} }
	if bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n\x00\f"), []byte("xref")) {
		// A table: subsection headers "start count", then the trailer dictionary.
		end := trailerRe.FindIndex(b)
		if end == nil {
			return 0, false, nil
		}
		for _, m := range subsectionRe.FindAllSubmatch(b[:end[0]], -1) {
			if atoiBig(m[1])+atoiBig(m[2]) > maxObjects {
				return 0, false, damaged("its cross-reference table names more objects than any real file has")
			}
		}
		dict := b[end[0]:min(len(b), end[1]+4096)]
		if e := bytes.Index(dict, []byte(">>")); e > 0 {
			dict = dict[:e]
		}
		if m := prevRe.FindSubmatch(dict); m != nil {
			return atoiBig(m[1]), true, nil
		}
		return 0, false, nil
	}
	// A cross-reference stream: "n g obj << … >> stream".
	head := b[:min(len(b), 4096)]
	s := bytes.Index(head, []byte("stream"))
	if s < 0 || !bytes.Contains(head[:s], []byte("/XRef")) {
		return 0, false, nil
	}
	dict := head[:s]
	if m := sizeRe.FindSubmatch(dict); m != nil && atoiBig(m[1]) > maxObjects {
		return 0, false, damaged("its cross-reference stream names more objects than any real file has")
	}
	if m := indexRe.FindSubmatch(dict); m != nil {
		nums := bytes.Fields(m[1])
		for k := 0; k+1 < len(nums); k += 2 {
			if atoiBig(nums[k])+atoiBig(nums[k+1]) > maxObjects {
				return 0, false, damaged("its cross-reference stream names more objects than any real file has")
			}
		}
	}
	if m := wRe.FindSubmatch(dict); m != nil {
		for _, w := range bytes.Fields(m[1]) {
			if atoiBig(w) > 8 {
				return 0, false, damaged("its cross-reference stream has fields wider than any real file")
			}
		}
	}
	// The rows: only a direct length is read (the library cannot resolve another
	// object while it reads the cross-reference sections).
	if m := lengthRe.FindSubmatch(dict); m != nil && len(m[2]) == 0 {
		start := s + len("stream")
		for start < len(b) && (b[start] == '\r' || b[start] == '\n') {
			start++
			if b[start-1] == '\n' {
				break
			}
		}
		if n := atoiBig(m[1]); n >= 0 && int64(start)+n <= int64(len(b)) {
			x.readRows(dict, b[start:int64(start)+n])
		}
	}
	if m := prevRe.FindSubmatch(dict); m != nil {
		return atoiBig(m[1]), true, nil
	}
	return 0, false, nil
}

// columnsOK: no PNG predictor in the file's dictionaries asks for rows wider than
// maxColumns (the library allocates a row before it reads one).
func columnsOK(b []byte) bool {
	for _, m := range columnsRe.FindAllSubmatch(b, 10000) {
		if atoiBig(m[1]) > maxColumns {
			return false
		}
	}
	return true
}

var (
	objStmRe  = regexp.MustCompile(`/Type\s*/ObjStm`)
	objHeadRe = regexp.MustCompile(`(\d{1,10})\s+\d{1,5}\s+obj\s*<<$`)
	extendsRe = regexp.MustCompile(`/Extends\s+(\d{1,10})\s+\d{1,5}\s+R`)
)

// checkObjStms inflates each object stream once, within bounds, and checks what it
// holds: dictionaries compressed inside one are where a PNG predictor's width could hide.
func checkObjStms(data []byte) error {
	total := int64(0)
	// extends maps an object stream's number to the one it extends: a chain that comes
	// back to itself keeps the library searching for an object forever.
	extends := map[int64]int64{}
	for _, loc := range objStmRe.FindAllIndex(data, 100000) {
		// The stream's dictionary ends before "stream"; its data follows the line end.
		rest := data[loc[1]:]
		s := bytes.Index(rest[:min(len(rest), 4096)], []byte("stream"))
		if s < 0 {
			continue
		}
		start := s + len("stream")
		if start < len(rest) && rest[start] == '\r' {
			start++
		}
		if start < len(rest) && rest[start] == '\n' {
			start++
		}
		base := max(0, loc[0]-4096)
		dictStart := bytes.LastIndex(data[base:loc[0]], []byte("<<"))
		if dictStart < 0 {
			continue
		}
		dict := data[base+dictStart : loc[1]+s]
		if m := extendsRe.FindSubmatch(dict); m != nil {
			if h := objHeadRe.FindSubmatch(bytes.TrimRight(data[max(0, base+dictStart-32):base+dictStart+2], " \t\r\n")); h != nil {
				extends[atoiBig(h[1])] = atoiBig(m[1])
			}
		}
		if !bytes.Contains(dict, []byte("FlateDecode")) {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(rest[start:]))
		if err != nil {
			continue
		}
		var out bytes.Buffer
		n, _ := out.ReadFrom(io.LimitReader(zr, maxObjStm+1))
		total += n
		switch {
		case n > maxObjStm:
			return &Error{Kind: ErrTooLarge, detail: fmt.Sprintf("an object stream inflates beyond %d MB", maxObjStm>>20)}
		case total > maxObjStmTotal:
			return &Error{Kind: ErrTooLarge, detail: fmt.Sprintf("its object streams inflate beyond %d MB", maxObjStmTotal>>20)}
		case !columnsOK(out.Bytes()):
			return &Error{Kind: ErrDamaged, detail: "a stream's predictor rows are impossibly wide"}
		}
	}
	for start := range extends {
		at := start
		for range len(extends) + 1 {
			next, ok := extends[at]
			if !ok {
				break
			}
			if next == start {
				return &Error{Kind: ErrDamaged, detail: "its object streams extend each other in a loop"}
			}
			at = next
		}
	}
	return nil
}
