package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/internal/shared"
	bolt "go.etcd.io/bbolt"
)

var bin string

// testPassphrase opens the stores of these tests.
const testPassphrase = "korrekt hest batteri hæfteklamme"

// TestMain builds the real binary once: these tests run dagsorden as a user would, as a
// separate process with its own exit code.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dagsorden-bin-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "dagsorden")
	// Every dagsorden these tests run (here and in the other test files) opens its store
	// with this passphrase, never the OS keyring, and keeps the key for the "session" in
	// a folder of its own: the first command of a store derives the key, the rest find it.
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		panic(err)
	}
	os.Setenv("DAGSORDEN_PASSPHRASE", testPassphrase)
	os.Setenv("DAGSORDEN_KEYRING", "off")
	os.Setenv("XDG_RUNTIME_DIR", run)
	// Built without -race even under -race: these tests exercise the process boundary
	// (exit codes, locking, files); the packages' own tests run under the race detector.
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func dagsorden(t *testing.T, data string, args ...string) result {
	t.Helper()
	return dagsordenEnv(t, nil, append([]string{"--data", data}, args...)...)
}

func mustRun(t *testing.T, data string, args ...string) string {
	t.Helper()
	r := dagsorden(t, data, args...)
	if r.code != 0 {
		t.Fatalf("dagsorden %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

type export struct {
	Meetings []struct {
		ID, Body, Kind, Title, Start, End, Location, Premeeting string
		Items                                                   []struct {
			ID, Number, Title string
			CaseNumber        string `json:"case_number"`
			Closed            bool
			Sections          []struct{ Heading, Text string }
			Recommendations   []struct {
				Index int
				Text  string
			}
			Decision    string
			Attachments []struct{ ID, Title, URL string }
		}
	}
	Documents []struct {
		ID, Title, Date string
		Sections        []struct{ Heading, Text string }
	}
	Notes []struct {
		ID             string
		MeetingID      string `json:"meeting_id"`
		ItemID         string `json:"item_id"`
		Recommendation *int
		Stance, Text   string
		Visibility     string
		Status         string
		Created        string
		Updated        string
	}
}

func exportOf(t *testing.T, data string) (export, string) {
	t.Helper()
	out := mustRun(t, data, "export", "--json")
	var e export
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out[:min(len(out), 500)])
	}
	return e, out
}

// Every command has a --help (fang styles it: its sections are titled in capitals), and
// asking for it is no error.
func TestHelpOnEveryCommand(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{{"--help"}, {"import", "--help"}, {"export", "--help"}, {"note", "--help"}, {"note", "add", "--help"}, {"note", "list", "--help"}} {
		r := dagsorden(t, data, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "USAGE") || r.stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := dagsorden(t, data, "frobnicate"); r.code != exitUsage || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", r.code, r.stderr)
	}
	if r := dagsorden(t, data, "import"); r.code != exitUsage {
		t.Errorf("import without paths: exit %d", r.code)
	}
}

func TestDemoPrintsTheExampleWhenNotATerminal(t *testing.T) {
	r := dagsorden(t, t.TempDir(), "--demo")
	if r.code != 0 || !strings.Contains(r.stdout, "Fjordby") || !strings.Contains(r.stdout, "lukket") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestImportKKRAgenda(t *testing.T) {
	seed := shared.Path(t, "seeds", "001_147b9d108b7927a9.txt")
	data := t.TempDir()
	out := mustRun(t, data, "import", seed)
	if !strings.Contains(out, "KKR Hovedstaden") || !strings.Contains(out, "11 items") {
		t.Errorf("import line: %q", out)
	}
	e, _ := exportOf(t, data)
	if len(e.Meetings) != 1 {
		t.Fatalf("meetings = %d", len(e.Meetings))
	}
	m := e.Meetings[0]
	if m.Body != "KKR Hovedstaden" || m.Location != "Glostrup Park Hotel, Hovedvejen 41, 2600 Glostrup" {
		t.Errorf("body %q location %q", m.Body, m.Location)
	}
	if m.Start != "2023-04-21T10:00:00+02:00" || m.Premeeting != "2023-04-21T09:00:00+02:00" {
		t.Errorf("start %q premeeting %q", m.Start, m.Premeeting)
	}
	want := []struct {
		number, caseNo string
		recs, atts     int
	}{
		{"1.1", "SAG-2022-05229", 1, 0}, {"1.2", "SAG-2022-05229", 1, 0}, {"2.1", "SAG-2022-05229", 0, 0},
		{"3.1", "SAG-2023-01182", 2, 0}, {"3.2", "SAG-2023-01182", 1, 1}, {"3.3", "SAG-2023-01182", 2, 2},
		{"3.4", "SAG-2023-01182", 1, 2}, {"3.5", "SAG-2023-01182", 2, 1}, {"4.1", "SAG-2023-01182", 1, 0},
		{"5.1", "SAG-2022-03160", 0, 0}, {"6", "", 0, 0},
	}
	if len(m.Items) != len(want) {
		t.Fatalf("items = %d, want %d", len(m.Items), len(want))
	}
	for i, w := range want {
		it := m.Items[i]
		if it.Number != w.number || it.CaseNumber != w.caseNo || len(it.Recommendations) != w.recs || len(it.Attachments) != w.atts {
			t.Errorf("item %d: number %q case %q recs %d atts %d; want %+v", i, it.Number, it.CaseNumber, len(it.Recommendations), len(it.Attachments), w)
		}
	}
	// Importing the same file again changes nothing.
	_, before := exportOf(t, data)
	if out := mustRun(t, data, "import", seed); !strings.Contains(out, "unchanged") {
		t.Errorf("re-import said %q", out)
	}
	if _, after := exportOf(t, data); after != before {
		t.Error("re-importing the same agenda changed the export")
	}
}

func TestImportReadingMaterial(t *testing.T) {
	data := t.TempDir()
	var seeds []string
	for _, s := range []string{"000_e436054878241b4b.txt", "002_cd004b4ce17a1a55.txt", "003_c852b11768673639.txt", "004_8bc79fa394dd768f.txt"} {
		seeds = append(seeds, shared.Path(t, "seeds", s))
	}
	mustRun(t, data, append([]string{"import"}, seeds...)...)
	e, _ := exportOf(t, data)
	if len(e.Meetings) != 0 || len(e.Documents) != 4 {
		t.Fatalf("meetings %d documents %d, want 0 and 4", len(e.Meetings), len(e.Documents))
	}
	for _, d := range e.Documents {
		if len(d.Title) < 10 || len(d.Sections) == 0 {
			t.Errorf("document %q has %d sections", d.Title, len(d.Sections))
		}
	}
}

func TestImportAllGreveMeetings(t *testing.T) {
	dir := shared.Path(t, "samples", "firstagenda", "greve")
	data := t.TempDir()
	mustRun(t, data, "import", dir)
	e, _ := exportOf(t, data)
	if len(e.Meetings) != 288 {
		t.Fatalf("meetings = %d, want 288", len(e.Meetings))
	}
	items, closed := 0, 0
	for _, m := range e.Meetings {
		for _, it := range m.Items {
			items++
			if it.Closed {
				closed++
			}
			for _, s := range it.Sections {
				if strings.Contains(s.Text, "</") || strings.Contains(s.Text, "<div") || strings.Contains(s.Text, "<p>") {
					t.Fatalf("item %s %q has raw HTML in %q", it.Number, it.Title, s.Heading)
				}
			}
		}
	}
	if items != 4292 || closed != 302 {
		t.Errorf("items %d closed %d, want 4292 and 302", items, closed)
	}
}

func TestNoteSurvivesReimport(t *testing.T) {
	seed := shared.Path(t, "seeds", "001_147b9d108b7927a9.txt")
	data := t.TempDir()
	mustRun(t, data, "import", seed)
	e, _ := exportOf(t, data)
	var itemID string
	for _, it := range e.Meetings[0].Items {
		if it.Number == "3.1" {
			itemID = it.ID
		}
	}
	mustRun(t, data, "note", "add", itemID, "--rec", "1", "--stance", "imod", "--text", "Hvad koster det?")
	mustRun(t, data, "import", seed)

	// The secretariat re-publishes with 3.1's second recommendation reworded.
	src, err := os.ReadFile(seed)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), "- Giver KKR Hovedstadens fælles input til de to regionale indspil.",
		"- Giver KKR Hovedstadens fælles input til de to regionale indspil og til Bornholms.", 1)
	if edited == string(src) {
		t.Fatal("the seed no longer has the sentence this test edits")
	}
	f := filepath.Join(t.TempDir(), "v2.txt")
	os.WriteFile(f, []byte(edited), 0o600)
	mustRun(t, data, "import", f)

	var notes []struct {
		ItemID         string `json:"item_id"`
		Recommendation *int
		Stance, Status string
		Text           string
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "note", "list", "--json")), &notes); err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 {
		t.Fatalf("notes = %d", len(notes))
	}
	n := notes[0]
	if n.ItemID != itemID || n.Recommendation == nil || *n.Recommendation != 1 || n.Stance != "against" || n.Status != "changed" || n.Text != "Hvad koster det?" {
		t.Errorf("note after re-publication: %+v", n)
	}
}

