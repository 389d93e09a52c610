// Package importer recognises an input's format from its content and hands it to the
// importer for that format. It is pure like the importers: bytes in, agenda types out.
package importer

import (
	"bytes"
	"errors"
	"fmt"

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
}

// Formats in the order they are tried: specific before general, plain text last.
var Formats = []Format{
	{"dagsorden", native.Sniff, native.Parse},
	{"pdf", pdf.Sniff, pdf.Parse},
	{"firstagenda", firstagenda.Sniff, firstagenda.Parse},
	{"sbsys", sbsys.Sniff, sbsys.Parse},
	{"acadre", acadre.Sniff, acadre.Parse},
	{"edoc", edoc.Sniff, edoc.Parse},
	{"kl-text", kltext.Sniff, kltext.Parse},
	{"text", document.Sniff, document.Parse},
}

// ErrUnknownFormat is returned for inputs no importer recognises.
var ErrUnknownFormat = errors.New("not a format dagsorden reads")

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
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return agenda.Package{}, fmt.Errorf("%s is empty", name)
	case len(data) > MaxSize:
		return agenda.Package{}, fmt.Errorf("%s is %d MB; dagsorden reads inputs of at most %d MB", name, len(data)>>20, MaxSize>>20)
	}
	f := detect(data)
	if f == nil {
		return agenda.Package{}, fmt.Errorf("%s: %w (expected an agenda as text, PDF, FirstAgenda JSON, an SBSYS/Acadre/eDoc package or a dagsorden package)", name, ErrUnknownFormat)
	}
	p, err := f.Parse(name, data)
	if err != nil {
		return agenda.Package{}, err
	}
	if len(p.Meetings) == 0 && len(p.Documents) == 0 {
		return agenda.Package{}, fmt.Errorf("%s holds no meeting and no document", name)
	}
	return p, nil
}
