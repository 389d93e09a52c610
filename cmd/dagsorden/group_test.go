package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda/example"
)

func runAs(t *testing.T, data, who string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", data}, args...)...)
	cmd.Env = append(os.Environ(), "DAGSORDEN_AUTHOR="+who)
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

func mustAs(t *testing.T, data, who string, args ...string) string {
	t.Helper()
	r := runAs(t, data, who, args...)
	if r.code != 0 {
		t.Fatalf("%s: dagsorden %s: exit %d\n%s\n%s", who, strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// startRelay runs `dagsorden serve --relay-data` as its own process on a free loopback
// port and returns its URL and data folder.
func startRelay(t *testing.T) (string, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--relay-data", dir, "--open-groups")
	stderr, _ := cmd.StderrPipe()
	var logs bytes.Buffer
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "serving on") {
				once = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the relay did not start")
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	return "http://" + addr, dir
}

// The formøde flow through the real binary: A and B in A-gruppen, C in V-gruppen, one
// relay process. A's shared note reaches B with the tally; C sees nothing; the relay's
// files hold no plaintext.
func TestGroupFlowThroughTheCLI(t *testing.T) {
	url, relayDir := startRelay(t)
	ex := filepath.Join(t.TempDir(), example.Name)
	if err := os.WriteFile(ex, example.Data(), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b, c} {
		mustAs(t, d, "x", "import", ex)
	}
	e, _ := exportOf(t, a)
	m := e.Meetings[0]
	item := m.Items[1] // the budget: four recommendations

	code := lastLine(mustAs(t, a, "Anna", "group", "create", "A-gruppen", "--server", url))
	mustAs(t, b, "Bo", "group", "join", code)
	mustAs(t, c, "Carl", "group", "create", "V-gruppen", "--server", url)

	secret := "Vi stemmer for, men kræver en plan for klippekortene"
	mustAs(t, a, "Anna", "note", "add", item.ID, "--rec", "1", "--stance", "for", "--group", "A-gruppen", "--text", secret)
	mustAs(t, a, "Anna", "sync")
	mustAs(t, b, "Bo", "sync")
	mustAs(t, c, "Carl", "sync")

	var bx struct {
		Notes []struct {
			ItemID         string `json:"item_id"`
			Recommendation *int
			Stance, Text   string
			Visibility     string
			Group, Author  string
		}
	}
	json.Unmarshal([]byte(mustAs(t, b, "Bo", "export", "--json")), &bx)
	found := false
	for _, n := range bx.Notes {
		if n.Text == secret {
			found = true
			if n.ItemID != item.ID || n.Recommendation == nil || *n.Recommendation != 1 || n.Stance != "for" ||
				n.Visibility != "group" || n.Group != "A-gruppen" || n.Author != "Anna" {
				t.Errorf("B sees the note as %+v", n)
			}
		}
	}
	if !found {
		t.Fatalf("B does not see A's shared note: %+v", bx.Notes)
	}
	brief := mustAs(t, b, "Bo", "brief", m.ID, "--group", "A-gruppen", "--format", "md")
	if !strings.Contains(brief, "1 for") || !strings.Contains(brief, secret) {
		t.Errorf("B's brief lacks the tally or the note:\n%s", brief)
	}
	if cx := mustAs(t, c, "Carl", "export", "--json"); strings.Contains(cx, secret) {
		t.Error("C, in another group, sees A-gruppen's note")
	}
	// The relay keeps ciphertext only.
	filepath.Walk(relayDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("klippekortene")) {
				t.Errorf("the relay's %s holds the note's text", p)
			}
		}
		return nil
	})
	// A private note never leaves A's machine.
	mustAs(t, a, "Anna", "note", "add", item.ID, "--text", "kun til mig")
	mustAs(t, a, "Anna", "sync")
	mustAs(t, b, "Bo", "sync")
	if bx := mustAs(t, b, "Bo", "export", "--json"); strings.Contains(bx, "kun til mig") {
		t.Error("a private note reached the group")
	}
	// A group that does not exist is refused, not silently kept private.
	if r := runAs(t, a, "Anna", "note", "add", item.ID, "--group", "B-gruppen", "--text", "x"); r.code == 0 {
		t.Error("note add --group with an unknown group succeeded")
	}
}