// Bad inputs: one clear sentence naming the file, non-zero exit, store unchanged.
func TestBadInputsLeaveStoreUnchanged(t *testing.T) {
	data := t.TempDir()
	seed := shared.Path(t, "seeds", "001_147b9d108b7927a9.txt")
	mustRun(t, data, "import", seed)
	_, before := exportOf(t, data)

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	greve, _ := os.ReadFile(filepath.Join(shared.Dir(t), "samples", "firstagenda", "greve", "2022-01-10_oekonomiudvalget_e049b9bf.json"))
	var huge bytes.Buffer
	huge.WriteString(`{"Id":"x","Udvalg":{"Navn":"U"},"Moede":{"Dato":"2022-01-10T07:45:00+01:00"},"Dagsordenpunkter":[`)
	for i := range 100000 {
		if i > 0 {
			huge.WriteByte(',')
		}
		huge.WriteString(`{"Id":"` + strings.Repeat("a", 8) + `","Navn":"Punkt","Punktnummer":"1","Sorting":1}`)
	}
	huge.WriteString(`]}`)
	mixed := filepath.Join(dir, "mixed")
	os.Mkdir(mixed, 0o700)
	os.WriteFile(filepath.Join(mixed, "good.txt"), mustRead(t, seed), 0o600)
	os.WriteFile(filepath.Join(mixed, "bad.json"), greve[:len(greve)/2], 0o600)

	cases := map[string]string{
		"empty":             write("empty.txt", nil),
		"binary garbage":    write("garbage.bin", []byte("\x00\x01\x02\xff\xfe\x89PNG\x00\x00garbage")),
		"truncated JSON":    write("truncated.json", greve[:len(greve)/2]),
		"not text":          write("noise.txt", []byte("\x81\x8d\x8f\x90 \xff\xfe\xfd\n")),
		"50 MB text":        write("big.txt", bytes.Repeat([]byte("Det indstilles, at udvalget godkender. "), 50<<20/39)),
		"100,000 items":     write("huge.json", huge.Bytes()),
		"dir with bad file": mixed,
		"missing file":      filepath.Join(dir, "does-not-exist.txt"),
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			r := dagsorden(t, data, "import", path)
			if r.code == 0 {
				t.Fatalf("exit 0 for a bad input\n%s", r.stdout)
			}
			msg := strings.TrimSpace(r.stderr)
			if msg == "" || strings.Contains(msg, "panic") || strings.Contains(msg, "goroutine") {
				t.Fatalf("message %q", msg)
			}
			if name != "missing file" && name != "dir with bad file" && !strings.Contains(msg, filepath.Base(path)) {
				t.Errorf("message does not name the file: %q", msg)
			}
			if _, after := exportOf(t, data); after != before {
				t.Fatal("a failed import changed the store")
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A process that holds the store's lock for long makes another give up within about
// two seconds with one sentence; it never hangs.
func TestLockedStoreGivesUpWithASentence(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	db, err := bolt.Open(filepath.Join(data, "dagsorden.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, args := range [][]string{{"export", "--json"}, {"import", shared.Path(t, "seeds", "003_c852b11768673639.txt")}, {"note", "list"}} {
		start := time.Now()
		r := dagsorden(t, data, args...)
		took := time.Since(start)
		if r.code == 0 || !strings.Contains(r.stderr, "another dagsorden is busy") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if took > 4*time.Second {
			t.Errorf("%v took %v to give up", args, took)
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
			t.Errorf("%v: want one sentence, got %d lines: %q", args, n+1, r.stderr)
		}
	}
}

// ESDH packages import with the item counts their XML states, and two publications of
// the same eDoc meeting in one import become one meeting at its newer version.
func TestImportESDHPackages(t *testing.T) {
	data := t.TempDir()
	s := shared.Dir(t)
	mustRun(t, data, "import",
		filepath.Join(s, "samples", "edoc-fujitsu", "2017-04-21_122403_e9117c72.xml"), // newer first
		filepath.Join(s, "samples", "edoc-fujitsu", "2017-04-21_120048_41a93779.xml"),
		filepath.Join(s, "samples", "sbsys", "Publication32.zip"),
		filepath.Join(s, "samples", "acadre", "3687981.XML"))
	e, _ := exportOf(t, data)
	items := map[string]int{}
	for _, m := range e.Meetings {
		items[m.Body] = len(m.Items)
	}
	want := map[string]int{"Hennys testudvalg": 6, "KMB IT-udvalget": 5, "Udvalget for plan, udvikling og kultur (PUK)": 1}
	if len(e.Meetings) != 3 {
		t.Fatalf("meetings %v, want %v", items, want)
	}
	for body, n := range want {
		if items[body] != n {
			t.Errorf("%s: %d items, want %d", body, items[body], n)
		}
	}
}
