package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	lpdf "github.com/ledongthuc/pdf"
)

// Limits on what one PDF may cost. An agenda with its attachments bound in runs to a few
// hundred pages; the largest municipal plans to a few thousand.
const (
	// MaxSize is the largest PDF Parse and PageTexts read.
	MaxSize = 64 << 20
	// MaxPages is the most pages they read.
	MaxPages = 5000
	// maxPageContent bounds the decoded content of one page, forms included: a deflated
	// stream can inflate a thousandfold.
	maxPageContent = 32 << 20
	// maxText bounds the text extracted from the whole file.
	maxText = 32 << 20
	// maxFormDepth bounds forms drawn inside forms.
	maxFormDepth = 8
	// maxGStack bounds q without Q.
	maxGStack = 256
)

// run is a piece of text the page draws at one place: the string of one Tj, or one string
// of a TJ array. Coordinates are in points on the page, y upwards.
type run struct {
	x, y, w, size float64
	text          string
	bold          bool
}

// page is what the extractor took from one page.
type page struct {
	runs   []run
	images int     // image XObjects and inline images drawn
	height float64 // of the media box, 0 when unknown
	err    error   // what stopped the extraction of this page, if anything
}

type pageRef struct {
	v, res lpdf.Value
	height float64
}

// document is an opened PDF with its pages found.
type document struct {
	r     *lpdf.Reader
	pages []pageRef
	fonts map[string]*font
	text  int // bytes of text extracted so far
	// What the file has cost so far, against the bounds in guard.go: decoded content
	// bytes, operators interpreted, text runs drawn.
	content   int64
	ops, runs int
	// encrypted: the file opened with the empty password. If its text then comes out as
	// nothing or noise, the decryption failed, and that is what the reader is told.
	encrypted bool
}

// open reads the file structure. Errors are *Error values.
func open(data []byte) (_ *document, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = recovered(r)
		}
	}()
	switch {
	case len(data) > MaxSize:
		return nil, &Error{Kind: ErrTooLarge, detail: fmt.Sprintf("%.0f MB; the limit is %d MB", float64(len(data))/(1<<20), MaxSize>>20)}
	case !Sniff(data):
		return nil, &Error{Kind: ErrNotPDF}
	}
	end := bytes.LastIndex(data, []byte("%%EOF"))
	if end < 0 {
		if !bytes.Contains(data, []byte(" obj")) {
			return nil, &Error{Kind: ErrNotPDF} // "%PDF-" and then anything but a PDF
		}
		return nil, &Error{Kind: ErrTruncated}
	}
	// Trailing bytes after %%EOF (padding, a mail gateway's signature) are common; the
	// library wants %%EOF within the last 100 bytes, so the file is read as ending there.
	size := int64(end + len("%%EOF"))
	if err := checkStructure(data, size); err != nil {
		return nil, err
	}
	r, err := lpdf.NewReader(newGuardedFile(data), size)
	if g, ok := err.(errGuard); ok {
		return nil, g.asError()
	}
	if err != nil {
		if encrypted(data) {
			return nil, &Error{Kind: ErrEncrypted}
		}
		if strings.Contains(err.Error(), "invalid header") {
			return nil, &Error{Kind: ErrNotPDF}
		}
		return nil, &Error{Kind: ErrDamaged, detail: err.Error()}
	}
	d := &document{r: r, fonts: map[string]*font{}, encrypted: r.Trailer().Key("Encrypt").Kind() != lpdf.Null}
	if err := d.findPages(); err != nil {
		return nil, err
	}
	return d, nil
}

// encrypted reports whether the file has an /Encrypt entry. Files encrypted with an empty
// user password (the common "protected against editing") open without one and are read;
// only those that need a password, or use a cipher the library lacks (AES-256), reach here.
func encrypted(data []byte) bool {
	return bytes.Contains(data, []byte("/Encrypt"))
}

// headerFix presents a PDF 2.0 header, or a 1.x header followed by a space, as the
// "%PDF-1.x<newline>" the library insists on. Offsets do not move: the same nine bytes are
// rewritten, and what they cover is only the header comment.
type headerFix struct{ data []byte }

