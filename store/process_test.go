package store_test

// Two processes on one data folder, with real child processes: the test binary re-run as
// TestHelperProcess.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	bolt "go.etcd.io/bbolt"
)

const (
	envHelper = "DAGSORDEN_STORE_HELPER"
	envDir    = "DAGSORDEN_STORE_HELPER_DIR"
	envWant   = "DAGSORDEN_STORE_HELPER_WANT"
)

// TestHelperProcess is not a test: it is the child process of the tests below.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(envHelper) {
	case "":
		return
	case "ui":
		os.Exit(uiChild(os.Getenv(envDir), os.Getenv(envWant)))
	case "lock":
		os.Exit(lockChild(os.Getenv(envDir)))
	}
	os.Exit(3)
}

// uiChild behaves like the UI: it keeps one Store for its whole life and lists meetings,
// notes and the generation every 50 ms until it sees want meetings and want notes. Exit 0
// when it did without a single error.
func uiChild(dir, want string) int {
	n, _ := strconv.Atoi(want)
	s, err := store.Open(dir)
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	defer s.Close()
	fmt.Println("ready")
	deadline := time.Now().Add(60 * time.Second)
	lists, errs := 0, 0
	var lastGen uint64
	for time.Now().Before(deadline) {
		ms, err1 := s.Meetings()
		notes, err2 := s.Notes()
		gen, err3 := s.Generation()
		lists++
		for _, err := range []error{err1, err2, err3} {
			if err != nil {
				errs++
				fmt.Println("error:", err)
			}
		}
		if gen < lastGen {
			fmt.Println("error: generation went back", lastGen, gen)
			errs++
		}
		lastGen = gen
		if len(ms) >= n && len(notes) >= n {
			fmt.Printf("saw %d meetings and %d notes after %d lists, %d errors\n", len(ms), len(notes), lists, errs)
			if errs > 0 {
				return 1
			}
			return 0
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("gave up after %d lists, %d errors\n", lists, errs)
	return 1
}

// lockChild holds bbolt's exclusive lock on the store until its stdin closes.
func lockChild(dir string) int {
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	defer db.Close()
	fmt.Println("locked")
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // never outlive a crashed parent for long
	}
	return 0
}

// child starts the helper in mode and waits until it prints its first line.
func child(t *testing.T, mode, dir, want string) (cmd *exec.Cmd, stdin io.WriteCloser, out *bufio.Scanner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	cmd = exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), envHelper+"="+mode, envDir+"="+dir, envWant+"="+want)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	out = bufio.NewScanner(stdout)
	if !out.Scan() {
		t.Fatalf("the %s child said nothing: %v", mode, out.Err())
	}
	if first := out.Text(); first != map[string]string{"ui": "ready", "lock": "locked"}[mode] {
		t.Fatalf("the %s child: %s", mode, first)
	}
	return cmd, stdin, out
}

// While another process keeps the store open and reads it every 50 ms, this one
// imports, saves notes, marks items read and exports: every operation succeeds, and the
// other process sees the new data.
func TestTwoProcessesShareTheStore(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const meetings = 20
	cmd, stdin, out := child(t, "ui", dir, strconv.Itoa(meetings))
	for i := range meetings {
		m := kkr()
		m.Start = m.Start.AddDate(0, 0, 7*i)
		agenda.AssignIDs(&m)
		if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
			t.Fatalf("import %d while the other process reads: %v", i, err)
		}
		n := agenda.Note{Anchor: agenda.Anchor{ItemID: m.Items[1].ID, Recommendation: ptr(i % 2)}, Text: fmt.Sprint("note ", i)}
		if err := s.SaveNote(&n); err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
		if err := s.MarkRead(m.Items[1].ID, agenda.ItemTextHash(&m.Items[1])); err != nil {
			t.Fatalf("mark read %d: %v", i, err)
		}
		if err := s.ExportJSON(io.Discard, ""); err != nil {
			t.Fatalf("export %d: %v", i, err)
		}
		if ms, err := s.Meetings(); err != nil || len(ms) != i+1 {
			t.Fatalf("this process lists %d meetings, %v", len(ms), err)
		}
		time.Sleep(60 * time.Millisecond) // a couple of seconds in all, interleaved with the child's reads
	}
	stdin.Close()
	var lines []string
	for out.Scan() {
		lines = append(lines, out.Text())
	}
	err = cmd.Wait()
	if err != nil || len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], fmt.Sprintf("saw %d meetings and %d notes", meetings, meetings)) {
		t.Fatalf("the other process did not see the new data without errors (%v):\n%s", err, strings.Join(lines, "\n"))
	}
	t.Log("child:", lines[len(lines)-1])
}

// A process that holds bbolt's lock for a long time makes every operation of another
// give up within about two seconds, with the sentence and ErrBusy; nothing hangs. Once
// the lock is released, the same Store works again.
func TestLockedStoreGivesUpWithASentence(t *testing.T) {
	dir := t.TempDir()
	s0, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := kkr()
	if _, err := s0.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(s *store.Store) error{
		"Open":       func(*store.Store) error { _, err := store.Open(dir); return err },
		"Meetings":   func(s *store.Store) error { _, err := s.Meetings(); return err },
		"Item":       func(s *store.Store) error { _, _, err := s.Item(m.Items[1].ID); return err },
		"Generation": func(s *store.Store) error { _, err := s.Generation(); return err },
		"Import": func(s *store.Store) error {
			_, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{kkr()}})
			return err
		},
		"SaveNote": func(s *store.Store) error {
			return s.SaveNote(&agenda.Note{Anchor: agenda.Anchor{ItemID: m.Items[1].ID}, Text: "x"})
		},
		"ExportJSON": func(s *store.Store) error { return s.ExportJSON(io.Discard, "") },
	}
	// Several Stores, opened before the lock, and all operations at once: each one's wait
	// is bounded on its own, also when it queues behind another of this process.
	stores := map[string]*store.Store{}
	for name := range ops {
		if stores[name], err = store.Open(dir); err != nil {
			t.Fatal(err)
		}
	}

	_, stdin, _ := child(t, "lock", dir, "")
	type result struct {
		name    string
		err     error
		elapsed time.Duration
	}
	results := make(chan result, len(ops))
	for name, op := range ops {
		go func() {
			start := time.Now()
			err := op(stores[name])
			results <- result{name, err, time.Since(start)}
		}()
	}
	want := fmt.Sprintf("another dagsorden is busy with the data folder %s; try again in a moment", dir)
	timeout := time.After(20 * time.Second)
	for range ops {
		select {
		case r := <-results:
			if !errors.Is(r.err, store.ErrBusy) || !strings.HasSuffix(r.err.Error(), want) {
				t.Errorf("%s on a locked store: %v, want ErrBusy ending in %q", r.name, r.err, want)
			}
			if r.elapsed > 5*time.Second {
				t.Errorf("%s waited %v, not about two seconds", r.name, r.elapsed)
			}
			t.Logf("%s gave up after %v: %v", r.name, r.elapsed.Round(time.Millisecond), r.err)
		case <-timeout:
			t.Fatal("an operation on a locked store hangs")
		}
	}

	stdin.Close() // the other process lets go
	var err2 error
	for range 100 { // until the child has exited and released the lock
		if _, err2 = s0.Meetings(); err2 == nil {
			break
		}
	}
	if err2 != nil {
		t.Fatalf("after the lock was released: %v", err2)
	}
	n := agenda.Note{Anchor: agenda.Anchor{ItemID: m.Items[1].ID}, Text: "efter"}
	if err := s0.SaveNote(&n); err != nil {
		t.Fatalf("save after the lock was released: %v", err)
	}
}
