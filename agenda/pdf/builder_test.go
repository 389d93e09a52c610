package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
)

// builder writes minimal, valid PDF files for tests: numbered objects, a cross-reference
// table with the real offsets, and a trailer. Nothing here needs a tool outside Go.
type builder struct {
	objs    []string // object bodies; object n is objs[n-1]
	version string
}

func (b *builder) add(body string) int {
	b.objs = append(b.objs, body)
	return len(b.objs)
}

// reserve takes an object number to fill in later (for parents that point at children).
func (b *builder) reserve() int { return b.add("null") }

func (b *builder) set(n int, body string) { b.objs[n-1] = body }

func (b *builder) stream(dict string, data []byte) int {
	return b.add(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
}

func (b *builder) deflated(dict string, data []byte) int {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(data)
	w.Close()
	return b.stream(dict+" /Filter /FlateDecode", z.Bytes())
}

// bytes writes the file with root as the catalog; extra goes into the trailer.
func (b *builder) bytes(root int, extra string) []byte {
	var out bytes.Buffer
	v := b.version
	if v == "" {
		v = "1.4"
	}
	fmt.Fprintf(&out, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", v)
	offsets := make([]int, len(b.objs))
	for i, body := range b.objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(b.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(b.objs)+1, root, extra, xref)
	return out.Bytes()
}

// tline is a line of text to draw: at (x, y) in points, in font F1 (Courier, or what
// the document defines) at size.
type tline struct {
	x, y, size float64
	text       string
	font       string // resource name; "F1" when empty
}

// content draws lines, each in its own text object.
func content(lines []tline) []byte {
	var sb strings.Builder
	for _, l := range lines {
		f := l.font
		if f == "" {
			f = "F1"
		}
		size := l.size
		if size == 0 {
			size = 10
		}
		fmt.Fprintf(&sb, "BT /%s %g Tf %g %g Td %s Tj ET\n", f, size, l.x, l.y, pdfString(l.text))
	}
	return []byte(sb.String())
}

// pdfString writes text as a PDF literal string in WinAnsi (Latin-1 for Danish letters).
func pdfString(s string) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r < 0x80:
			sb.WriteRune(r)
		case r == '–':
			sb.WriteString(`\226`)
		case r == '•':
			sb.WriteString(`\225`)
		case r < 0x100:
			fmt.Fprintf(&sb, `\%03o`, r)
		default:
			sb.WriteByte('?')
		}
	}
	sb.WriteByte(')')
	return sb.String()
}

// courier is the font every text test page uses: a standard font, so it needs no
// embedding, and monospaced (600/1000 em), so the extractor's widths are exact.
const courier = "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"

// textPDF builds a document of A4 pages, each drawing its lines in Courier.
func textPDF(pages ...[]tline) []byte {
	var contents [][]byte
	for _, p := range pages {
		contents = append(contents, content(p))
	}
	return pagesPDF("/Font << /F1 "+courier+" >>", contents...)
}

// pagesPDF builds a document whose pages share the resources res and draw contents.
func pagesPDF(res string, contents ...[]byte) []byte {
	var b builder
	pages := b.reserve()
	var kids []string
	for _, c := range contents {
		cs := b.deflated("", c)
		kids = append(kids, fmt.Sprintf("%d 0 R", b.add(fmt.Sprintf(
			"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << %s >> /Contents %d 0 R >>", pages, res, cs))))
	}
	b.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	root := b.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	return b.bytes(root, "")
}

// column sets paragraphs as lines from the top of an A4 page down, 12 points apart, with
// an extra gap before each paragraph; lines prefixed "\t" are indented two ems.
func column(paragraphs ...[]string) []tline {
	var out []tline
	y := 780.0
	for _, p := range paragraphs {
		for _, l := range p {
			x := 72.0
			if strings.HasPrefix(l, "\t") {
				x, l = 96, l[1:]
			}
			out = append(out, tline{x: x, y: y, text: l})
			y -= 12
		}
		y -= 10
	}
	return out
}