func (h headerFix) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(h.data)) {
		return 0, io.EOF
	}
	n := copy(p, h.data[off:])
	for i := 0; i < n && off+int64(i) <= 8; i++ {
		switch pos := off + int64(i); {
		case pos == 5:
			p[i] = '1'
		case pos == 7 && (p[i] < '0' || p[i] > '7'):
			p[i] = '7'
		case pos == 8 && p[i] != '\r' && p[i] != '\n':
			p[i] = '\n'
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// findPages walks the page tree, carrying the inherited resources and media box down. A
// node budget stops a tree whose kids point back at their ancestors.
func (d *document) findPages() error {
	nodes := 0
	var walk func(v, res, box lpdf.Value, depth int) error
	walk = func(v, res, box lpdf.Value, depth int) error {
		nodes++
		if nodes > 2*MaxPages+1000 || depth > 64 {
			return &Error{Kind: ErrDamaged, detail: "its page tree loops"}
		}
		if v.Kind() != lpdf.Dict {
			return nil
		}
		if r := v.Key("Resources"); r.Kind() == lpdf.Dict {
			res = r
		}
		if b := v.Key("MediaBox"); b.Kind() == lpdf.Array {
			box = b
		}
		kids := v.Key("Kids")
		if typ := v.Key("Type").Name(); typ == "Pages" || typ != "Page" && kids.Kind() == lpdf.Array {
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), res, box, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if len(d.pages) >= MaxPages {
			return &Error{Kind: ErrTooLarge, detail: fmt.Sprintf("more than %d pages", MaxPages)}
		}
		d.pages = append(d.pages, pageRef{v: v, res: res, height: math.Abs(box.Index(3).Float64() - box.Index(1).Float64())})
		return nil
	}
	return walk(d.r.Trailer().Key("Root").Key("Pages"), lpdf.Value{}, lpdf.Value{}, 0)
}

// recovered turns what a panic in the library or the interpreter carried into an *Error:
// a bound from guard.go keeps its kind, anything else is damage.
func recovered(r any) *Error {
	switch v := r.(type) {
	case errGuard:
		return v.asError()
	case *Error:
		return v
	}
	return &Error{Kind: ErrDamaged, detail: fmt.Sprint(r)}
}

// extract reads the text of page i. It never panics: whatever the library or the content
// does, the page comes back with what was read and the reason it stopped.
func (d *document) extract(i int) (p page) {
	ref := d.pages[i]
	p.height = ref.height
	in := &interp{doc: d, res: ref.res, page: &p, budget: maxPageContent, g: newState()}
	defer func() {
		if r := recover(); r != nil {
			p.runs = in.page.runs
			if g, ok := r.(errGuard); ok {
				p.err = g.asError()
				return
			}
			p.err = &Error{Kind: ErrDamaged, detail: fmt.Sprintf("page %d: %v", i+1, r)}
		}
	}()
	in.run(ref.v.Key("Contents"))
	return p
}

// matrix is a PDF transformation [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul is m then n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

func translate(x, y float64) matrix { return matrix{1, 0, 0, 1, x, y} }

// state is the part of the graphics state that q and Q save: the transformation and the
// text state. The library's own interpreter forgets to restore the font on Q, which
// garbles every line drawn after a clipped table cell.
type state struct {
	ctm                        matrix
	font                       *font
	tfs, tc, tw, th, tl, trise float64
}

func newState() state { return state{ctm: identity, th: 1} }

// interp runs one content stream (a page's or a form's).
type interp struct {
	doc      *document
	res      lpdf.Value
	page     *page
	budget   int64
	depth    int
	g        state
	stack    []state
	overflow int // q beyond maxGStack, so their Q do not pop real states
	tm, tlm  matrix
	names    map[string]*font
}

// fallback draws text in a font the page does not define: codes are read as Latin-1.
var fallback = &font{codeLen: 1, dw: 500, enc: latin1{}}

type latin1 struct{}

func (latin1) Decode(raw string) string {
	r := make([]rune, len(raw))
	for i := 0; i < len(raw); i++ {
		r[i] = rune(raw[i])
	}
	return string(r)
}

func (in *interp) run(contents lpdf.Value) {
	var data bytes.Buffer
	read := func(s lpdf.Value) {
		if s.Kind() != lpdf.Stream {
			return
		}
		if c := s.Key("DecodeParms").Key("Columns").Int64(); c > maxColumns || c < 0 {
			panic(errGuard{ErrDamaged, "a stream's predictor rows are impossibly wide"})
		}
		rc := s.Reader()
		left := min(in.budget, maxContent-in.doc.content)
		n, _ := data.ReadFrom(io.LimitReader(rc, left+1))
		rc.Close()
		in.budget -= n
		in.doc.content += n
		switch {
		case in.doc.content > maxContent:
			panic(tooLarge("its pages' content inflates beyond %d MB", maxContent>>20))
		case in.budget < 0:
			panic(tooLarge("a page whose content inflates beyond %d MB", maxPageContent>>20))
		}
		data.WriteByte('\n') // streams of an array join at a token boundary
	}
	if contents.Kind() == lpdf.Array {
		for i := 0; i < contents.Len(); i++ {
			read(contents.Index(i))
		}
	} else {
		read(contents)
	}
	lx := lexer{b: data.Bytes()}
	lx.scan(in.op)
}

func num(args []operand, i int) float64 {
	if i >= 0 && i < len(args) && args[i].kind == 'n' && !math.IsNaN(args[i].num) && !math.IsInf(args[i].num, 0) {
		return args[i].num
	}
	return 0
}

func mat(args []operand) (matrix, bool) {
	if len(args) < 6 {
		return matrix{}, false
	}
	a := args[len(args)-6:]
	return matrix{num(a, 0), num(a, 1), num(a, 2), num(a, 3), num(a, 4), num(a, 5)}, true
}

func last(args []operand) operand {
	if len(args) == 0 {
		return operand{}
	}
	return args[len(args)-1]
}

func (in *interp) op(name string, args []operand) {
	if in.doc.ops++; in.doc.ops > maxOps {
		panic(tooLarge("more than %d million drawing operations", maxOps>>20))
	}
	g := &in.g
	switch name {
	case "q":
		if len(in.stack) < maxGStack {
			in.stack = append(in.stack, in.g)
		} else {
			in.overflow++
		}
	case "Q":
		if in.overflow > 0 {
			in.overflow--
		} else if n := len(in.stack); n > 0 {
			in.g = in.stack[n-1]
			in.stack = in.stack[:n-1]
		}
	case "cm":
		if m, ok := mat(args); ok {
			g.ctm = m.mul(g.ctm)
		}
	case "BT":
		in.tm, in.tlm = identity, identity
	case "Tc":
		g.tc = num(args, len(args)-1)
	case "Tw":
		g.tw = num(args, len(args)-1)
	case "Tz":
		g.th = num(args, len(args)-1) / 100
	case "TL":
		g.tl = num(args, len(args)-1)
	case "Ts":
		g.trise = num(args, len(args)-1)
	case "Tf":
		if len(args) >= 2 {
			g.font = in.font(args[len(args)-2].str)
			g.tfs = num(args, len(args)-1)
		}
	case "Td":
		if len(args) >= 2 {
			in.td(num(args, len(args)-2), num(args, len(args)-1))
		}
	case "TD":
		if len(args) >= 2 {
			g.tl = -num(args, len(args)-1)
			in.td(num(args, len(args)-2), num(args, len(args)-1))
		}
	case "Tm":
		if m, ok := mat(args); ok {
			in.tm, in.tlm = m, m
		}
	case "T*":
		in.td(0, -g.tl)
	case "Tj":
		in.show(last(args).str)
	case "'":
		in.td(0, -g.tl)
		in.show(last(args).str)
	case "\"":
		if len(args) >= 3 {
			g.tw, g.tc = num(args, len(args)-3), num(args, len(args)-2)
		}
		in.td(0, -g.tl)
		in.show(last(args).str)
	case "TJ":
		for _, el := range last(args).arr {
			switch el.kind {
			case 's':
				in.show(el.str)
			case 'n':
				in.tm = translate(-el.num/1000*g.tfs*g.th, 0).mul(in.tm)
			}
		}
	case "Do":
		if len(args) > 0 {
			in.do(last(args).str)
		}
	case "BI":
		in.page.images++
	}
}

func (in *interp) td(tx, ty float64) {
	in.tlm = translate(tx, ty).mul(in.tlm)
	in.tm = in.tlm
}

// show draws a string: it decodes it, measures its advance and records it as a run with
// its position and size on the page.
func (in *interp) show(raw string) {
	if raw == "" {
		return
	}
	g := &in.g
	f := g.font
	if f == nil {
		f = fallback
	}
	var adv float64
	text := f.show(raw, func(w float64, space bool) {
		tx := w/1000*g.tfs + g.tc
		if space {
			tx += g.tw
		}
		adv += tx * g.th
	})
	m := in.tm.mul(g.ctm)
	x0, y0 := m.apply(0, g.trise)
	x1, y1 := m.apply(adv, g.trise)
	in.tm = translate(adv, 0).mul(in.tm)
	size := math.Abs(g.tfs) * math.Hypot(m[2], m[3])
	dx, dy := x1-x0, y1-y0
	// Text set at an angle (a margin note, a "KLADDE" watermark) is not part of the
	// reading order; skip it.
	if math.Abs(dy) > 0.1*math.Abs(dx)+0.5 || dx < 0 {
		return
	}
	if strings.TrimSpace(text) == "" || size <= 0 || math.IsNaN(x0+y0+dx+size) || math.IsInf(x0+y0+dx+size, 0) {
		return
	}
	if strings.ContainsAny(text, "\n\r\t\f\v") {
		// White space control characters in a string are spacing: tabs mean columns and
		// line breaks mean lines only where the layout puts them.
		text = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' || r == '\f' || r == '\v' {
				return ' '
			}
			return r
		}, text)
	}
	in.doc.text += len(text)
	in.doc.runs++
	switch {
	case in.doc.text > maxText:
		panic(tooLarge("more than %d MB of text", maxText>>20))
	case in.doc.runs > maxRuns:
		panic(tooLarge("more than %d million pieces of text", maxRuns>>20))
	case len(in.page.runs) >= maxPageRuns:
		panic(tooLarge("a page that draws more than %d pieces of text", maxPageRuns))
	}
	in.page.runs = append(in.page.runs, run{x: x0, y: y0, w: dx, size: size, text: text, bold: f.bold})
}

