package pdf

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/agenda/firstagenda"
	"github.com/dagsorden/dagsorden/internal/shared"
)

// greveAsPDF prints a meeting as FirstAgenda's "Hent som PDF" does (the layout of
// firstAgendaPDF): the real content of a real meeting, in the print layout.
func greveAsPDF(m agenda.Meeting) []byte {
	ts := newTypeset(10)
	ts.header = func(n, of int) []tline {
		if n == 1 {
			return nil
		}
		return []tline{
			{x: marginL, y: 805, size: 8, text: m.Body.Name + " - " + m.Start.Format("02-01-2006"), font: "F1"},
			{x: 470, y: 30, size: 8, text: fmt.Sprintf("Side %d af %d", n, of), font: "F1"},
		}
	}
	kind := map[agenda.Kind]string{agenda.KindAgenda: "DAGSORDEN", agenda.KindMinutes: "REFERAT",
		agenda.KindExtraordinary: "EKSTRAORDINÆR DAGSORDEN", agenda.KindSupplementary: "TILLÆGSDAGSORDEN"}[m.Kind]
	ts.para(kind+" "+m.Body.Name+" d. "+m.Start.Format("02-01-2006"), true, 18, 0)
	ts.gap(20)
	ts.line("Mødedato", true, 11, 0)
	ts.line(m.Start.Format("02-01-2006")+" kl. "+m.Start.Format("15:04"), false, 10, 0)
	if m.Location != "" {
		ts.line("Mødested", true, 11, 0)
		ts.para(m.Location, false, 10, 0)
	}
	ts.newPage()
	ts.line("Indholdsfortegnelse", true, 14, 0)
	for _, it := range m.Items {
		title := "Punkt " + it.Number + ": " + printedTitle(it)
		if r := []rune(title); len(r) > 62 {
			title = string(r[:62])
		}
		ts.line(title, false, 10, 0)
	}
	for i := range m.Items {
		ts.cur = append(ts.cur, tline{x: 480, y: ts.y, size: 10, text: fmt.Sprint(3 + i), font: "F1"})
		ts.y -= 12.5
		if ts.y < bottomLimit {
			ts.newPage()
		}
	}
	for _, it := range m.Items {
		ts.newPage()
		ts.para("Punkt "+it.Number+": "+printedTitle(it), true, 14, 0)
		if it.CaseNumber != "" {
			ts.line(it.CaseNumber, false, 10, 0)
		}
		if it.Decision != "" {
			ts.gap(8)
			ts.line("Beslutninger", true, 11, 0)
			printMarkdown(ts, it.Decision)
		}
		for _, s := range it.Sections {
			if s.Heading == "Bilag" || strings.HasPrefix(s.Heading, "Beslutning") {
				continue
			}
			ts.gap(8)
			ts.line(s.Heading, true, 11, 0)
			printMarkdown(ts, s.Text)
		}
		if len(it.Attachments) > 0 {
			ts.gap(8)
			ts.line("Bilag", true, 11, 0)
			for _, a := range it.Attachments {
				ts.wrapped(a.Title, false, 10, 0)
			}
		}
	}
	return ts.pdf()
}

// printedTitle is an item's title as the print shows it: a closed item's with "Lukket: ".
func printedTitle(it agenda.Item) string {
	if it.Closed && !strings.HasPrefix(it.Title, "Lukket") {
		return "Lukket: " + it.Title
	}
	return it.Title
}

// printMarkdown sets a section's Markdown as print: paragraphs wrapped, list items one
// a line with their marker, emphasis and headings as plain text.
func printMarkdown(ts *typeset, md string) {
	for _, para := range strings.Split(md, "\n\n") {
		for _, l := range strings.Split(para, "\n") {
			l = strings.TrimRight(strings.NewReplacer("**", "", "\\", "", "#", "").Replace(l), " ")
			if strings.TrimSpace(l) == "" {
				continue
			}
			indent := float64(len(l)-len(strings.TrimLeft(l, " "))) * 3
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ") {
				l = "• " + l[2:]
			}
			ts.para(l, false, 10, indent)
		}
	}
}

var bilagNumberRe = regexp.MustCompile(`^(?i:bilag)\s+\d{1,3}\s*[:.\-–]\s*`)

