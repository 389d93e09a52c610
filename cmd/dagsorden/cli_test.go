package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// The command line as a member meets it (issue 12 §1): GNU flags, help once, usage errors
// on standard error with exit 2, --version, completions and a man page.

// dagsordenEnv runs the binary with extra environment and no --data of its own.
func dagsordenEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "DAGSORDEN_AUTHOR=test"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func TestHelpIsPrintedOnce(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{{"import", "--help"}, {"import", "-h"}, {"help", "import"}} {
		r := dagsorden(t, data, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		for _, once := range []string{"USAGE", "dagsorden import PATH… [--flags]", "--skip-bad  Import the readable", "--dry-run", "Everything is imported in one step"} {
			if n := strings.Count(r.stdout, once); n != 1 {
				t.Errorf("%v: %q is in the help %d times, want once:\n%s", args, once, n, r.stdout)
			}
		}
	}
	// -h and --help are one flag, listed once.
	r := dagsorden(t, data, "import", "--help")
	if n := strings.Count(r.stdout, "-h --help"); n != 1 || strings.Contains(r.stdout, "-help") && !strings.Contains(r.stdout, "--help") {
		t.Errorf("the help flag is listed %d times as -h --help:\n%s", n, r.stdout)
	}
}

func TestHelpShowsGNUFlags(t *testing.T) {
	r := dagsorden(t, t.TempDir(), "--help")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"--data", "--demo", "--lang", "--version", "import PATH…", "meeting", "completion", "man"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the help lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "-") && !strings.HasPrefix(f[0], "--") && len(f[0]) > 2 {
			t.Errorf("a single-dash long flag in the help: %q", line)
		}
	}
	// The old spelling is refused, and told how it is written now.
	data := t.TempDir()
	r = dagsordenEnv(t, nil, "-data", data, "meetings")
	if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "--data") {
		t.Errorf("-data: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// A flag may stand after the arguments, and --data after the command.
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	r = dagsordenEnv(t, nil, "agenda", "2023-04-21", "--data", data, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"body": "KKR Hovedstaden"`) {
		t.Errorf("agenda DATE --data D --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A wrong command line is a usage error: a sentence naming the command on standard
// error, a pointer to its --help, nothing on standard output, exit 2. Nothing is written.
func TestUsageErrors(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"imprt", "x"}, `did you mean "import"?`},
		{[]string{"import"}, "name at least one file or folder"},
		{[]string{"note"}, "name a subcommand: add, list"},
		{[]string{"note", "frob"}, `unknown subcommand "frob"`},
		{[]string{"note", "add", "--rec", "x", "ITEM"}, `invalid argument "x" for "--rec"`},
		{[]string{"note", "add", "--text", "x"}, "name the item"},
		{[]string{"agenda"}, "name one meeting"},
		{[]string{"agenda", "a", "b"}, "name one meeting"},
		{[]string{"export"}, "say --json"},
		{[]string{"export", "--json", "--frob"}, "unknown flag: --frob"},
		{[]string{"meetings", "2023-04-21"}, "did you mean 'dagsorden agenda 2023-04-21'"},
		{[]string{"meeting", "remove"}, "name the meeting"},
		{[]string{"purge", "--closed-after", "soon"}, "--closed-after takes a number of days"},
		{[]string{"--lang", "fr"}, "--lang takes da or en"},
		{[]string{"help", "frob"}, `no help on "frob"`},
		{[]string{"completion", "tcsh"}, `unknown subcommand "tcsh"`},
	} {
		r := dagsorden(t, data, c.args...)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, c.says) || !strings.Contains(r.stderr, "--help' for usage") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q on stderr", c.args, r.code, r.stdout, r.stderr, c.says)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "dagsorden.db")); err == nil {
		t.Error("a refused command line made a store")
	}
}

// A command that fails says why in one sentence on standard error and exits 1.
func TestRuntimeErrorIsOneSentence(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	for _, args := range [][]string{{"agenda", "1999-01-01"}, {"import", filepath.Join(data, "no-such-file.txt")}, {"watch", "remove", "ukendt"}} {
		r := dagsorden(t, data, args...)
		msg := strings.TrimSuffix(r.stderr, "\n")
		if r.code != exitError || !strings.HasPrefix(msg, "dagsorden: ") || strings.Contains(msg, "\n") || strings.Contains(msg, "--help") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line", args, r.code, r.stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		r := dagsorden(t, t.TempDir(), flag)
		// The test binary is built without -ldflags and without VCS stamping: as go run.
		if want := "dagsorden version devel (" + runtime.Version() + ")\n"; r.code != 0 || r.stdout != want {
			t.Errorf("%s: exit %d, %q; want %q", flag, r.code, r.stdout, want)
		}
	}
}

func TestDescribeBuild(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0d6c8f1a2b3c4d5e6f708192a3b4c5d6e7f80912"},
		{Key: "vcs.time", Value: "2026-12-02T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, c := range []struct {
		linked string
		info   *debug.BuildInfo
		want   string
	}{
		{"v1.4.0", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "v1.4.0 (go1.26.8)"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.3.2"}}, "v1.3.2 (go1.26.8)"},
		{"", stamped, "devel (commit 0d6c8f1a2b3c+changes of 2026-12-02T10:00:00Z, go1.26.8)"},
		{"", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261202100000-0d6c8f1a2b3c"},
			Settings: stamped.Settings[:1]}, "v0.0.0-20261202100000-0d6c8f1a2b3c (go1.26.8)"},
		{"", nil, "devel (" + runtime.Version() + ")"},
	} {
		if got := describeBuild(c.linked, c.info); got != c.want {
			t.Errorf("describeBuild(%q, …) = %q, want %q", c.linked, got, c.want)
		}
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "__start_dagsorden", "zsh": "#compdef dagsorden", "fish": "complete -c dagsorden"} {
		r := dagsorden(t, t.TempDir(), "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, marker) || r.stderr != "" {
			t.Errorf("completion %s: exit %d, %d bytes, stderr %q", shell, r.code, len(r.stdout), r.stderr)
		}
	}
	if _, err := exec.LookPath("bash"); err == nil {
		r := dagsorden(t, t.TempDir(), "completion", "bash")
		script := filepath.Join(t.TempDir(), "dagsorden.bash")
		if err := os.WriteFile(script, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
			t.Errorf("bash does not read the script: %v\n%s", err, out)
		}
	}
}

// completions asks the binary what a shell asks on TAB: the candidates, without the
// directive line cobra ends with.
func completions(t *testing.T, env []string, args ...string) []string {
	t.Helper()
	r := dagsordenEnv(t, env, append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %v: exit %d, %s", args, r.code, r.stderr)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			out = append(out, l)
		}
	}
	return out
}

func TestDynamicCompletion(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	mustRun(t, data, "import", shared.Path(t, "samples", "sbsys", "Publication32.zip"))
	e, _ := exportOf(t, data)
	var kkr string
	for _, m := range e.Meetings {
		if m.Body == "KKR Hovedstaden" {
			kkr = m.ID
		}
	}
	mustRun(t, data, "watch", "add", "sundhedsklynger")
	d := []string{"--data", data}

	got := completions(t, nil, append(d, "agenda", "")...)
	if !containsPrefix(got, "2023-04-21\tKKR Hovedstaden") || !containsPrefix(got, kkr+"\t2023-04-21 10:00 KKR Hovedstaden") || len(got) != 4 {
		t.Errorf("agenda TAB: %q; want 2 dates and 2 ids", got)
	}
	if got := completions(t, nil, append(d, "brief", "2023-04")...); len(got) != 1 || !strings.HasPrefix(got[0], "2023-04-21\t") {
		t.Errorf("brief 2023-04 TAB: %q", got)
	}
	if got := completions(t, nil, append(d, "meeting", "remove", kkr[:3])...); len(got) != 1 || !strings.HasPrefix(got[0], kkr) {
		t.Errorf("meeting remove %s TAB: %q", kkr[:3], got)
	}
	got = completions(t, nil, append(d, "note", "add", "--meeting", "2023-04-21", "--item", "3.")...)
	if len(got) != 5 || !strings.HasPrefix(got[0], "3.1\t") {
		t.Errorf("--item 3. TAB: %q; want 3.1–3.5 with their titles", got)
	}
	if got := completions(t, nil, append(d, "meetings", "--body", "KKR")...); len(got) != 1 || got[0] != "KKR Hovedstaden" {
		t.Errorf("--body KKR TAB: %q", got)
	}
	if got := completions(t, nil, append(d, "watch", "remove", "")...); len(got) != 1 || got[0] != "sundhedsklynger" {
		t.Errorf("watch remove TAB: %q", got)
	}
	if got := completions(t, nil, append(d, "note", "add", "--stance", "i")...); len(got) != 1 || got[0] != "imod" {
		t.Errorf("--stance i TAB: %q", got)
	}

	// Sources come from their list, no store needed.
	cfg := []string{"DAGSORDEN_CONFIG=" + t.TempDir()}
	scratch := t.TempDir()
	key := filepath.Join(t.TempDir(), "feed.key")
	mustRun(t, scratch, "keygen", key)
	feed := filepath.Join(t.TempDir(), "feed")
	mustRun(t, scratch, "publish", "../../agenda/example/eksempel.json", "--out", feed, "--key", key)
	if r := dagsordenEnv(t, cfg, "--data", data, "source", "add", feed, "--name", "kkr-feed", "--key", key+".pub"); r.code != 0 {
		t.Fatalf("source add: %s", r.stderr)
	}
	if got := completions(t, cfg, append(d, "source", "remove", "kkr")...); len(got) != 1 || !strings.HasPrefix(got[0], "kkr-feed\t") {
		t.Errorf("source remove TAB: %q", got)
	}
	if got := completions(t, cfg, append(d, "sync", "--source", "")...); len(got) != 1 || !strings.HasPrefix(got[0], "kkr-feed") {
		t.Errorf("sync --source TAB: %q", got)
	}

	// Without its key at hand a completion asks nothing and offers nothing; it makes no store.
	locked := []string{"DAGSORDEN_PASSPHRASE=", "XDG_RUNTIME_DIR=" + t.TempDir()}
	if got := completions(t, locked, append(d, "agenda", "")...); len(got) != 0 {
		t.Errorf("a locked store completed %q", got)
	}
	empty := t.TempDir()
	if got := completions(t, nil, "--data", empty, "agenda", ""); len(got) != 0 {
		t.Errorf("an empty folder completed %q", got)
	}
	if _, err := os.Stat(filepath.Join(empty, "dagsorden.db")); err == nil {
		t.Error("a completion made a store")
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func TestManPage(t *testing.T) {
	r := dagsorden(t, t.TempDir(), "man")
	if r.code != 0 || !strings.HasPrefix(r.stdout, ".TH DAGSORDEN 1") {
		t.Fatalf("exit %d, %q…", r.code, r.stdout[:min(len(r.stdout), 80)])
	}
	for _, want := range []string{"import", "meeting", "--data", "-h --help", "ENVIRONMENT", "DAGSORDEN_PASSPHRASE", "EXIT STATUS"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	if _, err := exec.LookPath("man"); err == nil {
		page := filepath.Join(t.TempDir(), "dagsorden.1")
		if err := os.WriteFile(page, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("man", "-l", page)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "dagsorden") {
			t.Errorf("man cannot read the page: %v\n%s", err, out)
		}
	}
}

// note add's --group stands alone (the member's only group) or takes a name; alone it
// does not swallow the flag after it.
func TestNoteAddBareGroup(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "import", shared.Path(t, "seeds", "001_147b9d108b7927a9.txt"))
	for _, args := range [][]string{
		{"note", "add", "--meeting", "2023-04-21", "--item", "3.1", "--group", "--text", "x"},
		{"note", "add", "--meeting", "2023-04-21", "--item", "3.1", "--text", "x", "--group"},
	} {
		r := dagsorden(t, data, args...)
		if r.code != exitError || !strings.Contains(r.stderr, "you are in no group yet") {
			t.Errorf("%v: exit %d, %q; want the sentence about having no group", args, r.code, r.stderr)
		}
	}
	r := dagsorden(t, data, "note", "add", "--meeting", "2023-04-21", "--item", "3.1", "--group", "A-gruppen", "--text", "x")
	if r.code != exitError || !strings.Contains(r.stderr, `no group named "A-gruppen"`) {
		t.Errorf("--group NAME: exit %d, %q", r.code, r.stderr)
	}
	if out := mustRun(t, data, "note", "list"); !strings.Contains(out, "No notes yet") {
		t.Errorf("a refused note was saved:\n%s", out)
	}
}
