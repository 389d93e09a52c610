package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// publishExampleFeed makes a signed feed folder from the bundled example meeting with
// the real binary: something `source add` accepts without a network.
func publishExampleFeed(t *testing.T) (feedDir, pubKey string) {
	t.Helper()
	work := t.TempDir()
	key := filepath.Join(work, "feed.key")
	scratch := t.TempDir()
	mustRun(t, scratch, "keygen", key)
	feedDir = filepath.Join(work, "feed")
	mustRun(t, scratch, "publish", "../../agenda/example/eksempel.json", "--out", feedDir, "--key", key)
	return feedDir, key + ".pub"
}

func TestSourcesBelongToTheirDataFolder(t *testing.T) {
	feedDir, pub := publishExampleFeed(t)
	a, b := t.TempDir(), t.TempDir()
	out := mustRun(t, a, "source", "add", feedDir, "--name", "kkr", "--key", pub)
	if !strings.Contains(out, "added source kkr") {
		t.Fatalf("source add: %s", out)
	}
	if out := mustRun(t, a, "source", "list"); !strings.Contains(out, "kkr\tfeed\t"+feedDir) {
		t.Fatalf("A lists %q; want the source it added", out)
	}
	if out := mustRun(t, b, "source", "list"); strings.Contains(out, "kkr") || !strings.Contains(out, "No sources yet") {
		t.Fatalf("B lists %q; want nothing: A's sources are not B's", out)
	}
	if out := mustRun(t, b, "source", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("B lists %q as JSON; want []", out)
	}
	// The list lives beside the store, private to the member.
	fi, err := os.Stat(filepath.Join(a, "sources.toml"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("A's sources file: %v %v; want mode 0600", fi, err)
	}
	// And B syncs nothing of A's.
	if r := dagsorden(t, b, "sync"); strings.Contains(r.stdout+r.stderr, "kkr") {
		t.Fatalf("B's sync touched A's source: %+v", r)
	}
	mustRun(t, a, "sync")
	e, _ := exportOf(t, a)
	if len(e.Meetings) != 1 {
		t.Fatalf("A has %d meetings after its sync, want the example's 1", len(e.Meetings))
	}
	if e, _ := exportOf(t, b); len(e.Meetings) != 0 {
		t.Fatalf("B has %d meetings; want none", len(e.Meetings))
	}
}

// runWith runs the binary with args (no --data of its own: give it, or let the
// environment choose the default folder), extra environment, and stdout (nil: kept in
// the result).
func runWith(t *testing.T, env []string, stdout io.Writer, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "DAGSORDEN_AUTHOR=test"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdout != nil {
		cmd.Stdout = stdout
	}
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

// runDefault runs without --data: the default data folder comes from the environment.
func runDefault(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runWith(t, env, nil, args...)
}

func TestGlobalSourcesFileMovesIntoTheDefaultStoreOnce(t *testing.T) {
	feedDir, _ := publishExampleFeed(t)
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	legacy := filepath.Join(cfg, "dagsorden", "sources.toml")
	os.MkdirAll(filepath.Dir(legacy), 0o700)
	old := "[[source]]\nname = \"kkr\"\nkind = \"feed\"\nurl = \"" + feedDir + "\"\n"
	if err := os.WriteFile(legacy, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	def := filepath.Join(home, "data")
	env := []string{"XDG_CONFIG_HOME=" + cfg, "DAGSORDEN_DATA=" + def, "DAGSORDEN_CONFIG="}

	// Another data folder is not the default store: it neither gets nor moves them.
	other := t.TempDir()
	r := runDefault(t, env, "--data", other, "source", "list")
	if r.code != 0 || strings.Contains(r.stdout, "kkr") || strings.Contains(r.stderr, "moved") {
		t.Fatalf("--data elsewhere: %+v", r)
	}

	r = runDefault(t, env, "source", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "kkr\tfeed") {
		t.Fatalf("first run on the default store: %+v", r)
	}
	if !strings.Contains(r.stderr, "moved your sources from "+legacy) || !strings.Contains(r.stderr, def) {
		t.Fatalf("the move is not announced: %q", r.stderr)
	}
	if _, err := os.Stat(legacy); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the global file is still in place after the move: %v", err)
	}
	if _, err := os.Stat(filepath.Join(def, "sources.toml")); err != nil {
		t.Fatalf("the default store has no sources file: %v", err)
	}
	// Once: the second run says nothing more, and still lists the source.
	r = runDefault(t, env, "source", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "kkr") || r.stderr != "" {
		t.Fatalf("second run: %+v", r)
	}
	// Even if an old dagsorden writes the global file again, the store's list wins.
	os.WriteFile(legacy, []byte(strings.ReplaceAll(old, "kkr", "andet")), 0o600)
	r = runDefault(t, env, "source", "list")
	if strings.Contains(r.stdout, "andet") || strings.Contains(r.stderr, "moved") {
		t.Fatalf("a second global file was moved over the store's own list: %+v", r)
	}
}

func TestKeyRotationThroughTheCLI(t *testing.T) {
	work, data := t.TempDir(), t.TempDir()
	k1, k2 := filepath.Join(work, "k1"), filepath.Join(work, "k2")
	feedDir := filepath.Join(work, "feed")
	mustRun(t, data, "keygen", k1)
	mustRun(t, data, "keygen", k2)
	mustRun(t, data, "publish", "../../agenda/example/eksempel.json", "--out", feedDir, "--key", k1, "--expires", "7")
	mustRun(t, data, "source", "add", feedDir, "--name", "kkr", "--key", k1+".pub")
	mustRun(t, data, "sync")

	if r := dagsorden(t, data, "publish", "../../agenda/example/eksempel.json", "--out", feedDir, "--key", k2); r.code == 0 {
		t.Fatal("publishing with a new key, without the old one, succeeded")
	}
	mustRun(t, data, "publish", "../../agenda/example/eksempel.json", "--out", feedDir, "--key", k2, "--previous-key", k1)
	out := mustRun(t, data, "sync")
	if !strings.Contains(out, "kkr: the publisher moved to key") {
		t.Fatalf("sync after the rotation: %s", out)
	}
	pub2, _ := os.ReadFile(k2 + ".pub")
	fp := strings.TrimPrefix(strings.SplitN(string(pub2), "\n", 2)[0], "# dagsorden feed key ")
	if list := mustRun(t, data, "source", "list", "--json"); !strings.Contains(list, fp) {
		t.Fatalf("the new key %s is not pinned: %s", fp, list)
	}
	// Unchanged since: one request, and the new pin holds.
	if out := mustRun(t, data, "sync"); !strings.Contains(out, "unchanged since last sync") {
		t.Fatalf("second sync: %s", out)
	}
}
