package store_test

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	"github.com/dagsorden/dagsorden/store/storetest"
)

const envBulkChild = "DAGSORDEN_STORE_BULK_CHILD"

// TestBulkImportChild is not a test: it is the other process of
// BenchmarkNoteWhileAnotherProcessImports, importing 200 meetings again and again, each
// round with other wording, so every round writes them all.
func TestBulkImportChild(t *testing.T) {
	dir := os.Getenv(envBulkChild)
	if dir == "" {
		t.Skip("run by BenchmarkNoteWhileAnotherProcessImports")
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; ; round++ {
		var p agenda.Package
		for i := range 200 {
			m := storetest.Meeting(1000+i, 20)
			m.Items[0].Title += fmt.Sprintf(" (runde %d)", round)
			agenda.AssignIDs(&m)
			p.Meetings = append(p.Meetings, m)
		}
		if _, err := st.Import(p); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkNoteWhileAnotherProcessImports saves notes while another process imports 200
// meetings of 20 items over and over: how long a note waits for the store (p50, p99 and
// the longest, in ms). The import writes in short batches and lets waiting notes go
// first, so none waits for a whole import.
func BenchmarkNoteWhileAnotherProcessImports(b *testing.B) {
	dir := b.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	m := storetest.Meeting(1, 5)
	if _, err := st.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		b.Fatal(err)
	}
	stored, _ := st.Meeting(m.ID)
	child := exec.Command(os.Args[0], "-test.run=^TestBulkImportChild$", "-test.count=1")
	child.Env = append(os.Environ(), envBulkChild+"="+dir)
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	time.Sleep(time.Second) // the import under way
	var waits []time.Duration
	for i := 0; b.Loop(); i++ {
		it := &stored.Items[i%len(stored.Items)]
		a, err := agenda.AnchorOn(stored, it, nil)
		if err != nil {
			b.Fatal(err)
		}
		n := agenda.Note{Anchor: a, Text: fmt.Sprintf("Note %d", i)}
		start := time.Now()
		if err := st.SaveNote(&n); err != nil {
			b.Fatalf("note %d: %v", i, err)
		}
		waits = append(waits, time.Since(start))
		time.Sleep(20 * time.Millisecond) // a member does not save a hundred notes a second
	}
	slices.Sort(waits)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(waits[len(waits)/2]), "p50-ms")
	b.ReportMetric(ms(waits[len(waits)*99/100]), "p99-ms")
	b.ReportMetric(ms(waits[len(waits)-1]), "max-ms")
}
