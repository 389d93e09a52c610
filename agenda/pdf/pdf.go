// Package pdf imports agendas and minutes that reach the member as PDF (KL's and the KKRs'
// agendas, any municipality's "Hent som PDF", Acadre's and eDoc's printed agendas), and
// extracts the text of attachment PDFs page by page for search.
//
// The text comes out with its page structure: lines in reading order from the glyphs'
// positions (words and table columns told apart by the gaps between them), paragraph gaps
// kept as blank lines, running headers, footers and page numbers recognised and dropped.
// The agenda text importer (agenda/kltext) then reads the meeting from it, whichever of the
// common Danish layouts it is in.
//
// github.com/ledongthuc/pdf (pure Go) reads the file structure, decryption, stream filters
// and simple fonts' encodings. Text extraction itself is done here: the library's
// interpreter loses the font on Q and stops at inline images, and its text runs carry no
// widths for composite fonts, so words and columns could not be told apart.
//
// The package is pure: bytes in, text or agenda types out. It reads no files and makes no
// network calls. It never panics on bad input: every failure, the library's included, is
// an *Error whose message is one sentence. It does not OCR: a scanned PDF is an error, not
// an empty meeting.
package pdf

import (
	"bytes"
	"errors"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/kltext"
)

// Format is the Source.Format of meetings this package imports.
const Format = "pdf"

// Sniff reports whether data is a PDF: it starts with "%PDF-".
func Sniff(data []byte) bool { return bytes.HasPrefix(data, []byte("%PDF-")) }

// Parse reads the agenda or minutes in a PDF as one meeting. name is the file name, used
// in messages and as Source.Path.
//
// The layout is read from how the PDF sets its text as well as from the text: headings
// are the lines set larger or bolder than the body, the outline names the items when
// there is one, and running headers and footers are the lines whose text repeats in the
// same place page after page. A readable PDF in which no agenda is found is not an
// error: it comes back as reading material, a Document with a section a page, and
// ReadingMaterial reports that. Only a PDF that cannot be read (not a PDF, damaged,
// encrypted, scanned, too large) is an error.
func Parse(name string, data []byte) (pkg agenda.Package, err error) {
	defer func() {
		// The extractor recovers its own panics; this is the last guard for the text
		// importer and anything not foreseen.
		if r := recover(); r != nil {
			e := recovered(r)
			e.Name = name
			pkg, err = agenda.Package{}, e
		}
	}()
	x, err := extractAll(name, data, true)
	if err != nil {
		return agenda.Package{}, err
	}
	pkg, err = kltext.ParseLines(name, x.agendaLines())
	if errors.Is(err, kltext.ErrNoItems) {
		return agenda.Package{Documents: []agenda.Document{x.readingMaterial(name)}}, nil
	}
	if err != nil {
		return agenda.Package{}, err
	}
	for i := range pkg.Meetings {
		pkg.Meetings[i].Source.Format = Format
	}
	return pkg, nil
}

// ReadingMaterial reports whether Parse found no agenda in the PDF and returned it as
// reading material: a package of one Document whose source format is this package's.
// (Parse makes documents only so.)
func ReadingMaterial(pkg agenda.Package) bool {
	return len(pkg.Meetings) == 0 && len(pkg.Documents) == 1 && pkg.Documents[0].Source.Format == Format
}

// PageTexts returns the text of each page of a PDF, for attachment text and search: the
// same extraction as Parse, one string per page (an empty string for a page without
// text). A PDF without any text (a scan) is an error of kind ErrScanned; the errors are
// *Error values whose sentence says "the PDF", for the caller to name the attachment.
func PageTexts(data []byte) (texts []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			texts, err = nil, recovered(r)
		}
	}()
	return read("", data, false)
}
