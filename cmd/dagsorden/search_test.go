package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// both runs a command through the binary: its output, or its standard error as the error.
func both(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	r := dagsorden(t, data, args...)
	if r.code != 0 {
		return r.stdout, errors.New(strings.TrimSpace(r.stderr))
	}
	return r.stdout, nil
}

// refused asserts that a command line is refused as a usage error: exit 2, a line on
// standard error, nothing on standard output.
func refused(t *testing.T, data string, args ...string) {
	t.Helper()
	r := dagsorden(t, data, args...)
	if r.code != exitUsage || r.stderr == "" || r.stdout != "" {
		t.Errorf("%v: exit %d, stdout %q, stderr %q; want a usage error", args, r.code, r.stdout, r.stderr)
	}
}

func TestSearchCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	e, _ := exportOf(t, data)
	var item35 string
	for _, it := range e.Meetings[0].Items {
		if it.Number == "3.5" {
			item35 = it.ID
		}
	}

	out, err := both(t, data, "search", "sundhedsklynger")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "item\t3.5 Temadrøftelse om sundhedsområdet") ||
		!strings.HasSuffix(lines[0], "\tKKR Hovedstaden 2023-04-21\t"+item35) {
		t.Fatalf("first hit:\n%s", out)
	}
	if !strings.HasPrefix(lines[1], "\t") || !strings.Contains(strings.ToLower(lines[1]), "[sundhedsklynge") {
		t.Errorf("snippet line %q does not mark the word", lines[1])
	}

	out, err = both(t, data, "search", "--json", "--limit", "2", "sundhedskl")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Query string
		Total int
		Hits  []struct {
			Kind, Title, Snippet, Meeting string
			ItemID                        string `json:"item_id"`
			MeetingID                     string `json:"meeting_id"`
			Recommendation                *int
			Matches                       [][2]int
			Score                         float64
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	hits := res.Hits
	if res.Query != "sundhedskl" || res.Total < 3 || len(hits) != 2 || hits[0].Kind != "item" || hits[0].ItemID != item35 || hits[0].MeetingID != e.Meetings[0].ID ||
		hits[0].Meeting != "KKR Hovedstaden 2023-04-21" || hits[0].Score <= hits[1].Score || len(hits[0].Matches) == 0 {
		t.Errorf("JSON %+v", res)
	}
	m := hits[0].Matches[0]
	if w := hits[0].Snippet[m[0]:m[1]]; !strings.HasPrefix(strings.ToLower(w), "sundhedskl") {
		t.Errorf("match %v is %q", m, w)
	}

	// Nothing found is not an error; no query is a usage error.
	if out, err := both(t, data, "search", "kvantecomputer"); err != nil || !strings.Contains(out, "Nothing found") {
		t.Errorf("no hits: %q, %v", out, err)
	}
	if out, err := both(t, data, "search", "--json", "kvantecomputer"); err != nil ||
		!strings.Contains(out, `"total": 0,`) || !strings.Contains(out, `"hits": []`) {
		t.Errorf("no hits as JSON: %q, %v", out, err)
	}
	refused(t, data, "search")
	for _, args := range [][]string{{"--limit", "0", "x"}, {"--offset", "-1", "x"}, {"--body", "KKR", "x"}} {
		refused(t, data, append([]string{"search"}, args...)...)
	}
}

