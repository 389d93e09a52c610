package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda/example"
	"github.com/dagsorden/dagsorden/sync/relay"
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

// hostileProxy stands in front of a real `dagsorden serve` as a relay operator who wants
// into the group would: every member list it passes on gains a member of its own.
func hostileProxy(t *testing.T, relayURL, fakeID string) string {
	t.Helper()
	target, err := url.Parse(relayURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != "GET" || !strings.HasSuffix(resp.Request.URL.Path, "/members") || resp.StatusCode != 200 {
			return nil
		}
		var mr relay.MembersResponse
		if err := json.NewDecoder(resp.Body).Decode(&mr); err != nil {
			return err
		}
		resp.Body.Close()
		mr.Members = append(mr.Members, relay.Member{ID: fakeID, PublicKey: bytes.Repeat([]byte{7}, 32)})
		b, _ := json.Marshal(mr)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Through the binary, against a real relay process behind a proxy that adds a member of
// its own to every member list: `group members` and `sync` warn about it, the brief does
// not count it, and a removed member's dagsorden says once that it was removed, then
// leaves the group alone.
func TestGroupMembersWarnsAboutAnUnknownMemberThroughTheCLI(t *testing.T) {
	relayURL, _ := startRelay(t)
	const fakeID = "f00dfeedf00dfeed"
	url := hostileProxy(t, relayURL, fakeID)
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
	code := lastLine(mustAs(t, a, "Anna", "group", "create", "A-gruppen", "--server", url))
	mustAs(t, b, "Bo", "group", "join", code)
	code = lastLine(mustAs(t, a, "Anna", "group", "invite", "A-gruppen"))
	mustAs(t, c, "Carl", "group", "join", code)
	mustAs(t, a, "Anna", "note", "add", m.Items[1].ID, "--rec", "0", "--stance", "for", "--group", "A-gruppen", "--text", "Anna for")
	mustAs(t, b, "Bo", "note", "add", m.Items[0].ID, "--stance", "imod", "--group", "A-gruppen", "--text", "Bo imod")
	for _, d := range []string{a, b, c, a} {
		r := runAs(t, d, "x", "sync")
		if r.code != 0 || !strings.Contains(r.stderr, "unknown member "+fakeID) {
			t.Errorf("sync does not warn about the relay's member: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	r := runAs(t, a, "Anna", "group", "members", "A-gruppen")
	if r.code != 0 || !strings.Contains(r.stderr, "the server lists an unknown member "+fakeID) || strings.Contains(r.stdout, fakeID) {
		t.Errorf("group members: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	for _, who := range []string{"Anna (admin) (you)", "Bo", "Carl"} {
		if !strings.Contains(r.stdout, who) {
			t.Errorf("group members lacks %q:\n%s", who, r.stdout)
		}
	}
	if l := mustAs(t, a, "Anna", "group", "list"); !strings.Contains(l, "3 members") || !strings.Contains(l, "1 unknown member") {
		t.Errorf("group list: %s", l)
	}
	brief := mustAs(t, b, "Bo", "brief", m.ID, "--group", "A-gruppen", "--format", "md")
	if !strings.Contains(brief, "3 medlemmer: Anna, Bo, Carl") || strings.Contains(brief, fakeID[:6]) {
		t.Errorf("B's brief counts someone else:\n%s", brief)
	}
	// Removing the relay's member can only ask the server to drop it; this one is made up
	// in front of the relay, which says it has no such member.
	if r := runAs(t, a, "Anna", "group", "remove", "A-gruppen", fakeID); r.code == 0 || !strings.Contains(r.stderr, "no such member") {
		t.Errorf("removing the unknown member: exit %d %s", r.code, r.stderr)
	}

	// Carl is removed: his next sync says so in one sentence, the one after is quiet.
	mustAs(t, a, "Anna", "group", "remove", "A-gruppen", "Carl")
	r = runAs(t, c, "Carl", "sync")
	const sentence = "you were removed from A-gruppen by its admin; its notes you have stay readable here"
	if r.code != 0 || strings.Count(r.stdout+r.stderr, sentence) != 1 {
		t.Errorf("Carl's sync after the removal: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runAs(t, c, "Carl", "sync")
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, "A-gruppen") {
		t.Errorf("Carl's next sync is not quiet: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if l := mustAs(t, c, "Carl", "group", "list"); !strings.Contains(l, "removed by its admin") {
		t.Errorf("Carl's group list: %s", l)
	}
	if cx := mustAs(t, c, "Carl", "export", "--json"); !strings.Contains(cx, "Anna for") {
		t.Error("Carl lost the group's notes he had")
	}
}

func TestInviteWithHistoryAndHandOverThroughTheCLI(t *testing.T) {
	url, _ := startRelay(t)
	ex := filepath.Join(t.TempDir(), example.Name)
	if err := os.WriteFile(ex, example.Data(), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b, d, h := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b, d, h} {
		mustAs(t, dir, "x", "import", ex)
	}
	e, _ := exportOf(t, a)
	item := e.Meetings[0].Items[1].ID
	code := lastLine(mustAs(t, a, "Anna", "group", "create", "A-gruppen", "--server", url))
	mustAs(t, b, "Bo", "group", "join", code)
	mustAs(t, a, "Anna", "note", "add", item, "--group", "A-gruppen", "--text", "før Bo blev fjernet")
	mustAs(t, a, "Anna", "sync")
	mustAs(t, a, "Anna", "group", "remove", "A-gruppen", "Bo") // a new epoch
	plain := lastLine(mustAs(t, a, "Anna", "group", "invite", "A-gruppen"))
	out := mustAs(t, a, "Anna", "group", "invite", "A-gruppen", "--with-history")
	if !strings.Contains(out, "earlier notes too") {
		t.Errorf("invite --with-history does not say what it gives: %s", out)
	}
	mustAs(t, d, "Dora", "group", "join", plain)
	mustAs(t, h, "Hans", "group", "join", lastLine(out))
	if x := mustAs(t, d, "Dora", "export", "--json"); strings.Contains(x, "før Bo blev fjernet") {
		t.Error("Dora, invited without the history, reads a note from before she joined")
	}
	if x := mustAs(t, h, "Hans", "export", "--json"); !strings.Contains(x, "før Bo blev fjernet") {
		t.Error("Hans, invited with the history, does not read the earlier note")
	}
	// Anna hands the group over to Dora: Dora invites, Anna no longer can.
	mustAs(t, a, "Anna", "sync") // Dora's signed profile: her name
	if out := mustAs(t, a, "Anna", "group", "admin", "A-gruppen", "Dora", "--hand-over"); !strings.Contains(out, "handed A-gruppen over to Dora") {
		t.Errorf("hand-over: %s", out)
	}
	if r := runAs(t, a, "Anna", "group", "invite", "A-gruppen"); r.code == 0 || !strings.Contains(r.stderr, "only an admin") {
		t.Errorf("Anna invites after handing over: exit %d %s", r.code, r.stderr)
	}
	mustAs(t, d, "Dora", "sync")
	mustAs(t, d, "Dora", "group", "invite", "A-gruppen")
	if r := runAs(t, a, "Anna", "serve", "--relay-data", t.TempDir(), "--trusted-proxy", "nonsense"); r.code == 0 || !strings.Contains(r.stderr, "trusted-proxy") {
		t.Errorf("serve with a bad --trusted-proxy: exit %d %s", r.code, r.stderr)
	}
}
