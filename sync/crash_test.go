package sync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/sync/feed"
	"github.com/dagsorden/dagsorden/sync/source"
)

// TestCrashChild is the sync a crash run kills: it only runs when the parent test
// re-executes the test binary with DAGSORDEN_CRASH_CHILD set.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("DAGSORDEN_CRASH_CHILD")
	if dir == "" {
		t.Skip("run by TestSyncSurvivesKills in a child process")
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Sync(context.Background(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

// crashVersions are two publications of the same 20 meetings: B edits a title and a
// section in every meeting and adds an item to every third one.
func crashVersions() (a, b []agenda.Meeting) {
	a = testMeetings(20, 5, 20<<10)
	b = testMeetings(20, 5, 20<<10)
	for i := range b {
		b[i].Items[2].Title += " (ændret)"
		b[i].Items[3].Sections[0].Text += " Opdateret efter høringen."
		if i%3 == 0 {
			b[i].Items = append(b[i].Items, agenda.Item{SourceID: fmt.Sprintf("extra%d", i), Number: "6", Title: "Tillægspunkt",
				Sections: []agenda.Section{{Heading: "Sagsfremstilling", Text: "Nyt punkt."}}})
		}
		agenda.AssignIDs(&b[i])
	}
	return a, b
}

// content is what a member reads of a meeting: enough to tell version A from B and to
// see a half-written one.
func content(m *agenda.Meeting) string {
	var sb strings.Builder
	for _, it := range m.Items {
		sb.WriteString(it.Number + "|" + it.Title + "\n")
		for _, s := range it.Sections {
			sb.WriteString(s.Heading + ":" + s.Text + "\n")
		}
		for _, r := range it.Recommendations {
			sb.WriteString("- " + r.Text + "\n")
		}
		for _, at := range it.Attachments {
			sb.WriteString("@" + at.SHA256 + "\n")
		}
	}
	return sb.String()
}

func TestSyncSurvivesKills(t *testing.T) {
	runs := 50
	if testing.Short() {
		runs = 8
	}
	data := newDataDir(t)
	work := t.TempDir()
	feedDir := filepath.Join(work, "feed")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	va, vb := crashVersions()
	publishVersion := func(ms []agenda.Meeting) {
		if _, err := feed.Publish(agenda.Package{Meetings: ms}, feedDir, priv, feed.PublishOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	publishVersion(va)
	srv := httptest.NewServer(Handler(feedDir))
	defer srv.Close()
	pub := priv.Public().(ed25519.PublicKey)
	if err := source.Update(source.Path(data), func(c *source.Config) error {
		return c.Add(source.Source{Name: "crash", Kind: source.KindFeed, URL: srv.URL, Key: feed.EncodeKey(pub), Fingerprint: feed.Fingerprint(pub)})
	}); err != nil {
		t.Fatal(err)
	}

	// Content of every meeting in each version, after a clean import of each.
	want := map[string]map[string]bool{}
	for _, v := range [][]agenda.Meeting{vb, va} { // va last: the store starts at A
		clean, _ := store.Open(filepath.Join(work, "clean"))
		if _, err := clean.Import(agenda.Package{Meetings: v}); err != nil {
			t.Fatal(err)
		}
		for _, m := range v {
			got, err := clean.Meeting(m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want[m.ID] == nil {
				want[m.ID] = map[string]bool{}
			}
			want[m.ID][content(got)] = true
		}
		clean.Close()
		os.RemoveAll(filepath.Join(work, "clean"))
	}

	// Start at A, with a note on every meeting.
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Sync(context.Background(), st, Options{}); err != nil || res[0].Err != nil {
		t.Fatalf("first sync: %v %v", err, res)
	}
	notes := map[string]string{}
	for _, m := range va {
		stored, _ := st.Meeting(m.ID)
		rec := 0
		anchor, err := agenda.AnchorOn(stored, &stored.Items[1], &rec)
		if err != nil {
			t.Fatal(err)
		}
		n := &agenda.Note{Anchor: anchor, Stance: agenda.StanceFor, Text: "Note til " + m.Title, Visibility: agenda.Private}
		if err := st.SaveNote(n); err != nil {
			t.Fatal(err)
		}
		notes[n.ID] = n.Text
	}

	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		// A race-built child sleeps a second at exit (the race runtime's default) and
		// kills would land in that sleep, after the sync: turn it off.
		cmd.Env = append(os.Environ(), "DAGSORDEN_CRASH_CHILD="+data, "GORACE=atexit_sleep_ms=0")
		return cmd
	}
	// Calibrate: how long does a whole child sync of one version change take?
	publishVersion(vb)
	begin := time.Now()
	if out, err := child().CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted child sync: %v\n%s", err, out)
	}
	full := time.Since(begin)
	verify(t, data, want, notes, vb)

	// Kill until `runs` children died mid-sync. A child that finishes before its kill
	// shortens the window, so the kills keep landing inside real work.
	versions := [][]agenda.Meeting{va, vb}
	killed, run := 0, 0
	window := full
	mixed := 0 // kills that left some meetings new and some old: inside the apply phase
	for ; killed < runs && run < 4*runs; run++ {
		publishVersion(versions[run%2])
		cmd := child()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(mrand.Int64N(int64(window) + 1))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		wasKilled := false
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("child sync failed: %v", err)
			}
			window = time.Since(start)
		case <-time.After(delay):
			cmd.Process.Kill() // SIGKILL: no defers, no clean-up, like a power cut for the process
			<-done
			killed++
			wasKilled = true
		}
		n := verify(t, data, want, notes, versions[run%2])
		switch {
		case !wasKilled && n != len(va):
			t.Fatalf("run %d: a completed sync left %d of %d meetings at the old version", run, len(va)-n, len(va))
		case wasKilled && n > 0 && n < len(va):
			mixed++
		}
	}
	if killed < runs {
		t.Fatalf("only %d of %d runs were killed mid-sync", killed, run)
	}
	t.Logf("%d runs, %d killed mid-sync, %d of them while applying meetings (an uninterrupted sync took %v)", run, killed, mixed, full)

	// A later sync completes and brings the current version.
	res, err := Sync(context.Background(), st, Options{})
	if err != nil || res[0].Err != nil {
		t.Fatalf("sync after the kills: %v %+v", err, res)
	}
	current := versions[(run-1)%2]
	for _, m := range current {
		got, _ := st.Meeting(m.ID)
		clean := testMeetingContent(t, work, m)
		if content(got) != clean {
			t.Fatalf("meeting %s is not at the published version after the final sync", m.Title)
		}
	}
}

// testMeetingContent is content() of m as a clean store would hold it.
func testMeetingContent(t *testing.T, work string, m agenda.Meeting) string {
	dir := filepath.Join(work, "one")
	defer os.RemoveAll(dir)
	s, _ := store.Open(dir)
	defer s.Close()
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Meeting(m.ID)
	return content(got)
}

// verify checks the data folder after a kill: the bbolt file is consistent, every
// meeting is whole at one of the two versions, and every note is there unchanged. It
// returns how many meetings are at the version being synced (target).
func verify(t *testing.T, data string, want map[string]map[string]bool, notes map[string]string, target []agenda.Meeting) int {
	t.Helper()
	db, err := bolt.Open(filepath.Join(data, store.FileName), 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatalf("bbolt check after a kill: %v", err)
	}
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sums, err := st.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(want) {
		t.Fatalf("%d meetings after a kill, want %d", len(sums), len(want))
	}
	for _, s := range sums {
		m, err := st.Meeting(s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !want[s.ID][content(m)] {
			t.Fatalf("meeting %s is neither its old nor its new version after a kill:\n%s", m.Title, content(m))
		}
		if len(s.Items) != len(m.Items) {
			t.Fatalf("meeting %s: summary lists %d items, the meeting has %d", m.Title, len(s.Items), len(m.Items))
		}
	}
	ns, err := st.Notes()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, n := range ns {
		if text, ok := notes[n.ID]; ok {
			found++
			if n.Text != text || n.Status == agenda.StatusOrphaned {
				t.Fatalf("note %s after a kill: %q, status %s", n.ID, n.Text, n.Status)
			}
		}
	}
	if found != len(notes) {
		t.Fatalf("%d of %d notes left after a kill", found, len(notes))
	}
	atTarget := 0
	for _, m := range target {
		got, _ := st.Meeting(m.ID)
		if got != nil && len(got.Items) == len(m.Items) && got.Items[2].Title == m.Items[2].Title {
			atTarget++
		}
	}
	return atTarget
}
