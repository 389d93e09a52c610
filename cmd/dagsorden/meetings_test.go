package main

import (
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// The ids `note add` and `brief` need are found by name: `meetings` lists them, `agenda`
// lists a meeting's items, and both commands take a meeting by date (and body) and an
// item by number, so nobody has to dig in `export --json`.
func TestFindMeetingsAndItemsByName(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	mustRun(t, data, "import", shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	e, _ := exportOf(t, data)
	var kkrID, item31 string
	for _, m := range e.Meetings {
		if m.Body == "KKR Hovedstaden" {
			kkrID = m.ID
			for _, it := range m.Items {
				if it.Number == "3.1" {
					item31 = it.ID
				}
			}
		}
	}
	if kkrID == "" || item31 == "" {
		t.Fatalf("the KKR meeting or its item 3.1 is not in the export")
	}

	out := mustRun(t, data, "meetings")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], kkrID+"\t2023-04-21 10:00\tKKR Hovedstaden") || !strings.Contains(out, "11 items") {
		t.Errorf("meetings:\n%s", out)
	}
	if out := mustRun(t, data, "meetings", "--body", "kkr"); strings.Count(out, "\n") != 1 {
		t.Errorf("meetings --body kkr:\n%s", out)
	}

	out = mustRun(t, data, "agenda", "2023-04-21")
	if !strings.Contains(out, "3.1\t"+item31+"\t") || !strings.Contains(out, "6\t") || !strings.Contains(out, "(2 recommendations)") {
		t.Errorf("agenda 2023-04-21:\n%s", out)
	}
	if out2 := mustRun(t, data, "agenda", kkrID[:6]); out2 != out {
		t.Errorf("agenda by id prefix differs from agenda by date:\n%s", out2)
	}
	if r := dagsorden(t, data, "agenda", "1999-01-01"); r.code != 1 || !strings.Contains(r.stderr, "no meeting") {
		t.Errorf("agenda of a day without a meeting: exit %d, %q", r.code, r.stderr)
	}

	// note add by meeting date and item number lands on the same item as by id.
	mustRun(t, data, "note", "add", "--meeting", "21-04-2023", "--item", "3.1", "--rec", "1", "--stance", "imod", "--text", "Spørg til finansieringen")
	e, _ = exportOf(t, data)
	if len(e.Notes) != 1 || e.Notes[0].ItemID != item31 || e.Notes[0].Recommendation == nil || *e.Notes[0].Recommendation != 1 || e.Notes[0].Stance != "against" {
		t.Fatalf("the note is %+v", e.Notes)
	}
	for _, bad := range [][]string{
		{"note", "add", "--meeting", "2023-04-21", "--item", "9.9", "--text", "x"},
		{"note", "add", "--meeting", "2023-04-21", "--text", "x"},
		{"note", "add", item31, "--meeting", "2023-04-21", "--item", "3.1", "--text", "x"},
	} {
		r := dagsorden(t, data, bad...)
		if r.code == 0 || r.stderr == "" {
			t.Errorf("%v: exit %d, %q", bad, r.code, r.stderr)
		}
	}
	if e2, _ := exportOf(t, data); len(e2.Notes) != 1 {
		t.Errorf("a refused note add wrote a note")
	}

	// brief takes the meeting by date.
	out = mustRun(t, data, "brief", "2023-04-21")
	if !strings.Contains(out, "Spørg til finansieringen") || !strings.Contains(out, "KKR Hovedstaden") {
		t.Errorf("brief by date:\n%s", out)
	}
}
