package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	"github.com/dagsorden/dagsorden/store"
	bolt "go.etcd.io/bbolt"
)

// kkr builds the meeting the tests re-publish in different ways: a KKR agenda as the
// KL text importer would return it (no source ids: identity by case number and title).
func kkr() agenda.Meeting {
	m := agenda.Meeting{
		Body:       agenda.Body{Name: "KKR Hovedstaden"},
		Kind:       agenda.KindAgenda,
		Title:      "Dagsorden 2023",
		Start:      time.Date(2023, 4, 21, 10, 0, 0, 0, agenda.Copenhagen),
		Location:   "Glostrup Park Hotel, Hovedvejen 41, 2600 Glostrup",
		Premeeting: time.Date(2023, 4, 21, 9, 0, 0, 0, agenda.Copenhagen),
		Source:     agenda.Source{Format: "kl-text", Path: "001.txt"},
		Items: []agenda.Item{
			item("1.1", "", "Godkendelse af dagsorden", "Dagsordenen godkendes."),
			item("3.1", "SAG-2023-01182", "Sundhedsklynger i hovedstaden",
				"drøfter status for sundhedsklyngerne",
				"giver input til det videre arbejde med de nære sundhedstilbud"),
			item("3.2", "SAG-2023-01200", "Praktikpladser på social- og sundhedsområdet",
				"tager orienteringen til efterretning"),
			item("4.1", "SAG-2023-00900", "Orientering om budgetaftalen",
				"tager orienteringen til efterretning"),
		},
	}
	m.Items[2].Attachments = []agenda.Attachment{{Title: "Bilag 1: Oversigt", URL: "https://example.org/b1.pdf"}}
	agenda.AssignIDs(&m)
	return m
}

func item(number, caseNo, title string, recs ...string) agenda.Item {
	var ind strings.Builder
	ind.WriteString("Det indstilles, at KKR Hovedstaden:\n\n")
	for _, r := range recs {
		ind.WriteString("- " + r + "\n")
	}
	it := agenda.Item{
		Number: number, Title: title, CaseNumber: caseNo,
		Sections: []agenda.Section{
			{Heading: "Baggrund", Text: "Baggrund for " + strings.ToLower(title) + "."},
			{Heading: "Indstilling", Text: ind.String()},
		},
	}
	for i, r := range recs {
		it.Recommendations = append(it.Recommendations, agenda.Recommendation{Index: i, Text: r})
	}
	return it
}

