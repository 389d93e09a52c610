package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dagsorden/dagsorden/internal/shared"
)

// run is one process's outcome, for the tallies below.
type tally struct {
	mu             sync.Mutex
	runs, failures int
	busy           int
	slowest        time.Duration
	errs           []string
}

func (t *tally) add(r result, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.runs++
	t.slowest = max(t.slowest, took)
	if r.code != 0 {
		t.failures++
		if strings.Contains(r.stderr, "busy") {
			t.busy++
		}
		if len(t.errs) < 3 {
			t.errs = append(t.errs, strings.TrimSpace(r.stderr))
		}
	}
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d runs, %d failed (%d busy), slowest %v %q", t.runs, t.failures, t.busy, t.slowest.Round(time.Millisecond), t.errs)
}

// quiet runs dagsorden like dagsorden() but throws its standard output away: an export
// is 30 MB, and a test process grown by hundreds of them would make the children's peak
// memory (which other tests measure, and which starts from the parent's) look huge.
func quiet(t *testing.T, data string, args ...string) result {
	t.Helper()
	return runWith(t, nil, io.Discard, append([]string{"--data", data}, args...)...)
}

// greveVariant copies the Greve samples with one phrase changed in every meeting, so that
// importing the copy and the original in turn writes every meeting each time. cp and sed
// do it, not this process: see quiet.
func greveVariant(t *testing.T, src string) string {
	dst := filepath.Join(t.TempDir(), "greve")
	if out, err := exec.Command("cp", "-r", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	names, _ := filepath.Glob(filepath.Join(dst, "*.json"))
	args := append([]string{"-i", "s/Godkendelse af dagsorden/Godkendelse af dagsordenen/"}, names...)
	if out, err := exec.Command("sed", args...).CombinedOutput(); err != nil {
		t.Skipf("sed: %v %s", err, out)
	}
	return dst
}

// TestFourProcessesShareTheStoreFairly: for a minute, four kinds of process work on one
// data folder at once: imports of the 288 Greve meetings (two versions in turn, so each
// one writes them all), `note add` in a loop, syncs of a feed that is re-published
// meanwhile, and exports. No `note add` may fail as busy, no note may be lost, and the
// bbolt file must check clean.
func TestFourProcessesShareTheStoreFairly(t *testing.T) {
	greve := shared.Path(t, "samples", "firstagenda", "greve")
	if _, err := os.Stat(greve); err != nil {
		t.Skipf("no Greve samples: %v", err)
	}
	span := time.Minute
	if testing.Short() {
		span = 15 * time.Second
	}
	data := t.TempDir()
	variant := greveVariant(t, greve)

	// The member's meeting, to write notes on.
	mustRun(t, data, "import", "../../agenda/example/eksempel.json")
	e, _ := exportOf(t, data)
	var items []string
	for _, it := range e.Meetings[0].Items {
		if len(it.Recommendations) > 0 {
			items = append(items, it.ID)
		}
	}

	// A feed of the example and a few Greve meetings, re-published in turn while
	// the syncs run.
	work := t.TempDir()
	key := filepath.Join(work, "feed.key")
	mustRun(t, work, "keygen", key)
	feedDir := filepath.Join(work, "feed")
	few, _ := filepath.Glob(filepath.Join(greve, "2024-*.json"))
	fewVariant, _ := filepath.Glob(filepath.Join(variant, "2024-*.json"))
	// Published by the binary, not in this process: the test process stays small (a
	// child's peak memory, which other tests measure, starts from its parent's size).
	publish := func(in []string) result {
		return dagsorden(t, work, append(append([]string{"publish"}, in...), "--out", feedDir, "--key", key)...)
	}
	if r := publish(few); r.code != 0 {
		t.Fatalf("publish: %s", r.stderr)
	}
	// Served by the binary too.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(bin, "serve", feedDir, "--addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
	})
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 200 {
			t.Fatal("the feed server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	mustRun(t, data, "source", "add", "http://"+addr, "--name", "feed", "--key", key+".pub")

	var imports, notes, syncs, exports tally
	var saved sync.Map // note text → true, for every note add that succeeded
	var n atomic.Int64
	end := time.Now().Add(span)
	var wg sync.WaitGroup
	// pause: a few hundred processes a minute of each kind are plenty, and every
	// process started leaves this test process (and its peak memory, which the
	// children's starts from) a little bigger under the race detector.
	loop := func(tl *tally, pause time.Duration, args func() []string, after func(result)) {
		wg.Go(func() {
			for ; time.Now().Before(end); time.Sleep(pause) {
				a := args()
				start := time.Now()
				r := quiet(t, data, a...)
				tl.add(r, time.Since(start))
				if after != nil {
					after(r)
				}
			}
		})
	}
	var turn atomic.Int64
	loop(&imports, 0, func() []string {
		if turn.Add(1)%2 == 0 {
			return []string{"import", greve}
		}
		return []string{"import", variant}
	}, nil)
	var text string
	loop(&notes, 100*time.Millisecond, func() []string {
		i := n.Add(1)
		text = fmt.Sprintf("Note %d: spørg til økonomien", i)
		return []string{"note", "add", items[int(i)%len(items)], "--rec", "0", "--text", text}
	}, func(r result) {
		if r.code == 0 {
			saved.Store(text, true)
		}
	})
	loop(&syncs, 300*time.Millisecond, func() []string { return []string{"sync"} }, nil)
	loop(&exports, 0, func() []string { return []string{"export", "--json"} }, nil)
	wg.Go(func() { // the publisher
		for v := 0; time.Now().Before(end); v++ {
			time.Sleep(4 * time.Second)
			in := few
			if v%2 == 0 {
				in = fewVariant
			}
			publish(in)
		}
	})
	wg.Wait()
	debug.FreeOSMemory()
	t.Logf("imports: %s", &imports)
	t.Logf("note add: %s", &notes)
	t.Logf("syncs: %s", &syncs)
	t.Logf("exports: %s", &exports)

	if notes.busy != 0 || notes.failures != 0 {
		t.Errorf("note add: %s; want no failure", &notes)
	}
	if notes.runs < 20 || imports.runs < 2 || syncs.runs < 2 || exports.runs < 2 {
		t.Errorf("too little work to show anything: %d notes, %d imports, %d syncs, %d exports", notes.runs, imports.runs, syncs.runs, exports.runs)
	}
	for _, tl := range []*tally{&imports, &syncs, &exports} {
		if tl.busy != 0 {
			t.Errorf("a process gave up as busy: %s", tl)
		}
	}

	// Every note that was saved is there.
	var list []struct{ Text string }
	if err := json.Unmarshal([]byte(mustRun(t, data, "note", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, x := range list {
		have[x.Text] = true
	}
	lost := 0
	saved.Range(func(k, _ any) bool {
		if !have[k.(string)] {
			lost++
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d saved notes are gone", lost)
	}

	// The file is sound.
	db, err := bolt.Open(filepath.Join(data, "dagsorden.db"), 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
	db.Close()
	if out := mustRun(t, data, "meetings"); strings.Count(out, "\n") < 289 {
		t.Fatalf("%d meetings at the end:\n%s", strings.Count(out, "\n"), out)
	}
	debug.FreeOSMemory()
}
