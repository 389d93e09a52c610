package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// `meeting remove` takes one meeting out of a store of several, with notes on all of
// them: the others and their notes stay as they were, its notes stay as orphans (or go
// with --with-notes), and the file passes bbolt's check.
func TestMeetingRemove(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	mustRun(t, data, "import", shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	mustRun(t, data, "import", "../../agenda/example/eksempel.json")
	e, _ := exportOf(t, data)
	if len(e.Meetings) != 3 {
		t.Fatalf("%d meetings, want 3", len(e.Meetings))
	}
	var kkr, sbsys, example string
	var sbsysItem, exampleItem string
	for _, m := range e.Meetings {
		switch {
		case m.Body == "KKR Hovedstaden":
			kkr = m.ID
		case strings.Contains(m.Body, "Fjordby"):
			example, exampleItem = m.ID, m.Items[1].ID
		default:
			sbsys, sbsysItem = m.ID, m.Items[0].ID
		}
	}
	if kkr == "" || sbsys == "" || example == "" {
		t.Fatalf("meetings %q %q %q", kkr, sbsys, example)
	}
	mustRun(t, data, "note", "add", "--meeting", "2023-04-21", "--item", "3.1", "--rec", "1", "--stance", "imod", "--text", "Spørg til finansieringen")
	mustRun(t, data, "note", "add", "--meeting", "2023-04-21", "--item", "3.5", "--text", "Sundhedsklyngerne: hvem betaler?")
	mustRun(t, data, "note", "add", sbsysItem, "--stance", "for", "--text", "Godt forslag")
	mustRun(t, data, "note", "add", exampleItem, "--text", "Budgettet er fiktivt")
	before := map[string]string{}
	for _, id := range []string{sbsys, example} {
		before[id] = mustRun(t, data, "export", "--json", "--meeting", id)
	}

	out := mustRun(t, data, "meeting", "remove", "2023-04-21")
	if !strings.HasPrefix(out, "removed the meeting of KKR Hovedstaden on 2023-04-21 10:00 ("+kkr+"): 11 items") ||
		!strings.Contains(out, "kept 2 notes on it, orphaned") {
		t.Errorf("meeting remove said:\n%s", out)
	}
	if got := mustRun(t, data, "meetings"); strings.Contains(got, kkr) || strings.Count(got, "\n") != 2 {
		t.Errorf("meetings after the removal:\n%s", got)
	}
	for id, b := range before {
		if after := mustRun(t, data, "export", "--json", "--meeting", id); after != b {
			t.Errorf("meeting %s (and its notes) changed when another was removed", id)
		}
	}
	var notes []struct {
		ID, Text, Status string
		MeetingID        string `json:"meeting_id"`
		ItemNumber       string `json:"item_number"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "note", "list", "--json")), &notes); err != nil {
		t.Fatal(err)
	}
	orphans := 0
	for _, n := range notes {
		if n.MeetingID == kkr {
			orphans++
			if n.Status != "orphaned" || n.Text == "" {
				t.Errorf("a note on the removed meeting: %+v", n)
			}
		}
	}
	if len(notes) != 4 || orphans != 2 {
		t.Errorf("%d notes, %d orphaned; want all 4 kept, 2 orphaned", len(notes), orphans)
	}
	// The index has nothing of it left but the note on it.
	out = mustRun(t, data, "search", "sundhedsklynger", "--limit", "100")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "note\t") {
			t.Errorf("search after the removal finds %q; want only the note", line)
		}
	}
	if !strings.Contains(out, "note\t") {
		t.Errorf("search after the removal does not find the orphaned note:\n%s", out)
	}
	checkFile(t, data)

	// --with-notes takes the member's notes along; the last meeting stays as it was.
	out = mustRun(t, data, "meeting", "remove", example[:6], "--with-notes")
	if !strings.Contains(out, "removed 1 note on it") {
		t.Errorf("meeting remove --with-notes said:\n%s", out)
	}
	if got := mustRun(t, data, "note", "list"); strings.Contains(got, "fiktivt") || !strings.Contains(got, "Godt forslag") {
		t.Errorf("notes after --with-notes:\n%s", got)
	}
	if after := mustRun(t, data, "export", "--json", "--meeting", sbsys); after != before[sbsys] {
		t.Error("the last meeting changed")
	}
	checkFile(t, data)

	if r := dagsorden(t, data, "meeting", "remove", "1999-01-01"); r.code != exitError || !strings.Contains(r.stderr, "no meeting") {
		t.Errorf("removing a meeting that is not there: exit %d, %q", r.code, r.stderr)
	}
}

// checkFile runs bbolt's consistency check on the store file.
func checkFile(t *testing.T, data string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(data, "dagsorden.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Errorf("bbolt check: %v", err)
	}
}