// setRecs replaces an item's recommendations (and its Indstilling section with them).
func setRecs(it *agenda.Item, recs ...string) {
	n := item(it.Number, it.CaseNumber, it.Title, recs...)
	it.Sections, it.Recommendations = n.Sections, n.Recommendations
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func importOne(t testing.TB, s *store.Store, m agenda.Meeting) store.ImportResult {
	t.Helper()
	res, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if len(res) != 1 {
		t.Fatalf("%d results for one meeting", len(res))
	}
	return res[0]
}

func findItem(t testing.TB, m *agenda.Meeting, number string) *agenda.Item {
	t.Helper()
	for i := range m.Items {
		if m.Items[i].Number == number {
			return &m.Items[i]
		}
	}
	t.Fatalf("no item %s", number)
	return nil
}

// noteOn saves a note on recommendation rec (nil: the item) of the stored item numbered
// number, anchored as the UI does it: with agenda.AnchorOn on the stored meeting.
func noteOn(t testing.TB, s *store.Store, meetingID, number string, rec *int, text string) agenda.Note {
	t.Helper()
	m, err := s.Meeting(meetingID)
	if err != nil {
		t.Fatal(err)
	}
	it := findItem(t, m, number)
	a, err := agenda.AnchorOn(m, it, rec)
	if err != nil {
		t.Fatal(err)
	}
	n := agenda.Note{Anchor: a, Stance: agenda.StanceAgainst, Text: text}
	if err := s.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr(i int) *int { return &i }

func exportJSON(t testing.TB, s *store.Store, meetingID string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.ExportJSON(&b, meetingID); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func generation(t testing.TB, s *store.Store) uint64 {
	t.Helper()
	g, err := s.Generation()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// fileState is the store file's bbolt transaction id and a hash of all its bytes.
func fileState(t testing.TB, s *store.Store) (int, string) {
	t.Helper()
	path := filepath.Join(s.Dir(), store.FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var txid int
	_ = db.View(func(tx *bolt.Tx) error { txid = tx.ID(); return nil })
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return txid, hex.EncodeToString(sum[:])
}

func TestOpenCreatesPrivateFolderAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "data")
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{dir: 0o700, filepath.Join(dir, store.FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
	if s.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", s.Dir(), dir)
	}
	// Opening again keeps the data.
	importOne(t, s, kkr())
	s2, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ms, err := s2.Meetings(); err != nil || len(ms) != 1 {
		t.Fatalf("reopened store lists %d meetings, %v", len(ms), err)
	}
	s.Close()
	if _, err := s.Meetings(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Meetings on a closed store: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("DAGSORDEN_DATA", "/x/data")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d := store.DefaultDir(); d != "/x/data" {
		t.Errorf("with DAGSORDEN_DATA: %s", d)
	}
	t.Setenv("DAGSORDEN_DATA", "")
	if d := store.DefaultDir(); d != "/xdg/dagsorden" {
		t.Errorf("with XDG_DATA_HOME: %s", d)
	}
	t.Setenv("XDG_DATA_HOME", "relative/is/invalid")
	t.Setenv("HOME", "/home/m")
	if d := store.DefaultDir(); d != "/home/m/.local/share/dagsorden" {
		t.Errorf("fallback: %s", d)
	}
}

func TestImportNewMeeting(t *testing.T) {
	s := openStore(t)
	m := kkr()
	res := importOne(t, s, m)
	if !res.New || res.Unchanged || res.MeetingID != m.ID || res.Items != 4 || res.Body != "KKR Hovedstaden" {
		t.Errorf("result %+v", res)
	}
	got, err := s.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 4 || got.Items[1].Number != "3.1" || got.Items[1].Recommendations[1].Text != m.Items[1].Recommendations[1].Text {
		t.Errorf("stored meeting %+v", got)
	}
	if !got.Start.Equal(m.Start) || got.Start.Location() != agenda.Copenhagen || got.Location != m.Location {
		t.Errorf("start %v location %q", got.Start, got.Location)
	}
	it, mid, err := s.Item(m.Items[1].ID)
	if err != nil || mid != m.ID || it.Title != "Sundhedsklynger i hovedstaden" {
		t.Errorf("Item: %+v %s %v", it, mid, err)
	}
	if _, _, err := s.Item("nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Item(nope): %v", err)
	}
	if _, err := s.PreviousItem(m.Items[1].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PreviousItem of a first version: %v", err)
	}
	ms, err := s.Meetings()
	if err != nil || len(ms) != 1 {
		t.Fatalf("Meetings: %d, %v", len(ms), err)
	}
	sum := ms[0]
	if sum.ID != m.ID || sum.Body.Name != "KKR Hovedstaden" || len(sum.Items) != 4 || sum.Updated.IsZero() {
		t.Errorf("summary %+v", sum)
	}
	is := sum.Items[1]
	if is.Number != "3.1" || is.CaseNumber != "SAG-2023-01182" || is.Recommendations != 2 ||
		is.TextHash != agenda.ItemTextHash(&m.Items[1]) || is.Changed {
		t.Errorf("item summary %+v", is)
	}
}

func TestImportDoesNotChangeTheCallersPackage(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	next := kkr()
	next.Items[2].ID = "importer-id" // Reconcile gives the item its stored id: in the store's copy
	next.Items[2].Attachments[0].ID = "importer-attachment-id"
	next.Items[2].Title += " (rettet)"
	importOne(t, s, next)
	if next.Items[2].ID != "importer-id" || next.Items[2].Attachments[0].ID != "importer-attachment-id" {
		t.Errorf("Import rewrote ids in the caller's meeting: %s, %s", next.Items[2].ID, next.Items[2].Attachments[0].ID)
	}
	if it, _, err := s.Item(m.Items[2].ID); err != nil || it.Title != next.Items[2].Title {
		t.Errorf("the changed item is not stored under its old id: %+v, %v", it, err)
	}
}

// (a) Re-importing the same meeting writes nothing: not the generation, not bbolt's
// transaction id, not one byte of the file; the note stays ok.
func TestReimportUnchangedWritesNothing(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	n := noteOn(t, s, m.ID, "3.1", ptr(1), "Vi vil have psykiatrien med.")
	gen := generation(t, s)
	txid, sum := fileState(t, s)

	res := importOne(t, s, kkr())
	if !res.Unchanged || res.New || res.Older || len(res.Changes) != 0 || res.Notes[agenda.StatusOK] != 1 {
		t.Errorf("result %+v", res)
	}
	if g := generation(t, s); g != gen {
		t.Errorf("generation %d → %d", gen, g)
	}
	if txid2, sum2 := fileState(t, s); txid2 != txid || sum2 != sum {
		t.Errorf("the file changed: tx %d → %d, sha256 %s → %s", txid, txid2, sum, sum2)
	}
	got, err := s.Note(n.ID)
	if err != nil || got.Status != agenda.StatusOK || *got.Anchor.Recommendation != 1 || got.Anchor.ItemID != n.Anchor.ItemID {
		t.Errorf("note after re-import: %+v, %v", got, err)
	}
}

// (b) The noted recommendation's wording changed: the note stays on it, flagged changed,
// and the previous version of the item is kept for a diff.
func TestReimportChangedWordingFlagsNote(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	n := noteOn(t, s, m.ID, "3.1", ptr(1), "Husk psykiatrien.")
	other := noteOn(t, s, m.ID, "3.1", ptr(0), "Fint.")

	next := kkr()
	setRecs(&next.Items[1], "drøfter status for sundhedsklyngerne",
		"giver input til det videre arbejde med de nære sundhedstilbud og psykiatrien")
	res := importOne(t, s, next)
	if res.Unchanged || res.New {
		t.Fatalf("result %+v", res)
	}
	if res.Notes[agenda.StatusChanged] != 1 || res.Notes[agenda.StatusOK] != 1 {
		t.Errorf("notes by status %v, want 1 changed, 1 ok", res.Notes)
	}
	if len(res.Changes) != 1 || res.Changes[0].ItemID != m.Items[1].ID || !res.Changes[0].Recommendations {
		t.Errorf("changes %+v", res.Changes)
	}
	got, _ := s.Note(n.ID)
	if got.Status != agenda.StatusChanged || got.Anchor.ItemID != m.Items[1].ID || *got.Anchor.Recommendation != 1 || got.Text != n.Text {
		t.Errorf("note %+v", got)
	}
	if got, _ := s.Note(other.ID); got.Status != agenda.StatusOK {
		t.Errorf("note on the unchanged recommendation: %s", got.Status)
	}
	prev, err := s.PreviousItem(m.Items[1].ID)
	if err != nil || prev.Recommendations[1].Text != "giver input til det videre arbejde med de nære sundhedstilbud" {
		t.Errorf("previous version: %+v, %v", prev, err)
	}
	ms, _ := s.Meetings()
	for _, is := range ms[0].Items {
		if is.Changed != (is.Number == "3.1") {
			t.Errorf("item %s Changed = %v", is.Number, is.Changed)
		}
	}
}

// (c) Items renumbered and reordered: the note stays on the same item and recommendation.
func TestReimportRenumberedKeepsNoteOnItem(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	n := noteOn(t, s, m.ID, "3.1", ptr(1), "Spørg til økonomien.")

	next := kkr()
	slices.Reverse(next.Items)
	for i := range next.Items {
		next.Items[i].Number = []string{"1", "2", "3", "4"}[i]
	}
	for i := range next.Items {
		// A re-publication under new ids (as FirstAgenda's referat does): identity must
		// come from Reconcile, not from ids that happen to match.
		next.Items[i].ID = "republished-" + next.Items[i].Number
	}
	res := importOne(t, s, next)
	if res.Notes[agenda.StatusOK] != 1 {
		t.Errorf("notes by status %v", res.Notes)
	}
	got, _ := s.Note(n.ID)
	if got.Status != agenda.StatusOK || got.Anchor.ItemID != n.Anchor.ItemID || *got.Anchor.Recommendation != 1 {
		t.Errorf("note %+v", got)
	}
	stored, _ := s.Meeting(m.ID)
	it := findItem(t, stored, "3") // 3.1 is now the third item, numbered 3
	if it.ID != n.Anchor.ItemID || got.Anchor.ItemNumber != "3" {
		t.Errorf("item 3 has id %s, note anchored on %s (number %s)", it.ID, n.Anchor.ItemID, got.Anchor.ItemNumber)
	}
}

// (d) The item is removed: the note is orphaned, never deleted, and still listed and
// exported with where it was.
func TestReimportItemRemovedOrphansNote(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	n := noteOn(t, s, m.ID, "3.1", ptr(1), "Min note må ikke forsvinde.")

	next := kkr()
	next.Items = slices.Delete(next.Items, 1, 2)
	res := importOne(t, s, next)
	if res.Notes[agenda.StatusOrphaned] != 1 {
		t.Errorf("notes by status %v", res.Notes)
	}
	notes, err := s.Notes()
	if err != nil || len(notes) != 1 || notes[0].ID != n.ID || notes[0].Status != agenda.StatusOrphaned || notes[0].Text != n.Text {
		t.Fatalf("Notes() = %+v, %v", notes, err)
	}
	if _, _, err := s.Item(n.Anchor.ItemID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the removed item is still current: %v", err)
	}
	if prev, err := s.PreviousItem(n.Anchor.ItemID); err != nil || prev.Title != "Sundhedsklynger i hovedstaden" {
		t.Errorf("the removed item's last version: %+v, %v", prev, err)
	}
	var exp struct {
		Notes []map[string]any `json:"notes"`
	}
	if err := json.Unmarshal(exportJSON(t, s, ""), &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Notes) != 1 || exp.Notes[0]["status"] != "orphaned" || exp.Notes[0]["item_number"] != "3.1" ||
		exp.Notes[0]["item_title"] != "Sundhedsklynger i hovedstaden" {
		t.Errorf("exported orphan %v", exp.Notes)
	}
	// The orphan can still be edited, and stays orphaned.
	notes[0].Text += " Tilføjet senere."
	if err := s.SaveNote(&notes[0]); err != nil {
		t.Fatal(err)
	}
	if notes[0].Status != agenda.StatusOrphaned || notes[0].Revision != 2 {
		t.Errorf("edited orphan %+v", notes[0])
	}
	// And when a later version brings the item back, the note is back on it.
	importOne(t, s, kkr())
	if got, _ := s.Note(n.ID); got.Status != agenda.StatusOK {
		t.Errorf("note after the item came back: %s", got.Status)
	}
}

// An item retitled under the same source id keeps its id; notes on its recommendations
// stay ok, a note on the whole item is flagged changed.
func TestReimportRetitledSameSourceID(t *testing.T) {
	s := openStore(t)
	m := kkr()
	for i := range m.Items {
		m.Items[i].SourceID = "fa-" + m.Items[i].Number
	}
	agenda.AssignIDs(&m)
	importOne(t, s, m)
	recNote := noteOn(t, s, m.ID, "3.1", ptr(0), "Enig.")
	itemNote := noteOn(t, s, m.ID, "3.1", nil, "Hele punktet.")

	next := m
	next.Items = slices.Clone(m.Items)
	next.Items[1].Title = "Sundhedsklyngerne: status og næste skridt"
	next.Items[1].CaseNumber = "SAG-2023-09999"
	agenda.AssignIDs(&next)
	importOne(t, s, next)
	it, _, err := s.Item(recNote.Anchor.ItemID)
	if err != nil || it.Title != "Sundhedsklyngerne: status og næste skridt" {
		t.Fatalf("retitled item under its old id: %+v, %v", it, err)
	}
	if got, _ := s.Note(recNote.ID); got.Status != agenda.StatusOK || got.Anchor.ItemTitle != it.Title {
		t.Errorf("recommendation note %+v", got)
	}
	if got, _ := s.Note(itemNote.ID); got.Status != agenda.StatusChanged {
		t.Errorf("item note status %s, want changed", got.Status)
	}
}

// A recommendation inserted before the noted one: the note's index follows the text.
func TestReimportRecommendationInsertedBefore(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	n := noteOn(t, s, m.ID, "3.1", ptr(1), "Vigtigt.")

	next := kkr()
	setRecs(&next.Items[1], "drøfter status for sundhedsklyngerne",
		"godkender kommissoriet for arbejdsgruppen",
		"giver input til det videre arbejde med de nære sundhedstilbud")
	importOne(t, s, next)
	got, _ := s.Note(n.ID)
	if got.Status != agenda.StatusOK || *got.Anchor.Recommendation != 2 {
		t.Errorf("note status %s on recommendation %d, want ok on 2", got.Status, *got.Anchor.Recommendation)
	}
}

// A stored version released later than the imported one is kept.
func TestImportOlderReleaseKeepsStored(t *testing.T) {
	s := openStore(t)
	newer := kkr()
	newer.Source.Released = time.Date(2023, 4, 20, 12, 0, 0, 0, agenda.Copenhagen)
	newer.Items[0].Decision = "Godkendt."
	importOne(t, s, newer)
	gen := generation(t, s)

	older := kkr()
	older.Source.Released = time.Date(2023, 4, 14, 12, 0, 0, 0, agenda.Copenhagen)
	older.Items = older.Items[:2]
	res := importOne(t, s, older)
	if !res.Older || !res.Unchanged || res.Items != 4 {
		t.Errorf("result %+v", res)
	}
	if g := generation(t, s); g != gen {
		t.Errorf("generation %d → %d: the older version was written", gen, g)
	}
	got, _ := s.Meeting(newer.ID)
	if len(got.Items) != 4 || got.Items[0].Decision != "Godkendt." {
		t.Errorf("stored meeting replaced by the older one: %d items", len(got.Items))
	}
}

// A package is all or nothing, and a refused one leaves the export byte for byte as it was.
func TestFailedImportChangesNothing(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	noteOn(t, s, m.ID, "3.1", ptr(1), "Før.")
	if _, err := s.Import(agenda.Package{Documents: []agenda.Document{{ID: "d1", Title: "Nyhedsbrev"}}}); err != nil {
		t.Fatal(err)
	}
	before := exportJSON(t, s, "")
	gen := generation(t, s)

	good := kkr()
	good.Start = good.Start.AddDate(0, 1, 0)
	agenda.AssignIDs(&good)
	changed := kkr()
	changed.Items = changed.Items[:1] // would orphan the note
	content := []byte("%PDF-1.4 bilag")

	bad := map[string]func() agenda.Package{
		"item without id": func() agenda.Package {
			x := good
			x.Items = slices.Clone(good.Items)
			x.Items[2].ID = ""
			return agenda.Package{Meetings: []agenda.Meeting{changed, x}}
		},
		"meeting without id": func() agenda.Package {
			x := kkr()
			x.ID = ""
			return agenda.Package{Meetings: []agenda.Meeting{changed, x}}
		},
		"two items with one id": func() agenda.Package {
			x := kkr()
			x.Items[3].ID = x.Items[2].ID
			return agenda.Package{Meetings: []agenda.Meeting{good, x}}
		},
		"meeting twice": func() agenda.Package {
			return agenda.Package{Meetings: []agenda.Meeting{changed, changed}}
		},
		"recommendation index out of place": func() agenda.Package {
			x := kkr()
			x.Items[1].Recommendations[1].Index = 5
			return agenda.Package{Meetings: []agenda.Meeting{good, x}}
		},
		"attachment content not matching its sha256": func() agenda.Package {
			x := kkr()
			x.Items[2].Attachments[0].Content = content
			x.Items[2].Attachments[0].SHA256 = strings.Repeat("0", 64)
			return agenda.Package{Meetings: []agenda.Meeting{good, x}}
		},
		"attachment without id": func() agenda.Package {
			x := kkr()
			x.Items[2].Attachments[0].ID = ""
			return agenda.Package{Meetings: []agenda.Meeting{x}}
		},
		// Found inside the transaction, after the first meeting was written: all of it
		// is rolled back.
		"an item with the id of another meeting's item": func() agenda.Package {
			x := good
			x.Items = slices.Clone(good.Items)
			x.Items[0].ID = m.Items[0].ID
			return agenda.Package{Meetings: []agenda.Meeting{changed, x}}
		},
		"document without id": func() agenda.Package {
			return agenda.Package{Meetings: []agenda.Meeting{good}, Documents: []agenda.Document{{Title: "Program"}}}
		},
	}
	for name, pkg := range bad {
		t.Run(name, func(t *testing.T) {
			res, err := s.Import(pkg())
			if err == nil {
				t.Fatalf("imported: %+v", res)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || len(msg) > 300 {
				t.Errorf("error is not one sentence: %q", msg)
			}
			if after := exportJSON(t, s, ""); !bytes.Equal(before, after) {
				t.Errorf("export changed after a failed import")
			}
			if g := generation(t, s); g != gen {
				t.Errorf("generation %d → %d", gen, g)
			}
		})
	}
}

func TestAttachmentContentIsContentAddressed(t *testing.T) {
	s := openStore(t)
	m := kkr()
	content := []byte("%PDF-1.4\nbilag om sundhedsklynger\n")
	m.Items[2].Attachments[0].Content = content
	importOne(t, s, m)
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])
	got, err := s.Meeting(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Items[2].Attachments[0]
	if a.SHA256 != h || a.Size != int64(len(content)) || a.Content != nil {
		t.Errorf("stored attachment %+v", a)
	}
	b, err := s.Attachment(h)
	if err != nil || !bytes.Equal(b, content) {
		t.Errorf("Attachment: %q, %v", b, err)
	}
	if ok, err := s.HasAttachment(strings.ToUpper(h)); !ok || err != nil {
		t.Errorf("HasAttachment: %v %v", ok, err)
	}
	if _, err := s.Attachment(strings.Repeat("ab", 32)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing attachment: %v", err)
	}
	// A meeting first known with only the attachment's sum (as a feed's manifest gives
	// it) and then imported with the content stores the content.
	s2 := openStore(t)
	bare := kkr()
	bare.Items[2].Attachments[0].SHA256, bare.Items[2].Attachments[0].Size = h, int64(len(content))
	importOne(t, s2, bare)
	if ok, _ := s2.HasAttachment(h); ok {
		t.Fatal("content stored without content")
	}
	full := kkr()
	full.Items[2].Attachments[0].Content = content
	if res := importOne(t, s2, full); res.Unchanged {
		t.Error("the import with content counted as unchanged")
	}
	if ok, _ := s2.HasAttachment(h); !ok {
		t.Error("the content was not stored")
	}
	// The caller's slice is not the stored one.
	content[0] = 'X'
	if b2, _ := s.Attachment(h); b2[0] != '%' {
		t.Error("stored content follows the caller's slice")
	}
}

func TestDocuments(t *testing.T) {
	s := openStore(t)
	docs := []agenda.Document{
		{ID: "d2", Title: "Nyhedsbrev april", Date: time.Date(2023, 4, 1, 0, 0, 0, 0, agenda.Copenhagen),
			Sections: []agenda.Section{{Heading: "Nyt", Text: "Tekst"}}},
		{ID: "d3", Title: "Folder om KKR"},
		{ID: "d1", Title: "Program", Date: time.Date(2023, 3, 1, 0, 0, 0, 0, agenda.Copenhagen)},
	}
	if _, err := s.Import(agenda.Package{Documents: docs}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Documents()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range got {
		ids = append(ids, d.ID)
	}
	if strings.Join(ids, " ") != "d1 d2 d3" {
		t.Errorf("documents in order %v, want dated first, by date", ids)
	}
	d, err := s.Document("d2")
	if err != nil || d.Sections[0].Text != "Tekst" {
		t.Errorf("Document: %+v %v", d, err)
	}
	gen := generation(t, s)
	if _, err := s.Import(agenda.Package{Documents: docs}); err != nil {
		t.Fatal(err)
	}
	if g := generation(t, s); g != gen {
		t.Error("re-importing the same documents wrote")
	}
	if _, err := s.Document("nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Document(nope): %v", err)
	}
}

func TestSaveNote(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	it := &m.Items[1]

	// The CLI's way: only the item and a recommendation index; the store anchors it.
	n := agenda.Note{Anchor: agenda.Anchor{ItemID: it.ID, Recommendation: ptr(1)}, Stance: agenda.StanceFor, Text: "Ja"}
	if err := s.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(n.ID) {
		t.Errorf("note id %q is not 128-bit hex", n.ID)
	}
	if n.Revision != 1 || n.Status != agenda.StatusOK || n.Created.IsZero() || !n.Updated.Equal(n.Created) ||
		n.Visibility != agenda.Private || n.Anchor.MeetingID != m.ID || n.Anchor.Quote.Exact != it.Recommendations[1].Text {
		t.Errorf("saved note %+v", n)
	}
	stored, err := s.Note(n.ID)
	if err != nil || !notesEqual(stored, &n) {
		t.Errorf("stored %+v, returned %+v (%v)", stored, n, err)
	}

	time.Sleep(2 * time.Millisecond) // so Updated can move
	n.Text, n.Stance = "Nej alligevel", agenda.StanceAgainst
	created := n.Created
	if err := s.SaveNote(&n); err != nil {
		t.Fatal(err)
	}
	if n.Revision != 2 || !n.Created.Equal(created) || !n.Updated.After(created) {
		t.Errorf("second save %+v", n)
	}
	// A stale copy does not take the revision backwards.
	stale := *stored
	stale.Text = "fra et andet vindue"
	if err := s.SaveNote(&stale); err != nil {
		t.Fatal(err)
	}
	if stale.Revision != 3 {
		t.Errorf("stale save got revision %d, want 3", stale.Revision)
	}

	group := agenda.Note{Anchor: agenda.Anchor{ItemID: m.Items[3].ID}, Visibility: agenda.Group, Group: "A", Author: "mette"}
	if err := s.SaveNote(&group); err != nil {
		t.Fatal(err)
	}
	notes, err := s.Notes()
	if err != nil || len(notes) != 2 || notes[0].ID != n.ID || notes[1].ID != group.ID {
		t.Fatalf("Notes() = %+v, %v", notes, err)
	}
	if mn, _ := s.NotesForMeeting(m.ID); len(mn) != 2 {
		t.Errorf("NotesForMeeting: %d", len(mn))
	}

	if err := s.DeleteNote(n.ID); err != nil {
		t.Fatal(err)
	}
	if notes, _ := s.Notes(); len(notes) != 1 || notes[0].ID != group.ID {
		t.Errorf("Notes() after delete: %+v", notes)
	}
	if mn, _ := s.NotesForMeeting(m.ID); len(mn) != 1 {
		t.Errorf("NotesForMeeting after delete: %d", len(mn))
	}
	if tomb, err := s.Note(n.ID); err != nil || !tomb.Deleted || tomb.Revision != 4 || tomb.Text == "" {
		t.Errorf("tombstone %+v, %v", tomb, err)
	}
	if err := s.DeleteNote("nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteNote(nope): %v", err)
	}
}

// notesEqual compares notes with times by instant.
func notesEqual(a, b *agenda.Note) bool {
	x, y := *a, *b
	if !x.Created.Equal(y.Created) || !x.Updated.Equal(y.Updated) {
		return false
	}
	x.Created, x.Updated, y.Created, y.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	xj, _ := json.Marshal(x)
	yj, _ := json.Marshal(y)
	return bytes.Equal(xj, yj)
}

func TestSaveNoteRefusesBadNotes(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	gen := generation(t, s)
	cases := map[string]agenda.Note{
		"no item":                       {Text: "x"},
		"unknown item":                  {Anchor: agenda.Anchor{ItemID: "nope"}},
		"unknown stance":                {Anchor: agenda.Anchor{ItemID: m.Items[1].ID}, Stance: "maybe"},
		"unknown visibility":            {Anchor: agenda.Anchor{ItemID: m.Items[1].ID}, Visibility: "public"},
		"recommendation out of range":   {Anchor: agenda.Anchor{ItemID: m.Items[1].ID, Recommendation: ptr(7)}},
		"negative recommendation index": {Anchor: agenda.Anchor{ItemID: m.Items[1].ID, Recommendation: ptr(-1)}},
	}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) {
			err := s.SaveNote(&n)
			if err == nil {
				t.Fatalf("saved %+v", n)
			}
			if n.ID != "" || n.Revision != 0 {
				t.Errorf("a refused note was changed: %+v", n)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one sentence: %q", err)
			}
		})
	}
	if err := s.SaveNote(nil); err == nil {
		t.Error("SaveNote(nil) succeeded")
	}
	if g := generation(t, s); g != gen {
		t.Errorf("refused notes wrote: generation %d → %d", gen, g)
	}
	if notes, _ := s.Notes(); len(notes) != 0 {
		t.Errorf("notes stored: %+v", notes)
	}
}

