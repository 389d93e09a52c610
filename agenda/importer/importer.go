// Package importer recognises an input's format from its content and hands it to the
// importer for that format. It is pure like the importers: bytes in, agenda types out.
//
// A readable document is never refused: text, a web page or a PDF in which no agenda is
// found is imported as reading material (an agenda.Document), and Result says so, so the
// command can tell the member in one sentence. Only input that cannot be read (binary,
// damaged, encrypted, empty, too large) is an error. Text in Windows-1252 or Latin-1, as
// older Windows programs save it, is recognised and converted to UTF-8 first.
package importer

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/acadre"
	"github.com/dagsorden/dagsorden/agenda/document"
	"github.com/dagsorden/dagsorden/agenda/edoc"
	"github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/agenda/kltext"
	"github.com/dagsorden/dagsorden/agenda/native"
	"github.com/dagsorden/dagsorden/agenda/pdf"
	"github.com/dagsorden/dagsorden/agenda/sbsys"
)

// MaxSize bounds any one input. The largest real agenda package we know (Greve's biggest
// meeting JSON) is a few MB; a PDF with its attachments may be tens.
const MaxSize = 64 << 20

// Format is one importer.
type Format struct {
	Name  string
	Sniff func([]byte) bool
	Parse func(name string, data []byte) (agenda.Package, error)
	// Fallback reads the input as reading material when Parse finds no agenda in it.
	Fallback func(name string, data []byte) (agenda.Package, error)
}

// Formats in the order they are tried: specific before general, plain text and web
// pages last.
var Formats = []Format{
	{"dagsorden", native.Sniff, native.Parse, nil},
	{"pdf", pdf.Sniff, pdf.Parse, nil},
	{"firstagenda", firstagenda.Sniff, firstagenda.Parse, nil},
	{firstagenda.FormatPage, firstagenda.SniffPage, firstagenda.ParsePage, document.ParseHTML},
	{"sbsys", sbsys.Sniff, sbsys.Parse, nil},
	{"acadre", acadre.Sniff, acadre.Parse, nil},
	{"edoc", edoc.Sniff, edoc.Parse, nil},
	{edoc.FormatPublishing, edoc.SniffPublishing, edoc.ParsePublishing, nil},
	{"kl-text", kltext.Sniff, kltext.Parse, document.Parse},
	{"text", document.Sniff, document.Parse, nil},
	{"html", document.SniffHTML, document.ParseHTML, nil},
}

// ErrUnknownFormat is returned for inputs no importer recognises.
var ErrUnknownFormat = errors.New("not a format dagsorden reads")

// Result is what one input held and how it was read.
type Result struct {
	Package agenda.Package
	// Format names the importer that read the input.
	Format string
	// ReadingMaterial: the input is readable but holds no agenda items, so it was
	// imported as reading material.
	ReadingMaterial bool
	// Charset names the character set the input was converted from ("windows-1252"),
	// or is "" for UTF-8.
	Charset string
}

// Detect names the format of data, or "" when none fits.
func Detect(data []byte) string {
	if f := detect(data); f != nil {
		return f.Name
	}
	return ""
}

func detect(data []byte) *Format {
	for i := range Formats {
		if Formats[i].Sniff(data) {
			return &Formats[i]
		}
	}
	return nil
}

// Parse imports one input. Every error is one sentence that names the input.
func Parse(name string, data []byte) (agenda.Package, error) {
	r, err := Read(name, data)
	return r.Package, err
}

// Read imports one input and says how. Every error is one sentence that names the input.
func Read(name string, data []byte) (Result, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return Result{}, fmt.Errorf("%s is empty", name)
	case len(data) > MaxSize:
		return Result{}, fmt.Errorf("%s is %d MB; dagsorden reads inputs of at most %d MB", name, len(data)>>20, MaxSize>>20)
	}
	var res Result
	if LegacyText(data) {
		converted, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err == nil && utf8.Valid(converted) {
			data, res.Charset = converted, "windows-1252"
		}
	}
	f := detect(data)
	if f == nil {
		return Result{}, fmt.Errorf("%s: %w (expected an agenda as text, PDF, FirstAgenda JSON or saved page, an SBSYS/Acadre/eDoc package, a dagsorden package, or reading material as text or a web page)", name, ErrUnknownFormat)
	}
	res.Format = f.Name
	p, err := f.Parse(name, data)
	if err != nil && f.Fallback != nil {
		// Readable, but no agenda in it: reading material, not an error. The agenda
		// importer's error is the one to show when the text cannot be read either.
		if fp, ferr := f.Fallback(name, data); ferr == nil && len(fp.Documents) > 0 {
			p, err = fp, nil
		}
	}
	if err != nil {
		return Result{}, err
	}
	if len(p.Meetings) == 0 && len(p.Documents) == 0 {
		return Result{}, fmt.Errorf("%s holds no meeting and no document", name)
	}
	res.Package = p
	res.ReadingMaterial = len(p.Meetings) == 0
	return res, nil
}

// LegacyText reports whether data is text in a single-byte Windows or ISO Latin character
// set rather than UTF-8: not valid UTF-8, no NUL, no more control characters than text
// has, and the bytes above 127 are ones Windows-1252 defines (Latin-1's letters are the same
// bytes). XML, which declares its own encoding, and binary formats are left alone.
func LegacyText(data []byte) bool {
	head := data[:min(len(data), 64<<10)]
	if utf8.Valid(head) && (len(data) == len(head) || utf8.Valid(data)) {
		return false
	}
	trim := bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(trim, []byte("<?xml")) || bytes.HasPrefix(trim, []byte("%PDF")) || bytes.HasPrefix(trim, []byte("PK\x03\x04")) {
		return false
	}
	high, ctrl := 0, 0
	for _, b := range head {
		switch {
		case b == 0:
			return false
		case b == 0x81 || b == 0x8d || b == 0x8f || b == 0x90 || b == 0x9d:
			return false // undefined in Windows-1252: not text in it
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f':
			ctrl++
		case b >= 0x80:
			high++
		}
	}
	return high > 0 && ctrl*100 <= len(head) && high*3 <= len(head)
}
