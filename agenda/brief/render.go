package brief

import (
	"bytes"
	_ "embed"
	"html/template"
	"strings"
)

// Markdown renders the brief as Markdown that also reads well as plain text, so it can
// be pasted into a mail.
func Markdown(in Input) []byte {
	v := buildView(in)
	var b bytes.Buffer
	b.WriteString("# " + oneLine(v.Title) + "\n\n")
	for _, m := range v.Meta {
		b.WriteString(oneLine(m) + "  \n")
	}
	if v.Generated != "" {
		b.WriteString(v.Generated + "  \n")
	}
	for _, bl := range v.Blocks {
		rule(&b)
		if bl.Item == nil {
			b.WriteString("Uden noter:\n\n")
			for _, it := range bl.Quiet {
				b.WriteString("- " + oneLine(strings.TrimSpace(it.Number+" "+it.Title)))
				if it.Closed {
					b.WriteString(" (lukket punkt)")
				}
				b.WriteString("\n")
			}
			continue
		}
		it := bl.Item
		b.WriteString("## ")
		if it.Number != "" {
			b.WriteString(oneLine(it.Number) + " ")
		}
		b.WriteString(oneLine(it.Title) + "\n\n")
		var facts []string
		if it.CaseNumber != "" {
			facts = append(facts, "Sag "+oneLine(it.CaseNumber))
		}
		if it.Closed {
			facts = append(facts, "Lukket punkt")
		}
		if len(facts) > 0 {
			b.WriteString(strings.Join(facts, " · ") + "\n\n")
		}
		if it.ItemTally != "" {
			b.WriteString("Gruppen: " + it.ItemTally + "\n\n")
		}
		for _, r := range it.Recs {
			b.WriteString("### " + r.Label + "\n\n")
			b.WriteString(quote(r.Text) + "\n\n")
			if r.Tally != "" {
				b.WriteString("Gruppen: " + r.Tally)
				if r.Split {
					b.WriteString(" — gruppen er uenig")
				}
				b.WriteString("\n\n")
			}
			writeNotesMD(&b, r.Notes)
		}
		if len(it.ItemNotes) > 0 {
			b.WriteString("### Noter til punktet\n\n")
			writeNotesMD(&b, it.ItemNotes)
		}
	}
	if v.Left > 0 {
		rule(&b)
		b.WriteString(v.LeftOut() + "\n")
	}
	if len(v.Orphans) > 0 {
		rule(&b)
		b.WriteString("## Noter uden sted\n\n")
		writeNotesMD(&b, v.Orphans)
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// rule separates items with a horizontal rule and exactly one blank line around it.
func rule(b *bytes.Buffer) {
	for bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.Truncate(b.Len() - 1)
	}
	b.WriteString("\n\n---\n\n")
}

func writeNotesMD(b *bytes.Buffer, notes []noteView) {
	for _, nv := range notes {
		b.WriteString("- " + oneLine(nv.Who))
		if nv.Stance != "" {
			b.WriteString(" — " + nv.Stance)
		}
		if nv.Deleted || nv.Text != "" {
			b.WriteString(":")
		}
		if nv.Deleted {
			b.WriteString(" (slettet)")
		}
		if nv.Text != "" {
			lines := strings.Split(nv.Text, "\n")
			b.WriteString(" " + lines[0])
			for _, l := range lines[1:] {
				b.WriteString("\n  " + l)
			}
		}
		var marks []string
		if nv.Editor != "" {
			marks = append(marks, "rettet af "+oneLine(nv.Editor))
		}
		if nv.Conflict {
			marks = append(marks, "KONFLIKT: en af flere samtidige udgaver")
		}
		if nv.Status != "" {
			marks = append(marks, nv.Status)
		}
		if len(marks) > 0 {
			b.WriteString("\n  [" + strings.Join(marks, "; ") + "]")
		}
		b.WriteString("\n")
	}
	if len(notes) > 0 {
		b.WriteString("\n")
	}
}

// quote makes text a Markdown block quote, line by line.
func quote(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

//go:embed brief.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("brief").Parse(htmlSource))

// HTML renders the brief as one self-contained HTML page, print-ready on A4: its own
// CSS, items in one continuous flow (an item is not split across pages when it fits on
// one), notes formatted from their Markdown, every value escaped by html/template.
func HTML(in Input) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, buildView(in)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