// latin1Only: the test's fonts are WinAnsi; a title with other letters would print as
// "?" and not be the same title.
func latin1Only(s string) bool {
	for _, r := range s {
		if r > 0xff && r != '–' && r != '•' {
			return false
		}
	}
	return true
}

// TestGreveAsPDF: Greve's meetings (real titles, case numbers, closed items, attachments
// and recommendations from dagsordener.greve.dk), printed in FirstAgenda's PDF layout,
// import from the PDF with the same items as from the JSON. Every twelfth meeting runs
// by default (DAGSORDEN_ALL_GREVE=1 for all 288: 264 print in WinAnsi, 4,168 items, 299
// closed; there 2 items differed in title or case number, 102 in attachments and 202 in
// the number of recommendations).
//
// Numbers, titles, case numbers and closed items must agree. Where print is ambiguous
// the PDF cannot tell, so some differences stay: an attachment title that ends at the
// right margin reads as wrapping onto the next, and an Indstilling printed from the
// JSON's HTML may split differently (a sentence the JSON importer leaves unsplit, a
// sub-heading that print shows as a line).
func TestGreveAsPDF(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(shared.Path(t, "samples", "firstagenda", "greve"), "*.json"))
	if len(files) == 0 {
		t.Skip("no Greve samples")
	}
	if os.Getenv("DAGSORDEN_ALL_GREVE") == "" {
		var some []string
		for i := 0; i < len(files); i += 12 {
			some = append(some, files[i])
		}
		files = some
	}
	if testing.Short() {
		files = files[:min(4, len(files))]
	}
	meetings, items, closed, recs, atts := 0, 0, 0, 0, 0
	badID, badAtts, badRecs := 0, 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := firstagenda.Parse(filepath.Base(f), data)
		if err != nil {
			t.Fatal(err)
		}
		want := pkg.Meetings[0]
		if len(want.Items) == 0 {
			continue
		}
		skip := false
		for _, it := range want.Items {
			skip = skip || !latin1Only(it.Title)
		}
		if skip {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json") + ".pdf"
		got, err := Parse(name, greveAsPDF(want))
		if err != nil || len(got.Meetings) != 1 {
			t.Errorf("%s: %v (%d meetings)", name, err, len(got.Meetings))
			continue
		}
		m := got.Meetings[0]
		if m.Body.Name != want.Body.Name || !m.Start.Equal(want.Start) || m.Kind != want.Kind || len(m.Items) != len(want.Items) {
			t.Errorf("%s: meeting %q %v %s with %d items, want %q %v %s with %d", name, m.Body.Name, m.Start, m.Kind, len(m.Items), want.Body.Name, want.Start, want.Kind, len(want.Items))
			continue
		}
		meetings++
		for i, w := range want.Items {
			g := m.Items[i]
			var ga, wa []string
			for _, a := range g.Attachments {
				ga = append(ga, a.Title)
			}
			for _, a := range w.Attachments {
				// The text importers drop a "Bilag 2 -" numbering from a title.
				wa = append(wa, bilagNumberRe.ReplaceAllString(strings.Join(strings.Fields(strings.TrimSuffix(a.Title, ".")), " "), ""))
			}
			gt, wt := strings.TrimPrefix(g.Title, "Lukket: "), strings.TrimPrefix(w.Title, "Lukket: ")
			if g.Number != w.Number || agenda.NormalizeTitle(gt) != agenda.NormalizeTitle(wt) || g.CaseNumber != w.CaseNumber || g.Closed != w.Closed {
				badID++
				t.Logf("%s item %s: got %q case %q closed %v, want %q case %q closed %v", name, w.Number, g.Title, g.CaseNumber, g.Closed, w.Title, w.CaseNumber, w.Closed)
			}
			if strings.Join(ga, "|") != strings.Join(wa, "|") {
				badAtts++
			}
			if len(g.Recommendations) != len(w.Recommendations) {
				badRecs++
			}
			items++
			recs += len(w.Recommendations)
			atts += len(w.Attachments)
			if w.Closed {
				closed++
			}
		}
	}
	t.Logf("%d meetings, %d items (%d closed), %d recommendations, %d attachments; differ: %d in title, case or closed, %d in attachments, %d in recommendations",
		meetings, items, closed, recs, atts, badID, badAtts, badRecs)
	if badID*1000 > items || badAtts*100 > items*4 || badRecs*100 > items*8 {
		t.Errorf("too many items differ from the JSON")
	}
}
