// Package example holds the bundled example meeting: a fictional city council meeting in
// realistic Danish, embedded in the binary for `dagsorden --demo` and the welcome screen.
package example

import (
	_ "embed"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/native"
)

//go:embed eksempel.json
var data []byte

// Name is the file name the example is imported under.
const Name = "eksempel.json"

// Data returns the example package's bytes, as a file would hold them.
func Data() []byte { return data }

// Package returns the example meeting. When now is after its date, the meeting is moved
// forward by whole weeks so the demo always shows an upcoming meeting on the same weekday.
func Package(now time.Time) (agenda.Package, error) {
	p, err := native.Parse(Name, data)
	if err != nil {
		return p, err
	}
	for i := range p.Meetings {
		m := &p.Meetings[i]
		weeks := 0
		for !m.Start.AddDate(0, 0, 7*weeks).After(now) {
			weeks++
		}
		if weeks > 0 {
			m.Start = m.Start.AddDate(0, 0, 7*weeks)
			if !m.End.IsZero() {
				m.End = m.End.AddDate(0, 0, 7*weeks)
			}
			if !m.Premeeting.IsZero() {
				m.Premeeting = m.Premeeting.AddDate(0, 0, 7*weeks)
			}
			m.Title = "Byrådets møde " + agenda.DanishDate(m.Start)
			agenda.AssignIDs(m)
		}
	}
	return p, nil
}