func TestReadMarks(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	h := agenda.ItemTextHash(&m.Items[1])
	if err := s.MarkRead(m.Items[1].ID, h); err != nil {
		t.Fatal(err)
	}
	gen := generation(t, s)
	if err := s.MarkRead(m.Items[1].ID, h); err != nil {
		t.Fatal(err)
	}
	if g := generation(t, s); g != gen {
		t.Error("marking an item read twice wrote twice")
	}
	marks, err := s.ReadMarks()
	if err != nil || len(marks) != 1 || marks[m.Items[1].ID] != h {
		t.Errorf("ReadMarks = %v, %v", marks, err)
	}
}

func TestExportJSON(t *testing.T) {
	s := openStore(t)
	m := kkr()
	m.Items[3].Closed = true
	m.Items[0].Decision = "Godkendt."
	importOne(t, s, m)
	other := kkr()
	other.Body.Name = "KKR Sjælland"
	other.Start = other.Start.AddDate(0, -1, 0)
	other.Premeeting = time.Time{}
	agenda.AssignIDs(&other)
	importOne(t, s, other)
	if _, err := s.Import(agenda.Package{Documents: []agenda.Document{
		{ID: "d1", Title: "Nyhedsbrev", Date: time.Date(2023, 1, 9, 0, 0, 0, 0, agenda.Copenhagen), Sections: []agenda.Section{{Heading: "A & B", Text: "<tekst>"}}}}}); err != nil {
		t.Fatal(err)
	}
	recNote := noteOn(t, s, m.ID, "3.1", ptr(1), "Imod.")
	itemNote := agenda.Note{Anchor: agenda.Anchor{ItemID: m.Items[2].ID}, Stance: agenda.StanceQuestion, Text: "Hvad koster det?", Visibility: agenda.Group, Group: "Gruppe A", Author: "mette"}
	if err := s.SaveNote(&itemNote); err != nil {
		t.Fatal(err)
	}

	out := exportJSON(t, s, "")
	if again := exportJSON(t, s, ""); !bytes.Equal(out, again) {
		t.Error("two exports of the same store differ")
	}
	// note list --json prints ExportNotesJSON: the same notes as the full export.
	var whole struct{ Notes []map[string]any }
	var notesOnly []map[string]any
	var nb bytes.Buffer
	if err := s.ExportNotesJSON(&nb); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &whole); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(nb.Bytes(), &notesOnly); err != nil {
		t.Fatal(err)
	}
	if len(notesOnly) != 2 || !reflect.DeepEqual(whole.Notes, notesOnly) {
		t.Errorf("ExportNotesJSON differs from the export's notes:\n%s", nb.Bytes())
	}
	var exp struct {
		Meetings []struct {
			ID, Body, Kind, Title, Location string
			Start, End, Premeeting          *string
			Items                           []struct {
				ID, Number, Title, Decision string
				CaseNumber                  string `json:"case_number"`
				Closed                      bool
				Sections                    []struct{ Heading, Text string }
				Recommendations             []struct {
					Index int
					Text  string
				}
				Attachments []struct{ ID, Title, URL string }
			}
		}
		Documents []struct {
			ID, Title string
			Date      *string
			Sections  []struct{ Heading, Text string }
		}
		Notes []map[string]any
	}
	if err := json.Unmarshal(out, &exp); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if len(exp.Meetings) != 2 || exp.Meetings[0].Body != "KKR Sjælland" || exp.Meetings[1].Body != "KKR Hovedstaden" {
		t.Fatalf("meetings not by start: %+v", exp.Meetings)
	}
	mm := exp.Meetings[1]
	if mm.ID != m.ID || *mm.Start != "2023-04-21T10:00:00+02:00" || *mm.Premeeting != "2023-04-21T09:00:00+02:00" ||
		mm.End != nil || mm.Location != m.Location || mm.Kind != "dagsorden" {
		t.Errorf("meeting %+v", mm)
	}
	if exp.Meetings[0].Premeeting != nil || *exp.Meetings[0].Start != "2023-03-21T10:00:00+01:00" {
		t.Errorf("times of the winter meeting: start %v premeeting %v", *exp.Meetings[0].Start, exp.Meetings[0].Premeeting)
	}
	if len(mm.Items) != 4 {
		t.Fatalf("%d items", len(mm.Items))
	}
	i31 := mm.Items[1]
	if i31.Number != "3.1" || i31.CaseNumber != "SAG-2023-01182" || len(i31.Recommendations) != 2 ||
		i31.Recommendations[1].Index != 1 || len(i31.Sections) != 2 || i31.Attachments == nil {
		t.Errorf("item 3.1 %+v", i31)
	}
	if !mm.Items[3].Closed || mm.Items[0].Decision != "Godkendt." || len(mm.Items[2].Attachments) != 1 ||
		mm.Items[2].Attachments[0].URL != "https://example.org/b1.pdf" {
		t.Errorf("items %+v", mm.Items)
	}
	if len(exp.Documents) != 1 || *exp.Documents[0].Date != "2023-01-09T00:00:00+01:00" || exp.Documents[0].Sections[0].Text != "<tekst>" {
		t.Errorf("documents %+v", exp.Documents)
	}
	if !bytes.Contains(out, []byte(`"<tekst>"`)) {
		t.Error("Markdown's < > & are escaped in the export")
	}
	if len(exp.Notes) != 2 {
		t.Fatalf("notes %v", exp.Notes)
	}
	rn, in := exp.Notes[0], exp.Notes[1]
	want := map[string]any{"id": recNote.ID, "meeting_id": m.ID, "item_id": m.Items[1].ID, "recommendation": 1.0,
		"stance": "against", "text": "Imod.", "visibility": "private", "status": "ok"}
	for k, v := range want {
		if rn[k] != v {
			t.Errorf("note %s = %v, want %v", k, rn[k], v)
		}
	}
	if in["recommendation"] != nil || in["group"] != "Gruppe A" || in["author"] != "mette" || in["stance"] != "question" || in["visibility"] != "group" {
		t.Errorf("item note %v", in)
	}
	if _, ok := rn["item_number"]; ok {
		t.Error("a placed note carries item_number")
	}
	for _, k := range []string{"created", "updated"} {
		ts, _ := rn[k].(string)
		if tt, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, tt.In(agenda.Copenhagen).Format("-07:00")) {
			t.Errorf("%s = %q is not RFC 3339 in Danish time", k, ts)
		}
	}

	// One meeting: only it and its notes; no documents.
	if err := json.Unmarshal(exportJSON(t, s, other.ID), &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Meetings) != 1 || exp.Meetings[0].ID != other.ID || len(exp.Notes) != 0 || exp.Documents == nil || len(exp.Documents) != 0 {
		t.Errorf("export of one meeting: %d meetings, %d notes, documents %v", len(exp.Meetings), len(exp.Notes), exp.Documents)
	}
	if err := s.ExportJSON(&bytes.Buffer{}, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("export of an unknown meeting: %v", err)
	}
}

