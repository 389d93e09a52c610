// Package native reads dagsorden's own agenda package format: JSON with the domain
// model's field names and Markdown sections. It is how the bundled example is written and
// how a secretariat can hand-write a package. It is an importer like the others: bytes in,
// agenda types out, no I/O.
package native

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dagsorden/dagsorden/agenda"
)

// FormatTag is the value of the top-level "format" field.
const FormatTag = "dagsorden/1"

// MaxSize bounds an input: a hand-written package is small.
const MaxSize = 16 << 20

type file struct {
	Format    string            `json:"format"`
	Meetings  []agenda.Meeting  `json:"meetings"`
	Documents []agenda.Document `json:"documents"`
}

// Sniff reports whether data is a dagsorden package: a JSON object whose "format" is
// dagsorden's. It looks only at the first KiB.
func Sniff(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\ufeff"), []byte("{")) &&
		bytes.Contains(head, []byte(`"`+FormatTag+`"`))
}

// Parse reads a dagsorden package. Items without recommendations get them from their
// Indstilling section, so a hand-written package splits them like every other source.
func Parse(name string, data []byte) (agenda.Package, error) {
	if len(data) > MaxSize {
		return agenda.Package{}, fmt.Errorf("%s is %d MB; a dagsorden package is at most %d MB", name, len(data)>>20, MaxSize>>20)
	}
	if !utf8.Valid(data) {
		return agenda.Package{}, fmt.Errorf("%s is not valid UTF-8 text", name)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return agenda.Package{}, fmt.Errorf("%s is not a readable dagsorden package: %w", name, err)
	}
	if f.Format != FormatTag {
		return agenda.Package{}, fmt.Errorf("%s: format %q is not %q", name, f.Format, FormatTag)
	}
	if len(f.Meetings) == 0 && len(f.Documents) == 0 {
		return agenda.Package{}, errors.New(name + " holds no meeting and no document")
	}
	for i := range f.Meetings {
		m := &f.Meetings[i]
		if strings.TrimSpace(m.Body.Name) == "" || m.Start.IsZero() {
			return agenda.Package{}, fmt.Errorf("%s: meeting %d needs a body name and a start time", name, i+1)
		}
		m.Start = m.Start.In(agenda.Copenhagen)
		if m.Kind == "" {
			m.Kind = agenda.KindAgenda
		}
		if m.Source.Format == "" {
			m.Source.Format = "dagsorden"
		}
		m.Source.Path = name
		for j := range m.Items {
			it := &m.Items[j]
			if len(it.Recommendations) == 0 {
				for _, s := range it.Sections {
					if strings.EqualFold(s.Heading, "Indstilling") {
						it.Recommendations = agenda.Recommendations(s.Text)
					}
				}
			}
			for k := range it.Recommendations {
				it.Recommendations[k].Index = k
			}
		}
		agenda.AssignIDs(m)
	}
	for i := range f.Documents {
		d := &f.Documents[i]
		if d.ID == "" {
			d.ID = agenda.DocumentID(d, string(data))
		}
		d.Source.Path = name
	}
	return agenda.Package{Meetings: f.Meetings, Documents: f.Documents}, nil
}