// font returns the font a Tf names, cached by resource name for this stream and by a
// content key across pages (cmaps are the costly part).
func (in *interp) font(name string) (f *font) {
	if f, ok := in.names[name]; ok {
		return f
	}
	v := in.res.Key("Font").Key(name)
	if v.Kind() != lpdf.Dict {
		return nil
	}
	if in.names == nil {
		in.names = map[string]*font{}
	}
	k := fontKey(name, v)
	if f, ok := in.doc.fonts[k]; ok {
		in.names[name] = f
		return f
	}
	defer func() {
		if r := recover(); r != nil {
			// A font the library cannot read: its text counts as unreadable.
			f = &font{codeLen: 1, dw: 500, opaque: true}
		}
		in.names[name] = f
		in.doc.fonts[k] = f
	}()
	return newFont(v)
}

// do draws an XObject: forms are interpreted (headers and logos with text live in them),
// images are counted (a page of images and no text is a scan).
func (in *interp) do(name string) {
	xo := in.res.Key("XObject").Key(name)
	switch xo.Key("Subtype").Name() {
	case "Image":
		in.page.images++
	case "Form":
		if in.depth >= maxFormDepth {
			return
		}
		res := xo.Key("Resources")
		if res.Kind() != lpdf.Dict {
			res = in.res
		}
		sub := &interp{doc: in.doc, res: res, page: in.page, budget: in.budget, depth: in.depth + 1, g: in.g}
		if fm := xo.Key("Matrix"); fm.Len() == 6 {
			m := matrix{}
			for i := range m {
				m[i] = fm.Index(i).Float64()
			}
			sub.g.ctm = m.mul(in.g.ctm)
		}
		sub.run(xo)
		in.budget = sub.budget
	}
}

