package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dagsorden/dagsorden/store"
)

// A store made before encryption (store/testdata/v3-plaintext.db) is encrypted when it
// is opened; the reading room shows what the file no longer holds in the clear: the
// closed item's text and decision, the private note, the group's note.
func TestFlowEncryptedStoreShowsWhatTheFileHides(t *testing.T) {
	dir := t.TempDir()
	old, err := os.ReadFile(filepath.Join("..", "store", "testdata", "v3-plaintext.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.FileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	file, err := os.ReadFile(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Vestervang Ejendomme", "Blomsterdalsklausulen", "Kvistgaardsplanen", "Tornehøjforslaget"}
	for _, s := range secrets {
		if bytes.Contains(file, []byte(s)) {
			t.Fatalf("%q is readable in the store file", s)
		}
	}

	tm := startProgram(t, st, 110, 40)
	waitFor(t, tm, "Økonomiudvalget")
	send(tm, "enter")
	waitFor(t, tm, "Lokalplan for Hundige Strand", "Salg af grund")
	send(tm, "enter") // item 1, with the private note
	waitFor(t, tm, "Spørg til Kvistgaardsplanen")
	send(tm, "esc", "j", "enter") // item 2, closed
	waitFor(t, tm, "Købesummen fra Vestervang Ejendomme", "Tornehøjforslaget", "Godkendt med Blomsterdalsklausulen")
	send(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}
