package pdf

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	lpdf "github.com/ledongthuc/pdf"
)

// font is what the extractor needs of a PDF font: how to turn codes into text and how far
// each code advances the pen (to find the gaps between words and columns).
type font struct {
	toUnicode *cmap
	enc       lpdf.TextEncoding // the library's decoding of simple fonts without ToUnicode
	codeLen   int               // default code length: 2 for composite (Type0) fonts
	// Composite fonts without a ToUnicode map in a non-Unicode encoding: their codes are
	// glyph ids, and nothing in the file says which letters they draw.
	opaque bool
	bold   bool // a heading's weight: reflow does not join a bold line with a regular one

	first  int       // simple fonts: the code of widths[0]
	widths []float64 // in thousandths of the font size
	cidW   map[uint32]float64
	cidR   []cidRange
	dw     float64 // default width
}

type cidRange struct {
	lo, hi uint32
	w      float64
}

// maxToUnicode bounds the decoded size of one ToUnicode map (real ones are a few KB).
const maxToUnicode = 4 << 20

func newFont(v lpdf.Value) *font {
	f := &font{codeLen: 1, dw: 500}
	subtype := v.Key("Subtype").Name()
	f.bold = isBold(v)
	if tu := v.Key("ToUnicode"); tu.Kind() == lpdf.Stream && limitedSize(tu, maxToUnicode) <= maxToUnicode {
		f.toUnicode = readCmap(tu)
	}
	switch subtype {
	case "Type0":
		f.codeLen = 2
		f.dw = 1000
		desc := v.Key("DescendantFonts").Index(0)
		if dw := desc.Key("DW"); dw.Kind() == lpdf.Integer || dw.Kind() == lpdf.Real {
			f.dw = dw.Float64()
		}
		f.readW(desc.Key("W"))
		if f.toUnicode == nil {
			enc := v.Key("Encoding").Name()
			if strings.Contains(enc, "UCS2") || strings.Contains(enc, "UTF16") {
				f.enc = utf16Encoding{}
			} else {
				f.opaque = true
			}
		}
	default:
		lf := lpdf.Font{V: v}
		f.enc = lf.Encoder()
		f.first = int(v.Key("FirstChar").Int64())
		w := v.Key("Widths")
		scale := 1.0
		if subtype == "Type3" {
			// Type 3 widths are in glyph space; FontMatrix maps them to text space.
			if fm := v.Key("FontMatrix").Index(0).Float64(); fm > 0 && fm < 1 {
				scale = fm * 1000
			}
		}
		for i := 0; i < w.Len() && i < 256; i++ {
			f.widths = append(f.widths, w.Index(i).Float64()*scale)
		}
		if mw := v.Key("FontDescriptor").Key("MissingWidth").Float64(); mw > 0 {
			f.dw = mw
		} else if strings.Contains(v.Key("BaseFont").Name(), "Courier") {
			f.dw = 600
		}
	}
	return f
}

// readW reads a composite font's W array: "c [w1 w2 …]" gives the widths of c, c+1, …;
// "c1 c2 w" gives all of c1..c2 the width w. Ranges are kept as ranges, so a hostile
// "0 4294967295 500" costs nothing.
func (f *font) readW(w lpdf.Value) {
	f.cidW = map[uint32]float64{}
	n := w.Len()
	for i := 0; i < n; {
		c := w.Index(i)
		if c.Kind() != lpdf.Integer || i+1 >= n {
			return
		}
		next := w.Index(i + 1)
		if next.Kind() == lpdf.Array {
			for j := 0; j < next.Len() && len(f.cidW) < maxCmapEntries; j++ {
				f.cidW[uint32(c.Int64())+uint32(j)] = next.Index(j).Float64()
			}
			i += 2
			continue
		}
		if i+2 >= n {
			return
		}
		f.cidR = append(f.cidR, cidRange{uint32(c.Int64()), uint32(next.Int64()), w.Index(i + 2).Float64()})
		i += 3
	}
}

func (f *font) width(code uint32, n int) float64 {
	if f.codeLen == 2 {
		if w, ok := f.cidW[code]; ok {
			return w
		}
		for _, r := range f.cidR {
			if code >= r.lo && code <= r.hi {
				return r.w
			}
		}
		return f.dw
	}
	if i := int(code) - f.first; n == 1 && i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
		return f.widths[i]
	}
	return f.dw
}

// show decodes raw into text and returns the advance of each code (in thousandths of the
// font size) with whether the code is a single-byte space (word spacing applies to it).
func (f *font) show(raw string, each func(w float64, space bool)) string {
	if f.toUnicode == nil && !f.opaque && f.codeLen == 1 {
		// A simple font: one byte a code, decoded in one call (most text is set so).
		for i := 0; i < len(raw); i++ {
			each(f.width(uint32(raw[i]), 1), raw[i] == ' ')
		}
		return f.enc.Decode(raw)
	}
	var sb strings.Builder
	b := []byte(raw)
	for len(b) > 0 {
		n := f.toUnicode.next(b, f.codeLen)
		code := codeOf(b[:n])
		switch {
		case f.opaque:
			sb.WriteRune(utf8.RuneError)
		case f.toUnicode != nil:
			if s, ok := f.toUnicode.lookup(code, n); ok {
				sb.WriteString(s)
			} else if f.enc != nil {
				sb.WriteString(f.enc.Decode(string(b[:n])))
			} else {
				sb.WriteRune(utf8.RuneError)
			}
		default:
			sb.WriteString(f.enc.Decode(string(b[:n])))
		}
		each(f.width(code, n), n == 1 && code == ' ')
		b = b[n:]
	}
	return sb.String()
}

// utf16Encoding decodes composite fonts whose encoding is Unicode itself (UniGB-UCS2-H …).
type utf16Encoding struct{}

func (utf16Encoding) Decode(raw string) string { return string(utf16.Decode(units(raw))) }

// fontKey identifies a font across pages without object numbers (the library does not
// expose them): the resource name with what distinguishes one embedded subset from another.
func fontKey(name string, v lpdf.Value) string {
	return name + "|" + v.Key("BaseFont").Name() + "|" + v.Key("Subtype").Name() + "|" +
		v.Key("Encoding").Name() + "|" + strconv.FormatInt(v.Key("FirstChar").Int64(), 10) + "|" +
		strconv.Itoa(v.Key("Widths").Len()) + "|" + strconv.FormatInt(v.Key("ToUnicode").Key("Length").Int64(), 10)
}

// isBold reads a font's weight from its name ("Arial,Bold", "ABCDEF+Calibri-Bold") or its
// descriptor (FontWeight, the ForceBold flag).
func isBold(v lpdf.Value) bool {
	desc := v.Key("FontDescriptor")
	if v.Key("Subtype").Name() == "Type0" {
		desc = v.Key("DescendantFonts").Index(0).Key("FontDescriptor")
	}
	name := strings.ToLower(v.Key("BaseFont").Name())
	for _, w := range []string{"bold", "black", "heavy", "semibold", "demi"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return desc.Key("FontWeight").Float64() >= 600 || desc.Key("Flags").Int64()&(1<<18) != 0
}