// Error is what Parse and PageTexts return: Kind says what is wrong (compare with
// errors.Is), Error gives the sentence a person reads.
type Error struct {
	Kind   error
	Name   string // the file, when the caller named it
	detail string
}

// The kinds of Error.
var (
	ErrNotPDF    = errors.New("not a PDF")
	ErrTruncated = errors.New("truncated PDF")
	ErrDamaged   = errors.New("damaged PDF")
	ErrEncrypted = errors.New("encrypted PDF")
	ErrTooLarge  = errors.New("PDF too large")
	ErrScanned   = errors.New("scanned PDF")
	ErrGarbled   = errors.New("garbled PDF text")
)

func (e *Error) Unwrap() error { return e.Kind }

func (e *Error) Error() string {
	name := e.Name
	if name == "" {
		name = "the PDF"
	}
	switch e.Kind {
	case ErrNotPDF:
		return name + " is not a PDF"
	case ErrTruncated:
		return name + " is truncated: the end of the PDF is missing"
	case ErrEncrypted:
		return name + " is encrypted; dagsorden cannot read it"
	case ErrTooLarge:
		return name + " is too large to read (" + e.detail + ")"
	case ErrScanned:
		return name + " is scanned: it has no text to import"
	case ErrGarbled:
		return name + " has text that comes out garbled (" + e.detail + "), so dagsorden cannot read it"
	}
	if e.detail != "" {
		return name + " is a damaged PDF that dagsorden cannot read (" + oneLine(e.detail) + ")"
	}
	return name + " is a damaged PDF that dagsorden cannot read"
}

// oneLine keeps a library message to one short line inside our sentence.
func oneLine(s string) string {
	// The library quotes bytes of the file in its messages: keep them printable.
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimPrefix(s, "malformed PDF: ")
	s = strings.TrimPrefix(s, "malformed PDF file: ")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}
