package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/dagsorden/dagsorden/internal/shared"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/keys"
)

// withEnv runs dagsorden with extra environment (later entries win).
func withEnv(t *testing.T, data string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", data}, args...)...)
	cmd.Env = append(append(os.Environ(), "DAGSORDEN_AUTHOR=test"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// inFiles returns the files under dir that hold s.
func inFiles(t *testing.T, dir, s string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// closedWord picks a closed item of the store with text, and a word of its text found in
// no open item and no title: what must not be readable in the file.
func closedWord(t *testing.T, data string) (text, word string) {
	t.Helper()
	var e struct {
		Meetings []struct {
			Items []struct {
				Title, Decision string
				Closed          bool
				Sections        []struct{ Heading, Text string }
				Recommendations []struct{ Text string }
			}
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "export", "--json")), &e); err != nil {
		t.Fatal(err)
	}
	public := map[string]bool{}
	var closed []string
	for _, m := range e.Meetings {
		for _, it := range m.Items {
			var b strings.Builder
			for _, s := range it.Sections {
				b.WriteString(s.Text + "\n")
			}
			for _, r := range it.Recommendations {
				b.WriteString(r.Text + "\n")
			}
			b.WriteString(it.Decision)
			for _, w := range strings.FieldsFunc(strings.ToLower(it.Title), notLetter) {
				public[w] = true
			}
			if it.Closed {
				closed = append(closed, b.String())
				continue
			}
			for _, w := range strings.FieldsFunc(strings.ToLower(b.String()), notLetter) {
				public[w] = true
			}
		}
	}
	for _, c := range closed {
		for _, w := range strings.FieldsFunc(strings.ToLower(c), notLetter) {
			if len([]rune(w)) >= 9 && !public[w] {
				return c, w
			}
		}
	}
	t.Fatal("no closed item with a word of its own in the sample")
	return "", ""
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// The store through the real binary: a Greve meeting with closed items, a note and a
// group. No file of the data folder holds the note, its distinctive word, the relay
// token, a group key, a closed item's text or a word only it has; export shows them.
func TestTheStoreIsEncryptedOnDisk(t *testing.T) {
	url, _ := startRelay(t)
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "samples", "firstagenda", "greve", "2022-05-09_oekonomiudvalget_9c3cc537.json"))
	e, _ := exportOf(t, data)
	text, word := closedWord(t, data)
	var open string
	for _, it := range e.Meetings[0].Items {
		if !it.Closed {
			open = it.ID
			break
		}
	}
	note := "Spørg borgmesteren om Kvistgaardsplanen før mødet"
	mustRun(t, data, "note", "add", open, "--text", note)
	mustRun(t, data, "group", "create", "A-gruppen", "--server", url)

	// From the session cache the commands filled: deriving the key here (argon2id, 64 MiB)
	// would raise this process's peak memory, which the children's Maxrss inherits.
	session, ok := keys.SessionCache()
	if !ok {
		t.Fatal("no session cache for the tests")
	}
	st, err := store.OpenWith(data, store.Options{Session: session})
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.Group("A-gruppen")
	st.Close()
	if err != nil || g.Token == "" || len(g.Keys) == 0 {
		t.Fatalf("group: %+v, %v", g, err)
	}
	// The sentence of the closed item that holds its own word (so no open item has it).
	line := ""
	for _, sn := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '\n' }) {
		if strings.Contains(strings.ToLower(sn), word) {
			line = strings.TrimSpace(sn)
			break
		}
	}
	secrets := map[string]string{
		"the note": note, "the note's word": "kvistgaardsplan", "the relay token": g.Token,
		"the group key": string(g.Keys[0].Key), "the private key": string(g.PrivateKey),
		"the closed item's text": line[:min(len(line), 60)], "the closed item's word": word,
	}
	for what, s := range secrets {
		if files := inFiles(t, data, s); len(files) > 0 {
			t.Errorf("%s (%q) is readable in %v", what, s, files)
		}
	}
	if len(inFiles(t, data, e.Meetings[0].Items[0].Title)) == 0 {
		t.Error("a public title is not in the file either: the check proves nothing")
	}
	out := mustRun(t, data, "export", "--json")
	for _, s := range []string{note, word} {
		if !strings.Contains(strings.ToLower(out), strings.ToLower(s)) {
			t.Errorf("export lacks %q", s)
		}
	}
	if hits := mustRun(t, data, "search", "kvistgaardsplanen"); !strings.Contains(hits, "Kvistgaardsplanen") {
		t.Errorf("search for the note's word: %s", hits)
	}
	if fi, err := os.Stat(filepath.Join(data, store.FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("store file: %v, %v", fi, err)
	}
}

// runDir is a new login session's runtime folder.
func runDir(t *testing.T) string {
	d := t.TempDir()
	if err := os.Chmod(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	return sha256.Sum256(mustRead(t, p))
}

// A wrong passphrase, or none, is one sentence and a non-zero exit, and changes nothing.
func TestWrongOrMissingPassphrase(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	path := filepath.Join(data, store.FileName)
	before := fileSum(t, path)
	noSession := "XDG_RUNTIME_DIR=" + runDir(t) // a new login session: nothing cached
	for name, env := range map[string][]string{
		"wrong":   {"DAGSORDEN_PASSPHRASE=forkert", noSession},
		"missing": {"DAGSORDEN_PASSPHRASE=", noSession},
	} {
		for _, args := range [][]string{{"note", "list"}, {"import", shared.Path(t, "seeds", "003_c852b11768673639.txt")}} {
			r := withEnv(t, data, env, args...)
			msg := strings.TrimSpace(r.stderr)
			if r.code != 1 || strings.Count(msg, "\n") > 0 {
				t.Errorf("%s %v: exit %d, %q", name, args, r.code, msg)
			}
			want := "does not open the store"
			if name == "missing" {
				want = "is encrypted and its key is not in this machine's keyring"
			}
			if !strings.Contains(msg, want) || strings.Contains(msg, "forkert") {
				t.Errorf("%s %v: %q", name, args, msg)
			}
		}
	}
	if fileSum(t, path) != before {
		t.Error("a refused command changed the store")
	}
	// The passphrase can be changed; then only the new one opens it.
	r := withEnv(t, data, []string{"DAGSORDEN_NEW_PASSPHRASE=ny og hemmelig"}, "passphrase")
	if r.code != 0 || !strings.Contains(r.stdout, "changed") {
		t.Fatalf("passphrase: %+v", r)
	}
	fresh := "XDG_RUNTIME_DIR=" + runDir(t)
	if r := withEnv(t, data, []string{"DAGSORDEN_PASSPHRASE=" + testPassphrase, fresh}, "note", "list"); r.code != 1 {
		t.Errorf("the old passphrase still opens the store: %+v", r)
	}
	if r := withEnv(t, data, []string{"DAGSORDEN_PASSPHRASE=ny og hemmelig", fresh}, "note", "list"); r.code != 0 {
		t.Errorf("the new passphrase: %+v", r)
	}
	if r := withEnv(t, data, []string{"DAGSORDEN_PASSPHRASE=", fresh}, "key", "status"); r.code != 0 || !strings.Contains(r.stdout, "cached for this session:   yes") || !strings.Contains(r.stdout, "passphrase set:            yes") {
		t.Errorf("key status from the session: %+v", r)
	}
	if r := withEnv(t, data, []string{fresh}, "lock"); r.code != 0 || !strings.Contains(r.stdout, "Forgot 1 key") {
		t.Errorf("lock: %+v", r)
	}
	if r := withEnv(t, data, []string{"DAGSORDEN_PASSPHRASE=", fresh}, "note", "list"); r.code != 1 {
		t.Errorf("after lock the store opened without the passphrase: %+v", r)
	}
}

// A store made before encryption is encrypted by the first command, which says where
// the backup is.
func TestAnOldStoreIsEncryptedByTheFirstCommand(t *testing.T) {
	data := t.TempDir()
	old := mustRead(t, filepath.Join("..", "..", "store", "testdata", "v3-plaintext.db"))
	if err := os.WriteFile(filepath.Join(data, store.FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	r := dagsorden(t, data, "note", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "Kvistgaardsplanen") {
		t.Fatalf("note list on the old store: %+v", r)
	}
	backups, _ := filepath.Glob(filepath.Join(data, store.FileName+".backup-*"))
	if len(backups) != 1 || !strings.Contains(r.stderr, backups[0]) {
		t.Errorf("backups %v, told %q", backups, r.stderr)
	}
	for _, s := range []string{"Kvistgaardsplanen", "relay-token-Hq7ZpX2vN4", "Vestervang", "PRIVATEKEY"} {
		if files := inFiles(t, data, s); len(files) > 0 {
			t.Errorf("%q is readable in %v after the migration", s, files)
		}
	}
	if r := dagsorden(t, data, "note", "list"); r.stderr != "" {
		t.Errorf("the second command says %q", r.stderr)
	}
	// The backup brings the store back as it was, encrypted.
	mustRun(t, data, "note", "add", "--text", "Efter opgraderingen", noteItem(t, data))
	if out := mustRun(t, data, "restore", backups[0]); !strings.Contains(out, "is restored") {
		t.Errorf("restore said %q", out)
	}
	if out := mustRun(t, data, "note", "list"); strings.Contains(out, "Efter opgraderingen") || !strings.Contains(out, "Kvistgaardsplanen") {
		t.Errorf("notes after the restore: %s", out)
	}
	for _, s := range []string{"Kvistgaardsplanen", "relay-token-Hq7ZpX2vN4"} {
		if files := inFiles(t, data, s); len(files) > 0 {
			t.Errorf("%q is readable in %v after the restore", s, files)
		}
	}
}

// noteItem is the id of an open item of the store.
func noteItem(t *testing.T, data string) string {
	t.Helper()
	e, _ := exportOf(t, data)
	for _, m := range e.Meetings {
		for _, it := range m.Items {
			if !it.Closed {
				return it.ID
			}
		}
	}
	t.Fatal("no open item")
	return ""
}

// Retention through the CLI: the Greve meetings are years old, so --closed-after 30d
// removes every closed item's texts, keeps the open items and the notes, and a sync or
// import later keeps them removed.
func TestPurgeClosedItems(t *testing.T) {
	data := t.TempDir()
	sample := shared.Path(t, "samples", "firstagenda", "greve", "2022-05-09_oekonomiudvalget_9c3cc537.json")
	mustRun(t, data, "import", sample)
	e, _ := exportOf(t, data)
	_, word := closedWord(t, data)
	var closedID, openID string
	for _, it := range e.Meetings[0].Items {
		if it.Closed && closedID == "" {
			closedID = it.ID
		}
		if !it.Closed && openID == "" {
			openID = it.ID
		}
	}
	mustRun(t, data, "note", "add", closedID, "--text", "Spørg til prisen")
	if r := dagsorden(t, data, "purge"); r.code != 1 || !strings.Contains(r.stderr, "--closed-after 30d") {
		t.Errorf("purge without a retention: %+v", r)
	}
	if r := dagsorden(t, data, "purge", "--closed-after", "soon"); r.code != 2 {
		t.Errorf("a bad --closed-after: %+v", r)
	}
	out := mustRun(t, data, "purge", "--closed-after", "30d")
	if !strings.Contains(out, "Removed the texts of") || !strings.Contains(out, "30 days") {
		t.Errorf("purge said %q", out)
	}
	check := func() {
		t.Helper()
		e, _ := exportOf(t, data)
		for _, it := range e.Meetings[0].Items {
			if it.Closed && (len(it.Sections) > 0 || len(it.Recommendations) > 0) {
				t.Errorf("closed item %s %s keeps its texts", it.Number, it.Title)
			}
			if it.ID == openID && len(it.Sections) == 0 {
				t.Error("the open item lost its texts")
			}
		}
		if strings.Contains(strings.ToLower(mustRun(t, data, "export", "--json")), word) {
			t.Errorf("the closed item's word %q is still in the export", word)
		}
		if !strings.Contains(mustRun(t, data, "note", "list"), "Spørg til prisen") {
			t.Error("the note on the closed item is gone")
		}
	}
	check()
	mustRun(t, data, "import", sample) // as a sync would
	check()
	if out := mustRun(t, data, "purge"); !strings.Contains(out, "No closed item") {
		t.Errorf("a second purge: %q", out)
	}
}

// restore reads a file the user names: anything but a backup of this store is refused
// with one sentence, and the store is unchanged.
func TestRestoreRefusesWhatIsNoBackup(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	path := filepath.Join(data, store.FileName)
	other := t.TempDir()
	mustRun(t, other, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	notBackup := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notBackup, []byte("no backup at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, path)
	for _, f := range []string{notBackup, filepath.Join(other, store.FileName), filepath.Join(t.TempDir(), "missing")} {
		r := dagsorden(t, data, "restore", f)
		msg := strings.TrimSpace(r.stderr)
		if r.code != 1 || msg == "" || strings.Contains(msg, "\n") {
			t.Errorf("restore %s: exit %d, %q", f, r.code, msg)
		}
	}
	if fileSum(t, path) != before {
		t.Error("a refused restore changed the store")
	}
}
