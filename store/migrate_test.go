package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dagsorden/dagsorden/agenda"
	bolt "go.etcd.io/bbolt"
)

// boltAt makes a bare bbolt file at version v: migrations[:v] and nothing else.
func boltAt(t *testing.T, v int) (dir string, db *bolt.DB) {
	t.Helper()
	dir = t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Migration 4 encrypts with the key a test store opens with (TestOptions).
	key := make([]byte, keySize)
	rec, err := newCryptRecord("0123456789abcdef", key)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.wrap(key, testPassphrase, testKDF); err != nil {
		t.Fatal(err)
	}
	vt, err := newVault(rec.KeyID, key)
	if err != nil {
		t.Fatal(err)
	}
	vt.rec = rec
	dbVaults.Store(db, vt)
	defer dbVaults.Delete(db)
	if err := db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketMeta); err != nil {
			return err
		}
		return runMigrations(tx, 0, v)
	}); err != nil {
		t.Fatal(err)
	}
	return dir, db
}

func TestMigration1InitialLayout(t *testing.T) {
	_, db := boltAt(t, 1)
	defer db.Close()
	err := db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketMeetings, bucketSummaries, bucketItems,
			bucketPrevious, bucketDocuments, bucketBlobs, bucketNotes, bucketNoteIDs, bucketRead} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %s missing after migration 1", b)
			}
		}
		for _, b := range [][]byte{bucketMeetingNotes, bucketSearchDocs, bucketPostings, bucketTerms, bucketOwners, bucketAttachmentText, bucketWatches} {
			if tx.Bucket(b) != nil {
				t.Errorf("migration 1 made the bucket %s of a later one", b)
			}
		}
		if v := schemaVersion(tx); v != 1 {
			t.Errorf("version %d, want 1", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A version-1 store with notes on two meetings upgrades to version 2 at Open, and the
// new index finds each meeting's notes, in creation order.
func TestMigration2IndexesNotesByMeeting(t *testing.T) {
	dir, db := boltAt(t, 1)
	rec := 1
	notes := []agenda.Note{
		{ID: "a1", Anchor: agenda.Anchor{MeetingID: "mA", ItemID: "i1"}, Text: "første", Status: agenda.StatusOK},
		{ID: "b1", Anchor: agenda.Anchor{MeetingID: "mB", ItemID: "i9", Recommendation: &rec}, Text: "anden", Status: agenda.StatusOK},
		{ID: "a2", Anchor: agenda.Anchor{MeetingID: "mA", ItemID: "i2"}, Text: "tredje", Status: agenda.StatusOrphaned},
		{ID: "a3", Anchor: agenda.Anchor{MeetingID: "mA", ItemID: "i1"}, Text: "slettet", Deleted: true},
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, n := range notes {
			seq, _ := tx.Bucket(bucketNotes).NextSequence()
			if err := tx.Bucket(bucketNotes).Put(u64(seq), encodeNote(&n)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketNoteIDs).Put([]byte(n.ID), u64(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != uint64(len(migrations)) {
			t.Errorf("version %d after Open, want %d", v, len(migrations))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for meeting, want := range map[string]string{"mA": "a1 a2", "mB": "b1", "mC": ""} {
		got, err := s.NotesForMeeting(meeting)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, n := range got {
			ids = append(ids, n.ID)
		}
		if strings.Join(ids, " ") != want {
			t.Errorf("NotesForMeeting(%s) = %v, want %s", meeting, ids, want)
		}
	}
	// The tombstone is indexed too (sync needs it) but not listed.
	if n, err := s.Note("a3"); err != nil || !n.Deleted {
		t.Errorf("tombstone: %+v, %v", n, err)
	}
}

func TestOpenRunsEveryMigrationOnANewStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != uint64(len(migrations)) {
			t.Errorf("version %d, want %d", v, len(migrations))
		}
		if tx.Bucket(bucketMeetingNotes) == nil {
			t.Error("no meeting_notes bucket")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing but the store is left in the folder: the temp file is gone.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != FileName {
		t.Errorf("data folder holds %v", ents)
	}
}

func TestOpenRefusesAStoreFromANewerDagsorden(t *testing.T) {
	dir, db := boltAt(t, len(migrations))
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(uint64(len(migrations)+1)))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "newer dagsorden") {
		t.Fatalf("Open = %v, want an error saying a newer dagsorden wrote it", err)
	}
}

// A version-2 store (meetings, items, a note, a document and a stored PDF, written as
// version 2 wrote them: without an index) upgrades to version 3 at Open: search finds
// what it held, the index is what a fresh build gives, and the PDF's text, which the
// migration leaves alone, comes with ExtractAttachmentTexts.
func TestMigration3BuildsTheSearchIndex(t *testing.T) {
	dir, db := boltAt(t, 2)
	pdf := MakePDF("Bilagets tekst om skybrudssikring.")
	sum := sha256.Sum256(pdf)
	sha := hex.EncodeToString(sum[:])
	m := testMeeting(7,
		testItem("1", "Klimatilpasning i Karlslunde", "Skybrud oversvømmer kældrene.", "vedtager klimaplanen"),
		testItem("2", "Budget", "Budgettet holder."))
	m.Items[0].Attachments = []agenda.Attachment{{ID: "a1", Title: "Bilag 1", SHA256: sha, Size: int64(len(pdf))}}
	doc := agenda.Document{ID: "d1", Title: "Nyhedsbrev", Sections: []agenda.Section{{Text: "Om grundvandet."}}}
	note := agenda.Note{ID: "n1", Anchor: agenda.Anchor{MeetingID: m.ID, ItemID: m.Items[1].ID}, Text: "Spørg til anlægsrammen.", Status: agenda.StatusOK}
	err := db.Update(func(tx *bolt.Tx) error {
		rec := &meetingRecord{Meeting: m, ItemIDs: []string{m.Items[0].ID, m.Items[1].ID}}
		rec.Meeting.Items = nil
		puts := []struct {
			bucket   []byte
			key, val []byte
		}{
			{bucketMeetings, []byte(m.ID), encodeMeeting(rec)},
			{bucketItems, []byte(m.Items[0].ID), encodeItem(&itemRecord{MeetingID: m.ID, Item: m.Items[0]})},
			{bucketItems, []byte(m.Items[1].ID), encodeItem(&itemRecord{MeetingID: m.ID, Item: m.Items[1]})},
			{bucketBlobs, []byte(sha), pdf},
			{bucketDocuments, []byte(doc.ID), encodeDocument(&doc)},
			{bucketNotes, u64(1), encodeNote(&note)},
			{bucketNoteIDs, []byte(note.ID), u64(1)},
			{bucketMeetingNotes, meetingNoteKey(m.ID, 1), nil},
		}
		sum := summarize(&m, time.Now(), false, nil)
		puts = append(puts, struct {
			bucket   []byte
			key, val []byte
		}{bucketSummaries, summaryKey(m.Start, m.ID), encodeSummary(&sum)})
		for _, p := range puts {
			if err := tx.Bucket(p.bucket).Put(p.key, p.val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for q, kind := range map[string]string{"skybrud": "item", "karlslunde": "item", "klimaplanen": "recommendation",
		"anlægsrammen": "note", "grundvandet": "document", "budgettet": "item"} {
		hits, err := s.Search(q, 5)
		if err != nil || len(hits) != 1 || hits[0].Kind != kind {
			t.Errorf("Search(%q) after the migration: %+v, %v", q, hits, err)
		}
	}
	checkIndex(t, s)
	if hits, _ := s.Search("skybrudssikring", 5); len(hits) != 0 {
		t.Errorf("the migration extracted the PDF: %+v", hits)
	}
	if _, err := s.AttachmentText(sha); !errors.Is(err, ErrNotFound) {
		t.Errorf("AttachmentText before extraction: %v", err)
	}
	if n, err := s.ExtractAttachmentTexts(); n != 1 || err != nil {
		t.Fatalf("ExtractAttachmentTexts = %d, %v", n, err)
	}
	if hits, _ := s.Search("skybrudssikring", 5); len(hits) != 1 || hits[0].Kind != "attachment" || hits[0].Page != 1 || hits[0].AttachmentTitle != "Bilag 1" {
		t.Errorf("after extraction: %+v", hits)
	}
	if n, err := s.ExtractAttachmentTexts(); n != 0 || err != nil {
		t.Errorf("a second ExtractAttachmentTexts = %d, %v", n, err)
	}
	checkIndex(t, s)
	if err := s.WatchAdd("skybrud"); err != nil {
		t.Errorf("watches after the migration: %v", err)
	}
}

// A version-4 store, whose postings and documents say nothing of titles (as version 4
// wrote them), gets them from migration 5: the index is built again, every item's title
// marked, and a query that is an item's title finds it first, above an item that says
// the word more often.
func TestMigration5MarksTitlesInTheIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := testMeeting(9,
		testItem("1", "Regnskab og anlæg", strings.Repeat("Budget, budget og atter budget. ", 6)),
		testItem("2", "Budget", "Orientering om rammerne."),
		testItem("3", "Lukket: Køb af grund", "Budget for købet."))
	m.Items[2].Closed = true
	if _, err := s.Import(agenda.Package{Meetings: []agenda.Meeting{m}}); err != nil {
		t.Fatal(err)
	}
	note := agenda.Note{Anchor: agenda.Anchor{MeetingID: m.ID, ItemID: m.Items[0].ID}, Text: "Budget? Spørg."}
	if err := s.SaveNote(&note); err != nil {
		t.Fatal(err)
	}
	before, err := s.Search("budget ", 5)
	if err != nil || len(before) < 3 || before[1].ItemID != m.Items[1].ID {
		t.Fatalf("before: %+v, %v", before, err)
	}
	s.Close()

	// Back to version 4: the titles taken out of the public postings and documents.
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		type kv struct{ k, v []byte }
		var puts []kv
		if err := tx.Bucket(bucketPostings).ForEach(func(k, v []byte) error {
			first := readU64(k[len(k)-8:])
			var out []byte
			prev := first
			err := decodeBlock(first, v, func(p posting) bool {
				p.title = 0
				out, prev = appendEntry(out, prev, p), p.doc
				return true
			})
			puts = append(puts, kv{bytes.Clone(k), out})
			return err
		}); err != nil {
			return err
		}
		for _, p := range puts {
			if err := tx.Bucket(bucketPostings).Put(p.k, p.v); err != nil {
				return err
			}
		}
		puts = nil
		if err := tx.Bucket(bucketSearchDocs).ForEach(func(k, v []byte) error {
			d, err := decodeDoc(v)
			d.TitleWords, d.TitleTerms = 0, nil
			puts = append(puts, kv{bytes.Clone(k), encodeDoc(d)})
			return err
		}); err != nil {
			return err
		}
		for _, p := range puts {
			if err := tx.Bucket(bucketSearchDocs).Put(p.k, p.v); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(4))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.view(func(tx *bolt.Tx) error {
		if v := schemaVersion(tx); v != 5 {
			t.Errorf("version %d after the upgrade", v)
		}
		return tx.Bucket(bucketSearchDocs).ForEach(func(k, v []byte) error {
			d, err := decodeDoc(v)
			if err == nil && (d.Kind == kindItem || d.Kind == kindMeeting) && (d.TitleWords == 0 || len(d.TitleTerms) == 0) {
				t.Errorf("%s %s has no title after the migration", d.Kind, d.ItemID)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIndex(t, s)
	after, err := s.Search("budget ", 5)
	if err != nil || len(after) != len(before) {
		t.Fatalf("after: %+v, %v", after, err)
	}
	for i := range after {
		if after[i].Kind != before[i].Kind || after[i].ItemID != before[i].ItemID || after[i].Score != before[i].Score {
			t.Errorf("hit %d: %s %s %f after the migration, %s %s %f before", i, after[i].Kind, after[i].Title, after[i].Score,
				before[i].Kind, before[i].Title, before[i].Score)
		}
	}
}