func TestExportOfAnEmptyStore(t *testing.T) {
	s := openStore(t)
	want := "{\n  \"meetings\": [],\n  \"documents\": [],\n  \"notes\": []\n}\n"
	if got := string(exportJSON(t, s, "")); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A meeting moved to another time under the same id is listed once, at its new time.
func TestMeetingMovedKeepsOneListEntry(t *testing.T) {
	s := openStore(t)
	m := kkr()
	importOne(t, s, m)
	early := kkr()
	early.Start = early.Start.AddDate(0, 0, -1)
	agenda.AssignIDs(&early)
	importOne(t, s, early)

	moved := kkr()
	moved.Start = moved.Start.AddDate(0, 0, -2) // now before the other one
	moved.ID = m.ID                             // an importer whose ids do not follow the start
	importOne(t, s, moved)
	ms, err := s.Meetings()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ID != m.ID || !ms[0].Start.Equal(moved.Start) || ms[1].ID != early.ID {
		for _, x := range ms {
			t.Logf("%s %v", x.ID, x.Start)
		}
		t.Fatalf("Meetings() after a move: %d meetings", len(ms))
	}
	var exp struct{ Meetings []struct{ ID string } }
	if err := json.Unmarshal(exportJSON(t, s, ""), &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Meetings) != 2 || exp.Meetings[0].ID != m.ID {
		t.Errorf("export after a move: %+v", exp.Meetings)
	}
}