// The acceptance of issue 12 §4: on a store with the 288 Greve samples and seed 001, the
// member's note "Spørg til finansieringen" is the first hit of "finansieringen", and
// the JSON says how many hits there are in all. Through the binary, as a member runs it.
func TestSearchFinansieringenListsTheMembersNoteFirst(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "samples", "firstagenda", "greve"), shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	mustRun(t, data, "note", "add", "--meeting", "2023-04-21", "--item", "3.1", "--text", "Spørg til finansieringen")
	var res struct {
		Total int
		Hits  []struct {
			Kind, Title, Meeting string
			NoteID               string `json:"note_id"`
		}
	}
	out := mustRun(t, data, "search", "finansieringen", "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if res.Total < 300 || len(res.Hits) != 20 {
		t.Fatalf("total %d, %d hits: the Greve samples are not all in", res.Total, len(res.Hits))
	}
	total := res.Total
	if h := res.Hits[0]; h.Kind != "note" || h.NoteID == "" || h.Meeting != "KKR Hovedstaden 2023-04-21" ||
		!strings.HasPrefix(h.Title, "3.1 KKR Hovedstadens indspil") {
		t.Errorf("first hit %+v, want the note on 3.1", h)
	}
	// Then the items with the word in their title, before any text that only says it.
	for i, h := range res.Hits[1:6] {
		if h.Kind != "item" || !strings.Contains(strings.ToLower(h.Title), "finansiering") {
			t.Errorf("hit %d: %s %q", i+2, h.Kind, h.Title)
		}
	}

	// An exact title comes first too.
	out = mustRun(t, data, "search", "Budgetopfølgning 0 for 2023", "--json", "--limit", "3")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for i, h := range res.Hits[:2] {
		if _, title, _ := strings.Cut(h.Title, " "); title != "Budgetopfølgning 0 for 2023" {
			t.Errorf("hit %d: %q (%s)", i+1, h.Title, h.Meeting)
		}
	}

	// Within one meeting: by date (and body when several met that day), or by id.
	out = mustRun(t, data, "search", "--meeting", "2023-04-21", "finansieringen")
	first, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(first, "note\t3.1 KKR Hovedstadens indspil") {
		t.Errorf("within KKR's meeting:\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "\t") && !strings.Contains(line, "\tKKR Hovedstaden 2023-04-21") {
			t.Errorf("a hit from another meeting: %q", line)
		}
	}
	r := dagsorden(t, data, "search", "--meeting", "2022-13-01", "budget")
	if r.code == 0 || !strings.Contains(r.stderr, "2022-13-01") {
		t.Errorf("an unknown meeting: exit %d, %q", r.code, r.stderr)
	}

	// Text output says how many there are and how to see the next page.
	out = mustRun(t, data, "search", "finansieringen", "--limit", "5")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if len(lines) != 11 || !strings.HasPrefix(last, fmt.Sprintf("1–5 of %d hits; %d more with --offset 5", total, total-5)) {
		t.Errorf("footer %q (%d lines)", last, len(lines))
	}
}

func TestWatchCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))

	out, err := both(t, data, "watch", "list")
	if err != nil || !strings.Contains(out, "No watch words yet") {
		t.Errorf("empty list: %q, %v", out, err)
	}
	out, err = both(t, data, "watch", "add", "sundhedsklynger")
	if err != nil || !strings.HasPrefix(out, `watching "sundhedsklynger": `) || !strings.Contains(out, "item") {
		t.Errorf("add: %q, %v", out, err)
	}
	if _, err := both(t, data, "watch", "add", "Det", "nære", "sundhedsvæsen"); err != nil {
		t.Fatal(err)
	}
	out, err = both(t, data, "watch", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"sundhedsklynger": `) || !strings.Contains(out, `"Det nære sundhedsvæsen": `) ||
		!strings.Contains(out, "\n  KKR Hovedstaden · Dagsorden") || !strings.Contains(out, "\t3.5 Temadrøftelse") {
		t.Errorf("list:\n%s", out)
	}
	out, err = both(t, data, "watch", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Watches []string
		Hits    []struct {
			Watch, Title, Start string
			ItemID              string `json:"item_id"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(doc.Watches) != 2 || len(doc.Hits) < 2 || doc.Hits[0].Start != "2023-04-21T10:00:00+02:00" || doc.Hits[0].ItemID == "" {
		t.Errorf("JSON %+v", doc)
	}
	if out, err := both(t, data, "watch", "remove", "SUNDHEDSKLYNGER"); err != nil || !strings.Contains(out, "no longer watching") {
		t.Errorf("remove: %q, %v", out, err)
	}
	if _, err := both(t, data, "watch", "remove", "sundhedsklynger"); err == nil || !strings.Contains(err.Error(), "is not watched") {
		t.Errorf("removing an unwatched word: %v", err)
	}
	if _, err := both(t, data, "watch", "add", "og"); err == nil || !strings.Contains(err.Error(), "no word to watch") {
		t.Errorf("watching a stop word: %v", err)
	}
	refused(t, data, "watch")
	refused(t, data, "watch", "frob")
}

func TestSearchFindsAttachmentTextOfTheSBSYSPackage(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	out, err := both(t, data, "search", "prisgennemslag")
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(out, "\n"); !strings.HasPrefix(first, "attachment\t") ||
		!strings.Contains(first, " — Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud, page 2\t") {
		t.Errorf("hit:\n%s", out)
	}
}
