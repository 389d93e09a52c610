// Package esdh holds what the ESDH publication importers (agenda/sbsys, agenda/acadre,
// agenda/edoc) share: a hardened XML decoder that turns every failure into one clause a
// person can read, HTML field contents to Markdown, the caption rules that find the
// Indstilling and the decision among a case's fields, and the naming and typing of
// enclosures.
//
// It works on bytes in memory only: it must not open, create or name files on disk, and it
// must not reach the network.
package esdh

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// MaxXMLSize bounds one publication XML. The largest real ones are a few MB (a year of a
// council's items with long HTML fields); anything far above is not an agenda.
const MaxXMLSize = 64 << 20

// Sentinels for the kinds of failure, so callers and tests can tell them apart with
// errors.Is. The messages users see come from Reason, never from these.
var (
	ErrNotXML      = errors.New("not XML")
	ErrMalformed   = errors.New("malformed XML")
	ErrEntities    = errors.New("XML declares entities")
	ErrTooLarge    = errors.New("input too large")
	ErrWrongFormat = errors.New("wrong format")
	ErrUnsafe      = errors.New("unsafe input")
)

// reason is an error whose text is written for people and whose kind is a sentinel.
type reason struct {
	msg  string
	kind error
}

func (r *reason) Error() string { return r.msg }
func (r *reason) Unwrap() error { return r.kind }

// Reason makes an error that reads as msg and matches kind with errors.Is.
func Reason(kind error, format string, args ...any) error {
	return &reason{msg: fmt.Sprintf(format, args...), kind: kind}
}

// Decode reads data as XML whose root element has the local name root and unmarshals it
// into v. It accepts UTF-8 (with or without BOM), UTF-16 with a BOM, and the legacy
// encodings Danish systems declare (windows-1252, iso-8859-1, …).
//
// Why it is safe: encoding/xml never expands entities a document declares, and Decode
// refuses any document that declares one before decoding starts, so an entity-expansion
// ("billion laughs") input fails at once with a clear message instead of depending on how
// the decoder happens to trip over it. Input size is bounded by MaxXMLSize and nesting by
// encoding/xml's own depth limit.
func Decode(data []byte, root string, v any) error {
	if len(data) > MaxXMLSize {
		return Reason(ErrTooLarge, "it is %s, more than the %s a publication XML may be", Size(int64(len(data))), Size(MaxXMLSize))
	}
	data, transcoded, err := utf16ToUTF8(data)
	if err != nil {
		return Reason(ErrNotXML, "it is not XML: its UTF-16 text cannot be decoded")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trim := bytes.TrimLeft(data, " \t\r\n")
	if len(trim) == 0 {
		return Reason(ErrNotXML, "it is empty")
	}
	if trim[0] != '<' {
		return Reason(ErrNotXML, "it is not XML (it does not start with a tag)")
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// ESDH exports put HTML in XML text now and then; the fixed HTML entity table is safe
	// (no recursion, no declarations), unlike a document's own entities.
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if transcoded || isUTF(label) {
			return in, nil
		}
		r, err := charset.NewReaderLabel(label, in)
		if err != nil {
			return nil, Reason(ErrNotXML, "it declares the character encoding %q, which is not known", label)
		}
		return r, nil
	}
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return Reason(ErrNotXML, "it holds no XML element")
			}
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(t), []byte("<!ENTITY")) {
				return Reason(ErrEntities, "it declares its own XML entities (<!ENTITY …>), which publication files never do; it is refused as a possible entity-expansion attack")
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return Reason(ErrNotXML, "it is not XML (text before the first element)")
			}
		case xml.StartElement:
			if t.Name.Local != root {
				return Reason(ErrWrongFormat, "its root element is <%s>, not <%s>", t.Name.Local, root)
			}
			if err := d.DecodeElement(v, &t); err != nil {
				return xmlError(err)
			}
			return nil
		}
	}
}

// RootName returns the local name of data's first element, or "" when none is found in
// the first few KB. It is for Sniff functions: cheap, never an error.
func RootName(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(Head(data)))
	d.Strict = false
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}

// Head is the start of data (about 8 KB) as UTF-8 text, for cheap format checks: a UTF-16
// document is decoded, anything else is returned as it is.
func Head(data []byte) []byte {
	const n = 8192
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		data = data[:min(len(data), 2*n)&^1]
		if out, _, err := utf16ToUTF8(data); err == nil {
			return out
		}
		return nil
	}
	return data[:min(len(data), n)]
}

func isUTF(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "", "utf-8", "utf8":
		return true
	}
	return false
}

// utf16ToUTF8 converts a UTF-16 document with a BOM to UTF-8; encoding/xml reads only
// byte-oriented encodings. transcoded tells the charset hook to ignore the declaration
// ("utf-16"), which no longer describes the bytes.
func utf16ToUTF8(data []byte) ([]byte, bool, error) {
	if !bytes.HasPrefix(data, []byte{0xff, 0xfe}) && !bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return data, false, nil
	}
	out, _, err := transform.Bytes(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder(), data)
	if err != nil || !utf8.Valid(out) {
		return nil, false, errors.New("bad UTF-16")
	}
	return out, true, nil
}

// xmlError turns encoding/xml's messages into a clause a person can act on.
func xmlError(err error) error {
	var r *reason
	if errors.As(err, &r) {
		return err
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		switch {
		case se.Msg == "unexpected EOF":
			return Reason(ErrMalformed, "the XML stops in the middle at line %d, so the file is truncated or damaged", se.Line)
		case strings.HasPrefix(se.Msg, "invalid character entity"):
			return Reason(ErrEntities, "it uses an undefined entity on line %d (%s); custom entities are refused", se.Line, strings.TrimPrefix(se.Msg, "invalid character entity "))
		case strings.Contains(se.Msg, "exceeded max depth"):
			return Reason(ErrMalformed, "its elements nest deeper than any agenda does (line %d)", se.Line)
		}
		return Reason(ErrMalformed, "it is not well-formed XML (line %d: %s)", se.Line, se.Msg)
	}
	if strings.Contains(err.Error(), "exceeded max depth") {
		return Reason(ErrMalformed, "its elements nest deeper than any agenda does")
	}
	return Reason(ErrMalformed, "it is not well-formed XML (%v)", err)
}

// Size writes n bytes for people: "512 B", "91 KB", "256 MB".
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.3g GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.3g MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.3g KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
