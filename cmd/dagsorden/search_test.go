package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// inProcess runs a command function the way run does, with the data folder given, and
// returns its output and error. search and watch are tested this way as well as through
// the binary, so their tests run before they are listed in commands().
func inProcess(t *testing.T, data string, cmd func(*env, []string) error, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, dataDir: data}
	err = cmd(e, args)
	return out.String(), errb.String(), err
}

// both runs a subcommand through the binary when it is registered, else in process.
func both(t *testing.T, data string, name string, cmd func(*env, []string) error, args ...string) (string, error) {
	t.Helper()
	if findCommand(name) != nil {
		r := dagsorden(t, data, append([]string{name}, args...)...)
		if r.code != 0 {
			return r.stdout, errors.New(strings.TrimSpace(r.stderr))
		}
		return r.stdout, nil
	}
	out, _, err := inProcess(t, data, cmd, args...)
	return out, err
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

	out, err := both(t, data, "search", cmdSearch, "sundhedsklynger")
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

	out, err = both(t, data, "search", cmdSearch, "--json", "--limit", "2", "sundhedskl")
	if err != nil {
		t.Fatal(err)
	}
	var hits []struct {
		Kind, Title, Snippet, Meeting string
		ItemID                        string `json:"item_id"`
		MeetingID                     string `json:"meeting_id"`
		Recommendation                *int
		Matches                       [][2]int
		Score                         float64
	}
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(hits) != 2 || hits[0].Kind != "item" || hits[0].ItemID != item35 || hits[0].MeetingID != e.Meetings[0].ID ||
		hits[0].Meeting != "KKR Hovedstaden 2023-04-21" || hits[0].Score <= hits[1].Score || len(hits[0].Matches) == 0 {
		t.Errorf("JSON hits %+v", hits)
	}
	m := hits[0].Matches[0]
	if w := hits[0].Snippet[m[0]:m[1]]; !strings.HasPrefix(strings.ToLower(w), "sundhedskl") {
		t.Errorf("match %v is %q", m, w)
	}

	// Nothing found is not an error; no query is a usage error.
	if out, err := both(t, data, "search", cmdSearch, "kvantecomputer"); err != nil || !strings.Contains(out, "Nothing found") {
		t.Errorf("no hits: %q, %v", out, err)
	}
	if out, err := both(t, data, "search", cmdSearch, "--json", "kvantecomputer"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("no hits as JSON: %q, %v", out, err)
	}
	if _, _, err := inProcess(t, data, cmdSearch); !errors.Is(err, errUsage) {
		t.Errorf("search without a query: %v", err)
	}
	if _, _, err := inProcess(t, data, cmdSearch, "--limit", "0", "x"); !errors.Is(err, errUsage) {
		t.Errorf("--limit 0: %v", err)
	}
}

func TestWatchCommand(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))

	out, err := both(t, data, "watch", cmdWatch, "list")
	if err != nil || !strings.Contains(out, "No watch words yet") {
		t.Errorf("empty list: %q, %v", out, err)
	}
	out, err = both(t, data, "watch", cmdWatch, "add", "sundhedsklynger")
	if err != nil || !strings.HasPrefix(out, `watching "sundhedsklynger": `) || !strings.Contains(out, "item") {
		t.Errorf("add: %q, %v", out, err)
	}
	if _, err := both(t, data, "watch", cmdWatch, "add", "Det", "nære", "sundhedsvæsen"); err != nil {
		t.Fatal(err)
	}
	out, err = both(t, data, "watch", cmdWatch, "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"sundhedsklynger": `) || !strings.Contains(out, `"Det nære sundhedsvæsen": `) ||
		!strings.Contains(out, "\n  KKR Hovedstaden · Dagsorden") || !strings.Contains(out, "\t3.5 Temadrøftelse") {
		t.Errorf("list:\n%s", out)
	}
	out, err = both(t, data, "watch", cmdWatch, "list", "--json")
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
	if out, err := both(t, data, "watch", cmdWatch, "remove", "SUNDHEDSKLYNGER"); err != nil || !strings.Contains(out, "no longer watching") {
		t.Errorf("remove: %q, %v", out, err)
	}
	if _, err := both(t, data, "watch", cmdWatch, "remove", "sundhedsklynger"); err == nil || !strings.Contains(err.Error(), "is not watched") {
		t.Errorf("removing an unwatched word: %v", err)
	}
	if _, err := both(t, data, "watch", cmdWatch, "add", "og"); err == nil || !strings.Contains(err.Error(), "no word to watch") {
		t.Errorf("watching a stop word: %v", err)
	}
	if _, _, err := inProcess(t, data, cmdWatch); !errors.Is(err, errUsage) {
		t.Errorf("watch without a subcommand: %v", err)
	}
	if _, _, err := inProcess(t, data, cmdWatch, "frob"); !errors.Is(err, errUsage) {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestSearchFindsAttachmentTextOfTheSBSYSPackage(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	out, err := both(t, data, "search", cmdSearch, "prisgennemslag")
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(out, "\n"); !strings.HasPrefix(first, "attachment\t") ||
		!strings.Contains(first, " — Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud, page 2\t") {
		t.Errorf("hit:\n%s", out)
	}
}
