package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migrations bring a store from schema version i to i+1. Append only: a store records
// how many have run (meta/version) and runs the rest, in order, in one transaction.
// Each has its own test in migrate_test.go.
var migrations = []func(tx *bolt.Tx) error{
	// 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketMeetings, bucketSummaries, bucketItems,
			bucketPrevious, bucketDocuments, bucketBlobs, bucketNotes, bucketNoteIDs, bucketRead} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return nil
	},
	// 2: index the notes by meeting, so importing a meeting re-anchors its notes without
	// decoding every note in the store.
	func(tx *bolt.Tx) error {
		idx, err := tx.CreateBucketIfNotExists(bucketMeetingNotes)
		if err != nil {
			return fmt.Errorf("create bucket %s: %w", bucketMeetingNotes, err)
		}
		return tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
			v, err := openValue(tx, bucketNotes, k, v)
			if err != nil {
				return fmt.Errorf("note %x: %w", k, err)
			}
			n, err := decodeNote(v)
			if err != nil {
				return fmt.Errorf("note %x: %w", k, err)
			}
			return idx.Put(meetingNoteKey(n.Anchor.MeetingID, readU64(k)), nil)
		})
	},
	// 3: full-text search (the search_* buckets), attachments' text and watch words.
	// The index of what the store already holds is built here, in the migration's
	// transaction. Text is not extracted from PDFs already stored (it can take seconds,
	// and Open must not): ExtractAttachmentTexts does that later.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSearchDocs, bucketPostings, bucketTerms, bucketOwners,
			bucketAttachmentText, bucketWatches} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		return buildIndex(tx)
	},
	// 4: encryption at rest (crypt.go): the key record, the sealed buckets, and every
	// sensitive value sealed with the data key of the store being migrated. Open runs it
	// on a copy of the file and compacts the copy before it replaces the store, so no
	// plaintext of what it sealed is left in the file's free pages.
	encryptStore,
	// 5: the index marks the terms of titles in their postings (posting.title), so a
	// query that is a title, or whose words are all in one, ranks first: built again.
	// Open runs it on a compacted copy (see upgrade), so the old index leaves no pages.
	rebuildIndex,
}

// runMigrations runs migrations[from:to] and records the new version.
func runMigrations(tx *bolt.Tx, from, to int) error {
	for i := from; i < to; i++ {
		if err := migrations[i](tx); err != nil {
			return fmt.Errorf("cannot upgrade the store to version %d: %w", i+1, err)
		}
	}
	return tx.Bucket(bucketMeta).Put(keyVersion, u64(uint64(to)))
}

// schemaVersion reads meta/version; 0 for a file no migration has touched.
func schemaVersion(tx *bolt.Tx) uint64 {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0
	}
	return readU64(meta.Get(keyVersion))
}

// migrate checks the schema version under the shared lock, unlocks the store's data key,
// and only takes the exclusive lock when there is something to run, so opening a
// current store never blocks a reader.
func (s *Store) migrate() error {
	var v uint64
	var rec *cryptRecord
	if err := s.view(func(tx *bolt.Tx) error {
		v = schemaVersion(tx)
		var err error
		rec, err = readCrypt(tx)
		return err
	}); err != nil {
		return err
	}
	if v > uint64(len(migrations)) {
		return fmt.Errorf("the data folder %s was written by a newer dagsorden (store version %d, this one knows %d); update dagsorden", s.dir, v, len(migrations))
	}
	if rec != nil && (s.vault == nil || s.vault.id != rec.KeyID) {
		vt, err := s.unlock(rec)
		if err != nil {
			return err
		}
		s.vault = vt
	}
	if v == uint64(len(migrations)) {
		if rec == nil {
			return fmt.Errorf("the store %s has no key record: %w", s.path, errDamaged)
		}
		return nil
	}
	return s.upgrade()
}
